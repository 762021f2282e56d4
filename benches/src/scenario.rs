//! Scenario files: `benches/scenarios/<name>.json`.
//!
//! ```json
//! {
//!   "description": "what this measures",
//!   "requests": [
//!     {"query": "query Shop { shop { name } }", "variables": {}, "operationName": "Shop"}
//!   ]
//! }
//! ```
//!
//! `variables` and `operationName` are optional. Workers cycle through
//! `requests` in order (each worker starts at a different offset).

use std::path::{Path, PathBuf};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where `--scenario NAME` looks by default: the `scenarios/` folder next to
/// this crate's Cargo.toml.
pub const DEFAULT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    #[serde(default)]
    description: String,
    requests: Vec<RequestSpec>,
}

/// One GraphQL request, serialised as the POST body.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    pub query: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variables: Option<Value>,
    #[serde(
        rename = "operationName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub operation_name: Option<String>,
}

/// A loaded scenario with its request bodies pre-serialised.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub requests: Vec<RequestSpec>,
    /// JSON bodies, one per request, cheap to clone per send.
    pub bodies: Vec<Bytes>,
}

/// Parses scenario JSON text; `name` is used for messages and the table.
pub fn parse(name: &str, text: &str) -> Result<Scenario, String> {
    let file: ScenarioFile = serde_json::from_str(text)
        .map_err(|e| format!("scenario '{name}': invalid scenario JSON: {e}"))?;
    if file.requests.is_empty() {
        return Err(format!("scenario '{name}': \"requests\" is empty"));
    }
    let mut bodies = Vec::with_capacity(file.requests.len());
    for (i, req) in file.requests.iter().enumerate() {
        if req.query.trim().is_empty() {
            return Err(format!(
                "scenario '{name}': request #{i} has an empty query"
            ));
        }
        match &req.variables {
            None | Some(Value::Null) | Some(Value::Object(_)) => {}
            Some(_) => {
                return Err(format!(
                    "scenario '{name}': request #{i}: \"variables\" must be an object"
                ));
            }
        }
        let body = serde_json::to_vec(req)
            .map_err(|e| format!("scenario '{name}': request #{i}: cannot serialise: {e}"))?;
        bodies.push(Bytes::from(body));
    }
    Ok(Scenario {
        name: name.to_owned(),
        description: file.description,
        requests: file.requests,
        bodies,
    })
}

/// Loads any scenario file; the scenario's name is the file stem.
pub fn load_file(path: &Path) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read scenario file {}: {e}", path.display()))?;
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("scenario");
    parse(name, &text)
}

/// Loads `<dir>/<name>.json`.
pub fn load_named(dir: &Path, name: &str) -> Result<Scenario, String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        || name.starts_with('.')
    {
        return Err(format!(
            "invalid scenario name '{name}' (use letters, digits, '-', '_'; or --scenario-file PATH)"
        ));
    }
    let path = dir.join(format!("{name}.json"));
    if !path.is_file() {
        let known = list(dir)
            .map(|v| v.into_iter().map(|(n, _)| n).collect::<Vec<_>>().join(", "))
            .unwrap_or_default();
        return Err(format!(
            "unknown scenario '{name}': {} not found (available: {})",
            path.display(),
            if known.is_empty() { "none" } else { &known }
        ));
    }
    load_file(&path)
}

/// One `--list` entry: the name and either a one-line summary or the load
/// error, so a broken file shows up in `--list`.
pub type ListEntry = (String, Result<String, String>);

/// Names (file stems) of all `*.json` files in `dir`, sorted, with their
/// descriptions.
pub fn list(dir: &Path) -> Result<Vec<ListEntry>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read scenario directory {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    Ok(paths
        .iter()
        .map(|p| {
            let name = p
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_owned();
            let info = load_file(p).map(|s| {
                let n = s.requests.len();
                let plural = if n == 1 { "" } else { "s" };
                format!("{} [{n} request{plural}]", s.description)
            });
            (name, info)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_request() -> Result<(), String> {
        let s = parse(
            "x",
            r#"{"description": "d", "requests": [
                {"query": "query A($n: Int) { a(n: $n) }", "variables": {"n": 3}, "operationName": "A"},
                {"query": "{ b }"}
            ]}"#,
        )?;
        assert_eq!(s.name, "x");
        assert_eq!(s.description, "d");
        assert_eq!(s.requests.len(), 2);
        assert_eq!(s.requests[0].operation_name.as_deref(), Some("A"));
        let body: Value = serde_json::from_slice(&s.bodies[0]).map_err(|e| e.to_string())?;
        assert_eq!(body["variables"]["n"], 3);
        assert_eq!(body["operationName"], "A");
        // Optional fields are omitted from the body, not sent as null.
        let body: Value = serde_json::from_slice(&s.bodies[1]).map_err(|e| e.to_string())?;
        assert_eq!(body, serde_json::json!({"query": "{ b }"}));
        Ok(())
    }

    #[test]
    fn rejects_bad_files() {
        assert!(parse("x", "not json").is_err());
        assert!(parse("x", r#"{"requests": []}"#).is_err());
        assert!(parse("x", r#"{"requests": [{"query": "  "}]}"#).is_err());
        assert!(parse("x", r#"{"requests": [{"query": "{a}", "variables": [1]}]}"#).is_err());
        // Typos are caught rather than silently ignored.
        assert!(parse("x", r#"{"requests": [{"query": "{a}", "variable": {}}]}"#).is_err());
        assert!(parse("x", r#"{"request": [{"query": "{a}"}]}"#).is_err());
    }

    #[test]
    fn description_is_optional() -> Result<(), String> {
        let s = parse(
            "x",
            r#"{"requests": [{"query": "{a}", "variables": null}]}"#,
        )?;
        assert_eq!(s.description, "");
        Ok(())
    }

    #[test]
    fn shipped_scenarios_load() -> Result<(), String> {
        let dir = Path::new(DEFAULT_DIR);
        let shop = load_named(dir, "shop")?;
        assert_eq!(shop.name, "shop");
        assert!(shop.requests[0].query.contains("shop"));
        let all = list(dir)?;
        assert!(all.iter().any(|(n, _)| n == "shop"));
        for (name, info) in all {
            info.map_err(|e| format!("{name}: {e}"))?;
        }
        Ok(())
    }

    #[test]
    fn load_file_and_named_errors() -> Result<(), String> {
        let dir = std::env::temp_dir().join(format!("loadgen-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let path = dir.join("mine.json");
        std::fs::write(&path, r#"{"description":"m","requests":[{"query":"{a}"}]}"#)
            .map_err(|e| e.to_string())?;
        let s = load_file(&path)?;
        assert_eq!(s.name, "mine");
        assert_eq!(load_named(&dir, "mine")?.description, "m");
        let err = load_named(&dir, "nope").err().unwrap_or_default();
        assert!(err.contains("available: mine"), "{err}");
        assert!(load_named(&dir, "../etc/passwd").is_err());
        assert!(load_file(&dir.join("missing.json")).is_err());
        std::fs::remove_dir_all(&dir).map_err(|e| e.to_string())?;
        Ok(())
    }
}
