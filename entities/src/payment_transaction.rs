//! Saleor's `TransactionItem`: one payment attempt on a checkout or order, with its
//! authorized/charged/refunded/canceled and pending amounts in minor units.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_transaction")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Public UUID (`TransactionItem.token`, encoded in its global ID).
    #[sea_orm(unique)]
    pub token: String,
    pub checkout_token: Option<String>,
    pub order_id: Option<String>,
    pub channel_id: i32,
    /// In-process gateway id (`saleor.io.dummy-payment-app`, ...), or null for app-reported
    /// transactions.
    pub gateway: Option<String>,
    /// The app that created it (`transactionCreate`), if any.
    pub app_id: Option<i32>,
    /// The user who created it, if any.
    pub user_id: Option<i32>,
    pub name: String,
    pub message: String,
    pub psp_reference: String,
    pub currency: String,
    /// `CHARGE` or `AUTHORIZATION`.
    pub flow: String,
    pub amount_requested: i64,
    pub authorized: i64,
    pub charged: i64,
    pub refunded: i64,
    pub canceled: i64,
    pub authorize_pending: i64,
    pub charge_pending: i64,
    pub refund_pending: i64,
    pub cancel_pending: i64,
    /// `["CHARGE", "REFUND", "CANCEL"]` subset.
    pub available_actions: Json,
    pub idempotency_key: Option<String>,
    pub external_url: String,
    /// Lease while a provider call for this transaction is in flight.
    pub locked_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub modified_at: DateTimeUtc,
    pub metadata: Json,
    pub private_metadata: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
