//! Crash safety of webhooks: a server process killed with SIGKILL while a webhook for a
//! committed event is in flight loses nothing — after a restart on the same database the
//! delivery is sent again and completes.
#![allow(clippy::unwrap_used)]

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use crate::common::process::{Server, spawn};
use axum::{Router, body::Bytes, extract::State, http::StatusCode, routing::post};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

const SECRET_KEY: &str = "crash-test-master-key-0123456789abcdefgh";
const PASSWORD: &str = "crash-Test-password-42";

/// A receiver whose first request never gets an answer (the sender dies meanwhile).
#[derive(Default)]
struct Receiver {
    bodies: Mutex<Vec<Bytes>>,
}

async fn receive(State(r): State<Arc<Receiver>>, body: Bytes) -> StatusCode {
    let first = {
        let mut bodies = r.bodies.lock().unwrap();
        bodies.push(body);
        bodies.len() == 1
    };
    if first {
        std::future::pending::<()>().await;
    }
    StatusCode::OK
}

async fn gql(
    client: &reqwest::Client,
    server: &Server,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = client
        .post(format!("http://127.0.0.1:{}/graphql/", server.port))
        .json(&json!({"query": query, "variables": variables}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let body: Value = request.send().await.unwrap().json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

async fn wait_for_bodies(receiver: &Receiver, count: usize) -> Vec<Bytes> {
    for _ in 0..600 {
        if receiver.bodies.lock().unwrap().len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    receiver.bodies.lock().unwrap().clone()
}

#[tokio::test]
async fn a_killed_process_loses_no_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let pg = match std::env::var("BIZGRAPH_TEST_DATABASE_URL") {
        Ok(base) if !base.is_empty() => {
            let (url, name) = crate::common::create_pg_database(&base).await;
            Some((base, name, url))
        }
        _ => None,
    };
    let database_url = pg.as_ref().map_or_else(
        || {
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("crash.db").display()
            )
        },
        |(_, _, url)| url.clone(),
    );
    let env = [
        ("DATABASE_URL", database_url.as_str()),
        ("BIZGRAPH_SECRET_KEY", SECRET_KEY),
        // Both processes are instances of one deployment: one token issuer.
        ("BIZGRAPH_PUBLIC_URL", "http://bizgraph.test"),
        ("BIZGRAPH_ADMIN_EMAIL", "admin@example.com"),
        ("BIZGRAPH_ADMIN_PASSWORD", PASSWORD),
        ("BIZGRAPH_WEBHOOK_ALLOW_PRIVATE_TARGETS", "true"),
        ("BIZGRAPH_WEBHOOK_TIMEOUT_MS", "60000"),
    ];
    let receiver = Arc::new(Receiver::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(receiver.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let client = reqwest::Client::new();
    let mut first = spawn(dir.path(), &env);
    first.wait_ready(&client).await;
    let login = gql(
        &client,
        &first,
        None,
        "mutation($e: String!, $p: String!) { tokenCreate(email: $e, password: $p) { token } }",
        json!({"e": "admin@example.com", "p": PASSWORD}),
    )
    .await;
    let token = login["tokenCreate"]["token"].as_str().unwrap().to_owned();
    let created = gql(
        &client,
        &first,
        Some(&token),
        "mutation { appCreate(input: {name: \"crash\", permissions: [MANAGE_CHANNELS]}) { app { id } errors { message } } }",
        json!({}),
    )
    .await;
    let app_id = created["appCreate"]["app"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let hook = gql(
        &client,
        &first,
        Some(&token),
        "mutation($input: WebhookCreateInput!) { webhookCreate(input: $input) { errors { message } webhook { id } } }",
        json!({"input": {"name": "crash", "app": app_id, "targetUrl": target,
            "query": "subscription { event { ... on ChannelMetadataUpdated { channel { slug metadata { key value } } } } }"}}),
    )
    .await;
    assert_eq!(hook["webhookCreate"]["errors"], json!([]));
    let channel = gql(
        &client,
        &first,
        None,
        r#"{ channel(slug: "default-channel") { id } }"#,
        json!({}),
    )
    .await;
    let updated = gql(
        &client,
        &first,
        Some(&token),
        "mutation($id: ID!) { updateMetadata(id: $id, input: [{key: \"k\", value: \"committed\"}]) { errors { code } } }",
        json!({"id": channel["channel"]["id"]}),
    )
    .await;
    assert_eq!(updated["updateMetadata"]["errors"], json!([]));

    // The delivery is in flight (the receiver holds it): kill the process outright.
    let seen = wait_for_bodies(&receiver, 1).await;
    assert_eq!(seen.len(), 1, "the webhook was never sent");
    first.child.kill().unwrap();
    first.child.wait().unwrap();

    // Time passes: the dead worker's lease on the delivery (120 s) runs out.
    let db = Database::connect(database_url.as_str()).await.unwrap();
    db.execute_unprepared("UPDATE event_delivery SET locked_until = NULL")
        .await
        .unwrap();
    let status: Vec<(String, i32)> = delivery_rows(&db).await;
    assert_eq!(
        status,
        vec![("PENDING".to_owned(), 0)],
        "nothing was recorded as sent"
    );

    let second = spawn(dir.path(), &env);
    second.wait_ready(&client).await;
    let seen = wait_for_bodies(&receiver, 2).await;
    assert_eq!(
        seen.len(),
        2,
        "the delivery was not resumed after the restart"
    );
    assert_eq!(seen[0], seen[1], "the same payload is sent again");
    let payload: Value = serde_json::from_slice(&seen[1]).unwrap();
    assert_eq!(
        payload["channel"]["metadata"],
        json!([{"key": "k", "value": "committed"}])
    );
    let mut rows = delivery_rows(&db).await;
    for _ in 0..100 {
        if rows.first().is_some_and(|(s, _)| s == "SUCCESS") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        rows = delivery_rows(&db).await;
    }
    assert_eq!(rows, vec![("SUCCESS".to_owned(), 1)]);
    drop(second);
    drop(db);
    if let Some((base, name, _)) = pg {
        crate::common::drop_pg_database(base, name);
    }
}

/// (status, attempt count) of every delivery.
async fn delivery_rows(db: &sea_orm::DatabaseConnection) -> Vec<(String, i32)> {
    use sea_orm::{EntityTrait, QueryOrder};
    entities::event_delivery::Entity::find()
        .order_by_asc(entities::event_delivery::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.status, d.attempt_count))
        .collect()
}
