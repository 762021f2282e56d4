//! Attribution of checkouts and orders to leads, campaigns and variants: a `first` and a
//! `last` touch row per checkout, given the order's id, channel, currency, total and time
//! at completion.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "marketing_attribution")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub checkout_token: Option<String>,
    pub order_id: Option<String>,
    pub lead_id: Option<i32>,
    pub campaign_id: Option<i32>,
    pub campaign_variant_id: Option<i32>,
    pub visitor_id: Option<String>,
    /// `first` or `last`.
    pub touch: String,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_term: Option<String>,
    pub utm_content: Option<String>,
    /// Copied from the order at completion.
    pub channel_id: Option<i32>,
    pub currency: Option<String>,
    /// Order total in minor units of `currency`.
    pub order_total: Option<i64>,
    pub ordered_at: Option<DateTimeUtc>,
    /// Whether this order turned the lead into a customer.
    pub lead_converted: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
