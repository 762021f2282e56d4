//! Apps: API clients authenticating with app tokens, with their own permissions.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "app")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub identifier: Option<String>,
    pub is_active: bool,
    /// JSON array of permission codes.
    pub permissions: Json,
    pub metadata: Json,
    pub private_metadata: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::app_token::Entity")]
    AppToken,
}

impl Related<super::app_token::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AppToken.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
