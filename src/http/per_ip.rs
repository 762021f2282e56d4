//! Per-client-IP counters: requests in flight (`BIZGRAPH_MAX_CONCURRENT_REQUESTS_PER_IP`)
//! and open websockets (`BIZGRAPH_MAX_WEBSOCKETS_PER_IP`). Over the limit, a client is
//! refused at once with 429 instead of queueing behind its own requests.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{Http, RequestId};
use crate::core::error::ErrorCode;

type Counts = Arc<Mutex<HashMap<String, usize>>>;

/// Counts what each client IP holds, up to `max` each (0 = unlimited).
#[derive(Clone)]
pub struct PerIp {
    max: usize,
    held: Counts,
}

/// One unit held by a client (or nothing, when unlimited); released when dropped.
pub struct Permit(Option<(String, Counts)>);

impl PerIp {
    pub fn new(max: usize) -> Self {
        Self {
            max,
            held: Arc::default(),
        }
    }

    /// A permit for `ip`, `None` when it holds `max` already. Unknown clients (no address)
    /// and a disabled limit always get one.
    pub fn acquire(&self, ip: Option<&str>) -> Option<Permit> {
        let Some(ip) = ip.filter(|_| self.max > 0) else {
            return Some(Permit(None));
        };
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let count = held.entry(ip.to_owned()).or_default();
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(Permit(Some((ip.to_owned(), self.held.clone()))))
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let Some((ip, held)) = self.0.take() else {
            return;
        };
        let mut held = held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = held.get_mut(&ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                held.remove(&ip);
            }
        }
    }
}

/// The client's IP: the first `X-Forwarded-For` entry when trusted, else the socket peer.
pub fn client_ip(
    trust_forwarded_for: bool,
    headers: &HeaderMap,
    extensions: &axum::http::Extensions,
) -> Option<String> {
    let forwarded = if trust_forwarded_for {
        headers
            .get(header::HeaderName::from_static("x-forwarded-for"))
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    } else {
        None
    };
    forwarded.or_else(|| {
        extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
    })
}

/// Middleware holding a request permit of the client's IP while the request runs (health
/// probes and `/metrics` excepted).
pub async fn limit_requests(State(http): State<Http>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/health") || path == "/metrics" {
        return next.run(request).await;
    }
    let ip = client_ip(
        http.state.config.trust_forwarded_for,
        request.headers(),
        request.extensions(),
    );
    let Some(_permit) = http.requests_per_ip.acquire(ip.as_deref()) else {
        let rid = request
            .extensions()
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(|| RequestId(String::new()));
        return too_many(
            &http,
            &rid,
            ErrorCode::TooManyRequests,
            format!(
                "Too many concurrent requests from this client; the maximum is {}.",
                http.state.config.max_concurrent_requests_per_ip
            ),
        );
    };
    next.run(request).await
}

/// A 429 GraphQL-shaped error, counted in the rejection metrics.
pub fn too_many(http: &Http, rid: &RequestId, code: ErrorCode, message: String) -> Response {
    http.state.metrics.record_rejection(code.as_str());
    let mut err = crate::core::error::server_error(code, message);
    err.extensions
        .get_or_insert_with(Default::default)
        .set("requestId", rid.0.as_str());
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        axum::Json(serde_json::json!({ "errors": [err] })),
    )
        .into_response();
    if let Ok(value) = header::HeaderValue::from_str(&rid.0) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}
