//! A shipping method's flat price and order value limits in a channel (minor units).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "shipping_method_channel_listing")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub method_id: i32,
    pub channel_id: i32,
    pub currency: String,
    pub price_amount: i64,
    pub minimum_order_amount: Option<i64>,
    pub maximum_order_amount: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
