//! Content pages.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "page")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub page_type_id: i32,
    pub title: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub content: Option<Json>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub is_published: bool,
    pub published_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub metadata: Json,
    pub private_metadata: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
