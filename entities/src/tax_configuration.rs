//! A channel's tax configuration (Saleor's `TaxConfiguration`), one per channel.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tax_configuration")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub channel_id: i32,
    pub charge_taxes: bool,
    /// `FLAT_RATES`, `TAX_APP` or none.
    pub tax_calculation_strategy: Option<String>,
    pub display_gross_prices: bool,
    pub prices_entered_with_tax: bool,
    pub tax_app_id: Option<String>,
    pub metadata: Json,
    pub private_metadata: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
