//! Collections whose products a SPECIFIC_PRODUCT voucher discounts.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "voucher_collection")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub voucher_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub collection_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
