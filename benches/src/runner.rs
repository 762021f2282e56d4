//! HTTP side: workers that POST scenario requests, and the /metrics scrape.

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Client, StatusCode, Url};
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::prom::{self, MetricSums};

/// Why a single request failed.
#[derive(Debug, Clone)]
pub enum Failure {
    /// No HTTP response at all (connect refused, reset, timeout, ...).
    Transport(String),
    /// A response came back but it isn't a successful GraphQL result.
    Response(String),
}

impl Failure {
    pub fn message(&self) -> &str {
        match self {
            Failure::Transport(m) | Failure::Response(m) => m,
        }
    }
}

/// `Display` of an error followed by its `source()` chain, which is where
/// reqwest/hyper put the useful part ("Connection refused", ...).
pub fn error_chain(e: &dyn StdError) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let msg = s.to_string();
        if !out.contains(&msg) {
            out.push_str(": ");
            out.push_str(&msg);
        }
        cur = s.source();
    }
    out
}

/// Only the part of a GraphQL response we look at. `IgnoredAny` still makes
/// serde_json validate the whole body as JSON without building a tree.
#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    errors: Option<Vec<IgnoredAny>>,
}

/// Classifies a response: HTTP 200, a JSON body, and no non-empty `errors`.
pub fn check_response(status: StatusCode, body: &[u8]) -> Result<(), Failure> {
    let text = || String::from_utf8_lossy(body).into_owned();
    if status != StatusCode::OK {
        return Err(Failure::Response(format!("HTTP {status}: {}", text())));
    }
    match serde_json::from_slice::<Envelope>(body) {
        Err(e) => Err(Failure::Response(format!(
            "response is not a JSON object ({e}): {}",
            text()
        ))),
        Ok(Envelope {
            errors: Some(errs), ..
        }) if !errs.is_empty() => Err(Failure::Response(format!(
            "GraphQL errors ({}): {}",
            errs.len(),
            text()
        ))),
        Ok(_) => Ok(()),
    }
}

/// Sends one GraphQL POST and classifies the outcome.
pub async fn send(client: &Client, url: &Url, body: Bytes) -> Result<(), Failure> {
    let resp = client
        .post(url.clone())
        .header(CONTENT_TYPE, "application/json")
        .header(ACCEPT, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| Failure::Transport(error_chain(&e)))?;
    let status = resp.status();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| Failure::Transport(format!("reading response body: {}", error_chain(&e))))?;
    check_response(status, &bytes)
}

/// What one phase (warm-up or measured window) produced.
#[derive(Debug, Default)]
pub struct PhaseResult {
    /// Wall time from spawning the workers until the last one finished.
    pub elapsed: Duration,
    /// Requests attempted (including every kind of failure).
    pub attempts: usize,
    /// Latency of every request that got an HTTP response (successful or
    /// not), in nanoseconds. Transport failures have no latency.
    pub latencies_ns: Vec<u64>,
    pub errors: u64,
    pub transport_errors: u64,
    pub first_error: Option<String>,
}

impl PhaseResult {
    fn absorb(&mut self, other: PhaseResult) {
        self.attempts += other.attempts;
        self.latencies_ns.extend(other.latencies_ns);
        self.errors += other.errors;
        self.transport_errors += other.transport_errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// After a transport error, wait a little so a dead server isn't hammered
/// in a tight loop (and the latency vector doesn't explode).
const TRANSPORT_BACKOFF: Duration = Duration::from_millis(10);

async fn worker(
    client: Client,
    url: Arc<Url>,
    bodies: Arc<[Bytes]>,
    mut next: usize,
    deadline: Instant,
) -> PhaseResult {
    let mut res = PhaseResult::default();
    let n = bodies.len();
    while Instant::now() < deadline {
        let Some(body) = bodies.get(next % n.max(1)).cloned() else {
            break;
        };
        next = next.wrapping_add(1);
        let t0 = Instant::now();
        let outcome = send(&client, &url, body).await;
        let nanos = u64::try_from(t0.elapsed().as_nanos()).unwrap_or(u64::MAX);
        res.attempts += 1;
        if !matches!(outcome, Err(Failure::Transport(_))) {
            res.latencies_ns.push(nanos);
        }
        if let Err(f) = outcome {
            res.errors += 1;
            if res.first_error.is_none() {
                res.first_error = Some(f.message().to_owned());
            }
            if let Failure::Transport(_) = f {
                res.transport_errors += 1;
                tokio::time::sleep(TRANSPORT_BACKOFF).await;
            }
        }
    }
    res
}

/// Runs `concurrency` workers sharing `client` until `duration` has passed.
/// Each worker starts on a different request of the scenario and cycles.
pub async fn run_phase(
    client: &Client,
    url: &Url,
    bodies: &[Bytes],
    concurrency: usize,
    duration: Duration,
) -> PhaseResult {
    let url = Arc::new(url.clone());
    let bodies: Arc<[Bytes]> = bodies.into();
    let start = Instant::now();
    let deadline = start + duration;
    let handles: Vec<_> = (0..concurrency)
        .map(|i| {
            tokio::spawn(worker(
                client.clone(),
                Arc::clone(&url),
                Arc::clone(&bodies),
                i,
                deadline,
            ))
        })
        .collect();
    let mut total = PhaseResult::default();
    for h in handles {
        match h.await {
            Ok(r) => total.absorb(r),
            Err(e) => {
                total.errors += 1;
                if total.first_error.is_none() {
                    total.first_error = Some(format!("worker task failed: {e}"));
                }
            }
        }
    }
    total.elapsed = start.elapsed();
    total
}

/// Fetches and parses the Prometheus endpoint.
pub async fn scrape(client: &Client, url: &Url) -> Result<MetricSums, String> {
    let resp = client
        .get(url.clone())
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .map_err(|e| format!("GET {url}: {}", error_chain(&e)))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!("GET {url}: HTTP {status}"));
    }
    let text = resp
        .text()
        .await
        .map_err(|e| format!("GET {url}: reading body: {}", error_chain(&e)))?;
    Ok(prom::parse(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_responses() {
        assert!(check_response(StatusCode::OK, br#"{"data":{}}"#).is_ok());
        assert!(check_response(StatusCode::OK, br#"{"data":{},"errors":[]}"#).is_ok());
        assert!(check_response(StatusCode::OK, br#"{"data":null,"errors":null}"#).is_ok());
        assert!(matches!(
            check_response(StatusCode::OK, br#"{"data":null,"errors":[{"message":"boom"}]}"#),
            Err(Failure::Response(m)) if m.contains("boom")
        ));
        assert!(check_response(StatusCode::OK, b"<html>").is_err());
        assert!(check_response(StatusCode::OK, b"").is_err());
        assert!(matches!(
            check_response(StatusCode::BAD_REQUEST, br#"{"data":{}}"#),
            Err(Failure::Response(m)) if m.starts_with("HTTP 400")
        ));
    }
}
