//! Products. `search_document` is the text indexed for search (FTS5 / tsvector).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "product")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub product_type_id: i32,
    pub category_id: Option<i32>,
    pub name: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub description: Option<Json>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub weight_grams: Option<i32>,
    #[sea_orm(unique)]
    pub external_reference: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub search_document: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Tax class (copied from the product type when not given).
    pub tax_class_id: Option<i32>,
    /// Saleor's product rating (set by staff; sorts `RATING`).
    pub rating: Option<f64>,
    pub metadata: Json,
    pub private_metadata: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
