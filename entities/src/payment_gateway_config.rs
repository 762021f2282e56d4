//! A payment gateway's configuration for one channel (secrets sealed with the master key).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_gateway_config")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub channel_id: i32,
    /// The gateway's key (`dummy`, `stripe`, ...).
    pub gateway: String,
    pub is_active: bool,
    /// Non-secret settings (publishable keys, capture mode, ...).
    pub settings: Json,
    /// Secrets as JSON, sealed with the master key (context: channel and gateway).
    pub secrets: Option<String>,
    /// What staff see of the secrets: `{name: "••••1234"}`.
    pub secrets_masked: Json,
    /// Provider API base URL override (sandboxes, tests).
    pub base_url: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
