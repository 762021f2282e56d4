//! Webhooks: an app's subscription of a target URL to asynchronous events.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The owning app; its permissions govern what the payload may contain.
    pub app_id: i32,
    pub name: String,
    pub target_url: String,
    pub is_active: bool,
    /// Legacy HMAC secret, encrypted with the master key.
    pub secret_key_encrypted: Option<String>,
    /// JSON array of event names, e.g. `["ORDER_CREATED"]`.
    pub async_events: Json,
    /// The subscription document whose result is the payload.
    pub subscription_query: String,
    /// JSON object of extra request headers.
    pub custom_headers: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::event_delivery::Entity")]
    EventDelivery,
}

impl Related<super::event_delivery::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EventDelivery.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
