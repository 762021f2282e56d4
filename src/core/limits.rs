//! Query limits (bracket nesting, depth, cost, aliases, NUL characters) as an async-graphql
//! extension, and the query cost reported in `extensions.cost` like Saleor
//! (`requestedQueryCost`, `maximumAvailable`).
//!
//! The parser recurses once per nested value, list or selection set, so a small document of
//! deeply nested input object literals overflows the stack and aborts the process (no panic
//! handler can catch that). [`check_nesting`] scans the raw text first and must run before
//! every parse of a client-supplied document.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use async_graphql::{
    Positioned, ServerError, ServerResult, ValidationResult, Value, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation,
    },
    parser::types::{Directive, ExecutableDocument, OperationType, Selection, SelectionSet},
};
use async_graphql_value::Value as DocumentValue;

use super::error::{ErrorCode, server_error, with_code};

/// Request data marking a read-only request (HTTP GET): mutations are refused.
#[derive(Clone, Copy, Debug)]
pub struct ReadOnlyRequest;

/// Configured maxima; a request over any of them is rejected before execution.
#[derive(Clone, Copy, Debug)]
pub struct QueryLimits {
    pub max_depth: usize,
    pub max_cost: usize,
    pub max_aliases: usize,
    /// Deepest nesting of `{`, `[` and `(` combined, checked on the raw text before parsing.
    pub max_nesting: usize,
}

/// The default of `BIZGRAPH_MAX_NESTING`, and the limit for documents parsed outside a
/// request (webhook subscription queries, the response cache's cacheability check).
///
/// A query at the selection depth limit (20) with nested filter arguments stays far below;
/// the parser needs over a thousand levels to exhaust a 2 MiB worker stack (see the test).
pub const DEFAULT_MAX_NESTING: usize = 128;

/// Rejects `query` when its brackets (`{`, `[`, `(` combined) nest deeper than `max`, with
/// `QUERY_TOO_DEEP`. Scans the raw text, skipping strings, block strings and comments, so
/// it is safe on any input; call it before every parse of a client-supplied document.
pub fn check_nesting(query: &str, max: usize) -> Result<(), ServerError> {
    if nesting_exceeds(query.as_bytes(), max) {
        return Err(server_error(
            ErrorCode::QueryTooDeep,
            format!(
                "The document nests brackets more than {max} levels deep; the maximum is {max}."
            ),
        ));
    }
    Ok(())
}

/// Whether brackets nest deeper than `max`. Strings end at an unescaped `"` or at a line
/// end (where the parser gives up too), so this never skips text the parser would read.
fn nesting_exceeds(text: &[u8], max: usize) -> bool {
    let mut depth = 0usize;
    let mut i = 0;
    // After one unterminated block string, later `"""` are taken as unterminated too without
    // scanning again (linear time; at worst brackets inside are counted, never skipped).
    let mut unterminated = false;
    while i < text.len() {
        match text[i] {
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > max {
                    return true;
                }
                i += 1;
            }
            b'}' | b']' | b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'#' => {
                while i < text.len() && text[i] != b'\n' && text[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if text[i..].starts_with(b"\"\"\"") => {
                let end = if unterminated {
                    None
                } else {
                    block_string_end(text, i + 3)
                };
                match end {
                    Some(end) => i = end,
                    // Unterminated: the parser falls back to an empty string `""` followed
                    // by a `"` that opens an ordinary string, and so does this scan.
                    None => {
                        unterminated = true;
                        i += 2;
                    }
                }
            }
            b'"' => {
                i += 1;
                while i < text.len() {
                    match text[i] {
                        b'\\' if !matches!(text.get(i + 1), Some(b'\n' | b'\r')) => i += 2,
                        b'"' => {
                            i += 1;
                            break;
                        }
                        b'\n' | b'\r' => break,
                        _ => i += 1,
                    }
                }
            }
            _ => i += 1,
        }
    }
    false
}

/// The index after the `"""` closing a block string whose content starts at `start`.
fn block_string_end(text: &[u8], mut i: usize) -> Option<usize> {
    while i < text.len() {
        if text[i..].starts_with(b"\\\"\"\"") {
            i += 4;
        } else if text[i..].starts_with(b"\"\"\"") {
            return Some(i + 3);
        } else {
            i += 1;
        }
    }
    None
}

impl ExtensionFactory for QueryLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsExtension {
            limits: *self,
            cost: AtomicUsize::new(usize::MAX),
        })
    }
}

struct LimitsExtension {
    limits: QueryLimits,
    /// The validated query's cost; `usize::MAX` until validation ran.
    cost: AtomicUsize,
}

#[async_trait::async_trait]
impl Extension for LimitsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        check_nesting(query, self.limits.max_nesting)?;
        let doc = next
            .run(ctx, query, variables)
            .await
            .map_err(|e| with_code(e, ErrorCode::ParseFailed))?;
        if ctx.data_opt::<ReadOnlyRequest>().is_some()
            && doc
                .operations
                .iter()
                .any(|(_, op)| op.node.ty != OperationType::Query)
        {
            return Err(server_error(
                ErrorCode::BadRequest,
                "Only queries can be sent with GET; send mutations and subscriptions with POST.",
            ));
        }
        if document_has_nul(&doc) || variables.iter().any(|(_, v)| const_has_nul(v)) {
            return Err(server_error(
                ErrorCode::ValidationFailed,
                "String values must not contain the NUL character (\\u0000).",
            ));
        }
        let aliases = count_aliases(&doc);
        if aliases > self.limits.max_aliases {
            return Err(server_error(
                ErrorCode::TooManyAliases,
                format!(
                    "The query uses {aliases} aliases; the maximum is {}.",
                    self.limits.max_aliases
                ),
            ));
        }
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| with_code(e, ErrorCode::ValidationFailed))
                .collect::<Vec<_>>()
        })?;
        if result.depth > self.limits.max_depth {
            return Err(vec![server_error(
                ErrorCode::QueryTooDeep,
                format!(
                    "The query is nested {} levels deep; the maximum is {}.",
                    result.depth, self.limits.max_depth
                ),
            )]);
        }
        self.cost.store(result.complexity, Ordering::Relaxed);
        if result.complexity > self.limits.max_cost {
            return Err(vec![server_error(
                ErrorCode::QueryTooComplex,
                format!(
                    "The query exceeds the maximum cost of {} points. Requested query cost: {}.",
                    self.limits.max_cost, result.complexity
                ),
            )]);
        }
        Ok(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> async_graphql::Response {
        let response = next.run(ctx, operation_name).await;
        let cost = self.cost.load(Ordering::Relaxed);
        if cost == usize::MAX {
            return response;
        }
        let mut value = async_graphql::indexmap::IndexMap::new();
        value.insert(
            async_graphql::Name::new("requestedQueryCost"),
            Value::from(cost as u64),
        );
        value.insert(
            async_graphql::Name::new("maximumAvailable"),
            Value::from(self.limits.max_cost as u64),
        );
        response.extension("cost", Value::Object(value))
    }
}

/// Whether any argument, directive argument or variable default of `doc` holds a string
/// (or object key) containing NUL, which PostgreSQL cannot store.
fn document_has_nul(doc: &ExecutableDocument) -> bool {
    fn directives(list: &[Positioned<Directive>]) -> bool {
        list.iter()
            .any(|d| d.node.arguments.iter().any(|(_, v)| value_has_nul(&v.node)))
    }
    fn selections(set: &SelectionSet) -> bool {
        set.items.iter().any(|sel| match &sel.node {
            Selection::Field(f) => {
                f.node.arguments.iter().any(|(_, v)| value_has_nul(&v.node))
                    || directives(&f.node.directives)
                    || selections(&f.node.selection_set.node)
            }
            Selection::InlineFragment(frag) => {
                directives(&frag.node.directives) || selections(&frag.node.selection_set.node)
            }
            Selection::FragmentSpread(spread) => directives(&spread.node.directives),
        })
    }
    let operations = doc.operations.iter().any(|(_, op)| {
        op.node.variable_definitions.iter().any(|def| {
            def.node
                .default_value
                .as_ref()
                .is_some_and(|v| const_has_nul(&v.node))
                || directives(&def.node.directives)
        }) || directives(&op.node.directives)
            || selections(&op.node.selection_set.node)
    });
    operations
        || doc
            .fragments
            .values()
            .any(|f| directives(&f.node.directives) || selections(&f.node.selection_set.node))
}

fn value_has_nul(value: &DocumentValue) -> bool {
    match value {
        DocumentValue::String(s) => s.contains('\0'),
        DocumentValue::List(items) => items.iter().any(value_has_nul),
        DocumentValue::Object(fields) => fields
            .iter()
            .any(|(k, v)| k.contains('\0') || value_has_nul(v)),
        _ => false,
    }
}

fn const_has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::List(items) => items.iter().any(const_has_nul),
        Value::Object(fields) => fields
            .iter()
            .any(|(k, v)| k.contains('\0') || const_has_nul(v)),
        _ => false,
    }
}

/// Counts aliased fields across every operation and fragment of a document.
fn count_aliases(doc: &ExecutableDocument) -> usize {
    fn walk(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|sel| match &sel.node {
                Selection::Field(f) => {
                    usize::from(f.node.alias.is_some()) + walk(&f.node.selection_set.node)
                }
                Selection::InlineFragment(frag) => walk(&frag.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let operations: usize = doc
        .operations
        .iter()
        .map(|(_, op)| walk(&op.node.selection_set.node))
        .sum();
    let fragments: usize = doc
        .fragments
        .values()
        .map(|f| walk(&f.node.selection_set.node))
        .sum();
    operations + fragments
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize) -> String {
        format!(
            "{{ products(filter: {}) {{ totalCount }} }}",
            "{a:".repeat(depth) + "1" + &"}".repeat(depth)
        )
    }

    #[test]
    fn counts_every_bracket_kind() {
        assert!(check_nesting("{ a(x: [{b: (1)}]) }", 5).is_ok());
        assert!(check_nesting("{ a(x: [{b: [1]}]) }", 4).is_err());
        assert!(check_nesting(&"[".repeat(10), 9).is_err());
        assert!(check_nesting(&"(".repeat(10), 10).is_ok());
        let err = check_nesting(&nested(200), DEFAULT_MAX_NESTING).unwrap_err();
        let code = err.extensions.as_ref().and_then(|e| e.get("code")).cloned();
        assert_eq!(code, Some(Value::from("QUERY_TOO_DEEP")));
    }

    #[test]
    fn skips_strings_block_strings_and_comments() {
        let deep = "{".repeat(50);
        assert!(check_nesting(&format!("{{ a(s: \"{deep}\") }}"), 3).is_ok());
        assert!(check_nesting(&format!("{{ a(s: \"\\\"{deep}\") }}"), 3).is_ok());
        assert!(
            check_nesting(
                &format!("{{ a(s: \"\"\"\n{deep}\\\"\"\"{deep}\"\"\") }}"),
                3
            )
            .is_ok()
        );
        assert!(check_nesting(&format!("{{ a # {deep}\n }}"), 3).is_ok());
        // A string ends at a line end (the parser's view), so what follows counts.
        assert!(check_nesting(&format!("{{ a(s: \"x\n{deep}) }}"), 3).is_err());
        // An unterminated block string is `""` then an ordinary string for the parser, which
        // then reads whatever follows that string's closing quote.
        assert!(check_nesting(&format!("{{ a(s: [\"\"\" x\" {deep}]) }}"), 3).is_err());
        assert!(check_nesting(&format!("{deep} \"\"\""), 3).is_err());
    }

    /// A document at the default limit parses on a thread with a tokio worker's stack (even
    /// unoptimised), while the attack depth is refused before parsing.
    #[test]
    fn documents_at_the_limit_parse_on_a_worker_stack() {
        let at_limit = nested(DEFAULT_MAX_NESTING - 2);
        assert!(check_nesting(&at_limit, DEFAULT_MAX_NESTING).is_ok());
        let parsed = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || async_graphql::parser::parse_query(&at_limit).is_ok())
            .unwrap()
            .join()
            .unwrap();
        assert!(parsed);
        assert!(check_nesting(&nested(1500), DEFAULT_MAX_NESTING).is_err());
    }

    #[test]
    fn finds_nul_in_arguments_and_variable_defaults() {
        let doc = |q: &str| async_graphql::parser::parse_query(q).unwrap();
        assert!(!document_has_nul(&doc("{ a(s: \"ok\") }")));
        assert!(document_has_nul(&doc("{ a(s: {x: [\"a\\u0000\"]}) }")));
        assert!(document_has_nul(&doc(
            "query($v: String = \"\\u0000\") { a }"
        )));
        assert!(document_has_nul(&doc("{ a @include(if: \"\\u0000\") }")));
        assert!(document_has_nul(&doc(
            "{ ...F } fragment F on Q { b(s: \"\\u0000\") }"
        )));
        let vars: Value = serde_json::from_str::<Value>(r#"{"k": {"a\u0000": 1}}"#).unwrap();
        assert!(const_has_nul(&vars));
    }
}
