//! The built-in `dummy` gateway, for tests, demos and development. Like Saleor's Dummy
//! Payment App (`saleor.io.dummy-payment-app`), the storefront chooses the outcome in
//! `paymentGateway.data`: `{"event": {"type": "CHARGE_SUCCESS", "includePspReference": true}}`.
//! Allowed types: `CHARGE_SUCCESS`, `CHARGE_FAILURE`, `CHARGE_REQUEST` (pending),
//! `CHARGE_ACTION_REQUIRED`, and the same for `AUTHORIZATION_*`. Without data the payment
//! succeeds in the requested flow. `transactionProcess` after an action-required or pending
//! outcome succeeds unless its `data` asks for another outcome. Charge, refund and cancel
//! requests always succeed. No money moves and nothing leaves the process.

use async_trait::async_trait;
use serde_json::{Value, json};

use super::gateway::{
    Amount, EventKind, Flow, GatewayCall, GatewayError, GatewayOutcome, InitializeRequest,
    PaymentGateway, ProcessRequest, WebhookNotification,
};

/// The dummy gateway's key in channel configurations.
pub const KEY: &str = "dummy";

/// The dummy gateway.
pub struct Dummy;

/// Saleor's event type name for `kind` (the subset the dummy app accepts).
fn requested_kind(data: Option<&Value>, flow: Flow) -> Result<EventKind, GatewayError> {
    let Some(name) = data
        .and_then(|d| d.get("event"))
        .and_then(|e| e.get("type"))
    else {
        return Ok(success(flow));
    };
    let name = name.as_str().unwrap_or_default();
    Ok(match name {
        "CHARGE_SUCCESS" => EventKind::ChargeSuccess,
        "CHARGE_FAILURE" => EventKind::ChargeFailure,
        "CHARGE_REQUEST" => EventKind::ChargeRequest,
        "CHARGE_ACTION_REQUIRED" => EventKind::ChargeActionRequired,
        "AUTHORIZATION_SUCCESS" => EventKind::AuthorizationSuccess,
        "AUTHORIZATION_FAILURE" => EventKind::AuthorizationFailure,
        "AUTHORIZATION_REQUEST" => EventKind::AuthorizationRequest,
        "AUTHORIZATION_ACTION_REQUIRED" => EventKind::AuthorizationActionRequired,
        other => {
            return Err(GatewayError::InvalidData(format!(
                "Unsupported dummy event type `{other}`: use CHARGE_/AUTHORIZATION_ + SUCCESS, FAILURE, REQUEST or ACTION_REQUIRED."
            )));
        }
    })
}

fn success(flow: Flow) -> EventKind {
    match flow {
        Flow::Charge => EventKind::ChargeSuccess,
        Flow::Authorization => EventKind::AuthorizationSuccess,
    }
}

fn message(kind: EventKind) -> &'static str {
    match kind {
        EventKind::ChargeSuccess | EventKind::AuthorizationSuccess => "Great success!",
        EventKind::ChargeFailure | EventKind::AuthorizationFailure => "Payment declined (dummy).",
        EventKind::ChargeActionRequired | EventKind::AuthorizationActionRequired => {
            "Additional action required (dummy)."
        }
        EventKind::ChargeRequest | EventKind::AuthorizationRequest => "Payment pending (dummy).",
        _ => "",
    }
}

fn outcome(kind: EventKind, amount: &Amount, psp: Option<String>) -> GatewayOutcome {
    GatewayOutcome {
        kind,
        amount: amount.clone(),
        psp_reference: psp,
        message: message(kind).to_owned(),
        external_url: None,
        client_data: None,
    }
}

#[async_trait]
impl PaymentGateway for Dummy {
    fn id(&self) -> &'static str {
        "saleor.io.dummy-payment-app"
    }
    fn name(&self) -> &'static str {
        "Dummy"
    }
    fn key(&self) -> &'static str {
        KEY
    }
    fn default_base_url(&self) -> &'static str {
        ""
    }
    fn currencies(&self) -> Option<&'static [&'static str]> {
        None
    }
    fn secret_keys(&self) -> &'static [&'static str] {
        &[]
    }

    async fn initialize(
        &self,
        _call: &GatewayCall<'_>,
        _data: Option<&Value>,
    ) -> Result<Value, GatewayError> {
        Ok(json!({}))
    }

    async fn initialize_transaction(
        &self,
        _call: &GatewayCall<'_>,
        request: &InitializeRequest<'_>,
    ) -> Result<GatewayOutcome, GatewayError> {
        let kind = requested_kind(request.data, request.flow)?;
        let include_psp = request
            .data
            .and_then(|d| d.get("event"))
            .and_then(|e| e.get("includePspReference"))
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let psp = include_psp.then(|| format!("dummy-{}", request.transaction_id));
        Ok(outcome(kind, &request.amount, psp))
    }

    async fn process(
        &self,
        _call: &GatewayCall<'_>,
        request: &ProcessRequest<'_>,
    ) -> Result<GatewayOutcome, GatewayError> {
        let kind = requested_kind(request.data, request.flow)?;
        let psp = request
            .psp_reference
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| format!("dummy-{}", request.transaction_id));
        Ok(outcome(kind, &request.amount, Some(psp)))
    }

    async fn charge(
        &self,
        _call: &GatewayCall<'_>,
        psp_reference: &str,
        amount: &Amount,
    ) -> Result<GatewayOutcome, GatewayError> {
        let mut o = outcome(
            EventKind::ChargeSuccess,
            amount,
            Some(action_ref(psp_reference)),
        );
        o.message = "Charged (dummy).".to_owned();
        Ok(o)
    }

    async fn refund(
        &self,
        _call: &GatewayCall<'_>,
        psp_reference: &str,
        amount: &Amount,
    ) -> Result<GatewayOutcome, GatewayError> {
        let mut o = outcome(
            EventKind::RefundSuccess,
            amount,
            Some(action_ref(psp_reference)),
        );
        o.message = "Refunded (dummy).".to_owned();
        Ok(o)
    }

    async fn cancel(
        &self,
        _call: &GatewayCall<'_>,
        psp_reference: &str,
        amount: &Amount,
    ) -> Result<GatewayOutcome, GatewayError> {
        let mut o = outcome(
            EventKind::CancelSuccess,
            amount,
            Some(action_ref(psp_reference)),
        );
        o.message = "Canceled (dummy).".to_owned();
        Ok(o)
    }

    async fn handle_webhook(
        &self,
        _call: &GatewayCall<'_>,
        _headers: &axum::http::HeaderMap,
        _body: &[u8],
    ) -> Result<WebhookNotification, GatewayError> {
        // The dummy provider never calls back.
        Err(GatewayError::BadSignature)
    }
}

/// A distinct reference per charge/refund/cancel, so two equal partial refunds are two
/// events (events are deduplicated by type, reference and amount).
fn action_ref(psp_reference: &str) -> String {
    format!("{psp_reference}:{}", uuid::Uuid::new_v4().simple())
}
