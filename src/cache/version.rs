//! The public data version: one counter row (`public_data_version`) that triggers increment
//! whenever a statement changes a table anonymous reads can see.
//!
//! Triggers are (re)installed at start-up on every table except [`PRIVATE_TABLES`], so a
//! table added by a later migration is covered without anyone remembering to. SQLite runs
//! a row trigger per changed row (writers are serialised anyway). PostgreSQL runs a
//! deferred row trigger at commit that bumps the counter once per transaction: writers take
//! the counter row's lock last and only while committing.

use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement, TransactionTrait,
};

/// Tables no cacheable read looks at, and which change often: writes to them leave cached
/// responses valid. Everything else (catalog, stock and allocations, channels, shipping,
/// taxes, discounts, content, shop settings, ...) invalidates. A table missing here only
/// costs cache hits, never correctness.
pub const PRIVATE_TABLES: &[&str] = &[
    "public_data_version",
    "seaql_migrations",
    "account_address",
    "account_token",
    "account_user",
    "app",
    "app_token",
    "campaign",
    "campaign_metric_report",
    "campaign_variant",
    "checkout",
    "checkout_line",
    "event_delivery",
    "event_delivery_attempt",
    "fulfillment",
    "fulfillment_line",
    "jwt_signing_key",
    "lead",
    "lead_activity",
    "lead_scoring_rule",
    "lead_scoring_settings",
    "marketing_attribution",
    "marketing_segment",
    "order_counter",
    "order_event",
    "order_line",
    "outbox",
    "payment_transaction",
    "payment_transaction_event",
    "payment_webhook_event",
    "permission_group",
    "permission_group_channel",
    "shop_order",
    "user_permission_group",
    "voucher_customer",
    "webhook",
];

const TRIGGER_PREFIX: &str = "bizgraph_pdv";

/// The current version. Read it before executing a request whose response may be cached.
pub async fn current<C: ConnectionTrait>(conn: &C) -> Result<i64, DbErr> {
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT version FROM public_data_version WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("public_data_version".to_owned()))?;
    row.try_get::<i64>("", "version")
}

/// Installs the version triggers on every public table that lacks them. Idempotent; on
/// PostgreSQL serialised across instances starting together by an advisory lock.
pub async fn install_triggers(conn: &DatabaseConnection) -> Result<(), DbErr> {
    match conn.get_database_backend() {
        DatabaseBackend::Sqlite => install_sqlite(conn).await,
        DatabaseBackend::Postgres => install_postgres(conn).await,
        _ => Ok(()),
    }
}

fn is_public(table: &str) -> bool {
    !PRIVATE_TABLES.contains(&table)
}

/// Table names are identifiers of our own schema; refuse anything that would need quoting
/// beyond double quotes rather than build odd SQL.
fn plain_identifier(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

async fn install_sqlite<C: ConnectionTrait>(conn: &C) -> Result<(), DbErr> {
    let rows = conn
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "SELECT name, COALESCE(sql, '') AS sql FROM sqlite_master \
             WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        ))
        .await?;
    let tables: Vec<(String, String)> = rows
        .iter()
        .map(|r| Ok((r.try_get("", "name")?, r.try_get("", "sql")?)))
        .collect::<Result<_, DbErr>>()?;
    // Virtual tables (the FTS5 search index) take no triggers; neither do their shadow
    // tables. They change together with the product rows, which have triggers.
    let virtual_tables: Vec<&str> = tables
        .iter()
        .filter(|(_, sql)| sql.to_ascii_uppercase().starts_with("CREATE VIRTUAL TABLE"))
        .map(|(name, _)| name.as_str())
        .collect();
    for (table, _) in &tables {
        let shadow = virtual_tables
            .iter()
            .any(|v| table == v || table.starts_with(&format!("{v}_")));
        if shadow || !is_public(table) || !plain_identifier(table) {
            continue;
        }
        for (suffix, event) in [("ins", "INSERT"), ("upd", "UPDATE"), ("del", "DELETE")] {
            conn.execute_unprepared(&format!(
                "CREATE TRIGGER IF NOT EXISTS {TRIGGER_PREFIX}_{table}_{suffix} \
                 AFTER {event} ON \"{table}\" BEGIN \
                 UPDATE public_data_version SET version = version + 1 WHERE id = 1; END"
            ))
            .await?;
        }
    }
    Ok(())
}

async fn install_postgres(conn: &DatabaseConnection) -> Result<(), DbErr> {
    let txn = conn.begin().await?;
    // Any constant works as long as nothing else in the database uses it.
    txn.execute_unprepared("SELECT pg_advisory_xact_lock(7302580411)")
        .await?;
    let rows = txn
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            format!(
                "SELECT c.relname::text AS name FROM pg_class c \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND c.relkind = 'r' \
                 AND NOT EXISTS (SELECT 1 FROM pg_trigger t \
                   WHERE t.tgrelid = c.oid AND t.tgname = '{TRIGGER_PREFIX}')"
            ),
        ))
        .await?;
    for row in rows {
        let table: String = row.try_get("", "name")?;
        if !is_public(&table) || !plain_identifier(&table) {
            continue;
        }
        txn.execute_unprepared(&format!(
            "CREATE CONSTRAINT TRIGGER {TRIGGER_PREFIX} AFTER INSERT OR UPDATE OR DELETE \
             ON \"{table}\" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW \
             EXECUTE FUNCTION bizgraph_bump_public_data_version()"
        ))
        .await?;
    }
    txn.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_public_tables() {
        assert!(!is_public("checkout"));
        assert!(!is_public("outbox"));
        assert!(is_public("product"));
        assert!(is_public("stock"));
        assert!(plain_identifier("variant_channel_listing"));
        assert!(!plain_identifier("x\"; DROP TABLE y; --"));
    }
}
