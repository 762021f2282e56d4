//! Warehouses holding stock; with a click-and-collect option, also pickup points.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "warehouse")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub email: String,
    pub is_private: bool,
    pub click_and_collect_option: String,
    pub company_name: String,
    pub street_address_1: String,
    pub city: String,
    pub postal_code: String,
    pub country: String,
    pub metadata: Json,
    pub private_metadata: Json,
    pub street_address_2: String,
    pub city_area: String,
    pub country_area: String,
    pub phone: String,
    pub first_name: String,
    pub last_name: String,
    #[sea_orm(unique)]
    pub external_reference: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
