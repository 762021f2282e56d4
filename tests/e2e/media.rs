//! Product image uploads (GraphQL multipart requests) and the `/thumbnail/` endpoint:
//! validation, storage in the database, thumbnail URLs, resizing, the per-instance disk
//! cache, ETags, permissions, limits and deletion.

use std::io::Cursor;

use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::common::{TestServer, data, error_code};

const CREATE: &str = "mutation($input: ProductMediaCreateInput!) { productMediaCreate(input: $input) { media { id alt type url } product { id } errors { field code message } } }";

/// A `width`×`height` RGB gradient as PNG.
fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 90])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// POSTs `productMediaCreate(input: {…input, image: <file>})` as a GraphQL multipart request
/// (https://github.com/jaydenseric/graphql-multipart-request-spec), built by hand.
async fn upload(
    server: &TestServer,
    token: Option<&str>,
    mut input: Value,
    filename: &str,
    content_type: &str,
    content: &[u8],
) -> (StatusCode, Value) {
    input["image"] = Value::Null;
    let operations = json!({"query": CREATE, "variables": {"input": input}}).to_string();
    let map = json!({"0": ["variables.input.image"]}).to_string();
    let boundary = "----bizgraph-media-test-5b2c";
    let mut body = Vec::new();
    for (name, value) in [("operations", operations), ("map", map)] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut req = server
        .client
        .post(server.graphql_url())
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

/// A demo product with its media removed, so an upload becomes its thumbnail.
async fn bare_product(server: &TestServer, token: &str) -> String {
    let body = server
        .gql_as(
            token,
            "{ products(first: 1, channel: \"default-channel\") { edges { node { id media { id } } } } }",
            json!({}),
        )
        .await;
    let node = &data(&body)["products"]["edges"][0]["node"];
    for m in node["media"].as_array().unwrap() {
        let body = server
            .gql_as(
                token,
                "mutation($id: ID!) { productMediaDelete(id: $id) { errors { code } } }",
                json!({"id": m["id"]}),
            )
            .await;
        assert_eq!(data(&body)["productMediaDelete"]["errors"], json!([]));
    }
    node["id"].as_str().unwrap().to_owned()
}

async fn get(server: &TestServer, url: &str, etag: Option<&str>) -> reqwest::Response {
    let mut req = server.client.get(url);
    if let Some(etag) = etag {
        req = req.header("if-none-match", etag);
    }
    req.send().await.unwrap()
}

/// Stored originals other than the demo store's own images.
async fn file_rows(server: &TestServer) -> u64 {
    use entities::product_media_file::{Column, Entity};
    let demo: Vec<String> = (0..bizgraph::media::demo::VARIANTS)
        .map(|n| bizgraph::media::demo::image(n).sha256)
        .collect();
    Entity::find()
        .filter(Column::Sha256.is_not_in(demo))
        .count(&server.state.db.conn)
        .await
        .unwrap()
}

async fn media_rows(server: &TestServer) -> u64 {
    entities::product_media::Entity::find()
        .count(&server.state.db.conn)
        .await
        .unwrap()
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

async fn start_with_cache() -> (TestServer, tempfile::TempDir) {
    let cache = tempfile::tempdir().unwrap();
    let dir = cache.path().to_path_buf();
    let server = TestServer::start_with(move |c| c.thumbnail_cache_dir = Some(dir)).await;
    (server, cache)
}

#[tokio::test]
async fn upload_thumbnails_cache_etag_and_delete() {
    let (server, cache) = start_with_cache().await;
    let token = server.staff_token().await;
    let product = bare_product(&server, &token).await;
    let original = png(600, 400);

    let (status, body) = upload(
        &server,
        Some(&token),
        json!({"product": product, "alt": "A gradient"}),
        "gradient.png",
        "image/png",
        &original,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let created = &data(&body)["productMediaCreate"];
    assert_eq!(created["errors"], json!([]), "{body:#}");
    let media_id = created["media"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["media"]["alt"], "A gradient");
    assert_eq!(created["media"]["type"], "IMAGE");
    let original_url = created["media"]["url"].as_str().unwrap().to_owned();
    assert!(
        original_url.starts_with(&server.url("/media/products/")) && original_url.ends_with(".png"),
        "{original_url}"
    );
    assert_eq!(file_rows(&server).await, 1);

    // Listed on the product, with thumbnail URLs in Saleor's shape (sizes snapped).
    let body = server
        .gql_as(
            &token,
            "query($id: ID!) { product(id: $id) { media { id alt url } thumbnail(size: 256, format: WEBP) { url alt }
               t300: thumbnail(size: 300) { url } original: thumbnail { url } } }",
            json!({"id": product}),
        )
        .await;
    let p = &data(&body)["product"];
    assert_eq!(p["media"][0]["id"], media_id.as_str());
    assert_eq!(p["media"][0]["alt"], "A gradient");
    assert_eq!(p["media"][0]["url"], original_url.as_str());
    assert_eq!(p["thumbnail"]["alt"], "A gradient");
    let webp_url = p["thumbnail"]["url"].as_str().unwrap().to_owned();
    assert_eq!(
        webp_url,
        server.url(&format!("/thumbnail/{media_id}/256/webp/"))
    );
    assert_eq!(
        p["t300"]["url"],
        server.url(&format!("/thumbnail/{media_id}/256/"))
    );
    assert_eq!(p["original"]["url"], original_url.as_str());
    let body = server
        .gql_as(
            &token,
            "query($id: ID!) { product(id: $id) { media { url(size: 100, format: AVIF) } } }",
            json!({"id": product}),
        )
        .await;
    let avif_url = data(&body)["product"]["media"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        avif_url,
        server.url(&format!("/thumbnail/{media_id}/128/avif/"))
    );

    // First request: encoded, cached on disk.
    let resp = get(&server, &webp_url, None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let headers = resp.headers().clone();
    assert_eq!(headers["content-type"], "image/webp");
    assert_eq!(
        headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let webp = resp.bytes().await.unwrap();
    let img = image::load_from_memory_with_format(&webp, image::ImageFormat::WebP).unwrap();
    assert_eq!(img.width(), 256);
    assert!(
        (170..=171).contains(&img.height()),
        "aspect ratio 3:2 kept: {}x{}",
        img.width(),
        img.height()
    );
    assert_eq!(server.state.media.encodes(), 1);
    let cached: Vec<_> = files_under(cache.path());
    assert!(
        cached
            .iter()
            .any(|p| p.to_string_lossy().ends_with("256-webp.webp")),
        "{cached:?}"
    );

    // Second request: from the cache, same bytes; a matching ETag gets 304.
    let resp = get(&server, &webp_url, None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.bytes().await.unwrap(), webp);
    assert_eq!(server.state.media.encodes(), 1, "served from the cache");
    let resp = get(&server, &webp_url, Some(&etag)).await;
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(resp.headers()["etag"], etag.as_str());
    assert!(resp.bytes().await.unwrap().is_empty());

    // AVIF and the original format.
    let resp = get(&server, &avif_url, None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "image/avif");
    let avif = resp.bytes().await.unwrap();
    assert_eq!(&avif[4..12], b"ftypavif");
    let resp = get(
        &server,
        &server.url(&format!("/thumbnail/{media_id}/64/")),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "image/png");
    let img =
        image::load_from_memory_with_format(&resp.bytes().await.unwrap(), image::ImageFormat::Png)
            .unwrap();
    assert_eq!(img.width(), 64);
    assert_eq!(server.state.media.encodes(), 3);

    // The original, byte for byte.
    let resp = get(&server, &original_url, None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "image/png");
    let etag_original = resp.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(resp.bytes().await.unwrap(), original);
    let resp = get(&server, &original_url, Some(&etag_original)).await;
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);

    // Bad requests.
    let status = |path: String| {
        let server = &server;
        async move { get(server, &server.url(&path), None).await.status() }
    };
    assert_eq!(
        status(format!("/thumbnail/{media_id}/big/webp/")).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        status(format!(
            "/thumbnail/{media_id}/99999999999999999999999/webp/"
        ))
        .await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        status(format!("/thumbnail/{media_id}/256/gif/")).await,
        StatusCode::BAD_REQUEST
    );
    let unknown = bizgraph::core::id::encode("ProductMedia", 999_999).0;
    assert_eq!(
        status(format!("/thumbnail/{unknown}/256/webp/")).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status(format!("/thumbnail/{product}/256/webp/")).await,
        StatusCode::NOT_FOUND,
        "a product id is not a media id"
    );
    assert_eq!(
        status("/thumbnail/not-an-id/256/webp/".to_owned()).await,
        StatusCode::NOT_FOUND
    );

    // Delete: the stored file and this instance's cached thumbnails go with it.
    let body = server
        .gql_as(
            &token,
            "mutation($id: ID!) { productMediaDelete(id: $id) { media { id } errors { code } } }",
            json!({"id": media_id}),
        )
        .await;
    assert_eq!(data(&body)["productMediaDelete"]["errors"], json!([]));
    assert_eq!(file_rows(&server).await, 0);
    assert_eq!(
        get(&server, &webp_url, None).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&server, &webp_url, Some(&etag)).await.status(),
        StatusCode::NOT_FOUND,
        "a deleted image is gone even for a client holding its ETag"
    );
    assert_eq!(
        get(&server, &original_url, None).await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(files_under(cache.path()).is_empty());
}

#[tokio::test]
async fn concurrent_first_requests_share_one_encode_across_instances() {
    let (server, _cache) = start_with_cache().await;
    let token = server.staff_token().await;
    let product = bare_product(&server, &token).await;
    let (_, body) = upload(
        &server,
        Some(&token),
        json!({"product": product}),
        "big.png",
        "image/png",
        &png(1200, 900),
    )
    .await;
    let media_id = data(&body)["productMediaCreate"]["media"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body:#}"))
        .to_owned();
    let url = server.url(&format!("/thumbnail/{media_id}/512/webp/"));
    let responses = futures_util::future::join_all((0..8).map(|_| get(&server, &url, None))).await;
    let mut bodies = Vec::new();
    for resp in responses {
        assert_eq!(resp.status(), StatusCode::OK);
        bodies.push(resp.bytes().await.unwrap());
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(server.state.media.encodes(), 1, "a burst encodes once");

    // Another instance (same database, its own disk cache) serves it too.
    let other_cache = tempfile::tempdir().unwrap();
    let dir = other_cache.path().to_path_buf();
    let database_url = server.database_url.clone();
    let other = TestServer::start_with(move |c| {
        c.database_url = Some(database_url);
        c.thumbnail_cache_dir = Some(dir);
    })
    .await;
    let resp = get(
        &other,
        &other.url(&format!("/thumbnail/{media_id}/512/webp/")),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.bytes().await.unwrap(), bodies[0]);
    assert_eq!(other.state.media.encodes(), 1);
}

#[tokio::test]
async fn bad_uploads_are_refused_and_nothing_is_stored() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    let product = bare_product(&server, &token).await;
    let before = media_rows(&server).await;

    // Not an image, whatever its name and declared type say.
    let (_, body) = upload(
        &server,
        Some(&token),
        json!({"product": product}),
        "photo.png",
        "image/png",
        b"name,email\nann,ann@example.com\n",
    )
    .await;
    let payload = &data(&body)["productMediaCreate"];
    assert_eq!(payload["media"], Value::Null);
    assert_eq!(
        payload["errors"],
        json!([{"field": "image", "code": "INVALID", "message": "Invalid file type."}])
    );

    // An image signature with a truncated body.
    let full = png(100, 80);
    let (_, body) = upload(
        &server,
        Some(&token),
        json!({"product": product}),
        "cut.png",
        "image/png",
        &full[..full.len() / 2],
    )
    .await;
    let errors = &data(&body)["productMediaCreate"]["errors"];
    assert_eq!(errors[0]["field"], "image");
    assert_eq!(errors[0]["code"], "INVALID");

    // An unknown product.
    let missing = bizgraph::core::id::encode("Product", 999_999).0;
    let (_, body) = upload(
        &server,
        Some(&token),
        json!({"product": missing}),
        "ok.png",
        "image/png",
        &png(10, 10),
    )
    .await;
    assert_eq!(
        data(&body)["productMediaCreate"]["errors"][0]["code"],
        "NOT_FOUND"
    );

    // Neither an image nor a URL; both; an over-long alt text (Saleor's codes, on `input`).
    let plain = |input: Value| {
        let (server, token) = (&server, &token);
        async move {
            let body = server.gql_as(token, CREATE, json!({"input": input})).await;
            data(&body)["productMediaCreate"]["errors"].clone()
        }
    };
    assert_eq!(
        plain(json!({"product": product})).await,
        json!([{"field": "input", "code": "REQUIRED", "message": "Image or external URL is required."}])
    );
    let (_, body) = upload(
        &server,
        Some(&token),
        json!({"product": product, "mediaUrl": "https://cdn.example.com/a.jpg"}),
        "ok.png",
        "image/png",
        &png(10, 10),
    )
    .await;
    assert_eq!(
        data(&body)["productMediaCreate"]["errors"][0]["code"],
        "DUPLICATED_INPUT_ITEM"
    );
    let errors = plain(json!({"product": product, "mediaUrl": "https://cdn.example.com/a.jpg", "alt": "x".repeat(251)})).await;
    assert_eq!(errors[0]["code"], "INVALID");
    assert_eq!(errors[0]["field"], "input");

    // Anonymous callers and customers may not upload.
    let (_, body) = upload(
        &server,
        None,
        json!({"product": product}),
        "ok.png",
        "image/png",
        &png(10, 10),
    )
    .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
    let customer = server.customer_token("media-customer@example.com").await;
    let (_, body) = upload(
        &server,
        Some(&customer),
        json!({"product": product}),
        "ok.png",
        "image/png",
        &png(10, 10),
    )
    .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");

    assert_eq!(media_rows(&server).await, before, "nothing half-written");
    assert_eq!(file_rows(&server).await, 0);

    // Media added by URL keep their URL, whatever size is asked (never fetched).
    let body = server
        .gql_as(
            &token,
            "mutation($input: ProductMediaCreateInput!) { productMediaCreate(input: $input) { media { url u: url(size: 256, format: WEBP) } errors { code } } }",
            json!({"input": {"product": product, "mediaUrl": "https://cdn.example.com/a.jpg"}}),
        )
        .await;
    let media = &data(&body)["productMediaCreate"]["media"];
    assert_eq!(media["url"], "https://cdn.example.com/a.jpg");
    assert_eq!(media["u"], "https://cdn.example.com/a.jpg");
}

#[tokio::test]
async fn limits_on_request_size_and_pixels() {
    let server = TestServer::start_with(|c| {
        c.max_upload_bytes = 64 * 1024;
        c.max_image_pixels = 10_000;
    })
    .await;
    let token = server.staff_token().await;
    let product = bare_product(&server, &token).await;

    // Over the multipart limit: refused by the HTTP layer before any GraphQL runs.
    let noise: Vec<u8> = (0..100 * 1024u32).map(|i| (i * 7919 % 251) as u8).collect();
    let (status, body) = upload(
        &server,
        Some(&token),
        json!({"product": product}),
        "huge.png",
        "image/png",
        &noise,
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&body), "REQUEST_TOO_LARGE");

    // Over the pixel limit (200×100 = 20,000 > 10,000), though small in bytes.
    let (_, body) = upload(
        &server,
        Some(&token),
        json!({"product": product}),
        "wide.png",
        "image/png",
        &png(200, 100),
    )
    .await;
    let errors = &data(&body)["productMediaCreate"]["errors"];
    assert_eq!(errors[0]["field"], "image");
    assert_eq!(errors[0]["code"], "INVALID");
    assert!(
        errors[0]["message"].as_str().unwrap().contains("200x100"),
        "{errors}"
    );
    assert_eq!(file_rows(&server).await, 0);
}
