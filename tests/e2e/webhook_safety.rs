//! Webhooks as an attacker would use them: a host that resolves to a public address when
//! the webhook is saved and to loopback when it is delivered (DNS rebinding), special-purpose
//! IPv6 and IPv4 forms of internal addresses, a target streaming an endless body, and a
//! staff user with only MANAGE_APPS acting through the webhooks of an app holding more.
#![allow(clippy::unwrap_used)]

use std::{
    net::{IpAddr, SocketAddr},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{
    common::{TestServer, data, error_code},
    webhooks::{QUERY, create_app, start_receiver, touch_channel, wait_for},
};

/// The test's DNS: `*.rebind.test` answers a public address until `rebound`, then
/// loopback; other names are answered from `fixed`.
struct TestDns {
    rebound: AtomicBool,
    fixed: Vec<(&'static str, IpAddr)>,
}

const PUBLIC: &str = "93.184.216.34";

impl Resolve for TestDns {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let answer: Option<IpAddr> = if host.ends_with(".rebind.test") {
            Some(if self.rebound.load(Ordering::SeqCst) {
                "127.0.0.1".parse().unwrap()
            } else {
                PUBLIC.parse().unwrap()
            })
        } else {
            self.fixed
                .iter()
                .find(|(name, _)| *name == host)
                .map(|(_, ip)| *ip)
        };
        Box::pin(async move {
            let ip = answer.ok_or_else(|| format!("no such host: {host}"))?;
            Ok(Box::new(std::iter::once(SocketAddr::new(ip, 0))) as Addrs)
        })
    }
}

fn dns(fixed: Vec<(&'static str, &str)>) -> Arc<TestDns> {
    Arc::new(TestDns {
        rebound: AtomicBool::new(false),
        fixed: fixed
            .into_iter()
            .map(|(n, ip)| (n, ip.parse().unwrap()))
            .collect(),
    })
}

async fn server_with_dns(dns: Arc<TestDns>, allow_private: bool) -> TestServer {
    TestServer::start_with_overrides(
        |c| {
            c.webhook_allow_private_targets = allow_private;
            c.webhook_backoff_base_ms = 50;
            c.webhook_max_attempts = 3;
        },
        bizgraph::Overrides {
            resolver: Some(dns),
        },
    )
    .await
}

const CREATE: &str = "mutation($input: WebhookCreateInput!) { webhookCreate(input: $input) { errors { field code message } webhook { id targetUrl } } }";

async fn create(server: &TestServer, token: &str, app: &str, url: &str) -> Value {
    let body = server
        .gql_as(
            token,
            CREATE,
            json!({"input": {"name": "t", "app": app, "targetUrl": url, "query": QUERY}}),
        )
        .await;
    data(&body)["webhookCreate"].clone()
}

/// The webhook's single delivery once it is no longer pending: status and attempts.
async fn settled_delivery(server: &TestServer, token: &str, hook: &str) -> Value {
    let q = "query($id: ID!) { webhook(id: $id) { eventDeliveries(first: 5) { edges { node { id status attempts(first: 10) { edges { node { status response responseStatusCode duration } } } } } } } }";
    for _ in 0..400 {
        let body = server.gql_as(token, q, json!({"id": hook})).await;
        let node = &data(&body)["webhook"]["eventDeliveries"]["edges"][0]["node"];
        if node["status"] == "SUCCESS" || node["status"] == "FAILED" {
            return node.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the delivery did not settle");
}

#[tokio::test]
async fn a_host_rebound_to_loopback_is_never_delivered_to() {
    let resolver = dns(vec![]);
    let server = server_with_dns(resolver.clone(), false).await;
    let (receiver_addr, receiver) = start_receiver(vec![]).await;
    let token = server.staff_token().await;
    let app = create_app(&server).await;
    let url = format!("http://hooks.rebind.test:{}/hook", receiver_addr.port());

    // Saved while the name answers a public address.
    let created = create(&server, &token, &app, &url).await;
    assert_eq!(created["errors"], json!([]), "{created}");
    let hook = created["webhook"]["id"].as_str().unwrap().to_owned();

    // The name now answers loopback, where a receiver listens.
    resolver.rebound.store(true, Ordering::SeqCst);
    touch_channel(&server, &token, "v1").await;
    let delivery = settled_delivery(&server, &token, &hook).await;
    assert_eq!(delivery["status"], "FAILED", "{delivery}");
    let attempts = delivery["attempts"]["edges"].as_array().unwrap();
    assert_eq!(
        attempts.len(),
        1,
        "refused at once, not retried: {delivery}"
    );
    let response = attempts[0]["node"]["response"].as_str().unwrap();
    assert!(
        response.contains("hooks.rebind.test")
            && response.contains("127.0.0.1")
            && response.contains("private"),
        "a clear message: {response}"
    );
    assert_eq!(attempts[0]["node"]["responseStatusCode"], Value::Null);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        receiver.requests.lock().unwrap().len(),
        0,
        "nothing reached loopback"
    );

    // Control: with private targets allowed (development), the same resolver leads the
    // delivery to the receiver, so the refusal above is the address rule at work.
    let resolver = dns(vec![]);
    let dev = server_with_dns(resolver.clone(), true).await;
    let token = dev.staff_token().await;
    let app = create_app(&dev).await;
    resolver.rebound.store(true, Ordering::SeqCst);
    let created = create(&dev, &token, &app, &url).await;
    assert_eq!(created["errors"], json!([]), "{created}");
    touch_channel(&dev, &token, "v1").await;
    assert_eq!(wait_for(&receiver, 1).await.len(), 1);
}

#[tokio::test]
async fn internal_addresses_in_every_form_are_refused_as_targets() {
    let resolver = dns(vec![
        ("private.test", "10.1.2.3"),
        ("mapped.test", "::ffff:127.0.0.1"),
        ("nat64.test", "64:ff9b::a9fe:a9fe"),
        ("public.test", PUBLIC),
    ]);
    let server = server_with_dns(resolver, false).await;
    let token = server.staff_token().await;
    let app = create_app(&server).await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://127.1/hook",
        "http://0x7f000001/hook",
        "http://[::1]/hook",
        "http://[::127.0.0.1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[64:ff9b::7f00:1]/hook",
        "http://[2002:7f00:1::1]/hook",
        "http://[fd00::1]/hook",
        "http://[fe80::1]/hook",
        "http://192.0.0.170/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://100.64.0.1/hook",
        "http://private.test/hook",
        "http://mapped.test/hook",
        "http://nat64.test/hook",
    ] {
        let result = create(&server, &token, &app, url).await;
        assert_eq!(result["errors"][0]["field"], "targetUrl", "{url}: {result}");
        assert_eq!(result["errors"][0]["code"], "INVALID", "{url}");
        assert_eq!(result["webhook"], Value::Null, "{url}");
    }
    let result = create(&server, &token, &app, "http://unknown.test/hook").await;
    assert_eq!(result["errors"][0]["code"], "INVALID", "{result}");

    // A saved webhook cannot be re-pointed at one either.
    let created = create(&server, &token, &app, "https://public.test/hook").await;
    assert_eq!(created["errors"], json!([]), "{created}");
    let hook = created["webhook"]["id"].as_str().unwrap();
    let body = server
        .gql_as(
            &token,
            "mutation($id: ID!, $url: String!) { webhookUpdate(id: $id, input: {targetUrl: $url}) { errors { field code } webhook { targetUrl } } }",
            json!({"id": hook, "url": "http://[::ffff:a9fe:a9fe]/"}),
        )
        .await;
    assert_eq!(
        data(&body)["webhookUpdate"]["errors"],
        json!([{"field": "targetUrl", "code": "INVALID"}])
    );
}

/// A raw HTTP target answering 200 with a body of `total` bytes, written as fast as the
/// client reads it; counts what it managed to write and when its writing ended.
struct EndlessTarget {
    written: AtomicU64,
    done: AtomicBool,
}

async fn start_endless_target(total: u64) -> (SocketAddr, Arc<EndlessTarget>) {
    let target = Arc::new(EndlessTarget {
        written: AtomicU64::new(0),
        done: AtomicBool::new(false),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shared = target.clone();
    tokio::spawn(async move {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        // Read the request head and body (the payload is small).
        let mut request = Vec::new();
        let mut buf = [0u8; 8192];
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let Ok(n) = socket.read(&mut buf).await else {
                break;
            };
            request.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
            if let Some(end) = text.find("\r\n\r\n") {
                let length: usize = text
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if request.len() >= end + 4 + length {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {total}\r\n\r\n"
        );
        if socket.write_all(head.as_bytes()).await.is_ok() {
            let chunk = vec![b'x'; 64 * 1024];
            let deadline = Instant::now() + Duration::from_secs(60);
            while shared.written.load(Ordering::SeqCst) < total && Instant::now() < deadline {
                if socket.write_all(&chunk).await.is_err() {
                    break;
                }
                shared
                    .written
                    .fetch_add(chunk.len() as u64, Ordering::SeqCst);
            }
        }
        shared.done.store(true, Ordering::SeqCst);
    });
    (addr, target)
}

#[tokio::test]
async fn an_endless_response_body_is_not_read_whole() {
    const TOTAL: u64 = 3 << 30; // 3 GiB announced and offered
    let server = TestServer::start_with(|c| {
        c.webhook_allow_private_targets = true;
        c.webhook_timeout_ms = 30_000;
        c.webhook_max_attempts = 1;
    })
    .await;
    let limit = server.state.config.outbound_max_response_bytes;
    let (addr, target) = start_endless_target(TOTAL).await;
    let token = server.staff_token().await;
    let app = create_app(&server).await;
    let created = create(&server, &token, &app, &format!("http://{addr}/hook")).await;
    assert_eq!(created["errors"], json!([]), "{created}");
    let hook = created["webhook"]["id"].as_str().unwrap().to_owned();

    let started = Instant::now();
    touch_channel(&server, &token, "v1").await;
    let delivery = settled_delivery(&server, &token, &hook).await;
    let elapsed = started.elapsed();
    assert_eq!(delivery["status"], "SUCCESS", "{delivery}");
    let attempt = &delivery["attempts"]["edges"][0]["node"];
    assert_eq!(attempt["responseStatusCode"], 200);
    // The stored response is the short, truncated head of the body.
    let response = attempt["response"].as_str().unwrap();
    assert!(response.starts_with("xxxx") && response.chars().count() <= 1025);
    assert!(
        attempt["duration"].as_f64().unwrap() < 10.0 && elapsed < Duration::from_secs(15),
        "the attempt ends well within its 30 s timeout: {attempt} after {elapsed:?}"
    );
    // Once the client stops reading and closes, the target's writes fail.
    for _ in 0..200 {
        if target.done.load(Ordering::SeqCst) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        target.done.load(Ordering::SeqCst),
        "the connection was closed"
    );
    let written = target.written.load(Ordering::SeqCst);
    // At most the limit was read; the rest of what the target wrote sat in socket buffers.
    assert!(
        written < 64 << 20,
        "the target wrote {written} bytes of {TOTAL} (limit {limit})"
    );
    eprintln!(
        "endless target: {written} bytes written before the close; limit {limit}; attempt {attempt}"
    );
}

/// A staff user holding only the given permissions (through a new group); returns its token.
async fn staff_with(server: &TestServer, admin: &str, email: &str, perms: &[&str]) -> String {
    let body = server
        .gql_as(
            admin,
            "mutation($input: PermissionGroupCreateInput!) { permissionGroupCreate(input: $input) { group { id } errors { code } } }",
            json!({"input": {"name": format!("group of {email}"), "addPermissions": perms}}),
        )
        .await;
    let group = data(&body)["permissionGroupCreate"]["group"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let body = server
        .gql_as(
            admin,
            "mutation($input: StaffCreateInput!) { staffCreate(input: $input) { errors { code } } }",
            json!({"input": {"email": email, "addGroups": [group], "redirectUrl": "https://dashboard.example.com/set-password"}}),
        )
        .await;
    assert_eq!(data(&body)["staffCreate"]["errors"], json!([]), "{body}");
    let event = server
        .last_event("STAFF_SET_PASSWORD_REQUESTED")
        .await
        .unwrap();
    let body = server
        .gql(
            "mutation($e: String!, $t: String!) { setPassword(email: $e, password: \"Apps-Staff-Pass-42x\", token: $t) { token errors { code } } }",
            json!({"e": email, "t": event["token"]}),
        )
        .await;
    data(&body)["setPassword"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

const ORDERS_QUERY: &str = "subscription { event { ... on OrderCreated { order { id userEmail billingAddress { phone } } } } }";

async fn webhook_count(server: &TestServer) -> u64 {
    entities::webhook::Entity::find()
        .count(&server.state.db.conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn manage_apps_alone_cannot_act_through_a_wider_apps_webhooks() {
    let server = TestServer::start_with(|c| c.webhook_allow_private_targets = true).await;
    let admin = server.staff_token().await;
    let (legit, _) = start_receiver(vec![]).await;
    let (evil, evil_receiver) = start_receiver(vec![]).await;
    let (legit, evil) = (
        format!("http://{legit}/hook"),
        format!("http://{evil}/hook"),
    );
    let body = server
        .gql_as(
            &admin,
            "mutation { appCreate(input: {name: \"Fulfilment\", permissions: [MANAGE_ORDERS, MANAGE_USERS]}) { app { id } errors { code } } }",
            json!({}),
        )
        .await;
    let app = data(&body)["appCreate"]["app"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = server
        .gql_as(
            &admin,
            "mutation($input: WebhookCreateInput!) { webhookCreate(input: $input) { errors { code } webhook { id } } }",
            json!({"input": {"app": app, "targetUrl": legit, "query": ORDERS_QUERY}}),
        )
        .await;
    let hook = data(&body)["webhookCreate"]["webhook"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let attacker = staff_with(&server, &admin, "apps@example.com", &["MANAGE_APPS"]).await;

    // What the attacker is refused today, directly.
    let body = server
        .gql_as(&attacker, "{ orders(first: 1) { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
    let body = server
        .gql_as(
            &attacker,
            "mutation($id: ID!) { appTokenCreate(input: {app: $id}) { authToken errors { code } } }",
            json!({"id": app}),
        )
        .await;
    assert_eq!(
        data(&body)["appTokenCreate"]["errors"][0]["code"],
        "OUT_OF_SCOPE_APP"
    );

    // And through the app's webhooks: create, re-point, delete, retry, all refused.
    let before = webhook_count(&server).await;
    let body = server
        .gql_as(
            &attacker,
            "mutation($input: WebhookCreateInput!) { webhookCreate(input: $input) { errors { code } webhook { id } } }",
            json!({"input": {"app": app, "targetUrl": evil, "query": ORDERS_QUERY}}),
        )
        .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("MANAGE_ORDERS") && message.contains("MANAGE_USERS"),
        "{message}"
    );
    assert_eq!(body["data"]["webhookCreate"], Value::Null);
    assert_eq!(webhook_count(&server).await, before, "nothing created");

    let update = "mutation($id: ID!, $url: String!) { webhookUpdate(id: $id, input: {targetUrl: $url, isActive: true}) { errors { code } webhook { targetUrl } } }";
    let body = server
        .gql_as(&attacker, update, json!({"id": hook, "url": evil}))
        .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED", "{body}");
    let delete = "mutation($id: ID!) { webhookDelete(id: $id) { errors { code } webhook { id } } }";
    let body = server.gql_as(&attacker, delete, json!({"id": hook})).await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED", "{body}");
    let stored = entities::webhook::Entity::find_by_id(
        bizgraph::core::id::decode::<i32>(&hook, "Webhook").unwrap(),
    )
    .one(&server.state.db.conn)
    .await
    .unwrap()
    .expect("the webhook still exists");
    assert_eq!(stored.target_url, legit, "not re-pointed");

    let delivery = entities::event_delivery::ActiveModel {
        webhook_id: Set(stored.id),
        event_id: Set(-1),
        event_type: Set("ORDER_CREATED".into()),
        status: Set("FAILED".into()),
        payload: Set(Some("{}".into())),
        attempt_count: Set(5),
        next_attempt_at: Set(chrono::Utc::now()),
        locked_until: Set(None),
        created_at: Set(chrono::Utc::now()),
        updated_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&server.state.db.conn)
    .await
    .unwrap();
    let delivery_id = bizgraph::core::id::encode("EventDelivery", delivery.id);
    let body = server
        .gql_as(
            &attacker,
            "mutation($id: ID!) { eventDeliveryRetry(id: $id) { errors { code } delivery { status } } }",
            json!({"id": delivery_id}),
        )
        .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED", "{body}");
    let after = entities::event_delivery::Entity::find_by_id(delivery.id)
        .one(&server.state.db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.status, "FAILED", "not retried");
    // Payloads were rendered with the app's permissions: the attacker doesn't see them.
    let payloads = "query($id: ID!) { webhook(id: $id) { eventDeliveries(first: 1) { edges { node { payload } } } } }";
    let body = server
        .gql_as(&attacker, payloads, json!({"id": hook}))
        .await;
    assert_eq!(
        data(&body)["webhook"]["eventDeliveries"]["edges"][0]["node"]["payload"],
        Value::Null,
        "{body}"
    );
    let body = server.gql_as(&admin, payloads, json!({"id": hook})).await;
    assert_eq!(
        data(&body)["webhook"]["eventDeliveries"]["edges"][0]["node"]["payload"],
        "{}"
    );

    // The same staff user, once it holds the app's permissions too, may do all of it.
    let body = server
        .gql_as(
            &admin,
            "mutation($input: PermissionGroupCreateInput!) { permissionGroupCreate(input: $input) { errors { code } } }",
            json!({"input": {"name": "Orders and users", "addPermissions": ["MANAGE_ORDERS", "MANAGE_USERS"], "addUsers": [staff_id(&server, &admin, "apps@example.com").await]}}),
        )
        .await;
    assert_eq!(
        data(&body)["permissionGroupCreate"]["errors"],
        json!([]),
        "{body}"
    );
    let trusted = server
        .login("apps@example.com", "Apps-Staff-Pass-42x")
        .await;
    let body = server
        .gql_as(
            &trusted,
            "mutation($input: WebhookCreateInput!) { webhookCreate(input: $input) { errors { code } webhook { id } } }",
            json!({"input": {"app": app, "targetUrl": evil, "query": ORDERS_QUERY}}),
        )
        .await;
    assert_eq!(data(&body)["webhookCreate"]["errors"], json!([]), "{body}");
    let body = server
        .gql_as(&trusted, update, json!({"id": hook, "url": evil}))
        .await;
    assert_eq!(
        data(&body)["webhookUpdate"]["webhook"]["targetUrl"],
        evil.as_str(),
        "{body}"
    );
    let body = server.gql_as(&trusted, delete, json!({"id": hook})).await;
    assert_eq!(data(&body)["webhookDelete"]["errors"], json!([]), "{body}");
    assert_eq!(evil_receiver.requests.lock().unwrap().len(), 0);
}

async fn staff_id(server: &TestServer, admin: &str, email: &str) -> String {
    let body = server
        .gql_as(
            admin,
            "query($e: String!) { staffUsers(first: 1, filter: {search: $e}) { edges { node { id } } } }",
            json!({"e": email}),
        )
        .await;
    data(&body)["staffUsers"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}
