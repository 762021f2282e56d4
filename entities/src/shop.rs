//! The single shop row: name, description and shop-wide settings.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shop")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub description: Option<String>,
    pub default_country: String,
    pub domain: String,
    /// Random id shared by every instance of one deployment; namespaces Redis keys.
    pub installation_id: String,
    pub metadata: Json,
    pub private_metadata: Json,
    pub created_at: DateTimeUtc,
    /// New customers must confirm their email before signing in.
    pub enable_account_confirmation_by_email: bool,
    /// Unconfirmed customers may still sign in.
    pub allow_login_without_confirmation: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
