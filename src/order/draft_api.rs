//! GraphQL of draft orders and order line editing: `draftOrderCreate/Update/Complete/
//! Delete`, `orderLinesCreate`, `orderLineUpdate`, `orderLineDelete` (MANAGE_ORDERS).

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::account::api::AddressInput;
use crate::catalog::api::mutations::PositiveDecimal;
use crate::core::{context::RequestCtx, id, permissions::Permission};
use crate::state::AppState;
use crate::state::parts;

use super::api::{OrderLineNode, OrderNode, order_lines};
use super::draft::{DraftInput, NewLine};
use super::workflow_api::{OrderErrorNode, order_actor, order_pk, service, split};

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

/// Creates a new draft order.
#[derive(SimpleObject)]
pub struct DraftOrderCreate {
    #[graphql(deprecation = "Use `errors` field instead.")]
    pub order_errors: Vec<OrderErrorNode>,
    pub errors: Vec<OrderErrorNode>,
    pub order: Option<OrderNode>,
}

/// Updates a draft order.
#[derive(SimpleObject)]
pub struct DraftOrderUpdate {
    #[graphql(deprecation = "Use `errors` field instead.")]
    pub order_errors: Vec<OrderErrorNode>,
    pub errors: Vec<OrderErrorNode>,
    pub order: Option<OrderNode>,
}

/// Deletes a draft order.
#[derive(SimpleObject)]
pub struct DraftOrderDelete {
    #[graphql(deprecation = "Use `errors` field instead.")]
    pub order_errors: Vec<OrderErrorNode>,
    pub errors: Vec<OrderErrorNode>,
    pub order: Option<OrderNode>,
}

/// Completes creating an order.
#[derive(SimpleObject)]
pub struct DraftOrderComplete {
    /// Completed order.
    pub order: Option<OrderNode>,
    #[graphql(deprecation = "Use `errors` field instead.")]
    pub order_errors: Vec<OrderErrorNode>,
    pub errors: Vec<OrderErrorNode>,
}

/// Create order lines for an order.
#[derive(SimpleObject)]
pub struct OrderLinesCreate {
    /// Related order.
    pub order: Option<OrderNode>,
    /// List of added order lines.
    pub order_lines: Option<Vec<OrderLineNode>>,
    #[graphql(deprecation = "Use `errors` field instead.")]
    pub order_errors: Vec<OrderErrorNode>,
    pub errors: Vec<OrderErrorNode>,
}

/// Updates an order line of an order.
#[derive(SimpleObject)]
pub struct OrderLineUpdate {
    /// Related order.
    pub order: Option<OrderNode>,
    #[graphql(deprecation = "Use `errors` field instead.")]
    pub order_errors: Vec<OrderErrorNode>,
    pub errors: Vec<OrderErrorNode>,
    pub order_line: Option<OrderLineNode>,
}

/// Deletes an order line from an order.
#[derive(SimpleObject)]
pub struct OrderLineDelete {
    /// A related order.
    pub order: Option<OrderNode>,
    /// An order line that was deleted.
    pub order_line: Option<OrderLineNode>,
    #[graphql(deprecation = "Use `errors` field instead.")]
    pub order_errors: Vec<OrderErrorNode>,
    pub errors: Vec<OrderErrorNode>,
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
        let (order, errors) = split(
            req,
            service(state)
                .draft_create(&order_actor(req), di, lines)
                .await,
        )?;
        Ok(Some(DraftOrderCreate {
            order_errors: errors.clone(),
            errors,
            order: order.map(OrderNode::new),
        }))
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
        let (order, errors) = split(
            req,
            service(state)
                .draft_update(&pk, &order_actor(req), di)
                .await,
        )?;
        Ok(Some(DraftOrderUpdate {
            order_errors: errors.clone(),
            errors,
            order: order.map(OrderNode::new),
        }))
    }

    /// Completes creating an order. Requires one of the following permissions: MANAGE_ORDERS.
    async fn draft_order_complete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the order that will be completed.")] id: ID,
    ) -> Result<Option<DraftOrderComplete>> {
        let (state, req) = manage(ctx)?;
        let pk = order_pk(&id)?;
        let (order, errors) = split(
            req,
            service(state).draft_complete(&pk, &order_actor(req)).await,
        )?;
        Ok(Some(DraftOrderComplete {
            order: order.map(OrderNode::new),
            order_errors: errors.clone(),
            errors,
        }))
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
        let (order, errors) = split(
            req,
            service(state).draft_delete(&pk, &order_actor(req)).await,
        )?;
        Ok(Some(DraftOrderDelete {
            order_errors: errors.clone(),
            errors,
            order: order.map(OrderNode::new),
        }))
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
        let (done, errors) = split(
            req,
            service(state)
                .lines_create(&pk, &order_actor(req), lines)
                .await,
        )?;
        let (order, order_lines) = match done {
            Some((o, ls)) => {
                let ids: Vec<i32> = ls.iter().map(|l| l.id).collect();
                let nodes = line_nodes(ctx, &o, &ids).await?;
                (Some(OrderNode::new(o)), Some(nodes))
            }
            None => (None, None),
        };
        Ok(Some(OrderLinesCreate {
            order,
            order_lines,
            order_errors: errors.clone(),
            errors,
        }))
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
        let (done, errors) = split(
            req,
            service(state)
                .line_update(pk, input.quantity, &order_actor(req))
                .await,
        )?;
        let (order, order_line) = match done {
            Some((o, line)) => {
                let node = match line {
                    Some(l) => line_nodes(ctx, &o, &[l.id]).await?.into_iter().next(),
                    None => None,
                };
                (Some(OrderNode::new(o)), node)
            }
            None => (None, None),
        };
        Ok(Some(OrderLineUpdate {
            order,
            order_errors: errors.clone(),
            errors,
            order_line,
        }))
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
        let (done, errors) = split(req, service(state).line_delete(pk, &order_actor(req)).await)?;
        let (order, order_line) = match done {
            Some((o, line)) => (Some(OrderNode::new(o)), Some(OrderLineNode::detached(line))),
            None => (None, None),
        };
        Ok(Some(OrderLineDelete {
            order,
            order_line,
            order_errors: errors.clone(),
            errors,
        }))
    }
}
