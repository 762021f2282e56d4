//! The delivery worker: claims due deliveries (leases, `SKIP LOCKED` on PostgreSQL), sends
//! them — one at a time per webhook, webhooks in parallel, so a failing or slow target does
//! not hold up the others — and records every attempt. 2xx succeeds; other 4xx (except 408
//! and 429) fail at once; anything else is retried with exponential backoff until the
//! attempts run out, after which the delivery stays visible as `FAILED` (a dead letter).
//! A target that is (or resolves, at connect time, to) a forbidden address fails at once.
//!
//! Delivery is at least once: a crash between sending and recording an attempt sends the
//! delivery again when its lease runs out. Every request carries [`DELIVERY_ID_HEADER`],
//! the same on every attempt of one delivery, so receivers can drop duplicates.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use chrono::Utc;
use entities::{app, event_delivery, event_delivery_attempt, outbox, webhook};
use futures_util::future::join_all;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait,
    FromQueryResult, Set, Statement, TransactionTrait,
};
use serde_json::{Value as Json, json};
use tokio::sync::{Notify, watch};

use super::{
    payload,
    service::{FAILED, PENDING, SUCCESS, WebhookService},
    signature,
};
use crate::{
    config::Config,
    core::{
        id,
        outbound::{OutboundClient, OutboundError, parse_url},
    },
    events::BusEvent,
    schema::AppSchema,
    state::AppState,
};

/// The header naming the delivery (its `EventDelivery` ID): equal on every attempt.
pub const DELIVERY_ID_HEADER: &str = "X-Bizgraph-Delivery-Id";

/// Deliveries claimed per round.
const BATCH: i64 = 50;
/// How long a claim lasts before another instance may take the delivery over.
const LEASE_SECS: i64 = 120;
/// How often to look for due retries and deliveries created by other instances.
const POLL: Duration = Duration::from_millis(250);
/// Longest response body kept in an attempt.
const MAX_RESPONSE: usize = 1024;

/// Delivery settings from the configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    pub max_attempts: i32,
    pub backoff_base: Duration,
    pub timeout: Duration,
    pub domain: String,
    pub api_url: String,
}

impl Settings {
    pub fn from_config(config: &Config) -> Self {
        let api_url = config.graphql_url();
        let domain = reqwest::Url::parse(&api_url)
            .ok()
            .and_then(|u| {
                u.host_str().map(|h| match u.port() {
                    Some(port) => format!("{h}:{port}"),
                    None => h.to_owned(),
                })
            })
            .unwrap_or_default();
        Self {
            max_attempts: config.webhook_max_attempts.max(1) as i32,
            backoff_base: Duration::from_millis(config.webhook_backoff_base_ms),
            timeout: Duration::from_millis(config.webhook_timeout_ms.max(1)),
            domain,
            api_url,
        }
    }
}

/// Everything the worker needs.
#[derive(Clone)]
pub struct Worker {
    db: DatabaseConnection,
    schema: AppSchema,
    state: AppState,
    webhooks: WebhookService,
    settings: Settings,
    /// `None` when the client could not be built (every attempt then fails, logged).
    client: Option<OutboundClient>,
}

impl Worker {
    /// A worker claiming deliveries through `db` (the background pool, so request metrics
    /// stay clean), rendering payloads with `schema`.
    pub fn new(db: DatabaseConnection, schema: AppSchema, state: AppState) -> Self {
        let settings = Settings::from_config(&state.config);
        let user_agent = concat!("bizgraph/", env!("CARGO_PKG_VERSION"), " (Saleor webhooks)");
        let client = match state.outbound.client(settings.timeout, user_agent) {
            Ok(client) => Some(client),
            Err(e) => {
                tracing::error!(error = %e, "webhook worker: cannot build the HTTP client");
                None
            }
        };
        Self {
            db,
            webhooks: state.webhooks.clone(),
            schema,
            state,
            settings,
            client,
        }
    }

    /// Runs until `stop` changes or its sender is dropped.
    pub async fn run(self, wake: Arc<Notify>, mut stop: watch::Receiver<bool>) {
        loop {
            let busy = match self.round().await {
                Ok(n) => n > 0,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook worker: round failed; retrying");
                    false
                }
            };
            if !busy {
                tokio::select! {
                    () = wake.notified() => {}
                    () = tokio::time::sleep(POLL) => {}
                    _ = stop.changed() => return,
                }
            } else if stop.has_changed().unwrap_or(true) {
                return;
            }
        }
    }

    /// Claims and sends one batch; returns how many deliveries were attempted.
    pub async fn round(&self) -> Result<usize, DbErr> {
        let claimed = claim(&self.db, BATCH, chrono::Duration::seconds(LEASE_SECS)).await?;
        let count = claimed.len();
        let mut by_webhook: BTreeMap<i32, Vec<event_delivery::Model>> = BTreeMap::new();
        for delivery in claimed {
            by_webhook
                .entry(delivery.webhook_id)
                .or_default()
                .push(delivery);
        }
        let results = join_all(by_webhook.into_values().map(|deliveries| async move {
            for delivery in deliveries {
                self.attempt(delivery).await?;
            }
            Ok::<_, DbErr>(())
        }))
        .await;
        results.into_iter().collect::<Result<Vec<_>, _>>()?;
        Ok(count)
    }

    async fn attempt(&self, delivery: event_delivery::Model) -> Result<(), DbErr> {
        let Some(hook) = webhook::Entity::find_by_id(delivery.webhook_id)
            .one(&self.db)
            .await?
        else {
            return Ok(()); // deleted meanwhile; its deliveries went with it
        };
        let app = app::Entity::find_by_id(hook.app_id).one(&self.db).await?;
        let Some(app) = app.filter(|a| a.is_active && hook.is_active) else {
            return self
                .finish(
                    &delivery,
                    Outcome::give_up("The webhook or its app is inactive."),
                    &json!({}),
                )
                .await;
        };
        let payload = match &delivery.payload {
            Some(payload) => payload.clone(),
            None => match self.render(&hook, &app, delivery.event_id).await? {
                Ok(payload) => {
                    let mut active: event_delivery::ActiveModel = delivery.clone().into();
                    active.payload = Set(Some(payload.clone()));
                    active.update(&self.db).await?;
                    payload
                }
                Err(message) => {
                    return self
                        .finish(
                            &delivery,
                            Outcome::give_up(&format!("Cannot render the payload: {message}")),
                            &json!({}),
                        )
                        .await;
                }
            },
        };
        let url = match parse_url(&hook.target_url) {
            Ok(url) => url,
            Err(e) => {
                return self
                    .finish(&delivery, Outcome::give_up(&e.to_string()), &json!({}))
                    .await;
            }
        };
        let Some(client) = &self.client else {
            let outcome =
                Outcome::transport("The webhook HTTP client is unavailable.", Duration::ZERO);
            return self.finish(&delivery, outcome, &json!({})).await;
        };
        let signature = signature::sign(
            self.state.accounts.keys(),
            self.webhooks.secret(&hook).as_deref(),
            payload.as_bytes(),
        );
        let mut headers = reqwest::header::HeaderMap::new();
        let mut shown = serde_json::Map::new();
        let mut add = |name: &str, value: &str, show: bool| {
            if let (Ok(n), Ok(v)) = (
                reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                reqwest::header::HeaderValue::from_str(value),
            ) {
                headers.insert(n, v);
                shown.insert(
                    name.to_owned(),
                    Json::String(if show {
                        value.to_owned()
                    } else {
                        "***".to_owned()
                    }),
                );
            }
        };
        add("Content-Type", "application/json", true);
        add("Saleor-Event", &delivery.event_type.to_lowercase(), true);
        add("Saleor-Domain", &self.settings.domain, true);
        add("Saleor-Api-Url", &self.settings.api_url, true);
        if let Some(signature) = &signature {
            add("Saleor-Signature", signature, true);
        }
        if let Some(custom) = hook.custom_headers.as_object() {
            for (name, value) in custom {
                if let Some(value) = value.as_str() {
                    let secret = name.to_ascii_lowercase().starts_with("authorization");
                    add(name, value, !secret);
                }
            }
        }
        // Ours last, so a custom header of the same name cannot replace it.
        add(
            DELIVERY_ID_HEADER,
            id::encode("EventDelivery", delivery.id).as_str(),
            true,
        );
        let started = std::time::Instant::now();
        let sent = match client
            .request(reqwest::Method::POST, url)
            .headers(headers)
            .body(payload)
            .build()
        {
            Ok(request) => client.execute(request).await,
            Err(e) => Err(OutboundError::from_reqwest(&e)),
        };
        let outcome = match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                let response_headers: serde_json::Map<String, Json> = response
                    .headers()
                    .iter()
                    .filter_map(|(k, v)| {
                        v.to_str()
                            .ok()
                            .map(|v| (k.to_string(), Json::String(v.to_owned())))
                    })
                    .collect();
                let body = client.read_body(response).await;
                Outcome::http(
                    status,
                    truncate(&body.text()),
                    Json::Object(response_headers),
                    started.elapsed(),
                )
            }
            // The address may be rebound again, but never to be trusted: fail at once.
            Err(e @ OutboundError::Forbidden(_)) => Outcome {
                duration: started.elapsed(),
                ..Outcome::give_up(&e.to_string())
            },
            Err(e) => Outcome::transport(&e.to_string(), started.elapsed()),
        };
        self.finish(&delivery, outcome, &Json::Object(shown)).await
    }

    async fn render(
        &self,
        hook: &webhook::Model,
        app: &app::Model,
        event_id: i64,
    ) -> Result<Result<String, String>, DbErr> {
        let Some(row) = outbox::Entity::find_by_id(event_id).one(&self.db).await? else {
            return Ok(Err("the event no longer exists".to_owned()));
        };
        let event = Arc::new(BusEvent::from(row));
        Ok(payload::render(&self.schema, app, &hook.subscription_query, event).await)
    }

    /// Records the attempt and moves the delivery on, in one transaction.
    async fn finish(
        &self,
        delivery: &event_delivery::Model,
        outcome: Outcome,
        request_headers: &Json,
    ) -> Result<(), DbErr> {
        let attempts = delivery.attempt_count + 1;
        let now = Utc::now();
        let (status, next_attempt_at) = match outcome.verdict {
            Verdict::Success => (SUCCESS, now),
            Verdict::GiveUp => (FAILED, now),
            Verdict::Retry if attempts >= self.settings.max_attempts => (FAILED, now),
            Verdict::Retry => {
                let factor = 2u32.saturating_pow((attempts - 1).clamp(0, 16) as u32);
                let delay = (self.settings.backoff_base * factor).min(Duration::from_secs(3600));
                (
                    PENDING,
                    now + chrono::Duration::from_std(delay).unwrap_or_default(),
                )
            }
        };
        let txn = self.db.begin().await?;
        event_delivery_attempt::ActiveModel {
            delivery_id: Set(delivery.id),
            status: Set(if outcome.verdict == Verdict::Success {
                SUCCESS
            } else {
                FAILED
            }
            .to_owned()),
            duration_ms: Set(outcome.duration.as_millis().min(i32::MAX as u128) as i32),
            response_status_code: Set(outcome.status_code.map(i32::from)),
            response: Set(Some(outcome.response)),
            request_headers: Set(request_headers.clone()),
            response_headers: Set(outcome.response_headers),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut active: event_delivery::ActiveModel = delivery.clone().into();
        // `payload` may have been stored meanwhile; don't overwrite it with the stale copy.
        active.payload = sea_orm::ActiveValue::NotSet;
        active.status = Set(status.to_owned());
        active.attempt_count = Set(attempts);
        active.next_attempt_at = Set(next_attempt_at);
        active.locked_until = Set(None);
        active.updated_at = Set(now);
        active.update(&txn).await?;
        txn.commit().await
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Success,
    Retry,
    GiveUp,
}

struct Outcome {
    verdict: Verdict,
    status_code: Option<u16>,
    response: String,
    response_headers: Json,
    duration: Duration,
}

impl Outcome {
    fn http(status: u16, body: String, headers: Json, duration: Duration) -> Self {
        let verdict = match status {
            200..=299 => Verdict::Success,
            408 | 429 => Verdict::Retry,
            400..=499 => Verdict::GiveUp,
            _ => Verdict::Retry,
        };
        Self {
            verdict,
            status_code: Some(status),
            response: body,
            response_headers: headers,
            duration,
        }
    }

    fn transport(message: &str, duration: Duration) -> Self {
        Self {
            verdict: Verdict::Retry,
            status_code: None,
            response: truncate(message),
            response_headers: json!({}),
            duration,
        }
    }

    fn give_up(message: &str) -> Self {
        Self {
            verdict: Verdict::GiveUp,
            status_code: None,
            response: truncate(message),
            response_headers: json!({}),
            duration: Duration::ZERO,
        }
    }
}

fn truncate(text: &str) -> String {
    match text.char_indices().nth(MAX_RESPONSE) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// Claims up to `limit` due pending deliveries whose lease is free.
async fn claim<C: ConnectionTrait>(
    conn: &C,
    limit: i64,
    lease: chrono::Duration,
) -> Result<Vec<event_delivery::Model>, DbErr> {
    let now = Utc::now();
    let backend = conn.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "UPDATE event_delivery SET locked_until = $1 WHERE id IN (
                SELECT id FROM event_delivery
                WHERE status = 'PENDING' AND next_attempt_at <= $2
                  AND (locked_until IS NULL OR locked_until < $2)
                ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED
             ) RETURNING *"
        }
        _ => {
            "UPDATE event_delivery SET locked_until = ? WHERE id IN (
                SELECT id FROM event_delivery
                WHERE status = 'PENDING' AND next_attempt_at <= ?
                  AND (locked_until IS NULL OR locked_until < ?)
                ORDER BY next_attempt_at, id LIMIT ?
             ) RETURNING *"
        }
    };
    let values: Vec<sea_orm::Value> = match backend {
        DatabaseBackend::Postgres => vec![(now + lease).into(), now.into(), limit.into()],
        _ => vec![(now + lease).into(), now.into(), now.into(), limit.into()],
    };
    let mut rows = event_delivery::Model::find_by_statement(Statement::from_sql_and_values(
        backend, sql, values,
    ))
    .all(conn)
    .await?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}
