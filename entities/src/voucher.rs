//! Vouchers (promo codes).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "voucher")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    /// `PERCENTAGE` or `FIXED`.
    pub discount_type: String,
    pub usage_limit: Option<i32>,
    pub used: i32,
    pub start_date: DateTimeUtc,
    pub end_date: Option<DateTimeUtc>,
    /// `ENTIRE_ORDER`, `SPECIFIC_PRODUCT` or `SHIPPING`.
    pub voucher_type: String,
    pub min_checkout_items_quantity: Option<i32>,
    pub apply_once_per_order: bool,
    pub apply_once_per_customer: bool,
    pub only_for_staff: bool,
    pub single_use: bool,
    /// ISO country codes separated by commas (SHIPPING vouchers); empty: every country.
    pub countries: String,
    pub metadata: Json,
    pub private_metadata: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
