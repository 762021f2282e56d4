//! Categories: a tree through `parent_id`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "category")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub description: Option<Json>,
    pub parent_id: Option<i32>,
    pub level: i32,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub background_image_url: Option<String>,
    pub background_image_alt: Option<String>,
    pub updated_at: DateTimeUtc,
    pub metadata: Json,
    pub private_metadata: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
