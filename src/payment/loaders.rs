//! The payment domain's dataloaders: transactions of many orders and events of many
//! transactions, one statement each.

use async_graphql::dataloader::DataLoader;
use entities::{payment_transaction as tx, payment_transaction_event as tx_event};
use sea_orm::DatabaseConnection;

use crate::core::loaders::{ChildrenLoader, loader};

/// Every payment dataloader, shared by all requests.
pub struct PaymentLoaders {
    /// Transactions by order ID, oldest first.
    pub by_order: DataLoader<ChildrenLoader<tx::Entity, String>>,
    /// Events by transaction ID, oldest first.
    pub events: DataLoader<ChildrenLoader<tx_event::Entity, i32>>,
}

impl PaymentLoaders {
    pub fn new(db: &DatabaseConnection) -> Self {
        Self {
            by_order: loader(ChildrenLoader::new(
                db,
                tx::Column::OrderId,
                tx::Column::Id,
                |t: &tx::Model| t.order_id.clone(),
            )),
            events: loader(ChildrenLoader::new(
                db,
                tx_event::Column::TransactionId,
                tx_event::Column::Id,
                |e: &tx_event::Model| Some(e.transaction_id),
            )),
        }
    }
}
