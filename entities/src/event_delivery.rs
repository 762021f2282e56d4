//! One event to deliver to one webhook; retried until it succeeds or runs out of attempts.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_delivery")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub webhook_id: i32,
    /// The outbox row (event) being delivered.
    pub event_id: i64,
    pub event_type: String,
    /// `PENDING`, `SUCCESS` or `FAILED` (Saleor's `EventDeliveryStatusEnum`).
    pub status: String,
    /// The payload, generated at the first attempt and reused by retries.
    pub payload: Option<String>,
    pub attempt_count: i32,
    pub next_attempt_at: DateTimeUtc,
    pub locked_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::webhook::Entity",
        from = "Column::WebhookId",
        to = "super::webhook::Column::Id",
        on_delete = "Cascade"
    )]
    Webhook,
    #[sea_orm(has_many = "super::event_delivery_attempt::Entity")]
    Attempt,
}

impl Related<super::webhook::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Webhook.def()
    }
}

impl Related<super::event_delivery_attempt::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Attempt.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
