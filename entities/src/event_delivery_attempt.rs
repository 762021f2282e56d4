//! One HTTP attempt of an event delivery: outcome, timing and (truncated) response.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_delivery_attempt")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub delivery_id: i64,
    /// `SUCCESS` or `FAILED`.
    pub status: String,
    pub duration_ms: i32,
    pub response_status_code: Option<i32>,
    /// Response body (or the transport error), truncated.
    pub response: Option<String>,
    pub request_headers: Json,
    pub response_headers: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::event_delivery::Entity",
        from = "Column::DeliveryId",
        to = "super::event_delivery::Column::Id",
        on_delete = "Cascade"
    )]
    Delivery,
}

impl Related<super::event_delivery::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Delivery.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
