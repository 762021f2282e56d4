//! Deploying: a fresh database holds no demo data and no way to order for free unless the
//! demo is asked for; the probes (`/health/live`, `/health/ready`) follow the database.
#![allow(clippy::unwrap_used)]

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use tokio::{net::TcpListener, task::AbortHandle};

use crate::common::{TestServer, data};
use crate::ops;

const USD: &str = "default-channel";

async fn products_count(server: &TestServer) -> i64 {
    let body = server
        .gql(
            "query($c: String!) { products(first: 1, channel: $c) { totalCount } }",
            json!({"c": USD}),
        )
        .await;
    data(&body)["products"]["totalCount"].as_i64().unwrap()
}

async fn vouchers_count(server: &TestServer) -> i64 {
    let token = server.staff_token().await;
    let body = server
        .gql_as(&token, "{ vouchers(first: 1) { totalCount } }", json!({}))
        .await;
    data(&body)["vouchers"]["totalCount"].as_i64().unwrap()
}

async fn shop_gateways(server: &TestServer) -> Value {
    let body = server
        .gql(
            "query($c: String!) { shop { availablePaymentGateways(channel: $c) { id } } }",
            json!({"c": USD}),
        )
        .await;
    data(&body)["shop"]["availablePaymentGateways"].clone()
}

async fn get_json(server: &TestServer, path: &str) -> (u16, Value) {
    let resp = server.client.get(server.url(path)).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

/// Runs the storefront's checkout operation `name`.
async fn sf(server: &TestServer, name: &str, vars: Value) -> Value {
    let body = server.gql(&ops::checkout_document(name), vars).await;
    assert!(body.get("errors").is_none(), "{name}: {body}");
    body["data"].clone()
}

#[tokio::test]
async fn a_fresh_database_has_no_demo_data_and_no_free_orders() {
    let server = TestServer::start_with(|c| c.demo = false).await;
    assert_eq!(products_count(&server).await, 0);
    assert_eq!(vouchers_count(&server).await, 0);
    assert_eq!(shop_gateways(&server).await, json!([]));
    let (status, health) = get_json(&server, "/health/").await;
    assert_eq!(status, 200);
    assert!(health.get("warnings").is_none(), "{health}");

    // A merchant's catalog and shipping (loaded here by the demo's own loaders, without
    // vouchers or gateways): a shopper can check out, but not complete without paying.
    bizgraph::catalog::seed::demo(&server.state.db.conn)
        .await
        .unwrap();
    bizgraph::shipping::seed_demo(&server.state.db.conn)
        .await
        .unwrap();
    let q = "query($slug: String!, $c: String!) { product(slug: $slug, channel: $c) { variants { id } } }";
    let body = server
        .gql(q, json!({"slug": "monospace-tee", "c": USD}))
        .await;
    let variant = data(&body)["product"]["variants"][0]["id"].clone();
    let addr = json!({"firstName": "Grace", "lastName": "Hopper", "streetAddress1": "1 Navy Way",
        "city": "Arlington", "postalCode": "22202", "country": "US", "countryArea": "VA"});
    let q = "mutation($input: CheckoutCreateInput!) { checkoutCreate(input: $input) { checkout { id availablePaymentGateways { id } } errors { field code message } } }";
    let body = server
        .gql(
            q,
            json!({"input": {"channel": USD, "email": "shopper@example.com", "shippingAddress": addr,
                "billingAddress": addr, "lines": [{"variantId": variant, "quantity": 1}]}}),
        )
        .await;
    let created = &data(&body)["checkoutCreate"];
    assert_eq!(created["errors"], json!([]), "{body}");
    assert_eq!(created["checkout"]["availablePaymentGateways"], json!([]));
    let id = created["checkout"]["id"].as_str().unwrap().to_owned();
    let d = sf(&server, "deliveryOptionsCalculate", json!({"id": id})).await;
    let method = d["deliveryOptionsCalculate"]["deliveries"][0]["shippingMethod"]["id"].clone();
    let d = sf(
        &server,
        "checkoutDeliveryMethodUpdate",
        json!({"checkoutId": id, "deliveryMethodId": method, "languageCode": "EN"}),
    )
    .await;
    assert_eq!(d["checkoutDeliveryMethodUpdate"]["errors"], json!([]));
    let d = sf(&server, "checkoutComplete", json!({"checkoutId": id})).await;
    assert_eq!(
        d["checkoutComplete"]["errors"][0]["code"], "CHECKOUT_NOT_FULLY_PAID",
        "{d}"
    );
    assert!(d["checkoutComplete"]["order"].is_null());
}

#[tokio::test]
async fn the_demo_flag_loads_the_demo_store_once_and_reports_the_dummy_gateway() {
    let server = TestServer::start().await;
    assert!(products_count(&server).await > 50);
    assert_eq!(vouchers_count(&server).await, 3);
    assert_eq!(
        shop_gateways(&server).await,
        json!([{"id": "saleor.io.dummy-payment-app"}])
    );
    let (status, health) = get_json(&server, "/health/").await;
    assert_eq!(status, 200);
    assert_eq!(
        health["dummyPaymentGatewayChannels"],
        json!(["channel-eur", "default-channel"]),
        "{health}"
    );
    assert!(
        health["warnings"][0]
            .as_str()
            .unwrap()
            .contains("without money")
    );

    // Loading the demo again (`bizgraph seed --demo`) adds nothing twice.
    let loaded = bizgraph::bootstrap::load_demo(&server.state.db.conn)
        .await
        .unwrap();
    assert_eq!(loaded, Vec::<&str>::new());
    assert_eq!(vouchers_count(&server).await, 3);
    assert_eq!(
        shop_gateways(&server).await,
        json!([{"id": "saleor.io.dummy-payment-app"}])
    );

    // Deactivating the dummy gateway (as the README says for older databases) clears the
    // warning.
    let token = server.staff_token().await;
    for channel in ["default-channel", "channel-eur"] {
        let body = server
            .gql_as(
                &token,
                r#"mutation($c: String!) { paymentGatewayConfigure(channel: $c, gateway: "dummy", isActive: false) { errors { code } } }"#,
                json!({"c": channel}),
            )
            .await;
        assert_eq!(data(&body)["paymentGatewayConfigure"]["errors"], json!([]));
    }
    let (_, health) = get_json(&server, "/health/").await;
    assert!(health.get("warnings").is_none(), "{health}");
    assert_eq!(shop_gateways(&server).await, json!([]));
}

#[tokio::test]
async fn the_demo_flag_never_changes_an_existing_database() {
    let first = TestServer::start_with(|c| c.demo = false).await;
    // Another start on the same database with the demo asked for (the harness default).
    let second = TestServer::start_sharing(&first).await;
    assert!(second.state.config.demo);
    assert_eq!(products_count(&second).await, 0);
    assert_eq!(shop_gateways(&second).await, json!([]));
}

#[tokio::test]
async fn liveness_and_readiness() {
    let server = TestServer::start().await;
    let (status, live) = get_json(&server, "/health/live").await;
    assert_eq!((status, live), (200, json!({"status": "ok"})));
    let (status, ready) = get_json(&server, "/health/ready").await;
    assert_eq!(status, 200, "{ready}");
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["database"], "ok");
    assert_eq!(ready["migrations"], "applied");
    let redis = if server.state.config.redis_url.is_some() {
        "ok"
    } else {
        "not configured"
    };
    assert_eq!(ready["redis"], redis);
}

/// A TCP proxy in front of PostgreSQL that can be "stopped" (every connection cut, new ones
/// refused) and started again, so the test controls the database's availability without
/// touching the machine's server.
struct Switch {
    port: u16,
    up: Arc<AtomicBool>,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Switch {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let connections: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let (flag, list) = (up.clone(), connections.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !flag.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is refused
                }
                let target = target.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                list.lock().unwrap().push(task.abort_handle());
            }
        });
        Self {
            port,
            up,
            connections,
        }
    }

    fn stop(&self) {
        self.up.store(false, Ordering::SeqCst);
        for task in self.connections.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    fn restart(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

async fn wait_for_readiness(server: &TestServer, expected: u16) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, body) = get_json(server, "/health/ready").await;
        if status == expected {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "readiness stayed {status}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn readiness_follows_postgresql_going_away_and_coming_back() {
    let Ok(base) = std::env::var("BIZGRAPH_TEST_DATABASE_URL") else {
        eprintln!("PostgreSQL only (BIZGRAPH_TEST_DATABASE_URL unset)");
        return;
    };
    let authority = base
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .rsplit('@')
        .next()
        .unwrap()
        .to_owned();
    let switch = Switch::start(authority.clone()).await;
    let port = switch.port;
    let server = TestServer::start_with(move |c| {
        let url = c.database_url.clone().unwrap();
        c.database_url = Some(url.replacen(&authority, &format!("127.0.0.1:{port}"), 1));
    })
    .await;
    let ready = wait_for_readiness(&server, 200).await;
    assert_eq!(ready["database"], "ok");

    switch.stop();
    let started = Instant::now();
    let unready = wait_for_readiness(&server, 503).await;
    assert_eq!(unready["status"], "unready");
    assert_eq!(unready["database"], "unreachable");
    // The probe answers promptly even while the database is away.
    assert!(started.elapsed() < Duration::from_secs(15));
    let (status, _) = get_json(&server, "/health/live").await;
    assert_eq!(status, 200, "liveness does not depend on the database");

    switch.restart();
    let ready = wait_for_readiness(&server, 200).await;
    assert_eq!(ready["database"], "ok");
    assert_eq!(ready["migrations"], "applied");
}
