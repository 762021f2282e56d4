//! Live GraphQL subscriptions over websockets: staff see the events their permissions
//! cover, customers don't see others' events, anonymous subscriptions are refused, an
//! expiring token ends the subscription, and (with PostgreSQL + Redis) a subscriber on one
//! instance sees events committed through another.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use crate::common::{TestServer, data, ws_init, ws_next, ws_subscribe};
use serde_json::json;

const SUBSCRIPTION: &str = "subscription { event { issuedAt ... on ChannelMetadataUpdated { channel { slug metadata { key value } } } } }";

async fn touch_channel(server: &TestServer, token: &str, value: &str) {
    let body = server
        .gql(r#"{ channel(slug: "default-channel") { id } }"#, json!({}))
        .await;
    let id = data(&body)["channel"]["id"].as_str().unwrap().to_owned();
    let body = server
        .gql_as(
            token,
            "mutation($id: ID!, $v: String!) { updateMetadata(id: $id, input: [{key: \"k\", value: $v}]) { errors { code } } }",
            json!({"id": id, "v": value}),
        )
        .await;
    assert_eq!(data(&body)["updateMetadata"]["errors"], json!([]));
}

#[tokio::test]
async fn staff_receive_events_live() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    let (mut ws, ack) = ws_init(
        &server,
        "graphql-transport-ws",
        json!({"authorization": format!("Bearer {token}")}),
    )
    .await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    ws_subscribe(&mut ws, "1", SUBSCRIPTION).await;
    tokio::time::sleep(Duration::from_millis(200)).await; // let the subscription start
    touch_channel(&server, &token, "live").await;
    let msg = ws_next(&mut ws, Duration::from_secs(10)).await.unwrap();
    assert_eq!(msg["type"], "next", "{msg}");
    let event = &msg["payload"]["data"]["event"];
    assert_eq!(event["channel"]["slug"], "default-channel");
    assert_eq!(
        event["channel"]["metadata"],
        json!([{"key": "k", "value": "live"}])
    );
    assert!(event["issuedAt"].is_string());
}

#[tokio::test]
async fn legacy_protocol_and_customers_see_nothing_of_others() {
    let server = TestServer::start().await;
    let staff = server.staff_token().await;
    let customer = server.customer_token("watcher@example.com").await;
    let (mut ws, ack) = ws_init(
        &server,
        "graphql-ws",
        json!({"authorization": format!("Bearer {customer}")}),
    )
    .await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    use futures_util::SinkExt;
    ws.send(tokio_tungstenite::tungstenite::Message::text(
        json!({"id": "1", "type": "start", "payload": {"query": SUBSCRIPTION}}).to_string(),
    ))
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    touch_channel(&server, &staff, "secret").await;
    assert!(
        ws_next(&mut ws, Duration::from_secs(1)).await.is_none(),
        "a customer sees no channel events"
    );
}

#[tokio::test]
async fn anonymous_subscriptions_are_refused() {
    let server = TestServer::start().await;
    let (mut ws, ack) = ws_init(&server, "graphql-transport-ws", json!({})).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    ws_subscribe(&mut ws, "1", SUBSCRIPTION).await;
    let msg = ws_next(&mut ws, Duration::from_secs(10)).await.unwrap();
    assert_eq!(msg["payload"]["data"], serde_json::Value::Null, "{msg}");
    assert_eq!(
        msg["payload"]["errors"][0]["extensions"]["code"],
        "PERMISSION_DENIED"
    );
}

async fn live_executions(server: &TestServer) -> u64 {
    let text = reqwest::get(server.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("bizgraph_live_executions "))
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn identical_subscriptions_share_one_execution() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    let auth = json!({"authorization": format!("Bearer {token}")});
    let mut sockets = Vec::new();
    for _ in 0..3 {
        let (mut ws, _) = ws_init(&server, "graphql-transport-ws", auth.clone()).await;
        ws_subscribe(&mut ws, "1", SUBSCRIPTION).await;
        sockets.push(ws);
    }
    // A different selection runs on its own.
    let (mut other, _) = ws_init(&server, "graphql-transport-ws", auth.clone()).await;
    ws_subscribe(
        &mut other,
        "1",
        "subscription { event { ... on ChannelMetadataUpdated { channel { slug } } } }",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(live_executions(&server).await, 2);

    touch_channel(&server, &token, "shared").await;
    for ws in &mut sockets {
        let msg = ws_next(ws, Duration::from_secs(10)).await.unwrap();
        let event = &msg["payload"]["data"]["event"];
        assert_eq!(
            event["channel"]["metadata"],
            json!([{"key": "k", "value": "shared"}])
        );
    }
    let msg = ws_next(&mut other, Duration::from_secs(10)).await.unwrap();
    assert_eq!(
        msg["payload"]["data"]["event"],
        json!({"channel": {"slug": "default-channel"}})
    );

    // Members leave; the shared execution stops with the last one.
    for mut ws in sockets.drain(..2) {
        ws.close(None).await.unwrap();
    }
    touch_channel(&server, &token, "after").await;
    let msg = ws_next(&mut sockets[0], Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        msg["payload"]["data"]["event"]["channel"]["metadata"],
        json!([{"key": "k", "value": "after"}])
    );
    sockets[0].close(None).await.unwrap();
    other.close(None).await.unwrap();
    let mut running = u64::MAX;
    for _ in 0..50 {
        running = live_executions(&server).await;
        if running == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(running, 0);
}

#[tokio::test]
async fn an_expiring_token_ends_the_subscription() {
    let server = TestServer::start_with(|c| c.access_token_ttl_secs = 2).await;
    let token = server.staff_token().await;
    let (mut ws, _) = ws_init(
        &server,
        "graphql-transport-ws",
        json!({"authorization": format!("Bearer {token}")}),
    )
    .await;
    ws_subscribe(&mut ws, "1", SUBSCRIPTION).await;
    let msg = ws_next(&mut ws, Duration::from_secs(6)).await.unwrap();
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(
        msg["payload"]["errors"][0]["extensions"]["code"],
        "INVALID_TOKEN"
    );
    let done = ws_next(&mut ws, Duration::from_secs(3)).await.unwrap();
    assert_eq!(done["type"], "complete");
}

#[tokio::test]
async fn a_subscriber_on_one_instance_sees_changes_made_on_another() {
    if std::env::var("BIZGRAPH_TEST_REDIS_URL").is_err()
        || std::env::var("BIZGRAPH_TEST_DATABASE_URL").is_err()
    {
        eprintln!("runs with BIZGRAPH_TEST_DATABASE_URL and BIZGRAPH_TEST_REDIS_URL");
        return;
    }
    let a = TestServer::start().await;
    let b = TestServer::start_sharing(&a).await;
    let token = a.staff_token().await;
    let (mut ws, _) = ws_init(
        &b,
        "graphql-transport-ws",
        json!({"authorization": format!("Bearer {token}")}),
    )
    .await;
    ws_subscribe(&mut ws, "1", SUBSCRIPTION).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    touch_channel(&a, &token, "from-a").await;
    let msg = ws_next(&mut ws, Duration::from_secs(10)).await.unwrap();
    assert_eq!(
        msg["payload"]["data"]["event"]["channel"]["metadata"],
        json!([{"key": "k", "value": "from-a"}])
    );
    assert!(
        ws_next(&mut ws, Duration::from_millis(800)).await.is_none(),
        "exactly once"
    );
}
