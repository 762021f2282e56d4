//! Values of an attribute (choices, or per-object values of text/numeric/boolean/... attributes).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "attribute_value")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub attribute_id: i32,
    pub name: String,
    pub slug: String,
    pub value: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub plain_text: Option<String>,
    pub rich_text: Option<Json>,
    pub boolean: Option<bool>,
    pub date_time: Option<DateTimeUtc>,
    pub file_url: Option<String>,
    pub content_type: Option<String>,
    pub reference: Option<String>,
    pub sort_order: i32,
    pub external_reference: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
