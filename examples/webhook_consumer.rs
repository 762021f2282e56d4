//! A webhook consumer that verifies `Saleor-Signature` exactly as a Saleor app does, then
//! prints the verified event. Point a webhook at it:
//!
//! ```sh
//! cargo run --example webhook_consumer            # listens on 127.0.0.1:9000
//! WEBHOOK_SECRET=s3cret cargo run --example webhook_consumer   # legacy HMAC webhooks
//! ```
//!
//! Without `WEBHOOK_SECRET` the signature is a detached JWS (RS256, `b64: false`) checked
//! against the server's JWKS at `<origin of Saleor-Api-Url>/.well-known/jwks.json`.

use std::net::SocketAddr;

use axum::{Router, body::Bytes, http::HeaderMap, http::StatusCode, routing::post};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64URL};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr: SocketAddr = std::env::var("LISTEN")
        .unwrap_or_else(|_| "127.0.0.1:9000".into())
        .parse()?;
    let app = Router::new().fallback(post(receive));
    println!("webhook consumer listening on http://{addr}/ (any path)");
    axum::serve(tokio::net::TcpListener::bind(addr).await?, app).await?;
    Ok(())
}

async fn receive(headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    let (event, api_url, signature) = (
        header("saleor-event"),
        header("saleor-api-url"),
        header("saleor-signature"),
    );
    let verified = match std::env::var("WEBHOOK_SECRET") {
        Ok(secret) => verify_hmac(secret.as_bytes(), signature, &body),
        Err(_) => verify_jws(api_url, signature, &body).await,
    };
    match verified {
        Ok(()) => {
            let payload: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            println!("verified {event} from {api_url}:\n{payload:#}");
            StatusCode::OK
        }
        Err(reason) => {
            eprintln!("rejected {event}: {reason}");
            StatusCode::UNAUTHORIZED
        }
    }
}

fn verify_hmac(secret: &[u8], signature: &str, body: &[u8]) -> Result<(), String> {
    let expected = hex_decode(signature).ok_or("signature is not hex")?;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    ring::hmac::verify(&key, body, &expected).map_err(|_| "HMAC mismatch".to_owned())
}

async fn verify_jws(api_url: &str, signature: &str, body: &[u8]) -> Result<(), String> {
    let mut parts = signature.split('.');
    let (Some(header), Some(""), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a detached JWS".into());
    };
    let header_json: Value = B64URL
        .decode(header)
        .ok()
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or("bad JWS header")?;
    if header_json["alg"] != "RS256" || header_json["b64"] != false {
        return Err("unexpected JWS header".into());
    }
    let origin = reqwest::Url::parse(api_url).map_err(|_| "bad Saleor-Api-Url")?;
    let jwks_url = origin
        .join("/.well-known/jwks.json")
        .map_err(|e| e.to_string())?;
    let jwks: Value = reqwest::get(jwks_url)
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let key = jwks["keys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["kid"] == header_json["kid"]))
        .ok_or("no JWKS key with that kid")?;
    let decode = |field: &str| {
        key[field]
            .as_str()
            .and_then(|v| B64URL.decode(v).ok())
            .ok_or("bad JWKS key")
    };
    let (n, e) = (decode("n")?, decode("e")?);
    let mut signing_input = format!("{header}.").into_bytes();
    signing_input.extend_from_slice(body);
    let sig = B64URL.decode(sig).map_err(|_| "bad signature encoding")?;
    ring::signature::RsaPublicKeyComponents { n, e }
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            &signing_input,
            &sig,
        )
        .map_err(|_| "JWS signature mismatch".to_owned())
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect()
}
