//! Saleor's transaction API (`paymentGatewayInitialize`, `transactionInitialize`,
//! `transactionProcess`, `transactionRequestAction`, `transactionCreate/Update/EventReport`,
//! `orderMarkAsPaid`, `transaction`), the payment fields of checkouts, orders and the shop,
//! and our own staff configuration of gateways per channel (`paymentGatewayConfigure`,
//! `paymentGatewayConfigs`). Thin: arguments in, [`PaymentService`] call, payload out.
//!
//! [`PaymentService`]: super::PaymentService

use async_graphql::{
    ComplexObject, Context, Enum, ID, InputObject, Json, Object, Result, SimpleObject, Union,
};
use entities::{app, payment_transaction as tx, payment_transaction_event as tx_event};
use sea_orm::EntityTrait;
use serde_json::Value;

use super::gateway::{EventKind, Flow};
use super::service::{
    self, Action, Actor, AuthorizeStatus, ChargeStatus, Code, ConfigView, Failure, Owner,
    PaymentError, Sums, TxResult,
};
use crate::account::api::UserNode;
use crate::account::app_api::AppNode;
use crate::catalog::api::common::Money;
use crate::catalog::api::mutations::PositiveDecimal;
use crate::checkout::api::{CheckoutNode, GatewayConfigLine, PaymentGateway};
use crate::core::metadata::{self, MetadataInput};
use crate::core::{context::RequestCtx, id, permissions::Permission};
use crate::loaders::loaders;
use crate::metadata::api::{HasMetadata, MetadataFields};
use crate::order::api::OrderNode;
use crate::state::AppState;
use crate::state::parts;

// ------------------------------------------------------------------------ enums

/// Saleor's `TransactionEventTypeEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TransactionEventTypeEnum {
    AuthorizationSuccess,
    AuthorizationFailure,
    AuthorizationAdjustment,
    AuthorizationRequest,
    AuthorizationActionRequired,
    ChargeActionRequired,
    ChargeSuccess,
    ChargeFailure,
    ChargeBack,
    ChargeRequest,
    RefundSuccess,
    RefundFailure,
    RefundReverse,
    RefundRequest,
    CancelSuccess,
    CancelFailure,
    CancelRequest,
    Info,
}

impl TransactionEventTypeEnum {
    fn kind(self) -> EventKind {
        use EventKind as K;
        match self {
            Self::AuthorizationSuccess => K::AuthorizationSuccess,
            Self::AuthorizationFailure => K::AuthorizationFailure,
            Self::AuthorizationAdjustment => K::AuthorizationAdjustment,
            Self::AuthorizationRequest => K::AuthorizationRequest,
            Self::AuthorizationActionRequired => K::AuthorizationActionRequired,
            Self::ChargeActionRequired => K::ChargeActionRequired,
            Self::ChargeSuccess => K::ChargeSuccess,
            Self::ChargeFailure => K::ChargeFailure,
            Self::ChargeBack => K::ChargeBack,
            Self::ChargeRequest => K::ChargeRequest,
            Self::RefundSuccess => K::RefundSuccess,
            Self::RefundFailure => K::RefundFailure,
            Self::RefundReverse => K::RefundReverse,
            Self::RefundRequest => K::RefundRequest,
            Self::CancelSuccess => K::CancelSuccess,
            Self::CancelFailure => K::CancelFailure,
            Self::CancelRequest => K::CancelRequest,
            Self::Info => K::Info,
        }
    }

    fn parse(name: &str) -> Option<Self> {
        let kind = service::parse_kind(name)?;
        Self::ALL.iter().copied().find(|t| t.kind() == kind)
    }

    const ALL: [Self; 18] = [
        Self::AuthorizationSuccess,
        Self::AuthorizationFailure,
        Self::AuthorizationAdjustment,
        Self::AuthorizationRequest,
        Self::AuthorizationActionRequired,
        Self::ChargeActionRequired,
        Self::ChargeSuccess,
        Self::ChargeFailure,
        Self::ChargeBack,
        Self::ChargeRequest,
        Self::RefundSuccess,
        Self::RefundFailure,
        Self::RefundReverse,
        Self::RefundRequest,
        Self::CancelSuccess,
        Self::CancelFailure,
        Self::CancelRequest,
        Self::Info,
    ];
}

/// Saleor's `TransactionActionEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TransactionActionEnum {
    Charge,
    Refund,
    Cancel,
}

impl TransactionActionEnum {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "CHARGE" => Some(Self::Charge),
            "REFUND" => Some(Self::Refund),
            "CANCEL" => Some(Self::Cancel),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Charge => "CHARGE",
            Self::Refund => "REFUND",
            Self::Cancel => "CANCEL",
        }
    }
}

/// Saleor's `TransactionFlowStrategyEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TransactionFlowStrategyEnum {
    Authorization,
    Charge,
}

macro_rules! error_types {
    ($($name:ident, $gql:literal, $code:ident { $($variant:ident),* $(,)? }, $map:expr;)*) => {
        $(
            /// Saleor's error code enum.
            #[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
            pub enum $code { $($variant),* }

            /// Saleor's error object.
            #[derive(SimpleObject, Clone, Debug)]
            #[graphql(name = $gql)]
            pub struct $name {
                /// Name of a field that caused the error. A value of `null` indicates that the
                /// error isn't associated with a particular field.
                pub field: Option<String>,
                /// The error message.
                pub message: Option<String>,
                /// The error code.
                pub code: $code,
            }

            impl From<Failure> for $name {
                fn from(f: Failure) -> Self {
                    #[allow(clippy::redundant_closure_call)]
                    let code = ($map)(f.code);
                    Self { field: f.field, message: Some(f.message), code }
                }
            }
        )*
    };
}

error_types! {
    PaymentGatewayInitializeError, "PaymentGatewayInitializeError",
    PaymentGatewayInitializeErrorCode { GraphqlError, Invalid, NotFound },
    |c| match c { Code::NotFound => PaymentGatewayInitializeErrorCode::NotFound, _ => PaymentGatewayInitializeErrorCode::Invalid };

    PaymentGatewayConfigError, "PaymentGatewayConfigError",
    PaymentGatewayConfigErrorCode { GraphqlError, Invalid, NotFound },
    |c| match c { Code::NotFound => PaymentGatewayConfigErrorCode::NotFound, _ => PaymentGatewayConfigErrorCode::Invalid };

    TransactionInitializeError, "TransactionInitializeError",
    TransactionInitializeErrorCode { GraphqlError, Invalid, NotFound, Unique, CheckoutCompletionInProgress },
    |c| match c {
        Code::NotFound => TransactionInitializeErrorCode::NotFound,
        Code::Unique => TransactionInitializeErrorCode::Unique,
        Code::CheckoutCompletionInProgress => TransactionInitializeErrorCode::CheckoutCompletionInProgress,
        _ => TransactionInitializeErrorCode::Invalid,
    };

    TransactionProcessError, "TransactionProcessError",
    TransactionProcessErrorCode { GraphqlError, Invalid, NotFound, TransactionAlreadyProcessed, MissingPaymentAppRelation, MissingPaymentApp, CheckoutCompletionInProgress },
    |c| match c {
        Code::NotFound => TransactionProcessErrorCode::NotFound,
        Code::MissingPaymentApp => TransactionProcessErrorCode::MissingPaymentApp,
        Code::CheckoutCompletionInProgress => TransactionProcessErrorCode::CheckoutCompletionInProgress,
        _ => TransactionProcessErrorCode::Invalid,
    };

    TransactionRequestActionError, "TransactionRequestActionError",
    TransactionRequestActionErrorCode { Invalid, Required, GraphqlError, NotFound, MissingTransactionActionRequestWebhook },
    |c| match c {
        Code::NotFound => TransactionRequestActionErrorCode::NotFound,
        Code::Required => TransactionRequestActionErrorCode::Required,
        Code::MissingActionWebhook => TransactionRequestActionErrorCode::MissingTransactionActionRequestWebhook,
        _ => TransactionRequestActionErrorCode::Invalid,
    };

    TransactionCreateError, "TransactionCreateError",
    TransactionCreateErrorCode { Invalid, GraphqlError, NotFound, IncorrectCurrency, MetadataKeyRequired, Unique },
    |c| match c {
        Code::NotFound => TransactionCreateErrorCode::NotFound,
        Code::IncorrectCurrency => TransactionCreateErrorCode::IncorrectCurrency,
        Code::Unique => TransactionCreateErrorCode::Unique,
        _ => TransactionCreateErrorCode::Invalid,
    };

    TransactionUpdateError, "TransactionUpdateError",
    TransactionUpdateErrorCode { Invalid, GraphqlError, NotFound, IncorrectCurrency, MetadataKeyRequired, Unique },
    |c| match c {
        Code::NotFound => TransactionUpdateErrorCode::NotFound,
        Code::IncorrectCurrency => TransactionUpdateErrorCode::IncorrectCurrency,
        Code::Unique => TransactionUpdateErrorCode::Unique,
        _ => TransactionUpdateErrorCode::Invalid,
    };

    TransactionEventReportError, "TransactionEventReportError",
    TransactionEventReportErrorCode { Invalid, GraphqlError, NotFound, IncorrectDetails, AlreadyExists, Required },
    |c| match c {
        Code::NotFound => TransactionEventReportErrorCode::NotFound,
        Code::IncorrectDetails => TransactionEventReportErrorCode::IncorrectDetails,
        Code::Required => TransactionEventReportErrorCode::Required,
        _ => TransactionEventReportErrorCode::Invalid,
    };

    PaymentGatewayConfigureError, "PaymentGatewayConfigureError",
    PaymentGatewayConfigureErrorCode { Invalid, NotFound, Required },
    |c| match c {
        Code::NotFound => PaymentGatewayConfigureErrorCode::NotFound,
        Code::Required => PaymentGatewayConfigureErrorCode::Required,
        _ => PaymentGatewayConfigureErrorCode::Invalid,
    };
}

use crate::order::{error::OrderErrorCode, workflow_api::OrderError};

impl From<Failure> for OrderError {
    fn from(f: Failure) -> Self {
        Self {
            field: f.field,
            message: Some(f.message),
            code: match f.code {
                Code::NotFound => OrderErrorCode::NotFound,
                _ => OrderErrorCode::Invalid,
            },
            warehouse: None,
            order_lines: None,
            variants: None,
            address_type: None,
        }
    }
}

/// Failures become payload errors; internal failures become a top-level error.
fn split<T, E: From<Failure>>(
    req: &RequestCtx,
    r: Result<T, PaymentError>,
) -> Result<Result<T, Vec<E>>> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(PaymentError::Invalid(f)) => Ok(Err(vec![E::from(f)])),
        Err(PaymentError::Internal(e)) => Err(req.internal(e)),
    }
}

fn actor(req: &RequestCtx) -> Actor {
    Actor {
        user_id: req.user().map(|u| u.id),
        app_id: req.app().map(|a| a.id),
        requestor: req.requestor_id(),
    }
}

// ------------------------------------------------------------------------ objects

/// Represents a payment transaction.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "TransactionItem")]
pub struct TransactionItemNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub model: tx::Model,
}

impl From<tx::Model> for TransactionItemNode {
    fn from(model: tx::Model) -> Self {
        Self {
            meta: MetadataFields::new(&model.metadata, &model.private_metadata),
            model,
        }
    }
}

impl HasMetadata for TransactionItemNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

impl TransactionItemNode {
    fn money(&self, minor: i64) -> Money {
        Money::from_minor(minor, &self.model.currency)
    }
}

/// The user or app that created something.
#[derive(Union, Clone)]
pub enum UserOrApp {
    User(Box<UserNode>),
    App(Box<AppNode>),
}

async fn created_by(
    ctx: &Context<'_>,
    user_id: Option<i32>,
    app_id: Option<i32>,
) -> Result<Option<UserOrApp>> {
    let (state, req) = parts(ctx)?;
    if !req.is_staff_or_app() {
        return Ok(None);
    }
    if let Some(uid) = user_id {
        return Ok(state
            .accounts
            .user(uid)
            .await
            .map_err(|e| req.internal(e))?
            .map(|u| UserOrApp::User(Box::new(UserNode::from(u)))));
    }
    if let Some(aid) = app_id {
        return Ok(app::Entity::find_by_id(aid)
            .one(&state.db.conn)
            .await
            .map_err(|e| req.internal(e))?
            .map(|a| UserOrApp::App(Box::new(AppNode::from(a)))));
    }
    Ok(None)
}

#[ComplexObject]
impl TransactionItemNode {
    /// ID of the transaction.
    async fn id(&self) -> ID {
        id::encode("TransactionItem", &self.model.token)
    }
    /// The transaction token.
    async fn token(&self) -> uuid::Uuid {
        uuid::Uuid::parse_str(&self.model.token).unwrap_or_default()
    }
    /// Date and time at which payment transaction was created.
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.model.created_at
    }
    /// Date and time at which payment transaction was modified.
    async fn modified_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.model.modified_at
    }
    /// List of actions that can be performed in the current state of a payment.
    async fn actions(&self) -> Vec<TransactionActionEnum> {
        self.model
            .available_actions
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .filter_map(TransactionActionEnum::parse)
                    .collect()
            })
            .unwrap_or_default()
    }
    /// Total amount authorized for this payment.
    async fn authorized_amount(&self) -> Money {
        self.money(self.model.authorized)
    }
    /// Total amount of ongoing authorization requests for the transaction.
    async fn authorize_pending_amount(&self) -> Money {
        self.money(self.model.authorize_pending)
    }
    /// Total amount refunded for this payment.
    async fn refunded_amount(&self) -> Money {
        self.money(self.model.refunded)
    }
    /// Total amount of ongoing refund requests for the transaction.
    async fn refund_pending_amount(&self) -> Money {
        self.money(self.model.refund_pending)
    }
    /// Total amount canceled for this payment.
    async fn canceled_amount(&self) -> Money {
        self.money(self.model.canceled)
    }
    /// Total amount of ongoing cancel requests for the transaction.
    async fn cancel_pending_amount(&self) -> Money {
        self.money(self.model.cancel_pending)
    }
    /// Total amount charged for this payment.
    async fn charged_amount(&self) -> Money {
        self.money(self.model.charged)
    }
    /// Total amount of ongoing charge requests for the transaction.
    async fn charge_pending_amount(&self) -> Money {
        self.money(self.model.charge_pending)
    }
    /// Name of the transaction.
    async fn name(&self) -> &str {
        &self.model.name
    }
    /// Message related to the transaction.
    async fn message(&self) -> &str {
        &self.model.message
    }
    /// PSP reference of transaction.
    async fn psp_reference(&self) -> &str {
        &self.model.psp_reference
    }
    /// The related order.
    async fn order(&self, ctx: &Context<'_>) -> Result<Option<OrderNode>> {
        let Some(order_id) = &self.model.order_id else {
            return Ok(None);
        };
        let (state, req) = parts(ctx)?;
        Ok(entities::shop_order::Entity::find_by_id(order_id.clone())
            .one(&state.db.conn)
            .await
            .map_err(|e| req.internal(e))?
            .map(OrderNode::new))
    }
    /// The related checkout.
    async fn checkout(&self, ctx: &Context<'_>) -> Result<Option<CheckoutNode>> {
        if self.model.order_id.is_some() {
            return Ok(None);
        }
        let Some(token) = &self.model.checkout_token else {
            return Ok(None);
        };
        let (state, req) = parts(ctx)?;
        Ok(entities::checkout::Entity::find_by_id(token.clone())
            .one(&state.db.conn)
            .await
            .map_err(|e| req.internal(e))?
            .map(CheckoutNode::new))
    }
    /// List of all transaction's events.
    async fn events(&self, ctx: &Context<'_>) -> Result<Vec<TransactionEventNode>> {
        let (_, req) = parts(ctx)?;
        Ok(loaders(ctx)?
            .payment
            .events
            .load_one(self.model.id)
            .await
            .map_err(|e| req.internal(e))?
            .unwrap_or_default()
            .into_iter()
            .map(TransactionEventNode)
            .collect())
    }
    /// User or App that created the transaction.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<UserOrApp>> {
        created_by(ctx, self.model.user_id, self.model.app_id).await
    }
    /// The url that will allow to redirect user to payment provider page with transaction
    /// details.
    async fn external_url(&self) -> &str {
        &self.model.external_url
    }
}

/// Represents transaction's event.
#[derive(Clone)]
pub struct TransactionEventNode(pub tx_event::Model);

#[Object(name = "TransactionEvent")]
impl TransactionEventNode {
    /// The ID of the object.
    async fn id(&self) -> ID {
        id::encode("TransactionEvent", self.0.id)
    }
    /// Date and time at which a transaction event was created.
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.created_at
    }
    /// PSP reference of transaction.
    async fn psp_reference(&self) -> &str {
        &self.0.psp_reference
    }
    /// Message related to the transaction's event.
    async fn message(&self) -> &str {
        &self.0.message
    }
    /// The url that will allow to redirect user to payment provider page with transaction
    /// event details.
    async fn external_url(&self) -> &str {
        &self.0.external_url
    }
    /// The amount related to this event.
    async fn amount(&self) -> Money {
        Money::from_minor(self.0.amount, &self.0.currency)
    }
    /// The type of action related to this event.
    async fn r#type(&self) -> Option<TransactionEventTypeEnum> {
        TransactionEventTypeEnum::parse(&self.0.kind)
    }
    /// User or App that created the transaction event.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<UserOrApp>> {
        created_by(ctx, self.0.user_id, self.0.app_id).await
    }
    /// Idempotency key assigned to the event.
    async fn idempotency_key(&self) -> Option<&str> {
        self.0.idempotency_key.as_deref()
    }
}

// ------------------------------------------------------------------------ payloads

/// Configuration of a payment gateway for the storefront.
#[derive(SimpleObject)]
pub struct PaymentGatewayConfig {
    /// The app identifier.
    pub id: String,
    /// The JSON data required to initialize the payment gateway.
    pub data: Option<Json<Value>>,
    /// List of errors.
    pub errors: Option<Vec<PaymentGatewayConfigError>>,
}

/// Initializes payment gateways.
#[derive(SimpleObject, Default)]
pub struct PaymentGatewayInitialize {
    /// List of payment gateway configurations.
    pub gateway_configs: Option<Vec<PaymentGatewayConfig>>,
    /// Errors of the mutation.
    pub errors: Vec<PaymentGatewayInitializeError>,
}

macro_rules! tx_payload {
    ($name:ident, $err:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(SimpleObject, Default)]
        pub struct $name {
            /// The transaction.
            pub transaction: Option<TransactionItemNode>,
            /// The event created for the transaction.
            pub transaction_event: Option<TransactionEventNode>,
            /// The JSON data required to finalize the payment.
            pub data: Option<Json<Value>>,
            /// Errors of the mutation.
            pub errors: Vec<$err>,
        }

        impl $name {
            fn of(r: TxResult) -> Self {
                Self {
                    transaction: r.transaction.map(TransactionItemNode::from),
                    transaction_event: r.event.map(TransactionEventNode),
                    data: r.data.map(Json),
                    errors: r.failure.map(|f| vec![$err::from(f)]).unwrap_or_default(),
                }
            }
        }
    };
}

tx_payload!(
    TransactionInitialize,
    TransactionInitializeError,
    "Initializes a transaction session."
);
tx_payload!(
    TransactionProcess,
    TransactionProcessError,
    "Processes a transaction session."
);

/// Request an action for a payment transaction.
#[derive(SimpleObject, Default)]
pub struct TransactionRequestAction {
    /// The transaction.
    pub transaction: Option<TransactionItemNode>,
    /// Errors of the mutation.
    pub errors: Vec<TransactionRequestActionError>,
}

/// Create transaction for checkout or order.
#[derive(SimpleObject, Default)]
pub struct TransactionCreate {
    /// The transaction.
    pub transaction: Option<TransactionItemNode>,
    /// Errors of the mutation.
    pub errors: Vec<TransactionCreateError>,
}

/// Update transaction.
#[derive(SimpleObject, Default)]
pub struct TransactionUpdate {
    /// The transaction.
    pub transaction: Option<TransactionItemNode>,
    /// Errors of the mutation.
    pub errors: Vec<TransactionUpdateError>,
}

/// Report the event for the transaction.
#[derive(SimpleObject, Default)]
pub struct TransactionEventReport {
    /// Defines if the reported event hasn't been processed earlier.
    pub already_processed: Option<bool>,
    /// The transaction related to the reported event.
    pub transaction: Option<TransactionItemNode>,
    /// The event assigned to this report.
    pub transaction_event: Option<TransactionEventNode>,
    /// Errors of the mutation.
    pub errors: Vec<TransactionEventReportError>,
}

/// Mark order as manually paid.
#[derive(SimpleObject, Default)]
pub struct OrderMarkAsPaid {
    /// Order marked as paid.
    pub order: Option<OrderNode>,
    /// Errors of the mutation.
    #[graphql(deprecation = "Use `errors` field instead.")]
    pub order_errors: Vec<OrderError>,
    /// Errors of the mutation.
    pub errors: Vec<OrderError>,
}

// ------------------------------------------------------------------------ inputs

/// A gateway to initialize, with its data.
#[derive(InputObject, Clone, Debug)]
pub struct PaymentGatewayToInitialize {
    /// The identifier of the payment gateway app to initialize.
    pub id: String,
    /// The data that will be passed to the payment gateway.
    pub data: Option<Json<Value>>,
}

/// Money: an amount and its currency.
#[derive(InputObject, Clone, Debug)]
pub struct MoneyInput {
    /// Currency code.
    pub currency: String,
    /// Amount of money.
    pub amount: PositiveDecimal,
}

/// Details of a card payment method.
#[derive(InputObject, Clone, Debug)]
pub struct CardPaymentMethodDetailsInput {
    /// Name of the payment method used for the transaction.
    pub name: String,
    /// Brand of the payment method used for the transaction.
    pub brand: Option<String>,
    /// First digits of the card used for the transaction.
    pub first_digits: Option<String>,
    /// Last digits of the card used for the transaction.
    pub last_digits: Option<String>,
    /// Expiration month of the card used for the transaction.
    pub exp_month: Option<i32>,
    /// Expiration year of the card used for the transaction.
    pub exp_year: Option<i32>,
}

/// Details of another payment method.
#[derive(InputObject, Clone, Debug)]
pub struct OtherPaymentMethodDetailsInput {
    /// Name of the payment method used for the transaction.
    pub name: String,
}

/// Details of a gift card payment method.
#[derive(InputObject, Clone, Debug)]
pub struct GiftCardPaymentMethodDetailsInput {
    /// Name of the payment method used for the transaction.
    pub name: String,
    /// Brand of the gift card.
    pub brand: Option<String>,
    /// Last characters of the gift card.
    pub last_chars: Option<String>,
}

/// Details of the payment method used for the transaction (accepted, not stored yet).
#[derive(InputObject, Clone, Debug)]
pub struct PaymentMethodDetailsInput {
    /// Details of the card payment method used for the transaction.
    pub card: Option<CardPaymentMethodDetailsInput>,
    /// Details of the non-card payment method used for this transaction.
    pub other: Option<OtherPaymentMethodDetailsInput>,
    /// Details of the gift card payment method used for this transaction.
    pub gift_card: Option<GiftCardPaymentMethodDetailsInput>,
}

/// Fields of a new transaction.
#[derive(InputObject, Clone, Debug)]
pub struct TransactionCreateInput {
    /// Payment name of the transaction.
    pub name: Option<String>,
    /// The message of the transaction.
    pub message: Option<String>,
    /// PSP Reference of the transaction.
    pub psp_reference: Option<String>,
    /// List of all possible actions for the transaction.
    pub available_actions: Option<Vec<TransactionActionEnum>>,
    /// Amount authorized by this transaction.
    pub amount_authorized: Option<MoneyInput>,
    /// Amount charged by this transaction.
    pub amount_charged: Option<MoneyInput>,
    /// Amount refunded by this transaction.
    pub amount_refunded: Option<MoneyInput>,
    /// Amount canceled by this transaction.
    pub amount_canceled: Option<MoneyInput>,
    /// Payment public metadata.
    pub metadata: Option<Vec<MetadataInput>>,
    /// Payment private metadata.
    pub private_metadata: Option<Vec<MetadataInput>>,
    /// The url that will allow to redirect user to payment provider page with transaction
    /// event details.
    pub external_url: Option<String>,
    /// Details of the payment method used for the transaction.
    pub payment_method_details: Option<PaymentMethodDetailsInput>,
}

/// Fields to update on a transaction.
#[derive(InputObject, Clone, Debug)]
pub struct TransactionUpdateInput {
    /// Payment name of the transaction.
    pub name: Option<String>,
    /// The message of the transaction.
    pub message: Option<String>,
    /// PSP Reference of the transaction.
    pub psp_reference: Option<String>,
    /// List of all possible actions for the transaction.
    pub available_actions: Option<Vec<TransactionActionEnum>>,
    /// Amount authorized by this transaction.
    pub amount_authorized: Option<MoneyInput>,
    /// Amount charged by this transaction.
    pub amount_charged: Option<MoneyInput>,
    /// Amount refunded by this transaction.
    pub amount_refunded: Option<MoneyInput>,
    /// Amount canceled by this transaction.
    pub amount_canceled: Option<MoneyInput>,
    /// Payment public metadata.
    pub metadata: Option<Vec<MetadataInput>>,
    /// Payment private metadata.
    pub private_metadata: Option<Vec<MetadataInput>>,
    /// The url that will allow to redirect user to payment provider page with transaction
    /// event details.
    pub external_url: Option<String>,
    /// Details of the payment method used for the transaction.
    pub payment_method_details: Option<PaymentMethodDetailsInput>,
}

/// An event to record with the transaction.
#[derive(InputObject, Clone, Debug)]
pub struct TransactionEventInput {
    /// PSP Reference related to this action.
    pub psp_reference: Option<String>,
    /// Message related to the transaction's event.
    pub message: Option<String>,
}

// ------------------------------------------------------------------------ staff config

/// A secret of a gateway configuration, masked (our addition).
#[derive(SimpleObject, Clone, Debug)]
pub struct PaymentGatewaySecret {
    /// Name of the secret (e.g. `secret_key`).
    pub name: String,
    /// The last characters only, e.g. `••••1234`.
    pub masked_value: String,
}

/// A payment gateway's configuration for one channel (our addition; secrets masked).
#[derive(SimpleObject, Clone, Debug)]
pub struct PaymentGatewayChannelConfig {
    /// The gateway's API id (`PaymentGateway.id`, e.g. `app.saleor.stripe`).
    pub id: String,
    /// The gateway's key, used in `paymentGatewayConfigure` and the webhook URL
    /// (`/payments/{key}/webhook`).
    pub key: String,
    /// Display name.
    pub name: String,
    /// Slug of the channel.
    pub channel: String,
    /// Whether storefronts of the channel can pay with it.
    pub is_active: bool,
    /// Non-secret settings.
    pub settings: Json<Value>,
    /// Stored secrets, masked.
    pub secrets: Vec<PaymentGatewaySecret>,
    /// Names of the secrets the gateway needs.
    pub required_secrets: Vec<String>,
    /// Provider API base URL override.
    pub base_url: Option<String>,
    /// Last change.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<ConfigView> for PaymentGatewayChannelConfig {
    fn from(v: ConfigView) -> Self {
        let secrets = v
            .model
            .secrets_masked
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, val)| PaymentGatewaySecret {
                        name: k.clone(),
                        masked_value: val.as_str().unwrap_or("••••").to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            id: v.gateway.id().to_owned(),
            key: v.gateway.key().to_owned(),
            name: v.gateway.name().to_owned(),
            channel: v.channel_slug,
            is_active: v.model.is_active,
            settings: Json(v.model.settings),
            secrets,
            required_secrets: v
                .gateway
                .secret_keys()
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            base_url: v.model.base_url,
            updated_at: v.model.updated_at,
        }
    }
}

/// Result of `paymentGatewayConfigure` (our addition).
#[derive(SimpleObject, Default)]
pub struct PaymentGatewayConfigure {
    /// The stored configuration (secrets masked).
    pub config: Option<PaymentGatewayChannelConfig>,
    /// Errors of the mutation.
    pub errors: Vec<PaymentGatewayConfigureError>,
}

// ------------------------------------------------------------------------ helpers for other domains

/// `PaymentGateway` objects for a channel and currency (checkout and shop fields).
pub async fn gateways_for(
    state: &AppState,
    req: &RequestCtx,
    channel_id: i32,
    currency: &str,
) -> Result<Vec<PaymentGateway>> {
    let list = state
        .payments
        .available(channel_id, currency)
        .await
        .map_err(|e| req.internal(e))?;
    Ok(list
        .into_iter()
        .map(|(g, row)| PaymentGateway {
            name: g.name().to_owned(),
            id: ID(g.id().to_owned()),
            config: row
                .settings
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| GatewayConfigLine {
                            field: k.clone(),
                            value: Some(match v {
                                Value::String(s) => s.clone(),
                                other => other.to_string(),
                            }),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            currencies: match g.currencies() {
                Some(list) => list.iter().map(|c| (*c).to_owned()).collect(),
                None => vec![currency.to_owned()],
            },
        })
        .collect())
}

/// Payment sums of a checkout.
pub async fn checkout_sums(state: &AppState, req: &RequestCtx, token: &str) -> Result<Sums> {
    Ok(Sums::of(
        &state
            .payments
            .for_checkout(token)
            .await
            .map_err(|e| req.internal(e))?,
    ))
}

/// Transactions of a checkout (staff with MANAGE_CHECKOUTS or HANDLE_PAYMENTS).
pub async fn checkout_transactions(
    state: &AppState,
    req: &RequestCtx,
    token: &str,
) -> Result<Vec<TransactionItemNode>> {
    req.require_any(&[Permission::ManageCheckouts, Permission::HandlePayments])?;
    Ok(state
        .payments
        .for_checkout(token)
        .await
        .map_err(|e| req.internal(e))?
        .into_iter()
        .map(TransactionItemNode::from)
        .collect())
}

/// Transactions of an order, oldest first (whoever may see the order), batched with every
/// other order of the request.
pub async fn order_transaction_rows(ctx: &Context<'_>, order_id: &str) -> Result<Vec<tx::Model>> {
    let (_, req) = parts(ctx)?;
    Ok(loaders(ctx)?
        .payment
        .by_order
        .load_one(order_id.to_owned())
        .await
        .map_err(|e| req.internal(e))?
        .unwrap_or_default())
}

pub use service::{authorize_status, charge_status};

/// Saleor's checkout/order charge status names, shared by both enums.
pub fn charge(total: i64, s: &Sums) -> ChargeStatus {
    charge_status(total, s)
}

/// Saleor's authorize status.
pub fn authorize(total: i64, s: &Sums) -> AuthorizeStatus {
    authorize_status(total, s)
}

fn transaction_token(id: Option<&ID>, token: Option<uuid::Uuid>) -> Result<String> {
    if let Some(id) = id {
        return Ok(id::decode::<uuid::Uuid>(id, "TransactionItem")?.to_string());
    }
    token.map(|t| t.to_string()).ok_or_else(|| {
        crate::core::error::error(
            crate::core::error::ErrorCode::BadRequest,
            "At least one of arguments is required: 'id', 'token'.",
        )
    })
}

fn metadata_json(
    input: Option<Vec<MetadataInput>>,
    field: &str,
) -> std::result::Result<Option<Value>, Failure> {
    match input {
        None => Ok(None),
        Some(items) => metadata::with_set(&serde_json::json!({}), &items)
            .map(Some)
            .map_err(|_| Failure::new(Some(field), Code::Invalid, "Metadata key cannot be empty.")),
    }
}

fn money_pairs(a: [Option<MoneyInput>; 4]) -> [Option<(rust_decimal::Decimal, String)>; 4] {
    a.map(|m| m.map(|m| (m.amount.0, m.currency)))
}

fn action_names(a: Option<Vec<TransactionActionEnum>>) -> Option<Vec<String>> {
    a.map(|v| v.into_iter().map(|x| x.name().to_owned()).collect())
}

// ------------------------------------------------------------------------ roots

/// Payment queries.
#[derive(Default)]
pub struct PaymentQuery;

#[Object]
impl PaymentQuery {
    /// Look up a transaction by ID or token. Requires one of the following permissions:
    /// HANDLE_PAYMENTS.
    async fn transaction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a transaction.")] id: Option<ID>,
        #[graphql(desc = "Token of a transaction.")] token: Option<uuid::Uuid>,
    ) -> Result<Option<TransactionItemNode>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::HandlePayments])?;
        let token = transaction_token(id.as_ref(), token)?;
        Ok(state
            .payments
            .find(&token)
            .await
            .map_err(|e| req.internal(e))?
            .map(TransactionItemNode::from))
    }

    /// Payment gateway configurations of a channel, secrets masked (our addition).
    /// Requires one of the following permissions: HANDLE_PAYMENTS, MANAGE_CHANNELS.
    async fn payment_gateway_configs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Slug of a channel.")] channel: String,
    ) -> Result<Vec<PaymentGatewayChannelConfig>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::HandlePayments, Permission::ManageChannels])?;
        Ok(state
            .payments
            .configs(&channel)
            .await
            .map_err(|e| req.internal(e))?
            .into_iter()
            .map(PaymentGatewayChannelConfig::from)
            .collect())
    }
}

/// Payment mutations.
#[derive(Default)]
pub struct PaymentMutation;

#[Object]
impl PaymentMutation {
    /// Initializes a payment gateway session. It triggers the webhook
    /// `PAYMENT_GATEWAY_INITIALIZE_SESSION`, to the requested `paymentGateways`. If
    /// `paymentGateways` is not provided, the webhook will be send to all subscribed payment
    /// gateways.
    async fn payment_gateway_initialize(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The amount requested for initializing the payment gateway. If not provided, the difference between checkout.total - transactions that are already processed will be send."
        )]
        amount: Option<PositiveDecimal>,
        #[graphql(desc = "The ID of the checkout or order.")] id: ID,
        #[graphql(desc = "List of payment gateways to initialize.")] payment_gateways: Option<
            Vec<PaymentGatewayToInitialize>,
        >,
    ) -> Result<Option<PaymentGatewayInitialize>> {
        let _ = amount;
        let (state, req) = parts(ctx)?;
        let token = id::decode::<uuid::Uuid>(&id, "Checkout")?.to_string();
        let requested = payment_gateways.map(|list| {
            list.into_iter()
                .map(|g| (g.id, g.data.map(|d| d.0)))
                .collect()
        });
        let result = state.payments.gateway_initialize(&token, requested).await;
        Ok(Some(
            match split::<_, PaymentGatewayInitializeError>(req, result)? {
                Ok(list) => PaymentGatewayInitialize {
                    gateway_configs: Some(
                        list.into_iter()
                            .map(|(id, r)| match r {
                                Ok(data) => PaymentGatewayConfig {
                                    id,
                                    data: Some(Json(data)),
                                    errors: Some(Vec::new()),
                                },
                                Err(f) => PaymentGatewayConfig {
                                    id,
                                    data: None,
                                    errors: Some(vec![f.into()]),
                                },
                            })
                            .collect(),
                    ),
                    errors: Vec::new(),
                },
                Err(errors) => PaymentGatewayInitialize {
                    gateway_configs: None,
                    errors,
                },
            },
        ))
    }

    /// Initializes a transaction session. It triggers the webhook
    /// `TRANSACTION_INITIALIZE_SESSION`, to the requested `paymentGateways`.
    #[allow(clippy::too_many_arguments)]
    async fn transaction_initialize(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The expected action called for the transaction. By default, the `channel.paymentSettings.defaultTransactionFlowStrategy` will be used."
        )]
        action: Option<TransactionFlowStrategyEnum>,
        #[graphql(
            desc = "The amount requested for initializing the payment gateway. If not provided, the difference between checkout.total - transactions that are already processed will be send."
        )]
        amount: Option<PositiveDecimal>,
        #[graphql(desc = "The customer's IP address.")] customer_ip_address: Option<String>,
        #[graphql(desc = "The ID of the checkout or order.")] id: ID,
        #[graphql(
            desc = "The idempotency key assigned to the action. It will be passed to the payment app to discover potential duplicate actions. If not provided, the default one will be generated. If empty string provided, INVALID error code will be raised."
        )]
        idempotency_key: Option<String>,
        #[graphql(desc = "Payment gateway used to initialize the transaction.")]
        payment_gateway: PaymentGatewayToInitialize,
    ) -> Result<Option<TransactionInitialize>> {
        let _ = customer_ip_address;
        let (state, req) = parts(ctx)?;
        if idempotency_key.as_deref() == Some("") {
            return Ok(Some(TransactionInitialize {
                errors: vec![
                    Failure::new(
                        Some("idempotencyKey"),
                        Code::Invalid,
                        "Idempotency key cannot be an empty string.",
                    )
                    .into(),
                ],
                ..Default::default()
            }));
        }
        let token = id::decode::<uuid::Uuid>(&id, "Checkout")?.to_string();
        let flow = action.map(|a| match a {
            TransactionFlowStrategyEnum::Charge => Flow::Charge,
            TransactionFlowStrategyEnum::Authorization => Flow::Authorization,
        });
        let result = state
            .payments
            .transaction_initialize(
                &token,
                &payment_gateway.id,
                payment_gateway.data.map(|d| d.0),
                flow,
                amount.map(|a| a.0),
                idempotency_key,
                &actor(req),
            )
            .await;
        Ok(Some(
            match split::<_, TransactionInitializeError>(req, result)? {
                Ok(r) => TransactionInitialize::of(r),
                Err(errors) => TransactionInitialize {
                    errors,
                    ..Default::default()
                },
            },
        ))
    }

    /// Processes a transaction session. It triggers the webhook
    /// `TRANSACTION_PROCESS_SESSION`, to the assigned `paymentGateways`.
    async fn transaction_process(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's IP address.")] customer_ip_address: Option<String>,
        #[graphql(desc = "The data that will be passed to the payment gateway.")] data: Option<
            Json<Value>,
        >,
        #[graphql(
            desc = "The ID of the transaction to process. One of field id or token is required."
        )]
        id: Option<ID>,
        #[graphql(
            desc = "The token of the transaction to process. One of field id or token is required."
        )]
        token: Option<uuid::Uuid>,
    ) -> Result<Option<TransactionProcess>> {
        let _ = customer_ip_address;
        let (state, req) = parts(ctx)?;
        let token = transaction_token(id.as_ref(), token)?;
        let result = state
            .payments
            .transaction_process(&token, data.map(|d| d.0), &actor(req))
            .await;
        Ok(Some(
            match split::<_, TransactionProcessError>(req, result)? {
                Ok(r) => TransactionProcess::of(r),
                Err(errors) => TransactionProcess {
                    errors,
                    ..Default::default()
                },
            },
        ))
    }

    /// Request an action for payment transaction. Requires one of the following permissions:
    /// HANDLE_PAYMENTS.
    #[allow(clippy::too_many_arguments)]
    async fn transaction_request_action(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Determines the action type.")] action_type: TransactionActionEnum,
        #[graphql(
            desc = "Transaction request amount. If empty for refund or capture, maximal possible amount will be used."
        )]
        amount: Option<PositiveDecimal>,
        #[graphql(desc = "The ID of the transaction. One of field id or token is required.")]
        id: Option<ID>,
        #[graphql(desc = "Reason of the refund.")] refund_reason: Option<String>,
        #[graphql(desc = "ID of a `Page` to reference in the refund reason.")]
        refund_reason_reference: Option<ID>,
        #[graphql(desc = "The token of the transaction. One of field id or token is required.")]
        token: Option<uuid::Uuid>,
    ) -> Result<Option<TransactionRequestAction>> {
        let _ = (refund_reason, refund_reason_reference);
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::HandlePayments])?;
        let token = transaction_token(id.as_ref(), token)?;
        let action = match action_type {
            TransactionActionEnum::Charge => Action::Charge,
            TransactionActionEnum::Refund => Action::Refund,
            TransactionActionEnum::Cancel => Action::Cancel,
        };
        let result = state
            .payments
            .request_action(&token, action, amount.map(|a| a.0), &actor(req))
            .await;
        Ok(Some(
            match split::<_, TransactionRequestActionError>(req, result)? {
                Ok(t) => TransactionRequestAction {
                    transaction: Some(t.into()),
                    errors: Vec::new(),
                },
                Err(errors) => TransactionRequestAction {
                    transaction: state
                        .payments
                        .find(&token)
                        .await
                        .map_err(|e| req.internal(e))?
                        .map(TransactionItemNode::from),
                    errors,
                },
            },
        ))
    }

    /// Create transaction for checkout or order. Requires one of the following permissions:
    /// HANDLE_PAYMENTS.
    async fn transaction_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ID of the checkout or order.")] id: ID,
        #[graphql(desc = "Input data required to create a new transaction object.")]
        transaction: TransactionCreateInput,
        #[graphql(desc = "Data that defines a transaction event.")] transaction_event: Option<
            TransactionEventInput,
        >,
    ) -> Result<Option<TransactionCreate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::HandlePayments])?;
        let owner = match id::split(&id).map(|(t, _)| t).as_deref() {
            Some("Order") => Owner::Order(id::decode::<uuid::Uuid>(&id, "Order")?.to_string()),
            _ => Owner::Checkout(id::decode::<uuid::Uuid>(&id, "Checkout")?.to_string()),
        };
        let t = transaction;
        let meta = metadata_json(t.metadata, "metadata")
            .and_then(|m| Ok((m, metadata_json(t.private_metadata, "privateMetadata")?)));
        let (metadata, private_metadata) = match meta {
            Ok(m) => m,
            Err(f) => {
                return Ok(Some(TransactionCreate {
                    transaction: None,
                    errors: vec![f.into()],
                }));
            }
        };
        let result = state
            .payments
            .create(
                owner,
                t.name,
                t.message,
                t.psp_reference,
                action_names(t.available_actions),
                money_pairs([
                    t.amount_authorized,
                    t.amount_charged,
                    t.amount_refunded,
                    t.amount_canceled,
                ]),
                t.external_url,
                metadata,
                private_metadata,
                transaction_event.map(|e| (e.message, e.psp_reference)),
                &actor(req),
            )
            .await;
        Ok(Some(
            match split::<_, TransactionCreateError>(req, result)? {
                Ok(t) => TransactionCreate {
                    transaction: Some(t.into()),
                    errors: Vec::new(),
                },
                Err(errors) => TransactionCreate {
                    transaction: None,
                    errors,
                },
            },
        ))
    }

    /// Update transaction. Requires one of the following permissions: HANDLE_PAYMENTS.
    async fn transaction_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ID of the transaction. One of field id or token is required.")]
        id: Option<ID>,
        #[graphql(desc = "The token of the transaction. One of field id or token is required.")]
        token: Option<uuid::Uuid>,
        #[graphql(desc = "Input data required to create a new transaction object.")]
        transaction: Option<TransactionUpdateInput>,
        #[graphql(desc = "Data that defines a transaction transaction.")] transaction_event: Option<
            TransactionEventInput,
        >,
    ) -> Result<Option<TransactionUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::HandlePayments])?;
        let token = transaction_token(id.as_ref(), token)?;
        let t = transaction.unwrap_or(TransactionUpdateInput {
            name: None,
            message: None,
            psp_reference: None,
            available_actions: None,
            amount_authorized: None,
            amount_charged: None,
            amount_refunded: None,
            amount_canceled: None,
            metadata: None,
            private_metadata: None,
            external_url: None,
            payment_method_details: None,
        });
        let meta = metadata_json(t.metadata, "metadata")
            .and_then(|m| Ok((m, metadata_json(t.private_metadata, "privateMetadata")?)));
        let (metadata, private_metadata) = match meta {
            Ok(m) => m,
            Err(f) => {
                return Ok(Some(TransactionUpdate {
                    transaction: None,
                    errors: vec![f.into()],
                }));
            }
        };
        let result = state
            .payments
            .update(
                &token,
                t.name,
                t.message,
                t.psp_reference,
                action_names(t.available_actions),
                money_pairs([
                    t.amount_authorized,
                    t.amount_charged,
                    t.amount_refunded,
                    t.amount_canceled,
                ]),
                t.external_url,
                metadata,
                private_metadata,
                transaction_event.map(|e| (e.message, e.psp_reference)),
                &actor(req),
            )
            .await;
        Ok(Some(
            match split::<_, TransactionUpdateError>(req, result)? {
                Ok(t) => TransactionUpdate {
                    transaction: Some(t.into()),
                    errors: Vec::new(),
                },
                Err(errors) => TransactionUpdate {
                    transaction: None,
                    errors,
                },
            },
        ))
    }

    /// Report the event for the transaction. Requires one of the following permissions:
    /// HANDLE_PAYMENTS.
    #[allow(clippy::too_many_arguments)]
    async fn transaction_event_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The amount of the event to report.")] amount: Option<PositiveDecimal>,
        #[graphql(desc = "List of all possible actions for the transaction")]
        available_actions: Option<Vec<TransactionActionEnum>>,
        #[graphql(
            desc = "The url that will allow to redirect user to payment provider page with event details."
        )]
        external_url: Option<String>,
        #[graphql(desc = "The ID of the transaction. One of field id or token is required.")]
        id: Option<ID>,
        #[graphql(desc = "The message related to the event.")] message: Option<String>,
        #[graphql(desc = "Details of the payment method used for the transaction.")]
        payment_method_details: Option<PaymentMethodDetailsInput>,
        #[graphql(desc = "PSP Reference of the event to report.")] psp_reference: String,
        #[graphql(
            desc = "The time of the event to report. If not provide, the current time will be used."
        )]
        time: Option<chrono::DateTime<chrono::Utc>>,
        #[graphql(desc = "The token of the transaction. One of field id or token is required.")]
        token: Option<uuid::Uuid>,
        #[graphql(desc = "Fields required to update the transaction metadata.")]
        transaction_metadata: Option<Vec<MetadataInput>>,
        #[graphql(desc = "Fields required to update the transaction private metadata.")]
        transaction_private_metadata: Option<Vec<MetadataInput>>,
        #[graphql(desc = "Current status of the event to report.")]
        r#type: TransactionEventTypeEnum,
    ) -> Result<Option<TransactionEventReport>> {
        let _ = payment_method_details;
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::HandlePayments])?;
        let token = transaction_token(id.as_ref(), token)?;
        let meta = metadata_json(transaction_metadata, "transactionMetadata").and_then(|m| {
            Ok((
                m,
                metadata_json(transaction_private_metadata, "transactionPrivateMetadata")?,
            ))
        });
        let (metadata, private_metadata) = match meta {
            Ok(m) => m,
            Err(f) => {
                return Ok(Some(TransactionEventReport {
                    errors: vec![f.into()],
                    ..Default::default()
                }));
            }
        };
        let result = state
            .payments
            .event_report(
                &token,
                r#type.kind(),
                amount.map(|a| a.0),
                psp_reference,
                message,
                external_url,
                action_names(available_actions),
                time,
                metadata,
                private_metadata,
                &actor(req),
            )
            .await;
        Ok(Some(
            match split::<_, TransactionEventReportError>(req, result)? {
                Ok((t, event, already)) => TransactionEventReport {
                    already_processed: Some(already),
                    transaction: Some(t.into()),
                    transaction_event: event.map(TransactionEventNode),
                    errors: Vec::new(),
                },
                Err(errors) => TransactionEventReport {
                    errors,
                    ..Default::default()
                },
            },
        ))
    }

    /// Mark order as manually paid. Requires one of the following permissions: MANAGE_ORDERS.
    async fn order_mark_as_paid(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the order to mark paid.")] id: ID,
        #[graphql(desc = "The external transaction reference.")] transaction_reference: Option<
            String,
        >,
    ) -> Result<Option<OrderMarkAsPaid>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageOrders])?;
        let order_id = id::decode::<uuid::Uuid>(&id, "Order")?.to_string();
        let result = state
            .payments
            .mark_as_paid(&order_id, transaction_reference, &actor(req))
            .await;
        Ok(Some(match split::<_, OrderError>(req, result)? {
            Ok(()) => OrderMarkAsPaid {
                order: entities::shop_order::Entity::find_by_id(order_id)
                    .one(&state.db.conn)
                    .await
                    .map_err(|e| req.internal(e))?
                    .map(OrderNode::new),
                ..Default::default()
            },
            Err(errors) => OrderMarkAsPaid {
                order: None,
                order_errors: errors.clone(),
                errors,
            },
        }))
    }

    /// Configures a payment gateway for a channel: activity, settings, secrets (stored
    /// encrypted, never returned) and an optional API base URL (our addition). Secrets are
    /// merged by name; `null` removes one. Requires one of the following permissions:
    /// HANDLE_PAYMENTS, MANAGE_CHANNELS.
    #[allow(clippy::too_many_arguments)]
    async fn payment_gateway_configure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Slug of the channel.")] channel: String,
        #[graphql(desc = "Gateway key (`dummy`, `stripe`, ...) or id.")] gateway: String,
        #[graphql(desc = "Whether the channel's storefronts can pay with it.")] is_active: Option<
            bool,
        >,
        #[graphql(desc = "Non-secret settings (replace the stored ones).")] settings: Option<
            Json<Value>,
        >,
        #[graphql(desc = "Secrets by name (merged into the stored ones; null removes one).")]
        secrets: Option<Json<Value>>,
        #[graphql(desc = "Provider API base URL override; empty string resets it.")]
        base_url: Option<String>,
    ) -> Result<Option<PaymentGatewayConfigure>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::HandlePayments, Permission::ManageChannels])?;
        let result = state
            .payments
            .configure(
                &channel,
                &gateway,
                is_active,
                settings.map(|s| s.0),
                secrets.map(|s| s.0),
                base_url,
            )
            .await;
        Ok(Some(
            match split::<_, PaymentGatewayConfigureError>(req, result)? {
                Ok(v) => PaymentGatewayConfigure {
                    config: Some(v.into()),
                    errors: Vec::new(),
                },
                Err(errors) => PaymentGatewayConfigure {
                    config: None,
                    errors,
                },
            },
        ))
    }
}
