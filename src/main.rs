//! The `bizgraph` command: serve (default), migrate, seed, export-schema.
#![recursion_limit = "256"]

use std::path::PathBuf;

use bizgraph::{
    bootstrap,
    config::{Config, LogFormat},
    db::Database,
};
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

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
    /// Apply migrations and create the default data (shop, channels, first staff user) and
    /// the demo catalog; `--products N` then bulk-generates N more products for benchmarks.
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
    /// Print the GraphQL schema (SDL).
    ExportSchema {
        /// Write to this file instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging(cli.config.log_format);
    match run(cli).await {
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
            if bizgraph::catalog::seed::demo(&db.conn).await? {
                tracing::info!("loaded the demo catalog");
            }
            if bizgraph::shipping::seed_demo(&db.conn).await? {
                tracing::info!("loaded the demo shipping zones");
            }
            if bizgraph::discount::seed_demo(&db.conn).await? {
                tracing::info!("loaded the demo vouchers WELCOME10, FREESHIP, TSHIRTS20");
            }
            if bizgraph::discount::promotion::seed_demo(&db.conn).await? {
                tracing::info!("loaded the demo promotion");
            }
            bizgraph::tax::service::seed_demo(&db.conn).await?;
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
    axum::serve(
        listener,
        app.router
            .into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    // Stop background work (event dispatcher, Redis listener).
    let _ = app.state.shutdown.send(true);
    tracing::info!("shut down cleanly");
    Ok(())
}

fn report_created(created: Option<&bootstrap::Created>) {
    let Some(created) = created else { return };
    tracing::info!(email = %created.admin_email, "created the default shop, channels and first staff user");
    if let Some(password) = &created.generated_password {
        // Printed once, to the terminal only; it is stored hashed.
        eprintln!(
            "\n  First staff user: {}\n  Generated password: {password}\n  (shown once; set BIZGRAPH_ADMIN_PASSWORD to choose it)\n",
            created.admin_email
        );
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

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
        LogFormat::Pretty => builder.init(),
    }
}
