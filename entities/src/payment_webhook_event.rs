//! Provider webhook notifications already applied (replays are ignored).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_webhook_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub gateway: String,
    pub provider_event_id: String,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
