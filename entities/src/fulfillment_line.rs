//! Units of one order line shipped in a fulfillment, from one stock row.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "fulfillment_line")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub fulfillment_id: i32,
    pub order_line_id: i32,
    pub stock_id: Option<i32>,
    pub quantity: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
