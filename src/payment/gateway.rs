//! The `PaymentGateway` trait: what every in-process payment provider implements.
//!
//! A gateway is stateless: everything it needs for one call (the channel's decrypted
//! credentials, the provider's base URL, an HTTP client) arrives in a [`GatewayCall`]. It
//! talks to the provider and answers with [`GatewayOutcome`]s — Saleor transaction events —
//! which the payment service records on the `TransactionItem`. Adding a provider means one
//! module implementing this trait and one line in [`super::registry`].

use async_trait::async_trait;
use serde_json::Value;

/// An amount of money in integer minor units (cents, paise; yen for JPY).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Amount {
    pub minor: i64,
    /// ISO 4217 code, upper case.
    pub currency: String,
}

impl Amount {
    /// `minor` units of `currency`.
    pub fn new(minor: i64, currency: &str) -> Self {
        Self {
            minor,
            currency: currency.to_ascii_uppercase(),
        }
    }

    /// The amount as a decimal string with the currency's digits (`"10.50"`), as PayPal
    /// and PayU expect it.
    pub fn decimal_string(&self) -> String {
        crate::catalog::money::to_decimal(self.minor, &self.currency).to_string()
    }
}

/// One call's view of a channel's configuration for a gateway.
pub struct GatewayCall<'a> {
    /// Slug of the channel the payment belongs to.
    pub channel: &'a str,
    /// Non-secret settings (e.g. Stripe's publishable key, PayPal's client id,
    /// capture mode); returned masked-free to staff.
    pub settings: &'a Value,
    /// Decrypted secrets (API keys, webhook secrets). Never logged, never returned.
    pub secrets: &'a Value,
    /// The provider's API base URL (configurable so tests use local fakes).
    pub base_url: &'a str,
    /// Shared HTTP client with connect/response timeouts.
    pub http: &'a reqwest::Client,
}

impl GatewayCall<'_> {
    /// A required secret as a string.
    pub fn secret(&self, key: &str) -> Result<&str, GatewayError> {
        self.secrets
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| GatewayError::Config(format!("Missing secret `{key}`.")))
    }

    /// An optional non-secret setting as a string.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings.get(key).and_then(Value::as_str)
    }
}

/// Whether the customer's money is taken now or only reserved (Saleor's
/// `TransactionFlowStrategyEnum`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Charge,
    Authorization,
}

/// Saleor's `TransactionEventTypeEnum`: what happened to a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
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

/// Start a provider-side payment for a transaction we just created.
pub struct InitializeRequest<'a> {
    /// Our `TransactionItem` token (UUID): sent to the provider as idempotency key /
    /// reference / metadata so its webhooks can be matched back.
    pub transaction_id: &'a str,
    pub amount: Amount,
    pub flow: Flow,
    /// `paymentGateway.data` from the storefront (e.g. dummy's requested outcome,
    /// Stripe's payment method id).
    pub data: Option<&'a Value>,
    /// Buyer's e-mail when known (PayU and Razorpay require contact details).
    pub email: Option<&'a str>,
    /// Checkout or order id the payment is for (for the provider's description).
    pub source_object: &'a str,
}

/// Continue a transaction after the client-side step (3-D Secure, PayPal approval,
/// Razorpay/PayU callback).
pub struct ProcessRequest<'a> {
    pub transaction_id: &'a str,
    /// The provider's reference from initialization.
    pub psp_reference: Option<&'a str>,
    /// Amount the transaction was initialized for.
    pub amount: Amount,
    pub flow: Flow,
    /// `transactionProcess(data:)` from the storefront (e.g. Razorpay's
    /// `razorpay_payment_id` + signature, PayU's response fields).
    pub data: Option<&'a Value>,
}

/// What the provider said: one transaction event.
#[derive(Clone, Debug, PartialEq)]
pub struct GatewayOutcome {
    pub kind: EventKind,
    /// The amount this event is about (the charged, authorized, refunded… amount).
    pub amount: Amount,
    /// The provider's id of the payment (PaymentIntent, PayPal order, Razorpay payment…).
    pub psp_reference: Option<String>,
    /// Human-readable explanation (shown in `TransactionEvent.message`).
    pub message: String,
    /// Link to the payment in the provider's dashboard.
    pub external_url: Option<String>,
    /// Data for the storefront (`TransactionInitialize.data` / `TransactionProcess.data`),
    /// e.g. Stripe's client secret or PayU's signed form fields.
    pub client_data: Option<Value>,
}

/// A verified provider webhook, mapped to our events.
#[derive(Clone, Debug, PartialEq)]
pub struct WebhookNotification {
    /// The provider's unique id of this notification: replays carry the same id and are
    /// ignored (unique key in the database).
    pub provider_event_id: String,
    /// Our transaction token when the provider echoes it (metadata / notes / udf), used
    /// before `psp_reference` to find the transaction.
    pub transaction_id: Option<String>,
    /// The provider's payment reference, to find the transaction otherwise.
    pub psp_reference: Option<String>,
    /// What happened; empty for notifications we acknowledge but do not act on.
    pub outcomes: Vec<GatewayOutcome>,
}

/// Why a gateway call failed (as opposed to a payment that was declined, which is a
/// `*_FAILURE` [`GatewayOutcome`]).
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The channel's configuration is missing or invalid.
    #[error("Payment gateway is misconfigured: {0}")]
    Config(String),
    /// The provider could not be reached, timed out or answered 5xx; nothing is known to
    /// have happened.
    #[error("Payment provider unavailable: {0}")]
    Unavailable(String),
    /// The provider rejected the request (4xx other than a decline).
    #[error("Payment provider rejected the request: {0}")]
    Rejected(String),
    /// The input from the storefront is invalid for this gateway.
    #[error("{0}")]
    InvalidData(String),
    /// A webhook or callback whose signature does not verify.
    #[error("Invalid signature.")]
    BadSignature,
}

/// One payment provider.
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Stable id used in the API (`PaymentGateway.id`, `paymentGateway.id` inputs) and in
    /// the webhook URL.
    fn id(&self) -> &'static str;
    /// Display name.
    fn name(&self) -> &'static str;
    /// Short key used in `/payments/{key}/webhook` and in the configuration mutation.
    fn key(&self) -> &'static str;
    /// Default API base URL (overridden per channel for sandboxes and tests).
    fn default_base_url(&self) -> &'static str;
    /// Currencies this gateway can take; `None` means any.
    fn currencies(&self) -> Option<&'static [&'static str]>;
    /// Names of the secrets it needs (validated on save, masked on read).
    fn secret_keys(&self) -> &'static [&'static str];

    /// Configuration the storefront needs to render the payment form (e.g.
    /// `{"publishableKey": …}`); never contains secrets.
    async fn initialize(
        &self,
        call: &GatewayCall<'_>,
        data: Option<&Value>,
    ) -> Result<Value, GatewayError>;
    /// Creates the provider-side payment.
    async fn initialize_transaction(
        &self,
        call: &GatewayCall<'_>,
        request: &InitializeRequest<'_>,
    ) -> Result<GatewayOutcome, GatewayError>;
    /// Confirms or verifies a payment after the client-side step.
    async fn process(
        &self,
        call: &GatewayCall<'_>,
        request: &ProcessRequest<'_>,
    ) -> Result<GatewayOutcome, GatewayError>;
    /// Captures (part of) an authorized payment.
    async fn charge(
        &self,
        call: &GatewayCall<'_>,
        psp_reference: &str,
        amount: &Amount,
    ) -> Result<GatewayOutcome, GatewayError>;
    /// Refunds (part of) a charged payment.
    async fn refund(
        &self,
        call: &GatewayCall<'_>,
        psp_reference: &str,
        amount: &Amount,
    ) -> Result<GatewayOutcome, GatewayError>;
    /// Voids an authorization.
    async fn cancel(
        &self,
        call: &GatewayCall<'_>,
        psp_reference: &str,
        amount: &Amount,
    ) -> Result<GatewayOutcome, GatewayError>;
    /// Verifies a provider webhook (signature over the raw body) and maps it.
    async fn handle_webhook(
        &self,
        call: &GatewayCall<'_>,
        headers: &axum::http::HeaderMap,
        body: &[u8],
    ) -> Result<WebhookNotification, GatewayError>;
}
