//! Probes and metrics: `/health/live` (the process answers), `/health/ready` (database and
//! Redis reachable, migrations applied), `/health/` (the older combined check, with the
//! active `dummy` gateway reported) and `/metrics` (Prometheus text).

use std::time::Duration;

use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
    response::IntoResponse,
};
use migration::{Migrator, MigratorTrait};
use serde_json::json;

use super::Http;

/// How long one dependency check may take before it counts as unreachable, so a probe
/// answers within its own timeout even when a dependency hangs.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Liveness: 200 while the process serves requests; no I/O, so a slow database never gets
/// a healthy process restarted.
pub async fn live() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Readiness: 200 when the database and Redis (when configured) answer and every
/// migration this build knows is applied; 503 otherwise (take the instance out of the load
/// balancer until it recovers).
pub async fn ready(State(http): State<Http>) -> impl IntoResponse {
    let database = database_status(&http).await;
    let migrations = match bounded(Migrator::get_pending_migrations(&http.state.db.conn)).await {
        Ok(pending) if pending.is_empty() => "applied".to_owned(),
        Ok(pending) => format!("{} pending", pending.len()),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: cannot read the applied migrations");
            "unknown".to_owned()
        }
    };
    let redis = redis_status(&http).await;
    let ready = database == "ok" && migrations == "applied" && redis != "unreachable";
    let body = json!({
        "status": if ready { "ready" } else { "unready" },
        "database": database,
        "migrations": migrations,
        "redis": redis,
    });
    (status(ready), Json(body))
}

/// The combined check kept for existing monitors: 200 when the database (and Redis, when
/// configured) answer, 503 otherwise; lists the channels where the `dummy` gateway is active.
pub async fn health(State(http): State<Http>) -> impl IntoResponse {
    let database = database_status(&http).await;
    let redis = redis_status(&http).await;
    let healthy = database == "ok" && redis != "unreachable";
    let mut body = json!({
        "status": if healthy { "ok" } else { "error" },
        "database": database,
        "redis": redis,
    });
    if database == "ok" {
        let dummy = bounded(crate::payment::service::channels_with_active_dummy(
            &http.state.db.conn,
        ))
        .await
        .unwrap_or_default();
        if !dummy.is_empty() {
            body["warnings"] = json!([format!(
                "the dummy payment gateway is active in {}: orders can be paid without money",
                dummy.join(", ")
            )]);
            body["dummyPaymentGatewayChannels"] = json!(dummy);
        }
    }
    (status(healthy), Json(body))
}

async fn database_status(http: &Http) -> &'static str {
    match bounded(http.state.db.ping()).await {
        Ok(()) => "ok",
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            "unreachable"
        }
    }
}

async fn redis_status(http: &Http) -> &'static str {
    let Some(redis) = &http.state.redis else {
        return "not configured";
    };
    match bounded(redis.ping()).await {
        Ok(()) => "ok",
        Err(e) => {
            tracing::warn!(error = %e, "health check: Redis unreachable");
            "unreachable"
        }
    }
}

/// Runs a check for at most [`CHECK_TIMEOUT`].
async fn bounded<T, E: std::fmt::Display>(
    check: impl Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(CHECK_TIMEOUT, check).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer within {} s", CHECK_TIMEOUT.as_secs())),
    }
}

fn status(ok: bool) -> StatusCode {
    if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

/// Prometheus metrics.
pub async fn metrics(State(http): State<Http>) -> impl IntoResponse {
    let state = &http.state;
    let mut body = state.metrics.render(
        state.db.statements(),
        state.db.pool_stats(state.config.db_max_connections),
    );
    if let Some(cache) = &state.response_cache {
        let stats = cache.stats();
        body.push_str(&format!(
            "# HELP bizgraph_response_cache_requests_total Cacheable requests by outcome.\n# TYPE bizgraph_response_cache_requests_total counter\nbizgraph_response_cache_requests_total{{outcome=\"hit\"}} {}\nbizgraph_response_cache_requests_total{{outcome=\"miss\"}} {}\n# HELP bizgraph_response_cache_bytes Bytes of cached responses.\n# TYPE bizgraph_response_cache_bytes gauge\nbizgraph_response_cache_bytes {}\n",
            stats.hits, stats.misses, stats.bytes
        ));
    }
    body.push_str(&format!(
        "# HELP bizgraph_live_executions Distinct live subscription executions (identical subscriptions share one).\n# TYPE bizgraph_live_executions gauge\nbizgraph_live_executions {}\n",
        http.live.running()
    ));
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}
