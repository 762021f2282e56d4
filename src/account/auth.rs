//! Authentication of incoming requests: `Authorization: Bearer <token>` → [`Requestor`].

use crate::core::{
    context::Requestor,
    error::{ErrorCode, error},
};
use crate::state::AppState;

/// Resolves the caller from an `Authorization` header value (HTTP) or the `authorization`
/// field of a websocket `connection_init` payload.
pub async fn authenticate(
    _state: &AppState,
    authorization: Option<&str>,
) -> async_graphql::Result<Requestor> {
    let Some(value) = authorization.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(Requestor::Anonymous);
    };
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .unwrap_or(value)
        .trim();
    if token.is_empty() {
        return Ok(Requestor::Anonymous);
    }
    Err(error(ErrorCode::InvalidToken, "Invalid token."))
}
