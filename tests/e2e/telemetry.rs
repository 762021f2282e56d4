//! OpenTelemetry traces: the real binary, started with the standard OTel variables pointing
//! at an OTLP/HTTP receiver inside this test process, exports the trace of a checkout —
//! the server span continuing the caller's `traceparent`, the GraphQL operation span, the
//! SQL statement spans beneath it, and the client span of the Stripe call whose context
//! reaches Stripe (a local fake) in `traceparent`. With `OTEL_SDK_DISABLED=true` nothing is
//! exported. A child process because the tracing subscriber is process-wide.
#![allow(clippy::unwrap_used)]

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{Router, body::Bytes, extract::State, http::StatusCode, routing};
use opentelemetry_proto::tonic::{
    collector::trace::v1::ExportTraceServiceRequest,
    common::v1::{AnyValue, any_value},
};
use prost::Message;
use serde_json::{Value, json};

use crate::common::{TestServer, data, process};
use crate::fakes::stripe::{FakeStripe, SECRET_KEY, WEBHOOK_SECRET};
use crate::ops;

const USD: &str = "default-channel";
const STRIPE: &str = "app.saleor.stripe";
const SERVER: i32 = 2;
const CLIENT: i32 = 3;

/// One received span, ids in hex.
#[derive(Clone, Debug)]
struct Received {
    trace_id: String,
    span_id: String,
    parent_id: String,
    name: String,
    kind: i32,
    attributes: HashMap<String, String>,
    service: String,
}

/// An OTLP/HTTP receiver (`POST /v1/traces`, protobuf) on 127.0.0.1.
#[derive(Clone)]
struct Receiver {
    url: String,
    spans: Arc<Mutex<Vec<Received>>>,
}

fn text(value: Option<&AnyValue>) -> String {
    match value.and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        _ => String::new(),
    }
}

async fn receive(State(spans): State<Arc<Mutex<Vec<Received>>>>, body: Bytes) -> StatusCode {
    let Ok(request) = ExportTraceServiceRequest::decode(body) else {
        return StatusCode::BAD_REQUEST;
    };
    let mut out = spans.lock().unwrap();
    for resource_spans in request.resource_spans {
        let service = resource_spans
            .resource
            .iter()
            .flat_map(|r| &r.attributes)
            .find(|kv| kv.key == "service.name")
            .map(|kv| text(kv.value.as_ref()))
            .unwrap_or_default();
        for scope in resource_spans.scope_spans {
            for span in scope.spans {
                out.push(Received {
                    trace_id: hex::encode(&span.trace_id),
                    span_id: hex::encode(&span.span_id),
                    parent_id: hex::encode(&span.parent_span_id),
                    name: span.name.clone(),
                    kind: span.kind,
                    attributes: span
                        .attributes
                        .iter()
                        .map(|kv| (kv.key.clone(), text(kv.value.as_ref())))
                        .collect(),
                    service: service.clone(),
                });
            }
        }
    }
    StatusCode::OK
}

impl Receiver {
    async fn start() -> Self {
        let spans = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .route("/v1/traces", routing::post(receive))
            .with_state(spans.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { url, spans }
    }

    fn trace(&self, trace_id: &str) -> Vec<Received> {
        self.spans
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.trace_id == trace_id)
            .cloned()
            .collect()
    }

    /// The spans of `trace_id` once `done` holds for them (fails after 30 s).
    async fn wait_for(&self, trace_id: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let spans = self.trace(trace_id);
            if done(&spans) {
                return spans;
            }
            assert!(
                Instant::now() < deadline,
                "trace {trace_id} incomplete: {spans:#?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Whether `ancestor` is `span` or above it in `spans`.
fn descends_from(spans: &[Received], span: &Received, ancestor: &Received) -> bool {
    let mut current = span;
    for _ in 0..64 {
        if current.span_id == ancestor.span_id {
            return true;
        }
        match spans.iter().find(|s| s.span_id == current.parent_id) {
            Some(parent) => current = parent,
            None => return false,
        }
    }
    false
}

fn random_hex(bytes: usize) -> String {
    hex::encode(
        (0..bytes)
            .map(|_| rand::random::<u8>() | 1)
            .collect::<Vec<_>>(),
    )
}

/// The real binary on `setup`'s database, with `extra` variables.
fn spawn_on(setup: &TestServer, dir: &std::path::Path, extra: &[(&str, &str)]) -> process::Server {
    let public_url = setup.state.config.public_url.clone().unwrap_or_default();
    let redis = std::env::var("BIZGRAPH_TEST_REDIS_URL").unwrap_or_default();
    let mut env = vec![
        ("DATABASE_URL", setup.database_url.as_str()),
        ("BIZGRAPH_PUBLIC_URL", public_url.as_str()),
        (
            "BIZGRAPH_SECRET_KEY",
            "test-master-key-0123456789abcdefghijklmnop",
        ),
        ("BIZGRAPH_ADMIN_EMAIL", crate::common::ADMIN_EMAIL),
        ("BIZGRAPH_ADMIN_PASSWORD", crate::common::ADMIN_PASSWORD),
    ];
    if !redis.is_empty() {
        env.push(("REDIS_URL", redis.as_str()));
    }
    env.extend_from_slice(extra);
    process::spawn(dir, &env)
}

/// POSTs `query` to the child server, optionally continuing the trace `traceparent`.
async fn post(port: u16, query: &str, variables: Value, traceparent: Option<&str>) -> Value {
    let mut request = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/graphql/"))
        .json(&json!({"query": query, "variables": variables}));
    if let Some(tp) = traceparent {
        request = request.header("traceparent", tp);
    }
    let body: Value = request.send().await.unwrap().json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

/// A guest checkout of one `monospace-tee` in USD with delivery chosen; returns its id.
async fn ready_checkout(port: u16) -> String {
    let q = "query($slug: String!, $channel: String!) { product(slug: $slug, channel: $channel) { variants { id } } }";
    let d = post(
        port,
        q,
        json!({"slug": "monospace-tee", "channel": USD}),
        None,
    )
    .await;
    let variant = d["product"]["variants"][0]["id"].clone();
    let addr = json!({"firstName": "Grace", "lastName": "Hopper", "streetAddress1": "1 Navy Way",
        "city": "Arlington", "postalCode": "22202", "country": "US", "countryArea": "VA"});
    let q = "mutation($input: CheckoutCreateInput!) { checkoutCreate(input: $input) { checkout { id } errors { field code message } } }";
    let d = post(
        port,
        q,
        json!({"input": {"channel": USD, "email": "traced@example.com", "shippingAddress": addr,
            "billingAddress": addr, "lines": [{"variantId": variant, "quantity": 1}]}}),
        None,
    )
    .await;
    assert_eq!(d["checkoutCreate"]["errors"], json!([]), "{d}");
    let id = d["checkoutCreate"]["checkout"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let doc = ops::checkout_document("deliveryOptionsCalculate");
    let d = post(port, &doc, json!({"id": id}), None).await;
    let method = d["deliveryOptionsCalculate"]["deliveries"][0]["shippingMethod"]["id"].clone();
    let doc = ops::checkout_document("checkoutDeliveryMethodUpdate");
    let d = post(
        port,
        &doc,
        json!({"checkoutId": id, "deliveryMethodId": method, "languageCode": "EN"}),
        None,
    )
    .await;
    assert_eq!(d["checkoutDeliveryMethodUpdate"]["errors"], json!([]));
    id
}

/// The USD channel takes Stripe through `fake`, configured on `setup`'s database.
async fn configure_stripe(setup: &TestServer, fake: &FakeStripe) {
    let token = setup.staff_token().await;
    let q = "mutation($channel: String!, $gateway: String!, $active: Boolean, $settings: JSON, $secrets: JSON, $baseUrl: String) {
      paymentGatewayConfigure(channel: $channel, gateway: $gateway, isActive: $active, settings: $settings, secrets: $secrets, baseUrl: $baseUrl) {
        errors { field code message } } }";
    let body = setup
        .gql_as(
            &token,
            q,
            json!({"channel": USD, "gateway": "stripe", "active": true,
                   "settings": {"publishable_key": "pk_test_fake"},
                   "secrets": {"secret_key": SECRET_KEY, "webhook_secret": WEBHOOK_SECRET},
                   "baseUrl": fake.url}),
        )
        .await;
    assert_eq!(data(&body)["paymentGatewayConfigure"]["errors"], json!([]));
}

#[tokio::test]
async fn a_checkout_trace_reaches_the_otlp_receiver_with_its_sql_and_stripe_spans() {
    let receiver = Receiver::start().await;
    let fake = FakeStripe::start().await;
    let setup = TestServer::start().await;
    configure_stripe(&setup, &fake).await;
    let dir = tempfile::tempdir().unwrap();
    let server = spawn_on(
        &setup,
        dir.path(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url.as_str()),
            ("OTEL_SERVICE_NAME", "bizgraph-e2e"),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    );
    let client = reqwest::Client::new();
    server.wait_ready(&client).await;
    let port = server.port;
    let id = ready_checkout(port).await;

    // Pay with Stripe (server-side confirmation), continuing the caller's trace.
    let (pay_trace, pay_parent) = (random_hex(16), random_hex(8));
    let doc = ops::checkout_document("transactionInitialize");
    let d = post(
        port,
        &doc,
        json!({"checkoutId": id, "paymentGateway": {"id": STRIPE, "data": {"paymentMethod": "pm_card_visa"}}}),
        Some(&format!("00-{pay_trace}-{pay_parent}-01")),
    )
    .await;
    let t = &d["transactionInitialize"];
    assert_eq!(t["errors"], json!([]), "{t}");
    assert_eq!(t["transactionEvent"]["type"], "CHARGE_SUCCESS", "{t}");

    // Complete, continuing another trace.
    let (trace, parent) = (random_hex(16), random_hex(8));
    let doc = ops::checkout_document("checkoutComplete");
    let d = post(
        port,
        &doc,
        json!({"checkoutId": id}),
        Some(&format!("00-{trace}-{parent}-01")),
    )
    .await;
    assert_eq!(d["checkoutComplete"]["errors"], json!([]), "{d}");
    assert!(d["checkoutComplete"]["order"]["id"].is_string(), "{d}");

    let is_request = |s: &Received| s.kind == SERVER && s.parent_id == parent;
    let spans = receiver
        .wait_for(&trace, |spans| {
            spans.iter().any(is_request)
                && spans.iter().any(|s| s.attributes.contains_key("db.system"))
        })
        .await;
    // The request span continues the incoming trace, under the caller's span.
    let request = spans.iter().find(|s| is_request(s)).unwrap();
    assert_eq!(request.name, "POST /graphql/");
    assert_eq!(request.attributes["http.request.method"], "POST");
    assert_eq!(request.attributes["http.response.status_code"], "200");
    assert_eq!(request.service, "bizgraph-e2e");
    // The GraphQL operation, beneath it.
    let operation = spans
        .iter()
        .find(|s| {
            s.attributes
                .get("graphql.operation.name")
                .map(String::as_str)
                == Some("checkoutComplete")
        })
        .unwrap_or_else(|| panic!("no operation span: {spans:#?}"));
    assert_eq!(operation.name, "mutation checkoutComplete");
    assert_eq!(operation.attributes["graphql.operation.type"], "mutation");
    assert!(descends_from(&spans, operation, request), "{spans:#?}");
    // Its SQL statements, beneath the operation (parameterised): the order is inserted.
    let sql: Vec<&Received> = spans
        .iter()
        .filter(|s| s.attributes.contains_key("db.system"))
        .collect();
    let backend = if setup.database_url.starts_with("postgres") {
        "postgresql"
    } else {
        "sqlite"
    };
    assert!(sql.len() >= 3, "{sql:#?}");
    for s in &sql {
        assert_eq!(s.attributes["db.system"], backend);
        assert!(descends_from(&spans, s, operation), "{s:#?} in {spans:#?}");
    }
    assert!(
        sql.iter().any(
            |s| s.attributes.get("db.operation").map(String::as_str) == Some("INSERT")
                && s.attributes
                    .get("db.statement")
                    .is_some_and(|q| q.contains("INSERT INTO \"shop_order\"")
                        && !q.contains("traced@example.com"))
        ),
        "{sql:#?}"
    );

    // The Stripe call: a client span under the payment operation, whose context reached
    // Stripe in `traceparent`; every Stripe request pins the API version.
    let is_call = |s: &Received| s.kind == CLIENT && s.attributes.contains_key("url.full");
    let spans = receiver
        .wait_for(&pay_trace, |spans| spans.iter().any(is_call))
        .await;
    let call = spans.iter().find(|s| is_call(s)).unwrap();
    assert_eq!(call.name, "POST");
    assert_eq!(call.attributes["server.address"], "127.0.0.1");
    assert_eq!(call.attributes["http.response.status_code"], "200");
    assert!(call.attributes["url.full"].ends_with("/v1/payment_intents"));
    let operation = spans
        .iter()
        .find(|s| s.name == "mutation transactionInitialize")
        .unwrap_or_else(|| panic!("{spans:#?}"));
    assert!(descends_from(&spans, call, operation), "{spans:#?}");
    let headers = fake.request_headers();
    let sent: Vec<&str> = headers
        .iter()
        .filter_map(|h| h.get("traceparent")?.to_str().ok())
        .collect();
    assert_eq!(
        sent,
        vec![format!("00-{pay_trace}-{}-01", call.span_id)],
        "one Stripe request, carrying the client span's context"
    );
    for h in &headers {
        assert_eq!(
            h.get("stripe-version").unwrap(),
            bizgraph::payment::stripe::API_VERSION
        );
    }
}

#[tokio::test]
async fn nothing_is_exported_when_switched_off() {
    let receiver = Receiver::start().await;
    let setup = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let server = spawn_on(
        &setup,
        dir.path(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url.as_str()),
            ("OTEL_SDK_DISABLED", "true"),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    );
    let client = reqwest::Client::new();
    server.wait_ready(&client).await;
    let trace = random_hex(16);
    let tp = format!("00-{trace}-{}-01", random_hex(8));
    ready_checkout(server.port).await;
    post(server.port, "{ shop { name } }", json!({}), Some(&tp)).await;
    // Generous: the exporter would have sent within 100 ms.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(receiver.spans.lock().unwrap().is_empty());
    let output = server.output().join("\n");
    assert!(!output.contains("exporting traces"), "{output}");

    // A protocol we don't speak is refused at start, with the reason.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bizgraph"))
        .current_dir(dir.path())
        .env_clear()
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.url)
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
        .arg("export-schema")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("http/protobuf"), "{stderr}");
}
