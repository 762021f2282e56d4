//! A webhook's payload: its subscription query executed against one event, with the
//! permissions of the owning app. The payload is the value of the query's `event` field.

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use async_graphql::Request;
use entities::app;
use futures_util::StreamExt;

use crate::{
    core::{
        context::{AuthApp, RequestCtx, Requestor},
        permissions::Permission,
    },
    events::BusEvent,
    schema::AppSchema,
};

/// Request data telling the `event` subscription to yield exactly this event and end.
#[derive(Clone)]
pub struct WebhookEventSource(pub Arc<BusEvent>);

/// The requestor for an app's webhook payloads.
pub fn app_requestor(app: &app::Model) -> Requestor {
    let permissions: BTreeSet<Permission> = app
        .permissions
        .as_array()
        .map(|codes| {
            codes
                .iter()
                .filter_map(|c| c.as_str().and_then(Permission::parse))
                .collect()
        })
        .unwrap_or_default();
    Requestor::App(AuthApp {
        id: app.id,
        name: app.name.clone(),
        permissions,
    })
}

/// Renders the payload of `query` for `event` as `app`; `Err` carries GraphQL error
/// messages when there is no data at all.
pub async fn render(
    schema: &AppSchema,
    app: &app::Model,
    query: &str,
    event: Arc<BusEvent>,
) -> Result<String, String> {
    render_as(schema, app_requestor(app), query, event).await
}

/// Renders the payload of `query` for `event` with `requestor`'s permissions.
pub async fn render_as(
    schema: &AppSchema,
    requestor: Requestor,
    query: &str,
    event: Arc<BusEvent>,
) -> Result<String, String> {
    let ctx = RequestCtx {
        request_id: format!("webhook-event-{}", event.id),
        requestor,
    };
    let request = Request::new(query)
        .data(ctx)
        .data(WebhookEventSource(event));
    let mut stream = schema.execute_stream(request);
    let response = tokio::time::timeout(Duration::from_secs(30), stream.next())
        .await
        .map_err(|_| "rendering the payload timed out".to_owned())?
        .ok_or_else(|| "the subscription produced no payload".to_owned())?;
    let data = response.data.into_json().unwrap_or_default();
    let payload = data
        .get("event")
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    if payload.is_null() && !response.errors.is_empty() {
        let messages: Vec<String> = response.errors.into_iter().map(|e| e.message).collect();
        return Err(messages.join("; "));
    }
    Ok(payload.to_string())
}
