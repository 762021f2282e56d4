//! OpenTelemetry traces, exported over OTLP/HTTP (protobuf) when the standard OTel
//! variables ask for it (`OTEL_EXPORTER_OTLP_ENDPOINT` or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`,
//! `OTEL_TRACES_SAMPLER[_ARG]`, `OTEL_EXPORTER_OTLP[_TRACES]_HEADERS`/`_TIMEOUT`, `OTEL_BSP_*`
//! are read by the OpenTelemetry SDK; `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`
//! switch it off).
//!
//! Our `tracing` spans are bridged by `tracing-opentelemetry`: one server span per HTTP
//! request (continuing the caller's W3C `traceparent`), one span per GraphQL operation
//! ([`OperationSpans`]), SeaORM's statement spans (its `tracing-spans` feature), and one
//! client span per outgoing provider request ([`send`]), whose context goes out in
//! `traceparent`. When the variables are unset nothing of this is installed: no layer, no
//! middleware, no extension ([`enabled`] is false).

use std::{
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use anyhow::Context as _;
use async_graphql::{
    Response as GqlResponse, ServerResult, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
        NextRequest,
    },
    parser::types::{ExecutableDocument, OperationType},
};
use axum::{
    Router,
    extract::{MatchedPath, Request},
    http::HeaderMap,
    middleware::Next,
    response::Response,
};
use opentelemetry::{
    propagation::TextMapPropagator,
    trace::{TraceContextExt, TracerProvider as _},
};
use opentelemetry_http::{HeaderExtractor, HeaderInjector};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::{
    Resource,
    propagation::TraceContextPropagator,
    trace::{SdkTracer, SdkTracerProvider},
};
use tracing::{Instrument, Span, field::Empty};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::{
    Layer,
    filter::{LevelFilter, Targets},
    registry::LookupSpan,
};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Whether traces are being exported (set once at start by [`Telemetry::from_env`]).
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// What the environment asks for, read through `var` (the process environment in
/// production, a map in tests). `Ok(false)`: no endpoint, or switched off.
pub fn wanted(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<bool> {
    let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    if set("OTEL_SDK_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        || set("OTEL_TRACES_EXPORTER").is_some_and(|v| v.trim().eq_ignore_ascii_case("none"))
    {
        return Ok(false);
    }
    if let Some(exporter) = set("OTEL_TRACES_EXPORTER")
        && !exporter.trim().eq_ignore_ascii_case("otlp")
    {
        anyhow::bail!("OTEL_TRACES_EXPORTER={exporter} is not supported: use otlp or none");
    }
    if set("OTEL_EXPORTER_OTLP_ENDPOINT").is_none()
        && set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_none()
    {
        return Ok(false);
    }
    for name in [
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
    ] {
        if let Some(protocol) = set(name) {
            if protocol.trim() == "http/protobuf" {
                break;
            }
            anyhow::bail!(
                "{name}={protocol} is not supported: bizgraph exports traces over OTLP/HTTP \
                 (http/protobuf, usually port 4318), not gRPC or JSON"
            );
        }
    }
    Ok(true)
}

/// The running exporter. Call [`Telemetry::shutdown`] before the runtime stops, so the
/// last spans are sent.
pub struct Telemetry {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
}

impl Telemetry {
    /// Starts the OTLP exporter when the environment asks for it; `Ok(None)` otherwise.
    /// Must run inside the Tokio runtime (the exporter's requests run on it).
    pub fn from_env() -> anyhow::Result<Option<Self>> {
        if !wanted(|name| std::env::var(name).ok())? {
            return Ok(None);
        }
        let client = ExportClient {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .context("building the OTLP HTTP client")?,
            runtime: tokio::runtime::Handle::current(),
        };
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_http_client(client)
            .build()
            .context("configuring the OTLP trace exporter")?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource())
            .build();
        let tracer = provider.tracer("bizgraph");
        ENABLED.store(true, Ordering::Relaxed);
        Ok(Some(Self { provider, tracer }))
    }

    /// The `tracing` layer feeding this exporter: INFO and above (our spans, SeaORM's
    /// statement spans, log events as span events).
    pub fn layer<S>(&self) -> impl Layer<S> + use<S>
    where
        S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    {
        tracing_opentelemetry::layer()
            .with_tracer(self.tracer.clone())
            .with_filter(Targets::new().with_default(LevelFilter::INFO))
    }

    /// Sends the spans still queued and stops the exporter.
    pub async fn shutdown(self) {
        let provider = self.provider;
        // Blocks until the batch thread has exported; its requests run on this runtime.
        let _ = tokio::task::spawn_blocking(move || provider.shutdown()).await;
    }
}

/// `service.name` is `bizgraph` unless `OTEL_SERVICE_NAME` or `OTEL_RESOURCE_ATTRIBUTES`
/// names it.
fn resource() -> Resource {
    let detected = Resource::builder().build();
    let named = detected
        .get(&opentelemetry::Key::new("service.name"))
        .is_some_and(|name| !name.as_str().starts_with("unknown_service"));
    if named {
        detected
    } else {
        Resource::builder().with_service_name("bizgraph").build()
    }
}

/// Sends the OTLP batches with our reqwest client on the server's runtime (the SDK's batch
/// processor runs on a thread of its own, outside Tokio). Its requests are not traced.
#[derive(Debug)]
struct ExportClient {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

#[async_trait::async_trait]
impl opentelemetry_http::HttpClient for ExportClient {
    async fn send_bytes(
        &self,
        request: axum::http::Request<opentelemetry_http::Bytes>,
    ) -> Result<axum::http::Response<opentelemetry_http::Bytes>, opentelemetry_http::HttpError>
    {
        let request = reqwest::Request::try_from(request)?;
        let client = self.client.clone();
        let response = self
            .runtime
            .spawn(async move {
                let response = client.execute(request).await?;
                let mut out = axum::http::Response::builder().status(response.status());
                if let Some(headers) = out.headers_mut() {
                    *headers = response.headers().clone();
                }
                let body = response.bytes().await?;
                Ok::<_, opentelemetry_http::HttpError>(out.body(body)?)
            })
            .await??;
        Ok(response)
    }
}

fn propagator() -> &'static TraceContextPropagator {
    static PROPAGATOR: OnceLock<TraceContextPropagator> = OnceLock::new();
    PROPAGATOR.get_or_init(TraceContextPropagator::new)
}

/// Wraps `router` in the server-span middleware when traces are exported; returns it
/// unchanged otherwise.
pub fn trace_http(router: Router) -> Router {
    if enabled() {
        router.layer(axum::middleware::from_fn(server_span))
    } else {
        router
    }
}

/// One server span per request, continuing the caller's trace (`traceparent`).
async fn server_span(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let span = tracing::info_span!(
        "HTTP request",
        otel.name = %match &route {
            Some(route) => format!("{method} {route}"),
            None => method.to_string(),
        },
        otel.kind = "server",
        otel.status_code = Empty,
        http.request.method = %method,
        http.route = route.as_deref().unwrap_or_default(),
        url.path = req.uri().path(),
        http.response.status_code = Empty,
    );
    let parent = propagator().extract(&HeaderExtractor(req.headers()));
    if parent.span().span_context().is_valid() {
        let _ = span.set_parent(parent);
    }
    let response = next.run(req).instrument(span.clone()).await;
    let status = response.status();
    span.record("http.response.status_code", status.as_u16());
    if status.is_server_error() {
        span.record("otel.status_code", "error");
    }
    response
}

/// Writes the current span's trace context (`traceparent`, `tracestate`) into `headers`;
/// nothing when traces are off.
pub fn inject_trace_context(headers: &mut HeaderMap) {
    if enabled() {
        let cx = Span::current().context();
        propagator().inject_context(&cx, &mut HeaderInjector(headers));
    }
}

/// Sends an outgoing request (payment providers, webhooks) inside a client span whose
/// context goes out in `traceparent`; a plain `send()` when traces are off.
pub async fn send(request: reqwest::RequestBuilder) -> reqwest::Result<reqwest::Response> {
    if !enabled() {
        return request.send().await;
    }
    let (client, request) = request.build_split();
    execute(&client, request?).await
}

/// [`send`] for a request already built (the outbound client checks it before sending).
pub async fn execute(
    client: &reqwest::Client,
    mut request: reqwest::Request,
) -> reqwest::Result<reqwest::Response> {
    if !enabled() {
        return client.execute(request).await;
    }
    let url = request.url();
    let span = tracing::info_span!(
        "HTTP client request",
        otel.name = %request.method(),
        otel.kind = "client",
        otel.status_code = Empty,
        http.request.method = %request.method(),
        server.address = url.host_str().unwrap_or_default(),
        server.port = url.port_or_known_default().unwrap_or_default(),
        url.full = %format!("{}://{}{}", url.scheme(), url.authority().rsplit('@').next().unwrap_or_default(), url.path()),
        http.response.status_code = Empty,
        error.type = Empty,
    );
    propagator().inject_context(&span.context(), &mut HeaderInjector(request.headers_mut()));
    let result = client.execute(request).instrument(span.clone()).await;
    match &result {
        Ok(response) => {
            span.record("http.response.status_code", response.status().as_u16());
            if response.status().is_client_error() || response.status().is_server_error() {
                span.record("otel.status_code", "error");
                span.record("error.type", response.status().as_str());
            }
        }
        Err(e) => {
            span.record("otel.status_code", "error");
            span.record(
                "error.type",
                if e.is_timeout() {
                    "timeout"
                } else if e.is_connect() {
                    "connect"
                } else {
                    "transport"
                },
            );
        }
    }
    result
}

/// `tokio::spawn` keeping the current span as the task's parent: DataLoader batches then
/// belong to the operation that asked for them.
pub fn spawn<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(future.in_current_span())
}

/// Adds [`OperationSpans`] to a schema builder when traces are exported.
pub fn with_operation_spans<Q, M, S>(
    builder: async_graphql::SchemaBuilder<Q, M, S>,
) -> async_graphql::SchemaBuilder<Q, M, S> {
    if enabled() {
        builder.extension(OperationSpans)
    } else {
        builder
    }
}

/// One span per executed GraphQL operation (parse, validation and execution), named
/// `{type} {name}` with `graphql.operation.type`/`graphql.operation.name`, as OpenTelemetry's
/// GraphQL conventions.
pub struct OperationSpans;

impl ExtensionFactory for OperationSpans {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(OperationSpan::default())
    }
}

#[derive(Default)]
struct OperationSpan {
    span: OnceLock<Span>,
    name: Mutex<Option<String>>,
}

#[async_trait::async_trait]
impl Extension for OperationSpan {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> GqlResponse {
        let span = tracing::info_span!(
            "GraphQL operation",
            otel.name = "GraphQL operation",
            otel.status_code = Empty,
            graphql.operation.type = Empty,
            graphql.operation.name = Empty,
        );
        let _ = self.span.set(span.clone());
        let response = next.run(ctx).instrument(span.clone()).await;
        if response.is_err() {
            span.record("otel.status_code", "error");
        }
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: async_graphql::Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<async_graphql::Request> {
        if let Ok(mut name) = self.name.lock() {
            name.clone_from(&request.operation_name);
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let wanted = self.name.lock().ok().and_then(|n| n.clone());
        let chosen = document.operations.iter().find(|(name, _)| match &wanted {
            Some(wanted) => name.is_some_and(|n| n.as_str() == wanted),
            None => true,
        });
        if let (Some((name, operation)), Some(span)) = (chosen, self.span.get()) {
            let kind = match operation.node.ty {
                OperationType::Query => "query",
                OperationType::Mutation => "mutation",
                OperationType::Subscription => "subscription",
            };
            span.record("graphql.operation.type", kind);
            if let Some(name) = name {
                span.record("graphql.operation.name", name.as_str());
            }
            // The span has started (it is entered): rename the OpenTelemetry span itself.
            span.context().span().update_name(match name {
                Some(name) => format!("{kind} {name}"),
                None => kind.to_owned(),
            });
        }
        Ok(document)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn off_unless_an_endpoint_is_set() {
        assert!(!wanted(env(&[])).unwrap());
        assert!(!wanted(env(&[("OTEL_SERVICE_NAME", "shop")])).unwrap());
        assert!(!wanted(env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", " ")])).unwrap());
        assert!(wanted(env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")])).unwrap());
        assert!(
            wanted(env(&[(
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "http://c:4318/v1/traces"
            )]))
            .unwrap()
        );
    }

    #[test]
    fn switches_and_unsupported_protocols() {
        let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318");
        assert!(!wanted(env(&[endpoint, ("OTEL_SDK_DISABLED", "true")])).unwrap());
        assert!(!wanted(env(&[endpoint, ("OTEL_TRACES_EXPORTER", "none")])).unwrap());
        assert!(wanted(env(&[endpoint, ("OTEL_TRACES_EXPORTER", "otlp")])).unwrap());
        assert!(wanted(env(&[endpoint, ("OTEL_TRACES_EXPORTER", "zipkin")])).is_err());
        assert!(
            wanted(env(&[
                endpoint,
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
            ]))
            .unwrap()
        );
        let grpc = wanted(env(&[endpoint, ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]));
        assert!(grpc.unwrap_err().to_string().contains("http/protobuf"));
        assert!(
            wanted(env(&[
                endpoint,
                ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json")
            ]))
            .is_err()
        );
        // The signal-specific variable wins over the general one.
        assert!(
            wanted(env(&[
                endpoint,
                ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ]))
            .unwrap()
        );
    }
}
