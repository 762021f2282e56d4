//! GraphQL of the staff order workflow: `Fulfillment`, `OrderEvent`, `OrderError` and the
//! mutations `orderConfirm`, `orderFulfill`, `orderFulfillmentCancel`,
//! `orderFulfillmentUpdateTracking`, `orderCancel`, `orderNoteAdd`, `orderNoteUpdate`.
//! Every mutation requires MANAGE_ORDERS.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entities::{fulfillment, fulfillment_line, order_event, shop_order};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::account::api::UserNode;
use crate::core::{context::RequestCtx, id, permissions::Permission};
use crate::state::AppState;
use crate::state::parts;

use super::api::{OrderLineNode, OrderNode, lines_of_order};
use super::error::OrderErrorCode;
use super::events::OrderActor;
use super::workflow::{FulfillInput, FulfillLine, OrderService};
use crate::core::mutation::FieldError;
use crate::core::payload::{Payload, respond};
use crate::loaders::loaders;

/// The order service over the app's database and events.
pub fn service(state: &AppState) -> OrderService {
    OrderService::new(state.db.conn.clone(), state.events.clone())
}

/// The caller as an order actor.
pub fn order_actor(req: &RequestCtx) -> OrderActor {
    OrderActor {
        user_id: req.user().map(|u| u.id),
        app_id: req.app().map(|a| a.id),
        requestor: req.requestor_id(),
    }
}

/// Decodes an order's global ID to its primary key.
pub fn order_pk(id: &ID) -> Result<String> {
    Ok(id::decode::<uuid::Uuid>(id, "Order")?.to_string())
}

/// Saleor's `FulfillmentStatus`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum FulfillmentStatus {
    Fulfilled,
    Refunded,
    Returned,
    Replaced,
    RefundedAndReturned,
    Canceled,
    WaitingForApproval,
}

impl FulfillmentStatus {
    fn parse(s: &str) -> Self {
        match s {
            "CANCELED" => Self::Canceled,
            "REFUNDED" => Self::Refunded,
            "RETURNED" => Self::Returned,
            "REPLACED" => Self::Replaced,
            "REFUNDED_AND_RETURNED" => Self::RefundedAndReturned,
            "WAITING_FOR_APPROVAL" => Self::WaitingForApproval,
            _ => Self::Fulfilled,
        }
    }

    fn display(self) -> &'static str {
        match self {
            Self::Fulfilled => "Fulfilled",
            Self::Refunded => "Refunded",
            Self::Returned => "Returned",
            Self::Replaced => "Replaced",
            Self::RefundedAndReturned => "Refunded and returned",
            Self::Canceled => "Canceled",
            Self::WaitingForApproval => "Waiting for approval",
        }
    }
}

/// Represents order fulfillment.
#[derive(Clone)]
pub struct FulfillmentNode(pub fulfillment::Model);

#[Object(name = "Fulfillment")]
impl FulfillmentNode {
    /// The ID of the fulfillment.
    async fn id(&self) -> ID {
        id::encode("Fulfillment", self.0.id)
    }
    /// Sequence in which the fulfillments were created for an order.
    async fn fulfillment_order(&self) -> i32 {
        self.0.fulfillment_order
    }
    /// Status of fulfillment.
    async fn status(&self) -> FulfillmentStatus {
        FulfillmentStatus::parse(&self.0.status)
    }
    /// User-friendly fulfillment status.
    async fn status_display(&self) -> Option<&'static str> {
        Some(FulfillmentStatus::parse(&self.0.status).display())
    }
    /// Fulfillment tracking number.
    async fn tracking_number(&self) -> &str {
        &self.0.tracking_number
    }
    /// Date and time when fulfillment was created.
    async fn created(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.created_at
    }
    /// List of lines for fulfillment.
    async fn lines(&self, ctx: &Context<'_>) -> Result<Option<Vec<FulfillmentLineNode>>> {
        let (_, req) = parts(ctx)?;
        let rows = loaders(ctx)?
            .order
            .fulfillment_lines
            .load_one(self.0.id)
            .await
            .map_err(|e| req.internal(e))?
            .unwrap_or_default();
        Ok(Some(fulfillment_lines(ctx, &self.0.order_id, rows).await?))
    }
}

async fn fulfillment_lines(
    ctx: &Context<'_>,
    order_id: &str,
    rows: Vec<fulfillment_line::Model>,
) -> Result<Vec<FulfillmentLineNode>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let lines = lines_of_order(ctx, order_id).await?;
    Ok(rows
        .into_iter()
        .map(|r| FulfillmentLineNode {
            order_line: lines
                .iter()
                .find(|l| l.model.id == r.order_line_id)
                .cloned(),
            row: r,
        })
        .collect())
}

/// Represents line of the fulfillment.
#[derive(Clone)]
pub struct FulfillmentLineNode {
    row: fulfillment_line::Model,
    order_line: Option<OrderLineNode>,
}

#[Object(name = "FulfillmentLine")]
impl FulfillmentLineNode {
    /// The ID of the fulfillment line.
    async fn id(&self) -> ID {
        id::encode("FulfillmentLine", self.row.id)
    }
    /// The number of items included in the fulfillment line.
    async fn quantity(&self) -> i32 {
        self.row.quantity
    }
    /// The order line to which the fulfillment line is related.
    async fn order_line(&self) -> Option<&OrderLineNode> {
        self.order_line.as_ref()
    }
}

/// The fulfillments of `order`, in creation order.
pub async fn fulfillments(
    ctx: &Context<'_>,
    order: &shop_order::Model,
) -> Result<Vec<FulfillmentNode>> {
    let (_, req) = parts(ctx)?;
    Ok(loaders(ctx)?
        .order
        .fulfillments
        .load_one(order.id.clone())
        .await
        .map_err(|e| req.internal(e))?
        .unwrap_or_default()
        .into_iter()
        .map(FulfillmentNode)
        .collect())
}

/// Saleor's `OrderEventsEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum OrderEventsEnum {
    DraftCreated,
    DraftCreatedFromReplace,
    AddedProducts,
    RemovedProducts,
    Placed,
    PlacedFromDraft,
    PlacedAutomaticallyFromPaidCheckout,
    OversoldItems,
    Canceled,
    Expired,
    OrderMarkedAsPaid,
    OrderFullyPaid,
    OrderReplacementCreated,
    OrderDiscountAdded,
    OrderDiscountAutomaticallyUpdated,
    OrderDiscountUpdated,
    OrderDiscountDeleted,
    OrderLineDiscountUpdated,
    OrderLineDiscountRemoved,
    OrderLineProductDeleted,
    OrderLineVariantDeleted,
    UpdatedAddress,
    EmailSent,
    Confirmed,
    PaymentAuthorized,
    PaymentCaptured,
    ExternalServiceNotification,
    PaymentRefunded,
    PaymentVoided,
    PaymentFailed,
    TransactionEvent,
    TransactionChargeRequested,
    TransactionRefundRequested,
    TransactionCancelRequested,
    TransactionMarkAsPaidFailed,
    InvoiceRequested,
    InvoiceGenerated,
    InvoiceUpdated,
    InvoiceSent,
    FulfillmentCanceled,
    FulfillmentRestockedItems,
    FulfillmentFulfilledItems,
    FulfillmentRefunded,
    FulfillmentReturned,
    FulfillmentReplaced,
    FulfillmentAwaitsApproval,
    TrackingUpdated,
    NoteAdded,
    NoteUpdated,
    Other,
}

impl OrderEventsEnum {
    fn parse(s: &str) -> Self {
        match s {
            "DRAFT_CREATED" => Self::DraftCreated,
            "ADDED_PRODUCTS" => Self::AddedProducts,
            "REMOVED_PRODUCTS" => Self::RemovedProducts,
            "PLACED" => Self::Placed,
            "PLACED_FROM_DRAFT" => Self::PlacedFromDraft,
            "CANCELED" => Self::Canceled,
            "EXPIRED" => Self::Expired,
            "ORDER_MARKED_AS_PAID" => Self::OrderMarkedAsPaid,
            "ORDER_FULLY_PAID" => Self::OrderFullyPaid,
            "UPDATED_ADDRESS" => Self::UpdatedAddress,
            "EMAIL_SENT" => Self::EmailSent,
            "CONFIRMED" => Self::Confirmed,
            "FULFILLMENT_CANCELED" => Self::FulfillmentCanceled,
            "FULFILLMENT_RESTOCKED_ITEMS" => Self::FulfillmentRestockedItems,
            "FULFILLMENT_FULFILLED_ITEMS" => Self::FulfillmentFulfilledItems,
            "TRACKING_UPDATED" => Self::TrackingUpdated,
            "NOTE_ADDED" => Self::NoteAdded,
            "NOTE_UPDATED" => Self::NoteUpdated,
            _ => Self::Other,
        }
    }
}

/// History log of the order.
#[derive(Clone)]
pub struct OrderEventNode(pub order_event::Model);

impl OrderEventNode {
    fn param_str(&self, key: &str) -> Option<String> {
        self.0
            .parameters
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    }
    fn param_i64(&self, key: &str) -> Option<i64> {
        self.0.parameters.get(key).and_then(|v| v.as_i64())
    }
}

/// An order line mentioned by an order event.
#[derive(SimpleObject, Clone)]
pub struct OrderEventOrderLineObject {
    /// The variant quantity.
    pub quantity: Option<i32>,
    /// The order line.
    pub order_line: Option<OrderLineNode>,
    /// The variant name.
    pub item_name: Option<String>,
}

#[Object(name = "OrderEvent")]
impl OrderEventNode {
    /// ID of the event associated with an order.
    async fn id(&self) -> ID {
        id::encode("OrderEvent", self.0.id)
    }
    /// Date when event happened at in ISO 8601 format.
    async fn date(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        Some(self.0.date)
    }
    /// Order event type.
    async fn r#type(&self) -> Option<OrderEventsEnum> {
        Some(OrderEventsEnum::parse(&self.0.event_type))
    }
    /// User who performed the action.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<UserNode>> {
        let Some(uid) = self.0.user_id else {
            return Ok(None);
        };
        let (state, req) = parts(ctx)?;
        Ok(state
            .accounts
            .user(uid)
            .await
            .map_err(|e| req.internal(e))?
            .map(UserNode::from))
    }
    /// Content of the event.
    async fn message(&self) -> Option<String> {
        self.param_str("message")
    }
    /// Email of the customer.
    async fn email(&self) -> Option<String> {
        self.param_str("email")
    }
    /// Number of items.
    async fn quantity(&self) -> Option<i32> {
        self.param_i64("quantity")
            .and_then(|q| i32::try_from(q).ok())
    }
    /// Composed ID of the Fulfillment.
    async fn composed_id(&self) -> Option<String> {
        self.param_i64("composed_id").map(|n| n.to_string())
    }
    /// User-friendly number of an order.
    async fn order_number(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let (state, req) = parts(ctx)?;
        Ok(shop_order::Entity::find_by_id(self.0.order_id.clone())
            .one(&state.db.conn)
            .await
            .map_err(|e| req.internal(e))?
            .map(|o| o.number.to_string()))
    }
    /// The concerned lines.
    async fn lines(&self, ctx: &Context<'_>) -> Result<Option<Vec<OrderEventOrderLineObject>>> {
        let Some(items) = self.0.parameters.get("lines").and_then(|v| v.as_array()) else {
            return Ok(None);
        };
        let lines = lines_of_order(ctx, &self.0.order_id).await?;
        Ok(Some(
            items
                .iter()
                .map(|item| {
                    let pk = item.get("line_pk").and_then(|v| v.as_i64());
                    OrderEventOrderLineObject {
                        quantity: item
                            .get("quantity")
                            .and_then(|v| v.as_i64())
                            .and_then(|q| i32::try_from(q).ok()),
                        order_line: lines
                            .iter()
                            .find(|l| Some(i64::from(l.model.id)) == pk)
                            .cloned(),
                        item_name: item.get("item").and_then(|v| v.as_str()).map(str::to_owned),
                    }
                })
                .collect(),
        ))
    }
    /// The lines fulfilled.
    async fn fulfilled_items(&self, ctx: &Context<'_>) -> Result<Option<Vec<FulfillmentLineNode>>> {
        let Some(ids) = self
            .0
            .parameters
            .get("fulfilled_items")
            .and_then(|v| v.as_array())
        else {
            return Ok(None);
        };
        let ids: Vec<i32> = ids
            .iter()
            .filter_map(|v| v.as_i64().and_then(|i| i32::try_from(i).ok()))
            .collect();
        let (state, req) = parts(ctx)?;
        let rows = fulfillment_line::Entity::find()
            .filter(fulfillment_line::Column::Id.is_in(ids))
            .order_by_asc(fulfillment_line::Column::Id)
            .all(&state.db.conn)
            .await
            .map_err(|e| req.internal(e))?;
        Ok(Some(fulfillment_lines(ctx, &self.0.order_id, rows).await?))
    }
    /// The related event.
    async fn related(&self, ctx: &Context<'_>) -> Result<Option<OrderEventNode>> {
        let Some(pk) = self
            .param_i64("related_id")
            .and_then(|i| i32::try_from(i).ok())
        else {
            return Ok(None);
        };
        let (state, req) = parts(ctx)?;
        Ok(order_event::Entity::find_by_id(pk)
            .one(&state.db.conn)
            .await
            .map_err(|e| req.internal(e))?
            .map(OrderEventNode))
    }
    /// The transaction reference of captured payment.
    async fn transaction_reference(&self) -> Option<String> {
        self.param_str("transaction_reference")
    }
    /// The reference of payment's transaction.
    async fn reference(&self) -> Option<String> {
        self.param_str("reference")
    }
}

/// The history of `order`; requires MANAGE_ORDERS.
pub async fn order_events(
    ctx: &Context<'_>,
    order: &shop_order::Model,
) -> Result<Vec<OrderEventNode>> {
    let (_, req) = parts(ctx)?;
    req.require_any(&[Permission::ManageOrders])?;
    Ok(loaders(ctx)?
        .order
        .events
        .load_one(order.id.clone())
        .await
        .map_err(|e| req.internal(e))?
        .unwrap_or_default()
        .into_iter()
        .map(OrderEventNode)
        .collect())
}

crate::error_object! {
    /// Represents errors in order mutations.
    OrderError(OrderErrorCode) {
        field, message, code, warehouse, order_lines, variants, address_type
    }
}

crate::payload! {
    /// Confirms an unconfirmed order by changing status to unfulfilled.
    OrderConfirm {
        order: Option<OrderNode>,
        @errors OrderError, legacy order_errors;
    }
}

crate::payload! {
    /// Cancel an order.
    OrderCancel {
        order: Option<OrderNode>,
        @errors OrderError, legacy order_errors;
    }
}

crate::payload! {
    /// Creates new fulfillments for an order.
    OrderFulfill {
        /// List of created fulfillments.
        fulfillments: Option<Vec<FulfillmentNode>>,
        /// Fulfilled order.
        order: Option<OrderNode>,
        @errors OrderError, legacy order_errors;
    }
}

crate::payload! {
    /// Cancels existing fulfillment and optionally restocks items.
    FulfillmentCancel {
        /// A canceled fulfillment.
        fulfillment: Option<FulfillmentNode>,
        /// Order which fulfillment was cancelled.
        order: Option<OrderNode>,
        @errors OrderError, legacy order_errors;
    }
}

crate::payload! {
    /// Updates a fulfillment for an order.
    FulfillmentUpdateTracking {
        /// A fulfillment with updated tracking.
        fulfillment: Option<FulfillmentNode>,
        /// Order for which fulfillment was updated.
        order: Option<OrderNode>,
        @errors OrderError, legacy order_errors;
    }
}

/// Saleor's `OrderNoteAddErrorCode`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrderNoteAddErrorCode {
    GraphqlError,
    Required,
}

/// Saleor's `OrderNoteUpdateErrorCode`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrderNoteUpdateErrorCode {
    GraphqlError,
    NotFound,
    Required,
}

crate::error_object! {
    OrderNoteAddError(Option<OrderNoteAddErrorCode>) { field, message, code }
}

crate::error_object! {
    OrderNoteUpdateError(Option<OrderNoteUpdateErrorCode>) { field, message, code }
}

crate::payload! {
    /// Adds a note to the order.
    OrderNoteAdd {
        /// Order with the note added.
        order: Option<OrderNode>,
        /// Order note created.
        event: Option<OrderEventNode>,
        @errors OrderNoteAddError;
    }
}

crate::payload! {
    /// Updates note of an order.
    OrderNoteUpdate {
        /// Order with the note updated.
        order: Option<OrderNode>,
        /// Order note updated.
        event: Option<OrderEventNode>,
        @errors OrderNoteUpdateError;
    }
}

#[derive(InputObject)]
pub struct OrderFulfillStockInput {
    /// The number of line items to be fulfilled from given warehouse.
    pub quantity: i32,
    /// ID of the warehouse from which the item will be fulfilled.
    pub warehouse: ID,
}

#[derive(InputObject)]
pub struct OrderFulfillLineInput {
    /// The ID of the order line.
    pub order_line_id: Option<ID>,
    /// List of stock items to create.
    pub stocks: Vec<OrderFulfillStockInput>,
}

#[derive(InputObject)]
pub struct OrderFulfillInput {
    /// List of items informing how to fulfill the order.
    pub lines: Vec<OrderFulfillLineInput>,
    /// If true, send an email notification to the customer.
    pub notify_customer: Option<bool>,
    /// If true, then allow proceed fulfillment when stock is exceeded.
    pub allow_stock_to_be_exceeded: Option<bool>,
    /// Fulfillment tracking number.
    pub tracking_number: Option<String>,
}

#[derive(InputObject)]
pub struct FulfillmentCancelInput {
    /// ID of a warehouse where items will be restocked. Optional when fulfillment is in
    /// WAITING_FOR_APPROVAL state.
    pub warehouse_id: Option<ID>,
}

#[derive(InputObject)]
pub struct FulfillmentUpdateTrackingInput {
    /// Fulfillment tracking number.
    pub tracking_number: Option<String>,
    /// If true, send an email notification to the customer.
    pub notify_customer: Option<bool>,
}

#[derive(InputObject)]
pub struct OrderNoteInput {
    /// Note message.
    pub message: String,
}

fn manage<'a>(ctx: &'a Context<'_>) -> Result<(&'a AppState, &'a RequestCtx)> {
    let (state, req) = parts(ctx)?;
    req.require_any(&[Permission::ManageOrders])?;
    Ok((state, req))
}

/// Order workflow mutations.
#[derive(Default)]
pub struct OrderWorkflowMutation;

#[Object]
impl OrderWorkflowMutation {
    /// Confirms an unconfirmed order by changing status to unfulfilled.
    /// Requires one of the following permissions: MANAGE_ORDERS.
    async fn order_confirm(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of an order to confirm.")] id: ID,
    ) -> Result<Option<OrderConfirm>> {
        let (state, req) = manage(ctx)?;
        let pk = order_pk(&id)?;
        let result = service(state).confirm(&pk, &order_actor(req)).await;
        respond(req, result, |o| OrderConfirm {
            order: Some(OrderNode::new(o)),
            ..Default::default()
        })
        .map(Some)
    }

    /// Cancel an order. Requires one of the following permissions: MANAGE_ORDERS.
    async fn order_cancel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of an order to cancel.")] id: ID,
    ) -> Result<Option<OrderCancel>> {
        let (state, req) = manage(ctx)?;
        let pk = order_pk(&id)?;
        let result = service(state).cancel(&pk, &order_actor(req)).await;
        respond(req, result, |o| OrderCancel {
            order: Some(OrderNode::new(o)),
            ..Default::default()
        })
        .map(Some)
    }

    /// Creates new fulfillments for an order.
    /// Requires one of the following permissions: MANAGE_ORDERS.
    async fn order_fulfill(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fields required to create a fulfillment.")] input: OrderFulfillInput,
        #[graphql(desc = "ID of the order to be fulfilled.")] order: Option<ID>,
    ) -> Result<Option<OrderFulfill>> {
        let (state, req) = manage(ctx)?;
        let Some(order) = order else {
            let required =
                FieldError::new("order", OrderErrorCode::Required, "This field is required.");
            return Ok(Some(OrderFulfill::failed(vec![required.into()])));
        };
        let pk = order_pk(&order)?;
        let mut lines = Vec::new();
        for l in input.lines {
            let Some(line_id) = l.order_line_id else {
                continue;
            };
            let mut stocks = Vec::new();
            for s in l.stocks {
                stocks.push((id::decode::<i32>(&s.warehouse, "Warehouse")?, s.quantity));
            }
            lines.push(FulfillLine {
                order_line_id: id::decode::<i32>(&line_id, "OrderLine")?,
                stocks,
            });
        }
        let fi = FulfillInput {
            lines,
            notify_customer: input.notify_customer.unwrap_or(true),
            allow_stock_to_be_exceeded: input.allow_stock_to_be_exceeded.unwrap_or(false),
            tracking_number: input.tracking_number,
        };
        let result = service(state).fulfill(&pk, &order_actor(req), fi).await;
        respond(req, result, |(o, fs)| OrderFulfill {
            fulfillments: Some(fs.into_iter().map(FulfillmentNode).collect()),
            order: Some(OrderNode::new(o)),
            ..Default::default()
        })
        .map(Some)
    }

    /// Cancels existing fulfillment and optionally restocks items.
    /// Requires one of the following permissions: MANAGE_ORDERS.
    async fn order_fulfillment_cancel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a fulfillment to cancel.")] id: ID,
        #[graphql(desc = "Fields required to cancel a fulfillment.")] input: Option<
            FulfillmentCancelInput,
        >,
    ) -> Result<Option<FulfillmentCancel>> {
        let (state, req) = manage(ctx)?;
        let pk = id::decode::<i32>(&id, "Fulfillment")?;
        let warehouse = match input.and_then(|i| i.warehouse_id) {
            Some(w) => Some(id::decode::<i32>(&w, "Warehouse")?),
            None => None,
        };
        let result = service(state)
            .cancel_fulfillment(pk, warehouse, &order_actor(req))
            .await;
        respond(req, result, |(o, f)| FulfillmentCancel {
            fulfillment: Some(FulfillmentNode(f)),
            order: Some(OrderNode::new(o)),
            ..Default::default()
        })
        .map(Some)
    }

    /// Updates a fulfillment for an order.
    /// Requires one of the following permissions: MANAGE_ORDERS.
    async fn order_fulfillment_update_tracking(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a fulfillment to update.")] id: ID,
        #[graphql(desc = "Fields required to update a fulfillment.")]
        input: FulfillmentUpdateTrackingInput,
    ) -> Result<Option<FulfillmentUpdateTracking>> {
        let (state, req) = manage(ctx)?;
        let pk = id::decode::<i32>(&id, "Fulfillment")?;
        let tracking_number = input.tracking_number.unwrap_or_default();
        let result = service(state)
            .update_tracking(pk, tracking_number, &order_actor(req))
            .await;
        respond(req, result, |(o, f)| FulfillmentUpdateTracking {
            fulfillment: Some(FulfillmentNode(f)),
            order: Some(OrderNode::new(o)),
            ..Default::default()
        })
        .map(Some)
    }

    /// Adds note to the order. Requires one of the following permissions: MANAGE_ORDERS.
    async fn order_note_add(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the order to add a note for.")] order: ID,
        #[graphql(desc = "Fields required to create a note for the order.")] input: OrderNoteInput,
    ) -> Result<Option<OrderNoteAdd>> {
        let (state, req) = manage(ctx)?;
        let pk = order_pk(&order)?;
        let result = service(state)
            .note_add(&pk, &input.message, &order_actor(req))
            .await
            .map_err(|e| {
                e.map_code(|c| match c {
                    OrderErrorCode::Required => OrderNoteAddErrorCode::Required,
                    _ => OrderNoteAddErrorCode::GraphqlError,
                })
            });
        respond(req, result, |(o, e)| OrderNoteAdd {
            order: Some(OrderNode::new(o)),
            event: Some(OrderEventNode(e)),
            ..Default::default()
        })
        .map(Some)
    }

    /// Updates note of an order. Requires one of the following permissions: MANAGE_ORDERS.
    async fn order_note_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the note.")] note: ID,
        #[graphql(desc = "Fields required to create a note for the order.")] input: OrderNoteInput,
    ) -> Result<Option<OrderNoteUpdate>> {
        let (state, req) = manage(ctx)?;
        let pk = id::decode::<i32>(&note, "OrderEvent")?;
        let result = service(state)
            .note_update(pk, &input.message, &order_actor(req))
            .await
            .map_err(|e| {
                e.map_code(|c| match c {
                    OrderErrorCode::Required => OrderNoteUpdateErrorCode::Required,
                    OrderErrorCode::NotFound => OrderNoteUpdateErrorCode::NotFound,
                    _ => OrderNoteUpdateErrorCode::GraphqlError,
                })
            });
        respond(req, result, |(o, e)| OrderNoteUpdate {
            order: Some(OrderNode::new(o)),
            event: Some(OrderEventNode(e)),
            ..Default::default()
        })
        .map(Some)
    }
}
