//! GraphQL for webhooks, as Saleor: `webhook(id)`, `webhookCreate/Update/Delete`,
//! `eventDeliveryRetry`, and the `Webhook`, `EventDelivery`, `EventDeliveryAttempt` types.
//! Staff with MANAGE_APPS manage every webhook; an app manages its own.

use async_graphql::{
    Context, Enum, ID, InputObject, Object, Result, SimpleObject,
    parser::types::{DocumentOperations, OperationType, Selection, SelectionSet},
};
use chrono::{DateTime, Utc};
use entities::{event_delivery, event_delivery_attempt, webhook};

use super::{
    event_enums::{WebhookEventTypeAsyncEnum, WebhookEventTypeEnum, WebhookEventTypeSyncEnum},
    service::{ErrorKind, WebhookError as ServiceError, WebhookInput},
};
use crate::{
    account::apps::permissions_out_of_scope,
    core::{
        context::RequestCtx,
        error::{ErrorCode, error, permission_denied},
        id,
        permissions::Permission,
        scalars::JsonString,
    },
    state::AppState,
};

/// Saleor's `WebhookErrorCode`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum WebhookErrorCode {
    GraphqlError,
    Invalid,
    NotFound,
    Required,
    Unique,
    DeleteFailed,
    Syntax,
    MissingSubscription,
    UnableToParse,
    MissingEvent,
    InvalidCustomHeaders,
    InvalidNotifyWithSubscription,
}

/// Saleor's `EventDeliveryStatusEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum EventDeliveryStatusEnum {
    Pending,
    Success,
    Failed,
}

impl EventDeliveryStatusEnum {
    fn from_db(status: &str) -> Self {
        match status {
            "SUCCESS" => Self::Success,
            "FAILED" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// An error of a webhook mutation.
#[derive(SimpleObject, Clone, Debug)]
pub struct WebhookError {
    /// Name of a field that caused the error. A value of `null` indicates that the error
    /// isn't associated with a particular field.
    pub field: Option<String>,
    /// The error message.
    pub message: Option<String>,
    /// The error code.
    pub code: WebhookErrorCode,
}

impl WebhookError {
    fn new(field: &str, code: WebhookErrorCode, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_owned()),
            message: Some(message.into()),
            code,
        }
    }
}

/// Asynchronous webhook event.
#[derive(SimpleObject)]
pub struct WebhookEventAsync {
    /// Display name of the event.
    name: String,
    /// Internal name of the event type.
    event_type: WebhookEventTypeAsyncEnum,
}

/// Synchronous webhook event.
#[derive(SimpleObject)]
pub struct WebhookEventSync {
    /// Display name of the event.
    name: String,
    /// Internal name of the event type.
    event_type: WebhookEventTypeSyncEnum,
}

fn display_name(event: &str) -> String {
    let lower = event.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// Webhook.
pub struct WebhookNode(pub webhook::Model);

#[Object(name = "Webhook")]
impl WebhookNode {
    /// The ID of webhook.
    async fn id(&self) -> ID {
        id::encode("Webhook", self.0.id)
    }

    /// The name of webhook.
    async fn name(&self) -> Option<&str> {
        Some(&self.0.name)
    }

    /// List of synchronous webhook events. (Synchronous webhooks are not supported.)
    async fn sync_events(&self) -> Vec<WebhookEventSync> {
        Vec::new()
    }

    /// List of asynchronous webhook events.
    async fn async_events(&self) -> Vec<WebhookEventAsync> {
        self.0
            .async_events
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|e| e.as_str())
                    .filter_map(|e| {
                        WebhookEventTypeAsyncEnum::parse(e).map(|event_type| WebhookEventAsync {
                            name: display_name(e),
                            event_type,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Event deliveries, newest first. Payloads (rendered with the app's permissions) are
    /// shown only to callers holding every permission of the app.
    #[graphql(complexity = "crate::core::connection::cost(first, last, child_complexity)")]
    async fn event_deliveries(
        &self,
        ctx: &Context<'_>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<connections::Deliveries>> {
        let args = crate::core::connection::PageArgs {
            first,
            last,
            after,
            before,
        };
        let req = ctx.data::<RequestCtx>()?;
        let state = ctx.data::<AppState>()?;
        let show_payloads = ensure_in_scope(req, state, self.0.app_id).await.is_ok();
        connections::deliveries(ctx, self.0.id, args, show_payloads)
            .await
            .map(Some)
    }

    /// Target URL for webhook.
    async fn target_url(&self) -> &str {
        &self.0.target_url
    }

    /// Informs if webhook is activated.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }

    /// Used to create a hash signature for each payload. Never returned: secrets are
    /// write-only.
    #[graphql(
        deprecation = "As of Saleor 3.5, webhook payloads default to signing using a verifiable JWS."
    )]
    async fn secret_key(&self) -> Option<String> {
        None
    }

    /// Used to define payloads for specific events.
    async fn subscription_query(&self) -> Option<&str> {
        Some(&self.0.subscription_query)
    }

    /// Custom headers, which will be added to HTTP request.
    async fn custom_headers(&self) -> Option<JsonString> {
        Some(JsonString(self.0.custom_headers.clone()))
    }
}

/// Event delivery.
pub struct EventDeliveryNode(pub event_delivery::Model);

#[Object(name = "EventDelivery")]
impl EventDeliveryNode {
    async fn id(&self) -> ID {
        id::encode("EventDelivery", self.0.id)
    }

    /// Creation time of an event delivery.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Event delivery status.
    async fn status(&self) -> EventDeliveryStatusEnum {
        EventDeliveryStatusEnum::from_db(&self.0.status)
    }

    /// Webhook event type.
    async fn event_type(&self) -> Result<WebhookEventTypeEnum> {
        // Deliveries are only created for Saleor event names, so this always parses.
        WebhookEventTypeEnum::parse(&self.0.event_type).ok_or_else(|| {
            crate::core::error::error(
                crate::core::error::ErrorCode::Internal,
                format!("Unknown event type {}", self.0.event_type),
            )
        })
    }

    /// Event delivery attempts.
    #[graphql(complexity = "crate::core::connection::cost(first, last, child_complexity)")]
    async fn attempts(
        &self,
        ctx: &Context<'_>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<connections::Attempts>> {
        let args = crate::core::connection::PageArgs {
            first,
            last,
            after,
            before,
        };
        connections::attempts(ctx, self.0.id, args).await.map(Some)
    }

    /// Event payload.
    async fn payload(&self) -> Option<&str> {
        self.0.payload.as_deref()
    }
}

/// Event delivery attempts.
pub struct EventDeliveryAttemptNode(pub event_delivery_attempt::Model);

#[Object(name = "EventDeliveryAttempt")]
impl EventDeliveryAttemptNode {
    async fn id(&self) -> ID {
        id::encode("EventDeliveryAttempt", self.0.id)
    }

    /// Event delivery creation date and time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Task id for delivery attempt.
    async fn task_id(&self) -> Option<String> {
        None
    }

    /// Delivery attempt duration, in seconds.
    async fn duration(&self) -> Option<f64> {
        Some(f64::from(self.0.duration_ms) / 1000.0)
    }

    /// Delivery attempt response content.
    async fn response(&self) -> Option<&str> {
        self.0.response.as_deref()
    }

    /// Response headers for delivery attempt.
    async fn response_headers(&self) -> Option<String> {
        Some(self.0.response_headers.to_string())
    }

    /// Delivery attempt response status code.
    async fn response_status_code(&self) -> Option<i32> {
        self.0.response_status_code
    }

    /// Request headers for delivery attempt.
    async fn request_headers(&self) -> Option<String> {
        Some(self.0.request_headers.to_string())
    }

    /// Event delivery status.
    async fn status(&self) -> EventDeliveryStatusEnum {
        EventDeliveryStatusEnum::from_db(&self.0.status)
    }
}

mod connections {
    //! `eventDeliveries` and `attempts` connections (keyset over the id, newest first for
    //! deliveries, oldest first for attempts).

    use async_graphql::{Context, Result};
    use entities::{event_delivery, event_delivery_attempt};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

    use super::{EventDeliveryAttemptNode, EventDeliveryNode};
    use crate::{
        core::{
            connection::{self, KeyPart, Page, PageArgs, PageError, SortKey, TotalCount},
            context::RequestCtx,
            error::{ErrorCode, error},
        },
        countable_names,
        state::AppState,
    };

    countable_names!(DeliveryNames, "EventDelivery");
    countable_names!(AttemptNames, "EventDeliveryAttempt");

    pub type Deliveries = connection::Countable<EventDeliveryNode, DeliveryNames>;
    pub type Attempts = connection::Countable<EventDeliveryAttemptNode, AttemptNames>;

    fn page_error(req: &RequestCtx, e: PageError) -> async_graphql::Error {
        match e {
            PageError::BadCursor => error(ErrorCode::InvalidCursor, "Received cursor is invalid."),
            PageError::Db(e) => req.internal(e),
        }
    }

    pub async fn deliveries(
        ctx: &Context<'_>,
        webhook_id: i32,
        args: PageArgs,
        show_payloads: bool,
    ) -> Result<Deliveries> {
        let req = ctx.data::<RequestCtx>()?;
        let db = ctx.data::<AppState>()?.db.conn.clone();
        let page = Page::parse(&args, "eventDeliveries")?;
        let select =
            event_delivery::Entity::find().filter(event_delivery::Column::WebhookId.eq(webhook_id));
        let sort = SortKey {
            columns: vec![event_delivery::Column::Id],
            descending: true,
        };
        let rows = connection::fetch_page(&db, select.clone(), &sort, &page)
            .await
            .map_err(|e| page_error(req, e))?;
        let total = TotalCount::lazy(move || {
            let (db, select) = (db.clone(), select.clone());
            async move { select.count(&db).await }
        });
        let rows = rows.map(|mut delivery: event_delivery::Model| {
            if !show_payloads {
                delivery.payload = None;
            }
            EventDeliveryNode(delivery)
        });
        Ok(connection::build(rows, total, |n| {
            vec![KeyPart::Int(n.0.id)]
        }))
    }

    pub async fn attempts(ctx: &Context<'_>, delivery_id: i64, args: PageArgs) -> Result<Attempts> {
        let req = ctx.data::<RequestCtx>()?;
        let db = ctx.data::<AppState>()?.db.conn.clone();
        let page = Page::parse(&args, "attempts")?;
        let select = event_delivery_attempt::Entity::find()
            .filter(event_delivery_attempt::Column::DeliveryId.eq(delivery_id));
        let sort = SortKey {
            columns: vec![event_delivery_attempt::Column::Id],
            descending: false,
        };
        let rows = connection::fetch_page(&db, select.clone(), &sort, &page)
            .await
            .map_err(|e| page_error(req, e))?;
        let total = TotalCount::lazy(move || {
            let (db, select) = (db.clone(), select.clone());
            async move { select.count(&db).await }
        });
        Ok(connection::build(
            rows.map(EventDeliveryAttemptNode),
            total,
            |n| vec![KeyPart::Int(n.0.id)],
        ))
    }
}

/// The fields shared by `WebhookCreateInput` and `WebhookUpdateInput`.
struct InputFields {
    name: Option<String>,
    target_url: Option<String>,
    async_events: Option<Vec<WebhookEventTypeAsyncEnum>>,
    sync_events: Option<Vec<WebhookEventTypeSyncEnum>>,
    app: Option<ID>,
    is_active: Option<bool>,
    secret_key: Option<String>,
    query: Option<String>,
    custom_headers: Option<JsonString>,
}

macro_rules! webhook_input {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(InputObject)]
        pub struct $name {
            /// The name of the webhook.
            name: Option<String>,
            /// The url to receive the payload.
            target_url: Option<String>,
            /// The asynchronous events that webhook wants to subscribe.
            async_events: Option<Vec<WebhookEventTypeAsyncEnum>>,
            /// The synchronous events that webhook wants to subscribe. (Not supported.)
            sync_events: Option<Vec<WebhookEventTypeSyncEnum>>,
            /// ID of the app to which webhook belongs.
            app: Option<ID>,
            /// Determine if webhook will be set active or not.
            is_active: Option<bool>,
            /// The secret key used to create a hash signature with each payload.
            #[graphql(
                deprecation = "As of Saleor 3.5, webhook payloads default to signing using a verifiable JWS."
            )]
            secret_key: Option<String>,
            /// Subscription query used to define a webhook payload.
            query: Option<String>,
            /// Custom headers, which will be added to HTTP request. Only the "X-" and
            /// "Authorization" prefixes are allowed.
            custom_headers: Option<JsonString>,
        }

        impl From<$name> for InputFields {
            fn from(i: $name) -> Self {
                Self {
                    name: i.name,
                    target_url: i.target_url,
                    async_events: i.async_events,
                    sync_events: i.sync_events,
                    app: i.app,
                    is_active: i.is_active,
                    secret_key: i.secret_key,
                    query: i.query,
                    custom_headers: i.custom_headers,
                }
            }
        }
    };
}

webhook_input!(WebhookCreateInput, "Fields of `webhookCreate`'s input.");
webhook_input!(WebhookUpdateInput, "Fields of `webhookUpdate`'s input.");

macro_rules! payload_type {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(SimpleObject)]
        pub struct $name {
            #[graphql(deprecation = "Use `errors` field instead.")]
            webhook_errors: Vec<WebhookError>,
            errors: Vec<WebhookError>,
            webhook: Option<WebhookNode>,
        }

        impl $name {
            fn ok(hook: webhook::Model) -> Self {
                Self {
                    webhook_errors: vec![],
                    errors: vec![],
                    webhook: Some(WebhookNode(hook)),
                }
            }

            fn failed(err: WebhookError) -> Self {
                Self {
                    webhook_errors: vec![err.clone()],
                    errors: vec![err],
                    webhook: None,
                }
            }
        }
    };
}

payload_type!(WebhookCreate, "Creates a new webhook subscription.");
payload_type!(WebhookUpdate, "Updates a webhook subscription.");
payload_type!(WebhookDelete, "Deletes a webhook subscription.");

/// Retries event delivery.
#[derive(SimpleObject)]
pub struct EventDeliveryRetry {
    /// Event delivery.
    delivery: Option<EventDeliveryNode>,
    errors: Vec<WebhookError>,
}

fn to_error(req: &RequestCtx, e: ServiceError) -> Result<WebhookError> {
    match e {
        ServiceError::Db(e) => Err(req.internal(e)),
        ServiceError::Field {
            field,
            kind,
            message,
        } => {
            let code = match kind {
                ErrorKind::Invalid => WebhookErrorCode::Invalid,
                ErrorKind::NotFound => WebhookErrorCode::NotFound,
                ErrorKind::Required => WebhookErrorCode::Required,
                ErrorKind::Syntax => WebhookErrorCode::Syntax,
                ErrorKind::MissingSubscription => WebhookErrorCode::MissingSubscription,
                ErrorKind::MissingEvent => WebhookErrorCode::MissingEvent,
                ErrorKind::InvalidCustomHeaders => WebhookErrorCode::InvalidCustomHeaders,
            };
            Ok(WebhookError::new(field, code, message))
        }
    }
}

/// Events named by a subscription document's `event { ... on XxxEvent }` fragments, or an
/// error for documents that are not a subscription on `event`.
pub fn query_events(query: &str) -> std::result::Result<Vec<String>, WebhookError> {
    crate::core::limits::check_nesting(query, crate::core::limits::DEFAULT_MAX_NESTING)
        .map_err(|e| WebhookError::new("query", WebhookErrorCode::Syntax, e.message))?;
    let doc = async_graphql::parser::parse_query(query)
        .map_err(|e| WebhookError::new("query", WebhookErrorCode::Syntax, e.to_string()))?;
    let operations: Vec<_> = match &doc.operations {
        DocumentOperations::Single(op) => vec![op],
        DocumentOperations::Multiple(ops) => ops.values().collect(),
    };
    let subscription = operations
        .into_iter()
        .find(|op| op.node.ty == OperationType::Subscription)
        .ok_or_else(|| {
            WebhookError::new(
                "query",
                WebhookErrorCode::MissingSubscription,
                "Cannot find a subscription in the query.",
            )
        })?;
    let mut events = Vec::new();
    fn collect(
        set: &SelectionSet,
        fragments: &async_graphql::parser::types::ExecutableDocument,
        out: &mut Vec<String>,
    ) {
        for item in &set.items {
            match &item.node {
                Selection::InlineFragment(frag) => {
                    if let Some(cond) = &frag.node.type_condition {
                        out.push(screaming(cond.node.on.node.as_str()));
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(def) = fragments.fragments.get(&spread.node.fragment_name.node) {
                        out.push(screaming(def.node.type_condition.node.on.node.as_str()));
                    }
                }
                Selection::Field(_) => {}
            }
        }
    }
    let mut has_event = false;
    for item in &subscription.node.selection_set.node.items {
        if let Selection::Field(field) = &item.node
            && field.node.name.node == "event"
        {
            has_event = true;
            collect(&field.node.selection_set.node, &doc, &mut events);
        }
    }
    if !has_event {
        return Err(WebhookError::new(
            "query",
            WebhookErrorCode::MissingSubscription,
            "The subscription must select the `event` field.",
        ));
    }
    events.sort();
    events.dedup();
    Ok(events)
}

/// `OrderCreated` → `ORDER_CREATED`.
fn screaming(type_name: &str) -> String {
    let mut out = String::new();
    for (i, c) in type_name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// Who owns webhooks the caller may manage: `None` = any (MANAGE_APPS), else that app.
fn scope(req: &RequestCtx) -> Result<Option<i32>> {
    if req.has_perm(Permission::ManageApps) {
        return Ok(None);
    }
    match req.app() {
        Some(app) => Ok(Some(app.id)),
        None => Err(permission_denied(&["MANAGE_APPS", "AUTHENTICATED_APP"])),
    }
}

/// The scope rule of app mutations (`appTokenCreate`, `appUpdate`, ...) applied to
/// everything done for an app's webhooks: the caller must hold every permission of the app
/// (else a staff user with only MANAGE_APPS could receive, as the app, data it may not see).
pub(crate) async fn ensure_in_scope(req: &RequestCtx, state: &AppState, app_id: i32) -> Result<()> {
    if req.app().is_some_and(|own| own.id == app_id) {
        return Ok(());
    }
    let Some(app) = state
        .webhooks
        .app(app_id)
        .await
        .map_err(|e| req.internal(e))?
    else {
        return Ok(()); // reported as the app not being found
    };
    let missing = permissions_out_of_scope(req, &app);
    if missing.is_empty() {
        return Ok(());
    }
    let codes: Vec<&str> = missing.iter().map(|p| p.code()).collect();
    Err(error(
        ErrorCode::PermissionDenied,
        format!(
            "You can't manage this app's webhooks: the app holds permissions you don't have ({}).",
            codes.join(", ")
        ),
    ))
}

async fn load(ctx: &Context<'_>, gid: &ID) -> Result<Option<webhook::Model>> {
    let req = ctx.data::<RequestCtx>()?;
    let scope = scope(req)?;
    let pk = id::decode::<i32>(gid, "Webhook")?;
    let hook = ctx
        .data::<AppState>()?
        .webhooks
        .get(pk)
        .await
        .map_err(|e| req.internal(e))?;
    Ok(hook.filter(|h| scope.is_none_or(|app| app == h.app_id)))
}

struct Prepared {
    input: WebhookInput,
    app: Option<ID>,
}

fn prepare(fields: InputFields) -> std::result::Result<Prepared, WebhookError> {
    let InputFields {
        name,
        target_url,
        async_events,
        sync_events,
        app,
        is_active,
        secret_key,
        query,
        custom_headers,
    } = fields;
    if sync_events.is_some_and(|e| !e.is_empty()) {
        return Err(WebhookError::new(
            "syncEvents",
            WebhookErrorCode::Invalid,
            "Synchronous webhooks are not supported.",
        ));
    }
    let query_events = match &query {
        Some(q) => query_events(q)?,
        None => Vec::new(),
    };
    // A payload we could not render would fail every delivery: refuse the query now, as
    // Saleor refuses a subscription query that does not validate against its schema.
    if let Some(unknown) = query_events.iter().find(|name| {
        !crate::events::EventType::parse(name).is_some_and(crate::events::api::subscribable)
    }) {
        return Err(WebhookError::new(
            "query",
            WebhookErrorCode::GraphqlError,
            format!("Event type {unknown} has no subscription payload on this server."),
        ));
    }
    Ok(Prepared {
        input: WebhookInput {
            name,
            target_url,
            async_events: async_events
                .map(|list| list.iter().map(|e| e.as_str().to_owned()).collect()),
            is_active,
            secret_key,
            query,
            query_events,
            custom_headers: custom_headers.map(|h| h.0),
        },
        app,
    })
}

/// Webhook queries.
#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// Look up a webhook by ID. Requires one of the following permissions: MANAGE_APPS,
    /// OWNER.
    async fn webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the webhook.")] id: ID,
    ) -> Result<Option<WebhookNode>> {
        Ok(load(ctx, &id).await?.map(WebhookNode))
    }
}

/// Webhook mutations.
#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Creates a new webhook subscription. Requires one of the following permissions:
    /// MANAGE_APPS, AUTHENTICATED_APP.
    async fn webhook_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fields required to create a webhook.")] input: WebhookCreateInput,
    ) -> Result<Option<WebhookCreate>> {
        let result: Result<WebhookCreate> = async {
            let req = ctx.data::<RequestCtx>()?;
            let state = ctx.data::<AppState>()?;
            let scope = scope(req)?;
            let prepared = match prepare(input.into()) {
                Ok(p) => p,
                Err(e) => return Ok(WebhookCreate::failed(e)),
            };
            let app_id = match (&prepared.app, scope) {
                (Some(gid), _) => id::decode::<i32>(gid, "App")?,
                (None, Some(own)) => own,
                (None, None) => {
                    return Ok(WebhookCreate::failed(WebhookError::new(
                        "app",
                        WebhookErrorCode::Required,
                        "Name the app that owns the webhook.",
                    )));
                }
            };
            if scope.is_some_and(|own| own != app_id) {
                return Err(permission_denied(&["MANAGE_APPS", "AUTHENTICATED_APP"]));
            }
            ensure_in_scope(req, state, app_id).await?;
            match state.webhooks.create(app_id, prepared.input).await {
                Ok(hook) => Ok(WebhookCreate::ok(hook)),
                Err(e) => Ok(WebhookCreate::failed(to_error(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }

    /// Updates a webhook subscription. Requires one of the following permissions:
    /// MANAGE_APPS, AUTHENTICATED_APP.
    async fn webhook_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a webhook to update.")] id: Option<ID>,
        #[graphql(desc = "Fields required to update a webhook.")] input: WebhookUpdateInput,
    ) -> Result<Option<WebhookUpdate>> {
        let result: Result<WebhookUpdate> = async {
            let req = ctx.data::<RequestCtx>()?;
            let state = ctx.data::<AppState>()?;
            let Some(id) = id else {
                return Ok(WebhookUpdate::failed(WebhookError::new(
                    "id",
                    WebhookErrorCode::Required,
                    "Provide the webhook's id.",
                )));
            };
            let Some(hook) = load(ctx, &id).await? else {
                return Ok(WebhookUpdate::failed(WebhookError::new(
                    "id",
                    WebhookErrorCode::NotFound,
                    "Couldn't resolve the webhook.",
                )));
            };
            ensure_in_scope(req, state, hook.app_id).await?;
            let prepared = match prepare(input.into()) {
                Ok(p) => p,
                Err(e) => return Ok(WebhookUpdate::failed(e)),
            };
            if prepared.app.is_some() {
                return Ok(WebhookUpdate::failed(WebhookError::new(
                    "app",
                    WebhookErrorCode::Invalid,
                    "A webhook cannot move to another app.",
                )));
            }
            match state.webhooks.update(hook.id, prepared.input).await {
                Ok(hook) => Ok(WebhookUpdate::ok(hook)),
                Err(e) => Ok(WebhookUpdate::failed(to_error(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }

    /// Deletes a webhook subscription. Requires one of the following permissions:
    /// MANAGE_APPS, AUTHENTICATED_APP.
    async fn webhook_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a webhook to delete.")] id: Option<ID>,
    ) -> Result<Option<WebhookDelete>> {
        let result: Result<WebhookDelete> = async {
            let req = ctx.data::<RequestCtx>()?;
            let state = ctx.data::<AppState>()?;
            let Some(id) = id else {
                return Ok(WebhookDelete::failed(WebhookError::new(
                    "id",
                    WebhookErrorCode::Required,
                    "Provide the webhook's id.",
                )));
            };
            let Some(hook) = load(ctx, &id).await? else {
                return Ok(WebhookDelete::failed(WebhookError::new(
                    "id",
                    WebhookErrorCode::NotFound,
                    "Couldn't resolve the webhook.",
                )));
            };
            ensure_in_scope(req, state, hook.app_id).await?;
            match state.webhooks.delete(hook.id).await {
                Ok(hook) => Ok(WebhookDelete::ok(hook)),
                Err(e) => Ok(WebhookDelete::failed(to_error(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }

    /// Retries event delivery. Requires one of the following permissions: MANAGE_APPS.
    async fn event_delivery_retry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the event delivery to retry.")] id: ID,
    ) -> Result<Option<EventDeliveryRetry>> {
        let result: Result<EventDeliveryRetry> = async {
            let req = ctx.data::<RequestCtx>()?;
            req.require_any(&[Permission::ManageApps])?;
            let state = ctx.data::<AppState>()?;
            let pk = id::decode::<i64>(&id, "EventDelivery")?;
            let owner = state
                .webhooks
                .owner_of_delivery(pk)
                .await
                .map_err(|e| req.internal(e))?;
            if let Some(app_id) = owner {
                ensure_in_scope(req, state, app_id).await?;
            }
            match state.webhooks.retry(pk).await {
                Ok(delivery) => {
                    state.events.deliveries_handle().notify_one();
                    Ok(EventDeliveryRetry {
                        delivery: Some(EventDeliveryNode(delivery)),
                        errors: vec![],
                    })
                }
                Err(e) => Ok(EventDeliveryRetry {
                    delivery: None,
                    errors: vec![to_error(req, e)?],
                }),
            }
        }
        .await;
        result.map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_from_fragments() {
        let q = "subscription { event { ... on ChannelMetadataUpdated { channel { slug } } ...F } } fragment F on OrderCreated { issuedAt }";
        assert_eq!(
            query_events(q).ok(),
            Some(vec![
                "CHANNEL_METADATA_UPDATED".to_owned(),
                "ORDER_CREATED".to_owned()
            ])
        );
        assert_eq!(
            query_events("query { shop { name } }")
                .err()
                .map(|e| e.code),
            Some(WebhookErrorCode::MissingSubscription)
        );
        assert_eq!(
            query_events("subscription {").err().map(|e| e.code),
            Some(WebhookErrorCode::Syntax)
        );
        assert_eq!(display_name("ORDER_CREATED"), "Order created");
    }
}
