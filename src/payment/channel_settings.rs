//! The channel's payment-related policies as Saleor exposes them: `Channel.orderSettings`
//! (`allowUnpaidOrders`, `markAsPaidStrategy`), `Channel.checkoutSettings`
//! (`automaticallyCompleteFullyPaidCheckouts`), `Channel.paymentSettings`
//! (`defaultTransactionFlowStrategy`), and `channelUpdate` for those settings (a subset of
//! Saleor's `ChannelUpdateInput`; other fields are not supported yet).

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entities::channel;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};

use super::api::TransactionFlowStrategyEnum;
use crate::channel::api::ChannelNode;
use crate::core::{id, permissions::Permission};
use crate::state::parts;

/// Saleor's `MarkAsPaidStrategyEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum MarkAsPaidStrategyEnum {
    TransactionFlow,
    PaymentFlow,
}

/// Channel-specific order settings.
#[derive(SimpleObject, Clone, Debug)]
pub struct OrderSettings {
    /// When disabled, all new orders from checkout will be marked as unconfirmed. When
    /// enabled orders from checkout will become unfulfilled immediately.
    pub automatically_confirm_all_new_orders: bool,
    /// When enabled, all non-shippable gift card orders will be fulfilled automatically.
    pub automatically_fulfill_non_shippable_gift_card: bool,
    /// Determine what strategy will be used to mark the order as paid.
    pub mark_as_paid_strategy: MarkAsPaidStrategyEnum,
    /// Determine if it is possible to place unpaid order by calling `checkoutComplete`
    /// mutation.
    pub allow_unpaid_orders: bool,
    /// Determine if voucher applied on draft order should be count toward voucher usage.
    pub include_draft_order_in_voucher_usage: bool,
    /// Determine if the line-level discounts are propagated the legacy way.
    pub use_legacy_line_discount_propagation: bool,
}

/// Represents the channel-specific checkout settings.
#[derive(SimpleObject, Clone, Debug)]
pub struct CheckoutSettings {
    /// Default `true`. Determines if the checkout mutations should use legacy error flow.
    pub use_legacy_error_flow: bool,
    /// Default `false`. Determines if the paid checkouts should be automatically completed.
    pub automatically_complete_fully_paid_checkouts: bool,
}

/// Channel-specific payment settings.
#[derive(SimpleObject, Clone, Debug)]
pub struct PaymentSettings {
    /// Determine the transaction flow strategy to be used.
    pub default_transaction_flow_strategy: TransactionFlowStrategyEnum,
}

/// `Channel.orderSettings`.
pub fn order_settings(c: &channel::Model) -> OrderSettings {
    OrderSettings {
        automatically_confirm_all_new_orders: c.automatically_confirm_all_new_orders,
        automatically_fulfill_non_shippable_gift_card: false,
        mark_as_paid_strategy: MarkAsPaidStrategyEnum::TransactionFlow,
        allow_unpaid_orders: c.allow_unpaid_orders,
        include_draft_order_in_voucher_usage: false,
        use_legacy_line_discount_propagation: false,
    }
}

/// `Channel.checkoutSettings`.
pub fn checkout_settings(c: &channel::Model) -> CheckoutSettings {
    CheckoutSettings {
        use_legacy_error_flow: true,
        automatically_complete_fully_paid_checkouts: c.automatically_complete_fully_paid_checkouts,
    }
}

/// `Channel.paymentSettings`.
pub fn payment_settings(c: &channel::Model) -> PaymentSettings {
    PaymentSettings {
        default_transaction_flow_strategy: if c.default_transaction_flow == "AUTHORIZATION" {
            TransactionFlowStrategyEnum::Authorization
        } else {
            TransactionFlowStrategyEnum::Charge
        },
    }
}

/// Order settings to change.
#[derive(InputObject, Clone, Debug)]
pub struct OrderSettingsInput {
    /// When disabled, all new orders from checkout will be marked as unconfirmed. When
    /// enabled orders from checkout will become unfulfilled immediately.
    pub automatically_confirm_all_new_orders: Option<bool>,
    /// Determine if it is possible to place unpaid order by calling `checkoutComplete`
    /// mutation.
    pub allow_unpaid_orders: Option<bool>,
    /// Determine what strategy will be used to mark the order as paid (only
    /// `TRANSACTION_FLOW` is supported).
    pub mark_as_paid_strategy: Option<MarkAsPaidStrategyEnum>,
}

/// Checkout settings to change.
#[derive(InputObject, Clone, Debug)]
pub struct CheckoutSettingsInput {
    /// Default `false`. Determines if the paid checkouts should be automatically completed.
    pub automatically_complete_fully_paid_checkouts: Option<bool>,
}

/// Payment settings to change.
#[derive(InputObject, Clone, Debug)]
pub struct PaymentSettingsInput {
    /// Determine the transaction flow strategy to be used.
    pub default_transaction_flow_strategy: Option<TransactionFlowStrategyEnum>,
}

/// Fields of `channelUpdate` (the settings subset).
#[derive(InputObject, Clone, Debug)]
pub struct ChannelUpdateInput {
    /// The channel's order settings.
    pub order_settings: Option<OrderSettingsInput>,
    /// The channel's checkout settings.
    pub checkout_settings: Option<CheckoutSettingsInput>,
    /// The channel's payment settings.
    pub payment_settings: Option<PaymentSettingsInput>,
    /// List of warehouses to assign to the channel.
    pub add_warehouses: Option<Vec<ID>>,
    /// List of warehouses to unassign from the channel.
    pub remove_warehouses: Option<Vec<ID>>,
}

/// Saleor's `ChannelErrorCode`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ChannelErrorCode {
    AlreadyExists,
    GraphqlError,
    Invalid,
    NotFound,
    Required,
    Unique,
    ChannelsCurrencyMustBeTheSame,
    ChannelWithOrders,
    DuplicatedInputItem,
}

/// Saleor's `ChannelError`.
#[derive(SimpleObject, Clone, Debug)]
pub struct ChannelError {
    /// Name of a field that caused the error.
    pub field: Option<String>,
    /// The error message.
    pub message: Option<String>,
    /// The error code.
    pub code: ChannelErrorCode,
    /// List of shipping zone IDs which causes the error.
    pub shipping_zones: Option<Vec<ID>>,
    /// List of warehouses IDs which causes the error.
    pub warehouses: Option<Vec<ID>>,
}

/// Update a channel.
#[derive(SimpleObject, Default)]
pub struct ChannelUpdate {
    /// Errors of the mutation.
    #[graphql(deprecation = "Use `errors` field instead.")]
    pub channel_errors: Vec<ChannelError>,
    /// Errors of the mutation.
    pub errors: Vec<ChannelError>,
    /// The updated channel.
    pub channel: Option<ChannelNode>,
}

/// Channel settings mutations.
#[derive(Default)]
pub struct ChannelSettingsMutation;

#[Object]
impl ChannelSettingsMutation {
    /// Update a channel (order, checkout and payment settings). Requires one of the
    /// following permissions: MANAGE_CHANNELS.
    async fn channel_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a channel to update.")] id: ID,
        #[graphql(desc = "Fields required to update a channel.")] input: ChannelUpdateInput,
    ) -> Result<Option<ChannelUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageChannels])?;
        let pk = id::decode::<i32>(&id, "Channel")?;
        let Some(row) = channel::Entity::find_by_id(pk)
            .one(&state.db.conn)
            .await
            .map_err(|e| req.internal(e))?
        else {
            let e = ChannelError {
                field: Some("id".to_owned()),
                message: Some("Couldn't resolve to a node: the channel.".to_owned()),
                code: ChannelErrorCode::NotFound,
                shipping_zones: None,
                warehouses: None,
            };
            return Ok(Some(ChannelUpdate {
                channel_errors: vec![e.clone()],
                errors: vec![e],
                channel: None,
            }));
        };
        let fail = |field: &str, message: String, code, warehouses| {
            let e = ChannelError {
                field: Some(field.to_owned()),
                message: Some(message),
                code,
                shipping_zones: None,
                warehouses,
            };
            Ok(Some(ChannelUpdate {
                channel_errors: vec![e.clone()],
                errors: vec![e],
                channel: None,
            }))
        };
        let decode_all = |ids: &Option<Vec<ID>>| {
            ids.iter()
                .flatten()
                .map(|i| id::decode::<i32>(i, "Warehouse"))
                .collect::<Result<Vec<i32>>>()
        };
        let (add, remove) = (
            decode_all(&input.add_warehouses)?,
            decode_all(&input.remove_warehouses)?,
        );
        if let Some(both) = add.iter().find(|a| remove.contains(a)) {
            return fail(
                "addWarehouses",
                "The same object cannot be in both lists for adding and removing items.".to_owned(),
                ChannelErrorCode::DuplicatedInputItem,
                Some(vec![id::encode("Warehouse", both)]),
            );
        }
        let txn = crate::db::begin_write(&state.db.conn)
            .await
            .map_err(|e| req.internal(e))?;
        let relinked = crate::catalog::warehouse::relink_channel(&txn, pk, &add, &remove)
            .await
            .map_err(|e| req.internal(e))?;
        if let Err(missing) = relinked {
            return fail(
                "addWarehouses",
                "Couldn't resolve to a node: the warehouse.".to_owned(),
                ChannelErrorCode::NotFound,
                Some(missing.iter().map(|w| id::encode("Warehouse", w)).collect()),
            );
        }
        let mut am = row.into_active_model();
        if let Some(o) = input.order_settings {
            if let Some(v) = o.automatically_confirm_all_new_orders {
                am.automatically_confirm_all_new_orders = Set(v);
            }
            if let Some(v) = o.allow_unpaid_orders {
                am.allow_unpaid_orders = Set(v);
            }
            if o.mark_as_paid_strategy == Some(MarkAsPaidStrategyEnum::PaymentFlow) {
                let e = ChannelError {
                    field: Some("markAsPaidStrategy".to_owned()),
                    message: Some("Only TRANSACTION_FLOW is supported.".to_owned()),
                    code: ChannelErrorCode::Invalid,
                    shipping_zones: None,
                    warehouses: None,
                };
                return Ok(Some(ChannelUpdate {
                    channel_errors: vec![e.clone()],
                    errors: vec![e],
                    channel: None,
                }));
            }
        }
        if let Some(v) = input
            .checkout_settings
            .and_then(|c| c.automatically_complete_fully_paid_checkouts)
        {
            am.automatically_complete_fully_paid_checkouts = Set(v);
        }
        if let Some(v) = input
            .payment_settings
            .and_then(|p| p.default_transaction_flow_strategy)
        {
            am.default_transaction_flow = Set(match v {
                TransactionFlowStrategyEnum::Authorization => "AUTHORIZATION",
                TransactionFlowStrategyEnum::Charge => "CHARGE",
            }
            .to_owned());
        }
        let updated = am.update(&txn).await.map_err(|e| req.internal(e))?;
        txn.commit().await.map_err(|e| req.internal(e))?;
        Ok(Some(ChannelUpdate {
            channel: Some(ChannelNode::from(updated)),
            ..Default::default()
        }))
    }
}
