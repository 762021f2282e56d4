//! The shared application state handed to every request.

use std::sync::Arc;

use tokio::sync::watch;

use crate::{
    account::{
        jwt::KeyStore,
        ratelimit::{MemoryStore, RateLimiter, RateStore, RedisStore},
        service::AccountService,
    },
    catalog::CatalogService,
    channel::ChannelService,
    checkout::CheckoutService,
    config::Config,
    db::Database,
    events::Events,
    marketing::MarketingService,
    metrics::Metrics,
    redis::Redis,
    secret::MasterKey,
    shop::ShopService,
    webhook::service::WebhookService,
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
    pub accounts: AccountService,
    pub catalog: CatalogService,
    pub content: crate::content::write::ContentWriter,
    pub checkout: CheckoutService,
    pub webhooks: WebhookService,
    /// Outbound HTTP on behalf of users (webhook targets): one resolver, one set of rules.
    pub outbound: crate::core::outbound::Outbound,
    pub events: Events,
    pub marketing: MarketingService,
    pub payments: crate::payment::PaymentService,
    pub taxes: crate::tax::TaxService,
    /// Uploaded images and the per-instance thumbnail cache.
    pub media: crate::media::MediaService,
    /// Limits `leadCapture` per client IP (per minute).
    pub lead_capture_limiter: Arc<RateLimiter>,
    /// Anonymous catalog responses; `None` when disabled.
    pub response_cache: Option<Arc<crate::cache::ResponseCache>>,
    /// Background tasks stop when this changes or the last state clone is dropped.
    pub shutdown: Arc<watch::Sender<bool>>,
}

/// What [`AppState::new`] wires together.
pub struct Parts {
    pub config: Config,
    pub db: Database,
    pub master_key: MasterKey,
    pub redis: Option<Redis>,
    /// Shared by every instance of the deployment; namespaces Redis keys.
    pub installation_id: String,
    pub events: Events,
    pub shutdown: watch::Sender<bool>,
    /// The DNS resolver of outbound requests; `None`: the system's.
    pub resolver: Option<Arc<dyn reqwest::dns::Resolve>>,
}

impl AppState {
    /// Wires the services: loads (or on first start creates) the JWT signing keys and
    /// connects the rate-limit store (Redis when configured).
    pub async fn new(parts: Parts) -> anyhow::Result<Self> {
        let Parts {
            config,
            db,
            master_key,
            redis,
            installation_id,
            events,
            shutdown,
            resolver,
        } = parts;
        let outbound = crate::core::outbound::Outbound::from_config(&config, resolver);
        let config = Arc::new(config);
        let master_key = Arc::new(master_key);
        let retention = std::time::Duration::from_secs(
            config
                .refresh_token_ttl_secs
                .max(config.access_token_ttl_secs),
        );
        let keys = Arc::new(KeyStore::load_or_create(&db.conn, &master_key, retention).await?);
        // Instances of one deployment share counters; other deployments on the same Redis
        // (or other test databases) do not.
        let store = || async {
            let store: Box<dyn RateStore> = match &config.redis_url {
                Some(url) if !url.is_empty() => Box::new(
                    RedisStore::connect(url, format!("bizgraph:{installation_id}:rl:")).await?,
                ),
                _ => Box::<MemoryStore>::default(),
            };
            anyhow::Ok(store)
        };
        let lead_capture_limiter = Arc::new(RateLimiter::new(
            store().await?,
            config.lead_capture_rate_limit_per_ip,
            0,
            std::time::Duration::from_secs(60),
        ));
        let limiter = Arc::new(RateLimiter::new(
            store().await?,
            config.auth_rate_limit_per_ip,
            config.auth_rate_limit_per_email,
            std::time::Duration::from_secs(config.auth_rate_limit_window_secs.max(1)),
        ));
        let channels = ChannelService::new(db.conn.clone());
        let checkout = CheckoutService::new(db.conn.clone(), events.clone())
            .with_ttl(config.checkout_ttl_secs);
        let previous_key = match config.previous_secret_key.as_deref() {
            Some(text) if !text.is_empty() => Some(Arc::new(MasterKey::from_text(text)?)),
            _ => None,
        };
        let payments = crate::payment::PaymentService::new(
            db.conn.clone(),
            master_key.clone(),
            previous_key,
            events.clone(),
            checkout.clone(),
            std::time::Duration::from_millis(config.payment_timeout_ms.max(1)),
        )?;
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
            catalog: CatalogService::new(db.conn.clone()),
            media: crate::media::MediaService::new(
                db.conn.clone(),
                config.thumbnail_cache_dir(),
                config.max_image_pixels,
            ),
            content: crate::content::write::ContentWriter::new(db.conn.clone()),
            marketing: MarketingService::new(db.conn.clone(), events.clone()),
            lead_capture_limiter,
            response_cache: response_cache(&config),
            checkout,
            payments,
            taxes: crate::tax::TaxService::new(db.conn.clone()),
            channels,
            webhooks: WebhookService::new(db.conn.clone(), master_key.clone(), outbound.clone()),
            outbound,
            config,
            db,
            metrics: Arc::new(Metrics::default()),
            master_key,
            redis,
            events,
            shutdown: Arc::new(shutdown),
        })
    }
}

fn response_cache(config: &Config) -> Option<Arc<crate::cache::ResponseCache>> {
    let ttl = std::time::Duration::from_secs(config.response_cache_ttl_secs);
    let bytes = usize::try_from(config.response_cache_max_mb.saturating_mul(1 << 20)).ok()?;
    (!ttl.is_zero() && bytes > 0).then(|| Arc::new(crate::cache::ResponseCache::new(ttl, bytes)))
}

/// The one context accessor of resolvers: the application state and who is calling.
pub fn parts<'a>(
    ctx: &'a async_graphql::Context<'_>,
) -> async_graphql::Result<(&'a AppState, &'a crate::core::context::RequestCtx)> {
    Ok((
        ctx.data::<AppState>()?,
        ctx.data::<crate::core::context::RequestCtx>()?,
    ))
}
