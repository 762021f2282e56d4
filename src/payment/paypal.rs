//! PayPal (Orders v2 / Payments v2 REST API).
//!
//! Configuration per channel:
//! - settings: `clientId` (REST app client id, also given to the storefront for the JS SDK),
//!   `webhookId` (id of the webhook configured in the PayPal app; needed to verify
//!   webhooks);
//! - secrets: `clientSecret`.
//!
//! Live API `https://api-m.paypal.com` (default), sandbox `https://api-m.sandbox.paypal.com`.
//!
//! Flow: `initialize_transaction` creates an order (`intent` CAPTURE or AUTHORIZE from the
//! [`Flow`]) and hands the storefront the order id and approve link; after the buyer
//! approved it, `process` captures or authorizes the order. The transaction's
//! `pspReference` is always the **PayPal order id**: `charge` (capture an authorization),
//! `refund` (refund a capture) and `cancel` (void an authorization) look the authorization
//! or capture up on the order, so the payment service only has to keep one reference.
//!
//! Access tokens (`/v1/oauth2/token`, client credentials) are cached per base URL, client id
//! and secret until shortly before they expire; a 401 drops the cached token and retries
//! once. Every state-changing call carries a `PayPal-Request-Id`: the transaction id for
//! order creation and capture/authorize, otherwise a key derived from the order's state
//! (order, operation, number of earlier captures/refunds, amount), so two concurrent
//! identical requests cannot both take effect.
//!
//! Webhooks are verified by PayPal itself (`/v1/notifications/verify-webhook-signature`,
//! with the `PAYPAL-*` transmission headers, the channel's `webhookId` and the raw event).
//!
//! Error mapping: connect errors, timeouts and 5xx → `Unavailable`; a 422 whose issue is a
//! decline (`INSTRUMENT_DECLINED`, `TRANSACTION_REFUSED`, …) → a `*_FAILURE` outcome; other
//! 4xx → `Rejected` (401 from the token endpoint → `Config`); a webhook PayPal does not
//! verify → `BadSignature`.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::http::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::gateway::{
    Amount, EventKind, Flow, GatewayCall, GatewayError, GatewayOutcome, InitializeRequest,
    PaymentGateway, ProcessRequest, WebhookNotification,
};
use super::psp_http::{self, Reply, str_at};

const PROVIDER: &str = "PayPal";

/// Currencies PayPal accepts for payments.
const CURRENCIES: &[&str] = &[
    "AUD", "BRL", "CAD", "CNY", "CZK", "DKK", "EUR", "HKD", "HUF", "ILS", "JPY", "MYR", "MXN",
    "TWD", "NZD", "NOK", "PHP", "PLN", "GBP", "SGD", "SEK", "CHF", "THB", "USD",
];

/// 422 issues that mean the buyer's payment was declined (a failure event, not an error).
const DECLINE_ISSUES: &[&str] = &[
    "INSTRUMENT_DECLINED",
    "TRANSACTION_REFUSED",
    "PAYER_CANNOT_PAY",
    "PAYEE_BLOCKED_TRANSACTION",
    "COMPLIANCE_VIOLATION",
    "CARD_EXPIRED",
    "DECLINED_DUE_TO_RELATED_TXN",
    "REDIRECT_PAYER_FOR_ALTERNATE_FUNDING",
    "MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED",
    "AUTHORIZATION_EXPIRED",
    "AUTHORIZATION_DENIED",
];

/// Cached access tokens: cache key → (token, valid until).
static TOKENS: LazyLock<Mutex<HashMap<String, (String, Instant)>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The PayPal gateway.
pub struct PayPal;

impl PayPal {
    fn client_id<'a>(call: &'a GatewayCall<'_>) -> Result<&'a str, GatewayError> {
        call.setting("clientId")
            .or_else(|| call.secrets.get("clientId").and_then(Value::as_str))
            .filter(|s| !s.is_empty())
            .ok_or_else(|| GatewayError::Config("Missing setting `clientId`.".into()))
    }

    fn webhook_id<'a>(call: &'a GatewayCall<'_>) -> Result<&'a str, GatewayError> {
        call.setting("webhookId")
            .or_else(|| call.secrets.get("webhookId").and_then(Value::as_str))
            .filter(|s| !s.is_empty())
            .ok_or_else(|| GatewayError::Config("Missing setting `webhookId`.".into()))
    }

    fn url(call: &GatewayCall<'_>, path: &str) -> String {
        format!("{}{path}", call.base_url.trim_end_matches('/'))
    }

    fn cache_key(call: &GatewayCall<'_>) -> Result<String, GatewayError> {
        let secret = call.secret("clientSecret")?;
        let digest = Sha256::digest(secret.as_bytes());
        Ok(format!(
            "{}|{}|{}",
            call.base_url,
            Self::client_id(call)?,
            hex::encode(&digest[..8])
        ))
    }

    /// A valid access token, from the cache unless `refresh`.
    async fn token(call: &GatewayCall<'_>, refresh: bool) -> Result<String, GatewayError> {
        let key = Self::cache_key(call)?;
        if !refresh {
            let cache = TOKENS.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((token, until)) = cache.get(&key)
                && *until > Instant::now()
            {
                return Ok(token.clone());
            }
        }
        let request = call
            .http
            .post(Self::url(call, "/v1/oauth2/token"))
            .basic_auth(Self::client_id(call)?, Some(call.secret("clientSecret")?))
            .header("Accept", "application/json")
            .form(&[("grant_type", "client_credentials")]);
        let reply = psp_http::send(PROVIDER, request).await?;
        if reply.status == StatusCode::UNAUTHORIZED {
            return Err(GatewayError::Config(
                "PayPal rejected the client id or client secret.".into(),
            ));
        }
        if !reply.is_success() {
            return Err(GatewayError::Rejected(error_message(&reply)));
        }
        let token = str_at(&reply.body, "/access_token")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                GatewayError::Unavailable("PayPal sent a token response without a token.".into())
            })?
            .to_owned();
        let expires_in = reply
            .body
            .get("expires_in")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        // Renew a minute early so a token never expires between check and use.
        if let Some(valid) = expires_in.checked_sub(60).filter(|s| *s > 0) {
            let until = Instant::now() + Duration::from_secs(valid);
            let mut cache = TOKENS.lock().unwrap_or_else(|e| e.into_inner());
            cache.insert(key, (token.clone(), until));
        }
        Ok(token)
    }

    fn forget_token(call: &GatewayCall<'_>) {
        if let Ok(key) = Self::cache_key(call) {
            let mut cache = TOKENS.lock().unwrap_or_else(|e| e.into_inner());
            cache.remove(&key);
        }
    }

    /// One authenticated API call; a 401 renews the token and retries once.
    async fn api(
        call: &GatewayCall<'_>,
        method: Method,
        path: &str,
        body: Option<String>,
        request_id: Option<&str>,
    ) -> Result<Reply, GatewayError> {
        let mut refresh = false;
        loop {
            let token = Self::token(call, refresh).await?;
            let mut request = call
                .http
                .request(method.clone(), Self::url(call, path))
                .bearer_auth(&token)
                .header("Accept", "application/json")
                .header("Prefer", "return=representation");
            if let Some(id) = request_id {
                request = request.header("PayPal-Request-Id", id);
            }
            if let Some(body) = &body {
                request = request
                    .header("Content-Type", "application/json")
                    .body(body.clone());
            }
            let reply = psp_http::send(PROVIDER, request).await?;
            if reply.status == StatusCode::UNAUTHORIZED && !refresh {
                Self::forget_token(call);
                refresh = true;
                continue;
            }
            return Ok(reply);
        }
    }

    async fn get_order(call: &GatewayCall<'_>, order_id: &str) -> Result<Value, GatewayError> {
        check_id(order_id)?;
        let reply = Self::api(
            call,
            Method::GET,
            &format!("/v2/checkout/orders/{order_id}"),
            None,
            None,
        )
        .await?;
        if !reply.is_success() {
            return Err(GatewayError::Rejected(error_message(&reply)));
        }
        Ok(reply.body)
    }
}

/// PayPal ids are short alphanumeric strings; refuse anything that could change the path.
fn check_id(id: &str) -> Result<(), GatewayError> {
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(GatewayError::InvalidData(format!(
            "`{}` is not a PayPal id.",
            psp_http::truncate(id, 64)
        )));
    }
    Ok(())
}

/// `{name}: {issue} — {description}` from a PayPal error body.
fn error_message(reply: &Reply) -> String {
    let b = &reply.body;
    let name = str_at(b, "/name")
        .or_else(|| str_at(b, "/error"))
        .unwrap_or("error");
    let issue = str_at(b, "/details/0/issue").unwrap_or("");
    let text = str_at(b, "/details/0/description")
        .or_else(|| str_at(b, "/message"))
        .or_else(|| str_at(b, "/error_description"))
        .or_else(|| b.as_str())
        .unwrap_or("");
    format!(
        "PayPal answered HTTP {} ({name}{}{}{}).",
        reply.status.as_u16(),
        if issue.is_empty() { "" } else { ": " },
        issue,
        if text.is_empty() {
            String::new()
        } else {
            format!(" — {text}")
        }
    )
}

fn issue(reply: &Reply) -> &str {
    str_at(&reply.body, "/details/0/issue").unwrap_or("")
}

fn is_decline(reply: &Reply) -> bool {
    reply.status == StatusCode::UNPROCESSABLE_ENTITY && DECLINE_ISSUES.contains(&issue(reply))
}

fn money_json(amount: &Amount) -> Value {
    json!({ "currency_code": amount.currency, "value": amount.decimal_string() })
}

/// `{currency_code, value}` → [`Amount`].
fn parse_money(v: Option<&Value>) -> Option<Amount> {
    let v = v?;
    let currency = v.get("currency_code")?.as_str()?;
    psp_http::parse_decimal(v.get("value")?.as_str()?, currency).ok()
}

fn payments(order: &Value) -> &Value {
    order
        .pointer("/purchase_units/0/payments")
        .unwrap_or(&Value::Null)
}

fn list<'a>(order: &'a Value, kind: &str) -> &'a [Value] {
    payments(order)
        .get(kind)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn status(v: &Value) -> &str {
    str_at(v, "/status").unwrap_or("")
}

/// Dashboard link for a capture/authorization id when talking to real PayPal.
fn dashboard_url(call: &GatewayCall<'_>, id: &str) -> Option<String> {
    let host = if call.base_url.contains("sandbox.paypal.com") {
        "www.sandbox.paypal.com"
    } else if call.base_url.contains("paypal.com") {
        "www.paypal.com"
    } else {
        return None;
    };
    Some(format!("https://{host}/activity/payment/{id}"))
}

fn outcome(kind: EventKind, amount: Amount, order_id: &str, message: String) -> GatewayOutcome {
    GatewayOutcome {
        kind,
        amount,
        psp_reference: Some(order_id.to_owned()),
        message,
        external_url: None,
        client_data: None,
    }
}

/// Maps a capture object to a charge event.
fn capture_outcome(
    call: &GatewayCall<'_>,
    capture: &Value,
    fallback: &Amount,
    order_id: &str,
) -> GatewayOutcome {
    let id = str_at(capture, "/id").unwrap_or("");
    let st = status(capture);
    let kind = match st {
        "COMPLETED" | "PARTIALLY_REFUNDED" | "REFUNDED" => EventKind::ChargeSuccess,
        "PENDING" => EventKind::ChargeRequest,
        _ => EventKind::ChargeFailure,
    };
    let reason = str_at(capture, "/status_details/reason")
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    let mut o = outcome(
        kind,
        parse_money(capture.get("amount")).unwrap_or_else(|| fallback.clone()),
        order_id,
        format!("PayPal capture {id} {st}{reason}."),
    );
    o.external_url = dashboard_url(call, id);
    o
}

/// Maps an authorization object to an authorization event.
fn authorization_outcome(
    call: &GatewayCall<'_>,
    auth: &Value,
    fallback: &Amount,
    order_id: &str,
) -> GatewayOutcome {
    let id = str_at(auth, "/id").unwrap_or("");
    let st = status(auth);
    let kind = match st {
        "CREATED" | "CAPTURED" | "PARTIALLY_CAPTURED" => EventKind::AuthorizationSuccess,
        "PENDING" => EventKind::AuthorizationRequest,
        _ => EventKind::AuthorizationFailure,
    };
    let mut o = outcome(
        kind,
        parse_money(auth.get("amount")).unwrap_or_else(|| fallback.clone()),
        order_id,
        format!("PayPal authorization {id} {st}."),
    );
    o.external_url = dashboard_url(call, id);
    o
}

/// The result of capturing or authorizing an order, from the order's payments.
fn order_outcome(
    call: &GatewayCall<'_>,
    order: &Value,
    flow: Flow,
    amount: &Amount,
    order_id: &str,
) -> Result<GatewayOutcome, GatewayError> {
    let capture = list(order, "captures").last();
    let auth = list(order, "authorizations").last();
    match (flow, capture, auth) {
        (Flow::Charge, Some(c), _) | (Flow::Authorization, Some(c), None) => {
            Ok(capture_outcome(call, c, amount, order_id))
        }
        (_, _, Some(a)) => Ok(authorization_outcome(call, a, amount, order_id)),
        _ => Err(GatewayError::Unavailable(format!(
            "PayPal order {order_id} is {} but has no capture or authorization.",
            status(order)
        ))),
    }
}

fn declined(kind: EventKind, amount: &Amount, order_id: &str, reply: &Reply) -> GatewayOutcome {
    outcome(kind, amount.clone(), order_id, error_message(reply))
}

#[async_trait]
impl PaymentGateway for PayPal {
    fn id(&self) -> &'static str {
        "app.saleor.paypal"
    }

    fn name(&self) -> &'static str {
        "PayPal"
    }

    fn key(&self) -> &'static str {
        "paypal"
    }

    fn default_base_url(&self) -> &'static str {
        "https://api-m.paypal.com"
    }

    fn currencies(&self) -> Option<&'static [&'static str]> {
        Some(CURRENCIES)
    }

    fn secret_keys(&self) -> &'static [&'static str] {
        &["clientSecret"]
    }

    async fn initialize(
        &self,
        call: &GatewayCall<'_>,
        _data: Option<&Value>,
    ) -> Result<Value, GatewayError> {
        Ok(json!({
            "clientId": Self::client_id(call)?,
            "environment": if call.base_url.contains("sandbox") { "sandbox" } else { "live" },
        }))
    }

    async fn initialize_transaction(
        &self,
        call: &GatewayCall<'_>,
        request: &InitializeRequest<'_>,
    ) -> Result<GatewayOutcome, GatewayError> {
        let amount = &request.amount;
        psp_http::require_positive(amount)?;
        if !CURRENCIES.contains(&amount.currency.as_str()) {
            return Err(GatewayError::InvalidData(format!(
                "PayPal does not support {}.",
                amount.currency
            )));
        }
        // PayPal takes no decimals for these although ISO 4217 has two.
        if matches!(amount.currency.as_str(), "HUF" | "TWD") && amount.minor % 100 != 0 {
            return Err(GatewayError::InvalidData(format!(
                "PayPal takes only whole {} amounts.",
                amount.currency
            )));
        }
        let intent = match request.flow {
            Flow::Charge => "CAPTURE",
            Flow::Authorization => "AUTHORIZE",
        };
        let mut body = json!({
            "intent": intent,
            "purchase_units": [{
                "reference_id": "default",
                "custom_id": request.transaction_id,
                "description": psp_http::truncate(request.source_object, 127),
                "amount": money_json(amount),
            }],
        });
        // Optional redirect URLs for a redirect (non JS SDK) approval.
        let data = request.data.unwrap_or(&Value::Null);
        let return_url = str_at(data, "/returnUrl");
        let cancel_url = str_at(data, "/cancelUrl");
        if return_url.is_some() || cancel_url.is_some() {
            body["payment_source"] = json!({ "paypal": { "experience_context": {
                "return_url": return_url,
                "cancel_url": cancel_url,
                "user_action": "PAY_NOW",
            }}});
        }
        let reply = Self::api(
            call,
            Method::POST,
            "/v2/checkout/orders",
            Some(body.to_string()),
            Some(request.transaction_id),
        )
        .await?;
        if !reply.is_success() {
            return Err(GatewayError::Rejected(error_message(&reply)));
        }
        let order_id = str_at(&reply.body, "/id")
            .filter(|id| check_id(id).is_ok())
            .ok_or_else(|| {
                GatewayError::Unavailable("PayPal created an order without an id.".into())
            })?;
        let approve_url = reply
            .body
            .get("links")
            .and_then(Value::as_array)
            .and_then(|links| {
                links
                    .iter()
                    .find(|l| matches!(str_at(l, "/rel"), Some("approve") | Some("payer-action")))
            })
            .and_then(|l| str_at(l, "/href"));
        let kind = match request.flow {
            Flow::Charge => EventKind::ChargeActionRequired,
            Flow::Authorization => EventKind::AuthorizationActionRequired,
        };
        let mut o = outcome(
            kind,
            amount.clone(),
            order_id,
            format!("PayPal order {order_id} created; waiting for the buyer's approval."),
        );
        o.client_data = Some(json!({
            "orderId": order_id,
            "approveUrl": approve_url,
            "clientId": Self::client_id(call)?,
            "intent": intent,
        }));
        Ok(o)
    }

    async fn process(
        &self,
        call: &GatewayCall<'_>,
        request: &ProcessRequest<'_>,
    ) -> Result<GatewayOutcome, GatewayError> {
        let data_order = request.data.and_then(|d| str_at(d, "/orderId"));
        let order_id = match (request.psp_reference, data_order) {
            (Some(psp), Some(d)) if psp != d => {
                return Err(GatewayError::InvalidData(
                    "The PayPal order does not belong to this transaction.".into(),
                ));
            }
            (Some(psp), _) => psp,
            (None, Some(d)) => d,
            (None, None) => {
                return Err(GatewayError::InvalidData(
                    "The transaction has no PayPal order.".into(),
                ));
            }
        };
        check_id(order_id)?;
        let (action, failure) = match request.flow {
            Flow::Charge => ("capture", EventKind::ChargeFailure),
            Flow::Authorization => ("authorize", EventKind::AuthorizationFailure),
        };
        let request_id = format!("{}-{action}", request.transaction_id);
        let reply = Self::api(
            call,
            Method::POST,
            &format!("/v2/checkout/orders/{order_id}/{action}"),
            Some("{}".into()),
            Some(&request_id),
        )
        .await?;
        if reply.is_success() {
            return order_outcome(call, &reply.body, request.flow, &request.amount, order_id);
        }
        if is_decline(&reply) {
            return Ok(declined(failure, &request.amount, order_id, &reply));
        }
        match issue(&reply) {
            "ORDER_ALREADY_CAPTURED" | "ORDER_ALREADY_AUTHORIZED" => {
                let order = Self::get_order(call, order_id).await?;
                order_outcome(call, &order, request.flow, &request.amount, order_id)
            }
            "ORDER_NOT_APPROVED" | "PAYER_ACTION_REQUIRED" => Err(GatewayError::InvalidData(
                "The buyer has not approved the PayPal order yet.".into(),
            )),
            _ => Err(GatewayError::Rejected(error_message(&reply))),
        }
    }

    async fn charge(
        &self,
        call: &GatewayCall<'_>,
        psp_reference: &str,
        amount: &Amount,
    ) -> Result<GatewayOutcome, GatewayError> {
        psp_http::require_positive(amount)?;
        let order = Self::get_order(call, psp_reference).await?;
        let auth = list(&order, "authorizations")
            .iter()
            .rev()
            .find(|a| matches!(status(a), "CREATED" | "PARTIALLY_CAPTURED"))
            .ok_or_else(|| {
                GatewayError::Rejected(format!(
                    "PayPal order {psp_reference} has no open authorization to capture."
                ))
            })?;
        let auth_id = str_at(auth, "/id").unwrap_or("");
        check_id(auth_id)?;
        let authorized = parse_money(auth.get("amount"));
        if let Some(a) = &authorized
            && a.currency != amount.currency
        {
            return Err(GatewayError::InvalidData(format!(
                "The authorization is in {}, not {}.",
                a.currency, amount.currency
            )));
        }
        let captures = list(&order, "captures");
        let captured: i64 = captures
            .iter()
            .filter(|c| !matches!(status(c), "DECLINED" | "FAILED"))
            .filter_map(|c| parse_money(c.get("amount")))
            .map(|a| a.minor)
            .sum();
        let final_capture = authorized.is_some_and(|a| captured + amount.minor >= a.minor);
        let request_id = format!("{psp_reference}-charge-{}-{}", captures.len(), amount.minor);
        let body = json!({ "amount": money_json(amount), "final_capture": final_capture });
        let reply = Self::api(
            call,
            Method::POST,
            &format!("/v2/payments/authorizations/{auth_id}/capture"),
            Some(body.to_string()),
            Some(&request_id),
        )
        .await?;
        if reply.is_success() {
            return Ok(capture_outcome(call, &reply.body, amount, psp_reference));
        }
        if is_decline(&reply) {
            return Ok(declined(
                EventKind::ChargeFailure,
                amount,
                psp_reference,
                &reply,
            ));
        }
        Err(GatewayError::Rejected(error_message(&reply)))
    }

    async fn refund(
        &self,
        call: &GatewayCall<'_>,
        psp_reference: &str,
        amount: &Amount,
    ) -> Result<GatewayOutcome, GatewayError> {
        psp_http::require_positive(amount)?;
        let order = Self::get_order(call, psp_reference).await?;
        let capture = list(&order, "captures")
            .iter()
            .rev()
            .filter(|c| matches!(status(c), "COMPLETED" | "PARTIALLY_REFUNDED"))
            .find(|c| {
                parse_money(c.get("amount"))
                    .is_some_and(|a| a.currency == amount.currency && a.minor >= amount.minor)
            })
            .ok_or_else(|| {
                GatewayError::Rejected(format!(
                    "PayPal order {psp_reference} has no capture of at least {} {} to refund.",
                    amount.decimal_string(),
                    amount.currency
                ))
            })?;
        let capture_id = str_at(capture, "/id").unwrap_or("");
        check_id(capture_id)?;
        let request_id = format!(
            "{psp_reference}-refund-{}-{}",
            list(&order, "refunds").len(),
            amount.minor
        );
        let reply = Self::api(
            call,
            Method::POST,
            &format!("/v2/payments/captures/{capture_id}/refund"),
            Some(json!({ "amount": money_json(amount) }).to_string()),
            Some(&request_id),
        )
        .await?;
        if !reply.is_success() {
            return Err(GatewayError::Rejected(error_message(&reply)));
        }
        let refund_id = str_at(&reply.body, "/id").unwrap_or("");
        let st = status(&reply.body);
        let kind = match st {
            "COMPLETED" => EventKind::RefundSuccess,
            "PENDING" => EventKind::RefundRequest,
            _ => EventKind::RefundFailure,
        };
        let mut o = outcome(
            kind,
            parse_money(reply.body.get("amount")).unwrap_or_else(|| amount.clone()),
            psp_reference,
            format!("PayPal refund {refund_id} {st}."),
        );
        o.external_url = dashboard_url(call, capture_id);
        Ok(o)
    }

    async fn cancel(
        &self,
        call: &GatewayCall<'_>,
        psp_reference: &str,
        amount: &Amount,
    ) -> Result<GatewayOutcome, GatewayError> {
        let order = Self::get_order(call, psp_reference).await?;
        let auths = list(&order, "authorizations");
        if let Some(auth) = auths
            .iter()
            .rev()
            .find(|a| matches!(status(a), "CREATED" | "PARTIALLY_CAPTURED" | "PENDING"))
        {
            let auth_id = str_at(auth, "/id").unwrap_or("");
            check_id(auth_id)?;
            let reply = Self::api(
                call,
                Method::POST,
                &format!("/v2/payments/authorizations/{auth_id}/void"),
                None,
                Some(&format!("{psp_reference}-void-{auth_id}")),
            )
            .await?;
            if !reply.is_success() {
                return Err(GatewayError::Rejected(error_message(&reply)));
            }
            return Ok(outcome(
                EventKind::CancelSuccess,
                amount.clone(),
                psp_reference,
                format!("PayPal authorization {auth_id} voided."),
            ));
        }
        if auths.iter().any(|a| status(a) == "VOIDED") {
            return Ok(outcome(
                EventKind::CancelSuccess,
                amount.clone(),
                psp_reference,
                "The PayPal authorization was already voided.".into(),
            ));
        }
        if !list(&order, "captures").is_empty() {
            return Ok(outcome(
                EventKind::CancelFailure,
                amount.clone(),
                psp_reference,
                "The PayPal payment is already captured; refund it instead.".into(),
            ));
        }
        // Never approved or authorized: nothing is held; PayPal lets the order expire.
        Ok(outcome(
            EventKind::CancelSuccess,
            amount.clone(),
            psp_reference,
            format!(
                "PayPal order {psp_reference} ({}) holds no money; it expires unused.",
                status(&order)
            ),
        ))
    }

    async fn handle_webhook(
        &self,
        call: &GatewayCall<'_>,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<WebhookNotification, GatewayError> {
        let header = |name: &str| -> Result<String, GatewayError> {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or(GatewayError::BadSignature)
        };
        let auth_algo = header("paypal-auth-algo")?;
        let cert_url = header("paypal-cert-url")?;
        let transmission_id = header("paypal-transmission-id")?;
        let transmission_sig = header("paypal-transmission-sig")?;
        let transmission_time = header("paypal-transmission-time")?;
        let webhook_id = Self::webhook_id(call)?;
        let raw = std::str::from_utf8(body).map_err(|_| GatewayError::BadSignature)?;
        let event: Value = serde_json::from_str(raw).map_err(|_| GatewayError::BadSignature)?;
        if !event.is_object() {
            return Err(GatewayError::BadSignature);
        }
        // The event goes back to PayPal byte for byte: re-serializing could reorder keys
        // and make a genuine event fail verification.
        let q = |s: &str| Value::String(s.to_owned()).to_string();
        let verify_body = format!(
            "{{\"auth_algo\":{},\"cert_url\":{},\"transmission_id\":{},\"transmission_sig\":{},\
             \"transmission_time\":{},\"webhook_id\":{},\"webhook_event\":{}}}",
            q(&auth_algo),
            q(&cert_url),
            q(&transmission_id),
            q(&transmission_sig),
            q(&transmission_time),
            q(webhook_id),
            raw.trim()
        );
        let reply = Self::api(
            call,
            Method::POST,
            "/v1/notifications/verify-webhook-signature",
            Some(verify_body),
            None,
        )
        .await?;
        if reply.status == StatusCode::BAD_REQUEST {
            return Err(GatewayError::BadSignature);
        }
        if !reply.is_success() {
            return Err(GatewayError::Rejected(error_message(&reply)));
        }
        if str_at(&reply.body, "/verification_status") != Some("SUCCESS") {
            return Err(GatewayError::BadSignature);
        }
        let event_id = str_at(&event, "/id")
            .filter(|id| !id.is_empty())
            .ok_or_else(|| GatewayError::InvalidData("PayPal event without an id.".into()))?;
        let event_type = str_at(&event, "/event_type").unwrap_or("");
        let resource = event.get("resource").unwrap_or(&Value::Null);
        let mut transaction_id = str_at(resource, "/custom_id").map(str::to_owned);
        let mut order_id =
            str_at(resource, "/supplementary_data/related_ids/order_id").map(str::to_owned);
        let resource_id = str_at(resource, "/id").unwrap_or("");
        let amount = parse_money(resource.get("amount"));

        let kind = match event_type {
            "PAYMENT.CAPTURE.COMPLETED" => Some(EventKind::ChargeSuccess),
            "PAYMENT.CAPTURE.PENDING" => Some(EventKind::ChargeRequest),
            "PAYMENT.CAPTURE.DENIED" | "PAYMENT.CAPTURE.DECLINED" => Some(EventKind::ChargeFailure),
            "PAYMENT.CAPTURE.REVERSED" => Some(EventKind::ChargeBack),
            "PAYMENT.CAPTURE.REFUNDED" => Some(EventKind::RefundSuccess),
            "PAYMENT.AUTHORIZATION.CREATED" => Some(EventKind::AuthorizationSuccess),
            "PAYMENT.AUTHORIZATION.VOIDED" => Some(EventKind::CancelSuccess),
            "CHECKOUT.ORDER.APPROVED" => {
                // The resource is the order itself.
                order_id = Some(resource_id.to_owned());
                transaction_id = str_at(resource, "/purchase_units/0/custom_id").map(str::to_owned);
                Some(EventKind::Info)
            }
            _ => None,
        };
        // A refund resource links to its capture; the capture knows the order and our id.
        if event_type == "PAYMENT.CAPTURE.REFUNDED"
            && (order_id.is_none() || transaction_id.is_none())
        {
            let capture_id = resource
                .get("links")
                .and_then(Value::as_array)
                .and_then(|links| links.iter().find(|l| str_at(l, "/rel") == Some("up")))
                .and_then(|l| str_at(l, "/href"))
                .and_then(|href| href.rsplit('/').next())
                .filter(|id| check_id(id).is_ok());
            if let Some(capture_id) = capture_id {
                let reply = Self::api(
                    call,
                    Method::GET,
                    &format!("/v2/payments/captures/{capture_id}"),
                    None,
                    None,
                )
                .await?;
                if reply.is_success() {
                    order_id = order_id.or_else(|| {
                        str_at(&reply.body, "/supplementary_data/related_ids/order_id")
                            .map(str::to_owned)
                    });
                    transaction_id = transaction_id
                        .or_else(|| str_at(&reply.body, "/custom_id").map(str::to_owned));
                }
            }
        }
        let order_amount = || parse_money(resource.pointer("/purchase_units/0/amount"));
        let outcomes = match (kind, amount.or_else(order_amount)) {
            (Some(kind), Some(amount)) => {
                let mut o = GatewayOutcome {
                    kind,
                    amount,
                    psp_reference: order_id.clone(),
                    message: format!("PayPal {event_type} ({resource_id})."),
                    external_url: None,
                    client_data: None,
                };
                if event_type.starts_with("PAYMENT.") {
                    o.external_url = dashboard_url(call, resource_id);
                }
                vec![o]
            }
            _ => Vec::new(),
        };
        Ok(WebhookNotification {
            provider_event_id: event_id.to_owned(),
            transaction_id,
            psp_reference: order_id,
            outcomes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_before_they_reach_a_path() {
        assert!(check_id("5O190127TN364715T").is_ok());
        assert!(check_id("../v1/oauth2/token").is_err());
        assert!(check_id("").is_err());
    }

    #[test]
    fn declines_are_recognised() {
        let reply = Reply {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: json!({"name": "UNPROCESSABLE_ENTITY",
                "details": [{"issue": "INSTRUMENT_DECLINED", "description": "declined"}]}),
        };
        assert!(is_decline(&reply));
        assert!(error_message(&reply).contains("INSTRUMENT_DECLINED"));
        let other = Reply {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: json!({"details": [{"issue": "ORDER_NOT_APPROVED"}]}),
        };
        assert!(!is_decline(&other));
    }

    #[test]
    fn money_round_trip() {
        let a = Amount::new(1050, "usd");
        assert_eq!(
            money_json(&a),
            json!({"currency_code": "USD", "value": "10.50"})
        );
        assert_eq!(parse_money(Some(&money_json(&a))), Some(a));
        let yen = Amount::new(1200, "JPY");
        assert_eq!(money_json(&yen)["value"], "1200");
    }
}
