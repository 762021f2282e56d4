//! The shared application state handed to every request.

use std::sync::Arc;

use tokio::sync::watch;

use crate::{
    channel::ChannelService, config::Config, db::Database, events::Events,
    marketing::MarketingService, metrics::Metrics, redis::Redis, secret::MasterKey,
    shop::ShopService,
};

/// Everything a request needs: configuration, the database, services and metrics.
/// Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Database,
    pub metrics: Arc<Metrics>,
    pub master_key: Arc<MasterKey>,
    /// Present when `REDIS_URL` is configured.
    pub redis: Option<Redis>,
    pub shop: ShopService,
    pub channels: ChannelService,
    pub events: Events,
    pub marketing: MarketingService,
    /// Background tasks stop when this changes or the last state clone is dropped.
    pub shutdown: Arc<watch::Sender<bool>>,
}

impl AppState {
    /// Wires the services over `db`.
    pub fn new(
        config: Config,
        db: Database,
        master_key: MasterKey,
        redis: Option<Redis>,
        events: Events,
        shutdown: watch::Sender<bool>,
    ) -> Self {
        Self {
            shop: ShopService::new(db.conn.clone()),
            channels: ChannelService::new(db.conn.clone()),
            marketing: MarketingService::new(db.conn.clone(), events.clone()),
            config: Arc::new(config),
            db,
            metrics: Arc::new(Metrics::default()),
            master_key: Arc::new(master_key),
            redis,
            events,
            shutdown: Arc::new(shutdown),
        }
    }
}
