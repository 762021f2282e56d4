//! Small helpers shared by the PayPal, Razorpay and PayU modules: sending a request and
//! classifying the answer, HMAC-SHA256 and SHA-512 in hex, decimal amounts.
//!
//! Error mapping common to every provider module:
//! - connect error, timeout, broken body, 5xx → [`GatewayError::Unavailable`] (nothing is
//!   known to have happened; the caller may retry);
//! - 4xx → returned to the provider module as a [`Reply`], which decides whether it is a
//!   decline (a `*_FAILURE` outcome) or [`GatewayError::Rejected`].

use reqwest::{RequestBuilder, StatusCode};
use ring::hmac;
use serde_json::Value;
use sha2::{Digest, Sha512};

use super::gateway::{Amount, GatewayError};

/// A provider's answer with a 2xx or 4xx status.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    /// The JSON body; `Value::Null` when empty, `Value::String` when not JSON.
    pub body: Value,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }
}

/// Sends `request` and classifies transport failures and 5xx as `Unavailable`.
pub async fn send(provider: &str, request: RequestBuilder) -> Result<Reply, GatewayError> {
    let response = crate::telemetry::send(request)
        .await
        .map_err(|e| transport_error(provider, &e))?;
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| transport_error(provider, &e))?;
    if status.is_server_error() {
        return Err(GatewayError::Unavailable(format!(
            "{provider} answered HTTP {}.",
            status.as_u16()
        )));
    }
    if !status.is_success() && !status.is_client_error() {
        return Err(GatewayError::Unavailable(format!(
            "{provider} answered unexpected HTTP {}.",
            status.as_u16()
        )));
    }
    let body = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(_) if status.is_success() => {
                return Err(GatewayError::Unavailable(format!(
                    "{provider} sent a response that is not JSON."
                )));
            }
            Err(_) => Value::String(String::from_utf8_lossy(&bytes).chars().take(300).collect()),
        }
    };
    Ok(Reply { status, body })
}

fn transport_error(provider: &str, e: &reqwest::Error) -> GatewayError {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not be reached"
    } else {
        "failed"
    };
    GatewayError::Unavailable(format!("The request to {provider} {what}."))
}

/// A `&str` field of a JSON object (`""` keys absent or not strings).
pub fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// Hex HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hex::encode(hmac::sign(&key, message))
}

/// Whether `signature_hex` is the HMAC-SHA256 of `message` under `key` (constant time).
pub fn verify_hmac_sha256_hex(key: &[u8], message: &[u8], signature_hex: &str) -> bool {
    let Ok(tag) = hex::decode(signature_hex.trim()) else {
        return false;
    };
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hmac::verify(&key, message, &tag).is_ok()
}

/// Lower-case hex SHA-512 of `s`.
pub fn sha512_hex(s: &str) -> String {
    hex::encode(Sha512::digest(s.as_bytes()))
}

/// Constant-time comparison of two ASCII strings, ignoring ASCII case.
pub fn eq_ignore_case_ct(a: &str, b: &str) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| {
        acc | (x.to_ascii_lowercase() ^ y.to_ascii_lowercase())
    }) == 0
}

/// Parses a provider's decimal amount (`"10.50"`) into minor units of `currency`.
pub fn parse_decimal(value: &str, currency: &str) -> Result<Amount, GatewayError> {
    let d: rust_decimal::Decimal = value.trim().parse().map_err(|_| {
        GatewayError::Unavailable(format!("The provider sent an invalid amount `{value}`."))
    })?;
    // Providers may send more zeros than the currency has digits ("10.000").
    let d = d.normalize();
    let minor = crate::catalog::money::to_minor(d, currency).map_err(|e| {
        GatewayError::Unavailable(format!(
            "The provider sent an invalid amount `{value}`: {e}"
        ))
    })?;
    Ok(Amount::new(minor, currency))
}

/// Checks what every provider needs of an amount we send: positive.
pub fn require_positive(amount: &Amount) -> Result<(), GatewayError> {
    if amount.minor <= 0 {
        return Err(GatewayError::InvalidData(
            "The amount must be greater than zero.".into(),
        ));
    }
    Ok(())
}

/// The first `max` characters of `s` (providers limit description lengths).
pub fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_verifies_only_the_right_tag() {
        // RFC 4231 test case 2.
        let tag = hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            tag,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify_hmac_sha256_hex(
            b"Jefe",
            b"what do ya want for nothing?",
            &tag.to_uppercase()
        ));
        assert!(!verify_hmac_sha256_hex(b"Jefe", b"what do ya want?", &tag));
        assert!(!verify_hmac_sha256_hex(b"Jefe", b"x", "not hex"));
    }

    #[test]
    fn sha512_known_vector() {
        // FIPS 180-2 "abc".
        assert_eq!(
            sha512_hex("abc"),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
    }

    #[test]
    fn decimal_amounts() {
        assert_eq!(
            parse_decimal("10.50", "USD").ok(),
            Some(Amount::new(1050, "USD"))
        );
        assert_eq!(
            parse_decimal("100", "JPY").ok(),
            Some(Amount::new(100, "JPY"))
        );
        assert_eq!(
            parse_decimal("10.000", "INR").ok(),
            Some(Amount::new(1000, "INR"))
        );
        assert!(parse_decimal("1.001", "USD").is_err());
        assert!(parse_decimal("abc", "USD").is_err());
        assert!(eq_ignore_case_ct("AbC", "aBc"));
        assert!(!eq_ignore_case_ct("abc", "abd"));
    }
}
