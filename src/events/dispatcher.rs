//! The dispatcher: claims committed outbox rows and publishes them on the bus. One runs on
//! every instance; leases (and `SKIP LOCKED` on PostgreSQL) make each row go out once.

use std::{sync::Arc, time::Duration};

use sea_orm::DatabaseConnection;
use tokio::sync::{Notify, watch};

use super::{EventBus, outbox};

/// Rows claimed per round.
const BATCH: u64 = 100;
/// How long a claim lasts before another instance may take the row over.
const LEASE_SECS: i64 = 30;
/// How often to look for rows committed by other instances (or left by a crash).
const POLL: Duration = Duration::from_millis(500);

/// Runs until `stop` changes or its sender is dropped. `deliveries` is woken when webhook
/// deliveries were created.
pub async fn run(
    db: DatabaseConnection,
    bus: EventBus,
    wake: Arc<Notify>,
    deliveries: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let idle = match dispatch_once(&db, &bus).await {
            Ok(0) => true,
            Ok(_) => {
                deliveries.notify_one();
                false
            }
            Err(e) => {
                tracing::warn!(error = %e, "event dispatcher: round failed; retrying");
                true
            }
        };
        if idle {
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(POLL) => {}
                _ = stop.changed() => return,
            }
        } else if stop.has_changed().unwrap_or(true) {
            return;
        }
    }
}

/// Publishes one batch and creates its webhook deliveries; returns how many rows went out.
/// A crash in between loses nothing: unmarked rows are claimed again once their lease
/// expires, and deliveries are created once per (webhook, event).
pub async fn dispatch_once(db: &DatabaseConnection, bus: &EventBus) -> anyhow::Result<usize> {
    let rows = outbox::claim(db, BATCH, chrono::Duration::seconds(LEASE_SECS)).await?;
    let mut sent = Vec::with_capacity(rows.len());
    let mut failure = None;
    for row in &rows {
        if let Err(e) = bus.publish(row.clone().into()).await {
            // The rest keep their lease and go out once it expires, in order.
            failure = Some(e);
            break;
        }
        sent.push(row.id);
    }
    crate::webhook::service::enqueue(db, &rows[..sent.len()]).await?;
    outbox::mark_dispatched(db, &sent).await?;
    match failure {
        Some(e) => Err(e.into()),
        None => Ok(sent.len()),
    }
}
