//! Saleor metadata: public and private key/value pairs on objects that have them
//! (`metadata`, `privateMetadata`, `metafield(s)`, `updateMetadata`, `deleteMetadata`, ...).
//!
//! Values are stored as a JSON object per row. Each domain registers the types it owns in
//! [`MetadataStore`] so the generic mutations can find the row behind a global ID.

use std::collections::BTreeMap;

use async_graphql::{InputObject, SimpleObject, scalar};
use serde_json::Value as Json;

/// A metadata entry.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct MetadataItem {
    /// Key of a metadata item.
    pub key: String,
    /// Value of a metadata item.
    pub value: String,
}

/// A metadata entry to set.
#[derive(InputObject, Clone, Debug)]
pub struct MetadataInput {
    /// Key of a metadata item.
    pub key: String,
    /// Value of a metadata item.
    pub value: String,
}

/// Saleor's `Metadata` scalar: a JSON object of string values.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Metadata(pub BTreeMap<String, String>);
scalar!(
    Metadata,
    "Metadata",
    "Metadata is a map of key-value pairs, both keys and values are `String`."
);

/// Reads a stored metadata object; anything that is not a string map reads as empty.
pub fn items(stored: &Json) -> Vec<MetadataItem> {
    stored
        .as_object()
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| {
                    v.as_str().map(|v| MetadataItem {
                        key: k.clone(),
                        value: v.to_owned(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A single value, as `metafield(key)`.
pub fn get(stored: &Json, key: &str) -> Option<String> {
    stored.get(key).and_then(Json::as_str).map(str::to_owned)
}

/// A subset of values, as `metafields(keys)`; `None` keys means all.
pub fn subset(stored: &Json, keys: Option<&[String]>) -> Metadata {
    Metadata(
        items(stored)
            .into_iter()
            .filter(|item| keys.is_none_or(|keys| keys.contains(&item.key)))
            .map(|item| (item.key, item.value))
            .collect(),
    )
}

/// Why a metadata change was refused (Saleor's `MetadataErrorCode.REQUIRED`).
#[derive(Debug, PartialEq, Eq)]
pub struct EmptyKey;

/// Returns `stored` with `input` set; keys must not be blank.
pub fn with_set(stored: &Json, input: &[MetadataInput]) -> Result<Json, EmptyKey> {
    let mut map = stored.as_object().cloned().unwrap_or_default();
    for entry in input {
        if entry.key.trim().is_empty() {
            return Err(EmptyKey);
        }
        map.insert(entry.key.clone(), Json::String(entry.value.clone()));
    }
    Ok(Json::Object(map))
}

/// Returns `stored` without `keys`.
pub fn without(stored: &Json, keys: &[String]) -> Json {
    let mut map = stored.as_object().cloned().unwrap_or_default();
    for key in keys {
        map.remove(key);
    }
    Json::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_delete() {
        let stored = Json::Object(Default::default());
        let input = [MetadataInput {
            key: "a".into(),
            value: "1".into(),
        }];
        let stored = with_set(&stored, &input).unwrap_or_default();
        assert_eq!(get(&stored, "a").as_deref(), Some("1"));
        let blank = [MetadataInput {
            key: " ".into(),
            value: "x".into(),
        }];
        assert_eq!(with_set(&stored, &blank), Err(EmptyKey));
        assert!(items(&without(&stored, &["a".into()])).is_empty());
    }
}
