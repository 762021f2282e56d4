//! Loads the storefront's GraphQL operations from `../shared/reference/storefront-ops` at
//! test time and assembles an operation with the fragments it needs.
#![allow(dead_code, clippy::unwrap_used)]

use std::{collections::BTreeMap, path::PathBuf};

/// Directory of the storefront's catalog operations.
pub fn ops_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/storefront-ops/src/graphql")
}

/// Directory of the storefront's checkout operations (`src/checkout/graphql`).
pub fn checkout_ops_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/reference/storefront-ops/src/checkout/graphql")
}

/// Every definition (operation or fragment) in `dir`, by name.
fn definitions(dir: PathBuf) -> BTreeMap<String, String> {
    let mut defs = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "graphql") {
            continue;
        }
        let text: String = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|l| l.split('#').next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let rest = &text[i..];
            let kw = ["query ", "mutation ", "fragment "]
                .iter()
                .find(|k| rest.starts_with(**k));
            if let Some(kw) = kw {
                let name: String = rest[kw.len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                // Find the body: first '{' then match braces.
                let open = i + rest.find('{').unwrap();
                let mut depth = 0;
                let mut end = open;
                for (k, ch) in text[open..].char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = open + k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                defs.insert(name, text[i..end].to_owned());
                i = end;
            } else {
                i += rest.chars().next().map_or(1, char::len_utf8);
            }
        }
    }
    defs
}

/// The operation `name` with every fragment it uses (transitively).
pub fn document(name: &str) -> String {
    document_in(ops_dir(), name)
}

/// The checkout operation `name` (from `src/checkout/graphql`) with its fragments.
pub fn checkout_document(name: &str) -> String {
    document_in(checkout_ops_dir(), name)
}

/// The operation `name` from `dir` with every fragment it uses (transitively).
pub fn document_in(dir: PathBuf, name: &str) -> String {
    let defs = definitions(dir);
    let mut out = vec![
        defs.get(name)
            .unwrap_or_else(|| panic!("no operation {name}"))
            .clone(),
    ];
    let mut seen = std::collections::BTreeSet::new();
    let mut i = 0;
    while i < out.len() {
        let text = out[i].clone();
        for part in text.split("...").skip(1) {
            let frag: String = part
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if frag.is_empty() || frag == "on" || !seen.insert(frag.clone()) {
                continue;
            }
            if let Some(def) = defs.get(&frag) {
                out.push(def.clone());
            }
        }
        i += 1;
    }
    out.join("\n\n")
}
