//! bizgraph: a Saleor-compatible GraphQL commerce and marketing API.
//!
//! [`build_app`] assembles everything (database, migrations, default data, schema, router);
//! `main.rs` and the end-to-end tests both start the server through it.

// The root `Mutation` merges every domain's mutation object; async-graphql's merge nests one
// level per object, past the default limit of 128 for the compiler's layout queries.
#![recursion_limit = "256"]

pub mod account;
pub mod bootstrap;
pub mod cache;
pub mod catalog;
pub mod channel;
pub mod checkout;
pub mod config;
pub mod content;
pub mod core;
pub mod db;
pub mod discount;
pub mod events;
pub mod http;
pub mod loaders;
pub mod marketing;
pub mod media;
pub mod metadata;
pub mod metrics;
pub mod order;
pub mod payment;
pub mod redis;
pub mod schema;
pub mod secret;
pub mod shipping;
pub mod shop;
pub mod state;
pub mod tax;
pub mod telemetry;
pub mod webhook;

use axum::Router;

use crate::{config::Config, db::Database, secret::MasterKey, state::AppState};

/// A ready-to-serve application.
pub struct App {
    pub router: Router,
    pub state: AppState,
    /// Set on the first start of an empty database.
    pub created: Option<bootstrap::Created>,
}

/// Parts of the application a test may replace.
#[derive(Clone, Default)]
pub struct Overrides {
    /// The DNS resolver of outbound requests made on users' behalf (default: the system's).
    pub resolver: Option<std::sync::Arc<dyn reqwest::dns::Resolve>>,
}

/// Connects to the database, applies migrations, creates default data on an empty database
/// and builds the router.
pub async fn build_app(config: Config) -> anyhow::Result<App> {
    build_app_with(config, Overrides::default()).await
}

/// [`build_app`] with some parts replaced.
pub async fn build_app_with(config: Config, overrides: Overrides) -> anyhow::Result<App> {
    let url = config.database_url();
    let master_key = MasterKey::load(config.secret_key.as_deref(), &url)?;
    config.check_public_url()?;
    let db = Database::connect(&url, config.db_max_connections).await?;
    db.migrate().await?;
    let redis = match &config.redis_url {
        Some(url) if !url.is_empty() => Some(redis::Redis::connect(url).await?),
        _ => None,
    };
    let created = bootstrap::ensure_defaults(&db.conn, &config).await?;
    if config.demo {
        load_demo_on_start(&db, created.is_some()).await?;
    }
    warn_if_dummy_gateway_active(&db).await?;
    // Channels created before taxes existed (or by other means) get Saleor's defaults.
    tax::service::ensure_configurations(&db.conn).await?;
    // Background work (event dispatch, webhook delivery) gets its own small pool, so it
    // neither competes with requests for connections nor shows in per-request SQL counts.
    let background = Database::connect(&url, 2).await?;
    let (shutdown, stop) = tokio::sync::watch::channel(false);
    let installation_id = shop::ShopService::new(db.conn.clone())
        .get()
        .await?
        .map(|s| s.installation_id)
        .unwrap_or_default();
    let bus = match &redis {
        Some(redis) => {
            events::EventBus::with_redis(redis.clone(), &installation_id, stop.clone()).await?
        }
        None => events::EventBus::in_process(),
    };
    let events = events::Events::new(bus);
    tokio::spawn(events::dispatcher::run(
        background.conn.clone(),
        events.bus.clone(),
        events.wake_handle(),
        events.deliveries_handle(),
        stop.clone(),
    ));
    tokio::spawn(marketing::decay::run(background.conn.clone(), stop.clone()));
    let deliveries = events.deliveries_handle();
    let state = AppState::new(state::Parts {
        config,
        db,
        master_key,
        redis,
        installation_id,
        events,
        shutdown,
        resolver: overrides.resolver,
    })
    .await?;
    // Read `allowStorefrontTraffic` once before serving, so requests find it cached.
    state.shop.storefront_traffic_allowed().await?;
    let schema = schema::build(state.clone());
    tokio::spawn(checkout::expiry::run(state.clone(), stop.clone()));
    tokio::spawn(discount::promotion::recalc::run(
        background.conn.clone(),
        state.config.promotion_tick_secs,
        stop.clone(),
    ));
    tokio::spawn(
        webhook::delivery::Worker::new(background.conn, schema.clone(), state.clone())
            .run(deliveries, stop),
    );
    let router = http::router(schema, state.clone());
    Ok(App {
        router,
        state,
        created,
    })
}

/// `--demo` loads the demo store into a database created by this start only; an existing
/// database (possibly a production one) is never changed by a start-up flag.
async fn load_demo_on_start(db: &Database, created: bool) -> anyhow::Result<()> {
    if !created {
        tracing::info!(
            "--demo: the database existed already, so nothing was loaded (`bizgraph seed --demo` adds the demo store to an existing database)"
        );
        return Ok(());
    }
    for part in bootstrap::load_demo(&db.conn).await? {
        tracing::info!("loaded {part}");
    }
    Ok(())
}

/// Logs a warning while the `dummy` gateway (orders "paid" without money) is active.
async fn warn_if_dummy_gateway_active(db: &Database) -> anyhow::Result<()> {
    let channels = payment::service::channels_with_active_dummy(&db.conn).await?;
    if !channels.is_empty() {
        tracing::warn!(
            channels = %channels.join(", "),
            "the `dummy` payment gateway is active: anyone can place orders paid without money in these channels. Deactivate it for production: paymentGatewayConfigure(channel: \"…\", gateway: \"dummy\", isActive: false)"
        );
    }
    Ok(())
}
