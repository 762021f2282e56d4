//! A country exception of a channel's tax configuration (`TaxConfigurationPerCountry`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tax_configuration_per_country")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub tax_configuration_id: i32,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub charge_taxes: bool,
    pub tax_calculation_strategy: Option<String>,
    pub display_gross_prices: bool,
    pub tax_app_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
