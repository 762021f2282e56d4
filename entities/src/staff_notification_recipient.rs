//! A staff user or an email address that receives the shop's staff notifications.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_notification_recipient")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// A staff user (their email is used), or `None` with `staff_email` set.
    pub user_id: Option<i32>,
    pub staff_email: Option<String>,
    pub active: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
