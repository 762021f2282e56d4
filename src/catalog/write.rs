//! Write side of the catalog: the rules and transactions behind staff mutations.

use sea_orm::DatabaseConnection;

/// Applies staff changes to the catalog.
#[derive(Clone, Debug)]
pub struct CatalogWriter {
    db: DatabaseConnection,
}

impl CatalogWriter {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The connection (for callers composing reads after a write).
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }
}
