//! Product types: what kind of product, which attributes it carries.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "product_type")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub kind: String,
    pub has_variants: bool,
    pub is_shipping_required: bool,
    pub is_digital: bool,
    pub weight_grams: Option<i32>,
    /// Default tax class of its products.
    pub tax_class_id: Option<i32>,
    pub metadata: Json,
    pub private_metadata: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
