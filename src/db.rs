//! Database connection: SQLite (embedded default) or PostgreSQL, migrations, and a counter
//! of executed SQL statements (exposed on `/metrics` and to tests).

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database as SeaDatabase, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// A connection pool plus its statement counter. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Database {
    pub conn: DatabaseConnection,
    statements: Arc<AtomicU64>,
}

/// Begins a transaction that will write. On SQLite it starts with `BEGIN IMMEDIATE`, so
/// the write lock is taken (waiting up to the busy timeout) before the first read: a
/// deferred transaction that reads and then writes fails at once with `SQLITE_BUSY` when
/// another connection committed in between (WAL snapshots cannot be upgraded). PostgreSQL
/// ignores the mode.
pub async fn begin_write(conn: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    conn.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Pool usage, for `/metrics`.
#[derive(Clone, Copy, Debug)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

impl Database {
    /// Connects to `url` with at most `max_connections` connections.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, DbErr> {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.max_connections(max_connections)
            .min_connections(1)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10))
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
        let mut conn = SeaDatabase::connect(opts).await?;
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        conn.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        Ok(Self { conn, statements })
    }

    /// Applies pending migrations, then installs the public data version triggers on any
    /// table that lacks them (see [`crate::cache::version`]).
    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.conn, None).await?;
        crate::cache::version::install_triggers(&self.conn).await
    }

    /// Number of SQL statements executed through this pool so far.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// The database kind.
    pub fn backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    /// Whether this is the embedded SQLite default.
    pub fn is_sqlite(&self) -> bool {
        self.backend() == DatabaseBackend::Sqlite
    }

    /// Round-trips a trivial statement, for the health check.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.conn.execute_unprepared("SELECT 1").await.map(|_| ())
    }

    /// Current pool usage.
    pub fn pool_stats(&self, max: u32) -> PoolStats {
        let (size, idle) = match self.backend() {
            DatabaseBackend::Postgres => {
                let pool = self.conn.get_postgres_connection_pool();
                (pool.size(), pool.num_idle() as u32)
            }
            DatabaseBackend::Sqlite => {
                let pool = self.conn.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle() as u32)
            }
            _ => (0, 0),
        };
        PoolStats { size, idle, max }
    }
}
