//! bizgraph: a Saleor-compatible GraphQL commerce and marketing API.
//!
//! [`build_app`] assembles everything (database, migrations, default data, schema, router);
//! `main.rs` and the end-to-end tests both start the server through it.

pub mod account;
pub mod bootstrap;
pub mod channel;
pub mod config;
pub mod core;
pub mod db;
pub mod events;
pub mod http;
pub mod marketing;
pub mod metadata;
pub mod metrics;
pub mod redis;
pub mod schema;
pub mod secret;
pub mod shop;
pub mod state;

use axum::Router;

use crate::{config::Config, db::Database, secret::MasterKey, state::AppState};

/// A ready-to-serve application.
pub struct App {
    pub router: Router,
    pub state: AppState,
    /// Set on the first start of an empty database.
    pub created: Option<bootstrap::Created>,
}

/// Connects to the database, applies migrations, creates default data on an empty database
/// and builds the router.
pub async fn build_app(config: Config) -> anyhow::Result<App> {
    let url = config.database_url();
    let master_key = MasterKey::load(config.secret_key.as_deref(), &url)?;
    let db = Database::connect(&url, config.db_max_connections).await?;
    db.migrate().await?;
    let redis = match &config.redis_url {
        Some(url) if !url.is_empty() => Some(redis::Redis::connect(url).await?),
        _ => None,
    };
    let created = bootstrap::ensure_defaults(&db.conn, &config).await?;
    let (shutdown, stop) = tokio::sync::watch::channel(false);
    let bus = match &redis {
        Some(redis) => {
            let installation = shop::ShopService::new(db.conn.clone())
                .get()
                .await?
                .map(|s| s.installation_id)
                .unwrap_or_default();
            events::EventBus::with_redis(redis.clone(), &installation, stop.clone()).await?
        }
        None => events::EventBus::in_process(),
    };
    let events = events::Events::new(bus);
    tokio::spawn(events::dispatcher::run(
        db.conn.clone(),
        events.bus.clone(),
        events.wake_handle(),
        stop,
    ));
    let state = AppState::new(config, db, master_key, redis, events, shutdown);
    let schema = schema::build(state.clone());
    let router = http::router(schema, state.clone());
    Ok(App {
        router,
        state,
        created,
    })
}
