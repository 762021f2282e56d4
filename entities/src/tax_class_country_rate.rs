//! A flat tax rate in a country: the country's default rate when `tax_class_id` is null,
//! else the rate of that tax class there.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tax_class_country_rate")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub tax_class_id: Option<i32>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Hundredths of a percent: 1900 = 19%.
    pub rate_bp: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
