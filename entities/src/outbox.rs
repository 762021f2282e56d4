//! Outbox rows: domain events awaiting dispatch to the event bus and webhooks.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Saleor's event name, e.g. `ORDER_CREATED`.
    pub event_type: String,
    /// GraphQL type of the object the event is about, e.g. `Order`.
    pub object_type: String,
    /// Primary key (or token) of that object.
    pub object_id: String,
    /// Slug of the channel the object belongs to, when it has one.
    pub channel_slug: Option<String>,
    /// The customer the object belongs to (orders, checkouts), for per-customer visibility.
    pub user_id: Option<i32>,
    /// Global ID of the user or app that caused the event.
    pub requestor: Option<String>,
    /// Extra event data (a snapshot where the object may be gone, e.g. after deletion).
    pub payload: Json,
    pub created_at: DateTimeUtc,
    pub dispatched_at: Option<DateTimeUtc>,
    pub locked_until: Option<DateTimeUtc>,
    pub attempts: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
