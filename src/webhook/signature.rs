//! `Saleor-Signature`: HMAC-SHA256 (hex) with the webhook's legacy secret key, otherwise a
//! detached-payload JWS (RS256, `b64: false`, `crit: ["b64"]`) verifiable with our JWKS.

use ring::hmac;

use crate::account::jwt::KeyStore;

/// Hex HMAC-SHA256 of `payload` under `secret`, as Saleor's legacy signature.
pub fn hmac_hex(secret: &[u8], payload: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    hex::encode(hmac::sign(&key, payload))
}

/// The signature header value for `payload`.
pub fn sign(keys: &KeyStore, secret: Option<&[u8]>, payload: &[u8]) -> Option<String> {
    match secret {
        Some(secret) => Some(hmac_hex(secret, payload)),
        None => keys.sign_detached(payload).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_a_known_vector() {
        // RFC 4231 test case 2.
        assert_eq!(
            hmac_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
