//! Users: customers and staff. `jwt_token_key` is rotated to revoke all of a user's tokens.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_user")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub email: String,
    pub password_hash: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub is_staff: bool,
    pub is_active: bool,
    pub is_confirmed: bool,
    pub jwt_token_key: String,
    pub language_code: String,
    pub note: Option<String>,
    pub metadata: Json,
    pub private_metadata: Json,
    pub date_joined: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub last_login: Option<DateTimeUtc>,
    pub default_shipping_address_id: Option<i32>,
    pub default_billing_address_id: Option<i32>,
    /// An identifier in an external system, unique when set.
    pub external_reference: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::user_permission_group::Entity")]
    UserPermissionGroup,
}

impl Related<super::user_permission_group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::UserPermissionGroup.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
