//! The response cache of anonymous catalog queries: what is cached, and that every committed
//! write a cached response could show invalidates it at once, on every instance.

use serde_json::{Value, json};

use crate::common::{TestServer, data};

const PRODUCT: &str = r#"query($slug: String!) {
  product(slug: $slug, channel: "default-channel") {
    id name variants { id quantityAvailable }
  }
}"#;

/// POSTs `query` (with a bearer token when given); returns the `x-bizgraph-cache` header
/// and the body.
async fn post(
    server: &TestServer,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> (String, Value) {
    let mut req = server
        .client
        .post(server.graphql_url())
        .json(&json!({"query": query, "variables": variables}));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.unwrap();
    let cache = resp
        .headers()
        .get("x-bizgraph-cache")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (cache, resp.json().await.unwrap())
}

async fn product(server: &TestServer) -> (String, Value) {
    post(server, None, PRODUCT, json!({"slug": "monospace-tee"})).await
}

async fn staff(server: &TestServer, token: &str, query: &str, variables: Value) -> Value {
    let (cache, body) = post(server, Some(token), query, variables).await;
    assert_eq!(cache, "bypass", "authenticated requests are never cached");
    data(&body).clone()
}

async fn rename(server: &TestServer, token: &str, id: &str, name: &str) {
    let d = staff(
        server,
        token,
        "mutation($id: ID!, $name: String!) { productUpdate(id: $id, input: {name: $name}) { errors { field code } } }",
        json!({"id": id, "name": name}),
    )
    .await;
    assert_eq!(d["productUpdate"]["errors"], json!([]));
}

#[tokio::test]
async fn anonymous_reads_are_cached_until_a_write_changes_them() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    let (cache, first) = product(&server).await;
    assert_eq!(cache, "miss");
    let before = server.statements();
    let (cache, second) = product(&server).await;
    assert_eq!(cache, "hit");
    assert_eq!(second, first);
    assert_eq!(
        server.statements() - before,
        1,
        "a hit costs one statement: the version read"
    );

    let product_id = data(&first)["product"]["id"].as_str().unwrap().to_owned();
    rename(&server, &token, &product_id, "Monospace Tee II").await;
    let (cache, body) = product(&server).await;
    assert_eq!(cache, "miss");
    assert_eq!(data(&body)["product"]["name"], "Monospace Tee II");

    // Stock is public too: `quantityAvailable` follows a stock update at once.
    let variant = &data(&body)["product"]["variants"][0];
    let available = variant["quantityAvailable"].as_i64().unwrap();
    let warehouses = staff(
        &server,
        &token,
        "{ warehouses(first: 1) { edges { node { id } } } }",
        json!({}),
    )
    .await;
    let d = staff(
        &server,
        &token,
        "mutation($v: ID!, $w: ID!, $q: Int!) { productVariantStocksUpdate(variantId: $v,
          stocks: [{warehouse: $w, quantity: $q}]) { errors { field code } } }",
        json!({
            "v": variant["id"],
            "w": warehouses["warehouses"]["edges"][0]["node"]["id"],
            "q": 1000,
        }),
    )
    .await;
    assert_eq!(d["productVariantStocksUpdate"]["errors"], json!([]));
    let (cache, body) = product(&server).await;
    assert_eq!(cache, "miss");
    let now = data(&body)["product"]["variants"][0]["quantityAvailable"]
        .as_i64()
        .unwrap();
    assert_ne!(now, available);

    // Private writes (a checkout) leave the cached catalog valid.
    assert_eq!(product(&server).await.0, "hit");
    let (cache, body) = post(
        &server,
        None,
        r#"mutation($v: ID!) { checkoutCreate(input: {channel: "default-channel",
            lines: [{variantId: $v, quantity: 1}]}) { errors { code } checkout { id } } }"#,
        json!({"v": variant["id"]}),
    )
    .await;
    assert_eq!(cache, "bypass");
    assert_eq!(data(&body)["checkoutCreate"]["errors"], json!([]));
    assert_eq!(product(&server).await.0, "hit");
}

#[tokio::test]
async fn only_successful_public_queries_are_cached() {
    let server = TestServer::start().await;
    // A root field outside the catalog (the checkout) is never cached, nor is an error.
    let checkout = r#"{ checkout(id: "Q2hlY2tvdXQ6MA==") { id } }"#;
    let unknown_channel = r#"{ products(first: 1, channel: "nope") { totalCount } }"#;
    for query in [checkout, checkout, unknown_channel, unknown_channel] {
        assert_eq!(post(&server, None, query, json!({})).await.0, "bypass");
    }
    // Variables are part of the key.
    let (cache, tee) = product(&server).await;
    assert_eq!(cache, "miss");
    let (cache, other) = post(&server, None, PRODUCT, json!({"slug": "dad-cap"})).await;
    assert_eq!(cache, "miss");
    assert_eq!(data(&other)["product"]["name"], "Dad Cap");
    assert_ne!(tee, other);
    // Staff see their own (uncached) view even of a cached query.
    let token = server.staff_token().await;
    staff(&server, &token, PRODUCT, json!({"slug": "monospace-tee"})).await;

    let off = TestServer::start_with(|c| c.response_cache_ttl_secs = 0).await;
    for _ in 0..2 {
        assert_eq!(product(&off).await.0, "bypass");
    }
}

#[tokio::test]
async fn another_instance_sees_a_write_at_once() {
    let a = TestServer::start().await;
    let b = TestServer::start_sharing(&a).await;
    let token = a.staff_token().await;
    let (_, body) = product(&b).await;
    assert_eq!(product(&b).await.0, "hit");
    let id = data(&body)["product"]["id"].as_str().unwrap().to_owned();
    rename(&a, &token, &id, "Renamed on A").await;
    let (cache, body) = product(&b).await;
    assert_eq!(cache, "miss");
    assert_eq!(data(&body)["product"]["name"], "Renamed on A");
}

const LIST: &str = r#"query($first: Int!) {
  products(first: $first, channel: "default-channel") {
    edges { node { id name category { name } variants { id pricing { price { gross { amount } } } } } }
  }
}"#;

#[tokio::test]
async fn concurrent_identical_misses_run_the_query_once() {
    let server = TestServer::start().await;
    // What one uncached run costs.
    let before = server.statements();
    let (cache, _) = post(&server, None, LIST, json!({"first": 50})).await;
    assert_eq!(cache, "miss");
    let one_run = server.statements() - before;
    assert!(one_run >= 3, "a product list takes several statements");

    // 16 identical requests for a page nobody asked for yet, over connections opened
    // beforehand so that they arrive together.
    let clients = 16;
    futures_util::future::join_all(
        (0..clients).map(|_| post(&server, None, "{ shop { name } }", json!({}))),
    )
    .await;
    let before = server.statements();
    let responses = futures_util::future::join_all(
        (0..clients).map(|_| post(&server, None, LIST, json!({"first": 49}))),
    )
    .await;
    let spent = server.statements() - before;
    let outcomes: Vec<&str> = responses.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        outcomes.iter().filter(|c| **c == "miss").count(),
        1,
        "{outcomes:?}"
    );
    assert!(
        outcomes
            .iter()
            .all(|c| ["miss", "hit", "shared"].contains(c)),
        "{outcomes:?}"
    );
    let first = &responses[0].1;
    assert_eq!(
        data(first)["products"]["edges"].as_array().unwrap().len(),
        49
    );
    assert!(responses.iter().all(|(_, body)| body == first));
    // One version read each, and the query once (`one_run` includes a version read).
    assert_eq!(spent, clients + one_run - 1, "{outcomes:?}");
}
