//! Menu items: a tree per menu, linking a category, collection, page or URL.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "menu_item")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub menu_id: i32,
    pub parent_id: Option<i32>,
    pub name: String,
    pub url: Option<String>,
    pub category_id: Option<i32>,
    pub collection_id: Option<i32>,
    pub page_id: Option<i32>,
    pub sort_order: i32,
    pub level: i32,
    pub metadata: Json,
    pub private_metadata: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
