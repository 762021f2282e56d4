//! Live GraphQL subscriptions over websockets: staff see the events their permissions
//! cover, customers don't see others' events, anonymous subscriptions are refused, an
//! expiring token ends the subscription, and (with PostgreSQL + Redis) a subscriber on one
//! instance sees events committed through another. A revoked credential (app deactivated
//! or deleted, app token deleted, `tokensDeactivateAll`, user deactivated, permission
//! removed) ends the stream at the next event.
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

/// Asserts the next message is the event for `value`.
async fn expect_event(ws: &mut crate::common::Ws, value: &str) {
    let msg = ws_next(ws, Duration::from_secs(10)).await.unwrap();
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(
        msg["payload"]["data"]["event"]["channel"]["metadata"],
        json!([{"key": "k", "value": value}]),
        "{msg}"
    );
}

/// Asserts the stream ends with an error coded `code` and then `complete`, and that
/// nothing follows.
async fn expect_end(ws: &mut crate::common::Ws, code: &str) {
    let msg = ws_next(ws, Duration::from_secs(10)).await.unwrap();
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(msg["payload"]["data"], serde_json::Value::Null, "{msg}");
    assert_eq!(
        msg["payload"]["errors"][0]["extensions"]["code"], code,
        "{msg}"
    );
    let done = ws_next(ws, Duration::from_secs(5)).await.unwrap();
    assert_eq!(done["type"], "complete", "{done}");
}

/// A socket subscribed to channel events with `token`.
async fn subscribed(server: &TestServer, token: &str) -> crate::common::Ws {
    let (mut ws, ack) = ws_init(
        server,
        "graphql-transport-ws",
        json!({"authorization": format!("Bearer {token}")}),
    )
    .await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    ws_subscribe(&mut ws, "1", SUBSCRIPTION).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    ws
}

/// Runs `query` as `token`, asserting no top-level errors; returns `data`.
async fn ok(
    server: &TestServer,
    token: &str,
    query: &str,
    variables: serde_json::Value,
) -> serde_json::Value {
    let body = server.gql_as(token, query, variables).await;
    data(&body).clone()
}

/// An app holding MANAGE_CHANNELS: (app ID, token ID, raw token).
async fn channel_app(server: &TestServer, admin: &str, name: &str) -> (String, String, String) {
    let d = ok(
        server,
        admin,
        "mutation($input: AppInput!) { appCreate(input: $input) { authToken app { id tokens { id } } errors { code } } }",
        json!({"input": {"name": name, "permissions": ["MANAGE_CHANNELS"]}}),
    )
    .await;
    assert_eq!(d["appCreate"]["errors"], json!([]), "{d}");
    let app = &d["appCreate"]["app"];
    (
        app["id"].as_str().unwrap().to_owned(),
        app["tokens"][0]["id"].as_str().unwrap().to_owned(),
        d["appCreate"]["authToken"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn revoked_apps_stop_streaming_at_the_next_event() {
    let server = TestServer::start().await;
    let admin = server.staff_token().await;
    let cases = [
        (
            "appDeactivate",
            "mutation($id: ID!) { appDeactivate(id: $id) { errors { code } } }",
        ),
        (
            "appDelete",
            "mutation($id: ID!) { appDelete(id: $id) { errors { code } } }",
        ),
        (
            "appTokenDelete",
            "mutation($id: ID!) { appTokenDelete(id: $id) { errors { code } } }",
        ),
    ];
    for (mutation, query) in cases {
        let (app_id, token_id, token) = channel_app(&server, &admin, mutation).await;
        // A bystander app keeps streaming throughout.
        let (_, _, other_token) = channel_app(&server, &admin, "bystander").await;
        let mut ws = subscribed(&server, &token).await;
        let mut other = subscribed(&server, &other_token).await;
        touch_channel(&server, &admin, "before").await;
        expect_event(&mut ws, "before").await;
        expect_event(&mut other, "before").await;

        let id = if mutation == "appTokenDelete" {
            &token_id
        } else {
            &app_id
        };
        let d = ok(&server, &admin, query, json!({"id": id})).await;
        assert_eq!(d[mutation]["errors"], json!([]), "{d}");

        touch_channel(&server, &admin, "after").await;
        expect_end(&mut ws, "INVALID_TOKEN").await;
        expect_event(&mut other, "after").await;
        touch_channel(&server, &admin, "later").await;
        assert!(
            ws_next(&mut ws, Duration::from_millis(800)).await.is_none(),
            "nothing after {mutation}"
        );
        expect_event(&mut other, "later").await;
    }
}

#[tokio::test]
async fn tokens_deactivate_all_stops_a_staff_socket() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    let mut ws = subscribed(&server, &token).await;
    touch_channel(&server, &token, "before").await;
    expect_event(&mut ws, "before").await;

    let d = ok(
        &server,
        &token,
        "mutation { tokensDeactivateAll { errors { code } } }",
        json!({}),
    )
    .await;
    assert_eq!(d["tokensDeactivateAll"]["errors"], json!([]));
    let fresh = server.staff_token().await;
    touch_channel(&server, &fresh, "after").await;
    expect_end(&mut ws, "INVALID_TOKEN").await;

    // A socket opened with the fresh token streams.
    let mut ws = subscribed(&server, &fresh).await;
    touch_channel(&server, &fresh, "fresh").await;
    expect_event(&mut ws, "fresh").await;
}

/// A staff member in a new group holding `perms`, signed in through the set-password
/// token of the `STAFF_SET_PASSWORD_REQUESTED` event: (user ID, group ID, access token).
async fn staff_member(
    server: &TestServer,
    admin: &str,
    email: &str,
    perms: &[&str],
) -> (String, String, String) {
    let d = ok(
        server,
        admin,
        "mutation($input: PermissionGroupCreateInput!) { permissionGroupCreate(input: $input) { group { id } errors { code } } }",
        json!({"input": {"name": email, "addPermissions": perms}}),
    )
    .await;
    assert_eq!(d["permissionGroupCreate"]["errors"], json!([]), "{d}");
    let group = d["permissionGroupCreate"]["group"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let d = ok(
        server,
        admin,
        "mutation($input: StaffCreateInput!) { staffCreate(input: $input) { user { id } errors { code } } }",
        json!({"input": {"email": email, "addGroups": [group], "redirectUrl": "https://dashboard.example.com/set-password"}}),
    )
    .await;
    assert_eq!(d["staffCreate"]["errors"], json!([]), "{d}");
    let user = d["staffCreate"]["user"]["id"].as_str().unwrap().to_owned();
    let event = server
        .last_event("STAFF_SET_PASSWORD_REQUESTED")
        .await
        .unwrap();
    let d = data(
        &server
            .gql(
                "mutation($e: String!, $p: String!, $t: String!) { setPassword(email: $e, password: $p, token: $t) { token errors { code } } }",
                json!({"e": email, "p": "Staff-Pass-for-tests-9", "t": event["token"]}),
            )
            .await,
    )
    .clone();
    let token = d["setPassword"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{d}"))
        .to_owned();
    (user, group, token)
}

#[tokio::test]
async fn staff_sockets_stop_when_permissions_shrink_or_the_user_is_deactivated() {
    let server = TestServer::start().await;
    let admin = server.staff_token().await;
    let (removed_id, group, removed) =
        staff_member(&server, &admin, "removed@example.com", &["MANAGE_CHANNELS"]).await;
    let (deactivated_id, _, deactivated) =
        staff_member(&server, &admin, "gone@example.com", &["MANAGE_CHANNELS"]).await;
    let mut removed_ws = subscribed(&server, &removed).await;
    let mut deactivated_ws = subscribed(&server, &deactivated).await;
    touch_channel(&server, &admin, "before").await;
    expect_event(&mut removed_ws, "before").await;
    expect_event(&mut deactivated_ws, "before").await;

    let d = ok(
        &server,
        &admin,
        "mutation($id: ID!, $input: PermissionGroupUpdateInput!) { permissionGroupUpdate(id: $id, input: $input) { errors { code } } }",
        json!({"id": group, "input": {"removeUsers": [removed_id]}}),
    )
    .await;
    assert_eq!(d["permissionGroupUpdate"]["errors"], json!([]), "{d}");
    let d = ok(
        &server,
        &admin,
        "mutation($id: ID!) { staffUpdate(id: $id, input: {isActive: false}) { errors { code } } }",
        json!({"id": deactivated_id}),
    )
    .await;
    assert_eq!(d["staffUpdate"]["errors"], json!([]), "{d}");

    touch_channel(&server, &admin, "after").await;
    expect_end(&mut removed_ws, "PERMISSION_DENIED").await;
    expect_end(&mut deactivated_ws, "INVALID_TOKEN").await;
}
