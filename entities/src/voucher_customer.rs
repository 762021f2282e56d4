//! Customers (by email) who used an `apply_once_per_customer` voucher.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "voucher_customer")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub voucher_id: i32,
    pub customer_email: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
