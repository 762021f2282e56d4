//! The Saleor dashboard's side of the API: its transport (credentialed CORS, the
//! `Authorization-Bearer` header) and the shop-wide settings it manages.

use serde_json::json;

use crate::common::{TestServer, data};

const ME: &str = "{ me { email isStaff } }";

#[tokio::test]
async fn a_credentialed_cross_origin_preflight_is_answered_as_saleor_does() {
    let server = TestServer::start_with(|c| {
        c.cors_origins = "https://dashboard.example.com, https://*.shops.example".into();
    })
    .await;
    let client = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        client
            .request(reqwest::Method::OPTIONS, server.graphql_url())
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization-bearer, content-type",
            )
            .send()
    };

    let allowed = preflight("https://a.shops.example").await.unwrap();
    assert_eq!(allowed.status(), 200);
    let h = allowed.headers();
    assert_eq!(h["access-control-allow-origin"], "https://a.shops.example");
    assert_eq!(h["access-control-allow-credentials"], "true");
    let headers = h["access-control-allow-headers"].to_str().unwrap();
    for name in [
        "Authorization",
        "Authorization-Bearer",
        "Content-Type",
        "Source-Service-Name",
    ] {
        assert!(headers.contains(name), "{name} missing from {headers}");
    }
    assert!(
        h["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );

    let refused = preflight("https://evil.example").await.unwrap();
    assert_eq!(refused.status(), 400);
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    // The actual request echoes the origin and allows credentials; others get no origin.
    let post = |origin: &'static str| {
        client
            .post(server.graphql_url())
            .header("origin", origin)
            .json(&json!({ "query": "{ shop { name } }" }))
            .send()
    };
    let ok = post("https://dashboard.example.com").await.unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://dashboard.example.com"
    );
    assert_eq!(ok.headers()["access-control-allow-credentials"], "true");
    assert!(ok.headers()["vary"].to_str().unwrap().contains("Origin"));
    let other = post("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn any_origin_is_echoed_by_default() {
    let server = TestServer::start().await;
    let resp = reqwest::Client::new()
        .post(server.graphql_url())
        .header("origin", "http://localhost:9000")
        .json(&json!({ "query": "{ shop { name } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "http://localhost:9000"
    );
    assert_eq!(resp.headers()["access-control-allow-credentials"], "true");
}

#[tokio::test]
async fn the_dashboards_authorization_bearer_header_authenticates() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    let client = reqwest::Client::new();
    let ask = |header: &'static str, value: String| {
        client
            .post(server.graphql_url())
            .header(header, value)
            .json(&json!({ "query": ME }))
            .send()
    };

    let body: serde_json::Value = ask("authorization-bearer", token.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(data(&body)["me"]["isStaff"], true, "{body}");

    // It wins over `Authorization`, as in Saleor.
    let both: serde_json::Value = client
        .post(server.graphql_url())
        .header("authorization", "Bearer not-a-token")
        .header("authorization-bearer", token.clone())
        .json(&json!({ "query": ME }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(data(&both)["me"]["isStaff"], true, "{both}");

    // A bad token in it is refused like a bad `Authorization`.
    let bad: serde_json::Value = ask("authorization-bearer", "a.b.c".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        bad["errors"][0]["extensions"]["code"], "INVALID_TOKEN",
        "{bad}"
    );
}
