//! Order lines with snapshots of the product and variant names, SKU and prices.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "order_line")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: String,
    pub variant_id: Option<i32>,
    pub product_name: String,
    pub variant_name: String,
    pub product_sku: Option<String>,
    pub quantity: i32,
    pub currency: String,
    pub unit_price: i64,
    pub undiscounted_unit_price: i64,
    pub total_price: i64,
    /// Net unit and line prices (`unit_price`/`total_price` are gross).
    pub unit_price_net: i64,
    pub total_price_net: i64,
    /// Tax rate applied, hundredths of a percent.
    pub tax_rate_bp: i32,
    /// Units shipped in fulfillments that are not canceled.
    pub quantity_fulfilled: i32,
    /// Catalogue discount on one unit, minor units as entered (0: none).
    pub unit_discount_amount: i64,
    /// `PERCENTAGE` or `FIXED` when discounted.
    pub unit_discount_type: Option<String>,
    /// The rule's reward value (decimal text) when discounted.
    pub unit_discount_value: Option<String>,
    pub unit_discount_reason: Option<String>,
    /// The undiscounted unit price, taxed (set when the line was discounted at completion).
    pub undiscounted_unit_price_net: Option<i64>,
    pub undiscounted_unit_price_gross: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
