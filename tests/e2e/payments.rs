//! End-to-end tests of payments: the storefront's payment operations with the `dummy`
//! gateway and with a local fake of Stripe, Saleor's transaction API for staff and apps,
//! per-channel gateway configuration, provider webhooks and the fault list (replays, bad
//! signatures, mismatches, over-refunds, provider timeouts, concurrent processing).

#![allow(clippy::unwrap_used)]

use crate::fakes::stripe as fake_stripe;
use crate::ops;

use crate::common::{TestServer, data};
use serde_json::{Value, json};

const USD: &str = "default-channel";
const EUR: &str = "channel-eur";
const DUMMY: &str = "saleor.io.dummy-payment-app";
const STRIPE: &str = "app.saleor.stripe";

/// Runs the storefront's checkout operation `name` (from `src/checkout/graphql`).
async fn sf(server: &TestServer, name: &str, vars: Value) -> Value {
    let doc = ops::checkout_document(name);
    let body = server.gql(&doc, vars).await;
    assert!(body.get("errors").is_none(), "{name}: {body}");
    body["data"].clone()
}

async fn staff(server: &TestServer, token: &str, q: &str, vars: Value) -> Value {
    let body = server.gql_as(token, q, vars).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

fn cents(v: &Value) -> i64 {
    (v["amount"].as_f64().unwrap() * 100.0).round() as i64
}

/// A guest checkout of one unit of the first variant of `monospace-tee` in `channel`,
/// ready to complete; returns its id and total in cents.
async fn ready_checkout(server: &TestServer, channel: &str) -> (String, i64) {
    let q = "query($slug: String!, $channel: String!) { product(slug: $slug, channel: $channel) { variants { id } } }";
    let d = data(
        &server
            .gql(q, json!({"slug": "monospace-tee", "channel": channel}))
            .await,
    )
    .clone();
    let variant = d["product"]["variants"][0]["id"].clone();
    let addr = json!({"firstName": "Grace", "lastName": "Hopper", "streetAddress1": "1 Navy Way",
        "city": "Arlington", "postalCode": "22202", "country": "US", "countryArea": "VA"});
    let q = "mutation($input: CheckoutCreateInput!) { checkoutCreate(input: $input) { checkout { id } errors { field code message } } }";
    let c = server
        .gql(
            q,
            json!({"input": {"channel": channel, "email": "payer@example.com", "shippingAddress": addr,
                "billingAddress": addr, "lines": [{"variantId": variant, "quantity": 1}]}}),
        )
        .await;
    assert_eq!(data(&c)["checkoutCreate"]["errors"], json!([]), "{c}");
    let id = data(&c)["checkoutCreate"]["checkout"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let d = sf(server, "deliveryOptionsCalculate", json!({"id": id})).await;
    let method = d["deliveryOptionsCalculate"]["deliveries"][0]["shippingMethod"]["id"].clone();
    let d = sf(
        server,
        "checkoutDeliveryMethodUpdate",
        json!({"checkoutId": id, "deliveryMethodId": method, "languageCode": "EN"}),
    )
    .await;
    assert_eq!(d["checkoutDeliveryMethodUpdate"]["errors"], json!([]));
    let q = "query($id: ID!) { checkout(id: $id) { totalPrice { gross { amount } } } }";
    let d = data(&server.gql(q, json!({"id": id})).await).clone();
    (id, cents(&d["checkout"]["totalPrice"]["gross"]))
}

async fn checkout_status(server: &TestServer, id: &str) -> (String, String, Vec<String>) {
    let q = "query($id: ID!) { checkout(id: $id) { chargeStatus authorizeStatus availablePaymentGateways { id name currencies } } }";
    let d = data(&server.gql(q, json!({"id": id})).await).clone();
    let gateways = d["checkout"]["availablePaymentGateways"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_owned())
        .collect();
    (
        d["checkout"]["chargeStatus"].as_str().unwrap().to_owned(),
        d["checkout"]["authorizeStatus"]
            .as_str()
            .unwrap()
            .to_owned(),
        gateways,
    )
}

async fn initialize(
    server: &TestServer,
    id: &str,
    gateway: &str,
    data: Value,
    extra: Value,
) -> Value {
    let mut vars = json!({"checkoutId": id, "paymentGateway": {"id": gateway, "data": data}});
    if let (Some(v), Some(e)) = (vars.as_object_mut(), extra.as_object()) {
        for (k, x) in e {
            v.insert(k.clone(), x.clone());
        }
    }
    sf(server, "transactionInitialize", vars).await["transactionInitialize"].clone()
}

async fn complete(server: &TestServer, id: &str) -> Value {
    sf(server, "checkoutComplete", json!({"checkoutId": id})).await["checkoutComplete"].clone()
}

const ORDER: &str = "query($id: ID!) { order(id: $id) { id isPaid paymentStatus chargeStatus authorizeStatus
    total { gross { amount } } totalCharged { amount currency } totalAuthorized { amount } totalRefunded { amount }
    totalBalance { amount } transactions { id pspReference name actions chargedAmount { amount } authorizedAmount { amount }
    refundedAmount { amount } events { type amount { amount } pspReference createdBy { __typename } } } } }";

async fn order(server: &TestServer, token: &str, id: &str) -> Value {
    staff(server, token, ORDER, json!({"id": id})).await["order"].clone()
}

async fn set_channel(server: &TestServer, slug: &str, allow_unpaid: bool, auto_complete: bool) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    entities::channel::Entity::update_many()
        .col_expr(
            entities::channel::Column::AllowUnpaidOrders,
            Expr::value(allow_unpaid),
        )
        .col_expr(
            entities::channel::Column::AutomaticallyCompleteFullyPaidCheckouts,
            Expr::value(auto_complete),
        )
        .filter(entities::channel::Column::Slug.eq(slug))
        .exec(&server.state.db.conn)
        .await
        .unwrap();
}

// ------------------------------------------------------------------------ dummy

#[tokio::test]
async fn storefront_pays_with_dummy_in_usd_and_eur() {
    let server = TestServer::start().await;
    let staff_token = server.staff_token().await;
    for (channel, currency) in [(USD, "USD"), (EUR, "EUR")] {
        let (id, total) = ready_checkout(&server, channel).await;
        let (charge, authorize, gateways) = checkout_status(&server, &id).await;
        assert_eq!((charge.as_str(), authorize.as_str()), ("NONE", "NONE"));
        assert_eq!(gateways, vec![DUMMY.to_owned()]);

        let d = sf(
            &server,
            "paymentGatewaysInitialize",
            json!({"checkoutId": id, "paymentGateways": [{"id": DUMMY}]}),
        )
        .await;
        let init = &d["paymentGatewayInitialize"];
        assert_eq!(init["errors"], json!([]));
        assert_eq!(init["gatewayConfigs"][0]["id"], DUMMY);
        assert_eq!(init["gatewayConfigs"][0]["errors"], json!([]));

        let t = initialize(
            &server,
            &id,
            DUMMY,
            json!({"event": {"type": "CHARGE_SUCCESS", "includePspReference": true}}),
            json!({}),
        )
        .await;
        assert_eq!(t["errors"], json!([]), "{t}");
        assert_eq!(t["transactionEvent"]["type"], "CHARGE_SUCCESS");
        assert_eq!(t["transaction"]["actions"], json!(["REFUND"]));
        let (charge, authorize, _) = checkout_status(&server, &id).await;
        assert_eq!((charge.as_str(), authorize.as_str()), ("FULL", "FULL"));

        let done = complete(&server, &id).await;
        assert_eq!(done["errors"], json!([]), "{done}");
        let o = order(&server, &staff_token, done["order"]["id"].as_str().unwrap()).await;
        assert_eq!(o["isPaid"], true);
        assert_eq!(o["chargeStatus"], "FULL");
        assert_eq!(o["authorizeStatus"], "FULL");
        assert_eq!(o["paymentStatus"], "FULLY_CHARGED");
        assert_eq!(cents(&o["totalCharged"]), total);
        assert_eq!(o["totalCharged"]["currency"], currency);
        assert_eq!(cents(&o["totalBalance"]), 0);
        let txs = o["transactions"].as_array().unwrap();
        assert_eq!(txs.len(), 1);
        assert_eq!(txs[0]["name"], "Dummy");
        assert!(
            txs[0]["pspReference"]
                .as_str()
                .unwrap()
                .starts_with("dummy-")
        );
        assert_eq!(txs[0]["events"][0]["type"], "CHARGE_SUCCESS");
    }
    assert!(server.last_event("ORDER_FULLY_PAID").await.is_some());
    assert!(server.last_event("ORDER_PAID").await.is_some());
    assert!(server.last_event("CHECKOUT_FULLY_PAID").await.is_some());
    // The shop lists the channel's gateways too.
    let d = data(
        &server
            .gql(
                "{ shop { availablePaymentGateways(channel: \"channel-eur\") { id name currencies } } }",
                json!({}),
            )
            .await,
    )
    .clone();
    assert_eq!(
        d["shop"]["availablePaymentGateways"],
        json!([{"id": DUMMY, "name": "Dummy", "currencies": ["EUR"]}])
    );
}

#[tokio::test]
async fn action_required_then_process_and_failures() {
    let server = TestServer::start().await;
    let (id, total) = ready_checkout(&server, USD).await;
    // A declined payment claims no money.
    let t = initialize(
        &server,
        &id,
        DUMMY,
        json!({"event": {"type": "CHARGE_FAILURE"}}),
        json!({}),
    )
    .await;
    assert_eq!(t["transactionEvent"]["type"], "CHARGE_FAILURE");
    assert_eq!(checkout_status(&server, &id).await.0, "NONE");
    // Unknown outcome: a clear error.
    let t = initialize(
        &server,
        &id,
        DUMMY,
        json!({"event": {"type": "NOPE"}}),
        json!({}),
    )
    .await;
    assert_eq!(t["errors"][0]["code"], "INVALID", "{t}");
    // Unknown gateway.
    let t = initialize(&server, &id, "app.example.nope", json!({}), json!({})).await;
    assert_eq!(t["errors"][0]["code"], "NOT_FOUND");
    assert_eq!(t["transaction"], Value::Null);
    // Too many decimals.
    let t = initialize(&server, &id, DUMMY, json!({}), json!({"amount": "1.001"})).await;
    assert_eq!(t["errors"][0]["code"], "INVALID");
    assert_eq!(t["errors"][0]["field"], "amount");

    let t = initialize(
        &server,
        &id,
        DUMMY,
        json!({"event": {"type": "CHARGE_ACTION_REQUIRED"}}),
        json!({}),
    )
    .await;
    assert_eq!(t["transactionEvent"]["type"], "CHARGE_ACTION_REQUIRED");
    assert_eq!(t["transaction"]["actions"], json!([]));
    let tx_id = t["transaction"]["id"].as_str().unwrap().to_owned();
    assert_eq!(checkout_status(&server, &id).await.0, "NONE");
    // Incomplete payment: the default channel allows unpaid orders, Saleor-style strict
    // channels do not.
    set_channel(&server, USD, false, false).await;
    let done = complete(&server, &id).await;
    assert_eq!(
        done["errors"][0]["code"], "CHECKOUT_NOT_FULLY_PAID",
        "{done}"
    );

    let p = sf(
        &server,
        "transactionProcess",
        json!({"id": tx_id, "data": null}),
    )
    .await;
    let p = &p["transactionProcess"];
    assert_eq!(p["errors"], json!([]));
    assert_eq!(p["transactionEvent"]["type"], "CHARGE_SUCCESS");
    // Processing again changes nothing.
    let p = sf(&server, "transactionProcess", json!({"id": tx_id})).await;
    assert_eq!(
        p["transactionProcess"]["transactionEvent"]["type"],
        "CHARGE_SUCCESS"
    );
    let staff_token = server.staff_token().await;
    let q = "query($id: ID!) { transaction(id: $id) { chargedAmount { amount } events { type } } }";
    let d = staff(&server, &staff_token, q, json!({"id": tx_id})).await;
    assert_eq!(cents(&d["transaction"]["chargedAmount"]), total);
    let kinds: Vec<&str> = d["transaction"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["CHARGE_ACTION_REQUIRED", "CHARGE_SUCCESS"]);
    // Customers cannot read transactions directly.
    let body = server.gql(q, json!({"id": tx_id})).await;
    assert_eq!(crate::common::error_code(&body), "PERMISSION_DENIED");

    let done = complete(&server, &id).await;
    assert_eq!(done["errors"], json!([]), "{done}");
}

#[tokio::test]
async fn partial_payments_and_the_unpaid_policy() {
    let server = TestServer::start().await;
    let staff_token = server.staff_token().await;
    // Saleor's channel settings, through Saleor's channelUpdate.
    let q = "{ channel(slug: \"default-channel\") { id orderSettings { allowUnpaidOrders markAsPaidStrategy }
        checkoutSettings { automaticallyCompleteFullyPaidCheckouts } paymentSettings { defaultTransactionFlowStrategy } } }";
    let d = staff(&server, &staff_token, q, json!({})).await;
    assert_eq!(
        d["channel"]["orderSettings"],
        json!({"allowUnpaidOrders": true, "markAsPaidStrategy": "TRANSACTION_FLOW"})
    );
    assert_eq!(
        d["channel"]["paymentSettings"]["defaultTransactionFlowStrategy"],
        "CHARGE"
    );
    let update = "mutation($id: ID!, $input: ChannelUpdateInput!) { channelUpdate(id: $id, input: $input) {
        channel { orderSettings { allowUnpaidOrders } checkoutSettings { automaticallyCompleteFullyPaidCheckouts } }
        errors { field code message } } }";
    let vars = json!({"id": d["channel"]["id"], "input": {"orderSettings": {"allowUnpaidOrders": false},
        "checkoutSettings": {"automaticallyCompleteFullyPaidCheckouts": false}}});
    let body = server.gql(update, vars.clone()).await;
    assert_eq!(crate::common::error_code(&body), "PERMISSION_DENIED");
    let d = staff(&server, &staff_token, update, vars).await;
    assert_eq!(d["channelUpdate"]["errors"], json!([]));
    assert_eq!(
        d["channelUpdate"]["channel"]["orderSettings"]["allowUnpaidOrders"],
        false
    );
    let (id, total) = ready_checkout(&server, USD).await;
    let done = complete(&server, &id).await;
    assert_eq!(done["errors"][0]["code"], "CHECKOUT_NOT_FULLY_PAID");
    // Pay 10.00 first, then the rest (the amount defaults to what is left to pay).
    let t = initialize(&server, &id, DUMMY, json!({}), json!({"amount": 10})).await;
    assert_eq!(t["errors"], json!([]));
    assert_eq!(checkout_status(&server, &id).await.0, "PARTIAL");
    assert_eq!(
        complete(&server, &id).await["errors"][0]["code"],
        "CHECKOUT_NOT_FULLY_PAID"
    );
    let t = initialize(&server, &id, DUMMY, json!({}), json!({})).await;
    assert_eq!(t["errors"], json!([]));
    assert_eq!(checkout_status(&server, &id).await.0, "FULL");
    let done = complete(&server, &id).await;
    assert_eq!(done["errors"], json!([]));
    let o = order(&server, &staff_token, done["order"]["id"].as_str().unwrap()).await;
    assert_eq!(o["transactions"].as_array().unwrap().len(), 2);
    assert_eq!(cents(&o["totalCharged"]), total);
    assert_eq!(o["isPaid"], true);
}

#[tokio::test]
async fn fully_paid_checkouts_complete_automatically_when_the_channel_says_so() {
    let server = TestServer::start().await;
    set_channel(&server, USD, false, true).await;
    let (id, _) = ready_checkout(&server, USD).await;
    let t = initialize(&server, &id, DUMMY, json!({}), json!({})).await;
    assert_eq!(t["errors"], json!([]));
    let q = "query($id: ID!) { checkout(id: $id) { id } }";
    let d = data(&server.gql(q, json!({"id": id})).await).clone();
    assert_eq!(d["checkout"], Value::Null, "the checkout became an order");
    assert!(server.last_event("ORDER_CREATED").await.is_some());
}

const REQUEST_ACTION: &str = "mutation($id: ID!, $type: TransactionActionEnum!, $amount: PositiveDecimal) {
  transactionRequestAction(id: $id, actionType: $type, amount: $amount) {
    transaction { actions chargedAmount { amount } authorizedAmount { amount } refundedAmount { amount } canceledAmount { amount } }
    errors { field code message } } }";

#[tokio::test]
async fn authorization_then_staff_charge_refund_cancel() {
    let server = TestServer::start().await;
    let staff_token = server.staff_token().await;
    let (id, total) = ready_checkout(&server, USD).await;
    let t = initialize(
        &server,
        &id,
        DUMMY,
        json!({}),
        json!({"action": "AUTHORIZATION"}),
    )
    .await;
    assert_eq!(t["transactionEvent"]["type"], "AUTHORIZATION_SUCCESS");
    assert_eq!(t["transaction"]["actions"], json!(["CHARGE", "CANCEL"]));
    let tx_id = t["transaction"]["id"].as_str().unwrap().to_owned();
    let (charge, authorize, _) = checkout_status(&server, &id).await;
    assert_eq!((charge.as_str(), authorize.as_str()), ("NONE", "FULL"));
    let done = complete(&server, &id).await;
    assert_eq!(done["errors"], json!([]));
    let order_id = done["order"]["id"].as_str().unwrap().to_owned();
    let o = order(&server, &staff_token, &order_id).await;
    assert_eq!(
        (o["isPaid"].clone(), o["authorizeStatus"].clone()),
        (json!(false), json!("FULL"))
    );

    // Customers may not request actions.
    let body = server
        .gql(REQUEST_ACTION, json!({"id": tx_id, "type": "CHARGE"}))
        .await;
    assert_eq!(crate::common::error_code(&body), "PERMISSION_DENIED");

    // Capture all but 1.00, then cancel the rest.
    let d = staff(
        &server,
        &staff_token,
        REQUEST_ACTION,
        json!({"id": tx_id, "type": "CHARGE", "amount": (total - 100) as f64 / 100.0}),
    )
    .await;
    let r = &d["transactionRequestAction"];
    assert_eq!(r["errors"], json!([]), "{r}");
    assert_eq!(cents(&r["transaction"]["chargedAmount"]), total - 100);
    assert_eq!(cents(&r["transaction"]["authorizedAmount"]), 100);
    let d = staff(
        &server,
        &staff_token,
        REQUEST_ACTION,
        json!({"id": tx_id, "type": "CANCEL"}),
    )
    .await;
    let r = &d["transactionRequestAction"];
    assert_eq!(cents(&r["transaction"]["canceledAmount"]), 100);
    assert_eq!(r["transaction"]["actions"], json!(["REFUND"]));
    // Refund above the charged amount: Saleor's INVALID error, nothing changes.
    let d = staff(
        &server,
        &staff_token,
        REQUEST_ACTION,
        json!({"id": tx_id, "type": "REFUND", "amount": total as f64 / 100.0}),
    )
    .await;
    let r = &d["transactionRequestAction"];
    assert_eq!(r["errors"][0]["code"], "INVALID");
    assert_eq!(r["errors"][0]["field"], "amount");
    assert_eq!(cents(&r["transaction"]["refundedAmount"]), 0);
    // A partial refund.
    let d = staff(
        &server,
        &staff_token,
        REQUEST_ACTION,
        json!({"id": tx_id, "type": "REFUND", "amount": 5}),
    )
    .await;
    let r = &d["transactionRequestAction"];
    assert_eq!(r["errors"], json!([]));
    assert_eq!(cents(&r["transaction"]["refundedAmount"]), 500);
    let o = order(&server, &staff_token, &order_id).await;
    assert_eq!(o["paymentStatus"], "PARTIALLY_REFUNDED");
    assert_eq!(cents(&o["totalRefunded"]), 500);
    assert_eq!(o["transactions"][0]["events"][0]["createdBy"], Value::Null);
    assert!(server.last_event("ORDER_REFUNDED").await.is_some());
}

#[tokio::test]
async fn idempotency_keys_and_concurrent_processing() {
    let server = std::sync::Arc::new(TestServer::start().await);
    let (id, total) = ready_checkout(&server, USD).await;
    let keyed = |amount: i64, key: &str| {
        let q = "mutation($id: ID!, $key: String, $amount: PositiveDecimal) {
            transactionInitialize(id: $id, idempotencyKey: $key, amount: $amount, paymentGateway: {id: \"saleor.io.dummy-payment-app\"}) {
              transaction { id } transactionEvent { type } errors { field code message } } }";
        let vars = json!({"id": id, "key": key, "amount": amount});
        let server = server.clone();
        async move { data(&server.gql(q, vars).await)["transactionInitialize"].clone() }
    };
    let a = keyed(1, "k1").await;
    let b = keyed(1, "k1").await;
    assert_eq!(a["errors"], json!([]), "{a}");
    assert_eq!(a["transaction"]["id"], b["transaction"]["id"]);
    assert_eq!(b["transactionEvent"]["type"], "CHARGE_SUCCESS");
    let c = keyed(2, "k1").await;
    assert_eq!(c["errors"][0]["code"], "UNIQUE");
    assert_eq!(keyed(1, "").await["errors"][0]["code"], "INVALID");

    let t = initialize(
        &server,
        &id,
        DUMMY,
        json!({"event": {"type": "CHARGE_ACTION_REQUIRED"}}),
        json!({}),
    )
    .await;
    let tx_id = t["transaction"]["id"].as_str().unwrap().to_owned();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (server, tx_id) = (server.clone(), tx_id.clone());
        tasks.push(tokio::spawn(async move {
            sf(&server, "transactionProcess", json!({"id": tx_id})).await
        }));
    }
    for task in tasks {
        let d = task.await.unwrap();
        assert_eq!(
            d["transactionProcess"]["transactionEvent"]["type"], "CHARGE_SUCCESS",
            "{d}"
        );
    }
    let staff_token = server.staff_token().await;
    let q = "query($id: ID!) { transaction(id: $id) { chargedAmount { amount } events { type } } }";
    let d = staff(&server, &staff_token, q, json!({"id": tx_id})).await;
    assert_eq!(cents(&d["transaction"]["chargedAmount"]), total - 100);
    let successes = d["transaction"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "CHARGE_SUCCESS")
        .count();
    assert_eq!(successes, 1);
}

// ------------------------------------------------------------------------ staff and apps

const CONFIGURE: &str = "mutation($channel: String!, $gateway: String!, $active: Boolean, $settings: JSON, $secrets: JSON, $baseUrl: String) {
  paymentGatewayConfigure(channel: $channel, gateway: $gateway, isActive: $active, settings: $settings, secrets: $secrets, baseUrl: $baseUrl) {
    config { id key name channel isActive settings secrets { name maskedValue } requiredSecrets baseUrl }
    errors { field code message } } }";

#[tokio::test]
async fn gateway_configuration_never_returns_secrets() {
    let server = TestServer::start().await;
    let staff_token = server.staff_token().await;
    let secret = "sk_test_SECRETVALUE_abcd1234";
    let hook = "whsec_HOOKSECRET_wxyz9876";
    let d = staff(
        &server,
        &staff_token,
        CONFIGURE,
        json!({"channel": USD, "gateway": "stripe", "active": true,
               "settings": {"publishable_key": "pk_test_123"},
               "secrets": {"secret_key": secret, "webhook_secret": hook},
               "baseUrl": "http://127.0.0.1:9/"}),
    )
    .await;
    let r = &d["paymentGatewayConfigure"];
    assert_eq!(r["errors"], json!([]), "{r}");
    assert_eq!(r["config"]["id"], STRIPE);
    assert_eq!(
        r["config"]["secrets"],
        json!([{"name": "secret_key", "maskedValue": "••••1234"}, {"name": "webhook_secret", "maskedValue": "••••9876"}])
    );
    assert!(!r.to_string().contains("SECRETVALUE"));
    // Unknown secret names and bad URLs are rejected.
    let d = staff(
        &server,
        &staff_token,
        CONFIGURE,
        json!({"channel": USD, "gateway": "stripe", "secrets": {"password": "x"}}),
    )
    .await;
    assert_eq!(
        d["paymentGatewayConfigure"]["errors"][0]["field"],
        "secrets"
    );
    let d = staff(
        &server,
        &staff_token,
        CONFIGURE,
        json!({"channel": USD, "gateway": "stripe", "baseUrl": "ftp://x"}),
    )
    .await;
    assert_eq!(
        d["paymentGatewayConfigure"]["errors"][0]["field"],
        "baseUrl"
    );
    let d = staff(
        &server,
        &staff_token,
        CONFIGURE,
        json!({"channel": "nope", "gateway": "stripe"}),
    )
    .await;
    assert_eq!(
        d["paymentGatewayConfigure"]["errors"][0]["code"],
        "NOT_FOUND"
    );
    // Customers may not configure or read.
    let customer = server.customer_token("c@example.com").await;
    let body = server
        .gql_as(
            &customer,
            CONFIGURE,
            json!({"channel": USD, "gateway": "stripe"}),
        )
        .await;
    assert_eq!(crate::common::error_code(&body), "PERMISSION_DENIED");
    let q = "query($c: String!) { paymentGatewayConfigs(channel: $c) { id key isActive settings secrets { name maskedValue } } }";
    let body = server.gql_as(&customer, q, json!({"c": USD})).await;
    assert_eq!(crate::common::error_code(&body), "PERMISSION_DENIED");
    let d = staff(&server, &staff_token, q, json!({"c": USD})).await;
    let text = d.to_string();
    assert!(
        !text.contains("SECRETVALUE") && !text.contains("HOOKSECRET"),
        "{text}"
    );
    assert_eq!(d["paymentGatewayConfigs"].as_array().unwrap().len(), 2);
    // Stored encrypted, not in clear.
    use sea_orm::EntityTrait;
    let rows = entities::payment_gateway_config::Entity::find()
        .all(&server.state.db.conn)
        .await
        .unwrap();
    for row in rows {
        let stored = format!("{row:?}");
        assert!(!stored.contains("SECRETVALUE") && !stored.contains("HOOKSECRET"));
    }
    // The storefront sees Stripe with its publishable key only.
    let (id, _) = ready_checkout(&server, USD).await;
    let (_, _, gateways) = checkout_status(&server, &id).await;
    assert_eq!(gateways, vec![DUMMY.to_owned(), STRIPE.to_owned()]);
    let d = sf(
        &server,
        "paymentGatewaysInitialize",
        json!({"checkoutId": id, "paymentGateways": [{"id": STRIPE}]}),
    )
    .await;
    assert_eq!(
        d["paymentGatewayInitialize"]["gatewayConfigs"][0]["data"],
        json!({"stripePublishableKey": "pk_test_123"})
    );
    assert!(!d.to_string().contains("SECRETVALUE"));
    // Deactivated: gone for the storefront.
    staff(
        &server,
        &staff_token,
        CONFIGURE,
        json!({"channel": USD, "gateway": "stripe", "active": false}),
    )
    .await;
    let (_, _, gateways) = checkout_status(&server, &id).await;
    assert_eq!(gateways, vec![DUMMY.to_owned()]);
}

async fn app_token(server: &TestServer, staff_token: &str) -> String {
    let d = staff(
        server,
        staff_token,
        "mutation { appCreate(input: {name: \"payments\", permissions: [HANDLE_PAYMENTS]}) { authToken errors { code } } }",
        json!({}),
    )
    .await;
    d["appCreate"]["authToken"].as_str().unwrap().to_owned()
}

fn apps_op(file: &str) -> String {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/reference/apps-ops/stripe/graphql/mutations")
        .join(file);
    std::fs::read_to_string(path).unwrap()
}

#[tokio::test]
async fn apps_report_transactions_like_saleors_stripe_app() {
    let server = TestServer::start().await;
    let staff_token = server.staff_token().await;
    let app = app_token(&server, &staff_token).await;
    let (id, total) = ready_checkout(&server, USD).await;
    let create = "mutation($id: ID!, $t: TransactionCreateInput!, $e: TransactionEventInput) {
        transactionCreate(id: $id, transaction: $t, transactionEvent: $e) {
          transaction { id name pspReference actions authorizedAmount { amount } createdBy { __typename ... on App { name } } metadata { key value } }
          errors { field code message } } }";
    // Currency mismatch is rejected.
    let d = staff(&server, &app, create, json!({"id": id, "t": {"name": "Stripe app", "amountAuthorized": {"amount": 1, "currency": "EUR"}}})).await;
    assert_eq!(
        d["transactionCreate"]["errors"][0]["code"],
        "INCORRECT_CURRENCY"
    );
    let d = staff(
        &server,
        &app,
        create,
        json!({"id": id, "t": {"name": "Stripe app", "pspReference": "pi_app_1", "availableActions": ["CANCEL"],
               "metadata": [{"key": "k", "value": "v"}]},
               "e": {"message": "created", "pspReference": "pi_app_1"}}),
    )
    .await;
    let created = &d["transactionCreate"];
    assert_eq!(created["errors"], json!([]), "{created}");
    assert_eq!(created["transaction"]["createdBy"]["__typename"], "App");
    assert_eq!(
        created["transaction"]["metadata"],
        json!([{"key": "k", "value": "v"}])
    );
    let tx_id = created["transaction"]["id"].as_str().unwrap().to_owned();

    // Saleor's Stripe app's own report mutation, as it sends it.
    let report = apps_op("transaction-event-report.graphql");
    let vars = json!({"transactionId": tx_id, "message": "Payment succeeded", "amount": total as f64 / 100.0,
        "pspReference": "pi_app_1", "time": "2026-11-22T10:00:00Z", "type": "CHARGE_SUCCESS",
        "availableActions": ["REFUND"], "externalUrl": "https://dashboard.stripe.com/payments/pi_app_1"});
    let d = staff(&server, &app, &report, vars.clone()).await;
    assert_eq!(d["transactionEventReport"]["errors"], json!([]), "{d}");
    assert_eq!(d["transactionEventReport"]["alreadyProcessed"], false);
    let d = staff(&server, &app, &report, vars.clone()).await;
    assert_eq!(d["transactionEventReport"]["alreadyProcessed"], true);
    let mut other = vars.clone();
    other["amount"] = json!(1);
    let d = staff(&server, &app, &report, other).await;
    assert_eq!(
        d["transactionEventReport"]["errors"][0]["code"],
        "INCORRECT_DETAILS"
    );
    let with_details = apps_op("transaction-event-report-with-payment-details.graphql");
    let mut info = vars.clone();
    info["type"] = json!("INFO");
    info["pspReference"] = json!("pi_app_1_info");
    info["paymentMethodDetails"] =
        json!({"card": {"name": "Card", "brand": "visa", "lastDigits": "4242"}});
    let d = staff(&server, &app, &with_details, info).await;
    assert_eq!(d["transactionEventReport"]["errors"], json!([]), "{d}");

    assert_eq!(checkout_status(&server, &id).await.0, "FULL");
    let done = complete(&server, &id).await;
    assert_eq!(done["errors"], json!([]));
    let o = order(&server, &staff_token, done["order"]["id"].as_str().unwrap()).await;
    assert_eq!(o["isPaid"], true);
    assert_eq!(o["transactions"][0]["actions"], json!(["REFUND"]));
    // App-managed transactions cannot be actioned in-process (Saleor's error code).
    let d = staff(
        &server,
        &staff_token,
        REQUEST_ACTION,
        json!({"id": tx_id, "type": "REFUND", "amount": 1}),
    )
    .await;
    assert_eq!(
        d["transactionRequestAction"]["errors"][0]["code"],
        "MISSING_TRANSACTION_ACTION_REQUEST_WEBHOOK"
    );
    // transactionUpdate: absolute amounts.
    let update = "mutation($id: ID!, $t: TransactionUpdateInput) { transactionUpdate(id: $id, transaction: $t) {
        transaction { chargedAmount { amount } refundedAmount { amount } } errors { field code message } } }";
    let d = staff(
        &server,
        &app,
        update,
        json!({"id": tx_id, "t": {"amountRefunded": {"amount": 2, "currency": "USD"}}}),
    )
    .await;
    assert_eq!(d["transactionUpdate"]["errors"], json!([]));
    assert_eq!(
        cents(&d["transactionUpdate"]["transaction"]["refundedAmount"]),
        200
    );
    // Customers cannot report.
    let body = server.gql(&report, vars).await;
    assert_eq!(crate::common::error_code(&body), "PERMISSION_DENIED");
}

#[tokio::test]
async fn order_mark_as_paid() {
    let server = TestServer::start().await;
    let staff_token = server.staff_token().await;
    let (id, total) = ready_checkout(&server, USD).await;
    let done = complete(&server, &id).await;
    let order_id = done["order"]["id"].as_str().unwrap().to_owned();
    let o = order(&server, &staff_token, &order_id).await;
    assert_eq!(
        (o["isPaid"].clone(), o["chargeStatus"].clone()),
        (json!(false), json!("NONE"))
    );
    assert_eq!(cents(&o["totalBalance"]), -total);
    let q = "mutation($id: ID!, $ref: String) { orderMarkAsPaid(id: $id, transactionReference: $ref) { order { isPaid chargeStatus } errors { field code message } } }";
    let d = staff(
        &server,
        &staff_token,
        q,
        json!({"id": order_id, "ref": "bank-123"}),
    )
    .await;
    assert_eq!(d["orderMarkAsPaid"]["errors"], json!([]));
    assert_eq!(
        d["orderMarkAsPaid"]["order"],
        json!({"isPaid": true, "chargeStatus": "FULL"})
    );
    let d = staff(&server, &staff_token, q, json!({"id": order_id})).await;
    assert_eq!(d["orderMarkAsPaid"]["errors"][0]["code"], "INVALID");
    let o = order(&server, &staff_token, &order_id).await;
    assert_eq!(o["transactions"][0]["pspReference"], "bank-123");
    assert_eq!(
        o["transactions"][0]["events"][0]["createdBy"]["__typename"],
        "User"
    );
    assert!(server.last_event("ORDER_FULLY_PAID").await.is_some());
}

// ------------------------------------------------------------------------ Stripe (local fake)

use fake_stripe::{FakeStripe, Mode, SECRET_KEY, WEBHOOK_SECRET};

/// A server whose USD channel takes Stripe through a local fake (1 s provider timeout).
async fn with_stripe() -> (TestServer, FakeStripe, String) {
    let fake = FakeStripe::start().await;
    let server = TestServer::start_with(|c| c.payment_timeout_ms = 1000).await;
    let staff_token = server.staff_token().await;
    let d = staff(
        &server,
        &staff_token,
        CONFIGURE,
        json!({"channel": USD, "gateway": "stripe", "active": true,
               "settings": {"publishable_key": "pk_test_fake"},
               "secrets": {"secret_key": SECRET_KEY, "webhook_secret": WEBHOOK_SECRET},
               "baseUrl": fake.url}),
    )
    .await;
    assert_eq!(d["paymentGatewayConfigure"]["errors"], json!([]));
    (server, fake, staff_token)
}

async fn post_webhook(server: &TestServer, path: &str, body: &str, signature: &str) -> u16 {
    reqwest::Client::new()
        .post(server.url(path))
        .header("content-type", "application/json")
        .header("stripe-signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

const TX: &str = "query($id: ID!) { transaction(id: $id) { pspReference chargedAmount { amount } chargePendingAmount { amount }
    authorizedAmount { amount } refundedAmount { amount } actions externalUrl events { type amount { amount } pspReference } } }";

async fn tx(server: &TestServer, staff_token: &str, id: &str) -> Value {
    staff(server, staff_token, TX, json!({"id": id})).await["transaction"].clone()
}

fn count(t: &Value, kind: &str) -> usize {
    t["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == kind)
        .count()
}

#[tokio::test]
async fn storefront_pays_with_stripe_and_replayed_webhooks_charge_once() {
    let (server, fake, staff_token) = with_stripe().await;
    let (id, total) = ready_checkout(&server, USD).await;
    let d = sf(
        &server,
        "paymentGatewaysInitialize",
        json!({"checkoutId": id, "paymentGateways": [{"id": STRIPE}]}),
    )
    .await;
    assert_eq!(
        d["paymentGatewayInitialize"]["gatewayConfigs"][0]["data"],
        json!({"stripePublishableKey": "pk_test_fake"})
    );
    // The storefront gets a client secret; the customer pays in the browser.
    let t = initialize(
        &server,
        &id,
        STRIPE,
        json!({"paymentIntent": {"paymentMethod": "card"}}),
        json!({}),
    )
    .await;
    assert_eq!(t["errors"], json!([]), "{t}");
    assert_eq!(t["transactionEvent"]["type"], "CHARGE_ACTION_REQUIRED");
    let secret = t["data"]["stripeClientSecret"].as_str().unwrap().to_owned();
    let pi_id = secret.split("_secret").next().unwrap().to_owned();
    let tx_id = t["transaction"]["id"].as_str().unwrap().to_owned();
    let created = fake.intent(&pi_id);
    assert_eq!(created["amount"], total);
    assert_eq!(created["currency"], "usd");
    assert_eq!(created["capture_method"], "automatic");
    // Our transaction token goes to Stripe as idempotency key and metadata.
    let token = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &tx_id).unwrap(),
    )
    .unwrap()
    .split(':')
    .nth(1)
    .unwrap()
    .to_owned();
    assert_eq!(created["metadata"]["transaction_id"], token);
    assert!(
        fake.requests()
            .contains(&("POST /v1/payment_intents".to_owned(), token.clone()))
    );
    assert_eq!(checkout_status(&server, &id).await.0, "NONE");

    let paid = fake.customer_pays(&pi_id);
    let (body, signature) = fake_stripe::event(
        WEBHOOK_SECRET,
        "evt_paid_1",
        "payment_intent.succeeded",
        paid.clone(),
    );
    // A forged or tampered webhook: 400 and nothing changes.
    let forged = fake_stripe::sign("whsec_wrong", chrono::Utc::now().timestamp(), &body);
    assert_eq!(
        post_webhook(&server, "/payments/stripe/webhook", &body, &forged).await,
        400
    );
    let tampered = body.replace("\"livemode\":false", "\"livemode\":true");
    assert_ne!(tampered, body);
    assert_eq!(
        post_webhook(&server, "/payments/stripe/webhook", &tampered, &signature).await,
        400
    );
    let stale = fake_stripe::sign(WEBHOOK_SECRET, chrono::Utc::now().timestamp() - 3600, &body);
    assert_eq!(
        post_webhook(&server, "/payments/stripe/webhook", &body, &stale).await,
        400
    );
    assert_eq!(checkout_status(&server, &id).await.0, "NONE");
    // Delivered three times (Stripe retries): one charge.
    for _ in 0..3 {
        assert_eq!(
            post_webhook(&server, "/payments/stripe/webhook", &body, &signature).await,
            200
        );
    }
    let t = tx(&server, &staff_token, &tx_id).await;
    assert_eq!(cents(&t["chargedAmount"]), total);
    assert_eq!(count(&t, "CHARGE_SUCCESS"), 1, "{t}");
    assert_eq!(t["pspReference"], pi_id.as_str());
    assert_eq!(
        t["externalUrl"],
        format!("https://dashboard.stripe.com/payments/{pi_id}")
    );
    assert_eq!(checkout_status(&server, &id).await.0, "FULL");
    // The storefront's transactionProcess afterwards: nothing new.
    let p = sf(&server, "transactionProcess", json!({"id": tx_id})).await;
    assert_eq!(
        p["transactionProcess"]["transactionEvent"]["type"],
        "CHARGE_SUCCESS"
    );
    assert_eq!(
        count(&tx(&server, &staff_token, &tx_id).await, "CHARGE_SUCCESS"),
        1
    );

    let done = complete(&server, &id).await;
    assert_eq!(done["errors"], json!([]), "{done}");
    let order_id = done["order"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        order(&server, &staff_token, &order_id).await["isPaid"],
        true
    );

    // Refunds: above the charged amount is Saleor's INVALID; a partial refund goes to
    // Stripe once, and Stripe's own refund webhook for it changes nothing.
    let d = staff(
        &server,
        &staff_token,
        REQUEST_ACTION,
        json!({"id": tx_id, "type": "REFUND", "amount": (total + 1) as f64 / 100.0}),
    )
    .await;
    assert_eq!(
        d["transactionRequestAction"]["errors"][0]["code"],
        "INVALID"
    );
    let d = staff(
        &server,
        &staff_token,
        REQUEST_ACTION,
        json!({"id": tx_id, "type": "REFUND", "amount": 3}),
    )
    .await;
    assert_eq!(d["transactionRequestAction"]["errors"], json!([]), "{d}");
    assert_eq!(
        cents(&d["transactionRequestAction"]["transaction"]["refundedAmount"]),
        300
    );
    let t = tx(&server, &staff_token, &tx_id).await;
    let refund_id = t["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "REFUND_SUCCESS")
        .unwrap()["pspReference"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(refund_id.starts_with("re_fake"));
    let refund = json!({"id": refund_id, "object": "refund", "amount": 300, "currency": "usd",
        "payment_intent": pi_id, "status": "succeeded"});
    let (body, signature) =
        fake_stripe::event(WEBHOOK_SECRET, "evt_refund_1", "refund.updated", refund);
    assert_eq!(
        post_webhook(
            &server,
            "/payments/stripe/webhook/default-channel",
            &body,
            &signature
        )
        .await,
        200
    );
    let o = order(&server, &staff_token, &order_id).await;
    assert_eq!(cents(&o["totalRefunded"]), 300);
    assert_eq!(o["paymentStatus"], "PARTIALLY_REFUNDED");
    assert!(server.last_event("ORDER_REFUNDED").await.is_some());
    // Unknown gateway or channel: 404.
    assert_eq!(
        post_webhook(&server, "/payments/nope/webhook", &body, &signature).await,
        404
    );
    assert_eq!(
        post_webhook(&server, "/payments/stripe/webhook/nope", &body, &signature).await,
        404
    );
}

#[tokio::test]
async fn stripe_declines_confirms_and_captures() {
    let (server, fake, staff_token) = with_stripe().await;
    let (id, total) = ready_checkout(&server, USD).await;
    // Card declined (402 card_error): a failure that claims no money.
    let t = initialize(
        &server,
        &id,
        STRIPE,
        json!({"paymentMethod": "pm_card_chargeDeclined"}),
        json!({}),
    )
    .await;
    assert_eq!(t["errors"], json!([]));
    assert_eq!(t["transactionEvent"]["type"], "CHARGE_FAILURE");
    assert_eq!(t["transactionEvent"]["message"], "Your card was declined.");
    assert_eq!(checkout_status(&server, &id).await.0, "NONE");
    // Authorize with a server-side confirmation, then capture by staff.
    let t = initialize(
        &server,
        &id,
        STRIPE,
        json!({"paymentMethod": "pm_card_visa"}),
        json!({"action": "AUTHORIZATION"}),
    )
    .await;
    assert_eq!(
        t["transactionEvent"]["type"], "AUTHORIZATION_SUCCESS",
        "{t}"
    );
    let tx_id = t["transaction"]["id"].as_str().unwrap().to_owned();
    let (charge, authorize, _) = checkout_status(&server, &id).await;
    assert_eq!((charge.as_str(), authorize.as_str()), ("NONE", "FULL"));
    let done = complete(&server, &id).await;
    assert_eq!(done["errors"], json!([]));
    let d = staff(
        &server,
        &staff_token,
        REQUEST_ACTION,
        json!({"id": tx_id, "type": "CHARGE"}),
    )
    .await;
    assert_eq!(d["transactionRequestAction"]["errors"], json!([]), "{d}");
    let t = tx(&server, &staff_token, &tx_id).await;
    assert_eq!(cents(&t["chargedAmount"]), total);
    assert_eq!(cents(&t["authorizedAmount"]), 0);
    let pi = fake.intent(t["pspReference"].as_str().unwrap());
    assert_eq!(
        (pi["status"].clone(), pi["amount_received"].clone()),
        (json!("succeeded"), json!(total))
    );
    // Stripe's webhook for the capture changes nothing.
    let (body, signature) = fake_stripe::event(
        WEBHOOK_SECRET,
        "evt_capture",
        "payment_intent.succeeded",
        pi,
    );
    assert_eq!(
        post_webhook(&server, "/payments/stripe/webhook", &body, &signature).await,
        200
    );
    assert_eq!(
        count(&tx(&server, &staff_token, &tx_id).await, "CHARGE_SUCCESS"),
        1
    );
    let o = order(&server, &staff_token, done["order"]["id"].as_str().unwrap()).await;
    assert_eq!(o["isPaid"], true);
}

#[tokio::test]
async fn stripe_faults_claim_no_money() {
    let (server, fake, staff_token) = with_stripe().await;
    let (id, total) = ready_checkout(&server, USD).await;
    // 5xx from Stripe.
    fake.set_mode(Mode::ServerError);
    let t = initialize(&server, &id, STRIPE, json!({}), json!({})).await;
    assert_eq!(t["errors"][0]["code"], "INVALID", "{t}");
    assert!(
        t["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("unavailable")
    );
    assert_eq!(t["transactionEvent"]["type"], "CHARGE_FAILURE");
    // A timeout: a clear error, and the transaction claims nothing.
    fake.set_mode(Mode::Hang);
    let t = initialize(&server, &id, STRIPE, json!({}), json!({})).await;
    assert_eq!(t["errors"][0]["code"], "INVALID", "{t}");
    assert!(
        t["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("did not answer in time"),
        "{t}"
    );
    let tx_id = t["transaction"]["id"].as_str().unwrap().to_owned();
    let t = tx(&server, &staff_token, &tx_id).await;
    assert_eq!(
        cents(&t["chargedAmount"]) + cents(&t["chargePendingAmount"]),
        0
    );
    assert_eq!(checkout_status(&server, &id).await.0, "NONE");
    let q = "query($id: ID!) { checkout(id: $id) { transactions { chargedAmount { amount } chargePendingAmount { amount } authorizedAmount { amount } } } }";
    let d = staff(&server, &staff_token, q, json!({"id": id})).await;
    for t in d["checkout"]["transactions"].as_array().unwrap() {
        assert_eq!(
            cents(&t["chargedAmount"])
                + cents(&t["chargePendingAmount"])
                + cents(&t["authorizedAmount"]),
            0
        );
    }
    set_channel(&server, USD, false, false).await;
    assert_eq!(
        complete(&server, &id).await["errors"][0]["code"],
        "CHECKOUT_NOT_FULLY_PAID"
    );

    // Currency and amount mismatches in webhooks are rejected and change nothing.
    fake.set_mode(Mode::Normal);
    let t = initialize(&server, &id, STRIPE, json!({}), json!({})).await;
    let tx_id = t["transaction"]["id"].as_str().unwrap().to_owned();
    let pi_id = t["data"]["stripeClientSecret"]
        .as_str()
        .unwrap()
        .split("_secret")
        .next()
        .unwrap()
        .to_owned();
    let mut paid = fake.customer_pays(&pi_id);
    paid["currency"] = json!("eur");
    let (body, signature) = fake_stripe::event(
        WEBHOOK_SECRET,
        "evt_eur",
        "payment_intent.succeeded",
        paid.clone(),
    );
    assert_eq!(
        post_webhook(&server, "/payments/stripe/webhook", &body, &signature).await,
        400
    );
    paid["currency"] = json!("usd");
    paid["amount_received"] = json!(total * 2);
    let (body, signature) = fake_stripe::event(
        WEBHOOK_SECRET,
        "evt_double",
        "payment_intent.succeeded",
        paid.clone(),
    );
    assert_eq!(
        post_webhook(&server, "/payments/stripe/webhook", &body, &signature).await,
        400
    );
    assert_eq!(
        cents(&tx(&server, &staff_token, &tx_id).await["chargedAmount"]),
        0
    );
    // The genuine event still applies afterwards (rejections were not recorded as seen).
    paid["amount_received"] = json!(total);
    let (body, signature) =
        fake_stripe::event(WEBHOOK_SECRET, "evt_ok", "payment_intent.succeeded", paid);
    assert_eq!(
        post_webhook(&server, "/payments/stripe/webhook", &body, &signature).await,
        200
    );
    assert_eq!(
        cents(&tx(&server, &staff_token, &tx_id).await["chargedAmount"]),
        total
    );
    assert_eq!(complete(&server, &id).await["errors"], json!([]));
}

#[tokio::test]
async fn master_key_rotation_reseals_gateway_secrets() {
    let (server, _fake, _) = with_stripe().await;
    let old = "test-master-key-0123456789abcdefghijklmnop";
    let new = "rotated-master-key-abcdefghijklmnopqrstuvwxyz";
    let old_key = bizgraph::secret::MasterKey::from_text(old).unwrap();
    let new_key = bizgraph::secret::MasterKey::from_text(new).unwrap();
    let count =
        bizgraph::payment::service::reseal_secrets(&server.state.db.conn, &new_key, Some(&old_key))
            .await
            .unwrap();
    assert_eq!(count, 1);
    // Without the other key the secrets no longer open; an instance that knows both keys
    // (mid-rotation) still pays with Stripe.
    assert!(
        bizgraph::payment::service::reseal_secrets(&server.state.db.conn, &old_key, None)
            .await
            .is_err()
    );
    let url = server.state.config.database_url.clone();
    let public_url = server.state.config.public_url.clone();
    let second = TestServer::start_with(move |c| {
        c.database_url = url;
        c.public_url = public_url;
        c.previous_secret_key = Some(new.to_owned());
    })
    .await;
    let (id, _) = ready_checkout(&second, USD).await;
    let t = initialize(&second, &id, STRIPE, json!({}), json!({})).await;
    assert_eq!(t["errors"], json!([]), "{t}");
    assert_eq!(t["transactionEvent"]["type"], "CHARGE_ACTION_REQUIRED");
}
