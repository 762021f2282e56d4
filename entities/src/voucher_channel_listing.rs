//! A voucher's value and minimum spend in a channel.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "voucher_channel_listing")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub voucher_id: i32,
    pub channel_id: i32,
    pub currency: String,
    /// FIXED: minor units; PERCENTAGE: hundredths of a percent (1000 = 10%).
    pub discount_value: i64,
    pub min_spent: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
