//! `/graphql/`: GET serves the playground, executes persisted/plain reads from query
//! parameters, or upgrades to a websocket; POST executes JSON or multipart requests.
//! Every rejection is a GraphQL-shaped JSON error with a stable code and the request id.

use std::{
    str::FromStr,
    time::{Duration, Instant},
};

use async_graphql::{
    BatchRequest, BatchResponse, Data, ParseRequestError, Response as GqlResponse, ServerError,
    http::{GraphiQLSource, MultipartOptions, WebSocketProtocols},
};
use axum::{
    Extension, Json,
    body::Bytes,
    extract::{FromRequestParts, Request, State, WebSocketUpgrade},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::json;

use super::{
    Http, RequestId,
    per_ip::{client_ip, too_many},
    serve::BodyTimedOut,
    ws,
};
use crate::{
    account::auth,
    account::revalidation::LiveCredential,
    cache::{
        ResponseCache,
        flight::{Flight, Leader},
        response::Key,
    },
    core::{
        context::{ClientInfo, RequestCtx},
        error::{ErrorCode, error, server_error},
        limits::ReadOnlyRequest,
    },
    events::api::TokenExpiry,
    metrics::operation_name,
};

/// POST: a JSON body (single or batched operations) or a GraphQL multipart upload.
pub async fn post_handler(
    State(http): State<Http>,
    Extension(rid): Extension<RequestId>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let client = client_info(&http, &parts);
    let headers = parts.headers;
    let content_type = header_str(&headers, header::CONTENT_TYPE);
    let multipart = content_type.is_some_and(|c| c.starts_with("multipart/"));
    let config = &http.state.config;
    let limit = if multipart {
        config.max_upload_bytes
    } else {
        config.max_body_bytes
    };
    let bytes = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<LengthLimitError>() => {
            return reject(
                &http,
                &rid,
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::BodyTooLarge,
                format!("The request body exceeds the limit of {limit} bytes."),
            );
        }
        Err(e) => {
            if let Some(timeout) = BodyTimedOut::find(&*e) {
                return reject(
                    &http,
                    &rid,
                    StatusCode::REQUEST_TIMEOUT,
                    ErrorCode::Timeout,
                    format!(
                        "The request body did not arrive within {} ms.",
                        timeout.as_millis()
                    ),
                );
            }
            return reject(
                &http,
                &rid,
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                "The request body could not be read.".to_owned(),
            );
        }
    };
    let options = MultipartOptions::default()
        .max_file_size(limit)
        .max_num_files(20);
    let batch = match async_graphql::http::receive_batch_body(
        content_type,
        futures_util::io::Cursor::new(bytes),
        options,
    )
    .await
    {
        Ok(batch) => batch,
        Err(e) => {
            return reject(
                &http,
                &rid,
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                describe_parse_error(&e),
            );
        }
    };
    let authorization = credentials(&headers);
    execute(&http, &rid, authorization, client, batch, false).await
}

/// The client's IP (socket peer, or the first `X-Forwarded-For` entry when trusted) and
/// cookies.
fn client_info(http: &Http, parts: &axum::http::request::Parts) -> ClientInfo {
    ClientInfo {
        ip: client_ip(
            http.state.config.trust_forwarded_for,
            &parts.headers,
            &parts.extensions,
        ),
        cookies: header_str(&parts.headers, header::COOKIE).map(str::to_owned),
    }
}

/// GET: websocket upgrade, a read from query parameters, or the playground.
pub async fn get_handler(
    State(http): State<Http>,
    Extension(rid): Extension<RequestId>,
    req: Request,
) -> Response {
    let (mut parts, _body) = req.into_parts();
    if parts
        .headers
        .get(header::UPGRADE)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"))
    {
        return websocket(http, rid, &mut parts).await;
    }
    let query = parts.uri.query().unwrap_or_default();
    let has_operation = query
        .split('&')
        .any(|pair| pair.starts_with("query=") || pair.starts_with("extensions="));
    if !has_operation {
        return playground();
    }
    let request = match async_graphql::http::parse_query_string(query) {
        Ok(request) => request,
        Err(e) => {
            return reject(
                &http,
                &rid,
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                describe_parse_error(&e),
            );
        }
    };
    let authorization = credentials(&parts.headers);
    let client = client_info(&http, &parts);
    execute(
        &http,
        &rid,
        authorization,
        client,
        BatchRequest::Single(request),
        true,
    )
    .await
}

fn playground() -> Response {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql/")
            .subscription_endpoint("/graphql/")
            .title("bizgraph GraphQL playground")
            .finish(),
    )
    .into_response()
}

async fn websocket(http: Http, rid: RequestId, parts: &mut axum::http::request::Parts) -> Response {
    let Some(protocol) =
        header_str(&parts.headers, header::SEC_WEBSOCKET_PROTOCOL).and_then(|protocols| {
            protocols
                .split(',')
                .find_map(|p| WebSocketProtocols::from_str(p.trim()).ok())
        })
    else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(e) => return e.into_response(),
    };
    let ip = client_info(&http, parts).ip;
    let Some(permit) = http.websockets_per_ip.acquire(ip.as_deref()) else {
        return too_many(
            &http,
            &rid,
            ErrorCode::TooManyConnections,
            format!(
                "Too many open websockets from this client; the maximum is {}.",
                http.state.config.max_websockets_per_ip
            ),
        );
    };
    let protocols = [
        WebSocketProtocols::GraphQLWS.sec_websocket_protocol(),
        WebSocketProtocols::SubscriptionsTransportWS.sec_websocket_protocol(),
    ];
    upgrade
        .protocols(protocols)
        .on_upgrade(move |socket| async move {
            let _permit = permit;
            let state = http.state.clone();
            let config = &state.config;
            let limits = ws::SocketLimits {
                init_timeout: Duration::from_millis(config.websocket_init_timeout_ms),
                max_subscriptions: config.max_subscriptions_per_socket,
                request_id: rid.0.clone(),
                metrics: state.metrics.clone(),
            };
            let on_init = move |payload: serde_json::Value| async move {
                let authorization = ["authorization", "Authorization"]
                    .iter()
                    .find_map(|k| payload.get(*k).and_then(|v| v.as_str()));
                let requestor = auth::authenticate(&state, authorization).await?;
                if !requestor.is_staff_or_app()
                    && !state
                        .shop
                        .storefront_traffic_allowed()
                        .await
                        .map_err(|e| crate::core::error::internal(&rid.0, e))?
                {
                    return Err(error(
                        ErrorCode::StorefrontTrafficNotAllowed,
                        "Storefront traffic is not allowed.",
                    ));
                }
                let mut data = Data::default();
                if let Some(expiry) = authorization.and_then(token_expiry) {
                    data.insert(expiry);
                }
                if let Some(credential) =
                    authorization.and_then(|a| LiveCredential::from_authorization(a, &requestor))
                {
                    data.insert(credential);
                }
                data.insert(RequestCtx {
                    request_id: rid.0,
                    requestor,
                });
                Ok(data)
            };
            ws::run(socket, http.live.clone(), protocol, limits, on_init).await;
        })
        .into_response()
}

/// Operations of one batch run at most this many at a time, so a single huge batch cannot
/// take every database connection and starve other requests (or itself).
const BATCH_CONCURRENCY: usize = 8;

async fn execute_batch(schema: &crate::schema::AppSchema, batch: BatchRequest) -> BatchResponse {
    use futures_util::StreamExt;
    match batch {
        BatchRequest::Single(request) => BatchResponse::Single(schema.execute(request).await),
        BatchRequest::Batch(requests) => BatchResponse::Batch(
            futures_util::stream::iter(requests)
                .map(|request| schema.execute(request))
                .buffered(BATCH_CONCURRENCY)
                .collect()
                .await,
        ),
    }
}

/// When a JWT bearer value expires (its `exp`), for ending live subscriptions on time.
/// Only called after the token was authenticated, so the claims are already verified.
fn token_expiry(authorization: &str) -> Option<TokenExpiry> {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let token = authorization.trim().rsplit(' ').next()?;
    let claims = token.split('.').nth(1)?;
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()?;
    let exp = claims.get("exp")?.as_i64()?;
    let left = exp - chrono::Utc::now().timestamp();
    let left = std::time::Duration::from_secs(u64::try_from(left).unwrap_or(0));
    Some(TokenExpiry {
        at: tokio::time::Instant::now() + left,
        exp,
    })
}

async fn execute(
    http: &Http,
    rid: &RequestId,
    authorization: Option<&str>,
    client: ClientInfo,
    batch: BatchRequest,
    read_only: bool,
) -> Response {
    let state = &http.state;
    let max_batch = state.config.max_batch_operations;
    if let BatchRequest::Batch(requests) = &batch
        && requests.len() > max_batch
    {
        return reject(
            http,
            rid,
            StatusCode::BAD_REQUEST,
            ErrorCode::TooManyOperations,
            format!(
                "The batch holds {} operations; the maximum is {max_batch}.",
                requests.len()
            ),
        );
    }
    let requestor = match auth::authenticate(state, authorization).await {
        Ok(requestor) => requestor,
        Err(e) => {
            let mut err = e.into_server_error(Default::default());
            add_request_id(&mut err, &rid.0);
            return json_response(StatusCode::OK, &rid.0, json!({ "errors": [err] }));
        }
    };
    if !requestor.is_staff_or_app() {
        match state.shop.storefront_traffic_allowed().await {
            Ok(true) => {}
            Ok(false) => {
                return reject(
                    http,
                    rid,
                    StatusCode::UNAUTHORIZED,
                    ErrorCode::StorefrontTrafficNotAllowed,
                    "Storefront traffic is not allowed.".to_owned(),
                );
            }
            Err(e) => {
                tracing::error!(request_id = %rid.0, "reading allowStorefrontTraffic: {e}");
                return reject(
                    http,
                    rid,
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorCode::Internal,
                    "Internal server error".to_owned(),
                );
            }
        }
    }
    let requests = match &batch {
        BatchRequest::Single(r) => std::slice::from_ref(r),
        BatchRequest::Batch(rs) => rs.as_slice(),
    };
    if requests
        .iter()
        .any(|r| r.query.trim().is_empty() && !r.extensions.contains_key("persistedQuery"))
    {
        return reject(
            http,
            rid,
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "The request has no GraphQL `query`.".to_owned(),
        );
    }
    let names: Vec<String> = match &batch {
        BatchRequest::Single(r) => vec![operation_name(r.operation_name.as_deref(), &r.query)],
        BatchRequest::Batch(rs) => rs
            .iter()
            .map(|r| operation_name(r.operation_name.as_deref(), &r.query))
            .collect(),
    };
    let mut cache = match (&batch, authorization) {
        (BatchRequest::Single(request), None) => CacheSlot::open(state, request).await,
        _ => None,
    };
    if let Some(slot) = cache.as_mut() {
        let served = match slot.hit() {
            Some(body) => Some((body, "hit")),
            None => slot.join().await.map(|body| (body, "shared")),
        };
        if let Some((body, how)) = served {
            state
                .metrics
                .record_request(&names[0], true, Duration::default());
            return body_response(&rid.0, body, how);
        }
    }
    let mut batch = batch
        .data(RequestCtx {
            request_id: rid.0.clone(),
            requestor,
        })
        .data(client);
    if read_only {
        batch = batch.data(ReadOnlyRequest);
    }
    let started = Instant::now();
    let timeout = Duration::from_millis(state.config.request_timeout_ms);
    let response = match tokio::time::timeout(timeout, execute_batch(&http.schema, batch)).await {
        Ok(response) => response,
        Err(_) => {
            for name in &names {
                state.metrics.record_request(name, false, started.elapsed());
            }
            return reject(
                http,
                rid,
                StatusCode::GATEWAY_TIMEOUT,
                ErrorCode::Timeout,
                format!(
                    "The request did not complete within {} ms.",
                    timeout.as_millis()
                ),
            );
        }
    };
    let elapsed = started.elapsed();
    let response = match response {
        BatchResponse::Single(r) => {
            BatchResponse::Single(finish(state, &names[0], r, rid, elapsed))
        }
        BatchResponse::Batch(rs) => BatchResponse::Batch(
            rs.into_iter()
                .zip(&names)
                .map(|(r, name)| finish(state, name, r, rid, elapsed))
                .collect(),
        ),
    };
    let extra_headers: Vec<(header::HeaderName, HeaderValue)> =
        response.http_headers_iter().collect();
    match serde_json::to_vec(&response) {
        Ok(body) => {
            let body = Bytes::from(body);
            let cache_status = match (cache, &response) {
                (Some(slot), BatchResponse::Single(r))
                    if r.errors.is_empty() && extra_headers.is_empty() =>
                {
                    slot.store(body.clone());
                    "miss"
                }
                _ => "bypass",
            };
            let mut resp = body_response(&rid.0, body, cache_status);
            for (name, value) in extra_headers {
                resp.headers_mut().append(name, value);
            }
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise a response");
            reject(
                http,
                rid,
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "Internal server error".to_owned(),
            )
        }
    }
}

fn finish(
    state: &crate::state::AppState,
    name: &str,
    mut response: GqlResponse,
    rid: &RequestId,
    elapsed: Duration,
) -> GqlResponse {
    state
        .metrics
        .record_request(name, response.errors.is_empty(), elapsed);
    for err in &mut response.errors {
        add_request_id(err, &rid.0);
    }
    response
}

fn add_request_id(err: &mut ServerError, rid: &str) {
    err.extensions
        .get_or_insert_with(Default::default)
        .set("requestId", rid);
}

fn reject(
    http: &Http,
    rid: &RequestId,
    status: StatusCode,
    code: ErrorCode,
    message: String,
) -> Response {
    http.state.metrics.record_rejection(code.as_str());
    let mut err = server_error(code, message);
    add_request_id(&mut err, &rid.0);
    json_response(status, &rid.0, json!({ "errors": [err] }))
}

fn json_response(status: StatusCode, rid: &str, body: serde_json::Value) -> Response {
    let mut response = (status, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(rid) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// A cacheable request's place in the response cache: its key, the public data version
/// read before it runs, and its lead of the key's single flight once it missed.
struct CacheSlot {
    cache: std::sync::Arc<ResponseCache>,
    key: Key,
    version: i64,
    leader: Option<Leader>,
}

impl CacheSlot {
    /// `None` when caching is off or `request` is not cacheable (or the version cannot be
    /// read: the request then simply runs uncached).
    async fn open(
        state: &crate::state::AppState,
        request: &async_graphql::Request,
    ) -> Option<Self> {
        let cache = state.response_cache.clone()?;
        if !cache.is_cacheable(request) {
            return None;
        }
        let key = Key::of(request)?;
        let version = match crate::cache::version::current(&state.db.conn).await {
            Ok(version) => version,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the public data version; not caching");
                return None;
            }
        };
        Some(Self {
            cache,
            key,
            version,
            leader: None,
        })
    }

    fn hit(&self) -> Option<Bytes> {
        self.cache.get(&self.key, self.version)
    }

    /// After a miss: the body of a concurrent identical request this one waited for, or
    /// `None` when this request must run the query (leading the flight, or because the
    /// leader had nothing to share).
    async fn join(&mut self) -> Option<Bytes> {
        match self.cache.join(&self.key, self.version) {
            Flight::Lead(leader) => {
                // A leader that finished between this request's miss and its join has
                // stored its body already.
                if let Some(body) = self.hit() {
                    leader.finish(Some(body.clone()));
                    return Some(body);
                }
                self.leader = Some(leader);
                None
            }
            Flight::Follow(follower) => follower.body().await,
        }
    }

    fn store(self, body: Bytes) {
        self.cache.put(self.key, self.version, body.clone());
        if let Some(leader) = self.leader {
            leader.finish(Some(body));
        }
    }
}

/// A JSON body already serialised; `cache` says whether the response cache served it
/// (`hit`), shared a concurrent identical request's body (`shared`), stored it (`miss`) or
/// was not used (`bypass`).
fn body_response(rid: &str, body: Bytes, cache: &'static str) -> Response {
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(rid) {
        headers.insert("x-request-id", value);
    }
    headers.insert("x-bizgraph-cache", HeaderValue::from_static(cache));
    response
}

/// The caller's credentials, as Saleor reads them: the `Authorization-Bearer` header (the
/// Saleor dashboard's; a bare token), else `Authorization` (`Bearer …`/`JWT …`).
fn credentials(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization-bearer")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty())
        .or_else(|| header_str(headers, header::AUTHORIZATION))
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A client-facing description of why the body is not a GraphQL request.
fn describe_parse_error(e: &ParseRequestError) -> String {
    match e {
        ParseRequestError::InvalidRequest(inner) => {
            format!("The request body is not a valid GraphQL request: {inner}")
        }
        ParseRequestError::PayloadTooLarge => "An uploaded file exceeds the size limit.".to_owned(),
        ParseRequestError::UnsupportedBatch => "Batched requests are not supported.".to_owned(),
        other => format!("Invalid request: {other}"),
    }
}
