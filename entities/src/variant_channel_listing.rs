//! A variant's price in a channel, in minor units of the channel currency.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "variant_channel_listing")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub variant_id: i32,
    pub channel_id: i32,
    pub currency: String,
    pub price_amount: Option<i64>,
    pub cost_price_amount: Option<i64>,
    /// `price_amount` less the best running catalogue promotion (precomputed).
    pub discounted_price_amount: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
