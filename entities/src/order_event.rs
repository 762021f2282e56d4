//! The history of an order (Saleor's `OrderEvent`): one row per action.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "order_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: String,
    /// Saleor's `OrderEventsEnum`, e.g. `NOTE_ADDED`.
    pub event_type: String,
    pub date: DateTimeUtc,
    pub user_id: Option<i32>,
    pub app_id: Option<i32>,
    /// Event details: `message`, `email`, `quantity`, `lines`, `fulfilled_items`,
    /// `warehouse_id`, `tracking_number`, `related_id`, `composed_id`.
    pub parameters: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
