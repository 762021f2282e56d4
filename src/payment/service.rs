//! The payment service: per-channel gateway configuration, Saleor's transaction API
//! (initialize, process, staff actions, app-reported transactions), provider webhooks and
//! the order/checkout payment status they drive.
//!
//! Every change to a transaction goes through [`PaymentService::record`]: one database
//! transaction that re-reads the row, records the provider's webhook id when there is one
//! (unique: a replay changes nothing), applies the events to the amounts, and writes the
//! resulting order/checkout events to the outbox. Provider calls happen outside database
//! transactions under a short lease on the row (`locked_until`), so two concurrent
//! `transactionProcess` calls make one provider call and one outcome.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use entities::{
    channel, checkout, payment_gateway_config as gateway_config, payment_transaction as tx,
    payment_transaction_event as tx_event, payment_webhook_event, shop_order,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, Set, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use serde_json::{Value, json};

use super::gateway::{
    Amount, EventKind, Flow, GatewayCall, GatewayError, GatewayOutcome, InitializeRequest,
    PaymentGateway, ProcessRequest, WebhookNotification,
};
use super::{dummy::KEY as DUMMY, registry};
use crate::catalog::money;
use crate::checkout::CheckoutService;
use crate::events::{EventType, Events, NewEvent, outbox};
use crate::secret::MasterKey;

// ------------------------------------------------------------------------ errors

/// What went wrong, as the transaction API's error codes (each mutation maps them to its
/// own Saleor enum).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    Invalid,
    NotFound,
    Unique,
    IncorrectCurrency,
    Required,
    MissingPaymentApp,
    MissingActionWebhook,
    IncorrectDetails,
    CheckoutCompletionInProgress,
}

/// One validation failure.
#[derive(Clone, Debug)]
pub struct Failure {
    pub field: Option<String>,
    pub code: Code,
    pub message: String,
}

impl Failure {
    /// A failure about `field`.
    pub fn new(field: Option<&str>, code: Code, message: impl Into<String>) -> Self {
        Self {
            field: field.map(str::to_owned),
            code,
            message: message.into(),
        }
    }
}

/// Why a payment operation failed.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// Shown to the client as `errors`.
    #[error("{}", .0.message)]
    Invalid(Failure),
    /// Logged, shown generically.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<DbErr> for PaymentError {
    fn from(e: DbErr) -> Self {
        Self::Internal(e.into())
    }
}

impl From<Failure> for PaymentError {
    fn from(f: Failure) -> Self {
        Self::Invalid(f)
    }
}

fn invalid(field: Option<&str>, code: Code, message: impl Into<String>) -> PaymentError {
    PaymentError::Invalid(Failure::new(field, code, message))
}

type PResult<T> = Result<T, PaymentError>;

// ------------------------------------------------------------------------ types

/// Who acts: recorded as `createdBy` of transactions and events.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    pub user_id: Option<i32>,
    pub app_id: Option<i32>,
    /// Global ID of the user or app, for outbox events.
    pub requestor: Option<String>,
}

/// A transaction after an operation, with the event it produced and data for the client.
#[derive(Clone, Debug, Default)]
pub struct TxResult {
    pub transaction: Option<tx::Model>,
    pub event: Option<tx_event::Model>,
    pub data: Option<Value>,
    /// A failure to show next to the (possibly updated) transaction.
    pub failure: Option<Failure>,
}

/// Staff actions on a transaction (Saleor's `TransactionActionEnum`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Charge,
    Refund,
    Cancel,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Self::Charge => "CHARGE",
            Self::Refund => "REFUND",
            Self::Cancel => "CANCEL",
        }
    }
}

/// Sums over the transactions of a checkout or an order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sums {
    pub authorized: i64,
    pub charged: i64,
    pub refunded: i64,
    pub canceled: i64,
    pub authorize_pending: i64,
    pub charge_pending: i64,
    pub refund_pending: i64,
    pub cancel_pending: i64,
}

impl Sums {
    /// Sums of `txs`.
    pub fn of(txs: &[tx::Model]) -> Self {
        txs.iter().fold(Self::default(), |mut s, t| {
            s.authorized += t.authorized;
            s.charged += t.charged;
            s.refunded += t.refunded;
            s.canceled += t.canceled;
            s.authorize_pending += t.authorize_pending;
            s.charge_pending += t.charge_pending;
            s.refund_pending += t.refund_pending;
            s.cancel_pending += t.cancel_pending;
            s
        })
    }
}

/// Saleor's charge status (`OrderChargeStatusEnum` / `CheckoutChargeStatusEnum`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChargeStatus {
    None,
    Partial,
    Full,
    Overcharged,
}

/// Saleor's authorize status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AuthorizeStatus {
    None,
    Partial,
    Full,
}

/// Charge status of something costing `total` with these sums.
pub fn charge_status(total: i64, s: &Sums) -> ChargeStatus {
    if s.charged > total {
        ChargeStatus::Overcharged
    } else if s.charged == total {
        ChargeStatus::Full
    } else if s.charged > 0 {
        ChargeStatus::Partial
    } else {
        ChargeStatus::None
    }
}

/// Authorize status: authorized and charged money against `total`.
pub fn authorize_status(total: i64, s: &Sums) -> AuthorizeStatus {
    let covered = s.authorized + s.charged;
    if covered >= total {
        AuthorizeStatus::Full
    } else if covered > 0 {
        AuthorizeStatus::Partial
    } else {
        AuthorizeStatus::None
    }
}

/// Saleor's event type name.
pub fn kind_name(kind: EventKind) -> &'static str {
    match kind {
        EventKind::AuthorizationSuccess => "AUTHORIZATION_SUCCESS",
        EventKind::AuthorizationFailure => "AUTHORIZATION_FAILURE",
        EventKind::AuthorizationAdjustment => "AUTHORIZATION_ADJUSTMENT",
        EventKind::AuthorizationRequest => "AUTHORIZATION_REQUEST",
        EventKind::AuthorizationActionRequired => "AUTHORIZATION_ACTION_REQUIRED",
        EventKind::ChargeActionRequired => "CHARGE_ACTION_REQUIRED",
        EventKind::ChargeSuccess => "CHARGE_SUCCESS",
        EventKind::ChargeFailure => "CHARGE_FAILURE",
        EventKind::ChargeBack => "CHARGE_BACK",
        EventKind::ChargeRequest => "CHARGE_REQUEST",
        EventKind::RefundSuccess => "REFUND_SUCCESS",
        EventKind::RefundFailure => "REFUND_FAILURE",
        EventKind::RefundReverse => "REFUND_REVERSE",
        EventKind::RefundRequest => "REFUND_REQUEST",
        EventKind::CancelSuccess => "CANCEL_SUCCESS",
        EventKind::CancelFailure => "CANCEL_FAILURE",
        EventKind::CancelRequest => "CANCEL_REQUEST",
        EventKind::Info => "INFO",
    }
}

/// The event kind named `name`.
pub fn parse_kind(name: &str) -> Option<EventKind> {
    use EventKind::*;
    [
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
    ]
    .into_iter()
    .find(|k| kind_name(*k) == name)
}

fn flow_name(flow: Flow) -> &'static str {
    match flow {
        Flow::Charge => "CHARGE",
        Flow::Authorization => "AUTHORIZATION",
    }
}

/// The stored flow.
pub fn parse_flow(s: &str) -> Flow {
    if s == "AUTHORIZATION" {
        Flow::Authorization
    } else {
        Flow::Charge
    }
}

/// Whether an event settles the client-side part of a payment (nothing left to process).
fn is_final(kind: &str) -> bool {
    kind.ends_with("_SUCCESS") || kind.ends_with("_FAILURE")
}

/// A configured gateway, as staff see it (secrets masked).
#[derive(Clone)]
pub struct ConfigView {
    pub channel_slug: String,
    pub gateway: &'static dyn PaymentGateway,
    pub model: gateway_config::Model,
}

/// Where a change comes from: in-process gateways are held to the amounts they were
/// asked for; apps report the truth of their provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Gateway,
    App,
}

/// One change to a transaction inside [`PaymentService::record`].
#[derive(Clone, Debug)]
enum Change {
    Outcome(GatewayOutcome),
    /// Absolute amounts from `transactionCreate/Update` (`None`: unchanged).
    Set {
        authorized: Option<i64>,
        charged: Option<i64>,
        refunded: Option<i64>,
        canceled: Option<i64>,
    },
    /// A note (`transactionEvent` input).
    Info {
        message: String,
        psp_reference: String,
    },
}

/// Field updates that ride along with a change.
#[derive(Clone, Debug, Default)]
struct Patch {
    name: Option<String>,
    message: Option<String>,
    psp_reference: Option<String>,
    external_url: Option<String>,
    available_actions: Option<Vec<String>>,
    metadata: Option<Value>,
    private_metadata: Option<Value>,
}

/// Options of [`PaymentService::record`].
#[derive(Clone, Debug, Default)]
struct RecordOpts {
    actor: Actor,
    source: Option<SourceOpt>,
    release_lock: bool,
    /// `(gateway key, provider event id)` of a webhook: recorded once.
    webhook: Option<(String, String)>,
    patch: Patch,
    event_time: Option<chrono::DateTime<Utc>>,
}

#[derive(Clone, Copy, Debug)]
struct SourceOpt(Source);

/// What [`PaymentService::record`] did.
#[derive(Debug)]
enum Recorded {
    Done {
        transaction: Box<tx::Model>,
        events: Vec<tx_event::Model>,
    },
    /// The webhook was seen before: nothing changed.
    Duplicate,
}

/// Result of a provider webhook.
#[derive(Debug, PartialEq, Eq)]
pub enum WebhookResult {
    /// Applied (or acknowledged without effect); answer 200.
    Applied,
    /// Seen before; answer 200, nothing changed.
    Duplicate,
    /// Unknown gateway or channel: 404.
    NotFound,
    /// Signature does not verify: 400, nothing changed.
    BadSignature,
    /// Verified but unusable (malformed, amount or currency mismatch): 400, nothing changed.
    Rejected(String),
}

// ------------------------------------------------------------------------ service

/// Payments: gateways, transactions, webhooks.
#[derive(Clone)]
pub struct PaymentService {
    db: DatabaseConnection,
    master_key: Arc<MasterKey>,
    previous_key: Option<Arc<MasterKey>>,
    events: Events,
    http: reqwest::Client,
    checkout: CheckoutService,
    lease: Duration,
}

fn secret_context(channel_id: i32, gateway: &str) -> Vec<u8> {
    format!("payment_gateway_config:{channel_id}:{gateway}").into_bytes()
}

fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 8 {
        return "••••".to_owned();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("••••{tail}")
}

impl PaymentService {
    /// A service calling providers with `timeout` per request.
    pub fn new(
        db: DatabaseConnection,
        master_key: Arc<MasterKey>,
        previous_key: Option<Arc<MasterKey>>,
        events: Events,
        checkout: CheckoutService,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .build()?;
        Ok(Self {
            db,
            master_key,
            previous_key,
            events,
            http,
            checkout,
            lease: timeout + Duration::from_secs(15),
        })
    }

    // -------------------------------------------------------------- configuration

    /// Sets a gateway's configuration for a channel. `secrets` keys replace the stored ones
    /// (`null` removes one); unknown secret names are rejected.
    #[allow(clippy::too_many_arguments)]
    pub async fn configure(
        &self,
        channel_slug: &str,
        key: &str,
        is_active: Option<bool>,
        settings: Option<Value>,
        secrets: Option<Value>,
        base_url: Option<String>,
    ) -> PResult<ConfigView> {
        let gateway = registry::by_key(key)
            .or_else(|| registry::by_id(key))
            .ok_or_else(|| invalid(Some("gateway"), Code::NotFound, "Unknown payment gateway."))?;
        let channel = channel::Entity::find()
            .filter(channel::Column::Slug.eq(channel_slug))
            .one(&self.db)
            .await?
            .ok_or_else(|| {
                invalid(
                    Some("channel"),
                    Code::NotFound,
                    format!("Channel with '{channel_slug}' slug does not exist."),
                )
            })?;
        if let Some(s) = &settings
            && !s.is_object()
        {
            return Err(invalid(
                Some("settings"),
                Code::Invalid,
                "Settings must be a JSON object.",
            ));
        }
        if let Some(url) = base_url.as_deref().filter(|u| !u.is_empty()) {
            let ok = reqwest::Url::parse(url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if !ok {
                return Err(invalid(
                    Some("baseUrl"),
                    Code::Invalid,
                    "Enter a valid http(s) URL.",
                ));
            }
        }
        let txn = crate::db::begin_write(&self.db).await?;
        let existing = gateway_config::Entity::find()
            .filter(gateway_config::Column::ChannelId.eq(channel.id))
            .filter(gateway_config::Column::Gateway.eq(gateway.key()))
            .one(&txn)
            .await?;
        let context = secret_context(channel.id, gateway.key());
        let mut stored = match existing.as_ref().and_then(|c| c.secrets.as_deref()) {
            Some(sealed) => self.open(sealed, &context)?,
            None => json!({}),
        };
        if let Some(new) = secrets {
            let Value::Object(new) = new else {
                return Err(invalid(
                    Some("secrets"),
                    Code::Invalid,
                    "Secrets must be a JSON object.",
                ));
            };
            for (name, value) in new {
                if !gateway.secret_keys().contains(&name.as_str()) {
                    return Err(invalid(
                        Some("secrets"),
                        Code::Invalid,
                        format!(
                            "Unknown secret `{name}` for {}; expected: {}.",
                            gateway.name(),
                            gateway.secret_keys().join(", ")
                        ),
                    ));
                }
                match value {
                    Value::Null => {
                        if let Some(m) = stored.as_object_mut() {
                            m.remove(&name);
                        }
                    }
                    Value::String(s) => stored[name] = Value::String(s),
                    _ => {
                        return Err(invalid(
                            Some("secrets"),
                            Code::Invalid,
                            format!("Secret `{name}` must be a string."),
                        ));
                    }
                }
            }
        }
        let masked: serde_json::Map<String, Value> = stored
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), Value::String(mask(v.as_str().unwrap_or("")))))
                    .collect()
            })
            .unwrap_or_default();
        let sealed = if masked.is_empty() {
            None
        } else {
            Some(
                self.master_key
                    .encrypt(stored.to_string().as_bytes(), &context)
                    .map_err(anyhow::Error::from)?,
            )
        };
        let now = Utc::now();
        let model = match existing {
            Some(row) => {
                let mut am = row.clone().into_active_model();
                if let Some(a) = is_active {
                    am.is_active = Set(a);
                }
                if let Some(s) = settings {
                    am.settings = Set(s);
                }
                if let Some(u) = base_url {
                    am.base_url = Set((!u.is_empty()).then_some(u));
                }
                am.secrets = Set(sealed);
                am.secrets_masked = Set(Value::Object(masked));
                am.updated_at = Set(now);
                am.update(&txn).await?
            }
            None => {
                gateway_config::ActiveModel {
                    channel_id: Set(channel.id),
                    gateway: Set(gateway.key().to_owned()),
                    is_active: Set(is_active.unwrap_or(true)),
                    settings: Set(settings.unwrap_or_else(|| json!({}))),
                    secrets: Set(sealed),
                    secrets_masked: Set(Value::Object(masked)),
                    base_url: Set(base_url.filter(|u| !u.is_empty())),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
            }
        };
        txn.commit().await?;
        Ok(ConfigView {
            channel_slug: channel.slug,
            gateway,
            model,
        })
    }

    /// Every gateway configuration of a channel.
    pub async fn configs(&self, channel_slug: &str) -> PResult<Vec<ConfigView>> {
        let Some(channel) = channel::Entity::find()
            .filter(channel::Column::Slug.eq(channel_slug))
            .one(&self.db)
            .await?
        else {
            return Ok(Vec::new());
        };
        let rows = gateway_config::Entity::find()
            .filter(gateway_config::Column::ChannelId.eq(channel.id))
            .order_by_asc(gateway_config::Column::Gateway)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|model| {
                Some(ConfigView {
                    channel_slug: channel.slug.clone(),
                    gateway: registry::by_key(&model.gateway)?,
                    model,
                })
            })
            .collect())
    }

    /// Active gateways of a channel that take `currency`.
    pub async fn available(
        &self,
        channel_id: i32,
        currency: &str,
    ) -> PResult<Vec<(&'static dyn PaymentGateway, gateway_config::Model)>> {
        let rows = gateway_config::Entity::find()
            .filter(gateway_config::Column::ChannelId.eq(channel_id))
            .filter(gateway_config::Column::IsActive.eq(true))
            .order_by_asc(gateway_config::Column::Gateway)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let g = registry::by_key(&row.gateway)?;
                supports(g, currency).then_some((g, row))
            })
            .collect())
    }

    fn open(&self, sealed: &str, context: &[u8]) -> PResult<Value> {
        let plain = match self.master_key.decrypt(sealed, context) {
            Ok(p) => p,
            Err(e) => match &self.previous_key {
                Some(prev) => prev.decrypt(sealed, context).map_err(anyhow::Error::from)?,
                None => return Err(anyhow::Error::from(e).into()),
            },
        };
        Ok(serde_json::from_slice(&plain).map_err(anyhow::Error::from)?)
    }

    /// The channel's configuration for `gateway`, decrypted, if active.
    async fn load(
        &self,
        channel_id: i32,
        gateway: &'static dyn PaymentGateway,
    ) -> PResult<Option<(gateway_config::Model, Value)>> {
        let Some(row) = gateway_config::Entity::find()
            .filter(gateway_config::Column::ChannelId.eq(channel_id))
            .filter(gateway_config::Column::Gateway.eq(gateway.key()))
            .filter(gateway_config::Column::IsActive.eq(true))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let secrets = match row.secrets.as_deref() {
            Some(s) => self.open(s, &secret_context(channel_id, gateway.key()))?,
            None => json!({}),
        };
        Ok(Some((row, secrets)))
    }

    async fn channel(&self, id: i32) -> PResult<channel::Model> {
        channel::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("channel {id} missing").into())
    }

    // -------------------------------------------------------------- reads

    /// The transaction with `token`.
    pub async fn find(&self, token: &str) -> PResult<Option<tx::Model>> {
        Ok(tx::Entity::find()
            .filter(tx::Column::Token.eq(token))
            .one(&self.db)
            .await?)
    }

    /// Transactions of a checkout, oldest first.
    pub async fn for_checkout(&self, token: &str) -> PResult<Vec<tx::Model>> {
        Ok(tx::Entity::find()
            .filter(tx::Column::CheckoutToken.eq(token))
            .filter(tx::Column::OrderId.is_null())
            .order_by_asc(tx::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// Transactions of an order, oldest first.
    pub async fn for_order(&self, order_id: &str) -> PResult<Vec<tx::Model>> {
        Ok(tx::Entity::find()
            .filter(tx::Column::OrderId.eq(order_id))
            .order_by_asc(tx::Column::Id)
            .all(&self.db)
            .await?)
    }

    async fn last_event(&self, transaction_id: i32) -> PResult<Option<tx_event::Model>> {
        Ok(tx_event::Entity::find()
            .filter(tx_event::Column::TransactionId.eq(transaction_id))
            .order_by_desc(tx_event::Column::Id)
            .one(&self.db)
            .await?)
    }

    /// The checkout's gross total (lines, delivery, voucher, taxes), as the storefront sees it.
    pub async fn checkout_total(&self, c: &checkout::Model) -> PResult<i64> {
        let internal = |e: crate::checkout::error::CheckoutError| {
            PaymentError::Internal(anyhow::anyhow!("checkout total: {e}"))
        };
        let (_, totals) = self.checkout.priced(c).await.map_err(internal)?;
        Ok(totals.total.gross)
    }

    // -------------------------------------------------------------- storefront

    /// `paymentGatewayInitialize`: each requested (or every available) gateway's client
    /// configuration. Per-gateway failures are returned next to the others.
    pub async fn gateway_initialize(
        &self,
        checkout_token: &str,
        requested: Option<Vec<(String, Option<Value>)>>,
    ) -> PResult<Vec<(String, Result<Value, Failure>)>> {
        let c = self.open_checkout(checkout_token).await?;
        let available = self.available(c.channel_id, &c.currency).await?;
        let channel = self.channel(c.channel_id).await?;
        let wanted: Vec<(String, Option<Value>)> = match requested {
            Some(list) => list,
            None => available
                .iter()
                .map(|(g, _)| (g.id().to_owned(), None))
                .collect(),
        };
        let mut out = Vec::new();
        for (id, data) in wanted {
            let found = available.iter().find(|(g, _)| g.id() == id);
            let Some((gateway, _)) = found else {
                out.push((
                    id,
                    Err(Failure::new(
                        Some("id"),
                        Code::NotFound,
                        "Active payment gateway not found for this channel.",
                    )),
                ));
                continue;
            };
            let Some((row, secrets)) = self.load(c.channel_id, *gateway).await? else {
                continue;
            };
            let base = row
                .base_url
                .clone()
                .unwrap_or_else(|| gateway.default_base_url().to_owned());
            let call = GatewayCall {
                channel: &channel.slug,
                settings: &row.settings,
                secrets: &secrets,
                base_url: &base,
                http: &self.http,
            };
            let result = gateway
                .initialize(&call, data.as_ref())
                .await
                .map_err(|e| gateway_failure(&e, "id"));
            out.push((id, result));
        }
        Ok(out)
    }

    async fn open_checkout(&self, token: &str) -> PResult<checkout::Model> {
        let c = checkout::Entity::find_by_id(token.to_owned())
            .one(&self.db)
            .await?
            .ok_or_else(|| {
                invalid(
                    Some("id"),
                    Code::NotFound,
                    "Couldn't resolve to a node: the checkout.",
                )
            })?;
        if c.order_id.is_some() {
            return Err(invalid(
                Some("id"),
                Code::NotFound,
                "Couldn't resolve to a node: the checkout (it was completed).",
            ));
        }
        Ok(c)
    }

    /// `transactionInitialize` for a checkout.
    #[allow(clippy::too_many_arguments)]
    pub async fn transaction_initialize(
        &self,
        checkout_token: &str,
        gateway_id: &str,
        data: Option<Value>,
        action: Option<Flow>,
        amount: Option<Decimal>,
        idempotency_key: Option<String>,
        actor: &Actor,
    ) -> PResult<TxResult> {
        let c = self.open_checkout(checkout_token).await?;
        let channel = self.channel(c.channel_id).await?;
        let not_available = || {
            invalid(
                Some("paymentGateway"),
                Code::NotFound,
                "Active payment gateway not found for this channel.",
            )
        };
        let gateway = registry::by_id(gateway_id).ok_or_else(not_available)?;
        if !supports(gateway, &c.currency) {
            return Err(not_available());
        }
        let (row, secrets) = self
            .load(c.channel_id, gateway)
            .await?
            .ok_or_else(not_available)?;
        let flow = action.unwrap_or_else(|| parse_flow(&channel.default_transaction_flow));
        let amount = match amount {
            Some(a) => money::to_minor(a, &c.currency)
                .map_err(|e| invalid(Some("amount"), Code::Invalid, e.to_string()))?,
            None => {
                let total = self.checkout_total(&c).await?;
                let s = Sums::of(&self.for_checkout(checkout_token).await?);
                Ord::max(
                    total - s.charged - s.authorized - s.charge_pending - s.authorize_pending,
                    0,
                )
            }
        };
        let key = idempotency_key
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        if key.len() > 512 {
            return Err(invalid(
                Some("idempotencyKey"),
                Code::Invalid,
                "Idempotency key is too long.",
            ));
        }
        if let Some(existing) = self.by_idempotency_key(checkout_token, &key).await? {
            return self.replay_initialize(existing, gateway, amount).await;
        }
        let now = Utc::now();
        let token = uuid::Uuid::new_v4().to_string();
        let lease_until = now + chrono::Duration::from_std(self.lease).unwrap_or_default();
        let inserted = tx::ActiveModel {
            token: Set(token.clone()),
            checkout_token: Set(Some(checkout_token.to_owned())),
            order_id: Set(None),
            channel_id: Set(c.channel_id),
            gateway: Set(Some(gateway.id().to_owned())),
            app_id: Set(actor.app_id),
            user_id: Set(actor.user_id),
            name: Set(gateway.name().to_owned()),
            message: Set(String::new()),
            psp_reference: Set(String::new()),
            currency: Set(c.currency.clone()),
            flow: Set(flow_name(flow).to_owned()),
            amount_requested: Set(amount),
            authorized: Set(0),
            charged: Set(0),
            refunded: Set(0),
            canceled: Set(0),
            authorize_pending: Set(0),
            charge_pending: Set(0),
            refund_pending: Set(0),
            cancel_pending: Set(0),
            available_actions: Set(json!([])),
            idempotency_key: Set(Some(key.clone())),
            external_url: Set(String::new()),
            locked_until: Set(Some(lease_until)),
            created_at: Set(now),
            modified_at: Set(now),
            metadata: Set(json!({})),
            private_metadata: Set(json!({})),
            ..Default::default()
        }
        .insert(&self.db)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if crate::account::service::is_unique_violation(&e) => {
                // A concurrent call with the same key won.
                if let Some(existing) = self.by_idempotency_key(checkout_token, &key).await? {
                    return self.replay_initialize(existing, gateway, amount).await;
                }
                return Err(e.into());
            }
            Err(e) => return Err(e.into()),
        }
        let base = row
            .base_url
            .clone()
            .unwrap_or_else(|| gateway.default_base_url().to_owned());
        let call = GatewayCall {
            channel: &channel.slug,
            settings: &row.settings,
            secrets: &secrets,
            base_url: &base,
            http: &self.http,
        };
        let source = format!("checkout {checkout_token}");
        let request = InitializeRequest {
            transaction_id: &token,
            amount: Amount::new(amount, &c.currency),
            flow,
            data: data.as_ref(),
            email: c.email.as_deref(),
            source_object: &source,
        };
        let result = gateway.initialize_transaction(&call, &request).await;
        let opts = RecordOpts {
            actor: actor.clone(),
            source: Some(SourceOpt(Source::Gateway)),
            release_lock: true,
            ..Default::default()
        };
        let (outcome, failure) = match result {
            Ok(o) => (o, None),
            Err(e) => {
                // Nothing is known to be charged: a failure event that claims no money.
                let failure = gateway_failure(&e, "paymentGateway");
                let o = GatewayOutcome {
                    kind: match flow {
                        Flow::Charge => EventKind::ChargeFailure,
                        Flow::Authorization => EventKind::AuthorizationFailure,
                    },
                    amount: Amount::new(amount, &c.currency),
                    psp_reference: None,
                    message: failure.message.clone(),
                    external_url: None,
                    client_data: None,
                };
                (o, Some(failure))
            }
        };
        let data = outcome.client_data.clone();
        match self
            .record(&token, vec![Change::Outcome(outcome)], opts)
            .await
        {
            Ok(Recorded::Done {
                transaction,
                mut events,
            }) => Ok(TxResult {
                transaction: Some(*transaction),
                event: events.pop(),
                data,
                failure,
            }),
            Ok(Recorded::Duplicate) => Err(anyhow::anyhow!("unexpected duplicate").into()),
            Err(PaymentError::Invalid(f)) => {
                self.unlock(&token).await?;
                Ok(TxResult {
                    transaction: self.find(&token).await?,
                    event: None,
                    data: None,
                    failure: Some(f),
                })
            }
            Err(e) => Err(e),
        }
    }

    async fn by_idempotency_key(&self, checkout: &str, key: &str) -> PResult<Option<tx::Model>> {
        Ok(tx::Entity::find()
            .filter(tx::Column::CheckoutToken.eq(checkout))
            .filter(tx::Column::IdempotencyKey.eq(key))
            .one(&self.db)
            .await?)
    }

    /// The answer to a repeated `transactionInitialize` with the same idempotency key.
    async fn replay_initialize(
        &self,
        existing: tx::Model,
        gateway: &'static dyn PaymentGateway,
        amount: i64,
    ) -> PResult<TxResult> {
        if existing.gateway.as_deref() != Some(gateway.id()) || existing.amount_requested != amount
        {
            return Err(invalid(
                Some("idempotencyKey"),
                Code::Unique,
                "Different transaction with provided idempotency key already exists.",
            ));
        }
        let existing = self.wait_unlocked(existing).await?;
        Ok(TxResult {
            event: self.last_event(existing.id).await?,
            transaction: Some(existing),
            data: None,
            failure: None,
        })
    }

    /// `transactionProcess`: continues a payment after the client-side step.
    pub async fn transaction_process(
        &self,
        token: &str,
        data: Option<Value>,
        actor: &Actor,
    ) -> PResult<TxResult> {
        let t = self.find(token).await?.ok_or_else(|| {
            invalid(
                Some("id"),
                Code::NotFound,
                "Couldn't resolve to a node: the transaction.",
            )
        })?;
        let Some(gateway) = t.gateway.as_deref().and_then(registry::by_id) else {
            return Err(invalid(
                Some("id"),
                Code::MissingPaymentApp,
                "The transaction is not handled by an in-process payment gateway.",
            ));
        };
        if let Some(done) = self.already_processed(&t).await? {
            return Ok(done);
        }
        if !self.claim(t.id).await? {
            // Someone else is processing it: their outcome is ours.
            let t = self.wait_unlocked(t).await?;
            return Ok(TxResult {
                event: self.last_event(t.id).await?,
                transaction: Some(t),
                data: None,
                failure: None,
            });
        }
        let t = self
            .find(token)
            .await?
            .ok_or_else(|| anyhow::anyhow!("transaction vanished"))?;
        if let Some(done) = self.already_processed(&t).await? {
            self.unlock(token).await?;
            return Ok(done);
        }
        let channel = self.channel(t.channel_id).await?;
        let Some((row, secrets)) = self.load(t.channel_id, gateway).await? else {
            self.unlock(token).await?;
            return Err(invalid(
                Some("id"),
                Code::MissingPaymentApp,
                "The payment gateway is no longer active for this channel.",
            ));
        };
        let base = row
            .base_url
            .clone()
            .unwrap_or_else(|| gateway.default_base_url().to_owned());
        let call = GatewayCall {
            channel: &channel.slug,
            settings: &row.settings,
            secrets: &secrets,
            base_url: &base,
            http: &self.http,
        };
        let request = ProcessRequest {
            transaction_id: token,
            psp_reference: Some(t.psp_reference.as_str()).filter(|p| !p.is_empty()),
            amount: Amount::new(t.amount_requested, &t.currency),
            flow: parse_flow(&t.flow),
            data: data.as_ref(),
        };
        let outcome = match gateway.process(&call, &request).await {
            Ok(o) => o,
            Err(e) => {
                self.unlock(token).await?;
                return Ok(TxResult {
                    event: self.last_event(t.id).await?,
                    transaction: Some(t),
                    data: None,
                    failure: Some(gateway_failure(&e, "data")),
                });
            }
        };
        let data = outcome.client_data.clone();
        let opts = RecordOpts {
            actor: actor.clone(),
            source: Some(SourceOpt(Source::Gateway)),
            release_lock: true,
            ..Default::default()
        };
        match self
            .record(token, vec![Change::Outcome(outcome)], opts)
            .await
        {
            Ok(Recorded::Done {
                transaction,
                mut events,
            }) => Ok(TxResult {
                transaction: Some(*transaction),
                event: events.pop(),
                data,
                failure: None,
            }),
            Ok(Recorded::Duplicate) => Err(anyhow::anyhow!("unexpected duplicate").into()),
            Err(e) => {
                self.unlock(token).await?;
                Err(e)
            }
        }
    }

    /// The current state when nothing is left to process (the last event settled it).
    async fn already_processed(&self, t: &tx::Model) -> PResult<Option<TxResult>> {
        let last = self.last_event(t.id).await?;
        if last.as_ref().is_some_and(|e| is_final(&e.kind)) {
            return Ok(Some(TxResult {
                transaction: Some(t.clone()),
                event: last,
                data: None,
                failure: None,
            }));
        }
        Ok(None)
    }

    /// Takes the processing lease on a transaction; false when someone holds it.
    async fn claim(&self, id: i32) -> PResult<bool> {
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(self.lease).unwrap_or_default();
        let res = tx::Entity::update_many()
            .col_expr(tx::Column::LockedUntil, Expr::value(Some(until)))
            .filter(tx::Column::Id.eq(id))
            .filter(
                tx::Column::LockedUntil
                    .is_null()
                    .or(tx::Column::LockedUntil.lt(now)),
            )
            .exec(&self.db)
            .await?;
        Ok(res.rows_affected == 1)
    }

    async fn unlock(&self, token: &str) -> PResult<()> {
        tx::Entity::update_many()
            .col_expr(
                tx::Column::LockedUntil,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .filter(tx::Column::Token.eq(token))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Waits (up to the lease) until nobody processes the transaction; returns it then.
    async fn wait_unlocked(&self, t: tx::Model) -> PResult<tx::Model> {
        let deadline = tokio::time::Instant::now() + self.lease;
        let mut current = match self.find(&t.token).await? {
            Some(fresh) => fresh,
            None => t,
        };
        while current.locked_until.is_some_and(|u| u > Utc::now())
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(25)).await;
            current = match self.find(&current.token).await? {
                Some(t) => t,
                None => break,
            };
        }
        Ok(current)
    }

    // -------------------------------------------------------------- staff actions

    /// `transactionRequestAction`: charge, refund or cancel through the gateway.
    pub async fn request_action(
        &self,
        token: &str,
        action: Action,
        amount: Option<Decimal>,
        actor: &Actor,
    ) -> PResult<tx::Model> {
        let t = self.find(token).await?.ok_or_else(|| {
            invalid(
                Some("id"),
                Code::NotFound,
                "Couldn't resolve to a node: the transaction.",
            )
        })?;
        let amount = match amount {
            Some(a) => money::to_minor(a, &t.currency)
                .map_err(|e| invalid(Some("amount"), Code::Invalid, e.to_string()))?,
            None => match action {
                Action::Charge | Action::Cancel => t.authorized,
                Action::Refund => t.charged,
            },
        };
        let (limit, what) = match action {
            Action::Charge => (t.authorized, "authorized"),
            Action::Cancel => (t.authorized, "authorized"),
            Action::Refund => (t.charged, "charged"),
        };
        if amount <= 0 || amount > limit {
            return Err(invalid(
                Some("amount"),
                Code::Invalid,
                format!(
                    "The {} amount must be greater than 0 and not exceed the {what} amount ({}).",
                    action.as_str().to_ascii_lowercase(),
                    money::to_decimal(limit, &t.currency)
                ),
            ));
        }
        let Some(gateway) = t.gateway.as_deref().and_then(registry::by_id) else {
            return Err(invalid(
                None,
                Code::MissingActionWebhook,
                "No app or plugin is configured to handle payment action requests.",
            ));
        };
        if t.psp_reference.is_empty() {
            return Err(invalid(
                Some("id"),
                Code::Invalid,
                "The transaction has no payment at the provider.",
            ));
        }
        if !self.claim(t.id).await? {
            return Err(invalid(
                Some("id"),
                Code::Invalid,
                "Another operation on this transaction is in progress.",
            ));
        }
        let channel = self.channel(t.channel_id).await?;
        let Some((row, secrets)) = self.load(t.channel_id, gateway).await? else {
            self.unlock(token).await?;
            return Err(invalid(
                None,
                Code::MissingActionWebhook,
                "The payment gateway is not active for this channel.",
            ));
        };
        let base = row
            .base_url
            .clone()
            .unwrap_or_else(|| gateway.default_base_url().to_owned());
        let call = GatewayCall {
            channel: &channel.slug,
            settings: &row.settings,
            secrets: &secrets,
            base_url: &base,
            http: &self.http,
        };
        let money = Amount::new(amount, &t.currency);
        let result = match action {
            Action::Charge => gateway.charge(&call, &t.psp_reference, &money).await,
            Action::Refund => gateway.refund(&call, &t.psp_reference, &money).await,
            Action::Cancel => gateway.cancel(&call, &t.psp_reference, &money).await,
        };
        let request_kind = match action {
            Action::Charge => EventKind::ChargeRequest,
            Action::Refund => EventKind::RefundRequest,
            Action::Cancel => EventKind::CancelRequest,
        };
        let request = GatewayOutcome {
            kind: request_kind,
            amount: money.clone(),
            psp_reference: None,
            message: format!("{} requested.", action.as_str()),
            external_url: None,
            client_data: None,
        };
        let opts = RecordOpts {
            actor: actor.clone(),
            source: Some(SourceOpt(Source::Gateway)),
            release_lock: true,
            ..Default::default()
        };
        let (changes, failure) = match result {
            Ok(o) => (vec![Change::Outcome(request), Change::Outcome(o)], None),
            // Unknown whether it happened: the request stays pending until the provider's
            // webhook settles it.
            Err(e @ GatewayError::Unavailable(_)) => (
                vec![Change::Outcome(request)],
                Some(gateway_failure(&e, "id")),
            ),
            Err(e) => {
                self.unlock(token).await?;
                return Err(PaymentError::Invalid(gateway_failure(&e, "id")));
            }
        };
        match self.record(token, changes, opts).await {
            Ok(Recorded::Done { transaction, .. }) => match failure {
                Some(f) => Err(PaymentError::Invalid(f)),
                None => Ok(*transaction),
            },
            Ok(Recorded::Duplicate) => Err(anyhow::anyhow!("unexpected duplicate").into()),
            Err(e) => {
                self.unlock(token).await?;
                Err(e)
            }
        }
    }

    // -------------------------------------------------------------- apps

    /// `transactionCreate` on a checkout (`Checkout` id) or order.
    #[allow(clippy::too_many_arguments)]
    pub async fn create(
        &self,
        owner: Owner,
        name: Option<String>,
        message: Option<String>,
        psp_reference: Option<String>,
        available_actions: Option<Vec<String>>,
        amounts: [Option<(Decimal, String)>; 4],
        external_url: Option<String>,
        metadata: Option<Value>,
        private_metadata: Option<Value>,
        event: Option<(Option<String>, Option<String>)>,
        actor: &Actor,
    ) -> PResult<tx::Model> {
        let (checkout_token, order_id, channel_id, currency) = match &owner {
            Owner::Checkout(token) => {
                let c = self.open_checkout(token).await?;
                (Some(c.token), None, c.channel_id, c.currency)
            }
            Owner::Order(id) => {
                let o = shop_order::Entity::find_by_id(id.clone())
                    .one(&self.db)
                    .await?
                    .ok_or_else(|| {
                        invalid(
                            Some("id"),
                            Code::NotFound,
                            "Couldn't resolve to a node: the order.",
                        )
                    })?;
                (None, Some(o.id), o.channel_id, o.currency)
            }
        };
        let [authorized, charged, refunded, canceled] = minor_amounts(
            amounts,
            &currency,
            [
                "amountAuthorized",
                "amountCharged",
                "amountRefunded",
                "amountCanceled",
            ],
        )?;
        let now = Utc::now();
        let token = uuid::Uuid::new_v4().to_string();
        tx::ActiveModel {
            token: Set(token.clone()),
            checkout_token: Set(checkout_token),
            order_id: Set(order_id),
            channel_id: Set(channel_id),
            gateway: Set(None),
            app_id: Set(actor.app_id),
            user_id: Set(actor.user_id),
            name: Set(String::new()),
            message: Set(String::new()),
            psp_reference: Set(String::new()),
            currency: Set(currency),
            flow: Set("CHARGE".to_owned()),
            amount_requested: Set(0),
            authorized: Set(0),
            charged: Set(0),
            refunded: Set(0),
            canceled: Set(0),
            authorize_pending: Set(0),
            charge_pending: Set(0),
            refund_pending: Set(0),
            cancel_pending: Set(0),
            available_actions: Set(json!([])),
            idempotency_key: Set(None),
            external_url: Set(String::new()),
            locked_until: Set(None),
            created_at: Set(now),
            modified_at: Set(now),
            metadata: Set(json!({})),
            private_metadata: Set(json!({})),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        let mut changes = vec![Change::Set {
            authorized,
            charged,
            refunded,
            canceled,
        }];
        if let Some((msg, psp)) = event {
            changes.push(Change::Info {
                message: msg.unwrap_or_default(),
                psp_reference: psp.unwrap_or_default(),
            });
        }
        let opts = RecordOpts {
            actor: actor.clone(),
            source: Some(SourceOpt(Source::App)),
            patch: Patch {
                name,
                message,
                psp_reference,
                external_url,
                available_actions: Some(available_actions.unwrap_or_default()),
                metadata,
                private_metadata,
            },
            ..Default::default()
        };
        match self.record(&token, changes, opts).await? {
            Recorded::Done { transaction, .. } => Ok(*transaction),
            Recorded::Duplicate => Err(anyhow::anyhow!("unexpected duplicate").into()),
        }
    }

    /// `transactionUpdate`: absolute amounts and fields from the app.
    #[allow(clippy::too_many_arguments)]
    pub async fn update(
        &self,
        token: &str,
        name: Option<String>,
        message: Option<String>,
        psp_reference: Option<String>,
        available_actions: Option<Vec<String>>,
        amounts: [Option<(Decimal, String)>; 4],
        external_url: Option<String>,
        metadata: Option<Value>,
        private_metadata: Option<Value>,
        event: Option<(Option<String>, Option<String>)>,
        actor: &Actor,
    ) -> PResult<tx::Model> {
        let t = self.find(token).await?.ok_or_else(|| {
            invalid(
                Some("id"),
                Code::NotFound,
                "Couldn't resolve to a node: the transaction.",
            )
        })?;
        self.check_owner(&t, actor)?;
        let [authorized, charged, refunded, canceled] = minor_amounts(
            amounts,
            &t.currency,
            [
                "amountAuthorized",
                "amountCharged",
                "amountRefunded",
                "amountCanceled",
            ],
        )?;
        let mut changes = vec![Change::Set {
            authorized,
            charged,
            refunded,
            canceled,
        }];
        if let Some((msg, psp)) = event {
            changes.push(Change::Info {
                message: msg.unwrap_or_default(),
                psp_reference: psp.unwrap_or_default(),
            });
        }
        let opts = RecordOpts {
            actor: actor.clone(),
            source: Some(SourceOpt(Source::App)),
            patch: Patch {
                name,
                message,
                psp_reference,
                external_url,
                available_actions,
                metadata,
                private_metadata,
            },
            ..Default::default()
        };
        match self.record(token, changes, opts).await? {
            Recorded::Done { transaction, .. } => Ok(*transaction),
            Recorded::Duplicate => Err(anyhow::anyhow!("unexpected duplicate").into()),
        }
    }

    /// Apps may change only transactions they created (staff: any app-managed one).
    fn check_owner(&self, t: &tx::Model, actor: &Actor) -> PResult<()> {
        if let Some(app) = actor.app_id
            && t.app_id.is_some_and(|a| a != app)
        {
            return Err(invalid(
                Some("id"),
                Code::NotFound,
                "Couldn't resolve to a node: the transaction (created by another app).",
            ));
        }
        Ok(())
    }

    /// `transactionEventReport`: an app reports what its provider did. Returns the
    /// transaction, the event and whether it had been reported before.
    #[allow(clippy::too_many_arguments)]
    pub async fn event_report(
        &self,
        token: &str,
        kind: EventKind,
        amount: Option<Decimal>,
        psp_reference: String,
        message: Option<String>,
        external_url: Option<String>,
        available_actions: Option<Vec<String>>,
        time: Option<chrono::DateTime<Utc>>,
        metadata: Option<Value>,
        private_metadata: Option<Value>,
        actor: &Actor,
    ) -> PResult<(tx::Model, Option<tx_event::Model>, bool)> {
        let t = self.find(token).await?.ok_or_else(|| {
            invalid(
                Some("id"),
                Code::NotFound,
                "Couldn't resolve to a node: the transaction.",
            )
        })?;
        self.check_owner(&t, actor)?;
        let amount = match amount {
            Some(a) => money::to_minor(a, &t.currency)
                .map_err(|e| invalid(Some("amount"), Code::Invalid, e.to_string()))?,
            None if kind == EventKind::Info => 0,
            None => {
                return Err(invalid(
                    Some("amount"),
                    Code::Required,
                    "The amount is required.",
                ));
            }
        };
        let previous = tx_event::Entity::find()
            .filter(tx_event::Column::TransactionId.eq(t.id))
            .filter(tx_event::Column::Kind.eq(kind_name(kind)))
            .filter(tx_event::Column::PspReference.eq(psp_reference.clone()))
            .one(&self.db)
            .await?;
        if let Some(prev) = previous
            && kind != EventKind::Info
        {
            if prev.amount == amount {
                return Ok((t, Some(prev), true));
            }
            return Err(invalid(
                Some("pspReference"),
                Code::IncorrectDetails,
                "Event with the same type and pspReference but a different amount already exists.",
            ));
        }
        let outcome = GatewayOutcome {
            kind,
            amount: Amount::new(amount, &t.currency),
            psp_reference: Some(psp_reference.clone()),
            message: message.clone().unwrap_or_default(),
            external_url: external_url.clone(),
            client_data: None,
        };
        let opts = RecordOpts {
            actor: actor.clone(),
            source: Some(SourceOpt(Source::App)),
            patch: Patch {
                psp_reference: Some(psp_reference).filter(|_| t.psp_reference.is_empty()),
                external_url,
                available_actions,
                metadata,
                private_metadata,
                ..Default::default()
            },
            event_time: time,
            ..Default::default()
        };
        match self
            .record(token, vec![Change::Outcome(outcome)], opts)
            .await?
        {
            Recorded::Done {
                transaction,
                mut events,
            } => Ok((*transaction, events.pop(), false)),
            Recorded::Duplicate => Err(anyhow::anyhow!("unexpected duplicate").into()),
        }
    }

    /// `orderMarkAsPaid`: records a manual charge of what is left to pay.
    pub async fn mark_as_paid(
        &self,
        order_id: &str,
        reference: Option<String>,
        actor: &Actor,
    ) -> PResult<()> {
        let order = shop_order::Entity::find_by_id(order_id.to_owned())
            .one(&self.db)
            .await?
            .ok_or_else(|| {
                invalid(
                    Some("id"),
                    Code::NotFound,
                    "Couldn't resolve to a node: the order.",
                )
            })?;
        let s = Sums::of(&self.for_order(order_id).await?);
        if s.charged >= order.total {
            return Err(invalid(
                Some("id"),
                Code::Invalid,
                "Order is already fully paid.",
            ));
        }
        let left = order.total - s.charged;
        let amount = money::to_decimal(left, &order.currency);
        let reference = reference.unwrap_or_default();
        self.create(
            Owner::Order(order_id.to_owned()),
            Some("Manual payment".to_owned()),
            Some("Marked as paid".to_owned()),
            Some(reference.clone()),
            Some(vec!["REFUND".to_owned()]),
            [None, Some((amount, order.currency.clone())), None, None],
            None,
            None,
            None,
            Some((Some("Marked as paid.".to_owned()), Some(reference))),
            actor,
        )
        .await?;
        Ok(())
    }

    // -------------------------------------------------------------- webhooks

    /// A provider webhook for gateway `key` (optionally for one channel).
    pub async fn handle_webhook(
        &self,
        key: &str,
        channel_slug: Option<&str>,
        headers: &axum::http::HeaderMap,
        body: &[u8],
    ) -> PResult<WebhookResult> {
        let Some(gateway) = registry::by_key(key) else {
            return Ok(WebhookResult::NotFound);
        };
        let mut query = gateway_config::Entity::find()
            .filter(gateway_config::Column::Gateway.eq(gateway.key()));
        if let Some(slug) = channel_slug {
            let Some(ch) = channel::Entity::find()
                .filter(channel::Column::Slug.eq(slug))
                .one(&self.db)
                .await?
            else {
                return Ok(WebhookResult::NotFound);
            };
            query = query.filter(gateway_config::Column::ChannelId.eq(ch.id));
        }
        let rows = query
            .order_by_asc(gateway_config::Column::Id)
            .all(&self.db)
            .await?;
        if rows.is_empty() {
            return Ok(WebhookResult::NotFound);
        }
        // Each channel has its own signing secret: the one that verifies names the channel.
        let mut note: Option<WebhookNotification> = None;
        let mut rejected = None;
        for row in rows {
            let secrets = match row.secrets.as_deref() {
                Some(s) => self.open(s, &secret_context(row.channel_id, gateway.key()))?,
                None => json!({}),
            };
            let channel = self.channel(row.channel_id).await?;
            let base = row
                .base_url
                .clone()
                .unwrap_or_else(|| gateway.default_base_url().to_owned());
            let call = GatewayCall {
                channel: &channel.slug,
                settings: &row.settings,
                secrets: &secrets,
                base_url: &base,
                http: &self.http,
            };
            match gateway.handle_webhook(&call, headers, body).await {
                Ok(n) => {
                    note = Some(n);
                    break;
                }
                Err(GatewayError::BadSignature | GatewayError::Config(_)) => {}
                Err(e) => rejected = Some(e.to_string()),
            }
        }
        let Some(note) = note else {
            return Ok(match rejected {
                Some(m) => WebhookResult::Rejected(m),
                None => WebhookResult::BadSignature,
            });
        };
        let mut t = match &note.transaction_id {
            Some(id) => self.find(id).await?,
            None => None,
        };
        if t.is_none()
            && let Some(psp) = note.psp_reference.as_deref().filter(|p| !p.is_empty())
        {
            t = tx::Entity::find()
                .filter(tx::Column::PspReference.eq(psp))
                .filter(tx::Column::Gateway.eq(gateway.id()))
                .one(&self.db)
                .await?;
        }
        let dedupe = (gateway.key().to_owned(), note.provider_event_id.clone());
        let Some(t) = t.filter(|t| t.gateway.as_deref() == Some(gateway.id())) else {
            // Not ours (or nothing to do): remember it, acknowledge it.
            return self.remember_webhook(&dedupe).await;
        };
        if note.outcomes.is_empty() {
            return self.remember_webhook(&dedupe).await;
        }
        let changes = note.outcomes.into_iter().map(Change::Outcome).collect();
        let opts = RecordOpts {
            source: Some(SourceOpt(Source::Gateway)),
            webhook: Some(dedupe),
            ..Default::default()
        };
        match self.record(&t.token, changes, opts).await {
            Ok(Recorded::Done { .. }) => Ok(WebhookResult::Applied),
            Ok(Recorded::Duplicate) => Ok(WebhookResult::Duplicate),
            Err(PaymentError::Invalid(f)) => Ok(WebhookResult::Rejected(f.message)),
            Err(e) => Err(e),
        }
    }

    async fn remember_webhook(&self, (gateway, id): &(String, String)) -> PResult<WebhookResult> {
        let res = payment_webhook_event::ActiveModel {
            gateway: Set(gateway.clone()),
            provider_event_id: Set(id.clone()),
            received_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await;
        match res {
            Ok(_) => Ok(WebhookResult::Applied),
            Err(e) if crate::account::service::is_unique_violation(&e) => {
                Ok(WebhookResult::Duplicate)
            }
            Err(e) => Err(e.into()),
        }
    }

    // -------------------------------------------------------------- the write path

    /// Applies `changes` to transaction `token` in one database transaction, with the
    /// resulting order/checkout events; a webhook id seen before changes nothing.
    async fn record(
        &self,
        token: &str,
        changes: Vec<Change>,
        opts: RecordOpts,
    ) -> PResult<Recorded> {
        let source = opts.source.map_or(Source::App, |s| s.0);
        // The checkout's total needs the catalog: read it before taking the write lock.
        let pre = self
            .find(token)
            .await?
            .ok_or_else(|| anyhow::anyhow!("transaction {token} missing"))?;
        let checkout_total = match (&pre.checkout_token, &pre.order_id) {
            (Some(c), None) => match checkout::Entity::find_by_id(c.clone())
                .one(&self.db)
                .await?
            {
                Some(c) => Some(self.checkout_total(&c).await?),
                None => None,
            },
            _ => None,
        };
        let txn = crate::db::begin_write(&self.db).await?;
        if let Some((gateway, id)) = &opts.webhook {
            let res = payment_webhook_event::ActiveModel {
                gateway: Set(gateway.clone()),
                provider_event_id: Set(id.clone()),
                received_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await;
            match res {
                Ok(_) => {}
                Err(e) if crate::account::service::is_unique_violation(&e) => {
                    txn.rollback().await?;
                    return Ok(Recorded::Duplicate);
                }
                Err(e) => return Err(e.into()),
            }
        }
        let mut query = tx::Entity::find().filter(tx::Column::Token.eq(token));
        if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            query = sea_orm::QuerySelect::lock_exclusive(query);
        }
        let mut t = query
            .one(&txn)
            .await?
            .ok_or_else(|| anyhow::anyhow!("transaction {token} missing"))?;
        let owner = OwnerState::load(&txn, &t, checkout_total).await?;
        let now = Utc::now();
        let mut events = Vec::new();
        for change in changes {
            match change {
                Change::Outcome(o) => {
                    if let Some(e) = apply(&txn, &mut t, &o, source, &opts, now).await? {
                        events.push(e);
                    }
                }
                Change::Set {
                    authorized,
                    charged,
                    refunded,
                    canceled,
                } => {
                    let diffs = [
                        (authorized, t.authorized, EventKind::AuthorizationAdjustment),
                        (charged, t.charged, EventKind::ChargeSuccess),
                        (refunded, t.refunded, EventKind::RefundSuccess),
                        (canceled, t.canceled, EventKind::CancelSuccess),
                    ];
                    for (new, old, kind) in diffs {
                        let Some(new) = new else { continue };
                        if new == old {
                            continue;
                        }
                        let (kind, amount) = match kind {
                            EventKind::AuthorizationAdjustment => (kind, new),
                            EventKind::ChargeSuccess if new < old => {
                                (EventKind::ChargeBack, old - new)
                            }
                            EventKind::RefundSuccess if new < old => {
                                (EventKind::RefundReverse, old - new)
                            }
                            EventKind::CancelSuccess if new < old => (EventKind::Info, old - new),
                            _ => (kind, new - old),
                        };
                        events.push(
                            insert_event(&txn, &t, kind, amount, "", "", "", &opts, now).await?,
                        );
                    }
                    t.authorized = authorized.unwrap_or(t.authorized);
                    t.charged = charged.unwrap_or(t.charged);
                    t.refunded = refunded.unwrap_or(t.refunded);
                    t.canceled = canceled.unwrap_or(t.canceled);
                }
                Change::Info {
                    message,
                    psp_reference,
                } => {
                    events.push(
                        insert_event(
                            &txn,
                            &t,
                            EventKind::Info,
                            0,
                            &psp_reference,
                            &message,
                            "",
                            &opts,
                            now,
                        )
                        .await?,
                    );
                }
            }
        }
        let p = &opts.patch;
        if let Some(v) = &p.name {
            t.name = v.clone();
        }
        if let Some(v) = &p.message {
            t.message = v.clone();
        }
        if let Some(v) = &p.psp_reference {
            t.psp_reference = v.clone();
        }
        if let Some(v) = &p.external_url {
            t.external_url = v.clone();
        }
        if let Some(m) = &p.metadata {
            t.metadata = m.clone();
        }
        if let Some(m) = &p.private_metadata {
            t.private_metadata = m.clone();
        }
        match &p.available_actions {
            Some(actions) => t.available_actions = json!(actions),
            None if t.gateway.is_some() => t.available_actions = json!(gateway_actions(&t)),
            None => {}
        }
        if opts.release_lock {
            t.locked_until = None;
        }
        t.modified_at = now;
        let t = t.into_active_model().reset_all().update(&txn).await?;
        owner.emit(&txn, &opts.actor).await?;
        txn.commit().await?;
        self.events.wake();
        if let Some(token) = owner.auto_complete_checkout() {
            self.auto_complete(&token).await;
        }
        Ok(Recorded::Done {
            transaction: Box::new(t),
            events,
        })
    }

    /// Completes a fully paid checkout when its channel asks for it (Saleor's
    /// `automaticallyCompleteFullyPaidCheckouts`). Failures leave the checkout as it is.
    async fn auto_complete(&self, token: &str) {
        let Ok(Some(c)) = checkout::Entity::find_by_id(token.to_owned())
            .one(&self.db)
            .await
        else {
            return;
        };
        let Ok(channel) = self.channel(c.channel_id).await else {
            return;
        };
        if !channel.automatically_complete_fully_paid_checkouts || c.order_id.is_some() {
            return;
        }
        let actor = crate::checkout::service::Actor {
            user_id: c.user_id,
            email: c.email.clone(),
            manage: true,
            requestor: None,
        };
        if let Err(e) = self.checkout.complete(token, &actor).await {
            tracing::info!(checkout = token, error = %e, "fully paid checkout not completed automatically");
        }
    }
}

/// Whom a transaction belongs to.
#[derive(Clone, Debug)]
pub enum Owner {
    Checkout(String),
    Order(String),
}

fn supports(g: &dyn PaymentGateway, currency: &str) -> bool {
    g.currencies()
        .is_none_or(|list| list.iter().any(|c| c.eq_ignore_ascii_case(currency)))
}

fn gateway_failure(e: &GatewayError, field: &str) -> Failure {
    Failure::new(Some(field), Code::Invalid, e.to_string())
}

fn gateway_actions(t: &tx::Model) -> Vec<&'static str> {
    let mut actions = Vec::new();
    if t.authorized > 0 {
        actions.push("CHARGE");
    }
    if t.charged > 0 {
        actions.push("REFUND");
    }
    if t.authorized > 0 {
        actions.push("CANCEL");
    }
    actions
}

fn minor_amounts(
    amounts: [Option<(Decimal, String)>; 4],
    currency: &str,
    fields: [&str; 4],
) -> PResult<[Option<i64>; 4]> {
    let mut out = [None; 4];
    for (i, a) in amounts.into_iter().enumerate() {
        let Some((amount, cur)) = a else { continue };
        if !cur.eq_ignore_ascii_case(currency) {
            return Err(invalid(
                Some(fields[i]),
                Code::IncorrectCurrency,
                format!("Currency must be {currency}."),
            ));
        }
        out[i] = Some(
            money::to_minor(amount, currency)
                .map_err(|e| invalid(Some(fields[i]), Code::Invalid, e.to_string()))?,
        );
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
async fn insert_event<C: ConnectionTrait>(
    conn: &C,
    t: &tx::Model,
    kind: EventKind,
    amount: i64,
    psp_reference: &str,
    message: &str,
    external_url: &str,
    opts: &RecordOpts,
    now: chrono::DateTime<Utc>,
) -> PResult<tx_event::Model> {
    Ok(tx_event::ActiveModel {
        transaction_id: Set(t.id),
        kind: Set(kind_name(kind).to_owned()),
        amount: Set(amount),
        currency: Set(t.currency.clone()),
        psp_reference: Set(psp_reference.to_owned()),
        message: Set(message.to_owned()),
        external_url: Set(external_url.to_owned()),
        user_id: Set(opts.actor.user_id),
        app_id: Set(opts.actor.app_id),
        idempotency_key: Set(None),
        created_at: Set(opts.event_time.unwrap_or(now)),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

/// Applies one provider outcome to `t` and records its event (or nothing when the same
/// event was recorded before).
async fn apply<C: ConnectionTrait>(
    conn: &C,
    t: &mut tx::Model,
    o: &GatewayOutcome,
    source: Source,
    opts: &RecordOpts,
    now: chrono::DateTime<Utc>,
) -> PResult<Option<tx_event::Model>> {
    use EventKind::*;
    if !o.amount.currency.eq_ignore_ascii_case(&t.currency) {
        return Err(invalid(
            Some("amount"),
            Code::IncorrectCurrency,
            format!(
                "Currency mismatch: the transaction is in {}, the provider reported {}.",
                t.currency, o.amount.currency
            ),
        ));
    }
    let a = o.amount.minor;
    if a < 0 {
        return Err(invalid(Some("amount"), Code::Invalid, "Negative amount."));
    }
    let psp = o.psp_reference.clone().unwrap_or_default();
    if source == Source::Gateway && !psp.is_empty() && o.kind != Info {
        let seen = tx_event::Entity::find()
            .filter(tx_event::Column::TransactionId.eq(t.id))
            .filter(tx_event::Column::Kind.eq(kind_name(o.kind)))
            .filter(tx_event::Column::PspReference.eq(psp.clone()))
            .filter(tx_event::Column::Amount.eq(a))
            .one(conn)
            .await?;
        if seen.is_some() {
            return Ok(None);
        }
    }
    if source == Source::Gateway {
        let mismatch = match o.kind {
            ChargeSuccess => t.amount_requested > 0 && t.charged + a > t.amount_requested,
            AuthorizationSuccess => t.amount_requested > 0 && a > t.amount_requested,
            RefundSuccess => a > t.charged,
            _ => false,
        };
        if mismatch {
            return Err(invalid(
                Some("amount"),
                Code::Invalid,
                format!(
                    "Amount mismatch: {} {} {} does not fit the transaction ({} requested, {} charged).",
                    kind_name(o.kind),
                    money::to_decimal(a, &t.currency),
                    t.currency,
                    money::to_decimal(t.amount_requested, &t.currency),
                    money::to_decimal(t.charged, &t.currency),
                ),
            ));
        }
    }
    let sub = |v: i64, by: i64| Ord::max(v - by, 0);
    match o.kind {
        AuthorizationSuccess => {
            t.authorized += a;
            t.authorize_pending = sub(t.authorize_pending, a);
        }
        AuthorizationAdjustment => t.authorized = a,
        AuthorizationFailure => t.authorize_pending = sub(t.authorize_pending, a),
        AuthorizationRequest => t.authorize_pending += a,
        ChargeSuccess => {
            t.charged += a;
            t.charge_pending = sub(t.charge_pending, a);
            if parse_flow(&t.flow) == Flow::Authorization || t.authorized > 0 {
                t.authorized = sub(t.authorized, a);
            }
        }
        ChargeFailure => t.charge_pending = sub(t.charge_pending, a),
        ChargeRequest => t.charge_pending += a,
        ChargeBack => t.charged = sub(t.charged, a),
        RefundSuccess => {
            t.refunded += a;
            t.charged = sub(t.charged, a);
            t.refund_pending = sub(t.refund_pending, a);
        }
        RefundFailure => t.refund_pending = sub(t.refund_pending, a),
        RefundRequest => t.refund_pending += a,
        RefundReverse => {
            t.refunded = sub(t.refunded, a);
            t.charged += a;
        }
        CancelSuccess => {
            t.canceled += a;
            t.authorized = sub(t.authorized, a);
            t.cancel_pending = sub(t.cancel_pending, a);
        }
        CancelFailure => t.cancel_pending = sub(t.cancel_pending, a),
        CancelRequest => t.cancel_pending += a,
        AuthorizationActionRequired | ChargeActionRequired | Info => {}
    }
    if t.psp_reference.is_empty()
        && !psp.is_empty()
        && !matches!(o.kind, RefundSuccess | RefundFailure | RefundRequest)
    {
        t.psp_reference = psp.clone();
    }
    if !o.message.is_empty() && source == Source::Gateway {
        t.message = o.message.clone();
    }
    if let Some(url) = &o.external_url
        && t.external_url.is_empty()
    {
        t.external_url = url.clone();
    }
    let event = insert_event(
        conn,
        t,
        o.kind,
        a,
        &psp,
        &o.message,
        o.external_url.as_deref().unwrap_or(""),
        opts,
        now,
    )
    .await?;
    Ok(Some(event))
}

/// The order or checkout a transaction belongs to, with its payment sums before a change.
struct OwnerState {
    kind: Option<OwnerKind>,
    before: Sums,
    total: i64,
    channel_id: i32,
    user_id: Option<i32>,
    /// Set by `emit`: the checkout became fully paid.
    fully_paid_checkout: std::sync::Mutex<Option<String>>,
}

enum OwnerKind {
    Checkout(String),
    Order(String),
}

impl OwnerState {
    async fn load<C: ConnectionTrait>(
        conn: &C,
        t: &tx::Model,
        checkout_total: Option<i64>,
    ) -> PResult<Self> {
        let (kind, total, user_id, rows) = match (&t.order_id, &t.checkout_token) {
            (Some(order_id), _) => {
                let order = shop_order::Entity::find_by_id(order_id.clone())
                    .one(conn)
                    .await?;
                let rows = tx::Entity::find()
                    .filter(tx::Column::OrderId.eq(order_id.clone()))
                    .all(conn)
                    .await?;
                (
                    Some(OwnerKind::Order(order_id.clone())),
                    order.as_ref().map_or(0, |o| o.total),
                    order.and_then(|o| o.user_id),
                    rows,
                )
            }
            (None, Some(token)) => {
                let c = checkout::Entity::find_by_id(token.clone())
                    .one(conn)
                    .await?;
                let rows = tx::Entity::find()
                    .filter(tx::Column::CheckoutToken.eq(token.clone()))
                    .filter(tx::Column::OrderId.is_null())
                    .all(conn)
                    .await?;
                (
                    Some(OwnerKind::Checkout(token.clone())),
                    checkout_total.unwrap_or(0),
                    c.and_then(|c| c.user_id),
                    rows,
                )
            }
            (None, None) => (None, 0, None, Vec::new()),
        };
        Ok(Self {
            kind,
            before: Sums::of(&rows),
            total,
            channel_id: t.channel_id,
            user_id,
            fully_paid_checkout: std::sync::Mutex::new(None),
        })
    }

    /// Writes the outbox events for the owner's status changes.
    async fn emit<C: ConnectionTrait>(&self, conn: &C, actor: &Actor) -> PResult<()> {
        let Some(kind) = &self.kind else {
            return Ok(());
        };
        let rows = match kind {
            OwnerKind::Order(id) => {
                tx::Entity::find()
                    .filter(tx::Column::OrderId.eq(id.clone()))
                    .all(conn)
                    .await?
            }
            OwnerKind::Checkout(token) => {
                tx::Entity::find()
                    .filter(tx::Column::CheckoutToken.eq(token.clone()))
                    .filter(tx::Column::OrderId.is_null())
                    .all(conn)
                    .await?
            }
        };
        let after = Sums::of(&rows);
        if after == self.before {
            return Ok(());
        }
        let slug = channel::Entity::find_by_id(self.channel_id)
            .one(conn)
            .await?
            .map(|c| c.slug);
        let event = |t: EventType, object: &'static str, id: &str| {
            let mut e = NewEvent::new(t, object, id).requestor(actor.requestor.clone());
            e.channel_slug = slug.clone();
            e.user_id = self.user_id;
            e
        };
        let was = charge_status(self.total, &self.before);
        let now = charge_status(self.total, &after);
        match kind {
            OwnerKind::Order(id) => {
                outbox::push(conn, event(EventType::OrderUpdated, "Order", id)).await?;
                if after.charged > self.before.charged {
                    outbox::push(conn, event(EventType::OrderPaid, "Order", id)).await?;
                }
                if was < ChargeStatus::Full && now >= ChargeStatus::Full {
                    outbox::push(conn, event(EventType::OrderFullyPaid, "Order", id)).await?;
                }
                if after.refunded > self.before.refunded {
                    outbox::push(conn, event(EventType::OrderRefunded, "Order", id)).await?;
                    if self.total > 0
                        && after.refunded >= self.total
                        && self.before.refunded < self.total
                    {
                        outbox::push(conn, event(EventType::OrderFullyRefunded, "Order", id))
                            .await?;
                    }
                }
            }
            OwnerKind::Checkout(token) => {
                let full = |s: &Sums| s.charged >= self.total && self.total > 0;
                if full(&after) && !full(&self.before) {
                    outbox::push(conn, event(EventType::CheckoutFullyPaid, "Checkout", token))
                        .await?;
                }
                let was_auth = authorize_status(self.total, &self.before);
                let now_auth = authorize_status(self.total, &after);
                if now_auth == AuthorizeStatus::Full
                    && was_auth != AuthorizeStatus::Full
                    && let Ok(mut slot) = self.fully_paid_checkout.lock()
                {
                    *slot = Some(token.clone());
                }
            }
        }
        Ok(())
    }

    fn auto_complete_checkout(&self) -> Option<String> {
        self.fully_paid_checkout.lock().ok().and_then(|s| s.clone())
    }
}

// ------------------------------------------------------------------------ checkout hooks

/// Why a checkout cannot become an order yet.
#[derive(Debug)]
pub struct NotFullyPaid;

/// Called by `checkoutComplete` inside its transaction: enforces the channel's
/// `allowUnpaidOrders`, moves the checkout's transactions to the order and records the
/// order's payment events.
pub async fn attach_to_order<C: ConnectionTrait>(
    conn: &C,
    checkout_token: &str,
    order_id: &str,
    channel: &channel::Model,
    total: i64,
    user_id: Option<i32>,
    requestor: Option<String>,
) -> Result<Result<(), NotFullyPaid>, DbErr> {
    let rows = tx::Entity::find()
        .filter(tx::Column::CheckoutToken.eq(checkout_token))
        .filter(tx::Column::OrderId.is_null())
        .all(conn)
        .await?;
    let s = Sums::of(&rows);
    if !channel.allow_unpaid_orders && total > 0 && s.charged + s.authorized < total {
        return Ok(Err(NotFullyPaid));
    }
    if rows.is_empty() {
        return Ok(Ok(()));
    }
    tx::Entity::update_many()
        .col_expr(tx::Column::OrderId, Expr::value(order_id.to_owned()))
        .filter(tx::Column::CheckoutToken.eq(checkout_token))
        .filter(tx::Column::OrderId.is_null())
        .exec(conn)
        .await?;
    let event = |t: EventType| {
        let mut e = NewEvent::new(t, "Order", order_id).requestor(requestor.clone());
        e.channel_slug = Some(channel.slug.clone());
        e.user_id = user_id;
        e
    };
    if s.charged > 0 {
        outbox::push(conn, event(EventType::OrderPaid)).await?;
    }
    if charge_status(total, &s) >= ChargeStatus::Full {
        outbox::push(conn, event(EventType::OrderFullyPaid)).await?;
    }
    Ok(Ok(()))
}

/// Re-seals every gateway configuration's secrets with `current` (after a master-key
/// rotation; secrets sealed with `previous` open too). Returns how many rows changed.
/// Serving instances read both keys meanwhile (`BIZGRAPH_PREVIOUS_SECRET_KEY`), so the
/// rotation needs no downtime.
pub async fn reseal_secrets(
    db: &DatabaseConnection,
    current: &MasterKey,
    previous: Option<&MasterKey>,
) -> anyhow::Result<usize> {
    let txn = crate::db::begin_write(db).await?;
    let rows = gateway_config::Entity::find().all(&txn).await?;
    let mut count = 0;
    for row in rows {
        let Some(sealed) = row.secrets.as_deref() else {
            continue;
        };
        let context = secret_context(row.channel_id, &row.gateway);
        let plain = match current.decrypt(sealed, &context) {
            Ok(p) => p,
            Err(_) => previous
                .ok_or_else(|| {
                    anyhow::anyhow!("gateway config {}: cannot open its secrets", row.id)
                })?
                .decrypt(sealed, &context)
                .map_err(|_| {
                    anyhow::anyhow!(
                        "gateway config {}: cannot open its secrets with either key",
                        row.id
                    )
                })?,
        };
        let resealed = current.encrypt(&plain, &context)?;
        let mut am = row.into_active_model();
        am.secrets = Set(Some(resealed));
        am.update(&txn).await?;
        count += 1;
    }
    txn.commit().await?;
    Ok(count)
}

/// Demo data: the dummy gateway active in every channel that has no dummy configuration
/// yet, and unpaid orders allowed (so a demo checkout completes without paying). Returns
/// whether anything changed.
pub async fn seed_demo(db: &DatabaseConnection) -> Result<bool, DbErr> {
    let txn = db.begin().await?;
    let now = Utc::now();
    let configured: Vec<i32> = gateway_config::Entity::find()
        .filter(gateway_config::Column::Gateway.eq(DUMMY))
        .all(&txn)
        .await?
        .into_iter()
        .map(|c| c.channel_id)
        .collect();
    let mut changed = false;
    for ch in channel::Entity::find().all(&txn).await? {
        if configured.contains(&ch.id) {
            continue;
        }
        gateway_config::ActiveModel {
            channel_id: Set(ch.id),
            gateway: Set(DUMMY.to_owned()),
            is_active: Set(true),
            settings: Set(json!({})),
            secrets: Set(None),
            secrets_masked: Set(json!({})),
            base_url: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut am = ch.into_active_model();
        am.allow_unpaid_orders = Set(true);
        am.update(&txn).await?;
        changed = true;
    }
    txn.commit().await?;
    Ok(changed)
}

/// The slugs of the channels where the `dummy` gateway is active: anyone can place orders
/// there "paid" without money. Reported by the start-up log and `/health/`.
pub async fn channels_with_active_dummy(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    let ids: Vec<i32> = gateway_config::Entity::find()
        .filter(gateway_config::Column::Gateway.eq(DUMMY))
        .filter(gateway_config::Column::IsActive.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.channel_id)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(channel::Entity::find()
        .filter(channel::Column::Id.is_in(ids))
        .order_by_asc(channel::Column::Slug)
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.slug)
        .collect())
}
