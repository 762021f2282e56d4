//! Attribute values assigned to a product, variant or page (`entity_kind`); `type_id` is its product or page type.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "assigned_value")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub entity_kind: String,
    pub entity_id: i32,
    pub type_id: i32,
    pub attribute_id: i32,
    pub value_id: i32,
    pub sort_order: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
