//! End-to-end tests of the request surface under attack: documents nested deep enough to
//! overflow the parser, NUL characters, oversized batches, too many subscriptions or
//! sockets, sockets that never initialise, slow headers and bodies, too many requests in
//! flight from one client, and a bounded fuzz run of random and adversarial documents.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::{self, Message, client::IntoClientRequest};

use crate::common::{TestServer, Ws, data, error_code, ws_init, ws_next, ws_subscribe};

/// `{a:{a:…1…}}` nested `depth` levels: the literal that used to overflow the parser's stack.
fn nested_object(depth: usize) -> String {
    format!("{}1{}", "{a:".repeat(depth), "}".repeat(depth))
}

/// The attack in an argument, a directive argument and a variable default.
fn deep_documents() -> Vec<String> {
    let deep = nested_object(1500);
    vec![
        format!(
            "{{ products(first: 1, channel: \"default-channel\", filter: {deep}) {{ totalCount }} }}"
        ),
        format!("{{ shop @include(if: {deep}) {{ name }} }}"),
        format!("query($f: ProductFilterInput = {deep}) {{ shop {{ name }} }}"),
        format!("{{ shop {{ name }} x: products(where: [[[[{deep}]]]]) {{ totalCount }} }}"),
    ]
}

async fn still_serving(server: &TestServer) {
    let body = server.gql("{ shop { name } }", json!({})).await;
    assert!(data(&body)["shop"]["name"].is_string(), "{body}");
}

#[tokio::test]
async fn deeply_nested_literals_are_refused_over_post_get_and_websocket() {
    let server = TestServer::start().await;
    for doc in deep_documents() {
        assert!(doc.len() < 7_000);
        let body = server.gql(&doc, json!({})).await;
        assert_eq!(error_code(&body), "QUERY_TOO_DEEP", "{body}");
        let resp = server
            .client
            .get(server.graphql_url())
            .query(&[("query", doc.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(error_code(&body), "QUERY_TOO_DEEP", "{body}");
        still_serving(&server).await;
    }
    // The deepest document the default limit lets through parses and validates without
    // harm (128 levels: `{`, `(` and 126 objects).
    let at_limit = format!("{{ shop @include(if: {}) {{ name }} }}", nested_object(126));
    let body = server.gql(&at_limit, json!({})).await;
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
    let body = server
        .gql(
            &format!("{{ shop @include(if: {}) {{ name }} }}", nested_object(127)),
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "QUERY_TOO_DEEP", "{body}");
    // A batch carrying one: that operation fails, the others run.
    let batch = json!([{"query": deep_documents()[0]}, {"query": "{ shop { name } }"}]);
    let resp = server
        .client
        .post(server.graphql_url())
        .json(&batch)
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body[0]), "QUERY_TOO_DEEP");
    assert!(body[1]["data"]["shop"]["name"].is_string(), "{body}");

    let (mut ws, ack) = ws_init(&server, "graphql-transport-ws", json!({})).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    for (i, doc) in deep_documents().iter().enumerate() {
        let id = format!("deep-{i}");
        ws_subscribe(&mut ws, &id, doc).await;
        let reply = ws_next(&mut ws, Duration::from_secs(10)).await.unwrap();
        assert_eq!(reply["id"], id.as_str());
        assert_eq!(
            reply["payload"]["errors"][0]["extensions"]["code"], "QUERY_TOO_DEEP",
            "{reply}"
        );
        let complete = ws_next(&mut ws, Duration::from_secs(10)).await.unwrap();
        assert_eq!(complete["type"], "complete");
    }
    ws_subscribe(&mut ws, "after", "{ shop { name } }").await;
    let reply = ws_next(&mut ws, Duration::from_secs(10)).await.unwrap();
    assert!(
        reply["payload"]["data"]["shop"]["name"].is_string(),
        "{reply}"
    );
    still_serving(&server).await;
}

#[tokio::test]
async fn the_nesting_limit_is_configurable() {
    let server = TestServer::start_with(|c| c.max_nesting = 12).await;
    // `{`, `(` and 10 objects: 12 levels, parsed (and refused by validation: `if` wants a
    // Boolean); one more level is refused before parsing.
    let at_limit = format!("{{ shop @include(if: {}) {{ name }} }}", nested_object(10));
    let body = server.gql(&at_limit, json!({})).await;
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
    let deeper = format!("{{ shop @include(if: {}) {{ name }} }}", nested_object(11));
    let body = server.gql(&deeper, json!({})).await;
    assert_eq!(error_code(&body), "QUERY_TOO_DEEP");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("maximum is 12"),
        "{body}"
    );
}

#[tokio::test]
async fn deeply_nested_variables_are_a_clean_error() {
    let server = TestServer::start().await;
    let deep_json = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
    let raw = format!(
        "{{\"query\": \"query($v: [Int]) {{ shop {{ name }} }}\", \"variables\": {{\"v\": {deep_json}}}}}"
    );
    let resp = server
        .client
        .post(server.graphql_url())
        .header("content-type", "application/json")
        .body(raw)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "BAD_REQUEST");
    let resp = server
        .client
        .get(server.graphql_url())
        .query(&[
            ("query", "query($v: [Int]) { shop { name } }"),
            ("variables", &format!("{{\"v\": {deep_json}}}")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "BAD_REQUEST");
    // Over a websocket, a message that cannot be read closes that socket (as the protocol
    // specifies for malformed messages); nothing else is affected.
    let (mut ws, ack) = ws_init(&server, "graphql-transport-ws", json!({})).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    let message = format!(
        "{{\"id\": \"1\", \"type\": \"subscribe\", \"payload\": {{\"query\": \"query($v: [Int]) {{ shop {{ name }} }}\", \"variables\": {{\"v\": {deep_json}}}}}}}"
    );
    ws.send(Message::text(message)).await.unwrap();
    assert!(close_code(&mut ws, Duration::from_secs(10)).await.is_some());
    still_serving(&server).await;
}

const CHECKOUT_ADDRESS: &str =
    "query($id: ID!) { checkout(id: $id) { shippingAddress { streetAddress1 city } } }";

#[tokio::test]
async fn nul_characters_in_string_inputs_are_validation_errors() {
    let server = TestServer::start().await;
    let create = server
        .gql(
            "mutation { checkoutCreate(input: {channel: \"default-channel\", lines: []}) { checkout { id } errors { field message } } }",
            json!({}),
        )
        .await;
    let id = data(&create)["checkoutCreate"]["checkout"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let update = "mutation($id: ID!, $addr: AddressInput!) { checkoutShippingAddressUpdate(id: $id, shippingAddress: $addr) { errors { field code } checkout { shippingAddress { streetAddress1 } } } }";
    let address = |street: &str| {
        json!({"firstName": "Ada", "lastName": "Lovelace", "streetAddress1": street,
            "city": "new york", "postalCode": "10001", "country": "US", "countryArea": "NY"})
    };
    let body = server
        .gql(update, json!({"id": id, "addr": address("1 Main St")}))
        .await;
    assert_eq!(
        data(&body)["checkoutShippingAddressUpdate"]["errors"],
        json!([])
    );
    // In variables, at any depth, and in object keys.
    let refused = |body: &Value| {
        assert_eq!(error_code(body), "GRAPHQL_VALIDATION_FAILED", "{body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("NUL"),
            "{body}"
        );
    };
    for vars in [
        json!({"id": id, "addr": address("2 Main\u{0}St")}),
        json!({"id": format!("{id}\u{0}"), "addr": address("2 Main St")}),
        json!({"id": id, "addr": address("2 Main St"), "unused": {"a\u{0}": [1]}}),
    ] {
        refused(&server.gql(update, vars).await);
    }
    // Literally in the document, in an argument and in a variable default.
    let literal = format!(
        "mutation {{ checkoutShippingAddressUpdate(id: \"{id}\", shippingAddress: {{firstName: \"Ada\", lastName: \"L\", streetAddress1: \"3 Main\\u0000St\", city: \"new york\", postalCode: \"10001\", country: US, countryArea: \"NY\"}}) {{ errors {{ field }} }} }}"
    );
    refused(&server.gql(&literal, json!({})).await);
    let default = "mutation($id: ID!, $street: String = \"4 Main\\u0000St\") { checkoutEmailUpdate(id: $id, email: $street) { errors { field } } }";
    refused(&server.gql(default, json!({"id": id})).await);
    // The checkout is unchanged.
    let body = server.gql(CHECKOUT_ADDRESS, json!({"id": id})).await;
    assert_eq!(
        data(&body)["checkout"]["shippingAddress"]["streetAddress1"],
        "1 Main St"
    );
}

async fn post_batch(server: &TestServer, batch: &Value) -> (u16, Value) {
    let resp = server
        .client
        .post(server.graphql_url())
        .json(batch)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn batches_over_the_cap_are_refused_whole() {
    let server = TestServer::start_with(|c| c.max_batch_operations = 3).await;
    let create = json!({"query": "mutation { checkoutCreate(input: {channel: \"default-channel\", lines: []}) { checkout { id } } }"});
    let count = || async {
        use sea_orm::{EntityTrait, PaginatorTrait};
        entities::checkout::Entity::find()
            .count(&server.state.db.conn)
            .await
            .unwrap()
    };
    let before = count().await;
    let (status, body) = post_batch(&server, &json!([create, create, create, create])).await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), "TOO_MANY_OPERATIONS");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("maximum is 3"),
        "{body}"
    );
    assert_eq!(count().await, before, "nothing of the refused batch ran");
    let (status, body) = post_batch(&server, &json!([create, create, create])).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().unwrap().len(), 3);
    assert_eq!(count().await, before + 3);
}

#[tokio::test]
async fn the_request_timeout_bounds_a_batch_as_a_whole() {
    let server = TestServer::start_with(|c| {
        c.request_timeout_ms = 1_000;
        c.max_batch_operations = 500;
    })
    .await;
    let op = json!({"query": "{ products(first: 20, channel: \"default-channel\") { edges { node { name variants { name pricing { price { gross { amount } } } } } } } }"});
    let (status, body) = post_batch(&server, &json!([op])).await;
    assert_eq!(status, 200, "{body}");
    // 500 of them take far longer than the timeout (each one is tens of milliseconds), so
    // the batch is cut off at the timeout as a whole rather than after each operation's
    // own timeout.
    let batch = Value::Array(vec![op; 500]);
    let started = Instant::now();
    let (status, body) = post_batch(&server, &batch).await;
    assert_eq!(status, 504, "{body}");
    assert_eq!(error_code(&body), "REQUEST_TIMEOUT");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    still_serving(&server).await;
}

/// Opens a websocket without `connection_init`.
async fn ws_open(server: &TestServer) -> Result<Ws, tungstenite::Error> {
    let mut request = server.ws_url().into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(ws, _)| ws)
}

/// The close frame's code, if the server closes the socket within `timeout`.
async fn close_code(ws: &mut Ws, timeout: Duration) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await.ok()?? {
            Ok(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn sockets_that_never_initialise_are_closed_with_4408() {
    let server = TestServer::start_with(|c| c.websocket_init_timeout_ms = 500).await;
    let mut silent = ws_open(&server).await.unwrap();
    assert_eq!(
        close_code(&mut silent, Duration::from_secs(10)).await,
        Some(4408)
    );
    // An initialised socket outlives the timeout.
    let (mut ws, ack) = ws_init(&server, "graphql-transport-ws", json!({})).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    ws_subscribe(&mut ws, "1", "{ shop { name } }").await;
    let reply = ws_next(&mut ws, Duration::from_secs(10)).await.unwrap();
    assert!(
        reply["payload"]["data"]["shop"]["name"].is_string(),
        "{reply}"
    );
}

const EVENTS: &str =
    "subscription { event { ... on ChannelMetadataUpdated { channel { slug } } } }";

#[tokio::test]
async fn subscriptions_per_socket_are_capped() {
    let server = TestServer::start_with(|c| c.max_subscriptions_per_socket = 3).await;
    let token = server.customer_token("sub-cap@example.com").await;
    let (mut ws, ack) = ws_init(
        &server,
        "graphql-transport-ws",
        json!({"authorization": format!("Bearer {token}")}),
    )
    .await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    for id in ["1", "2", "3"] {
        ws_subscribe(&mut ws, id, EVENTS).await;
    }
    ws_subscribe(&mut ws, "4", EVENTS).await;
    let refused = ws_next(&mut ws, Duration::from_secs(10)).await.unwrap();
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "4");
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "TOO_MANY_SUBSCRIPTIONS"
    );
    // A query needs a slot too; completing a subscription frees one.
    ws.send(Message::text(
        json!({"id": "1", "type": "complete"}).to_string(),
    ))
    .await
    .unwrap();
    let completed = ws_next(&mut ws, Duration::from_secs(10)).await.unwrap();
    assert_eq!(completed, json!({"id": "1", "type": "complete"}));
    ws_subscribe(&mut ws, "q", "{ shop { name } }").await;
    let reply = ws_next(&mut ws, Duration::from_secs(10)).await.unwrap();
    assert_eq!(reply["type"], "next", "{reply}");
    assert!(
        reply["payload"]["data"]["shop"]["name"].is_string(),
        "{reply}"
    );
    let metrics = server
        .client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("bizgraph_http_rejections_total{reason=\"TOO_MANY_SUBSCRIPTIONS\"}"),
        "{metrics}"
    );
}

#[tokio::test]
async fn websockets_per_ip_are_capped() {
    let server = TestServer::start_with(|c| c.max_websockets_per_ip = 2).await;
    let first = ws_open(&server).await.unwrap();
    let _second = ws_open(&server).await.unwrap();
    match ws_open(&server).await {
        Err(tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status(), 429);
            let body: Value = serde_json::from_slice(resp.body().as_deref().unwrap()).unwrap();
            assert_eq!(error_code(&body), "TOO_MANY_CONNECTIONS");
        }
        other => panic!("expected a 429, got {:?}", other.map(|_| "a socket")),
    }
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if ws_open(&server).await.is_ok() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the closed socket's slot was not released"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reads from `stream` until the server closes it (or `timeout`); `None` on timeout.
async fn read_to_close(stream: &mut tokio::net::TcpStream, timeout: Duration) -> Option<String> {
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&received).into()),
            Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn slow_headers_are_cut_off() {
    let server = TestServer::start_with(|c| c.header_read_timeout_ms = 500).await;
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"POST /graphql/ HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    assert!(
        read_to_close(&mut stream, Duration::from_secs(10))
            .await
            .is_some(),
        "a connection stalled in its headers stayed open"
    );
    // A connection that sends nothing at all goes the same way.
    let mut idle = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    assert!(
        read_to_close(&mut idle, Duration::from_secs(10))
            .await
            .is_some()
    );
    still_serving(&server).await;
}

/// Sends a POST's headers announcing 100 bytes of body and only part of the body.
async fn stalled_post(server: &TestServer) -> tokio::net::TcpStream {
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(
            b"POST /graphql/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"query\":",
        )
        .await
        .unwrap();
    stream
}

#[tokio::test]
async fn slow_bodies_are_cut_off() {
    let server = TestServer::start_with(|c| c.body_read_timeout_ms = 500).await;
    let mut stream = stalled_post(&server).await;
    let response = read_to_close(&mut stream, Duration::from_secs(10))
        .await
        .expect("a connection stalled in its body stayed open");
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(response.contains("REQUEST_TIMEOUT"), "{response}");
    still_serving(&server).await;
}

#[tokio::test]
async fn concurrent_requests_per_ip_are_capped() {
    let server = TestServer::start_with(|c| c.max_concurrent_requests_per_ip = 2).await;
    let stalled = [stalled_post(&server).await, stalled_post(&server).await];
    // Once both stalled requests are in their handlers, a third is refused at once.
    let deadline = Instant::now() + Duration::from_secs(10);
    let refused = loop {
        let resp = server
            .client
            .post(server.graphql_url())
            .json(&json!({"query": "{ shop { name } }"}))
            .send()
            .await
            .unwrap();
        if resp.status() == 429 {
            break resp.json::<Value>().await.unwrap();
        }
        assert!(Instant::now() < deadline, "never refused");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(error_code(&refused), "TOO_MANY_REQUESTS");
    assert!(refused["errors"][0]["extensions"]["requestId"].is_string());
    // Health probes are not counted.
    let health = server
        .client
        .get(server.url("/health/"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    drop(stalled);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let resp = server
            .client
            .post(server.graphql_url())
            .json(&json!({"query": "{ shop { name } }"}))
            .send()
            .await
            .unwrap();
        if resp.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "slots were not released");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let metrics = server
        .client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("reason=\"TOO_MANY_REQUESTS\""),
        "{metrics}"
    );
}

mod fuzz {
    //! Random and adversarial documents through the real server.

    use rand::{Rng, SeedableRng, rngs::StdRng};

    const FIELDS: &[&str] = &[
        "shop { name }",
        "channels { slug }",
        "__typename",
        "products(first: 3, channel: \"default-channel\") { edges { node { name } } }",
        "categories(first: 2) { totalCount }",
        "checkout(id: \"Q2hlY2tvdXQ6MQ==\") { id }",
        "me { email }",
        "__schema { types { name } }",
    ];

    pub struct Gen(pub StdRng);

    impl Gen {
        pub fn new(seed: u64) -> Self {
            Self(StdRng::seed_from_u64(seed))
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.0.random_range(0..items.len())]
        }

        /// Brackets of random kinds nested `depth` deep around `inner`.
        pub fn nest(&mut self, depth: usize, inner: &str) -> String {
            let mut open = String::new();
            let mut close = Vec::new();
            for _ in 0..depth {
                let (o, c) = match self.0.random_range(0..4) {
                    0 => ("{a:", "}"),
                    1 => ("[", "]"),
                    2 => ("(", ")"),
                    _ => ("{", "}"),
                };
                open.push_str(o);
                close.push(c);
            }
            close.reverse();
            format!("{open}{inner}{}", close.concat())
        }

        fn depth(&mut self) -> usize {
            match self.0.random_range(0..4) {
                0 => self.0.random_range(1..40),
                1 => self.0.random_range(100..200),
                _ => self.0.random_range(500..3000),
            }
        }

        fn string(&mut self) -> String {
            let pieces = [
                "plain",
                "\\u0000",
                "\\\"",
                "é漢字🦀",
                "\\ud83e\\udd80",
                "{[(",
                "\\n",
                "#",
                "\\",
                "\u{202e}rtl",
            ];
            let mut s = String::from("\"");
            for _ in 0..self.0.random_range(0..5) {
                s.push_str(self.pick(&pieces));
            }
            if self.0.random_bool(0.9) {
                s.push('"');
            }
            s
        }

        fn value(&mut self, budget: usize) -> String {
            match self.0.random_range(0..12) {
                0 => self.0.random_range(-5i64..100).to_string(),
                1 => "1".repeat(self.0.random_range(20..400)),
                2 => "1e99999".to_owned(),
                3 => "-0.0000000000000000000001e-400".to_owned(),
                4 => self.string(),
                5 => {
                    let depth = self.depth();
                    format!("\"\"\"{}\"\"\"", self.nest(depth, "x"))
                }
                6 => self
                    .pick(&["null", "true", "false", "USD", "$v", "$missing"])
                    .to_owned(),
                7 if budget > 0 => {
                    let items: Vec<String> = (0..self.0.random_range(0..4))
                        .map(|_| self.value(budget - 1))
                        .collect();
                    format!("[{}]", items.join(", "))
                }
                8 if budget > 0 => {
                    let items: Vec<String> = (0..self.0.random_range(0..4))
                        .map(|i| format!("f{i}: {}", self.value(budget - 1)))
                        .collect();
                    format!("{{{}}}", items.join(", "))
                }
                _ => {
                    let depth = self.depth();
                    self.nest(depth, "1")
                }
            }
        }

        fn selection(&mut self) -> String {
            let mut out = Vec::new();
            for _ in 0..self.0.random_range(1..4) {
                let field = self.pick(FIELDS).to_owned();
                let field = match self.0.random_range(0..6) {
                    0 => format!("x{}: {field}", self.0.random_range(0..1000)),
                    1 => {
                        let (name, rest) = field.split_once(' ').unwrap_or((&field, ""));
                        let name = name.split('(').next().unwrap_or(name);
                        format!("{name}(arg: {}) {rest}", self.value(3))
                    }
                    2 => format!("{field} @include(if: {})", self.value(2)),
                    3 => format!("...F{}", self.0.random_range(0..3)),
                    _ => field,
                };
                out.push(field);
            }
            out.join(" ")
        }

        /// A document, its variables, and an operation name.
        pub fn document(&mut self) -> (String, serde_json::Value, Option<String>) {
            let mut doc = String::new();
            let operations = match self.0.random_range(0..10) {
                0 => self.0.random_range(2..60),
                _ => 1,
            };
            for i in 0..operations {
                let kind = self.pick(&["query", "query", "mutation", "subscription", ""]);
                let vars = if self.0.random_bool(0.3) {
                    format!("($v: [[String]] = {})", self.value(2))
                } else {
                    String::new()
                };
                if kind.is_empty() && operations == 1 {
                    doc.push_str(&format!("{{ {} }}", self.selection()));
                } else {
                    let kind = if kind.is_empty() { "query" } else { kind };
                    doc.push_str(&format!("{kind} Op{i}{vars} {{ {} }}\n", self.selection()));
                }
            }
            match self.0.random_range(0..6) {
                0 => doc.push_str(
                    "fragment F0 on Query { ...F1 } fragment F1 on Query { ...F0 } fragment F2 on Query { shop { name } }",
                ),
                1 => doc.push_str("fragment F0 on Query { shop { name } } fragment F0 on Query { __typename }"),
                _ => {}
            }
            doc = self.corrupt(doc);
            let variables = match self.0.random_range(0..5) {
                0 => serde_json::json!({"v": [["a\u{0}b"]]}),
                1 => {
                    let depth = self.0.random_range(1..120);
                    let text = format!("{}\"x\"{}", "[".repeat(depth), "]".repeat(depth));
                    serde_json::json!({ "v": serde_json::from_str::<serde_json::Value>(&text).unwrap() })
                }
                2 => serde_json::json!({"v": 1e300, "w": "é漢字🦀"}),
                _ => serde_json::json!({}),
            };
            let name = match self.0.random_range(0..5) {
                0 => Some(format!("Op{}", self.0.random_range(0..3))),
                1 => Some("Nope\u{0}".to_owned()),
                _ => None,
            };
            (doc, variables, name)
        }

        /// Occasionally breaks the document: truncation, junk, unterminated strings, NULs.
        fn corrupt(&mut self, mut doc: String) -> String {
            match self.0.random_range(0..10) {
                0 => {
                    let mut cut = self.0.random_range(0..doc.len().max(1));
                    while !doc.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    doc.truncate(cut);
                }
                1 => doc.push_str(" \"unterminated {{{{"),
                2 => doc.push_str(" \"\"\" never closed [[[["),
                3 => doc.insert(0, '\u{0}'),
                4 => {
                    let junk: String = (0..self.0.random_range(1..200))
                        .map(|_| char::from_u32(self.0.random_range(1..0x3000)).unwrap_or('?'))
                        .collect();
                    doc.push_str(&junk);
                }
                5 => {
                    let depth = self.depth();
                    let nested = self.nest(depth, "");
                    doc.push_str(&nested);
                }
                6 => doc = format!("# {}\n{doc}", "{".repeat(5000)),
                _ => {}
            }
            doc
        }
    }
}

/// A response body is GraphQL-shaped: data and/or a non-empty list of errors with
/// messages, never an internal error.
fn assert_graphql_shaped(body: &Value, context: &str) {
    let errors = body.get("errors");
    assert!(
        body.get("data").is_some() || errors.is_some(),
        "neither data nor errors: {body} ({context})"
    );
    if let Some(errors) = errors {
        let errors = errors
            .as_array()
            .unwrap_or_else(|| panic!("errors is not a list: {body} ({context})"));
        assert!(!errors.is_empty(), "{context}");
        for error in errors {
            assert!(error["message"].is_string(), "{body} ({context})");
            assert_ne!(
                error["extensions"]["code"], "INTERNAL_SERVER_ERROR",
                "{body} ({context})"
            );
        }
    }
}

#[tokio::test]
async fn fuzzed_documents_never_break_the_server() {
    let seed = std::env::var("BIZGRAPH_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    let budget = Duration::from_secs(
        std::env::var("BIZGRAPH_FUZZ_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(12),
    );
    let server = TestServer::start().await;
    let mut generator = fuzz::Gen::new(seed);
    let (mut ws, ack) = ws_init(&server, "graphql-transport-ws", json!({})).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    let started = Instant::now();
    let mut cases = 0usize;
    while started.elapsed() < budget {
        cases += 1;
        let (doc, variables, name) = generator.document();
        let context = format!(
            "seed {seed} (rerun with BIZGRAPH_FUZZ_SEED={seed}), case {cases}: {}",
            doc.chars().take(300).collect::<String>()
        );
        let request = json!({"query": doc, "variables": variables, "operationName": name});
        let transport = cases % 10;
        if transport == 9 {
            let id = format!("f{cases}");
            ws.send(Message::text(
                json!({"id": id, "type": "subscribe", "payload": request}).to_string(),
            ))
            .await
            .unwrap_or_else(|e| panic!("socket dropped: {e} ({context})"));
            loop {
                let reply = ws_next(&mut ws, Duration::from_secs(30))
                    .await
                    .unwrap_or_else(|| panic!("no reply, socket closed? ({context})"));
                assert_eq!(reply["id"], id.as_str(), "{reply} ({context})");
                match reply["type"].as_str() {
                    Some("next") => assert_graphql_shaped(&reply["payload"], &context),
                    Some("complete") => break,
                    Some("error") => break,
                    _ => panic!("unexpected message {reply} ({context})"),
                }
            }
            continue;
        }
        let resp = match transport {
            0 | 1 if doc.len() < 4_000 => {
                server
                    .client
                    .get(server.graphql_url())
                    .query(&[("query", doc.as_str())])
                    .send()
                    .await
            }
            2 => {
                server
                    .client
                    .post(server.graphql_url())
                    .json(&json!([request, {"query": "{ shop { name } }"}]))
                    .send()
                    .await
            }
            _ => {
                server
                    .client
                    .post(server.graphql_url())
                    .json(&request)
                    .send()
                    .await
            }
        }
        .unwrap_or_else(|e| panic!("connection failed: {e} ({context})"));
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        assert!(
            status < 500 || status == 504,
            "status {status}: {text} ({context})"
        );
        let body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {text} ({context})"));
        match &body {
            Value::Array(items) => items
                .iter()
                .for_each(|item| assert_graphql_shaped(item, &context)),
            _ => assert_graphql_shaped(&body, &context),
        }
    }
    eprintln!(
        "fuzz: seed {seed}, {cases} cases in {:?}",
        started.elapsed()
    );
    assert!(cases >= 50, "only {cases} cases ran (seed {seed})");
    still_serving(&server).await;
    ws_subscribe(&mut ws, "final", "{ shop { name } }").await;
    let reply = ws_next(&mut ws, Duration::from_secs(10)).await.unwrap();
    assert!(
        reply["payload"]["data"]["shop"]["name"].is_string(),
        "{reply}"
    );
}
