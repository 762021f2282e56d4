//! A shipment of order lines from one warehouse (Saleor's `Fulfillment`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "fulfillment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: String,
    /// 1, 2, … per order.
    pub fulfillment_order: i32,
    /// Saleor's `FulfillmentStatus`, e.g. `FULFILLED`, `CANCELED`.
    pub status: String,
    pub tracking_number: String,
    pub warehouse_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub metadata: Json,
    pub private_metadata: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
