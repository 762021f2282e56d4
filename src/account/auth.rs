//! Authentication of incoming requests: `Authorization: Bearer <token>` → [`Requestor`].
//! A JWT (three dot-separated segments) must be one of our access tokens; anything else
//! is looked up as an app token.

use super::jwt::JwtError;
use crate::core::{
    context::Requestor,
    error::{ErrorCode, error, error_with_exception},
};
use crate::state::AppState;

/// Resolves the caller from an `Authorization` header value (HTTP) or the `authorization`
/// field of a websocket `connection_init` payload.
pub async fn authenticate(
    state: &AppState,
    authorization: Option<&str>,
) -> async_graphql::Result<Requestor> {
    let Some(value) = authorization.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(Requestor::Anonymous);
    };
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .or_else(|| value.strip_prefix("JWT "))
        .unwrap_or(value)
        .trim();
    if token.is_empty() {
        return Ok(Requestor::Anonymous);
    }
    if token.split('.').count() == 3 {
        return match state.accounts.authenticate_access(token).await {
            Ok(user) => Ok(Requestor::User(user)),
            Err(e) => Err(token_error(&e)),
        };
    }
    match state.accounts.authenticate_app(token).await {
        Ok(Some(app)) => Ok(Requestor::App(app)),
        Ok(None) => Err(error(ErrorCode::InvalidToken, "Invalid token.")),
        Err(e) => Err(crate::core::error::internal("auth", e)),
    }
}

/// The top-level error for a rejected access token, with Saleor's exception class names
/// (`ExpiredSignatureError` is what Saleor clients look for to refresh).
pub fn token_error(e: &JwtError) -> async_graphql::Error {
    let exception = match e {
        JwtError::Expired => "ExpiredSignatureError",
        JwtError::Decode => "DecodeError",
        JwtError::Signature => "InvalidSignatureError",
        JwtError::Invalid(_) => "InvalidTokenError",
    };
    error_with_exception(ErrorCode::InvalidToken, exception, e.to_string())
}
