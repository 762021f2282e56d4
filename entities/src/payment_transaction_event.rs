//! Saleor's `TransactionEvent`: one thing that happened to a transaction.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_transaction_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub transaction_id: i32,
    /// Saleor's `TransactionEventTypeEnum` name.
    pub kind: String,
    pub amount: i64,
    pub currency: String,
    pub psp_reference: String,
    pub message: String,
    pub external_url: String,
    pub user_id: Option<i32>,
    pub app_id: Option<i32>,
    pub idempotency_key: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
