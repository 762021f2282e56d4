//! Webhooks end to end: a local receiver gets signed POSTs for committed events, verifies
//! the detached JWS against our JWKS (and the legacy HMAC), and sees retries with backoff,
//! no retry on 4xx, manual retries, SSRF protection and permission checks.
#![allow(clippy::unwrap_used)]

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use crate::common::{TestServer, data, error_code};
use axum::{Router, body::Bytes, extract::State, http::HeaderMap, http::StatusCode, routing::post};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64URL};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

/// What the receiver saw, and the statuses it answers with (then 200).
#[derive(Default)]
pub(crate) struct Receiver {
    pub(crate) requests: Mutex<Vec<(HeaderMap, Bytes)>>,
    script: Mutex<Vec<u16>>,
}

async fn receive(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.requests.lock().unwrap().push((headers, body));
    let next = {
        let mut script = r.script.lock().unwrap();
        if script.is_empty() {
            200
        } else {
            script.remove(0)
        }
    };
    StatusCode::from_u16(next).unwrap()
}

pub(crate) async fn start_receiver(script: Vec<u16>) -> (SocketAddr, Arc<Receiver>) {
    let receiver = Arc::new(Receiver {
        script: Mutex::new(script),
        ..Default::default()
    });
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, receiver)
}

async fn server() -> TestServer {
    TestServer::start_with(|c| {
        c.webhook_allow_private_targets = true;
        c.webhook_backoff_base_ms = 50;
        c.webhook_max_attempts = 5;
    })
    .await
}

/// An app (inserted directly: app management is another module) allowed to see channel events.
pub(crate) async fn create_app(server: &TestServer) -> String {
    let app = entities::app::ActiveModel {
        name: Set("Receiver app".into()),
        identifier: Set(Some("test.receiver".into())),
        is_active: Set(true),
        permissions: Set(json!(["MANAGE_CHANNELS"])),
        metadata: Set(json!({})),
        private_metadata: Set(json!({})),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&server.state.db.conn)
    .await
    .unwrap();
    bizgraph::core::id::encode("App", app.id).0
}

pub(crate) const QUERY: &str = "subscription { event { ... on ChannelMetadataUpdated { issuedAt channel { slug metadata { key value } } } } }";

async fn create_webhook(
    server: &TestServer,
    token: &str,
    app: &str,
    url: &str,
    secret: Option<&str>,
) -> String {
    let body = server
        .gql_as(
            token,
            "mutation($input: WebhookCreateInput!) { webhookCreate(input: $input) { errors { field code message } webhook { id isActive targetUrl secretKey asyncEvents { eventType } } } }",
            json!({"input": {"name": "test", "app": app, "targetUrl": url, "query": QUERY, "secretKey": secret}}),
        )
        .await;
    let result = &data(&body)["webhookCreate"];
    assert_eq!(result["errors"], json!([]), "{body}");
    assert_eq!(
        result["webhook"]["asyncEvents"],
        json!([{"eventType": "CHANNEL_METADATA_UPDATED"}])
    );
    assert_eq!(
        result["webhook"]["secretKey"],
        Value::Null,
        "secrets are never returned"
    );
    result["webhook"]["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn touch_channel(server: &TestServer, token: &str, value: &str) {
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

pub(crate) async fn wait_for(receiver: &Receiver, count: usize) -> Vec<(HeaderMap, Bytes)> {
    for _ in 0..200 {
        if receiver.requests.lock().unwrap().len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    receiver.requests.lock().unwrap().clone()
}

/// Verifies a detached JWS (`b64: false`) over `payload` with the server's JWKS.
async fn verify_jws(server: &TestServer, signature: &str, payload: &[u8]) -> bool {
    let jwks: Value = server
        .client
        .get(server.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut parts = signature.split('.');
    let (Some(header), Some(""), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let header_json: Value = serde_json::from_slice(&B64URL.decode(header).unwrap()).unwrap();
    assert_eq!(header_json["alg"], "RS256");
    assert_eq!(header_json["b64"], false);
    assert_eq!(header_json["crit"], json!(["b64"]));
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header_json["kid"])
        .unwrap();
    let n = B64URL.decode(key["n"].as_str().unwrap()).unwrap();
    let e = B64URL.decode(key["e"].as_str().unwrap()).unwrap();
    let mut signing_input = format!("{header}.").into_bytes();
    signing_input.extend_from_slice(payload);
    ring::signature::RsaPublicKeyComponents { n, e }
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            &signing_input,
            &B64URL.decode(sig).unwrap(),
        )
        .is_ok()
}

#[tokio::test]
async fn signed_payloads_reach_the_target_and_verify_with_jwks() {
    let server = server().await;
    let (addr, receiver) = start_receiver(vec![]).await;
    let token = server.staff_token().await;
    let app = create_app(&server).await;
    create_webhook(&server, &token, &app, &format!("http://{addr}/hook"), None).await;
    touch_channel(&server, &token, "v1").await;

    let requests = wait_for(&receiver, 1).await;
    assert_eq!(requests.len(), 1);
    let (headers, body) = &requests[0];
    assert_eq!(headers["saleor-event"], "channel_metadata_updated");
    assert_eq!(headers["saleor-api-url"], server.graphql_url());
    assert_eq!(
        headers["saleor-domain"].to_str().unwrap(),
        server.addr.to_string()
    );
    let payload: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(payload["channel"]["slug"], "default-channel");
    assert_eq!(
        payload["channel"]["metadata"],
        json!([{"key": "k", "value": "v1"}])
    );
    let signature = headers["saleor-signature"].to_str().unwrap();
    assert!(
        verify_jws(&server, signature, body).await,
        "signature verifies"
    );
    let mut forged = body.to_vec();
    forged[5] ^= 1;
    assert!(
        !verify_jws(&server, signature, &forged).await,
        "a modified payload fails"
    );
}

#[tokio::test]
async fn failures_are_retried_with_every_attempt_recorded() {
    let server = server().await;
    let (addr, receiver) = start_receiver(vec![500, 500]).await;
    let token = server.staff_token().await;
    let app = create_app(&server).await;
    let hook = create_webhook(&server, &token, &app, &format!("http://{addr}/hook"), None).await;
    touch_channel(&server, &token, "v1").await;
    let requests = wait_for(&receiver, 3).await;
    assert_eq!(requests.len(), 3, "500, 500, then 200");
    assert_eq!(
        requests[0].1, requests[2].1,
        "retries resend the same payload"
    );
    // One id of ours per delivery, the same on every attempt, for receivers to dedupe on.
    let ids: Vec<&str> = requests
        .iter()
        .map(|(h, _)| h["x-bizgraph-delivery-id"].to_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![ids[0]; 3],
        "the same delivery id on every attempt"
    );

    tokio::time::sleep(Duration::from_millis(200)).await;
    let body = server
        .gql_as(
            &token,
            "query($id: ID!) { webhook(id: $id) { eventDeliveries(first: 5) { totalCount edges { node { id status eventType payload attempts(first: 10) { edges { node { status responseStatusCode duration } } } } } } } }",
            json!({"id": hook}),
        )
        .await;
    let deliveries = &data(&body)["webhook"]["eventDeliveries"];
    assert_eq!(deliveries["totalCount"], 1);
    let delivery = &deliveries["edges"][0]["node"];
    assert_eq!(
        delivery["id"], ids[0],
        "the header is the EventDelivery's ID"
    );
    assert_eq!(delivery["status"], "SUCCESS");
    assert_eq!(delivery["eventType"], "CHANNEL_METADATA_UPDATED");
    let codes: Vec<(String, i64)> = delivery["attempts"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["status"].as_str().unwrap().to_owned(),
                e["node"]["responseStatusCode"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        vec![
            ("FAILED".into(), 500),
            ("FAILED".into(), 500),
            ("SUCCESS".into(), 200)
        ]
    );

    // Another delivery has another id.
    touch_channel(&server, &token, "v2").await;
    let requests = wait_for(&receiver, 4).await;
    let next = requests[3].0["x-bizgraph-delivery-id"].to_str().unwrap();
    assert_ne!(next, ids[0]);
}

#[tokio::test]
async fn client_errors_are_not_retried_but_can_be_retried_by_hand() {
    let server = server().await;
    let (addr, receiver) = start_receiver(vec![404]).await;
    let token = server.staff_token().await;
    let app = create_app(&server).await;
    let hook = create_webhook(&server, &token, &app, &format!("http://{addr}/hook"), None).await;
    touch_channel(&server, &token, "v1").await;
    assert_eq!(wait_for(&receiver, 1).await.len(), 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        receiver.requests.lock().unwrap().len(),
        1,
        "no retry after a 404"
    );

    let q = "query($id: ID!) { webhook(id: $id) { eventDeliveries(first: 1) { edges { node { id status } } } } }";
    let body = server.gql_as(&token, q, json!({"id": hook})).await;
    let node = &data(&body)["webhook"]["eventDeliveries"]["edges"][0]["node"];
    assert_eq!(node["status"], "FAILED");
    let delivery = node["id"].as_str().unwrap().to_owned();
    let body = server
        .gql_as(&token, "mutation($id: ID!) { eventDeliveryRetry(id: $id) { errors { code } delivery { status } } }", json!({"id": delivery}))
        .await;
    assert_eq!(
        data(&body)["eventDeliveryRetry"]["delivery"]["status"],
        "PENDING"
    );
    assert_eq!(wait_for(&receiver, 2).await.len(), 2);
}

#[tokio::test]
async fn legacy_secret_key_signs_with_hmac() {
    let server = server().await;
    let (addr, receiver) = start_receiver(vec![]).await;
    let token = server.staff_token().await;
    let app = create_app(&server).await;
    create_webhook(
        &server,
        &token,
        &app,
        &format!("http://{addr}/hook"),
        Some("s3cret"),
    )
    .await;
    touch_channel(&server, &token, "v1").await;
    let requests = wait_for(&receiver, 1).await;
    let (headers, body) = &requests[0];
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"s3cret");
    let expected: String = ring::hmac::sign(&key, body)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(headers["saleor-signature"].to_str().unwrap(), expected);
}

#[tokio::test]
async fn private_targets_are_refused_and_anonymous_callers_denied() {
    let server = TestServer::start().await; // private targets not allowed (the default)
    let token = server.staff_token().await;
    let app = create_app(&server).await;
    let body = server
        .gql_as(
            &token,
            "mutation($input: WebhookCreateInput!) { webhookCreate(input: $input) { errors { field code } webhook { id } } }",
            json!({"input": {"app": app, "targetUrl": "http://127.0.0.1:9/hook", "query": QUERY}}),
        )
        .await;
    assert_eq!(
        data(&body)["webhookCreate"]["errors"],
        json!([{"field": "targetUrl", "code": "INVALID"}])
    );
    let body = server
        .gql_as(
            &token,
            "mutation($input: WebhookCreateInput!) { webhookCreate(input: $input) { errors { field code } } }",
            json!({"input": {"app": app, "targetUrl": "https://example.com/hook", "query": "query { shop { name } }"}}),
        )
        .await;
    assert_eq!(
        data(&body)["webhookCreate"]["errors"][0]["code"],
        "MISSING_SUBSCRIPTION"
    );
    let body = server
        .gql(
            "mutation($input: WebhookCreateInput!) { webhookCreate(input: $input) { errors { code } } }",
            json!({"input": {"app": app, "targetUrl": "https://example.com/hook", "query": QUERY}}),
        )
        .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
}

#[tokio::test]
async fn two_instances_deliver_each_event_exactly_once() {
    if std::env::var("BIZGRAPH_TEST_DATABASE_URL").is_err()
        || std::env::var("BIZGRAPH_TEST_REDIS_URL").is_err()
    {
        eprintln!("runs with BIZGRAPH_TEST_DATABASE_URL and BIZGRAPH_TEST_REDIS_URL");
        return;
    }
    let a = server().await;
    let b = TestServer::start_with({
        let url = a.database_url.clone();
        let public_url = a.state.config.public_url.clone();
        move |c| {
            c.database_url = Some(url);
            c.public_url = public_url;
            c.webhook_allow_private_targets = true;
            c.webhook_backoff_base_ms = 50;
        }
    })
    .await;
    let (addr, receiver) = start_receiver(vec![]).await;
    let token = a.staff_token().await;
    let app = create_app(&a).await;
    create_webhook(&a, &token, &app, &format!("http://{addr}/hook"), None).await;
    // Events committed through both instances; both instances' workers deliver.
    for i in 0..20 {
        let via = if i % 2 == 0 { &a } else { &b };
        touch_channel(via, &token, &format!("v{i}")).await;
    }
    assert_eq!(wait_for(&receiver, 20).await.len(), 20);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.requests.lock().unwrap().len(), 20, "no duplicates");
}

#[tokio::test]
async fn dry_run_renders_and_trigger_sends_without_an_outbox_event() {
    let server = server().await;
    let token = server.staff_token().await;
    let body = server
        .gql(r#"{ channel(slug: "default-channel") { id } }"#, json!({}))
        .await;
    let channel = data(&body)["channel"]["id"].as_str().unwrap().to_owned();
    const DRY: &str = "mutation($o: ID!, $q: String!) { webhookDryRun(objectId: $o, query: $q) { payload errors { field code } } }";

    let body = server
        .gql_as(&token, DRY, json!({"o": channel, "q": QUERY}))
        .await;
    let result = &data(&body)["webhookDryRun"];
    assert_eq!(result["errors"], json!([]), "{body}");
    let payload: Value = serde_json::from_str(result["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["channel"]["slug"], "default-channel", "{payload}");

    // Wrong object type, unknown object, broken query, no staff token.
    let order = bizgraph::core::id::encode("Order", "00000000-0000-0000-0000-000000000000").0;
    let body = server
        .gql_as(&token, DRY, json!({"o": order, "q": QUERY}))
        .await;
    assert_eq!(
        data(&body)["webhookDryRun"]["errors"][0]["code"],
        "TYPE_NOT_SUPPORTED"
    );
    let missing = bizgraph::core::id::encode("Channel", 999_999).0;
    let body = server
        .gql_as(&token, DRY, json!({"o": missing, "q": QUERY}))
        .await;
    assert_eq!(
        data(&body)["webhookDryRun"]["errors"][0]["code"],
        "NOT_FOUND"
    );
    let body = server
        .gql_as(&token, DRY, json!({"o": channel, "q": "subscription {"}))
        .await;
    assert_eq!(data(&body)["webhookDryRun"]["errors"][0]["code"], "SYNTAX");
    let customer = server.customer_token("dry@example.com").await;
    let body = server
        .gql_as(&customer, DRY, json!({"o": channel, "q": QUERY}))
        .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");

    // Trigger: one signed delivery for this webhook, and no outbox event for others.
    let (addr, receiver) = start_receiver(vec![]).await;
    let app = create_app(&server).await;
    let hook = create_webhook(&server, &token, &app, &format!("http://{addr}/hook"), None).await;
    let outbox_rows = || async {
        use sea_orm::{EntityTrait, PaginatorTrait};
        entities::outbox::Entity::find()
            .count(&server.state.db.conn)
            .await
            .unwrap()
    };
    let outbox_before = outbox_rows().await;
    let body = server
        .gql_as(
            &token,
            "mutation($o: ID!, $w: ID!) { webhookTrigger(objectId: $o, webhookId: $w) { errors { code } delivery { id status eventType } } }",
            json!({"o": channel, "w": hook}),
        )
        .await;
    let result = &data(&body)["webhookTrigger"];
    assert_eq!(result["errors"], json!([]), "{body}");
    assert_eq!(result["delivery"]["status"], "PENDING");
    assert_eq!(result["delivery"]["eventType"], "CHANNEL_METADATA_UPDATED");
    let requests = wait_for(&receiver, 1).await;
    assert_eq!(requests.len(), 1);
    let (headers, payload) = &requests[0];
    assert_eq!(headers["saleor-event"], "channel_metadata_updated");
    let signature = headers["saleor-signature"].to_str().unwrap();
    assert!(verify_jws(&server, signature, payload).await);
    let payload: Value = serde_json::from_slice(payload).unwrap();
    assert_eq!(payload["channel"]["slug"], "default-channel");
    assert_eq!(outbox_rows().await, outbox_before);
}

/// An e-mail app receives `AccountConfirmationRequested` with what it needs to send the
/// confirmation (as Saleor's: the token, the client's redirect URL, the user, the channel
/// and the shop), and the token confirms the account.
#[tokio::test]
async fn account_confirmation_requests_reach_an_email_app() {
    let server = server().await;
    let (addr, receiver) = start_receiver(vec![]).await;
    let token = server.staff_token().await;
    let app = entities::app::ActiveModel {
        name: Set("Mailer".into()),
        is_active: Set(true),
        permissions: Set(json!(["MANAGE_USERS"])),
        metadata: Set(json!({})),
        private_metadata: Set(json!({})),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&server.state.db.conn)
    .await
    .unwrap();
    let query = "subscription { event { ... on AccountConfirmationRequested { redirectUrl token user { email isConfirmed } channel { slug } shop { name } } } }";
    let body = server
        .gql_as(
            &token,
            "mutation($input: WebhookCreateInput!) { webhookCreate(input: $input) { errors { message } webhook { asyncEvents { eventType } } } }",
            json!({"input": {"name": "mailer", "app": bizgraph::core::id::encode("App", app.id).0,
                             "targetUrl": format!("http://{addr}/hook"), "query": query}}),
        )
        .await;
    assert_eq!(data(&body)["webhookCreate"]["errors"], json!([]), "{body}");
    assert_eq!(
        data(&body)["webhookCreate"]["webhook"]["asyncEvents"],
        json!([{"eventType": "ACCOUNT_CONFIRMATION_REQUESTED"}])
    );
    let body = server
        .gql(
            "mutation($input: AccountRegisterInput!) { accountRegister(input: $input) { requiresConfirmation errors { message } } }",
            json!({"input": {"email": "mailme@example.com", "password": "S3cure-passw0rd!",
                             "redirectUrl": "https://shop.example/confirm", "channel": "default-channel"}}),
        )
        .await;
    assert_eq!(
        data(&body)["accountRegister"]["requiresConfirmation"],
        true,
        "{body}"
    );

    let requests = wait_for(&receiver, 1).await;
    assert_eq!(requests.len(), 1);
    let payload: Value = serde_json::from_slice(&requests[0].1).unwrap();
    assert_eq!(payload["redirectUrl"], "https://shop.example/confirm");
    assert_eq!(
        payload["user"],
        json!({"email": "mailme@example.com", "isConfirmed": false})
    );
    assert_eq!(payload["channel"]["slug"], "default-channel");
    assert!(payload["shop"]["name"].is_string(), "{payload}");
    let confirm = payload["token"].as_str().expect("the token").to_owned();
    let body = server
        .gql(
            "mutation($e: String!, $t: String!) { confirmAccount(email: $e, token: $t) { user { isConfirmed } errors { message } } }",
            json!({"e": "mailme@example.com", "t": confirm}),
        )
        .await;
    assert_eq!(
        data(&body)["confirmAccount"]["user"]["isConfirmed"],
        true,
        "{body}"
    );
}

/// A subscription query naming an event without a payload type here is refused when the
/// webhook is saved (every delivery would fail to render), as Saleor refuses a query that
/// does not validate.
#[tokio::test]
async fn queries_on_events_without_a_payload_are_refused() {
    let server = server().await;
    let token = server.staff_token().await;
    let app = create_app(&server).await;
    let body = server
        .gql_as(
            &token,
            "mutation($input: WebhookCreateInput!) { webhookCreate(input: $input) { errors { field code message } webhook { id } } }",
            json!({"input": {"name": "x", "app": app, "targetUrl": "https://hooks.example.com/x",
                             "query": "subscription { event { ... on GiftCardCreated { issuedAt } } }"}}),
        )
        .await;
    let result = &data(&body)["webhookCreate"];
    assert_eq!(result["webhook"], Value::Null, "{body}");
    assert_eq!(result["errors"][0]["field"], "query");
    assert_eq!(result["errors"][0]["code"], "GRAPHQL_ERROR");
    assert!(
        result["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("GIFT_CARD_CREATED"),
        "{body}"
    );
}
