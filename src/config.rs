//! Configuration from command-line flags and environment variables, with documented
//! defaults (see the README's configuration table).

use std::net::SocketAddr;

use clap::{Args, ValueEnum};

/// Log output format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable, coloured when on a terminal.
    #[default]
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Server configuration, shared by every subcommand.
#[derive(Args, Clone, Debug)]
pub struct Config {
    /// Database URL: `sqlite://path?mode=rwc` or `postgres://user@host/db`.
    /// Default: the SQLite file `bizgraph.db` in the working directory.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Redis URL for cross-instance event fan-out and shared rate limits (optional).
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,

    /// Address to listen on.
    #[arg(long, env = "BIZGRAPH_BIND", default_value = "127.0.0.1:8000")]
    pub bind: SocketAddr,

    /// Public URL of the GraphQL endpoint's server, e.g. `https://api.example.com`; used as
    /// the token issuer and in webhook headers. Required with PostgreSQL (every instance must
    /// share it); default on SQLite: `http://<bind address>`.
    #[arg(long, env = "BIZGRAPH_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Master key (32+ characters) encrypting secrets at rest. Generated and stored next to
    /// the database file on the embedded default; required with PostgreSQL.
    #[arg(long, env = "BIZGRAPH_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// Email of the first staff user, created on an empty database.
    #[arg(long, env = "BIZGRAPH_ADMIN_EMAIL")]
    pub admin_email: Option<String>,

    /// Password of the first staff user; generated and printed once when unset.
    #[arg(long, env = "BIZGRAPH_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,

    /// Origins allowed to call the API from a browser: comma-separated shell-style patterns
    /// (`*` for any), as Saleor's `ALLOWED_GRAPHQL_ORIGINS`.
    #[arg(long, env = "BIZGRAPH_CORS_ORIGINS", default_value = "*")]
    pub cors_origins: String,

    /// Log format.
    #[arg(long, env = "BIZGRAPH_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,

    /// Maximum query depth.
    #[arg(long, env = "BIZGRAPH_MAX_QUERY_DEPTH", default_value_t = 20)]
    pub max_query_depth: usize,

    /// Maximum query cost (list fields cost `first ×` their children), as Saleor's 50000.
    #[arg(long, env = "BIZGRAPH_MAX_QUERY_COST", default_value_t = 50_000)]
    pub max_query_cost: usize,

    /// Maximum number of aliases in one query.
    #[arg(long, env = "BIZGRAPH_MAX_ALIASES", default_value_t = 100)]
    pub max_aliases: usize,

    /// Maximum size of a JSON request body, in bytes.
    #[arg(long, env = "BIZGRAPH_MAX_BODY_BYTES", default_value_t = 1 << 20)]
    pub max_body_bytes: usize,

    /// Maximum size of a multipart (file upload) request body, in bytes.
    #[arg(long, env = "BIZGRAPH_MAX_UPLOAD_BYTES", default_value_t = 10 << 20)]
    pub max_upload_bytes: usize,

    /// Directory of this instance's thumbnail cache (thumbnails are made on the first
    /// request and kept here; safe to delete). Default: `<SQLite file>.thumbnails` next to
    /// the database file, else `bizgraph-thumbnails` in the OS temporary directory.
    #[arg(long, env = "BIZGRAPH_THUMBNAIL_CACHE_DIR")]
    pub thumbnail_cache_dir: Option<std::path::PathBuf>,

    /// Largest accepted image upload, in pixels (width × height); larger images (and
    /// decompression bombs) are refused from their header, before decoding.
    #[arg(long, env = "BIZGRAPH_MAX_IMAGE_PIXELS", default_value_t = 50_000_000)]
    pub max_image_pixels: u64,

    /// Per-request timeout, in milliseconds.
    #[arg(long, env = "BIZGRAPH_REQUEST_TIMEOUT_MS", default_value_t = 30_000)]
    pub request_timeout_ms: u64,

    /// Attempts per webhook delivery before it is left as failed.
    #[arg(long, env = "BIZGRAPH_WEBHOOK_MAX_ATTEMPTS", default_value_t = 5)]
    pub webhook_max_attempts: u32,

    /// Delay before the first webhook retry, in milliseconds; doubles on each retry.
    #[arg(
        long,
        env = "BIZGRAPH_WEBHOOK_BACKOFF_BASE_MS",
        default_value_t = 10_000
    )]
    pub webhook_backoff_base_ms: u64,

    /// Timeout of one webhook request (connect and response), in milliseconds.
    #[arg(long, env = "BIZGRAPH_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000)]
    pub webhook_timeout_ms: u64,

    /// Timeout of one call to a payment provider (connect and response), in milliseconds.
    #[arg(long, env = "BIZGRAPH_PAYMENT_TIMEOUT_MS", default_value_t = 15_000)]
    pub payment_timeout_ms: u64,

    /// The previous master key during a master-key rotation: secrets sealed with it still
    /// open, and `rotate-keys` re-seals payment gateway secrets with the current key.
    #[arg(long, env = "BIZGRAPH_PREVIOUS_SECRET_KEY", hide_env_values = true)]
    pub previous_secret_key: Option<String>,

    /// Allow webhook targets in private, loopback and link-local ranges (development only).
    #[arg(
        long,
        env = "BIZGRAPH_WEBHOOK_ALLOW_PRIVATE_TARGETS",
        default_value_t = false
    )]
    pub webhook_allow_private_targets: bool,

    /// Largest response body read from a URL fetched on a user's behalf (webhook targets),
    /// in bytes; the rest is never read.
    #[arg(
        long,
        env = "BIZGRAPH_OUTBOUND_MAX_RESPONSE_BYTES",
        default_value_t = 65_536
    )]
    pub outbound_max_response_bytes: u64,
    /// Server-side key for `leadActivityTrack` (passed as `trackingKey`), for trackers
    /// without a staff or app token. Unset: only callers with `MANAGE_LEADS` may track.
    #[arg(long, env = "BIZGRAPH_MARKETING_TRACKING_KEY", hide_env_values = true)]
    pub marketing_tracking_key: Option<String>,

    /// `leadCapture` calls allowed per client IP address per minute (0 disables the limit).
    #[arg(
        long,
        env = "BIZGRAPH_LEAD_CAPTURE_RATE_LIMIT_PER_IP",
        default_value_t = 120
    )]
    pub lead_capture_rate_limit_per_ip: u32,

    /// Maximum database connections per instance.
    #[arg(long, env = "BIZGRAPH_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,

    /// Lifetime of access tokens (JWT), in seconds.
    #[arg(long, env = "BIZGRAPH_ACCESS_TOKEN_TTL_SECS", default_value_t = 300)]
    pub access_token_ttl_secs: u64,

    /// Lifetime of refresh tokens (JWT), in seconds.
    #[arg(long, env = "BIZGRAPH_REFRESH_TOKEN_TTL_SECS", default_value_t = 30 * 24 * 3600)]
    pub refresh_token_ttl_secs: u64,

    /// Lifetime of one-time account tokens (confirmation, password reset, email change,
    /// account deletion), in seconds.
    #[arg(long, env = "BIZGRAPH_ACCOUNT_TOKEN_TTL_SECS", default_value_t = 24 * 3600)]
    pub account_token_ttl_secs: u64,

    /// Checkouts expire this many seconds after their last change: an expired checkout can't
    /// be read, changed or completed, and a background task deletes it (and completed
    /// checkouts, which end the idempotent-retry window of `checkoutComplete`).
    #[arg(long, env = "BIZGRAPH_CHECKOUT_TTL_SECS", default_value_t = 30 * 24 * 3600)]
    pub checkout_ttl_secs: u64,

    /// How often (seconds) a background task looks for catalogue promotions that started or
    /// ended and recomputes the discounted prices of the products they match.
    #[arg(long, env = "BIZGRAPH_PROMOTION_TICK_SECS", default_value_t = 60)]
    pub promotion_tick_secs: u64,

    /// Anonymous catalog and content queries are answered from an in-memory cache for at
    /// most this many seconds (0 disables the cache). Writes invalidate cached responses at
    /// once, on every instance; the TTL only bounds how late time-based changes show (a
    /// publication date passing).
    #[arg(long, env = "BIZGRAPH_RESPONSE_CACHE_TTL_SECS", default_value_t = 10)]
    pub response_cache_ttl_secs: u64,

    /// Memory the response cache may use, in MiB (0 disables the cache).
    #[arg(long, env = "BIZGRAPH_RESPONSE_CACHE_MAX_MB", default_value_t = 64)]
    pub response_cache_max_mb: u64,

    /// Attempts of `tokenCreate`, `requestPasswordReset` and `accountRegister` allowed per
    /// client IP address within the rate-limit window (0 disables the limit).
    #[arg(long, env = "BIZGRAPH_AUTH_RATE_LIMIT_PER_IP", default_value_t = 60)]
    pub auth_rate_limit_per_ip: u32,

    /// Attempts of the same operations allowed per email address within the window
    /// (0 disables the limit).
    #[arg(long, env = "BIZGRAPH_AUTH_RATE_LIMIT_PER_EMAIL", default_value_t = 10)]
    pub auth_rate_limit_per_email: u32,

    /// Length of the rate-limit window, in seconds.
    #[arg(
        long,
        env = "BIZGRAPH_AUTH_RATE_LIMIT_WINDOW_SECS",
        default_value_t = 300
    )]
    pub auth_rate_limit_window_secs: u64,

    /// Take the client IP address from the first `X-Forwarded-For` entry (only behind a
    /// proxy that sets it).
    #[arg(long, env = "BIZGRAPH_TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,

    /// Load the demo store into a database created by this start (`bizgraph seed --demo`
    /// adds it to an existing one): ~60 products, shipping zones, vouchers, a promotion,
    /// tax rates, unpaid orders allowed and the `dummy` payment gateway active in both
    /// channels. Never on a production database.
    #[arg(long, env = "BIZGRAPH_DEMO", global = true, default_value_t = false)]
    pub demo: bool,

    /// Development mode: account emails' links (confirmation, password reset, …) are
    /// written to the log. Never enable in production.
    #[arg(long, env = "BIZGRAPH_DEV", default_value_t = false)]
    pub dev: bool,

    /// Deepest nesting of brackets (`{`, `[`, `(` combined) in a GraphQL document, checked
    /// on the raw text before parsing (deeply nested input literals would overflow the
    /// parser's stack).
    #[arg(long, env = "BIZGRAPH_MAX_NESTING", default_value_t = crate::core::limits::DEFAULT_MAX_NESTING)]
    pub max_nesting: usize,

    /// Maximum operations in one batched request; a larger batch is refused whole.
    #[arg(long, env = "BIZGRAPH_MAX_BATCH_OPERATIONS", default_value_t = 20)]
    pub max_batch_operations: usize,

    /// Maximum active subscriptions (and in-flight operations) on one websocket.
    #[arg(
        long,
        env = "BIZGRAPH_MAX_SUBSCRIPTIONS_PER_SOCKET",
        default_value_t = 100
    )]
    pub max_subscriptions_per_socket: usize,

    /// Maximum open websockets per client IP address (0 disables the limit).
    #[arg(long, env = "BIZGRAPH_MAX_WEBSOCKETS_PER_IP", default_value_t = 50)]
    pub max_websockets_per_ip: usize,

    /// A websocket that sends no `connection_init` within this many milliseconds is closed
    /// (code 4408).
    #[arg(
        long,
        env = "BIZGRAPH_WEBSOCKET_INIT_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub websocket_init_timeout_ms: u64,

    /// A connection must send a request's headers within this many milliseconds (also the
    /// idle time after which a keep-alive connection is closed).
    #[arg(
        long,
        env = "BIZGRAPH_HEADER_READ_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub header_read_timeout_ms: u64,

    /// A request body must arrive whole within this many milliseconds of its headers.
    #[arg(long, env = "BIZGRAPH_BODY_READ_TIMEOUT_MS", default_value_t = 30_000)]
    pub body_read_timeout_ms: u64,

    /// Maximum requests in flight per client IP address; more are refused with 429 (0
    /// disables the limit). Health probes and `/metrics` are not counted.
    #[arg(
        long,
        env = "BIZGRAPH_MAX_CONCURRENT_REQUESTS_PER_IP",
        default_value_t = 64
    )]
    pub max_concurrent_requests_per_ip: usize,
}

impl Config {
    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| "sqlite://bizgraph.db?mode=rwc".to_owned())
    }

    /// The public base URL (scheme, host, port), without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.bind),
        }
    }

    /// Every instance of a deployment must issue (and accept) the same token issuer, so
    /// with PostgreSQL (a database several instances share) the public URL must be set:
    /// the default, derived from each instance's own bind address, differs per instance.
    pub fn check_public_url(&self) -> anyhow::Result<()> {
        let shared = !self.database_url().starts_with("sqlite:");
        if shared
            && self
                .public_url
                .as_deref()
                .is_none_or(|u| u.trim().is_empty())
        {
            anyhow::bail!(
                "BIZGRAPH_PUBLIC_URL must be set with PostgreSQL (e.g. https://api.example.com): it is the token issuer every instance must share"
            );
        }
        Ok(())
    }

    /// The exact public URL of the GraphQL endpoint (`…/graphql/`), the JWT issuer.
    pub fn graphql_url(&self) -> String {
        format!("{}/graphql/", self.public_url())
    }

    /// The thumbnail cache directory in effect.
    pub fn thumbnail_cache_dir(&self) -> std::path::PathBuf {
        if let Some(dir) = &self.thumbnail_cache_dir {
            return dir.clone();
        }
        match crate::secret::sqlite_file(&self.database_url()) {
            Some(Some(file)) => {
                let mut name = file.into_os_string();
                name.push(".thumbnails");
                name.into()
            }
            _ => std::env::temp_dir().join("bizgraph-thumbnails"),
        }
    }

    /// A configuration with every default, for tests and tools.
    pub fn defaults() -> Self {
        #[derive(clap::Parser)]
        struct Wrapper {
            #[command(flatten)]
            config: Config,
        }
        use clap::Parser;
        Wrapper::parse_from(["bizgraph"]).config
    }
}
