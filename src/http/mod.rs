//! The HTTP surface: `/graphql/` (playground, queries, websocket subscriptions),
//! `/health/` and `/metrics`, `/thumbnail/…` and `/media/…` (see `crate::media`), with
//! request ids, compression and CORS.

mod cors;
mod graphql;
mod health;
mod live;
mod per_ip;
mod request_id;
mod serve;
mod ws;

use axum::{Router, routing::get};
use tower_http::{catch_panic::CatchPanicLayer, compression::CompressionLayer};

use crate::{schema::AppSchema, state::AppState};

pub use request_id::RequestId;
pub use serve::serve;

/// Handler state: the schema and the application state.
#[derive(Clone)]
pub struct Http {
    pub schema: AppSchema,
    pub state: AppState,
    /// Websocket executor sharing identical subscriptions.
    pub live: live::SharedSubscriptions,
    /// Requests in flight per client IP.
    requests_per_ip: per_ip::PerIp,
    /// Open websockets per client IP.
    websockets_per_ip: per_ip::PerIp,
}

/// The application router.
pub fn router(schema: AppSchema, state: AppState) -> Router {
    let origins = cors::AllowedOrigins::parse(&state.config.cors_origins);
    let state_for_payments = state.clone();
    let live = live::SharedSubscriptions::new(schema.clone());
    let config = &state.config;
    let body_timeout = std::time::Duration::from_millis(config.body_read_timeout_ms);
    let http = Http {
        requests_per_ip: per_ip::PerIp::new(config.max_concurrent_requests_per_ip),
        websockets_per_ip: per_ip::PerIp::new(config.max_websockets_per_ip),
        schema,
        state,
        live,
    };
    let router = Router::new()
        .route(
            "/graphql/",
            get(graphql::get_handler).post(graphql::post_handler),
        )
        .route(
            "/graphql",
            get(graphql::get_handler).post(graphql::post_handler),
        )
        .route("/health/", get(health::health))
        .route("/health", get(health::health))
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/metrics", get(health::metrics))
        .route("/.well-known/jwks.json", get(jwks))
        .with_state(http.clone())
        .merge(crate::media::http::routes(state_for_payments.clone()))
        .merge(payment_routes(state_for_payments))
        .layer(axum::middleware::from_fn(move |request, next| {
            serve::body_deadline(body_timeout, request, next)
        }))
        .layer(axum::middleware::from_fn_with_state(
            http,
            per_ip::limit_requests,
        ))
        .layer(axum::middleware::from_fn_with_state(
            origins,
            cors::middleware,
        ))
        .layer(CompressionLayer::new())
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn(request_id::middleware));
    // Outermost: the request's server span (only when traces are exported).
    crate::telemetry::trace_http(router)
}

/// Provider webhooks: `POST /payments/{gateway}/webhook[/{channel}]`.
fn payment_routes(state: AppState) -> Router {
    use crate::payment::webhook;
    use axum::routing::post;
    Router::new()
        .route(
            "/payments/{gateway}/webhook",
            post(webhook::without_channel),
        )
        .route(
            "/payments/{gateway}/webhook/{channel}",
            post(webhook::with_channel),
        )
        .with_state(state)
}

/// A panic anywhere in a handler becomes a generic JSON error; the details go to the log only.
fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    tracing::error!("a request handler panicked");
    let err = crate::core::error::server_error(
        crate::core::error::ErrorCode::Internal,
        "Internal server error",
    );
    (
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(serde_json::json!({ "errors": [err] })),
    )
        .into_response()
}

/// The public keys verifying our JWTs (and, later, webhook signatures).
async fn jwks(axum::extract::State(http): axum::extract::State<Http>) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(axum::http::header::CACHE_CONTROL, "public, max-age=300")],
        axum::Json(http.state.accounts.keys().jwks()),
    )
        .into_response()
}
