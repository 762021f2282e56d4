//! Attributes assigned to a product type (`owner_kind` product/variant) or page type (page).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "type_attribute")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub owner_kind: String,
    pub owner_id: i32,
    pub attribute_id: i32,
    pub variant_selection: bool,
    pub sort_order: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
