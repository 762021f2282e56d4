//! The PayPal, Razorpay and PayU gateways driven through the `PaymentGateway` trait against
//! local fakes of each provider (tests/fakes): initialize → initialize transaction → the
//! buyer's step → process → charge → refund → webhooks (valid, replayed, bad signature),
//! declines, 5xx and timeouts.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use crate::fakes::{
    Mode,
    paypal::FakePayPal,
    payu::FakePayU,
    razorpay::{Checkout, FakeRazorpay},
};
use axum::http::{HeaderMap, HeaderValue};
use bizgraph::payment::{
    gateway::{
        Amount, EventKind, Flow, GatewayCall, GatewayError, GatewayOutcome, InitializeRequest,
        PaymentGateway, ProcessRequest,
    },
    paypal::PayPal,
    payu::PayU,
    razorpay::Razorpay,
    registry,
};
use serde_json::{Value, json};

/// A client like the server's, with a timeout short enough for the hang tests.
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

struct Ctx {
    settings: Value,
    secrets: Value,
    base_url: String,
    http: reqwest::Client,
}

impl Ctx {
    fn new((settings, secrets): (Value, Value), base_url: &str) -> Self {
        Self {
            settings,
            secrets,
            base_url: base_url.to_owned(),
            http: http(),
        }
    }

    fn call(&self) -> GatewayCall<'_> {
        GatewayCall {
            channel: "default-channel",
            settings: &self.settings,
            secrets: &self.secrets,
            base_url: &self.base_url,
            http: &self.http,
        }
    }
}

fn txn_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn init_request<'a>(
    transaction_id: &'a str,
    amount: Amount,
    flow: Flow,
    data: Option<&'a Value>,
) -> InitializeRequest<'a> {
    InitializeRequest {
        transaction_id,
        amount,
        flow,
        data,
        email: Some("buyer@example.com"),
        source_object: "Q2hlY2tvdXQ6MWY0ZmE5YjQ=",
    }
}

fn process_request<'a>(
    transaction_id: &'a str,
    psp: Option<&'a str>,
    amount: Amount,
    flow: Flow,
    data: Option<&'a Value>,
) -> ProcessRequest<'a> {
    ProcessRequest {
        transaction_id,
        psp_reference: psp,
        amount,
        flow,
        data,
    }
}

fn assert_outcome(o: &GatewayOutcome, kind: EventKind, minor: i64, currency: &str) {
    assert_eq!(o.kind, kind, "{o:?}");
    assert_eq!(o.amount, Amount::new(minor, currency), "{o:?}");
}

#[test]
fn registry_lists_the_three_gateways() {
    for (key, id) in [
        ("paypal", "app.saleor.paypal"),
        ("razorpay", "app.saleor.razorpay"),
        ("payu", "app.saleor.payu"),
    ] {
        let g = registry::by_key(key).unwrap();
        assert_eq!(g.id(), id);
        assert!(registry::by_id(id).is_some());
        assert!(g.default_base_url().starts_with("https://"));
        assert!(!g.secret_keys().is_empty());
    }
}

// ---------------------------------------------------------------- PayPal

#[tokio::test]
async fn paypal_capture_refund_and_token_cache() {
    let fake = FakePayPal::start().await;
    let ctx = Ctx::new(fake.config(), &fake.base_url);
    let call = ctx.call();
    let gw = PayPal;

    let init = gw.initialize(&call, None).await.unwrap();
    assert_eq!(init["clientId"], crate::fakes::paypal::CLIENT_ID);

    let tid = txn_id();
    let started = gw
        .initialize_transaction(
            &call,
            &init_request(&tid, Amount::new(1050, "USD"), Flow::Charge, None),
        )
        .await
        .unwrap();
    assert_outcome(&started, EventKind::ChargeActionRequired, 1050, "USD");
    let order_id = started.psp_reference.clone().unwrap();
    let client = started.client_data.clone().unwrap();
    assert_eq!(client["orderId"], order_id.as_str());
    assert!(client["approveUrl"].as_str().unwrap().contains(&order_id));

    let created = fake.control.requests_to("POST", "/v2/checkout/orders");
    assert_eq!(created[0].header("paypal-request-id"), Some(tid.as_str()));
    let body = created[0].json();
    assert_eq!(body["intent"], "CAPTURE");
    assert_eq!(
        body["purchase_units"][0]["amount"],
        json!({"currency_code": "USD", "value": "10.50"})
    );
    assert_eq!(body["purchase_units"][0]["custom_id"], tid.as_str());

    // The same transaction initialized again (a retry) gets the same PayPal order.
    let again = gw
        .initialize_transaction(
            &call,
            &init_request(&tid, Amount::new(1050, "USD"), Flow::Charge, None),
        )
        .await
        .unwrap();
    assert_eq!(again.psp_reference.as_deref(), Some(order_id.as_str()));

    // Not approved yet: a clear error, nothing captured.
    let early = gw
        .process(
            &call,
            &process_request(
                &tid,
                Some(&order_id),
                Amount::new(1050, "USD"),
                Flow::Charge,
                None,
            ),
        )
        .await;
    assert!(
        matches!(early, Err(GatewayError::InvalidData(_))),
        "{early:?}"
    );

    fake.approve(&order_id);
    let charged = gw
        .process(
            &call,
            &process_request(
                &tid,
                Some(&order_id),
                Amount::new(1050, "USD"),
                Flow::Charge,
                None,
            ),
        )
        .await
        .unwrap();
    assert_outcome(&charged, EventKind::ChargeSuccess, 1050, "USD");
    assert_eq!(charged.psp_reference.as_deref(), Some(order_id.as_str()));

    // Processing twice is harmless: same capture, same answer.
    let twice = gw
        .process(
            &call,
            &process_request(
                &tid,
                Some(&order_id),
                Amount::new(1050, "USD"),
                Flow::Charge,
                None,
            ),
        )
        .await
        .unwrap();
    assert_outcome(&twice, EventKind::ChargeSuccess, 1050, "USD");
    assert_eq!(
        fake.order(&order_id)["purchase_units"][0]["payments"]["captures"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let refunded = gw
        .refund(&call, &order_id, &Amount::new(500, "USD"))
        .await
        .unwrap();
    assert_outcome(&refunded, EventKind::RefundSuccess, 500, "USD");
    let refund_req = fake.control.requests_to("POST", "/v2/payments/captures/");
    assert_eq!(refund_req[0].json()["amount"]["value"], "5.00");
    assert!(refund_req[0].header("paypal-request-id").is_some());

    // More than what is left is PayPal's 422 → rejected, not a silent failure.
    let too_much = gw.refund(&call, &order_id, &Amount::new(600, "USD")).await;
    assert!(
        matches!(too_much, Err(GatewayError::Rejected(ref m)) if m.contains("REFUND_AMOUNT_EXCEEDED")),
        "{too_much:?}"
    );
    let rest = gw
        .refund(&call, &order_id, &Amount::new(550, "USD"))
        .await
        .unwrap();
    assert_outcome(&rest, EventKind::RefundSuccess, 550, "USD");

    // Captured: cancel reports a failure instead of pretending.
    let cancel = gw
        .cancel(&call, &order_id, &Amount::new(1050, "USD"))
        .await
        .unwrap();
    assert_eq!(cancel.kind, EventKind::CancelFailure);

    // One token for all of it; a revoked token is renewed once, transparently.
    assert_eq!(fake.token_requests(), 1);
    fake.revoke_tokens();
    let order = gw
        .cancel(&call, &order_id, &Amount::new(1050, "USD"))
        .await
        .unwrap();
    assert_eq!(order.kind, EventKind::CancelFailure);
    assert_eq!(fake.token_requests(), 2);
}

#[tokio::test]
async fn paypal_authorize_partial_captures_and_void() {
    let fake = FakePayPal::start().await;
    let ctx = Ctx::new(fake.config(), &fake.base_url);
    let call = ctx.call();
    let gw = PayPal;

    let tid = txn_id();
    let started = gw
        .initialize_transaction(
            &call,
            &init_request(&tid, Amount::new(10000, "EUR"), Flow::Authorization, None),
        )
        .await
        .unwrap();
    assert_eq!(started.kind, EventKind::AuthorizationActionRequired);
    let order_id = started.psp_reference.unwrap();
    assert_eq!(
        fake.control.requests_to("POST", "/v2/checkout/orders")[0].json()["intent"],
        "AUTHORIZE"
    );
    fake.approve(&order_id);
    let authorized = gw
        .process(
            &call,
            &process_request(
                &tid,
                Some(&order_id),
                Amount::new(10000, "EUR"),
                Flow::Authorization,
                None,
            ),
        )
        .await
        .unwrap();
    assert_outcome(&authorized, EventKind::AuthorizationSuccess, 10000, "EUR");

    let first = gw
        .charge(&call, &order_id, &Amount::new(6000, "EUR"))
        .await
        .unwrap();
    assert_outcome(&first, EventKind::ChargeSuccess, 6000, "EUR");
    let capture_calls = fake
        .control
        .requests_to("POST", "/v2/payments/authorizations/");
    assert_eq!(capture_calls[0].json()["final_capture"], false);
    let second = gw
        .charge(&call, &order_id, &Amount::new(4000, "EUR"))
        .await
        .unwrap();
    assert_outcome(&second, EventKind::ChargeSuccess, 4000, "EUR");
    let capture_calls = fake
        .control
        .requests_to("POST", "/v2/payments/authorizations/");
    assert_eq!(capture_calls[1].json()["final_capture"], true);
    assert_ne!(
        capture_calls[0].header("paypal-request-id"),
        capture_calls[1].header("paypal-request-id")
    );
    // Fully captured: nothing left to capture.
    let more = gw.charge(&call, &order_id, &Amount::new(1, "EUR")).await;
    assert!(matches!(more, Err(GatewayError::Rejected(_))), "{more:?}");

    // A second order: authorized, then voided.
    let tid2 = txn_id();
    let order2 = gw
        .initialize_transaction(
            &call,
            &init_request(&tid2, Amount::new(2500, "EUR"), Flow::Authorization, None),
        )
        .await
        .unwrap()
        .psp_reference
        .unwrap();
    // Cancelling before approval releases nothing and calls nothing but a lookup.
    let unapproved = gw
        .cancel(&call, &order2, &Amount::new(2500, "EUR"))
        .await
        .unwrap();
    assert_eq!(unapproved.kind, EventKind::CancelSuccess);
    fake.approve(&order2);
    gw.process(
        &call,
        &process_request(
            &tid2,
            Some(&order2),
            Amount::new(2500, "EUR"),
            Flow::Authorization,
            None,
        ),
    )
    .await
    .unwrap();
    let voided = gw
        .cancel(&call, &order2, &Amount::new(2500, "EUR"))
        .await
        .unwrap();
    assert_outcome(&voided, EventKind::CancelSuccess, 2500, "EUR");
    assert_eq!(
        fake.order(&order2)["purchase_units"][0]["payments"]["authorizations"][0]["status"],
        "VOIDED"
    );
    assert_eq!(
        fake.control
            .requests_to("POST", "/v2/payments/authorizations/")
            .len(),
        3
    );
}

#[tokio::test]
async fn paypal_webhooks_verify_map_and_replay() {
    let fake = FakePayPal::start().await;
    let ctx = Ctx::new(fake.config(), &fake.base_url);
    let call = ctx.call();
    let gw = PayPal;

    let tid = txn_id();
    let order_id = gw
        .initialize_transaction(
            &call,
            &init_request(&tid, Amount::new(2000, "USD"), Flow::Charge, None),
        )
        .await
        .unwrap()
        .psp_reference
        .unwrap();
    fake.approve(&order_id);
    gw.process(
        &call,
        &process_request(
            &tid,
            Some(&order_id),
            Amount::new(2000, "USD"),
            Flow::Charge,
            None,
        ),
    )
    .await
    .unwrap();
    let capture = fake.order(&order_id)["purchase_units"][0]["payments"]["captures"][0].clone();

    let (headers, body) = fake.webhook("PAYMENT.CAPTURE.COMPLETED", capture.clone());
    let n = gw.handle_webhook(&call, &headers, &body).await.unwrap();
    assert_eq!(n.transaction_id.as_deref(), Some(tid.as_str()));
    assert_eq!(n.psp_reference.as_deref(), Some(order_id.as_str()));
    assert_eq!(n.outcomes.len(), 1);
    assert_outcome(&n.outcomes[0], EventKind::ChargeSuccess, 2000, "USD");
    // The verify call got the channel's webhook id and the event unchanged.
    let verify = fake
        .control
        .requests_to("POST", "/v1/notifications/verify-webhook-signature");
    assert_eq!(
        verify[0].json()["webhook_id"],
        crate::fakes::paypal::WEBHOOK_ID
    );
    assert_eq!(
        verify[0].json()["webhook_event"],
        serde_json::from_slice::<Value>(&body).unwrap()
    );

    // A replay carries the same event id (the service's unique key drops it).
    let replay = gw.handle_webhook(&call, &headers, &body).await.unwrap();
    assert_eq!(replay.provider_event_id, n.provider_event_id);

    // Tampered body, missing headers, wrong webhook id: all bad signatures.
    let tampered = String::from_utf8(body.clone())
        .unwrap()
        .replace("20.00", "2000.00");
    assert!(matches!(
        gw.handle_webhook(&call, &headers, tampered.as_bytes())
            .await,
        Err(GatewayError::BadSignature)
    ));
    let mut no_sig = headers.clone();
    no_sig.remove("paypal-transmission-sig");
    assert!(matches!(
        gw.handle_webhook(&call, &no_sig, &body).await,
        Err(GatewayError::BadSignature)
    ));
    let mut forged = headers.clone();
    forged.insert(
        "paypal-transmission-sig",
        HeaderValue::from_static("forged"),
    );
    assert!(matches!(
        gw.handle_webhook(&call, &forged, &body).await,
        Err(GatewayError::BadSignature)
    ));
    let other = Ctx::new(
        (
            json!({"clientId": crate::fakes::paypal::CLIENT_ID, "webhookId": "OTHERWEBHOOK"}),
            ctx.secrets.clone(),
        ),
        &fake.base_url,
    );
    assert!(matches!(
        gw.handle_webhook(&other.call(), &headers, &body).await,
        Err(GatewayError::BadSignature)
    ));
    assert!(matches!(
        gw.handle_webhook(&call, &HeaderMap::new(), b"not json")
            .await,
        Err(GatewayError::BadSignature)
    ));

    // A refund event names only the refund; the capture it links to gives our ids.
    let refund = gw
        .refund(&call, &order_id, &Amount::new(700, "USD"))
        .await
        .unwrap();
    assert_eq!(refund.kind, EventKind::RefundSuccess);
    let refund_obj = fake.order(&order_id)["purchase_units"][0]["payments"]["refunds"][0].clone();
    let (h, b) = fake.webhook("PAYMENT.CAPTURE.REFUNDED", refund_obj);
    let n = gw.handle_webhook(&call, &h, &b).await.unwrap();
    assert_eq!(n.transaction_id.as_deref(), Some(tid.as_str()));
    assert_eq!(n.psp_reference.as_deref(), Some(order_id.as_str()));
    assert_outcome(&n.outcomes[0], EventKind::RefundSuccess, 700, "USD");

    // Events we do not act on are acknowledged without outcomes.
    let (h, b) = fake.webhook("BILLING.PLAN.CREATED", json!({"id": "P-1"}));
    let n = gw.handle_webhook(&call, &h, &b).await.unwrap();
    assert!(n.outcomes.is_empty());

    // The order approval is informational (the storefront's transactionProcess captures).
    let (h, b) = fake.webhook("CHECKOUT.ORDER.APPROVED", fake.order(&order_id));
    let n = gw.handle_webhook(&call, &h, &b).await.unwrap();
    assert_eq!(n.transaction_id.as_deref(), Some(tid.as_str()));
    assert_eq!(n.outcomes[0].kind, EventKind::Info);
}

#[tokio::test]
async fn paypal_decline_5xx_timeout_and_bad_credentials() {
    let fake = FakePayPal::start().await;
    let ctx = Ctx::new(fake.config(), &fake.base_url);
    let call = ctx.call();
    let gw = PayPal;

    let tid = txn_id();
    let order_id = gw
        .initialize_transaction(
            &call,
            &init_request(&tid, Amount::new(1500, "USD"), Flow::Charge, None),
        )
        .await
        .unwrap()
        .psp_reference
        .unwrap();
    fake.approve(&order_id);

    fake.control.set_mode(Mode::Decline);
    let declined = gw
        .process(
            &call,
            &process_request(
                &tid,
                Some(&order_id),
                Amount::new(1500, "USD"),
                Flow::Charge,
                None,
            ),
        )
        .await
        .unwrap();
    assert_outcome(&declined, EventKind::ChargeFailure, 1500, "USD");
    assert!(
        declined.message.contains("INSTRUMENT_DECLINED"),
        "{}",
        declined.message
    );

    fake.control.set_mode(Mode::ServerError);
    let down = gw
        .initialize_transaction(
            &call,
            &init_request(&txn_id(), Amount::new(1500, "USD"), Flow::Charge, None),
        )
        .await;
    assert!(
        matches!(down, Err(GatewayError::Unavailable(_))),
        "{down:?}"
    );

    fake.control.set_mode(Mode::Hang);
    let hung = gw.refund(&call, &order_id, &Amount::new(100, "USD")).await;
    assert!(
        matches!(hung, Err(GatewayError::Unavailable(ref m)) if m.contains("timed out")),
        "{hung:?}"
    );

    fake.control.set_mode(Mode::Normal);
    let wrong = Ctx::new(
        (ctx.settings.clone(), json!({"clientSecret": "wrong"})),
        &fake.base_url,
    );
    let bad = gw
        .initialize_transaction(
            &wrong.call(),
            &init_request(&txn_id(), Amount::new(1500, "USD"), Flow::Charge, None),
        )
        .await;
    assert!(matches!(bad, Err(GatewayError::Config(_))), "{bad:?}");
    let missing = Ctx::new((json!({}), json!({})), &fake.base_url);
    assert!(matches!(
        gw.initialize(&missing.call(), None).await,
        Err(GatewayError::Config(_))
    ));

    // Unsupported currency and zero amounts never reach PayPal.
    let before = fake.control.requests().len();
    let inr = gw
        .initialize_transaction(
            &call,
            &init_request(&txn_id(), Amount::new(1500, "INR"), Flow::Charge, None),
        )
        .await;
    assert!(matches!(inr, Err(GatewayError::InvalidData(_))));
    let zero = gw
        .initialize_transaction(
            &call,
            &init_request(&txn_id(), Amount::new(0, "USD"), Flow::Charge, None),
        )
        .await;
    assert!(matches!(zero, Err(GatewayError::InvalidData(_))));
    assert_eq!(fake.control.requests().len(), before);
    // Nor do ids that would change the request path.
    let evil = gw
        .refund(&call, "../../v1/oauth2/token", &Amount::new(1, "USD"))
        .await;
    assert!(matches!(evil, Err(GatewayError::InvalidData(_))));
}

// ---------------------------------------------------------------- Razorpay

#[tokio::test]
async fn razorpay_order_checkout_process_and_refund() {
    let fake = FakeRazorpay::start().await;
    let ctx = Ctx::new(fake.config(), &fake.base_url);
    let call = ctx.call();
    let gw = Razorpay;

    assert_eq!(
        gw.initialize(&call, None).await.unwrap()["keyId"],
        crate::fakes::razorpay::KEY_ID
    );
    let tid = txn_id();
    let started = gw
        .initialize_transaction(
            &call,
            &init_request(&tid, Amount::new(50000, "INR"), Flow::Charge, None),
        )
        .await
        .unwrap();
    assert_outcome(&started, EventKind::ChargeActionRequired, 50000, "INR");
    let order_id = started.psp_reference.clone().unwrap();
    assert!(order_id.starts_with("order_"));
    let client = started.client_data.unwrap();
    assert_eq!(client["key"], crate::fakes::razorpay::KEY_ID);
    assert_eq!(client["orderId"], order_id.as_str());
    let sent = fake.control.requests_to("POST", "/v1/orders")[0].json();
    assert_eq!(sent["amount"], 50000);
    assert_eq!(sent["receipt"], tid.as_str());
    assert_eq!(sent["payment_capture"], true);

    let callback = fake.checkout(&order_id, Checkout::Pays);
    let charged = gw
        .process(
            &call,
            &process_request(
                &tid,
                Some(&order_id),
                Amount::new(50000, "INR"),
                Flow::Charge,
                Some(&callback),
            ),
        )
        .await
        .unwrap();
    assert_outcome(&charged, EventKind::ChargeSuccess, 50000, "INR");
    let payment_id = charged.psp_reference.clone().unwrap();
    assert_eq!(callback["razorpay_payment_id"], payment_id.as_str());

    // A forged signature, or a payment of another order, is refused.
    let mut forged = callback.clone();
    forged["razorpay_signature"] = json!("0".repeat(64));
    assert!(matches!(
        gw.process(
            &call,
            &process_request(
                &tid,
                Some(&order_id),
                Amount::new(50000, "INR"),
                Flow::Charge,
                Some(&forged)
            )
        )
        .await,
        Err(GatewayError::BadSignature)
    ));
    let other_order = gw
        .initialize_transaction(
            &call,
            &init_request(&txn_id(), Amount::new(100, "INR"), Flow::Charge, None),
        )
        .await
        .unwrap()
        .psp_reference
        .unwrap();
    assert!(matches!(
        gw.process(
            &call,
            &process_request(
                &tid,
                Some(&other_order),
                Amount::new(50000, "INR"),
                Flow::Charge,
                Some(&callback)
            )
        )
        .await,
        Err(GatewayError::InvalidData(_))
    ));

    // Without the order id on our side, the order's receipt must name this transaction.
    let other_tid = txn_id();
    assert!(matches!(
        gw.process(
            &call,
            &process_request(
                &other_tid,
                None,
                Amount::new(50000, "INR"),
                Flow::Charge,
                Some(&callback)
            )
        )
        .await,
        Err(GatewayError::InvalidData(_))
    ));
    let by_receipt = gw
        .process(
            &call,
            &process_request(
                &tid,
                None,
                Amount::new(50000, "INR"),
                Flow::Charge,
                Some(&callback),
            ),
        )
        .await
        .unwrap();
    assert_eq!(by_receipt.kind, EventKind::ChargeSuccess);
    // Refund by payment id; a duplicate of the same request refunds once.
    let r1 = gw
        .refund(&call, &payment_id, &Amount::new(20000, "INR"))
        .await
        .unwrap();
    assert_outcome(&r1, EventKind::RefundSuccess, 20000, "INR");
    let refund_calls = fake
        .control
        .requests_to("POST", &format!("/v1/payments/{payment_id}/refund"));
    assert!(
        refund_calls[0]
            .header("x-refund-idempotency")
            .unwrap()
            .len()
            >= 10
    );
    // By order id works too (the service may still hold the order id).
    let r2 = gw
        .refund(&call, &order_id, &Amount::new(30000, "INR"))
        .await
        .unwrap();
    assert_outcome(&r2, EventKind::RefundSuccess, 30000, "INR");
    assert_eq!(fake.payment(&payment_id)["amount_refunded"], 50000);
    let over = gw.refund(&call, &payment_id, &Amount::new(1, "INR")).await;
    assert!(matches!(over, Err(GatewayError::Rejected(_))), "{over:?}");

    // Once the payment id is the reference, another payment is refused.
    let other_payment = fake.checkout(&order_id, Checkout::Pays);
    assert!(matches!(
        gw.process(
            &call,
            &process_request(
                &tid,
                Some(&payment_id),
                Amount::new(50000, "INR"),
                Flow::Charge,
                Some(&other_payment)
            )
        )
        .await,
        Err(GatewayError::InvalidData(_))
    ));
}

#[tokio::test]
async fn razorpay_authorize_capture_and_cancel() {
    let fake = FakeRazorpay::start().await;
    let ctx = Ctx::new(fake.config(), &fake.base_url);
    let call = ctx.call();
    let gw = Razorpay;

    let tid = txn_id();
    let order_id = gw
        .initialize_transaction(
            &call,
            &init_request(&tid, Amount::new(25000, "INR"), Flow::Authorization, None),
        )
        .await
        .unwrap()
        .psp_reference
        .unwrap();
    assert_eq!(
        fake.control.requests_to("POST", "/v1/orders")[0].json()["payment_capture"],
        false
    );
    let callback = fake.checkout(&order_id, Checkout::Pays);
    let authorized = gw
        .process(
            &call,
            &process_request(
                &tid,
                Some(&order_id),
                Amount::new(25000, "INR"),
                Flow::Authorization,
                Some(&callback),
            ),
        )
        .await
        .unwrap();
    assert_outcome(&authorized, EventKind::AuthorizationSuccess, 25000, "INR");
    let payment_id = authorized.psp_reference.unwrap();

    let charged = gw
        .charge(&call, &payment_id, &Amount::new(25000, "INR"))
        .await
        .unwrap();
    assert_outcome(&charged, EventKind::ChargeSuccess, 25000, "INR");
    // Charging again is idempotent (already captured), without a second capture call.
    let again = gw
        .charge(&call, &order_id, &Amount::new(25000, "INR"))
        .await
        .unwrap();
    assert_eq!(again.kind, EventKind::ChargeSuccess);
    assert_eq!(fake.control.requests_to("POST", "/v1/payments/").len(), 1);
    let cancel = gw
        .cancel(&call, &payment_id, &Amount::new(25000, "INR"))
        .await
        .unwrap();
    assert_eq!(cancel.kind, EventKind::CancelFailure);

    // Authorized and cancelled: no void in Razorpay, the hold is left to auto-refund.
    let tid2 = txn_id();
    let order2 = gw
        .initialize_transaction(
            &call,
            &init_request(&tid2, Amount::new(9900, "INR"), Flow::Authorization, None),
        )
        .await
        .unwrap()
        .psp_reference
        .unwrap();
    let unpaid = gw
        .cancel(&call, &order2, &Amount::new(9900, "INR"))
        .await
        .unwrap();
    assert_eq!(unpaid.kind, EventKind::CancelSuccess);
    let cb2 = fake.checkout(&order2, Checkout::Pays);
    gw.process(
        &call,
        &process_request(
            &tid2,
            Some(&order2),
            Amount::new(9900, "INR"),
            Flow::Authorization,
            Some(&cb2),
        ),
    )
    .await
    .unwrap();
    let cancelled = gw
        .cancel(&call, &order2, &Amount::new(9900, "INR"))
        .await
        .unwrap();
    assert_outcome(&cancelled, EventKind::CancelSuccess, 9900, "INR");
    assert!(
        cancelled.message.contains("no void"),
        "{}",
        cancelled.message
    );
    assert_eq!(
        fake.payment(cb2["razorpay_payment_id"].as_str().unwrap())["status"],
        "authorized"
    );
}

#[tokio::test]
async fn razorpay_webhooks_verify_map_and_replay() {
    let fake = FakeRazorpay::start().await;
    let ctx = Ctx::new(fake.config(), &fake.base_url);
    let call = ctx.call();
    let gw = Razorpay;

    let tid = txn_id();
    let order_id = gw
        .initialize_transaction(
            &call,
            &init_request(&tid, Amount::new(120000, "INR"), Flow::Charge, None),
        )
        .await
        .unwrap()
        .psp_reference
        .unwrap();
    let cb = fake.checkout(&order_id, Checkout::Pays);
    let payment_id = cb["razorpay_payment_id"].as_str().unwrap().to_owned();
    let payment = fake.payment(&payment_id);

    let (headers, body) = fake.webhook("payment.captured", json!({"payment": {"entity": payment}}));
    let n = gw.handle_webhook(&call, &headers, &body).await.unwrap();
    assert_eq!(n.transaction_id.as_deref(), Some(tid.as_str()));
    assert_eq!(n.psp_reference.as_deref(), Some(payment_id.as_str()));
    assert_outcome(&n.outcomes[0], EventKind::ChargeSuccess, 120000, "INR");
    assert!(n.provider_event_id.starts_with("evt_"));
    let replay = gw.handle_webhook(&call, &headers, &body).await.unwrap();
    assert_eq!(replay.provider_event_id, n.provider_event_id);

    // Signature over other bytes, a missing header, the wrong secret.
    let mut tampered = body.clone();
    let pos = tampered.iter().position(|b| *b == b'1').unwrap();
    tampered[pos] = b'9';
    assert!(matches!(
        gw.handle_webhook(&call, &headers, &tampered).await,
        Err(GatewayError::BadSignature)
    ));
    let mut no_sig = headers.clone();
    no_sig.remove("x-razorpay-signature");
    assert!(matches!(
        gw.handle_webhook(&call, &no_sig, &body).await,
        Err(GatewayError::BadSignature)
    ));
    let other = Ctx::new(
        (
            ctx.settings.clone(),
            json!({"keySecret": crate::fakes::razorpay::KEY_SECRET, "webhookSecret": "other"}),
        ),
        &fake.base_url,
    );
    assert!(matches!(
        gw.handle_webhook(&other.call(), &headers, &body).await,
        Err(GatewayError::BadSignature)
    ));

    // order.paid names the same capture; refund.processed maps to a refund.
    let (h, b) = fake.webhook(
        "order.paid",
        json!({"payment": {"entity": payment}, "order": {"entity": fake.order(&order_id)}}),
    );
    let paid = gw.handle_webhook(&call, &h, &b).await.unwrap();
    assert_outcome(&paid.outcomes[0], EventKind::ChargeSuccess, 120000, "INR");
    assert_ne!(paid.provider_event_id, n.provider_event_id);

    gw.refund(&call, &payment_id, &Amount::new(20000, "INR"))
        .await
        .unwrap();
    let refund = json!({"id": "rfnd_Fake1", "entity": "refund", "amount": 20000, "currency": "INR",
                        "payment_id": payment_id, "status": "processed"});
    let (h, b) = fake.webhook(
        "refund.processed",
        json!({"refund": {"entity": refund}, "payment": {"entity": fake.payment(&payment_id)}}),
    );
    let n = gw.handle_webhook(&call, &h, &b).await.unwrap();
    assert_eq!(n.psp_reference.as_deref(), Some(payment_id.as_str()));
    assert_outcome(&n.outcomes[0], EventKind::RefundSuccess, 20000, "INR");

    let (h, b) = fake.webhook("invoice.paid", json!({}));
    assert!(
        gw.handle_webhook(&call, &h, &b)
            .await
            .unwrap()
            .outcomes
            .is_empty()
    );
}

#[tokio::test]
async fn razorpay_decline_5xx_timeout_and_bad_credentials() {
    let fake = FakeRazorpay::start().await;
    let ctx = Ctx::new(fake.config(), &fake.base_url);
    let call = ctx.call();
    let gw = Razorpay;

    let tid = txn_id();
    let order_id = gw
        .initialize_transaction(
            &call,
            &init_request(&tid, Amount::new(30000, "INR"), Flow::Charge, None),
        )
        .await
        .unwrap()
        .psp_reference
        .unwrap();
    let cb = fake.checkout(&order_id, Checkout::Declined);
    let declined = gw
        .process(
            &call,
            &process_request(
                &tid,
                Some(&order_id),
                Amount::new(30000, "INR"),
                Flow::Charge,
                Some(&cb),
            ),
        )
        .await
        .unwrap();
    assert_outcome(&declined, EventKind::ChargeFailure, 30000, "INR");
    assert!(
        declined.message.contains("declined"),
        "{}",
        declined.message
    );
    let (h, b) = fake.webhook(
        "payment.failed",
        json!({"payment": {"entity": fake.payment(cb["razorpay_payment_id"].as_str().unwrap())}}),
    );
    let n = gw.handle_webhook(&call, &h, &b).await.unwrap();
    assert_eq!(n.outcomes[0].kind, EventKind::ChargeFailure);
    assert_eq!(n.transaction_id.as_deref(), Some(tid.as_str()));

    fake.control.set_mode(Mode::ServerError);
    let down = gw
        .initialize_transaction(
            &call,
            &init_request(&txn_id(), Amount::new(30000, "INR"), Flow::Charge, None),
        )
        .await;
    assert!(
        matches!(down, Err(GatewayError::Unavailable(_))),
        "{down:?}"
    );
    fake.control.set_mode(Mode::Hang);
    let hung = gw.refund(&call, &order_id, &Amount::new(100, "INR")).await;
    assert!(
        matches!(hung, Err(GatewayError::Unavailable(ref m)) if m.contains("timed out")),
        "{hung:?}"
    );

    fake.control.set_mode(Mode::Normal);
    let wrong = Ctx::new(
        (
            ctx.settings.clone(),
            json!({"keySecret": "wrong", "webhookSecret": "x"}),
        ),
        &fake.base_url,
    );
    let bad = gw
        .initialize_transaction(
            &wrong.call(),
            &init_request(&txn_id(), Amount::new(30000, "INR"), Flow::Charge, None),
        )
        .await;
    assert!(matches!(bad, Err(GatewayError::Config(_))), "{bad:?}");
    // Razorpay's own validation (minimum amount) comes back as a rejection.
    let tiny = gw
        .initialize_transaction(
            &call,
            &init_request(&txn_id(), Amount::new(50, "INR"), Flow::Charge, None),
        )
        .await;
    assert!(
        matches!(tiny, Err(GatewayError::Rejected(ref m)) if m.contains("atleast")),
        "{tiny:?}"
    );
    // Process without the callback fields is invalid input, not a crash.
    let empty = json!({});
    assert!(matches!(
        gw.process(
            &call,
            &process_request(
                &tid,
                Some(&order_id),
                Amount::new(30000, "INR"),
                Flow::Charge,
                Some(&empty)
            )
        )
        .await,
        Err(GatewayError::InvalidData(_))
    ));
}

// ---------------------------------------------------------------- PayU

fn payu_fields(outcome: &GatewayOutcome) -> Value {
    outcome.client_data.as_ref().unwrap()["fields"].clone()
}

fn as_json(fields: &std::collections::BTreeMap<String, String>) -> Value {
    serde_json::to_value(fields).unwrap()
}

#[tokio::test]
async fn payu_hosted_checkout_process_refund_and_callbacks() {
    let fake = FakePayU::start().await;
    let ctx = Ctx::new(fake.config(), &fake.base_url);
    let call = ctx.call();
    let gw = PayU;

    assert_eq!(
        gw.initialize(&call, None).await.unwrap()["merchantKey"],
        crate::fakes::payu::KEY
    );
    let tid = txn_id();
    let started = gw
        .initialize_transaction(
            &call,
            &init_request(&tid, Amount::new(149900, "INR"), Flow::Charge, None),
        )
        .await
        .unwrap();
    assert_outcome(&started, EventKind::ChargeActionRequired, 149900, "INR");
    let txnid = started.psp_reference.clone().unwrap();
    assert_eq!(txnid.len(), 25);
    let client = started.client_data.clone().unwrap();
    assert_eq!(client["action"], format!("{}/_payment", fake.base_url));
    let form = payu_fields(&started);
    assert_eq!(form["amount"], "1499.00");
    assert_eq!(form["udf1"], tid.as_str());
    assert_eq!(form["surl"], "https://shop.example.com/payu/success");
    // No secret in what the browser gets.
    assert!(!client.to_string().contains(crate::fakes::payu::SALT));

    // PayU accepts the form (its own hash check) and posts back signed fields.
    let response = fake.pay(&form, false).unwrap();
    let data = as_json(&response);
    let charged = gw
        .process(
            &call,
            &process_request(
                &tid,
                Some(&txnid),
                Amount::new(149900, "INR"),
                Flow::Charge,
                Some(&data),
            ),
        )
        .await
        .unwrap();
    assert_outcome(&charged, EventKind::ChargeSuccess, 149900, "INR");
    assert_eq!(charged.psp_reference.as_deref(), Some(txnid.as_str()));
    let verify = fake
        .control
        .requests_to("POST", "/merchant/postservice.php");
    assert!(String::from_utf8_lossy(&verify[0].body).contains("command=verify_payment"));

    // The browser post tampered with (a smaller amount) fails the reverse hash.
    let mut tampered = data.clone();
    tampered["amount"] = json!("1.00");
    assert!(matches!(
        gw.process(
            &call,
            &process_request(
                &tid,
                Some(&txnid),
                Amount::new(149900, "INR"),
                Flow::Charge,
                Some(&tampered)
            )
        )
        .await,
        Err(GatewayError::BadSignature)
    ));
    // Fields for another transaction are refused before any hash check.
    assert!(matches!(
        gw.process(
            &call,
            &process_request(
                &tid,
                Some("0123456789abcdef012345678"),
                Amount::new(149900, "INR"),
                Flow::Charge,
                Some(&data)
            )
        )
        .await,
        Err(GatewayError::InvalidData(_))
    ));

    // S2S payment callback: same fields, same hash; replay has the same id.
    let s2s = FakePayU::s2s_callback(&response);
    let n = gw
        .handle_webhook(&call, &HeaderMap::new(), &s2s)
        .await
        .unwrap();
    assert_eq!(n.transaction_id.as_deref(), Some(tid.as_str()));
    assert_eq!(n.psp_reference.as_deref(), Some(txnid.as_str()));
    assert_outcome(&n.outcomes[0], EventKind::ChargeSuccess, 149900, "INR");
    let replay = gw
        .handle_webhook(&call, &HeaderMap::new(), &s2s)
        .await
        .unwrap();
    assert_eq!(replay.provider_event_id, n.provider_event_id);
    // JSON S2S callbacks are read too.
    let as_json_body = serde_json::to_vec(&data).unwrap();
    let j = gw
        .handle_webhook(&call, &HeaderMap::new(), &as_json_body)
        .await
        .unwrap();
    assert_eq!(j.provider_event_id, n.provider_event_id);
    let forged = String::from_utf8(s2s.clone())
        .unwrap()
        .replace("status=success", "status=failure");
    assert!(matches!(
        gw.handle_webhook(&call, &HeaderMap::new(), forged.as_bytes())
            .await,
        Err(GatewayError::BadSignature)
    ));

    // Refund: queued at PayU (REFUND_REQUEST), confirmed by the refund callback.
    let queued = gw
        .refund(&call, &txnid, &Amount::new(50000, "INR"))
        .await
        .unwrap();
    assert_outcome(&queued, EventKind::RefundRequest, 50000, "INR");
    let request_id = fake.refund_request_ids()[0].clone();
    let callback = fake.settle_refund(&request_id, true);
    let n = gw
        .handle_webhook(&call, &HeaderMap::new(), &callback)
        .await
        .unwrap();
    assert_eq!(n.psp_reference.as_deref(), Some(txnid.as_str()));
    assert_outcome(&n.outcomes[0], EventKind::RefundSuccess, 50000, "INR");
    let again = gw
        .handle_webhook(&call, &HeaderMap::new(), &callback)
        .await
        .unwrap();
    assert_eq!(again.provider_event_id, n.provider_event_id);
    // Refund callbacks are unsigned: one PayU does not know is refused.
    let fake_refund = String::from_utf8(callback)
        .unwrap()
        .replace(&format!("\"{request_id}\""), "\"999999999\"");
    assert!(matches!(
        gw.handle_webhook(&call, &HeaderMap::new(), fake_refund.as_bytes())
            .await,
        Err(GatewayError::BadSignature)
    ));
    // More than what is left is refused by PayU.
    let over = gw.refund(&call, &txnid, &Amount::new(100000, "INR")).await;
    assert!(matches!(over, Err(GatewayError::Rejected(_))), "{over:?}");

    // Captured: no cancel; charge has nothing to do.
    assert_eq!(
        gw.cancel(&call, &txnid, &Amount::new(149900, "INR"))
            .await
            .unwrap()
            .kind,
        EventKind::CancelFailure
    );
    assert!(matches!(
        gw.charge(&call, &txnid, &Amount::new(1, "INR")).await,
        Err(GatewayError::InvalidData(_))
    ));
}

#[tokio::test]
async fn payu_decline_5xx_timeout_and_bad_input() {
    let fake = FakePayU::start().await;
    let ctx = Ctx::new(fake.config(), &fake.base_url);
    let call = ctx.call();
    let gw = PayU;

    let tid = txn_id();
    let started = gw
        .initialize_transaction(
            &call,
            &init_request(&tid, Amount::new(9900, "INR"), Flow::Charge, None),
        )
        .await
        .unwrap();
    let txnid = started.psp_reference.clone().unwrap();
    let response = fake.pay(&payu_fields(&started), true).unwrap();
    let declined = gw
        .process(
            &call,
            &process_request(
                &tid,
                Some(&txnid),
                Amount::new(9900, "INR"),
                Flow::Charge,
                Some(&as_json(&response)),
            ),
        )
        .await
        .unwrap();
    assert_outcome(&declined, EventKind::ChargeFailure, 9900, "INR");
    assert!(
        declined.message.contains("declined"),
        "{}",
        declined.message
    );
    let n = gw
        .handle_webhook(&call, &HeaderMap::new(), &FakePayU::s2s_callback(&response))
        .await
        .unwrap();
    assert_eq!(n.outcomes[0].kind, EventKind::ChargeFailure);
    // Nothing was taken: cancel succeeds.
    assert_eq!(
        gw.cancel(&call, &txnid, &Amount::new(9900, "INR"))
            .await
            .unwrap()
            .kind,
        EventKind::CancelSuccess
    );

    // A form with a wrong hash is refused by PayU (the fake checks it like PayU).
    let mut bad_form = payu_fields(&started);
    bad_form["amount"] = json!("1.00");
    assert!(fake.pay(&bad_form, false).is_err());

    fake.control.set_mode(Mode::ServerError);
    let tid2 = txn_id();
    let started2 = gw
        .initialize_transaction(
            &call,
            &init_request(&tid2, Amount::new(9900, "INR"), Flow::Charge, None),
        )
        .await
        .unwrap(); // no network call: the form is signed locally
    let txnid2 = started2.psp_reference.clone().unwrap();
    let response2 = fake.pay(&payu_fields(&started2), false).unwrap();
    let down = gw
        .process(
            &call,
            &process_request(
                &tid2,
                Some(&txnid2),
                Amount::new(9900, "INR"),
                Flow::Charge,
                Some(&as_json(&response2)),
            ),
        )
        .await;
    assert!(
        matches!(down, Err(GatewayError::Unavailable(_))),
        "{down:?}"
    );
    fake.control.set_mode(Mode::Hang);
    let hung = gw.refund(&call, &txnid2, &Amount::new(100, "INR")).await;
    assert!(
        matches!(hung, Err(GatewayError::Unavailable(ref m)) if m.contains("timed out")),
        "{hung:?}"
    );
    fake.control.set_mode(Mode::Normal);

    // Wrong salt: PayU answers "Invalid Hash." → rejected.
    let wrong = Ctx::new(
        (ctx.settings.clone(), json!({"salt": "wrong"})),
        &fake.base_url,
    );
    let bad = gw
        .refund(&wrong.call(), &txnid2, &Amount::new(100, "INR"))
        .await;
    assert!(
        matches!(bad, Err(GatewayError::Rejected(ref m)) if m.contains("Hash")),
        "{bad:?}"
    );

    // What PayU cannot do is refused before anything is sent.
    let auth = gw
        .initialize_transaction(
            &call,
            &init_request(
                &txn_id(),
                Amount::new(9900, "INR"),
                Flow::Authorization,
                None,
            ),
        )
        .await;
    assert!(matches!(auth, Err(GatewayError::InvalidData(_))));
    let usd = gw
        .initialize_transaction(
            &call,
            &init_request(&txn_id(), Amount::new(9900, "USD"), Flow::Charge, None),
        )
        .await;
    assert!(matches!(usd, Err(GatewayError::InvalidData(_))));
    let no_urls = Ctx::new(
        (
            json!({"merchantKey": crate::fakes::payu::KEY}),
            ctx.secrets.clone(),
        ),
        &fake.base_url,
    );
    let missing = gw
        .initialize_transaction(
            &no_urls.call(),
            &init_request(&txn_id(), Amount::new(9900, "INR"), Flow::Charge, None),
        )
        .await;
    assert!(matches!(missing, Err(GatewayError::InvalidData(ref m)) if m.contains("surl")));
    // The storefront may pass its own return URLs and buyer details.
    let data = json!({"surl": "https://s.example/ok", "furl": "https://s.example/ko", "firstName": "Asha|Rao", "phone": "9999999999"});
    let own = gw
        .initialize_transaction(
            &no_urls.call(),
            &init_request(
                &txn_id(),
                Amount::new(9900, "INR"),
                Flow::Charge,
                Some(&data),
            ),
        )
        .await
        .unwrap();
    let f = payu_fields(&own);
    assert_eq!(f["surl"], "https://s.example/ok");
    assert_eq!(f["firstname"], "Asha Rao");
    assert!(fake.pay(&f, false).is_ok());
    // Garbage callbacks are bad signatures, never panics.
    for body in [
        &b""[..],
        b"\xff\xfe",
        b"key=gtKFFx",
        b"{\"key\":1}",
        b"hash=abc&key=gtKFFx",
    ] {
        assert!(matches!(
            gw.handle_webhook(&call, &HeaderMap::new(), body).await,
            Err(GatewayError::BadSignature)
        ));
    }
}

#[tokio::test]
async fn unreachable_providers_are_unavailable() {
    // A port nobody listens on: connection refused.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let tid = txn_id();

    let paypal = Ctx::new(FakePayPal::start().await.config(), &dead);
    let r = PayPal
        .initialize_transaction(
            &paypal.call(),
            &init_request(&tid, Amount::new(100, "USD"), Flow::Charge, None),
        )
        .await;
    assert!(
        matches!(r, Err(GatewayError::Unavailable(ref m)) if m.contains("could not be reached")),
        "{r:?}"
    );

    let razorpay = Ctx::new(FakeRazorpay::start().await.config(), &dead);
    let r = Razorpay
        .initialize_transaction(
            &razorpay.call(),
            &init_request(&tid, Amount::new(100, "INR"), Flow::Charge, None),
        )
        .await;
    assert!(matches!(r, Err(GatewayError::Unavailable(_))), "{r:?}");

    let payu = Ctx::new(FakePayU::start().await.config(), &dead);
    let r = PayU
        .refund(&payu.call(), &txnid_of(&tid), &Amount::new(100, "INR"))
        .await;
    assert!(matches!(r, Err(GatewayError::Unavailable(_))), "{r:?}");
}

fn txnid_of(transaction_id: &str) -> String {
    bizgraph::payment::payu::txnid_for(transaction_id)
}

#[tokio::test]
async fn paypal_short_lived_tokens_are_not_reused() {
    let fake = FakePayPal::start().await;
    // Tokens are cached per base URL (each fake has its own port), client id and secret.
    let ctx = Ctx::new(fake.config(), &fake.base_url);
    fake.set_token_lifetime(30); // under the one-minute safety margin
    let gw = PayPal;
    for _ in 0..2 {
        gw.initialize_transaction(
            &ctx.call(),
            &init_request(&txn_id(), Amount::new(100, "USD"), Flow::Charge, None),
        )
        .await
        .unwrap();
    }
    assert_eq!(fake.token_requests(), 2);
    fake.set_token_lifetime(3600);
    for _ in 0..2 {
        gw.initialize_transaction(
            &ctx.call(),
            &init_request(&txn_id(), Amount::new(100, "USD"), Flow::Charge, None),
        )
        .await
        .unwrap();
    }
    assert_eq!(fake.token_requests(), 3);
}
