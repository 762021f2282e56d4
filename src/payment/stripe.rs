//! Stripe: PaymentIntents over Stripe's REST API, hand-rolled on the shared `reqwest`
//! client (form-encoded requests, `Idempotency-Key`, Bearer secret key) rather than the
//! `async-stripe` crate, whose generated types cost about a quarter of a cold build on our
//! 2-core machines for the six endpoints we need.
//!
//! Configuration for a channel: setting `publishable_key` (returned to the storefront by
//! `paymentGatewayInitialize` as `stripePublishableKey`, like Saleor's Stripe app), secrets
//! `secret_key` and `webhook_secret` (the endpoint's `whsec_…`), optional base URL.
//! `transactionInitialize` creates a PaymentIntent (manual capture for AUTHORIZATION) and
//! answers `{"stripeClientSecret": …}`; with `data.paymentMethod` (e.g. `pm_card_visa`) it
//! confirms server-side at once. Webhooks: `payment_intent.*` and `refund.*` events, signed
//! with `Stripe-Signature: t=…,v1=…` (HMAC-SHA256 over `t.body`, 5 minutes tolerance).

use async_trait::async_trait;
use serde_json::{Value, json};

use super::gateway::{
    Amount, EventKind, Flow, GatewayCall, GatewayError, GatewayOutcome, InitializeRequest,
    PaymentGateway, ProcessRequest, WebhookNotification,
};

/// The Stripe gateway.
pub struct Stripe;

/// The Stripe API version every request asks for (`Stripe-Version`), so response shapes
/// don't follow each account's default version. What we read (PaymentIntent `id`, `status`,
/// `amount*`, `currency`, `client_secret`, `capture_method`; Refund `id`, `status`, `amount`,
/// `currency`, `payment_intent`; `card_error` objects) is the same in this version and the
/// test fake. Webhook events are rendered in the endpoint's own version: create the
/// endpoint with this one.
pub const API_VERSION: &str = "2024-06-20";

/// Accepted age of a webhook signature's timestamp, in seconds.
const TOLERANCE_SECS: i64 = 300;

type Form = Vec<(String, String)>;

fn field(k: &str, v: impl ToString) -> (String, String) {
    (k.to_owned(), v.to_string())
}

/// Calls Stripe; a decline (402 `card_error`) comes back as the error object with the
/// PaymentIntent it concerns, other failures as a [`GatewayError`].
async fn send(
    gw: &GatewayCall<'_>,
    method: reqwest::Method,
    path: &str,
    form: Option<&Form>,
    idempotency_key: Option<&str>,
) -> Result<Result<Value, Value>, GatewayError> {
    let key = gw.secret("secret_key")?;
    let url = format!("{}{}", gw.base_url.trim_end_matches('/'), path);
    let mut req = gw
        .http
        .request(method, &url)
        .bearer_auth(key)
        .header("Stripe-Version", API_VERSION);
    if let Some(k) = idempotency_key {
        req = req.header("Idempotency-Key", k);
    }
    if let Some(form) = form {
        req = req.form(form);
    }
    let resp = crate::telemetry::send(req).await.map_err(|e| {
        if e.is_timeout() {
            GatewayError::Unavailable("Stripe did not answer in time.".to_owned())
        } else {
            GatewayError::Unavailable("Stripe could not be reached.".to_owned())
        }
    })?;
    let status = resp.status();
    let body: Value = resp.json().await.map_err(|_| {
        GatewayError::Unavailable(format!("Stripe answered {status} with an unreadable body."))
    })?;
    if status.is_success() {
        return Ok(Ok(body));
    }
    if status.is_server_error() || status.as_u16() == 429 {
        return Err(GatewayError::Unavailable(format!(
            "Stripe answered {status}."
        )));
    }
    let error = body.get("error").cloned().unwrap_or(Value::Null);
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("Stripe rejected the request.")
        .to_owned();
    if error.get("type").and_then(Value::as_str) == Some("card_error") {
        return Ok(Err(error));
    }
    if status.as_u16() == 401 {
        return Err(GatewayError::Config(
            "Stripe rejected the secret key.".to_owned(),
        ));
    }
    Err(GatewayError::Rejected(message))
}

fn minor(v: &Value, key: &str) -> i64 {
    v.get(key).and_then(Value::as_i64).unwrap_or(0)
}

fn currency_of(pi: &Value, fallback: &str) -> String {
    pi.get("currency")
        .and_then(Value::as_str)
        .map(str::to_ascii_uppercase)
        .unwrap_or_else(|| fallback.to_owned())
}

fn dashboard_url(id: &str) -> String {
    format!("https://dashboard.stripe.com/payments/{id}")
}

/// Maps a PaymentIntent to the transaction event it means now.
fn from_intent(pi: &Value, requested: &Amount, flow: Flow) -> GatewayOutcome {
    let id = pi
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let currency = currency_of(pi, &requested.currency);
    let amount = minor(pi, "amount");
    let status = pi.get("status").and_then(Value::as_str).unwrap_or_default();
    let (kind, amount, message) = match (status, flow) {
        ("succeeded", _) => (
            EventKind::ChargeSuccess,
            minor(pi, "amount_received"),
            "Payment succeeded.",
        ),
        ("requires_capture", _) => (
            EventKind::AuthorizationSuccess,
            minor(pi, "amount_capturable"),
            "Payment authorized.",
        ),
        ("processing", Flow::Charge) => (EventKind::ChargeRequest, amount, "Payment processing."),
        ("processing", Flow::Authorization) => (
            EventKind::AuthorizationRequest,
            amount,
            "Payment processing.",
        ),
        ("canceled", Flow::Charge) => (EventKind::ChargeFailure, amount, "Payment canceled."),
        ("canceled", Flow::Authorization) => {
            (EventKind::AuthorizationFailure, amount, "Payment canceled.")
        }
        (_, Flow::Charge) => (
            EventKind::ChargeActionRequired,
            amount,
            "Waiting for the customer to complete the payment.",
        ),
        (_, Flow::Authorization) => (
            EventKind::AuthorizationActionRequired,
            amount,
            "Waiting for the customer to complete the payment.",
        ),
    };
    let client_secret = pi.get("client_secret").and_then(Value::as_str);
    GatewayOutcome {
        kind,
        amount: Amount::new(amount, &currency),
        external_url: (!id.is_empty()).then(|| dashboard_url(&id)),
        psp_reference: (!id.is_empty()).then_some(id),
        message: message.to_owned(),
        client_data: client_secret.map(|s| json!({ "stripeClientSecret": s })),
    }
}

/// A declined payment (`card_error`) as a failure event.
fn declined(error: &Value, requested: &Amount, flow: Flow) -> GatewayOutcome {
    let pi = error.get("payment_intent");
    let id = pi
        .and_then(|p| p.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("Your card was declined.");
    GatewayOutcome {
        kind: match flow {
            Flow::Charge => EventKind::ChargeFailure,
            Flow::Authorization => EventKind::AuthorizationFailure,
        },
        amount: requested.clone(),
        external_url: id.as_deref().map(dashboard_url),
        psp_reference: id,
        message: message.to_owned(),
        client_data: pi
            .and_then(|p| p.get("client_secret"))
            .and_then(Value::as_str)
            .map(|s| json!({ "stripeClientSecret": s })),
    }
}

fn flow_of(pi: &Value) -> Flow {
    match pi.get("capture_method").and_then(Value::as_str) {
        Some("manual") => Flow::Authorization,
        _ => Flow::Charge,
    }
}

/// Verifies `Stripe-Signature` (`t=…,v1=…[,v1=…]`) over `body` at time `now`.
pub fn verify_signature(header: &str, body: &[u8], secret: &str, now: i64) -> bool {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => timestamp = v.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(v.to_owned()),
            _ => {}
        }
    }
    let Some(t) = timestamp else { return false };
    if (now - t).abs() > TOLERANCE_SECS {
        return false;
    }
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = t.to_string().into_bytes();
    signed.push(b'.');
    signed.extend_from_slice(body);
    signatures.iter().any(|sig| {
        hex::decode(sig).is_ok_and(|bytes| ring::hmac::verify(&key, &signed, &bytes).is_ok())
    })
}

#[async_trait]
impl PaymentGateway for Stripe {
    fn id(&self) -> &'static str {
        "app.saleor.stripe"
    }
    fn name(&self) -> &'static str {
        "Stripe"
    }
    fn key(&self) -> &'static str {
        "stripe"
    }
    fn default_base_url(&self) -> &'static str {
        "https://api.stripe.com"
    }
    fn currencies(&self) -> Option<&'static [&'static str]> {
        None
    }
    fn secret_keys(&self) -> &'static [&'static str] {
        &["secret_key", "webhook_secret"]
    }

    async fn initialize(
        &self,
        call: &GatewayCall<'_>,
        _data: Option<&Value>,
    ) -> Result<Value, GatewayError> {
        let key = call
            .setting("publishable_key")
            .filter(|k| !k.is_empty())
            .ok_or_else(|| GatewayError::Config("Missing setting `publishable_key`.".to_owned()))?;
        Ok(json!({ "stripePublishableKey": key }))
    }

    async fn initialize_transaction(
        &self,
        call: &GatewayCall<'_>,
        request: &InitializeRequest<'_>,
    ) -> Result<GatewayOutcome, GatewayError> {
        let mut form: Form = vec![
            field("amount", request.amount.minor),
            field("currency", request.amount.currency.to_ascii_lowercase()),
            field(
                "capture_method",
                match request.flow {
                    Flow::Charge => "automatic",
                    Flow::Authorization => "manual",
                },
            ),
            field("metadata[transaction_id]", request.transaction_id),
            field("metadata[channel]", call.channel),
            field(
                "description",
                format!("Payment for {}", request.source_object),
            ),
        ];
        if let Some(email) = request.email {
            form.push(field("receipt_email", email));
        }
        let payment_method = request
            .data
            .and_then(|d| d.get("paymentMethod"))
            .and_then(Value::as_str);
        match payment_method {
            Some(pm) => {
                form.push(field("payment_method", pm));
                form.push(field("confirm", "true"));
                form.push(field("payment_method_types[]", "card"));
            }
            None => form.push(field("automatic_payment_methods[enabled]", "true")),
        }
        let result = call_post(call, "/v1/payment_intents", &form, request.transaction_id).await?;
        Ok(match result {
            Ok(pi) => from_intent(&pi, &request.amount, request.flow),
            Err(error) => declined(&error, &request.amount, request.flow),
        })
    }

    async fn process(
        &self,
        call: &GatewayCall<'_>,
        request: &ProcessRequest<'_>,
    ) -> Result<GatewayOutcome, GatewayError> {
        let id = request
            .psp_reference
            .filter(|p| !p.is_empty())
            .ok_or_else(|| GatewayError::InvalidData("The payment was not started.".to_owned()))?;
        let payment_method = request
            .data
            .and_then(|d| d.get("paymentMethod"))
            .and_then(Value::as_str);
        let result = match payment_method {
            Some(pm) => {
                let form = vec![field("payment_method", pm)];
                send(
                    call,
                    reqwest::Method::POST,
                    &format!("/v1/payment_intents/{id}/confirm"),
                    Some(&form),
                    Some(&format!("{}-confirm-{pm}", request.transaction_id)),
                )
                .await?
            }
            None => {
                send(
                    call,
                    reqwest::Method::GET,
                    &format!("/v1/payment_intents/{id}"),
                    None,
                    None,
                )
                .await?
            }
        };
        Ok(match result {
            Ok(pi) => from_intent(&pi, &request.amount, request.flow),
            Err(error) => declined(&error, &request.amount, request.flow),
        })
    }

    async fn charge(
        &self,
        call: &GatewayCall<'_>,
        psp_reference: &str,
        amount: &Amount,
    ) -> Result<GatewayOutcome, GatewayError> {
        let form = vec![field("amount_to_capture", amount.minor)];
        let key = uuid::Uuid::new_v4().to_string();
        match call_post(
            call,
            &format!("/v1/payment_intents/{psp_reference}/capture"),
            &form,
            &key,
        )
        .await?
        {
            Ok(pi) => {
                let mut o = from_intent(&pi, amount, Flow::Authorization);
                if o.kind == EventKind::ChargeSuccess {
                    o.message = "Payment captured.".to_owned();
                }
                Ok(o)
            }
            Err(error) => {
                let mut o = declined(&error, amount, Flow::Charge);
                o.psp_reference = Some(psp_reference.to_owned());
                Ok(o)
            }
        }
    }

    async fn refund(
        &self,
        call: &GatewayCall<'_>,
        psp_reference: &str,
        amount: &Amount,
    ) -> Result<GatewayOutcome, GatewayError> {
        let form = vec![
            field("payment_intent", psp_reference),
            field("amount", amount.minor),
        ];
        let key = uuid::Uuid::new_v4().to_string();
        let refund = match call_post(call, "/v1/refunds", &form, &key).await? {
            Ok(r) => r,
            Err(error) => {
                return Ok(GatewayOutcome {
                    kind: EventKind::RefundFailure,
                    amount: amount.clone(),
                    psp_reference: Some(psp_reference.to_owned()),
                    message: error
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("Refund failed.")
                        .to_owned(),
                    external_url: Some(dashboard_url(psp_reference)),
                    client_data: None,
                });
            }
        };
        Ok(refund_outcome(&refund, &amount.currency))
    }

    async fn cancel(
        &self,
        call: &GatewayCall<'_>,
        psp_reference: &str,
        amount: &Amount,
    ) -> Result<GatewayOutcome, GatewayError> {
        let key = uuid::Uuid::new_v4().to_string();
        let form = Form::new();
        match call_post(
            call,
            &format!("/v1/payment_intents/{psp_reference}/cancel"),
            &form,
            &key,
        )
        .await?
        {
            Ok(pi) if pi.get("status").and_then(Value::as_str) == Some("canceled") => {
                Ok(GatewayOutcome {
                    kind: EventKind::CancelSuccess,
                    amount: amount.clone(),
                    psp_reference: Some(psp_reference.to_owned()),
                    message: "Authorization canceled.".to_owned(),
                    external_url: Some(dashboard_url(psp_reference)),
                    client_data: None,
                })
            }
            Ok(_) | Err(_) => Ok(GatewayOutcome {
                kind: EventKind::CancelFailure,
                amount: amount.clone(),
                psp_reference: Some(psp_reference.to_owned()),
                message: "Stripe did not cancel the payment.".to_owned(),
                external_url: Some(dashboard_url(psp_reference)),
                client_data: None,
            }),
        }
    }

    async fn handle_webhook(
        &self,
        call: &GatewayCall<'_>,
        headers: &axum::http::HeaderMap,
        body: &[u8],
    ) -> Result<WebhookNotification, GatewayError> {
        let secret = call.secret("webhook_secret")?;
        let header = headers
            .get("stripe-signature")
            .and_then(|h| h.to_str().ok())
            .ok_or(GatewayError::BadSignature)?;
        if !verify_signature(header, body, secret, chrono::Utc::now().timestamp()) {
            return Err(GatewayError::BadSignature);
        }
        let event: Value = serde_json::from_slice(body)
            .map_err(|_| GatewayError::InvalidData("Malformed event.".to_owned()))?;
        let id = event
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| GatewayError::InvalidData("Event without id.".to_owned()))?
            .to_owned();
        let kind = event
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let object = event
            .get("data")
            .and_then(|d| d.get("object"))
            .cloned()
            .unwrap_or(Value::Null);
        let mut note = WebhookNotification {
            provider_event_id: id,
            transaction_id: None,
            psp_reference: None,
            outcomes: Vec::new(),
        };
        let fallback = Amount::new(minor(&object, "amount"), &currency_of(&object, "USD"));
        if kind.starts_with("payment_intent.") {
            note.transaction_id = object
                .get("metadata")
                .and_then(|m| m.get("transaction_id"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            note.psp_reference = object.get("id").and_then(Value::as_str).map(str::to_owned);
            let flow = flow_of(&object);
            let outcome = match kind {
                "payment_intent.succeeded"
                | "payment_intent.amount_capturable_updated"
                | "payment_intent.processing" => Some(from_intent(&object, &fallback, flow)),
                "payment_intent.payment_failed" => {
                    let mut o = from_intent(&object, &fallback, flow);
                    o.kind = match flow {
                        Flow::Charge => EventKind::ChargeFailure,
                        Flow::Authorization => EventKind::AuthorizationFailure,
                    };
                    o.message = object
                        .get("last_payment_error")
                        .and_then(|e| e.get("message"))
                        .and_then(Value::as_str)
                        .unwrap_or("Payment failed.")
                        .to_owned();
                    Some(o)
                }
                "payment_intent.canceled" => {
                    let mut o = from_intent(&object, &fallback, flow);
                    o.kind = EventKind::CancelSuccess;
                    o.message = "Payment canceled.".to_owned();
                    Some(o)
                }
                _ => None,
            };
            if let Some(mut o) = outcome {
                o.client_data = None;
                note.outcomes.push(o);
            }
        } else if kind.starts_with("refund.") || kind == "charge.refund.updated" {
            note.psp_reference = object
                .get("payment_intent")
                .and_then(Value::as_str)
                .map(str::to_owned);
            note.outcomes.push(refund_outcome(&object, "USD"));
        }
        Ok(note)
    }
}

fn refund_outcome(refund: &Value, fallback_currency: &str) -> GatewayOutcome {
    let id = refund.get("id").and_then(Value::as_str).map(str::to_owned);
    let pi = refund.get("payment_intent").and_then(Value::as_str);
    let (kind, message) = match refund.get("status").and_then(Value::as_str) {
        Some("succeeded") => (EventKind::RefundSuccess, "Refund succeeded."),
        Some("pending") | Some("requires_action") => (EventKind::RefundRequest, "Refund pending."),
        Some("canceled") | Some("failed") => (EventKind::RefundFailure, "Refund failed."),
        _ => (EventKind::Info, "Refund update."),
    };
    GatewayOutcome {
        kind,
        amount: Amount::new(
            minor(refund, "amount"),
            &currency_of(refund, fallback_currency),
        ),
        psp_reference: id,
        message: message.to_owned(),
        external_url: pi.map(dashboard_url),
        client_data: None,
    }
}

async fn call_post(
    gw: &GatewayCall<'_>,
    path: &str,
    form: &Form,
    idempotency_key: &str,
) -> Result<Result<Value, Value>, GatewayError> {
    send(
        gw,
        reqwest::Method::POST,
        path,
        Some(form),
        Some(idempotency_key),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, t: i64, body: &[u8]) -> String {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
        let mut signed = t.to_string().into_bytes();
        signed.push(b'.');
        signed.extend_from_slice(body);
        let tag = ring::hmac::sign(&key, &signed);
        format!("t={t},v1={}", hex::encode(tag))
    }

    #[test]
    fn signatures() {
        let body = br#"{"id":"evt_1"}"#;
        let header = sign("whsec_x", 1000, body);
        assert!(verify_signature(&header, body, "whsec_x", 1100));
        assert!(!verify_signature(&header, body, "whsec_y", 1100));
        assert!(!verify_signature(&header, b"{}", "whsec_x", 1100));
        assert!(!verify_signature(&header, body, "whsec_x", 2000));
        assert!(!verify_signature("garbage", body, "whsec_x", 1000));
        assert!(!verify_signature("t=1000,v1=zz", body, "whsec_x", 1000));
    }
}
