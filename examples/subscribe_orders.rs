//! Prints order events live: signs in as staff (`tokenCreate`), opens a websocket to
//! `/graphql/` (graphql-transport-ws), subscribes to Saleor's `event` subscription and
//! prints every `OrderCreated`/`OrderUpdated`/`OrderConfirmed`/`OrderCancelled`.
//!
//! ```sh
//! BIZGRAPH_EMAIL=admin@example.com BIZGRAPH_PASSWORD=… cargo run --example subscribe_orders
//! # optional: BIZGRAPH_URL=http://127.0.0.1:8000/graphql/
//! ```
//!
//! Then place an order (e.g. the storefront checkout flow) and watch it arrive:
//!
//! ```text
//! subscribed to order events at ws://127.0.0.1:8000/graphql/ (Ctrl-C to stop)
//! "OrderCreated" at "2026-12-02T12:45:56.897778904+00:00": {"number":"26","status":"UNFULFILLED","total":{"gross":{"amount":8.99,"currency":"USD"}},"userEmail":"t@example.com"}
//! "OrderConfirmed" at "2026-12-02T12:45:56.898866220+00:00": {"number":"26","status":"UNFULFILLED"}
//! ```
//!
//! Other events the token may see (checkout events, ...) are skipped. The
//! subscription ends when the access token expires (5 minutes by default); reconnect with a
//! fresh token.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

const SUBSCRIPTION: &str = "subscription {
  event {
    __typename
    issuedAt
    ... on OrderCreated { order { number status userEmail total { gross { amount currency } } } }
    ... on OrderUpdated { order { number status } }
    ... on OrderConfirmed { order { number status } }
    ... on OrderCancelled { order { number status } }
  }
}";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url =
        std::env::var("BIZGRAPH_URL").unwrap_or_else(|_| "http://127.0.0.1:8000/graphql/".into());
    let email = std::env::var("BIZGRAPH_EMAIL").unwrap_or_else(|_| "admin@example.com".into());
    let password = std::env::var("BIZGRAPH_PASSWORD").map_err(|_| "set BIZGRAPH_PASSWORD")?;

    let login: Value = reqwest::Client::new()
        .post(&url)
        .json(&json!({
            "query": "mutation($e: String!, $p: String!) { tokenCreate(email: $e, password: $p) { token errors { message } } }",
            "variables": {"e": email, "p": password},
        }))
        .send()
        .await?
        .json()
        .await?;
    let token = login["data"]["tokenCreate"]["token"]
        .as_str()
        .ok_or_else(|| format!("sign-in failed: {}", login["data"]["tokenCreate"]["errors"]))?
        .to_owned();

    let ws_url = url.replacen("http", "ws", 1);
    let mut request = ws_url.as_str().into_client_request()?;
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "graphql-transport-ws".parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await?;
    ws.send(Message::text(
        json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}})
            .to_string(),
    ))
    .await?;
    ws.send(Message::text(
        json!({"id": "orders", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
            .to_string(),
    ))
    .await?;
    println!("subscribed to order events at {ws_url} (Ctrl-C to stop)");
    while let Some(message) = ws.next().await {
        let Message::Text(text) = message? else {
            continue;
        };
        let value: Value = serde_json::from_str(&text)?;
        match value["type"].as_str() {
            Some("next") => {
                let event = &value["payload"]["data"]["event"];
                let is_order_event = event["__typename"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("Order"));
                if event.is_null() {
                    println!("error: {}", value["payload"]["errors"]);
                } else if is_order_event {
                    // The `event` subscription delivers every event the token may see
                    // (checkout events too); this example prints the order ones only.
                    println!(
                        "{} at {}: {}",
                        event["__typename"], event["issuedAt"], event["order"]
                    );
                }
            }
            Some("error") => println!("subscription refused: {}", value["payload"]),
            Some("complete") => break,
            _ => {}
        }
    }
    Ok(())
}
