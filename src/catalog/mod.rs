//! Catalog: product types, attributes, categories, collections, products, variants, channel
//! listings, stock, media, translations and search.
//!
//! - `read`: listings and lookups (keyset pages, filters, visibility rules)
//! - `search`: the search index (FTS5 / tsvector), maintained on write
//! - `loaders`: dataloaders for every relation a list can reach
//! - `write`: staff mutations' rules and transactions
//! - `seed`: the demo catalog and bulk generation for benchmarks
//! - `api`: GraphQL types and resolvers (thin)

pub mod api;
pub mod bulk_write;
pub mod loaders;
pub mod money;
pub mod read;
pub mod search;
pub mod seed;
pub mod type_write;
pub mod warehouse;
pub mod write;

use std::sync::Arc;

use sea_orm::DatabaseConnection;

/// The catalog's services, shared by every request.
#[derive(Clone)]
pub struct CatalogService {
    pub products: read::ProductReader,
    pub loaders: Arc<loaders::CatalogLoaders>,
    pub writer: write::CatalogWriter,
}

impl CatalogService {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            products: read::ProductReader::new(db.clone()),
            loaders: Arc::new(loaders::CatalogLoaders::new(&db)),
            writer: write::CatalogWriter::new(db),
        }
    }
}
