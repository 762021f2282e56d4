//! End-to-end tests of the foundation: shop and channels, the HTTP surface, limits and bad
//! input, websockets, metrics and the exported schema.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use crate::common::{TestServer, data, error_code, ws_init, ws_next, ws_subscribe};
use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite;

#[tokio::test]
async fn shop_and_channels_answer_anonymously() {
    let server = TestServer::start().await;
    let body = server
        .gql(
            "{ shop { name schemaVersion defaultCountry { code country } } channels { slug currencyCode isActive } }",
            json!({}),
        )
        .await;
    let d = data(&body);
    assert_eq!(d["shop"]["name"], "Bizgraph Shop");
    assert_eq!(d["shop"]["schemaVersion"], "3.23");
    assert_eq!(
        d["shop"]["defaultCountry"]["country"],
        "United States of America"
    );
    let channels = d["channels"].as_array().unwrap();
    let pairs: Vec<(&str, &str)> = channels
        .iter()
        .map(|c| {
            (
                c["slug"].as_str().unwrap(),
                c["currencyCode"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        vec![("channel-eur", "EUR"), ("default-channel", "USD")]
    );
    // Saleor reports the query cost.
    assert!(
        body["extensions"]["cost"]["requestedQueryCost"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert_eq!(body["extensions"]["cost"]["maximumAvailable"], 50000);
}

#[tokio::test]
async fn channel_lookup_by_slug_and_id() {
    let server = TestServer::start().await;
    let body = server
        .gql(
            r#"{ channel(slug: "channel-eur") { id name currencyCode defaultCountry { code } } }"#,
            json!({}),
        )
        .await;
    let channel = &data(&body)["channel"];
    assert_eq!(channel["currencyCode"], "EUR");
    assert_eq!(channel["defaultCountry"]["code"], "DE");
    let id = channel["id"].as_str().unwrap().to_owned();
    let body = server
        .gql(
            "query($id: ID) { channel(id: $id) { slug } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(data(&body)["channel"]["slug"], "channel-eur");
    let body = server
        .gql(r#"{ channel(slug: "nope") { slug } }"#, json!({}))
        .await;
    assert_eq!(data(&body)["channel"], Value::Null);
}

#[tokio::test]
async fn staff_only_shop_fields_are_refused_anonymously() {
    let server = TestServer::start().await;
    let body = server.gql("{ shop { version } }", json!({})).await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
    assert_eq!(
        body["errors"][0]["extensions"]["exception"]["code"],
        "PermissionDenied"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("AUTHENTICATED_STAFF_USER")
    );
}

#[tokio::test]
async fn playground_on_get() {
    let server = TestServer::start().await;
    for path in ["/graphql/", "/graphql"] {
        let resp = server.client.get(server.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(content_type.starts_with("text/html"), "{content_type}");
        let html = resp.text().await.unwrap();
        assert!(html.to_lowercase().contains("graphiql"));
        assert!(html.contains("/graphql/"));
    }
}

#[tokio::test]
async fn get_executes_queries_but_not_mutations() {
    let server = TestServer::start().await;
    let resp = server
        .client
        .get(server.graphql_url())
        .query(&[("query", "{ shop { name } }")])
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(data(&body)["shop"]["name"], "Bizgraph Shop");

    let resp = server
        .client
        .get(server.graphql_url())
        .query(&[(
            "query",
            r#"mutation { updateMetadata(id: "x", input: []) { errors { code } } }"#,
        )])
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "BAD_REQUEST");
}

/// POSTs a raw body and returns (status, JSON body).
async fn post_raw(
    server: &TestServer,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, Value) {
    let resp = server
        .client
        .post(server.graphql_url())
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, body)
}

#[tokio::test]
async fn bad_input_gets_clear_coded_errors_and_the_server_keeps_serving() {
    let server = TestServer::start().await;

    let (status, body) = post_raw(&server, "application/json", "{not json").await;
    assert_eq!((status, error_code(&body)), (400, "BAD_REQUEST"));
    assert!(body["errors"][0]["extensions"]["requestId"].is_string());

    let (status, body) = post_raw(&server, "application/json", r#"{"hello": "world"}"#).await;
    assert_eq!((status, error_code(&body)), (400, "BAD_REQUEST"));

    let (_, body) = post_raw(&server, "application/json", r#"{"query": "{ shop { nam"}"#).await;
    assert_eq!(error_code(&body), "GRAPHQL_PARSE_FAILED");

    let body = server.gql("{ shop { noSuchField } }", json!({})).await;
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("noSuchField")
    );

    // 50 levels deep.
    let nested = format!(
        "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
        "ofType { ".repeat(46),
        "} ".repeat(46)
    );
    let body = server.gql(&nested, json!({})).await;
    assert_eq!(error_code(&body), "QUERY_TOO_DEEP", "{body}");
    // Absurdly deep queries are refused before parsing (bracket nesting).
    let absurd = format!("{{ {}{} }}", "a { ".repeat(5000), "} ".repeat(5000));
    let body = server.gql(&absurd, json!({})).await;
    assert_eq!(error_code(&body), "QUERY_TOO_DEEP", "{body}");

    // 1000 aliases.
    let aliases: String = (0..1000).map(|i| format!("a{i}: __typename ")).collect();
    let body = server.gql(&format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(error_code(&body), "TOO_MANY_ALIASES");

    // 10 MB body.
    let big = format!(
        r#"{{"query": "{{ shop {{ name }} }}", "variables": {{"pad": "{}"}}}}"#,
        "x".repeat(10 << 20)
    );
    let (status, body) = post_raw(&server, "application/json", big).await;
    assert_eq!((status, error_code(&body)), (413, "REQUEST_TOO_LARGE"));

    // Invalid and wrong-type global IDs.
    let body = server
        .gql(r#"{ channel(id: "garbage!") { slug } }"#, json!({}))
        .await;
    assert_eq!(error_code(&body), "INVALID_ID");
    assert_eq!(
        body["errors"][0]["message"],
        "Invalid ID: garbage!. Expected: Channel."
    );
    let product_id = "UHJvZHVjdDox"; // "Product:1"
    let body = server
        .gql(
            "query($id: ID) { channel(id: $id) { slug } }",
            json!({"id": product_id}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["message"],
        "Invalid ID: UHJvZHVjdDox. Expected: Channel, received: Product."
    );

    // Bad cursor and out-of-range pagination on a connection.
    let body = server
        .gql(r#"{ products(first: 2, after: "garbage", channel: "default-channel") { edges { node { name } } } }"#, json!({}))
        .await;
    assert_eq!(error_code(&body), "INVALID_CURSOR");
    let body = server
        .gql(
            r#"{ products(first: 500, channel: "default-channel") { edges { node { name } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "INVALID_PAGINATION");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("limit of 100")
    );

    // Still serving.
    let body = server.gql("{ shop { name } }", json!({})).await;
    assert_eq!(data(&body)["shop"]["name"], "Bizgraph Shop");
    let health = server
        .client
        .get(server.url("/health/"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn deep_queries_are_rejected_with_the_depth_code() {
    let server = TestServer::start_with(|c| c.max_query_depth = 3).await;
    let body = server
        .gql("{ shop { defaultCountry { code } } }", json!({}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let body = server
        .gql(
            "{ channels { metadata { key } defaultCountry { code } } shop { domain { host } } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let body = server
        .gql(
            "{ __schema { types { fields { type { name } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "QUERY_TOO_DEEP");
}

#[tokio::test]
async fn query_cost_limit() {
    let server = TestServer::start_with(|c| c.max_query_cost = 5).await;
    let body = server.gql("{ shop { name } }", json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    let body = server
        .gql(
            "{ shop { name description schemaVersion defaultCountry { code country } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("maximum cost of 5")
    );
}

#[tokio::test]
async fn request_timeout_is_a_clear_error() {
    // A batch of 20 product listings (each several database reads) cannot finish within
    // 1 ms. Channels and shop settings are not enough: they may be answered from memory
    // without yielding, so the batch would complete before the timer is first polled.
    let server = TestServer::start_with(|c| c.request_timeout_ms = 1).await;
    let query = "{ products(first: 20, channel: \"default-channel\") { edges { node { name variants { name pricing { price { gross { amount } } } } } } } }";
    let batch: Vec<Value> = (0..20).map(|_| json!({ "query": query })).collect();
    let resp = server
        .client
        .post(server.graphql_url())
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 504);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "REQUEST_TIMEOUT");
}

#[tokio::test]
async fn request_ids_are_echoed_and_attached_to_errors() {
    let server = TestServer::start().await;
    let resp = server
        .client
        .post(server.graphql_url())
        .header("x-request-id", "test-req-42")
        .json(&json!({"query": "{ nope }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "test-req-42");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["requestId"], "test-req-42");
    // A hostile request id is replaced by a generated one.
    let resp = server
        .client
        .post(server.graphql_url())
        .header("x-request-id", "x".repeat(500))
        .json(&json!({"query": "{ shop { name } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"].len(), 32);
}

#[tokio::test]
async fn batched_requests() {
    let server = TestServer::start().await;
    let resp = server
        .client
        .post(server.graphql_url())
        .json(&json!([{"query": "{ shop { name } }"}, {"query": "{ channels { slug } }"}]))
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body[0]["data"]["shop"]["name"], "Bizgraph Shop");
    assert_eq!(body[1]["data"]["channels"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let server = TestServer::start().await;
    let resp = server
        .client
        .get(server.url("/graphql/"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-encoding"], "gzip");
}

#[tokio::test]
async fn metrics_count_requests_and_statements() {
    let server = TestServer::start().await;
    let before = server.statements();
    server
        .gql("query ShopName { shop { name } }", json!({}))
        .await;
    assert!(
        server.statements() > before,
        "the shop query reads the database"
    );
    let text = server
        .client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(r#"bizgraph_graphql_requests_total{operation="ShopName",outcome="ok"} 1"#),
        "{text}"
    );
    assert!(text.contains("bizgraph_db_statements_total "));
    assert!(text.contains("process_resident_memory_bytes "));
    assert!(text.contains(r#"bizgraph_db_pool_connections{state="max"} 8"#));
}

#[tokio::test]
async fn health_reports_the_database() {
    let server = TestServer::start().await;
    let resp = server
        .client
        .get(server.url("/health/"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["database"], "ok");
    let expected_redis = if std::env::var("BIZGRAPH_TEST_REDIS_URL").is_ok() {
        "ok"
    } else {
        "not configured"
    };
    assert_eq!(body["redis"], expected_redis);
}

#[tokio::test]
async fn unreachable_redis_fails_start_up() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener); // nothing listens there now
    let dir = tempfile::tempdir().unwrap();
    let mut config = bizgraph::config::Config::defaults();
    config.database_url = Some(format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("t.db").display()
    ));
    config.redis_url = Some(format!("redis://127.0.0.1:{port}"));
    config.secret_key = Some("x".repeat(40));
    let err = bizgraph::build_app(config)
        .await
        .err()
        .map(|e| e.to_string());
    assert!(err.is_some_and(|e| e.contains("Redis")));
}

#[tokio::test]
async fn metadata_mutations_need_permission() {
    let server = TestServer::start().await;
    let body = server
        .gql(r#"{ channel(slug: "default-channel") { id } }"#, json!({}))
        .await;
    let id = data(&body)["channel"]["id"].as_str().unwrap().to_owned();
    let body = server
        .gql(
            r#"mutation($id: ID!) { updateMetadata(id: $id, input: [{key: "a", value: "b"}]) { errors { code } } }"#,
            json!({"id": id}),
        )
        .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
}

#[tokio::test]
async fn websocket_graphql_transport_ws() {
    let server = TestServer::start().await;
    let (mut ws, ack) = ws_init(&server, "graphql-transport-ws", json!({})).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    ws_subscribe(&mut ws, "1", "{ shop { name } }").await;
    let msg = ws_next(&mut ws, Duration::from_secs(10)).await.unwrap();
    assert_eq!(msg["type"], "next");
    assert_eq!(msg["payload"]["data"]["shop"]["name"], "Bizgraph Shop");
    assert_eq!(
        ws_next(&mut ws, Duration::from_secs(10)).await.unwrap()["type"],
        "complete"
    );
}

#[tokio::test]
async fn websocket_legacy_graphql_ws_and_bad_token() {
    let server = TestServer::start().await;
    let (mut ws, ack) = ws_init(&server, "graphql-ws", json!({})).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    ws.send(tungstenite::Message::text(
        json!({"id": "1", "type": "start", "payload": {"query": "{ channels { slug } }"}})
            .to_string(),
    ))
    .await
    .unwrap();
    let msg = ws_next(&mut ws, Duration::from_secs(10)).await.unwrap();
    assert_eq!(msg["type"], "data");
    assert_eq!(
        msg["payload"]["data"]["channels"].as_array().unwrap().len(),
        2
    );

    // A bad token in connection_init is refused: no ack, the connection ends.
    let (_ws, reply) = ws_init(
        &server,
        "graphql-transport-ws",
        json!({"authorization": "Bearer not-a-token"}),
    )
    .await;
    assert!(
        reply.as_ref().is_none_or(|r| r["type"] != "connection_ack"),
        "{reply:?}"
    );
}

#[test]
fn exported_schema_is_current() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema/schema.graphql"))
        .expect("schema/schema.graphql exists; run `cargo run -- export-schema --output schema/schema.graphql`");
    assert!(
        committed == bizgraph::schema::sdl(),
        "schema/schema.graphql is stale; run `cargo run -- export-schema --output schema/schema.graphql`"
    );
}

#[tokio::test]
async fn apollo_persisted_queries_over_get() {
    use sha2::{Digest, Sha256};
    let server = TestServer::start().await;
    let query = "query PersistedShop { shop { name } }";
    let hash = format!("{:x}", Sha256::digest(query.as_bytes()));
    let extensions = json!({"persistedQuery": {"version": 1, "sha256Hash": hash}}).to_string();
    let get = || {
        server
            .client
            .get(server.graphql_url())
            .query(&[("extensions", extensions.as_str())])
            .send()
    };
    let body: Value = get().await.unwrap().json().await.unwrap();
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
    let resp = server
        .client
        .post(server.graphql_url())
        .json(&json!({"query": query, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}}}))
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(data(&body)["shop"]["name"], "Bizgraph Shop");
    let body: Value = get().await.unwrap().json().await.unwrap();
    assert_eq!(data(&body)["shop"]["name"], "Bizgraph Shop");
}
