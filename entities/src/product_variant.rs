//! Product variants (the purchasable unit).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "product_variant")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub product_id: i32,
    pub name: String,
    #[sea_orm(unique)]
    pub sku: Option<String>,
    pub track_inventory: bool,
    pub quantity_limit_per_customer: Option<i32>,
    pub weight_grams: Option<i32>,
    pub sort_order: i32,
    pub external_reference: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub metadata: Json,
    pub private_metadata: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
