//! Marketing campaigns.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    /// Channel type code, e.g. `PAID_SEARCH`.
    pub channel_type: String,
    /// Status code, e.g. `ACTIVE`.
    pub status: String,
    pub starts_at: Option<DateTimeUtc>,
    pub ends_at: Option<DateTimeUtc>,
    /// Budget as decimal text, e.g. `"1250.00"`.
    pub budget_amount: Option<String>,
    pub budget_currency: Option<String>,
    pub target_segment_id: Option<i32>,
    /// The `utm_campaign` value that attributes captures to this campaign.
    #[sea_orm(unique)]
    pub utm_campaign: Option<String>,
    pub landing_url: Option<String>,
    /// A/B winner criterion code, e.g. `CLICK_RATE`.
    pub winner_criterion: String,
    pub metadata: Json,
    pub private_metadata: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::campaign_variant::Entity")]
    Variant,
}

impl Related<super::campaign_variant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Variant.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
