//! `fanout`: event latency from commit to websocket client, across instances.
//!
//! Opens `--subscribers` websocket subscriptions (graphql-transport-ws), spread round-robin
//! over the `--ws` instance URLs, then changes channel metadata through `--url` at `--rate`
//! events per second for `--duration` seconds. Each event carries `issuedAt` (the commit's
//! timestamp); every client records `receive time − issuedAt`. Prints a Markdown row:
//! events sent, deliveries expected/received, latency p50/p90/p99/max.
//!
//! ```sh
//! target/release/fanout --url http://127.0.0.1:8001/graphql/ \
//!   --ws http://127.0.0.1:8001/graphql/,http://127.0.0.1:8002/graphql/ \
//!   --subscribers 1000 --rate 100 --duration 10 --email admin@example.com --password …
//! ```

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

#[derive(Parser)]
#[command(about = "Websocket fan-out latency benchmark")]
struct Args {
    /// GraphQL URL that receives the mutations (instance A).
    #[arg(long)]
    url: String,
    /// Comma-separated GraphQL URLs the subscribers connect to (round-robin).
    #[arg(long)]
    ws: String,
    #[arg(long, default_value_t = 1000)]
    subscribers: usize,
    /// Events per second.
    #[arg(long, default_value_t = 100)]
    rate: u32,
    /// Seconds of events.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Staff credentials (a token is created with `tokenCreate`).
    #[arg(long, default_value = "admin@example.com")]
    email: String,
    #[arg(long)]
    password: String,
    /// Number of distinct subscription documents (subscriber i uses document i mod N).
    /// Identical subscriptions share one execution per instance; `--distinct` equal to
    /// `--subscribers` measures the worst case where every subscriber executes its own.
    #[arg(long, default_value_t = 1)]
    distinct: usize,
    /// Label for the output row.
    #[arg(long, default_value = "")]
    label: String,
}

/// Subscription document number `n` (documents differ by the alias of `slug`).
fn subscription(n: usize) -> String {
    format!(
        "subscription {{ event {{ issuedAt ... on ChannelMetadataUpdated {{ channel {{ s{n}: slug }} }} }} }}"
    )
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ws_url(http: &str) -> String {
    http.replacen("http://", "ws://", 1)
        .replacen("https://", "wss://", 1)
}

async fn gql(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Result<Value, String> {
    let mut req = client
        .post(url)
        .json(&json!({"query": query, "variables": variables}));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() {
    if let Err(e) = run(Args::parse()).await {
        eprintln!("fanout: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), String> {
    let client = reqwest::Client::new();
    let login = gql(
        &client,
        &args.url,
        None,
        "mutation($e: String!, $p: String!) { tokenCreate(email: $e, password: $p) { token errors { message } } }",
        json!({"e": args.email, "p": args.password}),
    )
    .await?;
    let token = login["data"]["tokenCreate"]["token"]
        .as_str()
        .ok_or(format!("login failed: {login}"))?
        .to_owned();
    let channel = gql(
        &client,
        &args.url,
        None,
        r#"{ channel(slug: "default-channel") { id } }"#,
        json!({}),
    )
    .await?;
    let channel_id = channel["data"]["channel"]["id"]
        .as_str()
        .ok_or("no default-channel")?
        .to_owned();

    let targets: Vec<String> = args.ws.split(',').map(|u| ws_url(u.trim())).collect();
    let latencies = Arc::new(Mutex::new(Vec::<f64>::with_capacity(
        args.subscribers * 1000,
    )));
    let ready = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..args.subscribers {
        let target = targets[i % targets.len()].clone();
        let (token, latencies, ready) = (token.clone(), latencies.clone(), ready.clone());
        let document = subscription(i % args.distinct.max(1));
        tasks.push(tokio::spawn(async move {
            let mut request = target.into_client_request().map_err(|e| e.to_string())?;
            request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().map_err(|_| "header")?);
            let (mut ws, _) = tokio_tungstenite::connect_async(request).await.map_err(|e| e.to_string())?;
            ws.send(Message::text(json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}}).to_string()))
                .await
                .map_err(|e| e.to_string())?;
            ws.send(Message::text(json!({"id": "1", "type": "subscribe", "payload": {"query": document}}).to_string()))
                .await
                .map_err(|e| e.to_string())?;
            let mut counted = false;
            while let Some(Ok(msg)) = ws.next().await {
                let Message::Text(text) = msg else { continue };
                let Ok(value) = serde_json::from_str::<Value>(&text) else { continue };
                if value["type"] == "connection_ack" && !counted {
                    counted = true;
                    ready.fetch_add(1, Ordering::Relaxed);
                }
                if value["type"] != "next" {
                    continue;
                }
                if let Some(issued) = value["payload"]["data"]["event"]["issuedAt"].as_str()
                    && let Ok(at) = chrono::DateTime::parse_from_rfc3339(issued)
                {
                    let ms = (chrono::Utc::now() - at.with_timezone(&chrono::Utc)).num_microseconds().unwrap_or(0) as f64 / 1000.0;
                    if let Ok(mut l) = latencies.lock() {
                        l.push(ms);
                    }
                }
            }
            Ok::<(), String>(())
        }));
    }
    let connect_deadline = Instant::now() + Duration::from_secs(60);
    while ready.load(Ordering::Relaxed) < args.subscribers && Instant::now() < connect_deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let connected = ready.load(Ordering::Relaxed);
    eprintln!(
        "fanout: {connected}/{} subscribers connected",
        args.subscribers
    );
    tokio::time::sleep(Duration::from_millis(500)).await; // subscriptions start

    let interval = Duration::from_secs_f64(1.0 / f64::from(args.rate.max(1)));
    let mut ticker = tokio::time::interval(interval);
    let end = Instant::now() + Duration::from_secs(args.duration);
    let mut sent = 0usize;
    let started = Instant::now();
    while Instant::now() < end {
        ticker.tick().await;
        let body = gql(
            &client,
            &args.url,
            Some(&token),
            "mutation($id: ID!, $v: String!) { updateMetadata(id: $id, input: [{key: \"fanout\", value: $v}]) { errors { message } } }",
            json!({"id": channel_id, "v": sent.to_string()}),
        )
        .await?;
        if body.get("errors").is_some() {
            return Err(format!("mutation failed: {body}"));
        }
        sent += 1;
    }
    let send_secs = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(3)).await; // stragglers
    for t in &tasks {
        t.abort();
    }
    let mut l = latencies.lock().map_err(|_| "poisoned")?.clone();
    l.sort_by(f64::total_cmp);
    println!(
        "| label | subscribers | distinct | events | events/s | deliveries expected | received | p50 ms | p90 ms | p99 ms | max ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {connected} | {} | {sent} | {:.1} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
        args.label,
        args.distinct,
        sent as f64 / send_secs,
        connected * sent,
        l.len(),
        percentile(&l, 50.0),
        percentile(&l, 90.0),
        percentile(&l, 99.0),
        l.last().copied().unwrap_or(f64::NAN),
    );
    Ok(())
}
