//! The background task that deletes expired checkouts (`BIZGRAPH_CHECKOUT_TTL_SECS`).
//! Reads and completion already treat expired checkouts as gone; this only reclaims rows.

use std::time::Duration;

use tokio::sync::watch;

use crate::state::AppState;

/// Deletes expired checkouts every tenth of the TTL (between 1 s and 10 min) until `stop`.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let every = Duration::from_secs((state.config.checkout_ttl_secs / 10).clamp(1, 600));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    return;
                }
            }
        }
        match state.checkout.delete_expired().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "deleted expired checkouts"),
            Err(e) => tracing::warn!(error = %e, "deleting expired checkouts failed"),
        }
    }
}
