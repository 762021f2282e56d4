//! The `bizgraph` binary: start-up on an empty database, the generated admin password,
//! graceful shutdown on SIGTERM with a request in flight, and `export-schema`.
#![allow(clippy::unwrap_used)]

use std::{process::Command, time::Duration};

use crate::common::process::{sigterm, spawn};

use serde_json::{Value, json};

#[tokio::test]
async fn first_start_prints_a_generated_password_once_and_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();

    // Generous request timeout: the 3000-operation batch below must not time out on a busy machine.
    let mut server = spawn(dir.path(), &[("BIZGRAPH_REQUEST_TIMEOUT_MS", "300000")]);
    server.wait_ready(&client).await;
    let url = format!("http://127.0.0.1:{}/graphql/", server.port);
    let body: Value = client
        .post(&url)
        .json(&json!({"query": "{ shop { name } channels { slug currencyCode } }"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["channels"].as_array().unwrap().len(), 2);

    // A large batch in flight when SIGTERM arrives still completes.
    let batch: Vec<Value> = (0..3000)
        .map(|_| json!({"query": "{ channels { slug name currencyCode } shop { name } }"}))
        .collect();
    let in_flight = tokio::spawn({
        let client = client.clone();
        let url = url.clone();
        async move { client.post(&url).json(&batch).send().await }
    });
    tokio::time::sleep(Duration::from_millis(30)).await;
    sigterm(&server.child);
    let resp = in_flight.await.unwrap().unwrap();
    assert_eq!(resp.status(), 200);
    let results: Vec<Value> = resp.json().await.unwrap();
    assert_eq!(results.len(), 3000);
    let failed: Vec<&Value> = results.iter().filter(|r| !r["errors"].is_null()).collect();
    assert!(
        failed.is_empty(),
        "{} failed, e.g. {}",
        failed.len(),
        failed[0]
    );
    let status = server.child.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");
    let output = server.output().join("\n");
    assert!(output.contains("Generated password: "), "{output}");
    assert!(output.contains("shut down cleanly"), "{output}");
    assert!(dir.path().join("bizgraph.db").exists());
    assert!(dir.path().join("bizgraph.db.key").exists());

    // Second start on the same database: nothing generated, nothing printed.
    let server = spawn(dir.path(), &[]);
    server.wait_ready(&client).await;
    let output = server.output().join("\n");
    assert!(!output.contains("Generated password"), "{output}");
}

#[tokio::test]
async fn configured_admin_can_be_chosen_and_postgres_requires_a_secret_key() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let server = spawn(
        dir.path(),
        &[
            ("BIZGRAPH_ADMIN_EMAIL", "Boss@Example.com"),
            ("BIZGRAPH_ADMIN_PASSWORD", "a-chosen-password-123"),
        ],
    );
    server.wait_ready(&client).await;
    let output = server.output().join("\n");
    assert!(!output.contains("Generated password"), "{output}");
    assert!(output.contains("boss@example.com"), "{output}");

    let out = Command::new(env!("CARGO_BIN_EXE_bizgraph"))
        .current_dir(dir.path())
        .env_clear()
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")
        .arg("serve")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        stderr.contains("BIZGRAPH_SECRET_KEY must be set"),
        "{stderr}"
    );
}

#[test]
fn export_schema_matches_the_committed_file() {
    let out = Command::new(env!("CARGO_BIN_EXE_bizgraph"))
        .arg("export-schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/schema.graphql"
    ))
    .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), committed);
}

#[tokio::test]
async fn rotate_keys_keeps_old_tokens_valid_and_signs_with_the_new_key() {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let kid = |token: &str| -> String {
        let header = token.split('.').next().unwrap();
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
        header["kid"].as_str().unwrap().to_owned()
    };
    let server = crate::common::TestServer::start().await;
    let old = server.staff_token().await;
    let out = Command::new(env!("CARGO_BIN_EXE_bizgraph"))
        .env_clear()
        .env("DATABASE_URL", &server.database_url)
        .env(
            "BIZGRAPH_SECRET_KEY",
            server.state.config.secret_key.clone().unwrap(),
        )
        .arg("rotate-keys")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A restarted instance signs with the new key and still accepts the old token.
    let restarted = crate::common::TestServer::start_sharing(&server).await;
    let jwks: Value = restarted
        .client
        .get(restarted.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
    let new = restarted.staff_token().await;
    assert_ne!(kid(&new), kid(&old));
    let body = restarted.gql_as(&old, "{ me { email } }", json!({})).await;
    assert_eq!(body["data"]["me"]["email"], crate::common::ADMIN_EMAIL);
    // The running instance learns the new key from the first token signed with it.
    let body = server.gql_as(&new, "{ me { email } }", json!({})).await;
    assert_eq!(body["data"]["me"]["email"], crate::common::ADMIN_EMAIL);
}
