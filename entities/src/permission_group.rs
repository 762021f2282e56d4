//! Permission groups: a named set of `PermissionEnum` codes granted to staff members.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "permission_group")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub name: String,
    /// JSON array of permission codes, e.g. `["MANAGE_PRODUCTS"]`.
    pub permissions: Json,
    pub restricted_access_to_channels: bool,
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
