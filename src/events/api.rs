//! GraphQL subscriptions fed by the event bus: Saleor's `subscription { event { ... } }`
//! with the `Event` interface. Staff users and apps see the events their permissions cover;
//! customers see the events of their own objects (orders, checkouts).

use std::sync::Arc;

use async_graphql::{Context, Interface, Object, Result, Subscription};
use chrono::{DateTime, Utc};
use futures_util::{
    StreamExt,
    stream::{self, BoxStream},
};
use tokio::sync::broadcast::error::RecvError;

use super::{BusEvent, EventType, account_api as acc};
use crate::{
    account::revalidation::{LiveCredential, Revoked, revalidate},
    catalog::api::products::VariantNode,
    channel::api::ChannelNode,
    checkout::api::CheckoutNode,
    core::{
        context::{RequestCtx, Requestor},
        error::{ErrorCode, error},
    },
    marketing::api::events as mk,
    order::api::OrderNode,
    order::workflow_api::FulfillmentNode,
    shop::api::API_VERSION,
    state::AppState,
    webhook::payload::WebhookEventSource,
};

/// Whether the caller may see `event`.
pub fn visible(req: &RequestCtx, event: &BusEvent) -> bool {
    let Some(event_type) = EventType::parse(&event.event_type) else {
        return false;
    };
    if event_type.permissions().iter().any(|p| req.has_perm(*p)) {
        return true;
    }
    match (req.user(), event.user_id) {
        (Some(user), Some(owner)) => user.id == owner,
        _ => false,
    }
}

/// Event sent when channel metadata is updated.
pub struct ChannelMetadataUpdated(Arc<BusEvent>);

#[Object]
impl ChannelMetadataUpdated {
    /// Time of the event.
    async fn issued_at(&self) -> Option<DateTime<Utc>> {
        Some(self.0.created_at)
    }

    /// Saleor version that triggered the event.
    async fn version(&self) -> Option<String> {
        Some(API_VERSION.to_owned())
    }

    /// The channel the event relates to.
    async fn channel(&self, ctx: &Context<'_>) -> Result<Option<ChannelNode>> {
        let req = ctx.data::<RequestCtx>()?;
        let state = ctx.data::<AppState>()?;
        let Ok(pk) = self.0.object_id.parse::<i32>() else {
            return Ok(None);
        };
        let channel = state
            .channels
            .by_id(pk)
            .await
            .map_err(|e| req.internal(e))?;
        Ok(channel.map(ChannelNode::from))
    }
}

/// Declares an order event type with an `order` field (the order as it is now).
macro_rules! order_event {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        pub struct $name(Arc<BusEvent>);

        #[Object]
        impl $name {
            /// Time of the event.
            async fn issued_at(&self) -> Option<DateTime<Utc>> {
                Some(self.0.created_at)
            }

            /// Saleor version that triggered the event.
            async fn version(&self) -> Option<String> {
                Some(API_VERSION.to_owned())
            }

            /// The order the event relates to.
            async fn order(&self, ctx: &Context<'_>) -> Result<Option<OrderNode>> {
                load_order(ctx, &self.0).await
            }
        }
    };
}

order_event!(OrderCreated, "Event sent when new order is created.");
order_event!(OrderUpdated, "Event sent when order is updated.");
order_event!(OrderConfirmed, "Event sent when order is confirmed.");
order_event!(OrderFulfilled, "Event sent when order is fulfilled.");
order_event!(OrderCancelled, "Event sent when order is cancelled.");

order_event!(
    DraftOrderCreated,
    "Event sent when new draft order is created."
);
order_event!(DraftOrderUpdated, "Event sent when draft order is updated.");
order_event!(
    DraftOrderDeleted,
    "Event sent when draft order is deleted (its order is gone: `null`)."
);

/// Declares a fulfillment event type with `fulfillment` and `order` fields.
macro_rules! fulfillment_event {
    ($name:ident, $doc:literal $(, $extra:item)?) => {
        #[doc = $doc]
        pub struct $name(Arc<BusEvent>);

        #[Object]
        impl $name {
            /// Time of the event.
            async fn issued_at(&self) -> Option<DateTime<Utc>> {
                Some(self.0.created_at)
            }

            /// Saleor version that triggered the event.
            async fn version(&self) -> Option<String> {
                Some(API_VERSION.to_owned())
            }

            /// The fulfillment the event relates to.
            async fn fulfillment(&self, ctx: &Context<'_>) -> Result<Option<FulfillmentNode>> {
                use sea_orm::EntityTrait;
                let req = ctx.data::<RequestCtx>()?;
                let state = ctx.data::<AppState>()?;
                let Ok(pk) = self.0.object_id.parse::<i32>() else {
                    return Ok(None);
                };
                Ok(entities::fulfillment::Entity::find_by_id(pk)
                    .one(&state.db.conn)
                    .await
                    .map_err(|e| req.internal(e))?
                    .map(FulfillmentNode))
            }

            /// The order the fulfillment belongs to.
            async fn order(&self, ctx: &Context<'_>) -> Result<Option<OrderNode>> {
                match self.0.payload.get("orderId").and_then(|v| v.as_str()) {
                    Some(id) => load_order_by_id(ctx, id).await,
                    None => Ok(None),
                }
            }

            $($extra)?
        }
    };
}

fulfillment_event!(
    FulfillmentCreated,
    "Event sent when new fulfillment is created.",
    /// If true, the app should send a notification to the customer.
    async fn notify_customer(&self) -> bool {
        self.0
            .payload
            .get("notifyCustomer")
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }
);
fulfillment_event!(
    FulfillmentCanceled,
    "Event sent when fulfillment is canceled."
);

/// Declares a stock event type with `productVariant` and `warehouse` fields.
macro_rules! stock_event {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        pub struct $name(Arc<BusEvent>);

        #[Object]
        impl $name {
            /// Time of the event.
            async fn issued_at(&self) -> Option<DateTime<Utc>> {
                Some(self.0.created_at)
            }

            /// Saleor version that triggered the event.
            async fn version(&self) -> Option<String> {
                Some(API_VERSION.to_owned())
            }

            /// The product variant the event relates to.
            async fn product_variant(
                &self,
                ctx: &Context<'_>,
                #[graphql(desc = "Slug of a channel for which the data should be returned.")]
                channel: Option<String>,
            ) -> Result<Option<VariantNode>> {
                use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
                let req = ctx.data::<RequestCtx>()?;
                let state = ctx.data::<AppState>()?;
                let Ok(pk) = self.0.object_id.parse::<i32>() else {
                    return Ok(None);
                };
                let channel = match channel {
                    Some(slug) => entities::channel::Entity::find()
                        .filter(entities::channel::Column::Slug.eq(slug))
                        .one(&state.db.conn)
                        .await
                        .map_err(|e| req.internal(e))?,
                    None => None,
                };
                let viewer = Arc::new(crate::catalog::read::Viewer {
                    channel,
                    staff: true,
                    tax: Default::default(),
                });
                Ok(crate::catalog::api::variant_nodes::by_ids(
                    &state.db.conn,
                    &state.catalog.products,
                    &viewer,
                    &[pk],
                )
                .await
                .map_err(|e| req.internal(e))?
                .remove(&pk))
            }
        }
    };
}

stock_event!(
    ProductVariantOutOfStock,
    "Event sent when product variant is out of stock."
);
stock_event!(
    ProductVariantBackInStock,
    "Event sent when product variant is back in stock."
);

/// The order an event is about, loaded once per event on this instance (shared by every
/// subscriber through the event's memo).
async fn load_order(ctx: &Context<'_>, event: &BusEvent) -> Result<Option<OrderNode>> {
    use sea_orm::EntityTrait;
    let req = ctx.data::<RequestCtx>()?;
    let state = ctx.data::<AppState>()?;
    let order = event
        .memo
        .object(|| {
            entities::shop_order::Entity::find_by_id(event.object_id.clone()).one(&state.db.conn)
        })
        .await
        .map_err(|e| req.internal(e))?;
    Ok(order.map(OrderNode::new))
}

/// The order with id `id` (for events about another object, e.g. fulfillments).
async fn load_order_by_id(ctx: &Context<'_>, id: &str) -> Result<Option<OrderNode>> {
    use sea_orm::EntityTrait;
    let req = ctx.data::<RequestCtx>()?;
    let state = ctx.data::<AppState>()?;
    Ok(entities::shop_order::Entity::find_by_id(id.to_owned())
        .one(&state.db.conn)
        .await
        .map_err(|e| req.internal(e))?
        .map(OrderNode::new))
}

/// Declares a checkout event type with a `checkout` field.
macro_rules! checkout_event {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        pub struct $name(Arc<BusEvent>);

        #[Object]
        impl $name {
            /// Time of the event.
            async fn issued_at(&self) -> Option<DateTime<Utc>> {
                Some(self.0.created_at)
            }

            /// Saleor version that triggered the event.
            async fn version(&self) -> Option<String> {
                Some(API_VERSION.to_owned())
            }

            /// The checkout the event relates to.
            async fn checkout(&self, ctx: &Context<'_>) -> Result<Option<CheckoutNode>> {
                use sea_orm::EntityTrait;
                let req = ctx.data::<RequestCtx>()?;
                let state = ctx.data::<AppState>()?;
                let checkout = self
                    .0
                    .memo
                    .object(|| {
                        entities::checkout::Entity::find_by_id(self.0.object_id.clone())
                            .one(&state.db.conn)
                    })
                    .await
                    .map_err(|e| req.internal(e))?;
                Ok(checkout.map(CheckoutNode::new))
            }
        }
    };
}

checkout_event!(CheckoutCreated, "Event sent when new checkout is created.");
checkout_event!(CheckoutUpdated, "Event sent when checkout is updated.");

/// A webhook or subscription event.
#[derive(Interface)]
#[graphql(
    name = "Event",
    field(
        name = "issued_at",
        ty = "Option<DateTime<Utc>>",
        desc = "Time of the event."
    ),
    field(
        name = "version",
        ty = "Option<String>",
        desc = "Saleor version that triggered the event."
    )
)]
pub enum Event {
    AccountConfirmationRequested(acc::AccountConfirmationRequested),
    AccountConfirmed(acc::AccountConfirmed),
    AccountSetPasswordRequested(acc::AccountSetPasswordRequested),
    StaffSetPasswordRequested(acc::StaffSetPasswordRequested),
    AccountChangeEmailRequested(acc::AccountChangeEmailRequested),
    AccountEmailChanged(acc::AccountEmailChanged),
    AccountDeleteRequested(acc::AccountDeleteRequested),
    AccountDeleted(acc::AccountDeleted),
    ChannelMetadataUpdated(ChannelMetadataUpdated),
    LeadCreated(mk::LeadCreated),
    LeadUpdated(mk::LeadUpdated),
    LeadStageChanged(mk::LeadStageChanged),
    LeadConverted(mk::LeadConverted),
    CampaignCreated(mk::CampaignCreated),
    CampaignUpdated(mk::CampaignUpdated),
    CampaignStatusChanged(mk::CampaignStatusChanged),
    CheckoutCreated(CheckoutCreated),
    CheckoutUpdated(CheckoutUpdated),
    OrderCreated(OrderCreated),
    OrderUpdated(OrderUpdated),
    OrderConfirmed(OrderConfirmed),
    OrderFulfilled(OrderFulfilled),
    OrderCancelled(OrderCancelled),
    DraftOrderCreated(DraftOrderCreated),
    DraftOrderUpdated(DraftOrderUpdated),
    DraftOrderDeleted(DraftOrderDeleted),
    FulfillmentCreated(FulfillmentCreated),
    FulfillmentCanceled(FulfillmentCanceled),
    ProductVariantOutOfStock(ProductVariantOutOfStock),
    ProductVariantBackInStock(ProductVariantBackInStock),
}

impl Event {
    fn from_bus(event: Arc<BusEvent>) -> Option<Self> {
        match EventType::parse(&event.event_type)? {
            EventType::AccountConfirmationRequested => Some(Self::AccountConfirmationRequested(
                acc::AccountConfirmationRequested(event),
            )),
            EventType::AccountConfirmed => {
                Some(Self::AccountConfirmed(acc::AccountConfirmed(event)))
            }
            EventType::AccountSetPasswordRequested => Some(Self::AccountSetPasswordRequested(
                acc::AccountSetPasswordRequested(event),
            )),
            EventType::StaffSetPasswordRequested => Some(Self::StaffSetPasswordRequested(
                acc::StaffSetPasswordRequested(event),
            )),
            EventType::AccountChangeEmailRequested => Some(Self::AccountChangeEmailRequested(
                acc::AccountChangeEmailRequested(event),
            )),
            EventType::AccountEmailChanged => {
                Some(Self::AccountEmailChanged(acc::AccountEmailChanged(event)))
            }
            EventType::AccountDeleteRequested => Some(Self::AccountDeleteRequested(
                acc::AccountDeleteRequested(event),
            )),
            EventType::AccountDeleted => Some(Self::AccountDeleted(acc::AccountDeleted(event))),
            EventType::ChannelMetadataUpdated => {
                Some(Self::ChannelMetadataUpdated(ChannelMetadataUpdated(event)))
            }
            EventType::LeadCreated => Some(Self::LeadCreated(mk::LeadCreated(event))),
            EventType::LeadUpdated => Some(Self::LeadUpdated(mk::LeadUpdated(event))),
            EventType::LeadStageChanged => {
                Some(Self::LeadStageChanged(mk::LeadStageChanged(event)))
            }
            EventType::LeadConverted => Some(Self::LeadConverted(mk::LeadConverted(event))),
            EventType::CampaignCreated => Some(Self::CampaignCreated(mk::CampaignCreated(event))),
            EventType::CampaignUpdated => Some(Self::CampaignUpdated(mk::CampaignUpdated(event))),
            EventType::CampaignStatusChanged => Some(Self::CampaignStatusChanged(
                mk::CampaignStatusChanged(event),
            )),
            EventType::CheckoutCreated => Some(Self::CheckoutCreated(CheckoutCreated(event))),
            EventType::CheckoutUpdated => Some(Self::CheckoutUpdated(CheckoutUpdated(event))),
            EventType::OrderCreated => Some(Self::OrderCreated(OrderCreated(event))),
            EventType::OrderUpdated => Some(Self::OrderUpdated(OrderUpdated(event))),
            EventType::OrderConfirmed => Some(Self::OrderConfirmed(OrderConfirmed(event))),
            EventType::OrderFulfilled => Some(Self::OrderFulfilled(OrderFulfilled(event))),
            EventType::OrderCancelled => Some(Self::OrderCancelled(OrderCancelled(event))),
            EventType::DraftOrderCreated => Some(Self::DraftOrderCreated(DraftOrderCreated(event))),
            EventType::DraftOrderUpdated => Some(Self::DraftOrderUpdated(DraftOrderUpdated(event))),
            EventType::DraftOrderDeleted => Some(Self::DraftOrderDeleted(DraftOrderDeleted(event))),
            EventType::FulfillmentCreated => {
                Some(Self::FulfillmentCreated(FulfillmentCreated(event)))
            }
            EventType::FulfillmentCanceled => {
                Some(Self::FulfillmentCanceled(FulfillmentCanceled(event)))
            }
            EventType::ProductVariantOutOfStock => Some(Self::ProductVariantOutOfStock(
                ProductVariantOutOfStock(event),
            )),
            EventType::ProductVariantBackInStock => Some(Self::ProductVariantBackInStock(
                ProductVariantBackInStock(event),
            )),
            // Not exposed to subscriptions yet (webhook-only events).
            _ => None,
        }
    }
}

/// Whether events of `event_type` can be rendered for subscriptions and webhook payloads.
pub fn subscribable(event_type: EventType) -> bool {
    let probe = BusEvent {
        id: 0,
        event_type: event_type.as_str().to_owned(),
        object_type: String::new(),
        object_id: String::new(),
        channel_slug: None,
        user_id: None,
        requestor: None,
        payload: serde_json::Value::Null,
        created_at: Utc::now(),
        memo: Default::default(),
    };
    Event::from_bus(Arc::new(probe)).is_some()
}

/// When the websocket's access token expires; live subscriptions end then.
#[derive(Clone, Copy, Debug)]
pub struct TokenExpiry {
    pub at: tokio::time::Instant,
    /// The token's `exp` claim (Unix seconds).
    pub exp: i64,
}

/// A live subscription's state: its bus receiver, who is listening, until when, and the
/// credential re-checked before each event is sent.
struct Live {
    receiver: tokio::sync::broadcast::Receiver<Arc<BusEvent>>,
    req: RequestCtx,
    expires: Option<tokio::time::Instant>,
    /// `None` only for callers authenticated without a token (never on websockets).
    credential: Option<LiveCredential>,
    db: sea_orm::DatabaseConnection,
    ended: bool,
}

impl Live {
    /// The next item for the client: a visible event, a "fell behind" error, or the
    /// "token expired" error that ends the subscription. `None` when the bus closed.
    async fn next(&mut self) -> Option<Result<Option<Event>>> {
        loop {
            let expires = self.expires;
            let expiry = async move {
                match expires {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            let received = tokio::select! {
                received = self.receiver.recv() => received,
                () = expiry => {
                    self.ended = true;
                    return Some(Err(error(
                        ErrorCode::InvalidToken,
                        "The access token expired; the subscription has ended. Reconnect with a fresh token.",
                    )));
                }
            };
            match received {
                Ok(event) if visible(&self.req, &event) => {
                    if let Some(event) = Event::from_bus(event) {
                        if let Err(e) = self.recheck().await {
                            self.ended = true;
                            return Some(Err(e));
                        }
                        return Some(Ok(Some(event)));
                    }
                }
                Ok(_) => {}
                Err(RecvError::Lagged(missed)) => {
                    return Some(Err(error(
                        ErrorCode::Internal,
                        format!("The subscriber fell behind; {missed} events were dropped."),
                    )));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

impl Live {
    /// Re-validates the credential against the database (one statement): the stream must
    /// end when the token was revoked, its user or app deactivated or deleted, or the
    /// caller lost any permission it subscribed with (the event's fields are resolved with
    /// the permissions of `connection_init`, so they must still hold).
    async fn recheck(&self) -> Result<()> {
        let Some(credential) = &self.credential else {
            return Ok(());
        };
        let now = match revalidate(&self.db, credential).await {
            Ok(Ok(now)) => now,
            Ok(Err(Revoked::Token)) => {
                return Err(error(
                    ErrorCode::InvalidToken,
                    "The token was revoked, or its user or app deactivated; the subscription has ended.",
                ));
            }
            Err(e) => return Err(self.req.internal(e)),
        };
        if still_holds(&self.req.requestor, &now) {
            Ok(())
        } else {
            Err(error(
                ErrorCode::PermissionDenied,
                "The permissions this subscription was started with were revoked; the subscription has ended.",
            ))
        }
    }
}

/// Whether `now` (the caller as the database sees it) still has everything `then` had.
fn still_holds(then: &Requestor, now: &Requestor) -> bool {
    match (then, now) {
        (Requestor::User(a), Requestor::User(b)) => {
            a.id == b.id && (b.is_staff || !a.is_staff) && a.permissions.is_subset(&b.permissions)
        }
        (Requestor::App(a), Requestor::App(b)) => {
            a.id == b.id && a.permissions.is_subset(&b.permissions)
        }
        _ => false,
    }
}

/// Root subscriptions.
#[derive(Default)]
pub struct EventSubscription;

#[Subscription]
impl EventSubscription {
    /// Look up subscription event.
    async fn event(&self, ctx: &Context<'_>) -> Result<BoxStream<'static, Result<Option<Event>>>> {
        let req = ctx.data::<RequestCtx>()?.clone();
        // A webhook payload: exactly one event, rendered with the owning app's permissions.
        if let Some(WebhookEventSource(event)) = ctx.data_opt::<WebhookEventSource>() {
            let event = visible(&req, event)
                .then(|| Event::from_bus(event.clone()))
                .flatten();
            return Ok(stream::once(async move { Ok(event) }).boxed());
        }
        if req.user().is_none() && req.app().is_none() {
            return Err(error(
                ErrorCode::PermissionDenied,
                "Subscribing to events requires an access token (`authorization` in `connection_init`).",
            ));
        }
        let receiver = ctx.data::<AppState>()?.events.bus.subscribe();
        let expires = ctx.data_opt::<TokenExpiry>().map(|e| e.at);
        let live = Live {
            receiver,
            req,
            expires,
            credential: ctx.data_opt::<LiveCredential>().cloned(),
            db: ctx.data::<AppState>()?.db.conn.clone(),
            ended: false,
        };
        Ok(stream::unfold(live, |mut live| async move {
            if live.ended {
                return None;
            }
            let item = live.next().await?;
            Some((item, live))
        })
        .boxed())
    }
}
