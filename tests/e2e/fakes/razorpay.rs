//! A fake Razorpay API: basic auth with key id/secret, orders, an order's payments,
//! payments (fetch, capture, refund with `X-Refund-Idempotency`), Checkout payments
//! signed like Razorpay's Checkout, and webhooks signed with the webhook secret.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, Method, Uri},
    response::Response,
};
use serde_json::{Value, json};

use super::{Control, basic_auth, hmac_sha256_hex, json};

pub const KEY_ID: &str = "rzp_test_FakeKeyId01";
pub const KEY_SECRET: &str = "fake_key_secret_0123456789";
pub const WEBHOOK_SECRET: &str = "fake_webhook_secret";

#[derive(Default)]
struct RazorpayState {
    orders: HashMap<String, Value>,
    payments: HashMap<String, Value>,
    /// idempotency key → refund.
    refunds_by_key: HashMap<String, Value>,
    next: u64,
}

impl RazorpayState {
    fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}_Fake{:010}", self.next)
    }
}

struct Inner {
    control: Arc<Control>,
    state: Mutex<RazorpayState>,
}

/// What the buyer does in Checkout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checkout {
    Pays,
    Declined,
}

/// A running fake Razorpay.
pub struct FakeRazorpay {
    pub base_url: String,
    pub control: Arc<Control>,
    inner: Arc<Inner>,
}

fn bad_request(description: &str) -> Response {
    json(
        400,
        json!({"error": {"code": "BAD_REQUEST_ERROR", "description": description,
                         "source": "business", "step": "payment_initiation", "reason": "input_validation_failed",
                         "metadata": {}}}),
    )
}

impl FakeRazorpay {
    pub async fn start() -> Self {
        let control = Arc::new(Control::default());
        let inner = Arc::new(Inner {
            control: control.clone(),
            state: Mutex::new(RazorpayState::default()),
        });
        let router = Router::new().fallback(handle).with_state(inner.clone());
        let base_url = super::serve(router).await;
        Self {
            base_url,
            control,
            inner,
        }
    }

    pub fn config(&self) -> (Value, Value) {
        (
            json!({ "keyId": KEY_ID, "merchantName": "Fake Store" }),
            json!({ "keySecret": KEY_SECRET, "webhookSecret": WEBHOOK_SECRET }),
        )
    }

    pub fn order(&self, id: &str) -> Value {
        self.inner.state.lock().unwrap().orders[id].clone()
    }

    pub fn payment(&self, id: &str) -> Value {
        self.inner.state.lock().unwrap().payments[id].clone()
    }

    /// The buyer completes (or fails) Checkout for `order_id`. Returns what Checkout's
    /// handler gets: `razorpay_payment_id`, `razorpay_order_id`, `razorpay_signature`.
    pub fn checkout(&self, order_id: &str, outcome: Checkout) -> Value {
        let mut s = self.inner.state.lock().unwrap();
        let payment_id = s.id("pay");
        let order = s.orders.get_mut(order_id).unwrap();
        let auto_capture = order["payment_capture"].as_bool().unwrap_or(true);
        let status = match (outcome, auto_capture) {
            (Checkout::Declined, _) => "failed",
            (Checkout::Pays, true) => "captured",
            (Checkout::Pays, false) => "authorized",
        };
        order["attempts"] = json!(order["attempts"].as_i64().unwrap_or(0) + 1);
        if status == "captured" {
            order["status"] = json!("paid");
            order["amount_paid"] = order["amount"].clone();
            order["amount_due"] = json!(0);
        } else {
            order["status"] = json!("attempted");
        }
        let failed = status == "failed";
        let payment = json!({
            "id": payment_id,
            "entity": "payment",
            "amount": order["amount"],
            "currency": order["currency"],
            "status": status,
            "order_id": order_id,
            "invoice_id": null,
            "international": false,
            "method": "card",
            "amount_refunded": 0,
            "refund_status": null,
            "captured": status == "captured",
            "description": "Fake Store",
            "email": "buyer@example.com",
            "contact": "+919999999999",
            "notes": order["notes"],
            "fee": null,
            "tax": null,
            "error_code": if failed { json!("BAD_REQUEST_ERROR") } else { Value::Null },
            "error_description": if failed { json!("Your payment has been declined by your bank.") } else { Value::Null },
            "error_reason": if failed { json!("payment_declined") } else { Value::Null },
            "created_at": 1_795_000_000,
        });
        s.payments.insert(payment_id.clone(), payment);
        let signature = hmac_sha256_hex(KEY_SECRET, format!("{order_id}|{payment_id}").as_bytes());
        json!({
            "razorpay_payment_id": payment_id,
            "razorpay_order_id": order_id,
            "razorpay_signature": signature,
        })
    }

    /// A webhook as Razorpay sends it: `(headers, raw body)`, signed with the webhook
    /// secret, the event id in `x-razorpay-event-id`.
    pub fn webhook(&self, event: &str, payload: Value) -> (HeaderMap, Vec<u8>) {
        let n = {
            let mut s = self.inner.state.lock().unwrap();
            s.next += 1;
            s.next
        };
        let contains: Vec<&String> = payload
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        let body = json!({
            "entity": "event",
            "account_id": "acc_FakeAccount001",
            "event": event,
            "contains": contains,
            "payload": payload,
            "created_at": 1_795_000_100,
        });
        let body = serde_json::to_vec(&body).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-razorpay-signature",
            HeaderValue::from_str(&hmac_sha256_hex(WEBHOOK_SECRET, &body)).unwrap(),
        );
        headers.insert(
            "x-razorpay-event-id",
            HeaderValue::from_str(&format!("evt_Fake{n:010}")).unwrap(),
        );
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        (headers, body)
    }
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    inner.control.record(
        method.as_str(),
        uri.path_and_query().map_or("", |p| p.as_str()),
        &headers,
        &body,
    );
    if let Some(fault) = inner.control.fault().await {
        return fault;
    }
    if basic_auth(&headers) != Some((KEY_ID.into(), KEY_SECRET.into())) {
        return json(
            401,
            json!({"error": {"code": "BAD_REQUEST_ERROR", "description": "Authentication failed"}}),
        );
    }
    let parsed: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return bad_request("The request body is not valid JSON."),
        }
    };
    let mut s = inner.state.lock().unwrap();
    let path = uri.path().to_owned();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        (Method::POST, ["v1", "orders"]) => {
            let amount = parsed["amount"].as_i64().unwrap_or(0);
            let currency = parsed["currency"].as_str().unwrap_or("");
            let receipt = parsed["receipt"].as_str().unwrap_or("");
            if amount < 100 {
                return bad_request("The amount must be atleast INR 1.00");
            }
            if currency.len() != 3 {
                return bad_request("The currency field is invalid.");
            }
            if receipt.len() > 40 {
                return bad_request("The receipt may not be greater than 40 characters.");
            }
            let id = s.id("order");
            let order = json!({
                "id": id,
                "entity": "order",
                "amount": amount,
                "amount_paid": 0,
                "amount_due": amount,
                "currency": currency,
                "receipt": receipt,
                "offer_id": null,
                "status": "created",
                "attempts": 0,
                "notes": parsed.get("notes").cloned().unwrap_or(json!([])),
                "created_at": 1_795_000_000,
                // Not part of Razorpay's order entity; kept to simulate auto-capture.
                "payment_capture": parsed["payment_capture"].as_bool().unwrap_or(true),
            });
            s.orders.insert(id, order.clone());
            let mut reply = order;
            reply.as_object_mut().unwrap().remove("payment_capture");
            json(200, reply)
        }
        (Method::GET, ["v1", "orders", id]) => match s.orders.get(*id) {
            Some(o) => json(200, o.clone()),
            None => bad_request("The id provided does not exist"),
        },
        (Method::GET, ["v1", "orders", id, "payments"]) => {
            if !s.orders.contains_key(*id) {
                return bad_request("The id provided does not exist");
            }
            let items: Vec<Value> = s
                .payments
                .values()
                .filter(|p| p["order_id"] == *id)
                .cloned()
                .collect();
            json(
                200,
                json!({"entity": "collection", "count": items.len(), "items": items}),
            )
        }
        (Method::GET, ["v1", "payments", id]) => match s.payments.get(*id) {
            Some(p) => json(200, p.clone()),
            None => bad_request("The id provided does not exist"),
        },
        (Method::POST, ["v1", "payments", id, "capture"]) => {
            let Some(payment) = s.payments.get_mut(*id) else {
                return bad_request("The id provided does not exist");
            };
            match payment["status"].as_str() {
                Some("authorized") => {}
                Some("captured") => return bad_request("This payment has already been captured"),
                _ => {
                    return bad_request(
                        "Only payments which have been authorized and not yet captured can be captured",
                    );
                }
            }
            if parsed["amount"] != payment["amount"] || parsed["currency"] != payment["currency"] {
                return bad_request("Capture amount must be equal to the amount authorized");
            }
            payment["status"] = json!("captured");
            payment["captured"] = json!(true);
            let reply = payment.clone();
            let order_id = reply["order_id"].as_str().unwrap_or("").to_owned();
            if let Some(order) = s.orders.get_mut(&order_id) {
                order["status"] = json!("paid");
                order["amount_paid"] = order["amount"].clone();
                order["amount_due"] = json!(0);
            }
            json(200, reply)
        }
        (Method::POST, ["v1", "payments", id, "refund"]) => {
            let key = headers
                .get("x-refund-idempotency")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            if let Some(key) = &key {
                if key.len() < 10 {
                    return bad_request("The idempotency key must be at least 10 characters.");
                }
                if let Some(refund) = s.refunds_by_key.get(key) {
                    return json(200, refund.clone());
                }
            }
            let refund_id = s.id("rfnd");
            let Some(payment) = s.payments.get_mut(*id) else {
                return bad_request("The id provided does not exist");
            };
            if !matches!(
                payment["status"].as_str(),
                Some("captured") | Some("refunded")
            ) {
                return bad_request("The payment has not been captured");
            }
            let total = payment["amount"].as_i64().unwrap();
            let refunded = payment["amount_refunded"].as_i64().unwrap();
            let amount = parsed["amount"].as_i64().unwrap_or(total - refunded);
            if amount <= 0 || refunded + amount > total {
                return bad_request(
                    "The total refund amount is greater than the refund payment amount",
                );
            }
            payment["amount_refunded"] = json!(refunded + amount);
            let full = refunded + amount == total;
            payment["refund_status"] = json!(if full { "full" } else { "partial" });
            if full {
                payment["status"] = json!("refunded");
            }
            let refund = json!({
                "id": refund_id,
                "entity": "refund",
                "amount": amount,
                "currency": payment["currency"],
                "payment_id": id,
                "notes": [],
                "receipt": null,
                "acquirer_data": {"arn": null},
                "created_at": 1_795_000_200,
                "batch_id": null,
                "status": "processed",
                "speed_processed": "normal",
                "speed_requested": parsed["speed"].as_str().unwrap_or("normal"),
            });
            if let Some(key) = key {
                s.refunds_by_key.insert(key, refund.clone());
            }
            json(200, refund)
        }
        _ => json(
            404,
            json!({"error": {"code": "BAD_REQUEST_ERROR", "description": "The requested URL was not found on the server."}}),
        ),
    }
}
