//! Trying webhooks out, as Saleor: `webhookDryRun` renders a subscription query's payload
//! for an existing object without sending anything; `webhookTrigger` sends one webhook's
//! payload for an object now (a delivery outside the outbox, retried like any other).

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::Utc;
use entities::{event_delivery, webhook};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;

use super::{
    api::{EventDeliveryNode, query_events},
    payload,
};
use crate::{
    core::{context::RequestCtx, id},
    events::{BusEvent, EventType, api::subscribable},
    state::AppState,
};

/// Saleor's `WebhookDryRunErrorCode` (also `WebhookTriggerErrorCode`, which adds
/// `MISSING_QUERY`).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum WebhookDryRunErrorCode {
    GraphqlError,
    NotFound,
    InvalidId,
    MissingPermission,
    TypeNotSupported,
    Syntax,
    MissingSubscription,
    UnableToParse,
    MissingEvent,
}

/// Saleor's `WebhookTriggerErrorCode`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum WebhookTriggerErrorCode {
    GraphqlError,
    NotFound,
    InvalidId,
    MissingPermission,
    TypeNotSupported,
    Syntax,
    MissingSubscription,
    UnableToParse,
    MissingQuery,
    MissingEvent,
}

/// An error of `webhookDryRun`.
#[derive(SimpleObject, Clone, Debug)]
pub struct WebhookDryRunError {
    /// Name of a field that caused the error. A value of `null` indicates that the error
    /// isn't associated with a particular field.
    pub field: Option<String>,
    /// The error message.
    pub message: Option<String>,
    /// The error code.
    pub code: WebhookDryRunErrorCode,
}

/// An error of `webhookTrigger`.
#[derive(SimpleObject, Clone, Debug)]
pub struct WebhookTriggerError {
    /// Name of a field that caused the error. A value of `null` indicates that the error
    /// isn't associated with a particular field.
    pub field: Option<String>,
    /// The error message.
    pub message: Option<String>,
    /// The error code.
    pub code: WebhookTriggerErrorCode,
}

/// Performs a dry run of a webhook event.
#[derive(SimpleObject)]
pub struct WebhookDryRun {
    /// JSON payload, that would be sent out to webhook's target URL.
    pub payload: Option<crate::core::scalars::JsonString>,
    pub errors: Vec<WebhookDryRunError>,
}

/// Triggers a webhook event.
#[derive(SimpleObject)]
pub struct WebhookTrigger {
    pub delivery: Option<EventDeliveryNode>,
    pub errors: Vec<WebhookTriggerError>,
}

/// Why a test payload cannot be produced.
#[derive(Debug)]
struct Failure {
    field: Option<&'static str>,
    code: WebhookTriggerErrorCode,
    message: String,
}

fn fail(field: &'static str, code: WebhookTriggerErrorCode, message: impl Into<String>) -> Failure {
    Failure {
        field: Some(field),
        code,
        message: message.into(),
    }
}

impl From<Failure> for WebhookTriggerError {
    fn from(f: Failure) -> Self {
        Self {
            field: f.field.map(str::to_owned),
            message: Some(f.message),
            code: f.code,
        }
    }
}

impl From<Failure> for WebhookDryRunError {
    fn from(f: Failure) -> Self {
        use WebhookDryRunErrorCode as D;
        use WebhookTriggerErrorCode as T;
        let code = match f.code {
            T::GraphqlError => D::GraphqlError,
            T::NotFound => D::NotFound,
            T::InvalidId => D::InvalidId,
            T::MissingPermission => D::MissingPermission,
            T::TypeNotSupported => D::TypeNotSupported,
            T::Syntax => D::Syntax,
            T::MissingSubscription => D::MissingSubscription,
            T::UnableToParse | T::MissingQuery => D::UnableToParse,
            T::MissingEvent => D::MissingEvent,
        };
        Self {
            field: f.field.map(str::to_owned),
            message: Some(f.message),
            code,
        }
    }
}

/// A synthetic event of the query's first event type about the object `object_id`,
/// checked against what the caller may see.
fn event_for(
    req: &RequestCtx,
    query: &str,
    object_id: &str,
) -> std::result::Result<(EventType, Arc<BusEvent>), Failure> {
    use WebhookTriggerErrorCode as C;
    let names = query_events(query).map_err(|e| {
        let code = match e.code {
            super::api::WebhookErrorCode::MissingSubscription => C::MissingSubscription,
            super::api::WebhookErrorCode::MissingEvent => C::MissingEvent,
            _ => C::Syntax,
        };
        fail("query", code, e.message.unwrap_or_default())
    })?;
    let name = names.first().ok_or_else(|| {
        fail(
            "query",
            C::MissingEvent,
            "Can't find an event in the query.",
        )
    })?;
    let event_type = EventType::parse(name)
        .filter(|t| subscribable(*t))
        .ok_or_else(|| {
            fail(
                "query",
                C::TypeNotSupported,
                format!("Event type {name} is not supported."),
            )
        })?;
    let (type_name, pk) = id::split(object_id).ok_or_else(|| {
        fail(
            "objectId",
            C::InvalidId,
            format!("Invalid ID: {object_id}."),
        )
    })?;
    if !concerns(event_type, &type_name) {
        return Err(fail(
            "objectId",
            C::TypeNotSupported,
            format!("Event {name} is not about objects of type {type_name}."),
        ));
    }
    if !event_type.permissions().iter().any(|p| req.has_perm(*p)) {
        let codes: Vec<&str> = event_type.permissions().iter().map(|p| p.code()).collect();
        return Err(fail(
            "query",
            C::MissingPermission,
            format!("You need one of these permissions: {}.", codes.join(", ")),
        ));
    }
    let event = BusEvent {
        id: 0,
        event_type: name.clone(),
        object_type: type_name,
        object_id: pk,
        channel_slug: None,
        user_id: None,
        requestor: None,
        payload: json!({}),
        created_at: Utc::now(),
        memo: Default::default(),
    };
    Ok((event_type, Arc::new(event)))
}

/// Whether events of `event_type` are about objects of GraphQL type `type_name`: the
/// event's name starts with the type (`OrderCreated` → `Order`; customers are `User`s).
fn concerns(event_type: EventType, type_name: &str) -> bool {
    let pascal: String = event_type
        .as_str()
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_string() + &c.as_str().to_ascii_lowercase())
                .unwrap_or_default()
        })
        .collect();
    match type_name {
        "User" => ["Customer", "Account", "Staff"]
            .iter()
            .any(|p| pascal.starts_with(p)),
        other => pascal.starts_with(other),
    }
}

/// Renders `query` for `event` as the caller; an empty payload (the object is gone)
/// counts as not found.
async fn render(
    state: &AppState,
    req: &RequestCtx,
    query: &str,
    event: Arc<BusEvent>,
) -> std::result::Result<String, Failure> {
    let schema = crate::schema::build(state.clone());
    let rendered = payload::render_as(&schema, req.requestor.clone(), query, event).await;
    let payload = rendered.map_err(|m| fail("query", WebhookTriggerErrorCode::GraphqlError, m))?;
    let value: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
    let found = value
        .as_object()
        .is_some_and(|fields| fields.values().any(|v| v.is_object()));
    if !found {
        return Err(fail(
            "objectId",
            WebhookTriggerErrorCode::NotFound,
            "Couldn't resolve the object; it does not exist or is not visible.",
        ));
    }
    Ok(payload)
}

/// `webhookDryRun` and `webhookTrigger`.
#[derive(Default)]
pub struct WebhookTestingMutation;

#[Object]
impl WebhookTestingMutation {
    /// Performs a dry run of a webhook event. Supports a single event (the first, if
    /// multiple provided in the `query`). Requires permission relevant to processed event.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_STAFF_USER.
    async fn webhook_dry_run(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ID of an object to serialize.")] object_id: ID,
        #[graphql(desc = "The subscription query that defines the webhook event and its payload.")]
        query: String,
    ) -> Result<Option<WebhookDryRun>> {
        let req = ctx.data::<RequestCtx>()?;
        staff_only(req)?;
        let state = ctx.data::<AppState>()?;
        let result = match event_for(req, &query, &object_id) {
            Ok((_, event)) => render(state, req, &query, event).await,
            Err(e) => Err(e),
        };
        Ok(Some(match result {
            Ok(payload) => WebhookDryRun {
                payload: Some(crate::core::scalars::JsonString(
                    serde_json::from_str(&payload).unwrap_or_default(),
                )),
                errors: vec![],
            },
            Err(e) => WebhookDryRun {
                payload: None,
                errors: vec![e.into()],
            },
        }))
    }

    /// Trigger a webhook event. Supports a single event (the first, if multiple provided
    /// in the `webhook.subscription_query`). Requires permission relevant to processed
    /// event. Successfully delivered webhook returns `delivery` with status='PENDING' and
    /// empty payload.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_STAFF_USER.
    async fn webhook_trigger(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ID of an object to serialize.")] object_id: ID,
        #[graphql(desc = "The ID of the webhook.")] webhook_id: ID,
    ) -> Result<Option<WebhookTrigger>> {
        let req = ctx.data::<RequestCtx>()?;
        staff_only(req)?;
        let state = ctx.data::<AppState>()?;
        let pk = id::decode::<i32>(&webhook_id, "Webhook")?;
        let result = async {
            let hook = webhook::Entity::find_by_id(pk)
                .one(&state.db.conn)
                .await
                .map_err(|e| req.internal(e))?;
            let Some(hook) = hook else {
                return Ok(Err(fail(
                    "webhookId",
                    WebhookTriggerErrorCode::NotFound,
                    format!("Couldn't resolve to a node: {}", webhook_id.as_str()),
                )));
            };
            super::api::ensure_in_scope(req, state, hook.app_id).await?;
            if hook.subscription_query.trim().is_empty() {
                return Ok(Err(fail(
                    "webhookId",
                    WebhookTriggerErrorCode::MissingQuery,
                    "Missing subscription query for given webhook.",
                )));
            }
            let (event_type, event) = match event_for(req, &hook.subscription_query, &object_id) {
                Ok(found) => found,
                Err(e) => return Ok(Err(e)),
            };
            let payload = match render(state, req, &hook.subscription_query, event).await {
                Ok(payload) => payload,
                Err(e) => return Ok(Err(e)),
            };
            let now = Utc::now();
            // Not an outbox event: a negative, time-based event id keeps the
            // (webhook, event) uniqueness of real deliveries out of the way.
            let delivery = event_delivery::ActiveModel {
                webhook_id: Set(hook.id),
                event_id: Set(-now.timestamp_micros()),
                event_type: Set(event_type.as_str().to_owned()),
                status: Set("PENDING".to_owned()),
                payload: Set(Some(payload)),
                attempt_count: Set(0),
                next_attempt_at: Set(now),
                locked_until: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&state.db.conn)
            .await
            .map_err(|e| req.internal(e))?;
            state.events.deliveries_handle().notify_one();
            Ok::<_, async_graphql::Error>(Ok(delivery))
        }
        .await?;
        Ok(Some(match result {
            Ok(delivery) => WebhookTrigger {
                delivery: Some(EventDeliveryNode(delivery)),
                errors: vec![],
            },
            Err(e) => WebhookTrigger {
                delivery: None,
                errors: vec![e.into()],
            },
        }))
    }
}

/// Saleor's `AUTHENTICATED_STAFF_USER`.
fn staff_only(req: &RequestCtx) -> Result<()> {
    match req.user() {
        Some(user) if user.is_staff => Ok(()),
        _ => Err(crate::core::error::permission_denied(&[
            "AUTHENTICATED_STAFF_USER",
        ])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_concern_their_objects() {
        assert!(concerns(EventType::OrderCreated, "Order"));
        assert!(concerns(EventType::ChannelMetadataUpdated, "Channel"));
        assert!(concerns(EventType::CustomerCreated, "User"));
        assert!(!concerns(EventType::OrderCreated, "Checkout"));
        assert!(!concerns(EventType::LeadCreated, "User"));
    }
}
