//! `GET /thumbnail/{media id}/{size}/[{format}/]` (Saleor's thumbnail URL) and
//! `GET /media/products/{pk}/{file}` (uploaded originals). Both answer immutable,
//! long-cached responses with an `ETag`, and 304 to a matching `If-None-Match`.

use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};

use super::codec::{self, ThumbFormat};
use crate::state::AppState;

/// The media routes.
pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/thumbnail/{id}/{size}/", get(thumbnail_original))
        .route("/thumbnail/{id}/{size}/{format}/", get(thumbnail))
        .route("/media/products/{pk}/{file}", get(original))
        .with_state(state)
}

const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";

async fn thumbnail_original(
    State(state): State<AppState>,
    Path((id, size)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    serve_thumbnail(&state, &id, &size, "original", &headers).await
}

async fn thumbnail(
    State(state): State<AppState>,
    Path((id, size, format)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    serve_thumbnail(&state, &id, &size, &format, &headers).await
}

fn plain(status: StatusCode, message: &'static str) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], message).into_response()
}

async fn serve_thumbnail(
    state: &AppState,
    id: &str,
    size: &str,
    format: &str,
    headers: &HeaderMap,
) -> Response {
    let pk = match crate::core::id::split(id) {
        Some((kind, pk)) if kind == "ProductMedia" => pk.parse::<i32>().ok(),
        _ => None,
    };
    let Some(pk) = pk else {
        return plain(
            StatusCode::NOT_FOUND,
            "Cannot find an image with the given id.",
        );
    };
    // Saleor's route accepts digits only; any number is snapped to a thumbnail size.
    let size = match size.parse::<u64>() {
        Ok(n) if size.bytes().all(|b| b.is_ascii_digit()) => {
            codec::snap_size(i64::try_from(n).unwrap_or(i64::MAX))
        }
        _ => return plain(StatusCode::BAD_REQUEST, "Invalid size."),
    };
    let Some(format) = ThumbFormat::parse(format) else {
        return plain(StatusCode::BAD_REQUEST, "Unsupported image format.");
    };
    let meta = match state.media.meta(pk).await {
        Ok(Some(meta)) => meta,
        Ok(None) => {
            return plain(StatusCode::NOT_FOUND, "There is no image for the given id.");
        }
        Err(e) => return internal(&e),
    };
    let etag = format!(
        "\"{}-{size}-{}\"",
        meta.sha256.get(..32).unwrap_or(&meta.sha256),
        format.as_str()
    );
    let content_type = format.content_type(meta.format);
    if not_modified(headers, &etag) {
        return cached(StatusCode::NOT_MODIFIED, &etag, content_type, Bytes::new());
    }
    match state.media.thumbnail(&meta, size, format).await {
        Ok(bytes) => cached(StatusCode::OK, &etag, content_type, bytes),
        Err(super::ThumbnailError::NotFound) => {
            plain(StatusCode::NOT_FOUND, "There is no image for the given id.")
        }
        Err(super::ThumbnailError::Image(e)) => {
            tracing::warn!(media = pk, error = %e, "stored image could not be thumbnailed");
            plain(StatusCode::BAD_REQUEST, "Invalid image.")
        }
        Err(e) => internal(&e),
    }
}

async fn original(
    State(state): State<AppState>,
    Path((pk, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Ok(pk) = pk.parse::<i32>() else {
        return plain(StatusCode::NOT_FOUND, "Not found.");
    };
    match state.media.original(pk, &file).await {
        Ok(Some((meta, bytes))) => {
            let etag = format!("\"{}\"", meta.sha256.get(..32).unwrap_or(&meta.sha256));
            let content_type = meta.format.content_type();
            if not_modified(&headers, &etag) {
                return cached(StatusCode::NOT_MODIFIED, &etag, content_type, Bytes::new());
            }
            cached(StatusCode::OK, &etag, content_type, bytes)
        }
        Ok(None) => plain(StatusCode::NOT_FOUND, "Not found."),
        Err(e) => internal(&e),
    }
}

/// Whether `If-None-Match` lists `etag` (or is `*`); weak validators compare equal.
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

fn cached(status: StatusCode, etag: &str, content_type: &'static str, body: Bytes) -> Response {
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_FOREVER),
    );
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(value) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, value);
    }
    response
}

fn internal(e: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %e, "serving an image failed");
    plain(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_lists_and_weak_tags() {
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", W/\"abc-256-webp\""),
        );
        assert!(not_modified(&h, "\"abc-256-webp\""));
        assert!(!not_modified(&h, "\"abc-512-webp\""));
        assert!(!not_modified(&HeaderMap::new(), "\"abc\""));
    }
}
