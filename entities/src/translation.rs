//! Translations of any translatable object (`entity_kind`: product, variant, category, collection, attribute, attribute_value, page, menu_item). Pages keep title in `name` and content in `description`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "translation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub entity_kind: String,
    pub entity_id: i32,
    pub language_code: String,
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<Json>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub plain_text: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
