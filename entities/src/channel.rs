//! Sales channels: currency, default country and activity.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "channel")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub currency_code: String,
    pub default_country: String,
    pub is_active: bool,
    pub metadata: Json,
    pub private_metadata: Json,
    pub created_at: DateTimeUtc,
    /// Saleor's `orderSettings.allowUnpaidOrders`: `checkoutComplete` without full payment.
    pub allow_unpaid_orders: bool,
    /// Saleor's `checkoutSettings.automaticallyCompleteFullyPaidCheckouts`.
    pub automatically_complete_fully_paid_checkouts: bool,
    /// Saleor's `paymentSettings.defaultTransactionFlowStrategy`: `CHARGE` or `AUTHORIZATION`.
    pub default_transaction_flow: String,
    /// Orders from checkouts start UNFULFILLED (true) or UNCONFIRMED (false).
    pub automatically_confirm_all_new_orders: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
