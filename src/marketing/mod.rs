//! Marketing: leads (capture, timeline, lifecycle, scoring), saved segments, campaigns with
//! A/B variants and external metrics, and marketing statistics.
//!
//! [`MarketingService`] holds the rules; its methods are split by topic across the modules
//! below. `api` holds the GraphQL types and thin resolvers.

pub mod api;
pub mod assignment;
pub mod attribution;
pub mod campaigns;
pub mod csv;
pub mod decay;
pub mod email;
pub mod filter;
pub mod import;
pub mod leads;
pub mod sales;
pub mod scoring;
pub mod seed;
pub mod segments;
pub mod stats;
pub mod types;

use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr};

use crate::events::Events;

pub use types::{Code, MarketingError};

/// The marketing domain's service: leads, scoring, segments, campaigns and statistics.
#[derive(Clone)]
pub struct MarketingService {
    db: DatabaseConnection,
    events: Events,
}

impl MarketingService {
    /// A service over `db`, waking the event dispatcher after commits.
    pub fn new(db: DatabaseConnection, events: Events) -> Self {
        Self { db, events }
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so a transaction that reads before writing waits for other
    /// writers instead of failing with `SQLITE_BUSY` when upgrading its read snapshot;
    /// PostgreSQL ignores the option.
    async fn write_txn(&self) -> Result<DatabaseTransaction, DbErr> {
        crate::db::begin_write(&self.db).await
    }
}
