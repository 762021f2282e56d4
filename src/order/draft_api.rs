//! GraphQL of draft orders and order line editing: `draftOrderCreate/Update/Complete/
//! Delete`, `orderLinesCreate`, `orderLineUpdate`, `orderLineDelete` (MANAGE_ORDERS).

use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::account::api::AddressInput;
use crate::catalog::api::mutations::PositiveDecimal;
use crate::core::{context::RequestCtx, id, permissions::Permission};
use crate::state::AppState;
use crate::state::parts;

use super::api::{OrderLineNode, OrderNode, order_lines};
use super::draft::{DraftInput, NewLine};
use super::workflow_api::{OrderError, order_actor, order_pk, service};
use crate::core::payload::respond;

#[derive(InputObject, Clone)]
pub struct OrderLineCreateInput {
    /// Number of variant items ordered.
    pub quantity: i32,
    /// Product variant ID.
    pub variant_id: ID,
    /// Flag that allow force splitting the same variant into multiple lines by skipping
    /// the matching logic.
    #[graphql(default_with = "Some(false)")]
    pub force_new_line: Option<bool>,
    /// Custom price of the item.
    pub price: Option<PositiveDecimal>,
}

#[derive(InputObject)]
pub struct OrderLineInput {
    /// Number of variant items ordered.
    pub quantity: i32,
}

#[derive(InputObject)]
pub struct DraftOrderCreateInput {
    /// Billing address of the customer.
    pub billing_address: Option<AddressInput>,
    /// Customer associated with the draft order.
    pub user: Option<ID>,
    /// Email address of the customer.
    pub user_email: Option<String>,
    /// Shipping address of the customer.
    pub shipping_address: Option<AddressInput>,
    /// ID of a selected shipping method.
    pub shipping_method: Option<ID>,
    /// A note from a customer.
    pub customer_note: Option<String>,
    /// ID of the channel associated with the order.
    pub channel_id: Option<ID>,
    /// Variant line input consisting of variant ID and quantity of products.
    pub lines: Option<Vec<OrderLineCreateInput>>,
}

#[derive(InputObject)]
pub struct DraftOrderInput {
    /// Billing address of the customer.
    pub billing_address: Option<AddressInput>,
    /// Customer associated with the draft order.
    pub user: Option<ID>,
    /// Email address of the customer.
    pub user_email: Option<String>,
    /// Shipping address of the customer.
    pub shipping_address: Option<AddressInput>,
    /// ID of a selected shipping method.
    pub shipping_method: Option<ID>,
    /// A note from a customer.
    pub customer_note: Option<String>,
}

crate::payload! {
    /// Creates a new draft order.
    DraftOrderCreate {
        @errors OrderError, legacy order_errors;
        order: Option<OrderNode>,
    }
}

crate::payload! {
    /// Updates a draft order.
    DraftOrderUpdate {
        @errors OrderError, legacy order_errors;
        order: Option<OrderNode>,
    }
}

crate::payload! {
    /// Deletes a draft order.
    DraftOrderDelete {
        @errors OrderError, legacy order_errors;
        order: Option<OrderNode>,
    }
}

crate::payload! {
    /// Completes creating an order.
    DraftOrderComplete {
        /// Completed order.
        order: Option<OrderNode>,
        @errors OrderError, legacy order_errors;
    }
}

crate::payload! {
    /// Create order lines for an order.
    OrderLinesCreate {
        /// Related order.
        order: Option<OrderNode>,
        /// List of added order lines.
        order_lines: Option<Vec<OrderLineNode>>,
        @errors OrderError, legacy order_errors;
    }
}

crate::payload! {
    /// Updates an order line of an order.
    OrderLineUpdate {
        /// Related order.
        order: Option<OrderNode>,
        @errors OrderError, legacy order_errors;
        order_line: Option<OrderLineNode>,
    }
}

crate::payload! {
    /// Deletes an order line from an order.
    OrderLineDelete {
        /// A related order.
        order: Option<OrderNode>,
        /// An order line that was deleted.
        order_line: Option<OrderLineNode>,
        @errors OrderError, legacy order_errors;
    }
}

fn manage<'a>(ctx: &'a Context<'_>) -> Result<(&'a AppState, &'a RequestCtx)> {
    let (state, req) = parts(ctx)?;
    req.require_any(&[Permission::ManageOrders])?;
    Ok((state, req))
}

fn new_lines(lines: Vec<OrderLineCreateInput>) -> Result<Vec<NewLine>> {
    lines
        .into_iter()
        .map(|l| {
            Ok(NewLine {
                variant_id: id::decode::<i32>(&l.variant_id, "ProductVariant")?,
                quantity: l.quantity,
                force_new_line: l.force_new_line.unwrap_or(false),
                price: l.price.map(|p| p.0),
            })
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn draft_input(
    channel_id: Option<ID>,
    user: Option<ID>,
    user_email: Option<String>,
    billing: Option<AddressInput>,
    shipping: Option<AddressInput>,
    method: Option<ID>,
    note: Option<String>,
) -> Result<DraftInput> {
    Ok(DraftInput {
        channel_id: channel_id
            .map(|c| id::decode::<i32>(&c, "Channel"))
            .transpose()?,
        user_id: user.map(|u| id::decode::<i32>(&u, "User")).transpose()?,
        user_email,
        billing_address: billing.map(Into::into),
        shipping_address: shipping.map(Into::into),
        shipping_method_id: method
            .map(|m| id::decode::<i32>(&m, "ShippingMethod"))
            .transpose()?,
        customer_note: note,
    })
}

/// The order line nodes (with variants) of `lines` in `order`.
async fn line_nodes(
    ctx: &Context<'_>,
    order: &entities::shop_order::Model,
    ids: &[i32],
) -> Result<Vec<OrderLineNode>> {
    let all = order_lines(ctx, order).await?;
    Ok(ids
        .iter()
        .filter_map(|i| all.iter().find(|l| l.model.id == *i).cloned())
        .collect())
}

/// Draft order and order line mutations.
#[derive(Default)]
pub struct DraftOrderMutation;

#[Object]
impl DraftOrderMutation {
    /// Creates a new draft order. Requires one of the following permissions: MANAGE_ORDERS.
    async fn draft_order_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fields required to create an order.")] input: DraftOrderCreateInput,
    ) -> Result<Option<DraftOrderCreate>> {
        let (state, req) = manage(ctx)?;
        let lines = new_lines(input.lines.unwrap_or_default())?;
        let di = draft_input(
            input.channel_id,
            input.user,
            input.user_email,
            input.billing_address,
            input.shipping_address,
            input.shipping_method,
            input.customer_note,
        )?;
        let result = service(state)
            .draft_create(&order_actor(req), di, lines)
            .await;
        respond(req, result, |o| DraftOrderCreate {
            order: Some(OrderNode::new(o)),
            ..Default::default()
        })
        .map(Some)
    }

    /// Updates a draft order. Requires one of the following permissions: MANAGE_ORDERS.
    async fn draft_order_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a draft order to update.")] id: Option<ID>,
        #[graphql(desc = "External ID of a draft order to update.")] external_reference: Option<
            String,
        >,
        #[graphql(desc = "Fields required to update an order.")] input: DraftOrderInput,
    ) -> Result<Option<DraftOrderUpdate>> {
        let _ = external_reference;
        let (state, req) = manage(ctx)?;
        let Some(id) = id else {
            return Ok(None);
        };
        let pk = order_pk(&id)?;
        let di = draft_input(
            None,
            input.user,
            input.user_email,
            input.billing_address,
            input.shipping_address,
            input.shipping_method,
            input.customer_note,
        )?;
        let result = service(state)
            .draft_update(&pk, &order_actor(req), di)
            .await;
        respond(req, result, |o| DraftOrderUpdate {
            order: Some(OrderNode::new(o)),
            ..Default::default()
        })
        .map(Some)
    }

    /// Completes creating an order. Requires one of the following permissions: MANAGE_ORDERS.
    async fn draft_order_complete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the order that will be completed.")] id: ID,
    ) -> Result<Option<DraftOrderComplete>> {
        let (state, req) = manage(ctx)?;
        let pk = order_pk(&id)?;
        let result = service(state).draft_complete(&pk, &order_actor(req)).await;
        respond(req, result, |o| DraftOrderComplete {
            order: Some(OrderNode::new(o)),
            ..Default::default()
        })
        .map(Some)
    }

    /// Deletes a draft order. Requires one of the following permissions: MANAGE_ORDERS.
    async fn draft_order_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a product to delete.")] id: Option<ID>,
        #[graphql(desc = "External ID of a product to delete.")] external_reference: Option<String>,
    ) -> Result<Option<DraftOrderDelete>> {
        let _ = external_reference;
        let (state, req) = manage(ctx)?;
        let Some(id) = id else {
            return Ok(None);
        };
        let pk = order_pk(&id)?;
        let result = service(state).draft_delete(&pk, &order_actor(req)).await;
        respond(req, result, |o| DraftOrderDelete {
            order: Some(OrderNode::new(o)),
            ..Default::default()
        })
        .map(Some)
    }

    /// Create order lines for an order. Requires one of the following permissions:
    /// MANAGE_ORDERS.
    async fn order_lines_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the order to add the lines to.")] id: ID,
        #[graphql(desc = "Fields required to add order lines.")] input: Vec<OrderLineCreateInput>,
    ) -> Result<Option<OrderLinesCreate>> {
        let (state, req) = manage(ctx)?;
        let pk = order_pk(&id)?;
        let lines = new_lines(input)?;
        let result = match service(state)
            .lines_create(&pk, &order_actor(req), lines)
            .await
        {
            Ok((o, created)) => {
                let ids: Vec<i32> = created.iter().map(|l| l.id).collect();
                let nodes = line_nodes(ctx, &o, &ids).await?;
                Ok((o, nodes))
            }
            Err(e) => Err(e),
        };
        respond(req, result, |(o, nodes)| OrderLinesCreate {
            order: Some(OrderNode::new(o)),
            order_lines: Some(nodes),
            ..Default::default()
        })
        .map(Some)
    }

    /// Updates an order line of an order. Requires one of the following permissions:
    /// MANAGE_ORDERS.
    async fn order_line_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the order line to update.")] id: ID,
        #[graphql(desc = "Fields required to update an order line.")] input: OrderLineInput,
    ) -> Result<Option<OrderLineUpdate>> {
        let (state, req) = manage(ctx)?;
        let pk = id::decode::<i32>(&id, "OrderLine")?;
        let result = match service(state)
            .line_update(pk, input.quantity, &order_actor(req))
            .await
        {
            Ok((o, Some(line))) => {
                let node = line_nodes(ctx, &o, &[line.id]).await?.into_iter().next();
                Ok((o, node))
            }
            Ok((o, None)) => Ok((o, None)),
            Err(e) => Err(e),
        };
        respond(req, result, |(o, order_line)| OrderLineUpdate {
            order: Some(OrderNode::new(o)),
            order_line,
            ..Default::default()
        })
        .map(Some)
    }

    /// Deletes an order line from an order. Requires one of the following permissions:
    /// MANAGE_ORDERS.
    async fn order_line_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the order line to delete.")] id: ID,
    ) -> Result<Option<OrderLineDelete>> {
        let (state, req) = manage(ctx)?;
        let pk = id::decode::<i32>(&id, "OrderLine")?;
        let result = service(state).line_delete(pk, &order_actor(req)).await;
        respond(req, result, |(o, line)| OrderLineDelete {
            order: Some(OrderNode::new(o)),
            order_line: Some(OrderLineNode::detached(line)),
            ..Default::default()
        })
        .map(Some)
    }
}
