//! `/health/` (liveness plus a database round trip) and `/metrics` (Prometheus text).

use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
    response::IntoResponse,
};
use serde_json::json;

use super::Http;

/// 200 when the database answers, 503 otherwise.
pub async fn health(State(http): State<Http>) -> impl IntoResponse {
    match http.state.db.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({"status": "ok", "database": "ok"})),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "error", "database": "unreachable"})),
            )
        }
    }
}

/// Prometheus metrics.
pub async fn metrics(State(http): State<Http>) -> impl IntoResponse {
    let state = &http.state;
    let body = state.metrics.render(
        state.db.statements(),
        state.db.pool_stats(state.config.db_max_connections),
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}
