//! The shared application state handed to every request.

use std::sync::Arc;

use crate::{
    catalog::CatalogService, channel::ChannelService, config::Config, db::Database,
    metrics::Metrics, secret::MasterKey, shop::ShopService,
};

/// Everything a request needs: configuration, the database, services and metrics.
/// Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Database,
    pub metrics: Arc<Metrics>,
    pub master_key: Arc<MasterKey>,
    pub shop: ShopService,
    pub channels: ChannelService,
    pub catalog: CatalogService,
    pub content: crate::content::write::ContentWriter,
}

impl AppState {
    /// Wires the services over `db`.
    pub fn new(config: Config, db: Database, master_key: MasterKey) -> Self {
        Self {
            shop: ShopService::new(db.conn.clone()),
            channels: ChannelService::new(db.conn.clone()),
            catalog: CatalogService::new(db.conn.clone()),
            content: crate::content::write::ContentWriter::new(db.conn.clone()),
            config: Arc::new(config),
            db,
            metrics: Arc::new(Metrics::default()),
            master_key: Arc::new(master_key),
        }
    }
}
