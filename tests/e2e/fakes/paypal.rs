//! A fake PayPal REST API: OAuth2 client-credentials tokens, Orders v2 (create, get,
//! capture, authorize), Payments v2 (capture/void an authorization, refund and get a
//! capture), `PayPal-Request-Id` idempotency and webhook signature verification.
// Handlers return a ready error `Response` as `Err`; size does not matter in a test fake.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::{Control, Mode, basic_auth, bearer, decimal_to_minor, is_decimal_amount, json};

pub const CLIENT_ID: &str = "AZ-fake-client-id";
pub const CLIENT_SECRET: &str = "EF-fake-client-secret";
pub const WEBHOOK_ID: &str = "8PT597110X687430LKGECATA";

#[derive(Default)]
struct PayPalState {
    /// Access tokens handed out and still valid.
    tokens: Vec<String>,
    token_requests: usize,
    expires_in: u64,
    orders: HashMap<String, Value>,
    /// capture / authorization id → order id.
    owner: HashMap<String, String>,
    /// `PayPal-Request-Id` → (status, body) of the first answer.
    replies: HashMap<String, (u16, Value)>,
    /// transmission id → (signature, event) of webhooks the fake sent.
    transmissions: HashMap<String, (String, Value)>,
    next: u64,
}

impl PayPalState {
    fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        // PayPal ids are 17 upper-case letters/digits.
        format!("{prefix}{:0width$}", self.next, width = 17 - prefix.len())
    }
}

struct Inner {
    control: Arc<Control>,
    state: Mutex<PayPalState>,
}

/// A running fake PayPal.
pub struct FakePayPal {
    pub base_url: String,
    pub control: Arc<Control>,
    inner: Arc<Inner>,
}

impl FakePayPal {
    pub async fn start() -> Self {
        let control = Arc::new(Control::default());
        let inner = Arc::new(Inner {
            control: control.clone(),
            state: Mutex::new(PayPalState {
                expires_in: 32400,
                ..PayPalState::default()
            }),
        });
        let router = Router::new().fallback(handle).with_state(inner.clone());
        let base_url = super::serve(router).await;
        Self {
            base_url,
            control,
            inner,
        }
    }

    /// Settings and secrets a channel would store for this fake.
    pub fn config(&self) -> (Value, Value) {
        (
            json!({ "clientId": CLIENT_ID, "webhookId": WEBHOOK_ID }),
            json!({ "clientSecret": CLIENT_SECRET }),
        )
    }

    /// How many tokens were requested.
    pub fn token_requests(&self) -> usize {
        self.inner.state.lock().unwrap().token_requests
    }

    /// Lifetime (`expires_in`, seconds) of the tokens handed out from now on.
    pub fn set_token_lifetime(&self, seconds: u64) {
        self.inner.state.lock().unwrap().expires_in = seconds;
    }

    /// Invalidates every token handed out (as PayPal does when they expire).
    pub fn revoke_tokens(&self) {
        self.inner.state.lock().unwrap().tokens.clear();
    }

    pub fn order(&self, id: &str) -> Value {
        self.inner.state.lock().unwrap().orders[id].clone()
    }

    /// The buyer approves the order in the PayPal popup.
    pub fn approve(&self, order_id: &str) {
        let mut s = self.inner.state.lock().unwrap();
        let order = s.orders.get_mut(order_id).unwrap();
        order["status"] = json!("APPROVED");
        order["payer"] =
            json!({ "payer_id": "QYR5Z8XDVJNXQ", "email_address": "buyer@example.com" });
    }

    /// A webhook as PayPal would send it: `(headers, raw body)`. The fake remembers the
    /// transmission so its verify endpoint confirms exactly this event.
    pub fn webhook(&self, event_type: &str, resource: Value) -> (HeaderMap, Vec<u8>) {
        let mut s = self.inner.state.lock().unwrap();
        s.next += 1;
        let n = s.next;
        let resource_type = match event_type.split('.').nth(1) {
            Some("CAPTURE") => "capture",
            Some("AUTHORIZATION") => "authorization",
            _ => "checkout-order",
        };
        let resource_type = if event_type == "PAYMENT.CAPTURE.REFUNDED" {
            "refund"
        } else {
            resource_type
        };
        let event = json!({
            "id": format!("WH-{n:04}-FAKE58T30373C"),
            "event_version": "1.0",
            "create_time": "2026-11-22T09:00:00.000Z",
            "resource_type": resource_type,
            "resource_version": "2.0",
            "event_type": event_type,
            "summary": format!("{event_type} (fake)"),
            "resource": resource,
        });
        let transmission_id = format!("b2384410-f8d2-11e8-{n:04}-c9c9c9c9c9c9");
        let signature = format!("fakeSig{n}AbCdEf0123456789");
        s.transmissions
            .insert(transmission_id.clone(), (signature.clone(), event.clone()));
        let mut headers = HeaderMap::new();
        let mut set = |k: &'static str, v: String| {
            headers.insert(k, HeaderValue::from_str(&v).unwrap());
        };
        set("paypal-auth-algo", "SHA256withRSA".into());
        set(
            "paypal-cert-url",
            "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77"
                .into(),
        );
        set("paypal-transmission-id", transmission_id);
        set("paypal-transmission-sig", signature);
        set("paypal-transmission-time", "2026-11-22T09:00:01Z".into());
        set("content-type", "application/json".into());
        // PayPal's bodies are pretty printed; the verify call must get them unchanged.
        let body = serde_json::to_vec_pretty(&event).unwrap();
        (headers, body)
    }
}

fn error(status: u16, name: &str, issue: &str, description: &str) -> Response {
    json(
        status,
        json!({
            "name": name,
            "message": "The requested action could not be performed, semantically incorrect, or failed business validation.",
            "debug_id": "f3a3e5c2b1d0e",
            "details": [{ "issue": issue, "description": description }],
        }),
    )
}

fn not_found() -> Response {
    error(
        404,
        "RESOURCE_NOT_FOUND",
        "INVALID_RESOURCE_ID",
        "Specified resource ID does not exist.",
    )
}

fn amount_minor(v: &Value) -> i64 {
    decimal_to_minor(v["value"].as_str().unwrap_or("0"), 2)
}

fn money(currency: &str, minor: i64) -> Value {
    json!({ "currency_code": currency, "value": super::minor_to_decimal(minor, 2) })
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    inner.control.record(
        method.as_str(),
        uri.path_and_query().map_or("", |p| p.as_str()),
        &headers,
        &body,
    );
    if let Some(fault) = inner.control.fault().await {
        return fault;
    }
    let decline = inner.control.mode() == Mode::Decline;
    let mut s = inner.state.lock().unwrap();

    if method == Method::POST && path == "/v1/oauth2/token" {
        s.token_requests += 1;
        let form = String::from_utf8_lossy(&body).to_string();
        if basic_auth(&headers) != Some((CLIENT_ID.into(), CLIENT_SECRET.into())) {
            return json(
                401,
                json!({"error": "invalid_client", "error_description": "Client Authentication failed"}),
            );
        }
        if form != "grant_type=client_credentials" {
            return json(
                400,
                json!({"error": "unsupported_grant_type", "error_description": "Grant Type is NULL"}),
            );
        }
        s.next += 1;
        let token = format!("A21AAFake{}Token", s.next);
        s.tokens.push(token.clone());
        return json(
            200,
            json!({
                "scope": "https://uri.paypal.com/services/payments/payment",
                "access_token": token,
                "token_type": "Bearer",
                "app_id": "APP-80W284485P519543T",
                "expires_in": s.expires_in,
                "nonce": "2026-11-22T09:00:00Zfake",
            }),
        );
    }

    match bearer(&headers) {
        Some(t) if s.tokens.contains(&t) => {}
        _ => {
            return json(
                401,
                json!({"error": "invalid_token", "error_description": "Token signature verification failed"}),
            );
        }
    }

    // Idempotency: the same PayPal-Request-Id on the same path gets the first answer.
    let request_key = headers
        .get("paypal-request-id")
        .and_then(|v| v.to_str().ok())
        .map(|id| format!("{path}|{id}"));
    if method == Method::POST
        && let Some(key) = &request_key
        && let Some((status, body)) = s.replies.get(key)
    {
        return json(*status, body.clone());
    }

    let parsed: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return error(400, "INVALID_REQUEST", "MALFORMED_REQUEST_JSON", "bad JSON"),
        }
    };
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (status, reply) = match (method.clone(), segments.as_slice()) {
        (Method::POST, ["v2", "checkout", "orders"]) => create_order(&mut s, &parsed),
        (Method::GET, ["v2", "checkout", "orders", id]) => match s.orders.get(*id) {
            Some(o) => (200, o.clone()),
            None => return not_found(),
        },
        (Method::POST, ["v2", "checkout", "orders", id, action]) => {
            match complete_order(&mut s, id, action, decline) {
                Ok(r) => r,
                Err(resp) => return resp,
            }
        }
        (Method::POST, ["v2", "payments", "authorizations", id, "capture"]) => {
            match capture_authorization(&mut s, id, &parsed, decline) {
                Ok(r) => r,
                Err(resp) => return resp,
            }
        }
        (Method::POST, ["v2", "payments", "authorizations", id, "void"]) => {
            match void_authorization(&mut s, id) {
                Ok(()) => return StatusCode::NO_CONTENT.into_response(),
                Err(resp) => return resp,
            }
        }
        (Method::POST, ["v2", "payments", "captures", id, "refund"]) => {
            match refund_capture(&mut s, id, &parsed) {
                Ok(r) => r,
                Err(resp) => return resp,
            }
        }
        (Method::GET, ["v2", "payments", "captures", id]) => match find_payment(&s, id, "captures")
        {
            Some(c) => (200, c),
            None => return not_found(),
        },
        (Method::POST, ["v1", "notifications", "verify-webhook-signature"]) => {
            return verify_webhook(&s, &parsed);
        }
        _ => return not_found(),
    };
    if let Some(key) = request_key {
        s.replies.insert(key, (status, reply.clone()));
    }
    json(status, reply)
}

fn create_order(s: &mut PayPalState, body: &Value) -> (u16, Value) {
    let intent = body["intent"].as_str().unwrap_or("");
    let unit = &body["purchase_units"][0];
    let value = unit["amount"]["value"].as_str().unwrap_or("");
    let currency = unit["amount"]["currency_code"].as_str().unwrap_or("");
    let digits = if currency == "JPY" { 0 } else { 2 };
    if !matches!(intent, "CAPTURE" | "AUTHORIZE")
        || currency.len() != 3
        || !is_decimal_amount(value, digits)
    {
        return (
            400,
            json!({"name": "INVALID_REQUEST", "message": "Request is not well-formed, syntactically incorrect, or violates schema.",
                   "details": [{"issue": "INVALID_PARAMETER_VALUE", "description": "intent or amount invalid"}]}),
        );
    }
    let id = s.id("ORD");
    let order = json!({
        "id": id,
        "intent": intent,
        "status": "CREATED",
        "purchase_units": [{
            "reference_id": unit["reference_id"].as_str().unwrap_or("default"),
            "custom_id": unit["custom_id"],
            "description": unit["description"],
            "amount": unit["amount"],
            "payments": {},
        }],
        "create_time": "2026-11-22T09:00:00Z",
        "links": [
            {"href": format!("https://api.sandbox.paypal.com/v2/checkout/orders/{id}"), "rel": "self", "method": "GET"},
            {"href": format!("https://www.sandbox.paypal.com/checkoutnow?token={id}"), "rel": "approve", "method": "GET"},
            {"href": format!("https://api.sandbox.paypal.com/v2/checkout/orders/{id}/{}", intent.to_lowercase()), "rel": intent.to_lowercase(), "method": "POST"},
        ],
    });
    s.orders.insert(id, order.clone());
    (201, order)
}

fn push_payment(order: &mut Value, kind: &str, item: Value) {
    let payments = &mut order["purchase_units"][0]["payments"];
    if payments.get(kind).is_none() {
        payments[kind] = json!([]);
    }
    payments[kind].as_array_mut().unwrap().push(item);
}

fn complete_order(
    s: &mut PayPalState,
    id: &str,
    action: &str,
    decline: bool,
) -> Result<(u16, Value), Response> {
    let next_id = s.id(if action == "capture" { "CAP" } else { "AUT" });
    let order = s.orders.get_mut(id).ok_or_else(not_found)?;
    let expected = if action == "capture" {
        "CAPTURE"
    } else {
        "AUTHORIZE"
    };
    if !matches!(action, "capture" | "authorize") {
        return Err(not_found());
    }
    if order["intent"] != expected {
        return Err(error(
            422,
            "UNPROCESSABLE_ENTITY",
            "ACTION_DOES_NOT_MATCH_INTENT",
            "wrong intent",
        ));
    }
    match order["status"].as_str() {
        Some("APPROVED") => {}
        Some("COMPLETED") => {
            let issue = if action == "capture" {
                "ORDER_ALREADY_CAPTURED"
            } else {
                "ORDER_ALREADY_AUTHORIZED"
            };
            return Err(error(422, "UNPROCESSABLE_ENTITY", issue, "already done"));
        }
        _ => {
            return Err(error(
                422,
                "UNPROCESSABLE_ENTITY",
                "ORDER_NOT_APPROVED",
                "Payer has not yet approved the Order for payment.",
            ));
        }
    }
    if decline {
        return Err(error(
            422,
            "UNPROCESSABLE_ENTITY",
            "INSTRUMENT_DECLINED",
            "The instrument presented was either declined by the processor or bank, or it can't be used for this payment.",
        ));
    }
    let unit = order["purchase_units"][0].clone();
    let item = json!({
        "id": next_id,
        "status": if action == "capture" { "COMPLETED" } else { "CREATED" },
        "amount": unit["amount"],
        "final_capture": true,
        "custom_id": unit["custom_id"],
        "supplementary_data": { "related_ids": { "order_id": id } },
        "create_time": "2026-11-22T09:00:05Z",
    });
    push_payment(
        order,
        if action == "capture" {
            "captures"
        } else {
            "authorizations"
        },
        item,
    );
    order["status"] = json!("COMPLETED");
    let reply = order.clone();
    s.owner.insert(next_id, id.to_owned());
    Ok((201, reply))
}

/// The capture/authorization with `id` (from its order).
fn find_payment(s: &PayPalState, id: &str, kind: &str) -> Option<Value> {
    let order = s.orders.get(s.owner.get(id)?)?;
    order["purchase_units"][0]["payments"][kind]
        .as_array()?
        .iter()
        .find(|p| p["id"] == id)
        .cloned()
}

fn with_payment<T>(
    s: &mut PayPalState,
    id: &str,
    kind: &str,
    f: impl FnOnce(&mut Value) -> T,
) -> Option<T> {
    let order_id = s.owner.get(id)?.clone();
    let order = s.orders.get_mut(&order_id)?;
    let list = order["purchase_units"][0]["payments"][kind].as_array_mut()?;
    let item = list.iter_mut().find(|p| p["id"] == id)?;
    Some(f(item))
}

fn capture_authorization(
    s: &mut PayPalState,
    id: &str,
    body: &Value,
    decline: bool,
) -> Result<(u16, Value), Response> {
    let auth = find_payment(s, id, "authorizations").ok_or_else(not_found)?;
    if !matches!(
        auth["status"].as_str(),
        Some("CREATED" | "PARTIALLY_CAPTURED")
    ) {
        return Err(error(
            422,
            "UNPROCESSABLE_ENTITY",
            "AUTHORIZATION_ALREADY_CAPTURED",
            "not capturable",
        ));
    }
    if decline {
        return Err(error(
            422,
            "UNPROCESSABLE_ENTITY",
            "TRANSACTION_REFUSED",
            "The request was refused.",
        ));
    }
    let order_id = s.owner[id].clone();
    let currency = auth["amount"]["currency_code"].as_str().unwrap().to_owned();
    let authorized = amount_minor(&auth["amount"]);
    let captured: i64 = s.orders[&order_id]["purchase_units"][0]["payments"]["captures"]
        .as_array()
        .map(|c| c.iter().map(|c| amount_minor(&c["amount"])).sum())
        .unwrap_or(0);
    let amount = match body.get("amount") {
        Some(a) if a["currency_code"] != currency.as_str() => {
            return Err(error(
                422,
                "UNPROCESSABLE_ENTITY",
                "CURRENCY_MISMATCH",
                "currency",
            ));
        }
        Some(a) => amount_minor(a),
        None => authorized - captured,
    };
    if captured + amount > authorized {
        return Err(error(
            422,
            "UNPROCESSABLE_ENTITY",
            "MAX_CAPTURE_AMOUNT_EXCEEDED",
            "too much",
        ));
    }
    let final_capture = body["final_capture"].as_bool().unwrap_or(true);
    let capture_id = s.id("CAP");
    let capture = json!({
        "id": capture_id,
        "status": "COMPLETED",
        "amount": money(&currency, amount),
        "final_capture": final_capture,
        "custom_id": auth["custom_id"],
        "supplementary_data": { "related_ids": { "order_id": order_id, "authorization_id": id } },
    });
    let fully = final_capture || captured + amount == authorized;
    with_payment(s, id, "authorizations", |a| {
        a["status"] = json!(if fully {
            "CAPTURED"
        } else {
            "PARTIALLY_CAPTURED"
        });
    });
    push_payment(
        s.orders.get_mut(&order_id).unwrap(),
        "captures",
        capture.clone(),
    );
    s.owner.insert(capture_id, order_id);
    Ok((201, capture))
}

fn void_authorization(s: &mut PayPalState, id: &str) -> Result<(), Response> {
    let auth = find_payment(s, id, "authorizations").ok_or_else(not_found)?;
    if !matches!(
        auth["status"].as_str(),
        Some("CREATED" | "PARTIALLY_CAPTURED")
    ) {
        return Err(error(
            422,
            "UNPROCESSABLE_ENTITY",
            "PREVIOUSLY_VOIDED",
            "cannot void",
        ));
    }
    with_payment(s, id, "authorizations", |a| a["status"] = json!("VOIDED"));
    Ok(())
}

fn refund_capture(s: &mut PayPalState, id: &str, body: &Value) -> Result<(u16, Value), Response> {
    let capture = find_payment(s, id, "captures").ok_or_else(not_found)?;
    if !matches!(
        capture["status"].as_str(),
        Some("COMPLETED" | "PARTIALLY_REFUNDED")
    ) {
        return Err(error(
            422,
            "UNPROCESSABLE_ENTITY",
            "CAPTURE_FULLY_REFUNDED",
            "nothing left",
        ));
    }
    let order_id = s.owner[id].clone();
    let currency = capture["amount"]["currency_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let captured = amount_minor(&capture["amount"]);
    let refunded: i64 = s.orders[&order_id]["purchase_units"][0]["payments"]["refunds"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter(|r| r["capture_id"] == id)
                .map(|r| amount_minor(&r["amount"]))
                .sum()
        })
        .unwrap_or(0);
    let amount = body.get("amount").map_or(captured - refunded, amount_minor);
    if refunded + amount > captured {
        return Err(error(
            422,
            "UNPROCESSABLE_ENTITY",
            "REFUND_AMOUNT_EXCEEDED",
            "The refund amount must be less than or equal to the capture amount that has not yet been refunded.",
        ));
    }
    let refund_id = s.id("REF");
    let refund = json!({
        "id": refund_id,
        "status": "COMPLETED",
        "amount": money(&currency, amount),
        "capture_id": id,
        "links": [
            {"href": format!("https://api.sandbox.paypal.com/v2/payments/refunds/{refund_id}"), "rel": "self", "method": "GET"},
            {"href": format!("https://api.sandbox.paypal.com/v2/payments/captures/{id}"), "rel": "up", "method": "GET"},
        ],
    });
    let full = refunded + amount == captured;
    with_payment(s, id, "captures", |c| {
        c["status"] = json!(if full {
            "REFUNDED"
        } else {
            "PARTIALLY_REFUNDED"
        });
    });
    push_payment(
        s.orders.get_mut(&order_id).unwrap(),
        "refunds",
        refund.clone(),
    );
    s.owner.insert(refund_id, order_id);
    Ok((201, refund))
}

fn verify_webhook(s: &PayPalState, body: &Value) -> Response {
    let field = |k: &str| body.get(k).and_then(Value::as_str);
    let (Some(algo), Some(cert), Some(tid), Some(sig), Some(_time), Some(webhook_id)) = (
        field("auth_algo"),
        field("cert_url"),
        field("transmission_id"),
        field("transmission_sig"),
        field("transmission_time"),
        field("webhook_id"),
    ) else {
        return error(
            400,
            "VALIDATION_ERROR",
            "MISSING_REQUIRED_PARAMETER",
            "missing field",
        );
    };
    let Some(event) = body.get("webhook_event") else {
        return error(
            400,
            "VALIDATION_ERROR",
            "MISSING_REQUIRED_PARAMETER",
            "webhook_event",
        );
    };
    let ok = algo == "SHA256withRSA"
        && cert.starts_with("https://api.sandbox.paypal.com/v1/notifications/certs/")
        && webhook_id == WEBHOOK_ID
        && s.transmissions
            .get(tid)
            .is_some_and(|(expected_sig, expected_event)| {
                expected_sig == sig && expected_event == event
            });
    json(
        200,
        json!({ "verification_status": if ok { "SUCCESS" } else { "FAILURE" } }),
    )
}
