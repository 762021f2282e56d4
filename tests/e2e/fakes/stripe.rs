//! A local fake of Stripe's API for tests (axum on port 0), following Stripe's documented
//! request and response formats: form-encoded PaymentIntents create/confirm/retrieve/
//! capture/cancel and refunds, `Authorization: Bearer sk_…`, `Idempotency-Key` replays,
//! card declines as 402 `card_error` (payment method `pm_card_chargeDeclined`), and
//! switchable faults (5xx, hanging). `event` builds webhook bodies signed the way Stripe
//! signs them (`Stripe-Signature: t=…,v1=HMAC-SHA256(t.body)`).
#![allow(dead_code, clippy::unwrap_used)]

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Form, Json, Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};

/// Behaviour of the fake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Every request answers 500.
    ServerError,
    /// Every request hangs for a minute.
    Hang,
}

#[derive(Default)]
struct Inner {
    intents: HashMap<String, Value>,
    refunds: HashMap<String, Value>,
    idempotent: HashMap<String, (u16, Value)>,
    requests: Vec<(String, String)>,
    /// The headers of every request, in order.
    headers: Vec<HeaderMap>,
    next: u64,
    mode: Option<Mode>,
}

/// A running fake.
#[derive(Clone)]
pub struct FakeStripe {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

pub const SECRET_KEY: &str = "sk_test_fake_0123456789";
pub const WEBHOOK_SECRET: &str = "whsec_fake_0123456789";

impl FakeStripe {
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new()
            .route("/v1/payment_intents", post(create))
            .route("/v1/payment_intents/{id}", get(retrieve))
            .route("/v1/payment_intents/{id}/confirm", post(confirm))
            .route("/v1/payment_intents/{id}/capture", post(capture))
            .route("/v1/payment_intents/{id}/cancel", post(cancel))
            .route("/v1/refunds", post(refund))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { url, inner }
    }

    pub fn set_mode(&self, mode: Mode) {
        self.inner.lock().unwrap().mode = Some(mode);
    }

    /// The PaymentIntent `id` as stored.
    pub fn intent(&self, id: &str) -> Value {
        self.inner.lock().unwrap().intents[id].clone()
    }

    /// Every PaymentIntent.
    pub fn intents(&self) -> Vec<Value> {
        self.inner
            .lock()
            .unwrap()
            .intents
            .values()
            .cloned()
            .collect()
    }

    /// `(method path, Idempotency-Key)` of every request.
    pub fn requests(&self) -> Vec<(String, String)> {
        self.inner.lock().unwrap().requests.clone()
    }

    /// The headers of every request (`Stripe-Version`, `traceparent`…), in order.
    pub fn request_headers(&self) -> Vec<HeaderMap> {
        self.inner.lock().unwrap().headers.clone()
    }

    /// The customer completes the payment in the browser (Stripe.js, 3-D Secure).
    pub fn customer_pays(&self, id: &str) -> Value {
        let mut inner = self.inner.lock().unwrap();
        let pi = inner.intents.get_mut(id).unwrap();
        settle(pi);
        pi.clone()
    }
}

fn settle(pi: &mut Value) {
    let amount = pi["amount"].as_i64().unwrap();
    if pi["capture_method"] == "manual" {
        pi["status"] = json!("requires_capture");
        pi["amount_capturable"] = json!(amount);
    } else {
        pi["status"] = json!("succeeded");
        pi["amount_received"] = json!(amount);
    }
    pi["payment_method"] = json!("pm_card_visa");
}

type Shared = Arc<Mutex<Inner>>;

/// Common checks: faults, auth, idempotent replays. `Err` is the response to send.
async fn preflight(
    inner: &Shared,
    headers: &HeaderMap,
    what: String,
) -> Result<Option<String>, Response> {
    let mode = {
        let mut i = inner.lock().unwrap();
        let key = headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        i.requests.push((what.clone(), key));
        i.headers.push(headers.clone());
        i.mode.unwrap_or(Mode::Normal)
    };
    match mode {
        Mode::ServerError => {
            return Err((
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}})),
            )
                .into_response());
        }
        Mode::Hang => {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        }
        Mode::Normal => {}
    }
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth != format!("Bearer {SECRET_KEY}") {
        return Err((
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": {"type": "invalid_request_error", "message": "Invalid API Key provided."}})),
        )
            .into_response());
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|k| format!("{what}|{k}"));
    let replay = key
        .as_ref()
        .and_then(|k| inner.lock().unwrap().idempotent.get(k).cloned());
    if let Some((status, body)) = replay {
        return Err((StatusCode::from_u16(status).unwrap(), Json(body)).into_response());
    }
    Ok(key)
}

fn answer(inner: &Shared, key: Option<String>, status: u16, body: Value) -> Response {
    if let Some(k) = key {
        inner
            .lock()
            .unwrap()
            .idempotent
            .insert(k, (status, body.clone()));
    }
    (StatusCode::from_u16(status).unwrap(), Json(body)).into_response()
}

fn declined(pi: &Value) -> Value {
    json!({"error": {"type": "card_error", "code": "card_declined", "decline_code": "generic_decline",
        "message": "Your card was declined.", "payment_intent": pi}})
}

/// Confirms `pi` with `pm`; `Err` is a decline.
fn confirm_with(pi: &mut Value, pm: &str) -> Result<(), ()> {
    if pm == "pm_card_chargeDeclined" {
        pi["status"] = json!("requires_payment_method");
        pi["last_payment_error"] =
            json!({"code": "card_declined", "message": "Your card was declined."});
        return Err(());
    }
    settle(pi);
    pi["payment_method"] = json!(pm);
    Ok(())
}

async fn create(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let key = match preflight(&inner, &headers, "POST /v1/payment_intents".into()).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let amount: i64 = form.get("amount").and_then(|a| a.parse().ok()).unwrap_or(0);
    if amount < 1 {
        return answer(
            &inner,
            key,
            400,
            json!({"error": {"type": "invalid_request_error", "param": "amount",
            "message": "This value must be greater than or equal to 1."}}),
        );
    }
    let id = {
        let mut i = inner.lock().unwrap();
        i.next += 1;
        format!("pi_fake{}", i.next)
    };
    let mut pi = json!({
        "id": id, "object": "payment_intent", "amount": amount, "amount_capturable": 0, "amount_received": 0,
        "currency": form.get("currency").cloned().unwrap_or_default(),
        "capture_method": form.get("capture_method").cloned().unwrap_or("automatic".into()),
        "client_secret": format!("{id}_secret_fake"),
        "metadata": {"transaction_id": form.get("metadata[transaction_id]").cloned().unwrap_or_default(),
                     "channel": form.get("metadata[channel]").cloned().unwrap_or_default()},
        "status": "requires_payment_method", "livemode": false, "payment_method": null,
    });
    let mut status = 200;
    let mut body = pi.clone();
    if form.get("confirm").map(String::as_str) == Some("true") {
        let pm = form.get("payment_method").cloned().unwrap_or_default();
        if confirm_with(&mut pi, &pm).is_err() {
            status = 402;
            body = declined(&pi);
        } else {
            body = pi.clone();
        }
    }
    inner.lock().unwrap().intents.insert(id, pi);
    answer(&inner, key, status, body)
}

async fn retrieve(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = preflight(&inner, &headers, format!("GET /v1/payment_intents/{id}")).await {
        return r;
    }
    match inner.lock().unwrap().intents.get(&id) {
        Some(pi) => Json(pi.clone()).into_response(),
        None => not_found(&id),
    }
}

fn not_found(id: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(
            json!({"error": {"type": "invalid_request_error", "code": "resource_missing",
            "message": format!("No such payment_intent: '{id}'")}}),
        ),
    )
        .into_response()
}

async fn confirm(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let key = match preflight(
        &inner,
        &headers,
        format!("POST /v1/payment_intents/{id}/confirm"),
    )
    .await
    {
        Ok(k) => k,
        Err(r) => return r,
    };
    let result = {
        let mut i = inner.lock().unwrap();
        let Some(pi) = i.intents.get_mut(&id) else {
            return not_found(&id);
        };
        let pm = form.get("payment_method").cloned().unwrap_or_default();
        match confirm_with(pi, &pm) {
            Ok(()) => (200, pi.clone()),
            Err(()) => (402, declined(pi)),
        }
    };
    answer(&inner, key, result.0, result.1)
}

async fn capture(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let key = match preflight(
        &inner,
        &headers,
        format!("POST /v1/payment_intents/{id}/capture"),
    )
    .await
    {
        Ok(k) => k,
        Err(r) => return r,
    };
    let result = {
        let mut i = inner.lock().unwrap();
        let Some(pi) = i.intents.get_mut(&id) else {
            return not_found(&id);
        };
        if pi["status"] != "requires_capture" {
            (
                400,
                json!({"error": {"type": "invalid_request_error", "code": "payment_intent_unexpected_state",
                "message": "This PaymentIntent could not be captured because it has a status of succeeded."}}),
            )
        } else {
            let capturable = pi["amount_capturable"].as_i64().unwrap();
            let amount: i64 = form
                .get("amount_to_capture")
                .and_then(|a| a.parse().ok())
                .unwrap_or(capturable);
            pi["status"] = json!("succeeded");
            pi["amount_received"] = json!(amount.min(capturable));
            pi["amount_capturable"] = json!(0);
            (200, pi.clone())
        }
    };
    answer(&inner, key, result.0, result.1)
}

async fn cancel(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let key = match preflight(
        &inner,
        &headers,
        format!("POST /v1/payment_intents/{id}/cancel"),
    )
    .await
    {
        Ok(k) => k,
        Err(r) => return r,
    };
    let result = {
        let mut i = inner.lock().unwrap();
        let Some(pi) = i.intents.get_mut(&id) else {
            return not_found(&id);
        };
        pi["status"] = json!("canceled");
        pi["amount_capturable"] = json!(0);
        (200, pi.clone())
    };
    answer(&inner, key, result.0, result.1)
}

async fn refund(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let key = match preflight(&inner, &headers, "POST /v1/refunds".into()).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let pi_id = form.get("payment_intent").cloned().unwrap_or_default();
    let result = {
        let mut i = inner.lock().unwrap();
        let refunded: i64 = i
            .refunds
            .values()
            .filter(|r| r["payment_intent"] == pi_id.as_str())
            .map(|r| r["amount"].as_i64().unwrap())
            .sum();
        let Some(pi) = i.intents.get(&pi_id).cloned() else {
            return not_found(&pi_id);
        };
        let received = pi["amount_received"].as_i64().unwrap();
        let amount: i64 = form
            .get("amount")
            .and_then(|a| a.parse().ok())
            .unwrap_or(received - refunded);
        if amount > received - refunded {
            (
                400,
                json!({"error": {"type": "invalid_request_error", "code": "amount_too_large",
                "message": "Refund amount is greater than unrefunded amount on charge."}}),
            )
        } else {
            i.next += 1;
            let id = format!("re_fake{}", i.next);
            let r = json!({"id": id, "object": "refund", "amount": amount, "currency": pi["currency"],
                "payment_intent": pi_id, "status": "succeeded"});
            i.refunds.insert(id, r.clone());
            (200, r)
        }
    };
    answer(&inner, key, result.0, result.1)
}

/// A webhook event body and its `Stripe-Signature` header, signed with `secret` now.
pub fn event(secret: &str, id: &str, kind: &str, object: Value) -> (String, String) {
    let body = json!({"id": id, "object": "event", "type": kind, "api_version": "2024-06-20",
        "created": chrono::Utc::now().timestamp(), "livemode": false,
        "data": {"object": object}})
    .to_string();
    let header = sign(secret, chrono::Utc::now().timestamp(), &body);
    (body, header)
}

/// `t=…,v1=…` over `t.body`.
pub fn sign(secret: &str, t: i64, body: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = ring::hmac::sign(&key, format!("{t}.{body}").as_bytes());
    let hex = hex::encode(tag);
    format!("t={t},v1={hex}")
}
