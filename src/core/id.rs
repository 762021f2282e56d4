//! Saleor's global IDs: base64 of `"Type:pk"`.

use async_graphql::ID;
use base64::{Engine, engine::general_purpose::STANDARD};
use std::str::FromStr;

use super::error::{ErrorCode, error};

/// Encodes a global ID for an object of GraphQL type `type_name` with primary key `pk`.
pub fn encode(type_name: &str, pk: impl std::fmt::Display) -> ID {
    ID(STANDARD.encode(format!("{type_name}:{pk}")))
}

/// Splits a global ID into its type name and primary key text, if it is well formed.
pub fn split(id: &str) -> Option<(String, String)> {
    let bytes = STANDARD.decode(id.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (type_name, pk) = text.split_once(':')?;
    if type_name.is_empty() || pk.is_empty() {
        return None;
    }
    Some((type_name.to_owned(), pk.to_owned()))
}

/// Decodes a global ID that must be of type `expected`, with Saleor's error messages:
/// `Invalid ID: X. Expected: T.` or `Invalid ID: X. Expected: T, received: U.`
pub fn decode<T: FromStr>(id: &str, expected: &str) -> async_graphql::Result<T> {
    let invalid = || {
        error(
            ErrorCode::InvalidId,
            format!("Invalid ID: {id}. Expected: {expected}."),
        )
    };
    let (type_name, pk) = split(id).ok_or_else(invalid)?;
    if type_name != expected {
        return Err(error(
            ErrorCode::InvalidId,
            format!("Invalid ID: {id}. Expected: {expected}, received: {type_name}."),
        ));
    }
    pk.parse().map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let id = encode("Product", 42);
        assert_eq!(id.as_str(), "UHJvZHVjdDo0Mg==");
        assert_eq!(decode::<i32>(&id, "Product").ok(), Some(42));
    }

    #[test]
    fn wrong_type_and_garbage() {
        let id = encode("Category", 1);
        let err = decode::<i32>(&id, "Product").err().map(|e| e.message);
        assert_eq!(
            err.as_deref(),
            Some("Invalid ID: Q2F0ZWdvcnk6MQ==. Expected: Product, received: Category.")
        );
        assert!(decode::<i32>("not-base64!", "Product").is_err());
        assert!(decode::<i32>(&encode("Product", "abc"), "Product").is_err());
        assert!(decode::<i32>(&STANDARD.encode("nocolon"), "Product").is_err());
    }
}
