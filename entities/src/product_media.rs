//! Product images and videos (by URL).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "product_media")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub product_id: i32,
    pub sort_order: i32,
    pub image_url: String,
    pub alt: String,
    pub media_type: String,
    pub external_url: Option<String>,
    pub oembed_data: Json,
    pub metadata: Json,
    pub private_metadata: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
