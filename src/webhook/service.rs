//! Webhook rules: create/update/delete with validation, turning events into deliveries, and
//! retrying deliveries. No GraphQL types here.

use std::{collections::HashSet, sync::Arc};

use chrono::Utc;
use entities::{app, event_delivery, event_delivery_attempt, outbox, webhook};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, sea_query::OnConflict,
};
use serde_json::{Value as Json, json};

use super::event_enums::WebhookEventTypeAsyncEnum;
use crate::{
    core::outbound::{Outbound, OutboundError},
    secret::MasterKey,
};

/// Status values of a delivery (Saleor's `EventDeliveryStatusEnum`).
pub const PENDING: &str = "PENDING";
pub const SUCCESS: &str = "SUCCESS";
pub const FAILED: &str = "FAILED";

/// What went wrong, with Saleor's `WebhookErrorCode` meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Invalid,
    NotFound,
    Required,
    Syntax,
    MissingSubscription,
    MissingEvent,
    InvalidCustomHeaders,
}

/// Why a webhook operation failed.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("{message}")]
    Field {
        field: &'static str,
        kind: ErrorKind,
        message: String,
    },
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl WebhookError {
    fn field(field: &'static str, kind: ErrorKind, message: impl Into<String>) -> Self {
        Self::Field {
            field,
            kind,
            message: message.into(),
        }
    }
}

/// A validated webhook change. `None` fields stay as they are on update.
#[derive(Clone, Debug, Default)]
pub struct WebhookInput {
    pub name: Option<String>,
    pub target_url: Option<String>,
    /// Event names (Saleor's `WebhookEventTypeAsyncEnum` values).
    pub async_events: Option<Vec<String>>,
    pub is_active: Option<bool>,
    /// Legacy HMAC secret; an empty string removes it.
    pub secret_key: Option<String>,
    pub query: Option<String>,
    /// Events named by the query's `... on XxxEvent` fragments (derived by the caller).
    pub query_events: Vec<String>,
    pub custom_headers: Option<Json>,
}

/// Manages webhooks and their deliveries.
#[derive(Clone)]
pub struct WebhookService {
    db: DatabaseConnection,
    master_key: Arc<MasterKey>,
    outbound: Outbound,
}

fn secret_context(webhook_id: i32) -> Vec<u8> {
    format!("webhook_secret:{webhook_id}").into_bytes()
}

/// Checks custom headers: an object of string values named `X-…` or `Authorization…`,
/// as Saleor allows.
fn check_headers(headers: &Json) -> Result<(), WebhookError> {
    let invalid =
        |m: &str| WebhookError::field("customHeaders", ErrorKind::InvalidCustomHeaders, m);
    let map = headers
        .as_object()
        .ok_or_else(|| invalid("Custom headers must be a JSON object."))?;
    for (name, value) in map {
        let lower = name.to_ascii_lowercase();
        if !(lower.starts_with("x-") || lower.starts_with("authorization")) {
            return Err(invalid(&format!(
                "Header \"{name}\" is not allowed: use \"X-\" or \"Authorization\" headers."
            )));
        }
        let ok = value.as_str().is_some_and(|v| !v.contains(['\r', '\n']));
        if !ok || reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(invalid(&format!(
                "Header \"{name}\" is not a valid header."
            )));
        }
    }
    Ok(())
}

impl WebhookService {
    pub fn new(db: DatabaseConnection, master_key: Arc<MasterKey>, outbound: Outbound) -> Self {
        Self {
            db,
            master_key,
            outbound,
        }
    }

    /// Target rules (http(s), public addresses only unless allowed), with the same
    /// resolver and classifier the delivery client connects through.
    async fn check_target(&self, url: &str) -> Result<String, WebhookError> {
        self.outbound
            .check_url(url)
            .await
            .map(|u| u.to_string())
            .map_err(|e| {
                let message = match e {
                    OutboundError::Forbidden(_) => "The target URL resolves to a private or internal address, which is not allowed.".to_owned(),
                    other => other.to_string(),
                };
                WebhookError::field("targetUrl", ErrorKind::Invalid, message)
            })
    }

    /// The app `app_id`.
    pub async fn app(&self, app_id: i32) -> Result<Option<app::Model>, DbErr> {
        app::Entity::find_by_id(app_id).one(&self.db).await
    }

    fn events_of(input: &WebhookInput) -> Result<Option<Vec<String>>, WebhookError> {
        let mut events: Vec<String> = match &input.async_events {
            Some(list) => list.clone(),
            None if input.query.is_some() => input.query_events.clone(),
            None => return Ok(None),
        };
        for name in &events {
            if WebhookEventTypeAsyncEnum::parse(name).is_none() {
                return Err(WebhookError::field(
                    "query",
                    ErrorKind::MissingEvent,
                    format!("{name} is not an asynchronous webhook event."),
                ));
            }
        }
        events.sort();
        events.dedup();
        Ok(Some(events))
    }

    /// Creates a webhook for the app `app_id`.
    pub async fn create(
        &self,
        app_id: i32,
        input: WebhookInput,
    ) -> Result<webhook::Model, WebhookError> {
        let target_url = input
            .target_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| {
                WebhookError::field("targetUrl", ErrorKind::Required, "This field is required.")
            })?;
        let target_url = self.check_target(target_url).await?;
        let query = input
            .query
            .clone()
            .filter(|q| !q.trim().is_empty())
            .ok_or_else(|| {
                WebhookError::field(
                    "query",
                    ErrorKind::MissingSubscription,
                    "A subscription query is required: it defines the payload.",
                )
            })?;
        let events = Self::events_of(&input)?.unwrap_or_default();
        if events.is_empty() {
            return Err(WebhookError::field(
                "asyncEvents",
                ErrorKind::MissingEvent,
                "Name at least one event (asyncEvents, or fragments in the query).",
            ));
        }
        let headers = input.custom_headers.clone().unwrap_or_else(|| json!({}));
        check_headers(&headers)?;
        app::Entity::find_by_id(app_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| {
                WebhookError::field("app", ErrorKind::NotFound, "Couldn't resolve the app.")
            })?;
        let created = webhook::ActiveModel {
            app_id: Set(app_id),
            name: Set(input.name.clone().unwrap_or_default()),
            target_url: Set(target_url),
            is_active: Set(input.is_active.unwrap_or(true)),
            secret_key_encrypted: Set(None),
            async_events: Set(json!(events)),
            subscription_query: Set(query),
            custom_headers: Set(headers),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        match input.secret_key.filter(|s| !s.is_empty()) {
            Some(secret) => self.set_secret(created, &secret).await,
            None => Ok(created),
        }
    }

    async fn set_secret(
        &self,
        hook: webhook::Model,
        secret: &str,
    ) -> Result<webhook::Model, WebhookError> {
        let sealed = self
            .master_key
            .encrypt(secret.as_bytes(), &secret_context(hook.id))
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        let mut active: webhook::ActiveModel = hook.into();
        active.secret_key_encrypted = Set(Some(sealed));
        Ok(active.update(&self.db).await?)
    }

    /// Applies `input` to webhook `id`.
    pub async fn update(
        &self,
        id: i32,
        input: WebhookInput,
    ) -> Result<webhook::Model, WebhookError> {
        let hook = self.get(id).await?.ok_or_else(|| {
            WebhookError::field("id", ErrorKind::NotFound, "Couldn't resolve the webhook.")
        })?;
        let events = Self::events_of(&input)?;
        let mut active: webhook::ActiveModel = hook.clone().into();
        if let Some(name) = input.name.clone() {
            active.name = Set(name);
        }
        if let Some(url) = input.target_url.as_deref() {
            active.target_url = Set(self.check_target(url).await?);
        }
        if let Some(events) = events {
            if events.is_empty() {
                return Err(WebhookError::field(
                    "asyncEvents",
                    ErrorKind::MissingEvent,
                    "Name at least one event.",
                ));
            }
            active.async_events = Set(json!(events));
        }
        if let Some(is_active) = input.is_active {
            active.is_active = Set(is_active);
        }
        if let Some(query) = input.query.clone() {
            active.subscription_query = Set(query);
        }
        if let Some(headers) = input.custom_headers.clone() {
            check_headers(&headers)?;
            active.custom_headers = Set(headers);
        }
        if input.secret_key.as_deref() == Some("") {
            active.secret_key_encrypted = Set(None);
        }
        let updated = active.update(&self.db).await?;
        match input.secret_key.filter(|s| !s.is_empty()) {
            Some(secret) => self.set_secret(updated, &secret).await,
            None => Ok(updated),
        }
    }

    /// Deletes webhook `id` (its deliveries go with it) and returns it.
    pub async fn delete(&self, id: i32) -> Result<webhook::Model, WebhookError> {
        let hook = self.get(id).await?.ok_or_else(|| {
            WebhookError::field("id", ErrorKind::NotFound, "Couldn't resolve the webhook.")
        })?;
        webhook::Entity::delete_by_id(id).exec(&self.db).await?;
        Ok(hook)
    }

    /// The webhook `id`.
    pub async fn get(&self, id: i32) -> Result<Option<webhook::Model>, DbErr> {
        webhook::Entity::find_by_id(id).one(&self.db).await
    }

    /// The app's webhooks, oldest first.
    pub async fn for_app(&self, app_id: i32) -> Result<Vec<webhook::Model>, DbErr> {
        webhook::Entity::find()
            .filter(webhook::Column::AppId.eq(app_id))
            .order_by_asc(webhook::Column::Id)
            .all(&self.db)
            .await
    }

    /// The legacy HMAC secret of `hook`, decrypted.
    pub fn secret(&self, hook: &webhook::Model) -> Option<Vec<u8>> {
        let sealed = hook.secret_key_encrypted.as_deref()?;
        self.master_key
            .decrypt(sealed, &secret_context(hook.id))
            .ok()
    }

    /// The delivery `id`.
    pub async fn delivery(&self, id: i64) -> Result<Option<event_delivery::Model>, DbErr> {
        event_delivery::Entity::find_by_id(id).one(&self.db).await
    }

    /// The app owning the webhook of delivery `id`.
    pub async fn owner_of_delivery(&self, id: i64) -> Result<Option<i32>, DbErr> {
        let Some(delivery) = self.delivery(id).await? else {
            return Ok(None);
        };
        Ok(self.get(delivery.webhook_id).await?.map(|h| h.app_id))
    }

    /// A webhook's deliveries, newest first.
    pub async fn deliveries(&self, webhook_id: i32) -> Result<Vec<event_delivery::Model>, DbErr> {
        event_delivery::Entity::find()
            .filter(event_delivery::Column::WebhookId.eq(webhook_id))
            .order_by_desc(event_delivery::Column::Id)
            .all(&self.db)
            .await
    }

    /// A delivery's attempts, oldest first.
    pub async fn attempts(
        &self,
        delivery_id: i64,
    ) -> Result<Vec<event_delivery_attempt::Model>, DbErr> {
        event_delivery_attempt::Entity::find()
            .filter(event_delivery_attempt::Column::DeliveryId.eq(delivery_id))
            .order_by_asc(event_delivery_attempt::Column::Id)
            .all(&self.db)
            .await
    }

    /// Schedules another attempt of delivery `id` right away (also for failed ones).
    pub async fn retry(&self, id: i64) -> Result<event_delivery::Model, WebhookError> {
        let delivery = self.delivery(id).await?.ok_or_else(|| {
            WebhookError::field(
                "id",
                ErrorKind::NotFound,
                "Couldn't resolve the event delivery.",
            )
        })?;
        let mut active: event_delivery::ActiveModel = delivery.into();
        active.status = Set(PENDING.to_owned());
        active.next_attempt_at = Set(Utc::now());
        active.locked_until = Set(None);
        active.updated_at = Set(Utc::now());
        Ok(active.update(&self.db).await?)
    }
}

/// Creates one pending delivery per (active webhook of an active app, matching event).
/// Idempotent: a (webhook, event) pair is created once, however often it is called.
pub async fn enqueue(db: &DatabaseConnection, events: &[outbox::Model]) -> Result<usize, DbErr> {
    if events.is_empty() {
        return Ok(0);
    }
    let active_apps: HashSet<i32> = app::Entity::find()
        .filter(app::Column::IsActive.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let hooks: Vec<webhook::Model> = webhook::Entity::find()
        .filter(webhook::Column::IsActive.eq(true))
        .all(db)
        .await?
        .into_iter()
        .filter(|h| active_apps.contains(&h.app_id))
        .collect();
    let now = Utc::now();
    let mut rows = Vec::new();
    for event in events {
        for hook in &hooks {
            let wants = hook.async_events.as_array().is_some_and(|list| {
                list.iter().any(|e| {
                    e.as_str() == Some(event.event_type.as_str())
                        || e.as_str() == Some("ANY_EVENTS")
                })
            });
            if wants {
                rows.push(event_delivery::ActiveModel {
                    webhook_id: Set(hook.id),
                    event_id: Set(event.id),
                    event_type: Set(event.event_type.clone()),
                    status: Set(PENDING.to_owned()),
                    payload: Set(None),
                    attempt_count: Set(0),
                    next_attempt_at: Set(now),
                    locked_until: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                });
            }
        }
    }
    let count = rows.len();
    if count == 0 {
        return Ok(0);
    }
    event_delivery::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                event_delivery::Column::WebhookId,
                event_delivery::Column::EventId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_header_rules() {
        assert!(check_headers(&json!({"X-Shop": "a", "Authorization": "Bearer x"})).is_ok());
        assert!(check_headers(&json!({"Host": "evil"})).is_err());
        assert!(check_headers(&json!({"X-A": "a\r\nInjected: 1"})).is_err());
        assert!(check_headers(&json!(["x"])).is_err());
    }
}
