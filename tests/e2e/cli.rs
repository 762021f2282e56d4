//! The `bizgraph` binary: start-up on an empty database, the generated admin password,
//! graceful shutdown on SIGTERM with a request in flight, `export-schema`, what start-up
//! refuses (PostgreSQL without a secret key or a public URL, bulk data without the demo) and
//! Redis over TLS.
#![allow(clippy::unwrap_used)]

use std::{process::Command, time::Duration};

use crate::common::process::{sigterm, spawn};

use serde_json::{Value, json};

#[tokio::test]
async fn first_start_prints_a_generated_password_once_and_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();

    // Generous request timeout: the 3000-operation batch below must not time out on a busy machine.
    let mut server = spawn(
        dir.path(),
        &[
            ("BIZGRAPH_REQUEST_TIMEOUT_MS", "300000"),
            ("BIZGRAPH_MAX_BATCH_OPERATIONS", "3000"),
        ],
    );
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
    assert!(output.contains("shut down cleanly"), "{output}");
    assert!(dir.path().join("bizgraph.db").exists());
    assert!(dir.path().join("bizgraph.db.key").exists());
    // Its output is not a terminal: the generated password is in a file only its owner can
    // read, and the log says where, never the password itself.
    let file = dir.path().join("bizgraph.db.admin-password");
    assert!(output.contains(&file.display().to_string()), "{output}");
    let text = std::fs::read_to_string(&file).unwrap();
    let password = text
        .lines()
        .find_map(|l| l.strip_prefix("Generated password: "))
        .unwrap()
        .to_owned();
    assert!(!output.contains(&password), "{output}");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Second start on the same database: nothing generated; the password from the file
    // signs in.
    let server = spawn(dir.path(), &[]);
    server.wait_ready(&client).await;
    let output = server.output().join("\n");
    assert!(!output.contains("password was written"), "{output}");
    let body: Value = client
        .post(format!("http://127.0.0.1:{}/graphql/", server.port))
        .json(&json!({"query": "mutation($p: String!) { tokenCreate(email: \"admin@example.com\", password: $p) { token errors { code } } }", "variables": {"p": password}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body["data"]["tokenCreate"]["token"].is_string(), "{body}");
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

    // Several instances share a PostgreSQL database: each must issue the same token issuer,
    // so the public URL can't be derived from each one's bind address.
    let out = Command::new(env!("CARGO_BIN_EXE_bizgraph"))
        .current_dir(dir.path())
        .env_clear()
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")
        .env(
            "BIZGRAPH_SECRET_KEY",
            "a-secret-key-0123456789abcdefghijklmnop",
        )
        .arg("serve")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        stderr.contains("BIZGRAPH_PUBLIC_URL must be set with PostgreSQL"),
        "{stderr}"
    );
}

#[test]
fn bulk_generation_needs_the_demo_flag() {
    let dir = tempfile::tempdir().unwrap();
    let seed = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_bizgraph"))
            .current_dir(dir.path())
            .env_clear()
            .env("BIZGRAPH_ADMIN_PASSWORD", "a-chosen-password-123")
            .arg("seed")
            .args(args)
            .output()
            .unwrap()
    };
    let out = seed(&["--products", "3"]);
    assert!(!out.status.success());
    assert!(
        all_output(&out).contains("add --demo"),
        "{}",
        all_output(&out)
    );
    let out = seed(&["--demo", "--products", "3"]);
    let log = all_output(&out);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("loaded the demo catalog"), "{log}");
    assert!(log.contains("generated products"), "{log}");
}

/// A command's stderr and stdout (the log goes to stdout, the password notice to stderr).
fn all_output(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout)
}

/// A Redis server speaking only TLS, with a certificate from a CA made for the test
/// (`openssl`), on a free port; killed on drop.
struct TlsRedis {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
    /// The CA that signed the server's certificate.
    ca: std::path::PathBuf,
}

impl TlsRedis {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name).display().to_string();
        let (ca, cert, key) = (path("ca.pem"), path("cert.pem"), path("key.pem"));
        std::fs::write(
            path("server.ext"),
            "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n",
        )
        .unwrap();
        // A private CA, and a server certificate for `localhost` signed by it.
        let steps: [&[&str]; 3] = [
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=bizgraph test CA",
                "-keyout",
                &path("ca.key"),
                "-out",
                &ca,
            ],
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=localhost",
                "-keyout",
                &key,
                "-out",
                &path("server.csr"),
            ],
            &[
                "x509",
                "-req",
                "-in",
                &path("server.csr"),
                "-CA",
                &ca,
                "-CAkey",
                &path("ca.key"),
                "-CAcreateserial",
                "-days",
                "1",
                "-extfile",
                &path("server.ext"),
                "-out",
                &cert,
            ],
        ];
        for args in steps {
            let made = Command::new("openssl")
                .args(args)
                .output()
                .expect("openssl");
            assert!(made.status.success(), "{made:?}");
        }
        let port = crate::common::process::free_port();
        let child = Command::new("redis-server")
            .args(["--port", "0", "--save", "", "--tls-auth-clients", "no"])
            .args(["--tls-port", &port.to_string()])
            .args(["--tls-cert-file", &cert, "--tls-key-file", &key])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            port,
            _dir: dir,
            ca: ca.into(),
        }
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn redis_over_tls_with_a_verified_certificate() {
    let redis = TlsRedis::start();
    let url = format!("rediss://localhost:{}", redis.port);
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();

    // The certificate is not trusted by the system: start-up fails, saying why.
    let out = Command::new(env!("CARGO_BIN_EXE_bizgraph"))
        .current_dir(dir.path())
        .env_clear()
        .env("REDIS_URL", &url)
        .env("SSL_CERT_FILE", "/nonexistent")
        .env("BIZGRAPH_ADMIN_PASSWORD", "a-chosen-password-123")
        .arg("serve")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(all_output(&out).contains("Redis"), "{}", all_output(&out));

    // Trusted through SSL_CERT_FILE (a private CA): the instance is ready with Redis.
    let cert = redis.ca.display().to_string();
    let server = spawn(
        dir.path(),
        &[
            ("REDIS_URL", url.as_str()),
            ("SSL_CERT_FILE", cert.as_str()),
            ("BIZGRAPH_ADMIN_PASSWORD", "a-chosen-password-123"),
        ],
    );
    server.wait_ready(&client).await;
    let ready: Value = client
        .get(format!("http://127.0.0.1:{}/health/ready", server.port))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["redis"], "ok", "{ready}");
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
