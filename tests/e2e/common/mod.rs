//! End-to-end test harness: boots the real router on a fresh database and talks real HTTP
//! and WebSocket to it.
//!
//! - Default: a temporary SQLite file per test.
//! - `BIZGRAPH_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test`: a fresh
//!   PostgreSQL database per test (created on that server, dropped afterwards).
//! - `BIZGRAPH_TEST_REDIS_URL=redis://127.0.0.1:6379`: the server is configured with Redis.
#![allow(dead_code, clippy::unwrap_used)]

pub mod process;

use std::net::SocketAddr;

use bizgraph::{config::Config, state::AppState};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// Password of the first staff user in every test server.
pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin-Password-for-tests-1";
/// Password of customers created by [`TestServer::customer_token`].
pub const CUSTOMER_PASSWORD: &str = "Customer-Pass-42";

/// A running server on a fresh database.
pub struct TestServer {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub state: AppState,
    /// The database this server uses (share it with [`TestServer::start_sharing`]).
    pub database_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    _dir: Option<tempfile::TempDir>,
    pg_database: Option<(String, String)>,
}

impl TestServer {
    /// Starts a server with the default test configuration.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts a second server (another "instance") on the same database as `other`.
    /// Like any instance of one deployment, it has the same public URL (token issuer).
    pub async fn start_sharing(other: &TestServer) -> Self {
        let url = other.database_url.clone();
        let public_url = other.state.config.public_url.clone();
        Self::start_with(move |c| {
            c.database_url = Some(url);
            c.public_url = public_url;
        })
        .await
    }

    /// Starts a server after letting `configure` adjust the configuration.
    pub async fn start_with(configure: impl FnOnce(&mut Config)) -> Self {
        Self::start_with_overrides(configure, bizgraph::Overrides::default()).await
    }

    /// [`Self::start_with`], with some parts of the application replaced (e.g. the DNS
    /// resolver of outbound requests).
    pub async fn start_with_overrides(
        configure: impl FnOnce(&mut Config),
        overrides: bizgraph::Overrides,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut config = Config::defaults();
        config.bind = addr;
        config.public_url = Some(format!("http://{addr}"));
        config.admin_email = Some(ADMIN_EMAIL.into());
        config.admin_password = Some(ADMIN_PASSWORD.into());
        config.secret_key = Some("test-master-key-0123456789abcdefghijklmnop".into());
        config.db_max_connections = 8;
        // Most suites drive the demo store; `deploy::` starts without it.
        config.demo = true;
        config.redis_url = std::env::var("BIZGRAPH_TEST_REDIS_URL").ok();
        // Every test client is 127.0.0.1, and some suites fire hundreds of concurrent
        // requests on purpose (overselling races); `hardening::` tests set the limit.
        config.max_concurrent_requests_per_ip = 0;
        let mut dir = None;
        let mut pg_database = None;
        match std::env::var("BIZGRAPH_TEST_DATABASE_URL") {
            Ok(base) if !base.is_empty() => {
                let (url, name) = create_pg_database(&base).await;
                config.database_url = Some(url);
                pg_database = Some((base, name));
            }
            _ => {
                let tmp = tempfile::tempdir().unwrap();
                config.database_url = Some(format!(
                    "sqlite://{}?mode=rwc",
                    tmp.path().join("test.db").display()
                ));
                dir = Some(tmp);
            }
        }
        configure(&mut config);
        let database_url = config.database_url();
        if pg_database
            .as_ref()
            .is_some_and(|(_, name)| !database_url.ends_with(name.as_str()))
        {
            // The configuration points elsewhere (a shared database): not ours to drop.
            let (base, name) = pg_database.take().unwrap();
            drop_pg_database(base, name);
        }
        let app = bizgraph::build_app_with(config, overrides).await.unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let router = app.router;
        let config = app.state.config.clone();
        tokio::spawn(async move {
            bizgraph::http::serve(listener, router, &config, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Self {
            addr,
            client: reqwest::Client::new(),
            state: app.state,
            database_url,
            shutdown: Some(tx),
            _dir: dir,
            pg_database,
        }
    }

    /// `http://127.0.0.1:port/graphql/`
    pub fn graphql_url(&self) -> String {
        format!("http://{}/graphql/", self.addr)
    }

    /// `ws://127.0.0.1:port/graphql/`
    pub fn ws_url(&self) -> String {
        format!("ws://{}/graphql/", self.addr)
    }

    /// `http://127.0.0.1:port{path}`
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// POSTs a query anonymously and returns the JSON body.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_with(None, query, variables).await
    }

    /// POSTs a query with a bearer token and returns the JSON body.
    pub async fn gql_as(&self, token: &str, query: &str, variables: Value) -> Value {
        self.gql_with(Some(token), query, variables).await
    }

    async fn gql_with(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self
            .client
            .post(self.graphql_url())
            .json(&json!({"query": query, "variables": variables}));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let resp = req.send().await.unwrap();
        resp.json().await.unwrap()
    }

    /// An access token for the first staff user (every permission), via `tokenCreate`.
    pub async fn staff_token(&self) -> String {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// Registers (and confirms) a customer with `email` and [`CUSTOMER_PASSWORD`], then
    /// returns an access token for it.
    pub async fn customer_token(&self, email: &str) -> String {
        self.register_customer(email, CUSTOMER_PASSWORD).await;
        self.login(email, CUSTOMER_PASSWORD).await
    }

    /// Registers and confirms a customer (confirmation token read from the outbox).
    pub async fn register_customer(&self, email: &str, password: &str) {
        let body = self
            .gql(
                "mutation($input: AccountRegisterInput!) { accountRegister(input: $input) { errors { field code message } } }",
                json!({"input": {"email": email, "password": password, "redirectUrl": "https://shop.example.com/confirm", "channel": "default-channel"}}),
            )
            .await;
        assert_eq!(
            data(&body)["accountRegister"]["errors"],
            json!([]),
            "{body:#}"
        );
        let event = self
            .last_event("ACCOUNT_CONFIRMATION_REQUESTED")
            .await
            .expect("a confirmation event");
        let token = event["token"].as_str().unwrap().to_owned();
        let body = self
            .gql(
                "mutation($email: String!, $token: String!) { confirmAccount(email: $email, token: $token) { errors { field code message } } }",
                json!({"email": email, "token": token}),
            )
            .await;
        assert_eq!(
            data(&body)["confirmAccount"]["errors"],
            json!([]),
            "{body:#}"
        );
    }

    /// `tokenCreate` for `email`/`password`; panics unless it succeeds.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let body = self
            .gql(
                "mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token errors { field code message } } }",
                json!({"email": email, "password": password}),
            )
            .await;
        data(&body)["tokenCreate"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("tokenCreate failed: {body:#}"))
            .to_owned()
    }

    /// The payload of the newest outbox event of `event_type`.
    pub async fn last_event(&self, event_type: &str) -> Option<Value> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        entities::outbox::Entity::find()
            .filter(entities::outbox::Column::EventType.eq(event_type))
            .order_by_desc(entities::outbox::Column::Id)
            .one(&self.state.db.conn)
            .await
            .unwrap()
            .map(|row| row.payload)
    }

    /// POSTs a GraphQL multipart request (one file bound to `variables.<var>`) with an
    /// optional bearer token and returns the JSON body.
    pub async fn gql_upload(
        &self,
        token: Option<&str>,
        query: &str,
        var: &str,
        filename: &str,
        content: &[u8],
    ) -> Value {
        let boundary = "----bizgraph-test-boundary-7d1f";
        let operations = json!({"query": query, "variables": {var: null}}).to_string();
        let map = json!({"0": [format!("variables.{var}")]}).to_string();
        let mut body = Vec::new();
        for (name, value) in [("operations", operations), ("map", map)] {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut req = self
            .client
            .post(self.graphql_url())
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.unwrap().json().await.unwrap()
    }

    /// Number of SQL statements executed by the server so far.
    pub fn statements(&self) -> u64 {
        self.state.db.statements()
    }

    /// The statements `request` costs, with its last answer. The counter also sees the
    /// server's background work (outbox dispatcher, scheduled jobs), which only ever adds,
    /// so the fewest over three runs is the request's own cost.
    pub async fn statements_of<T, F, Fut>(&self, mut request: F) -> (u64, T)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = T>,
    {
        let mut fewest = u64::MAX;
        let mut last = None;
        for _ in 0..3 {
            let before = self.statements();
            let answer = request().await;
            fewest = fewest.min(self.statements() - before);
            last = Some(answer);
        }
        (fewest, last.expect("three runs"))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = self.state.shutdown.send(true);
        if let Some((base, name)) = self.pg_database.take() {
            drop_pg_database(base, name);
        }
    }
}

/// Drops a per-test database on a separate thread with its own runtime, since Drop cannot
/// await and the test's runtime may be shutting down.
pub fn drop_pg_database(base: String, name: String) {
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            if let Ok(admin) = Database::connect(base.as_str()).await {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await;
            }
        });
    })
    .join();
}

pub async fn create_pg_database(base: &str) -> (String, String) {
    let name = format!("bizgraph_t_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(base)
        .await
        .unwrap_or_else(|e| panic!("BIZGRAPH_TEST_DATABASE_URL is set but unreachable: {e}"));
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    (format!("{prefix}/{name}"), name)
}

/// The `data` of a response, failing the test with the errors if there are any.
/// The `"Type:pk"` text of a Saleor global ID.
pub fn decode_id(id: &str) -> String {
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(id)
        .expect("a base64 global ID");
    String::from_utf8(raw).expect("a UTF-8 global ID")
}

pub fn data(body: &Value) -> &Value {
    assert!(
        body.get("errors")
            .is_none_or(|e| e.as_array().is_some_and(Vec::is_empty)),
        "unexpected errors: {body:#}"
    );
    &body["data"]
}

/// The `extensions.code` of the first top-level error.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {body:#}"))
}

/// A websocket client connection to a test server.
pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a websocket to `/graphql/` with `protocol` and sends `connection_init` with
/// `payload`; returns the socket and the server's first reply.
pub async fn ws_init(server: &TestServer, protocol: &str, payload: Value) -> (Ws, Option<Value>) {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};
    let mut request = server.ws_url().into_client_request().unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", protocol.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    ws.send(tungstenite::Message::text(
        json!({"type": "connection_init", "payload": payload}).to_string(),
    ))
    .await
    .unwrap();
    let reply = ws_next(&mut ws, std::time::Duration::from_secs(10)).await;
    (ws, reply)
}

/// Sends a graphql-transport-ws `subscribe` message.
pub async fn ws_subscribe(ws: &mut Ws, id: &str, query: &str) {
    use futures_util::SinkExt;
    ws.send(tokio_tungstenite::tungstenite::Message::text(
        json!({"id": id, "type": "subscribe", "payload": {"query": query}}).to_string(),
    ))
    .await
    .unwrap();
}

/// The next JSON message (keep-alives skipped), or `None` on timeout or close.
pub async fn ws_next(ws: &mut Ws, timeout: std::time::Duration) -> Option<Value> {
    use futures_util::StreamExt;
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .ok()??
            .ok()?;
        if let tokio_tungstenite::tungstenite::Message::Text(text) = msg {
            let value: Value = serde_json::from_str(&text).ok()?;
            if value["type"] == "ka" || value["type"] == "ping" {
                continue;
            }
            return Some(value);
        }
    }
}
