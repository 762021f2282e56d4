//! Local fakes of payment providers: small axum servers on port 0 inside the test process
//! that follow each provider's documented request/response formats, check credentials and
//! signatures, and can be told to decline, answer 5xx or hang.
//!
//! Each fake (`paypal::FakePayPal::start()`, …) returns its base URL plus a handle to
//! inspect the requests it received ([`Control::requests`]) and switch modes
//! ([`Control::set_mode`]); provider-specific helpers simulate the buyer's side (approving a
//! PayPal order, paying in Razorpay Checkout or on PayU's page) and produce signed webhooks.
#![allow(dead_code, clippy::unwrap_used)]

pub mod paypal;
pub mod payu;
pub mod razorpay;
pub mod stripe;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::{
    Router,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use serde_json::Value;

/// How a fake answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    /// Like the real provider.
    #[default]
    Normal,
    /// Payments (captures, authorizations, checkouts) are declined by the "bank".
    Decline,
    /// Every request gets a 5xx.
    ServerError,
    /// Every request hangs (longer than any test client waits).
    Hang,
}

/// One request a fake received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Path and query.
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Mode switch and request log shared by every fake.
#[derive(Default)]
pub struct Control {
    mode: Mutex<Mode>,
    requests: Mutex<Vec<Recorded>>,
}

impl Control {
    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn mode(&self) -> Mode {
        *self.mode.lock().unwrap()
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// Requests whose path starts with `prefix`.
    pub fn requests_to(&self, method: &str, prefix: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == method && r.path.starts_with(prefix))
            .collect()
    }

    pub(crate) fn record(&self, method: &str, path: &str, headers: &HeaderMap, body: &[u8]) {
        self.requests.lock().unwrap().push(Recorded {
            method: method.to_owned(),
            path: path.to_owned(),
            headers: headers.clone(),
            body: body.to_vec(),
        });
    }

    /// The 5xx / hang answer for the current mode, if any.
    pub(crate) async fn fault(&self) -> Option<Response> {
        match self.mode() {
            Mode::ServerError => Some(
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [("content-type", "application/json")],
                    r#"{"name":"INTERNAL_SERVER_ERROR","message":"try later"}"#,
                )
                    .into_response(),
            ),
            Mode::Hang => {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Some(StatusCode::GATEWAY_TIMEOUT.into_response())
            }
            _ => None,
        }
    }
}

/// Binds `router` to 127.0.0.1 on a free port and serves it in the background; returns
/// `http://127.0.0.1:<port>`.
pub async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.ok();
    });
    format!("http://{addr}")
}

/// A JSON response.
pub fn json(status: u16, body: Value) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// `Authorization: Basic …` → (user, password).
pub fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(B64.decode(encoded).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// `Authorization: Bearer …` → token.
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("authorization")?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(str::to_owned)
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Hex HMAC-SHA256 (the fakes sign with their own code, not the gateway's).
pub fn hmac_sha256_hex(key: &str, message: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.as_bytes());
    hex(ring::hmac::sign(&key, message).as_ref())
}

/// Hex SHA-512.
pub fn sha512_hex(s: &str) -> String {
    use sha2::Digest;
    hex(&sha2::Sha512::digest(s.as_bytes()))
}

/// A decimal money string with exactly `digits` decimals (`"10.50"`), as providers send.
pub fn is_decimal_amount(s: &str, digits: usize) -> bool {
    match s.split_once('.') {
        None => digits == 0 && !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()),
        Some((int, frac)) => {
            !int.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.len() == digits
                && frac.bytes().all(|b| b.is_ascii_digit())
        }
    }
}

/// Parses `"10.50"` into minor units with `digits` decimals.
pub fn decimal_to_minor(s: &str, digits: u32) -> i64 {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let mut frac = frac.to_owned();
    while frac.len() < digits as usize {
        frac.push('0');
    }
    int.parse::<i64>().unwrap() * 10_i64.pow(digits) + frac.parse::<i64>().unwrap_or(0)
}

/// Formats minor units as a decimal string with `digits` decimals.
pub fn minor_to_decimal(minor: i64, digits: u32) -> String {
    if digits == 0 {
        return minor.to_string();
    }
    let p = 10_i64.pow(digits);
    format!(
        "{}.{:0width$}",
        minor / p,
        minor % p,
        width = digits as usize
    )
}

/// Shared handle type: the fakes keep their state behind one mutex.
pub type Shared<T> = Arc<Mutex<T>>;
