//! The `bizgraph` command: serve (default), migrate, seed, export-schema.
#![recursion_limit = "256"]

use std::path::PathBuf;

use bizgraph::telemetry::Telemetry;
use bizgraph::{
    bootstrap,
    config::{Config, LogFormat},
    db::Database,
};
use clap::{Parser, Subcommand};
use tracing_subscriber::{EnvFilter, Layer, layer::SubscriberExt, util::SubscriberInitExt};

/// mimalloc instead of the system allocator: a GraphQL response is thousands of small
/// allocations, and glibc's malloc made them a large share of request CPU (see
/// BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Saleor-compatible GraphQL commerce and marketing API.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: Config,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (default): applies migrations and creates default data first.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Apply migrations and create the default data (shop, channels, first staff user); with
    /// `--demo`, add the demo store (each part only where missing); `--products N` (with
    /// `--demo`) then bulk-generates N more products for benchmarks.
    Seed {
        /// Bulk-generate this many extra products (two variants each, priced in every
        /// channel, stocked, searchable).
        #[arg(long)]
        products: Option<u64>,
        /// Bulk-generate this many orders (with lines and marketing attribution) for the
        /// analytics benchmark. PostgreSQL only.
        #[arg(long)]
        orders: Option<u64>,
        /// Bulk-generate this many leads for the analytics benchmark. PostgreSQL only.
        #[arg(long)]
        leads: Option<u64>,
    },
    /// Generate a new JWT signing key; older keys stay published (and tokens signed with
    /// them valid) until the refresh-token lifetime has passed. Running instances pick the
    /// new key up when they first see a token signed with it. Also re-seals payment gateway
    /// secrets with the current master key (after a master-key change, with the old one in
    /// `BIZGRAPH_PREVIOUS_SECRET_KEY`).
    RotateKeys,
    /// Ask a running server's probe (`/health/live` or `/health/ready`, at the bind address)
    /// and exit 0 when it answers 200, 1 otherwise: a container health check that needs no
    /// HTTP client in the image.
    Probe {
        /// Which probe.
        #[arg(value_enum, default_value_t = Probe::Ready)]
        probe: Probe,
    },
    /// Print the GraphQL schema (SDL).
    ExportSchema {
        /// Write to this file instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// The server's probes.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Probe {
    /// The process answers.
    Live,
    /// Database and Redis reachable, migrations applied.
    Ready,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let telemetry = match init_logging(cli.config.log_format) {
        Ok(telemetry) => telemetry,
        Err(e) => {
            eprintln!("bizgraph: {e:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = run(cli).await;
    if let Some(telemetry) = telemetry {
        telemetry.shutdown().await;
    }
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            let db = Database::connect(&config.database_url(), 2).await?;
            db.migrate().await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Seed {
            products,
            orders,
            leads,
        } => {
            let db = Database::connect(&config.database_url(), 2).await?;
            db.migrate().await?;
            let created = bootstrap::ensure_defaults(&db.conn, &config).await?;
            report_created(created.as_ref());
            if !config.demo && (products.is_some() || orders.is_some() || leads.is_some()) {
                anyhow::bail!(
                    "bulk generation builds on the demo store: add --demo (never on a production database)"
                );
            }
            if config.demo {
                for part in bootstrap::load_demo(&db.conn).await? {
                    tracing::info!("loaded {part}");
                }
            }
            if let Some(count) = products {
                let started = std::time::Instant::now();
                bizgraph::catalog::seed::bulk(&db.conn, count, |done| {
                    if done % 10_000 == 0 || done == count {
                        tracing::info!(done, total = count, "generating products");
                    }
                })
                .await?;
                tracing::info!(
                    count,
                    seconds = started.elapsed().as_secs(),
                    "generated products"
                );
            }
            if let Some(count) = orders {
                let started = std::time::Instant::now();
                bizgraph::marketing::seed::bulk_orders(&db.conn, count, |done| {
                    tracing::info!(done, total = count, "generating orders");
                })
                .await?;
                tracing::info!(
                    count,
                    seconds = started.elapsed().as_secs(),
                    "generated orders"
                );
            }
            if let Some(count) = leads {
                let started = std::time::Instant::now();
                bizgraph::marketing::seed::bulk_leads(&db.conn, count, |done| {
                    tracing::info!(done, total = count, "generating leads");
                })
                .await?;
                tracing::info!(
                    count,
                    seconds = started.elapsed().as_secs(),
                    "generated leads"
                );
            }
            Ok(())
        }
        Command::RotateKeys => {
            let url = config.database_url();
            let master_key = bizgraph::secret::MasterKey::load(config.secret_key.as_deref(), &url)?;
            let db = Database::connect(&url, 2).await?;
            db.migrate().await?;
            // Payment gateway secrets: re-sealed with the current master key (opening
            // those still sealed with BIZGRAPH_PREVIOUS_SECRET_KEY).
            let previous = match config.previous_secret_key.as_deref() {
                Some(text) if !text.is_empty() => {
                    Some(bizgraph::secret::MasterKey::from_text(text)?)
                }
                _ => None,
            };
            let resealed = bizgraph::payment::service::reseal_secrets(
                &db.conn,
                &master_key,
                previous.as_ref(),
            )
            .await?;
            tracing::info!(
                resealed,
                "re-sealed payment gateway secrets with the current master key"
            );
            let retention = std::time::Duration::from_secs(
                config
                    .refresh_token_ttl_secs
                    .max(config.access_token_ttl_secs),
            );
            let keys =
                bizgraph::account::jwt::KeyStore::load_or_create(&db.conn, &master_key, retention)
                    .await?;
            keys.rotate(&db.conn, &master_key, retention).await?;
            tracing::info!(
                "generated a new JWT signing key; older keys stay valid for verification"
            );
            Ok(())
        }
        Command::Probe { probe } => {
            let path = match probe {
                Probe::Live => "live",
                Probe::Ready => "ready",
            };
            ask_probe(config.bind, path).await
        }
        Command::ExportSchema { output } => {
            let sdl = bizgraph::schema::sdl();
            match output {
                Some(path) => std::fs::write(&path, sdl)?,
                None => print!("{sdl}"),
            }
            Ok(())
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let bind = config.bind;
    let app = bizgraph::build_app(config).await?;
    report_created(app.created.as_ref());
    let listener = tokio::net::TcpListener::bind(bind).await?;
    tracing::info!(
        "serving GraphQL at {} (playground: open it in a browser); ready in {} ms",
        app.state.config.graphql_url(),
        started.elapsed().as_millis()
    );
    bizgraph::http::serve(listener, app.router, &app.state.config, shutdown_signal()).await?;
    // Stop background work (event dispatcher, Redis listener).
    let _ = app.state.shutdown.send(true);
    tracing::info!("shut down cleanly");
    Ok(())
}

/// GETs `/health/{path}` on this machine at the bind address's port.
async fn ask_probe(bind: std::net::SocketAddr, path: &str) -> anyhow::Result<()> {
    let mut addr = bind;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let url = format!("http://{addr}/health/{path}");
    let response = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .build()?
        .get(&url)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("{url}: {e}"))?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if !status.is_success() {
        anyhow::bail!("{url}: {status} {body}");
    }
    println!("{body}");
    Ok(())
}

fn report_created(created: Option<&bootstrap::Created>) {
    let Some(created) = created else { return };
    tracing::info!(email = %created.admin_email, "created the default shop, channels and first staff user");
    match &created.generated_password {
        Some(bootstrap::GeneratedPassword::Terminal(password)) => {
            // Printed once, to the terminal only; it is stored hashed.
            eprintln!(
                "\n  First staff user: {}\n  Generated password: {password}\n  (shown once; set BIZGRAPH_ADMIN_PASSWORD to choose it)\n",
                created.admin_email
            );
        }
        Some(bootstrap::GeneratedPassword::File(path)) => {
            // Not a terminal: logs are often collected, so the password is not logged.
            tracing::warn!(
                email = %created.admin_email,
                file = %path.display(),
                "the first staff user's generated password was written to this file (readable by its owner only); delete it after signing in"
            );
        }
        None => {}
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}

/// Logs to stdout (filtered by `RUST_LOG`) and, when the OTel variables ask for it,
/// traces over OTLP (see `bizgraph::telemetry`): that layer has its own filter, so SeaORM's
/// statement spans reach the traces without reaching the log.
fn init_logging(format: LogFormat) -> anyhow::Result<Option<Telemetry>> {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let fmt = tracing_subscriber::fmt::layer();
    let fmt = match format {
        LogFormat::Json => fmt
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .boxed(),
        LogFormat::Pretty => fmt.boxed(),
    };
    let telemetry = Telemetry::from_env()?;
    tracing_subscriber::registry()
        .with(fmt.with_filter(filter))
        .with(telemetry.as_ref().map(Telemetry::layer))
        .init();
    if telemetry.is_some() {
        tracing::info!("exporting traces over OTLP/HTTP");
    }
    Ok(telemetry)
}
