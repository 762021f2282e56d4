//! `POST /payments/{gateway}/webhook[/{channel}]`: provider notifications. The answer is
//! 2xx only after the change is committed; a replay answers 200 and changes nothing; a bad
//! signature answers 400 and changes nothing.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::service::WebhookResult;
use crate::state::AppState;

/// Webhooks for every channel configured with the gateway (the signature picks the channel).
pub async fn without_channel(
    State(state): State<AppState>,
    Path(gateway): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(&state, &gateway, None, &headers, &body).await
}

/// Webhooks for one channel.
pub async fn with_channel(
    State(state): State<AppState>,
    Path((gateway, channel)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(&state, &gateway, Some(&channel), &headers, &body).await
}

async fn handle(
    state: &AppState,
    gateway: &str,
    channel: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let answer = |status: StatusCode, message: &str| {
        (status, Json(json!({ "status": message }))).into_response()
    };
    match state
        .payments
        .handle_webhook(gateway, channel, headers, body)
        .await
    {
        Ok(WebhookResult::Applied) => answer(StatusCode::OK, "ok"),
        Ok(WebhookResult::Duplicate) => answer(StatusCode::OK, "already processed"),
        Ok(WebhookResult::NotFound) => answer(StatusCode::NOT_FOUND, "unknown gateway or channel"),
        Ok(WebhookResult::BadSignature) => answer(StatusCode::BAD_REQUEST, "invalid signature"),
        Ok(WebhookResult::Rejected(message)) => {
            tracing::warn!(gateway, %message, "payment webhook rejected");
            answer(StatusCode::BAD_REQUEST, "rejected")
        }
        Err(e) => {
            tracing::error!(gateway, error = %e, "payment webhook failed");
            answer(StatusCode::INTERNAL_SERVER_ERROR, "error")
        }
    }
}
