//! Shipping methods of a zone (Saleor's price-based or weight-based methods).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "shipping_method")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub zone_id: i32,
    pub name: String,
    /// `PRICE` or `WEIGHT`.
    pub kind: String,
    pub minimum_delivery_days: Option<i32>,
    pub maximum_delivery_days: Option<i32>,
    pub minimum_order_weight_grams: Option<i32>,
    pub maximum_order_weight_grams: Option<i32>,
    pub metadata: Json,
    pub private_metadata: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
