//! The shared application state handed to every request.

use std::sync::Arc;

use crate::{
    account::{
        jwt::KeyStore,
        ratelimit::{MemoryStore, RateLimiter, RateStore, RedisStore},
        service::AccountService,
    },
    channel::ChannelService,
    config::Config,
    db::Database,
    metrics::Metrics,
    secret::MasterKey,
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
    pub shop: ShopService,
    pub channels: ChannelService,
    pub accounts: AccountService,
}

impl AppState {
    /// Wires the services over `db`: loads (or on first start creates) the JWT signing
    /// keys and connects the rate-limit store (Redis when configured).
    pub async fn new(config: Config, db: Database, master_key: MasterKey) -> anyhow::Result<Self> {
        let config = Arc::new(config);
        let master_key = Arc::new(master_key);
        let retention = std::time::Duration::from_secs(
            config
                .refresh_token_ttl_secs
                .max(config.access_token_ttl_secs),
        );
        let keys = Arc::new(KeyStore::load_or_create(&db.conn, &master_key, retention).await?);
        let store: Box<dyn RateStore> = match &config.redis_url {
            Some(url) => {
                // Instances sharing a database share counters; separate databases (tests,
                // several shops on one Redis) do not.
                let scope =
                    &crate::account::service::sha256_hex(config.database_url().as_bytes())[..12];
                Box::new(RedisStore::connect(url, format!("bizgraph:{scope}:rl:")).await?)
            }
            None => Box::<MemoryStore>::default(),
        };
        let limiter = Arc::new(RateLimiter::new(
            store,
            config.auth_rate_limit_per_ip,
            config.auth_rate_limit_per_email,
            std::time::Duration::from_secs(config.auth_rate_limit_window_secs.max(1)),
        ));
        let channels = ChannelService::new(db.conn.clone());
        Ok(Self {
            shop: ShopService::new(db.conn.clone()),
            accounts: AccountService::new(
                db.conn.clone(),
                config.clone(),
                keys,
                master_key.clone(),
                limiter,
                channels.clone(),
            ),
            channels,
            config,
            db,
            metrics: Arc::new(Metrics::default()),
            master_key,
        })
    }
}
