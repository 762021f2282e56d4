//! `/health/` (liveness plus a database round trip) and `/metrics` (Prometheus text).

use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
    response::IntoResponse,
};
use serde_json::json;

use super::Http;

/// 200 when the database (and Redis, when configured) answer, 503 otherwise.
pub async fn health(State(http): State<Http>) -> impl IntoResponse {
    let database = match http.state.db.ping().await {
        Ok(()) => "ok",
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            "unreachable"
        }
    };
    let redis = match &http.state.redis {
        None => "not configured",
        Some(redis) => match redis.ping().await {
            Ok(()) => "ok",
            Err(e) => {
                tracing::warn!(error = %e, "health check: Redis unreachable");
                "unreachable"
            }
        },
    };
    let healthy = database == "ok" && redis != "unreachable";
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if healthy { "ok" } else { "error" },
        "database": database,
        "redis": redis,
    });
    (status, Json(body))
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
