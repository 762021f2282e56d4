//! Cached responses of anonymous catalog queries.
//!
//! A response is cacheable when the request carries no credentials, is a single `query`
//! operation whose root fields are all public catalog or content fields
//! ([`CACHEABLE_ROOT_FIELDS`]), and succeeded without errors. Entries are keyed by the
//! query text, operation name and variables, and stored with the public data version read
//! before execution (see [`super::version`]); a lookup under another version misses. Entries
//! also expire after a TTL, which bounds how late time-based changes (a product's
//! publication date passing) show.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
use axum::body::Bytes;

use super::flight::{Flight, Flights};

/// Root fields whose results depend only on public data and the request's arguments.
pub const CACHEABLE_ROOT_FIELDS: &[&str] = &[
    "__typename",
    "__schema",
    "__type",
    "products",
    "product",
    "productVariant",
    "productVariants",
    "productType",
    "productTypes",
    "category",
    "categories",
    "collection",
    "collections",
    "attribute",
    "attributes",
    "menu",
    "menus",
    "menuItem",
    "menuItems",
    "page",
    "pages",
    "pageType",
    "pageTypes",
    "channel",
    "shop",
];

/// Distinct operations whose cacheability is remembered (a storefront has a few dozen).
const MAX_KNOWN_OPERATIONS: usize = 1024;

/// What identifies a response.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct Key {
    query: String,
    operation: Option<String>,
    variables: String,
}

impl Key {
    /// The key of `request`; `None` for persisted-query requests without a query text.
    pub fn of(request: &async_graphql::Request) -> Option<Self> {
        if request.query.trim().is_empty() {
            return None;
        }
        Some(Self {
            query: request.query.clone(),
            operation: request.operation_name.clone(),
            variables: serde_json::to_string(&request.variables).ok()?,
        })
    }
}

struct Entry {
    version: i64,
    stored: Instant,
    body: Bytes,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<Key, Entry>,
    bytes: usize,
    /// Whether an operation (query text, operation name) may be cached.
    known: HashMap<(String, Option<String>), bool>,
}

/// Hit and miss counts, for `/metrics`.
#[derive(Clone, Copy, Debug, Default)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub bytes: usize,
}

/// A bounded in-memory cache of response bodies.
pub struct ResponseCache {
    ttl: Duration,
    max_bytes: usize,
    inner: Mutex<Inner>,
    hits: AtomicU64,
    misses: AtomicU64,
    flights: Arc<Flights>,
}

impl ResponseCache {
    /// A cache holding at most `max_bytes` of bodies, each for at most `ttl`.
    pub fn new(ttl: Duration, max_bytes: usize) -> Self {
        Self {
            ttl,
            max_bytes,
            inner: Mutex::default(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            flights: Arc::default(),
        }
    }

    /// Joins the single flight of a missed `key` at `version` (see [`super::flight`]).
    pub fn join(&self, key: &Key, version: i64) -> Flight {
        self.flights.join(key, version)
    }

    /// Whether `request`'s response may be cached (see the module docs); the answer is
    /// remembered per operation, so the document is parsed once.
    pub fn is_cacheable(&self, request: &async_graphql::Request) -> bool {
        let id = (request.query.clone(), request.operation_name.clone());
        if let Some(known) = self.lock().known.get(&id) {
            return *known;
        }
        let cacheable = cacheable_operation(&request.query, request.operation_name.as_deref());
        let mut inner = self.lock();
        if inner.known.len() >= MAX_KNOWN_OPERATIONS {
            inner.known.clear();
        }
        inner.known.insert(id, cacheable);
        cacheable
    }

    /// The body stored for `key` under `version`, if still fresh.
    pub fn get(&self, key: &Key, version: i64) -> Option<Bytes> {
        let found = self
            .lock()
            .entries
            .get(key)
            .filter(|e| e.version == version && e.stored.elapsed() < self.ttl)
            .map(|e| e.body.clone());
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Stores `body` for `key`, computed from data at `version`. When the cache is full,
    /// stale entries go first, then everything.
    pub fn put(&self, key: Key, version: i64, body: Bytes) {
        if body.len() > self.max_bytes / 8 {
            return;
        }
        let mut inner = self.lock();
        if inner.bytes + body.len() > self.max_bytes {
            let ttl = self.ttl;
            inner
                .entries
                .retain(|_, e| e.version == version && e.stored.elapsed() < ttl);
            inner.bytes = inner.entries.values().map(|e| e.body.len()).sum();
            if inner.bytes + body.len() > self.max_bytes {
                inner.entries.clear();
                inner.bytes = 0;
            }
        }
        inner.bytes += body.len();
        let entry = Entry {
            version,
            stored: Instant::now(),
            body,
        };
        if let Some(old) = inner.entries.insert(key, entry) {
            inner.bytes -= old.body.len();
        }
    }

    /// Current counters.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            bytes: self.lock().bytes,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (every update is complete
        // before the guard drops), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Whether the operation `operation` (or the only one) of `query` is a query selecting
/// only [`CACHEABLE_ROOT_FIELDS`] at its root (directly or through fragments).
fn cacheable_operation(query: &str, operation: Option<&str>) -> bool {
    // Too deep to parse safely: execution refuses it with `QUERY_TOO_DEEP`.
    if crate::core::limits::check_nesting(query, crate::core::limits::DEFAULT_MAX_NESTING).is_err()
    {
        return false;
    }
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return false;
    };
    let op = match (&doc.operations, operation) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => match ops.get(name) {
            Some(op) => op,
            None => return false,
        },
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => match ops.values().next() {
            Some(op) => op,
            None => return false,
        },
        _ => return false,
    };
    if op.node.ty != OperationType::Query {
        return false;
    }
    let mut pending = vec![&op.node.selection_set.node];
    let mut visited = 0;
    while let Some(set) = pending.pop() {
        visited += 1;
        if visited > 64 {
            return false;
        }
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    if !CACHEABLE_ROOT_FIELDS.contains(&f.node.name.node.as_str()) {
                        return false;
                    }
                }
                Selection::InlineFragment(f) => pending.push(&f.node.selection_set.node),
                Selection::FragmentSpread(s) => match doc.fragments.get(&s.node.fragment_name.node)
                {
                    Some(f) => pending.push(&f.node.selection_set.node),
                    None => return false,
                },
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str) -> async_graphql::Request {
        async_graphql::Request::new(query)
    }

    #[test]
    fn only_public_queries_are_cacheable() {
        let cache = ResponseCache::new(Duration::from_secs(10), 1 << 20);
        for (query, expected) in [
            ("{ products(first: 2) { edges { node { id } } } }", true),
            (
                "query A { shop { name } ... on Query { menu(slug: \"x\") { id } } }",
                true,
            ),
            (
                "query A { ...F } fragment F on Query { categories(first: 1) { totalCount } }",
                true,
            ),
            ("{ me { email } }", false),
            (
                "{ products(first: 1) { totalCount } checkout(id: \"x\") { id } }",
                false,
            ),
            ("query A { ...F } fragment F on Query { me { id } }", false),
            (
                "mutation { tokenCreate(email: \"a\", password: \"b\") { token } }",
                false,
            ),
            ("subscription { orderEvents { id } }", false),
            ("{ products(", false),
        ] {
            assert_eq!(cache.is_cacheable(&request(query)), expected, "{query}");
        }
        let two = "query A { shop { name } } query B { me { id } }";
        assert!(cache.is_cacheable(&request(two).operation_name("A")));
        assert!(!cache.is_cacheable(&request(two).operation_name("B")));
        assert!(!cache.is_cacheable(&request(two)));
    }

    #[test]
    fn entries_are_valid_for_their_version_and_ttl_only() {
        let cache = ResponseCache::new(Duration::from_millis(200), 1 << 20);
        let key = Key::of(&request("{ shop { name } }")).expect("key");
        cache.put(key.clone(), 7, Bytes::from_static(b"{\"data\":1}"));
        assert_eq!(cache.get(&key, 7).as_deref(), Some(&b"{\"data\":1}"[..]));
        assert_eq!(cache.get(&key, 8), None);
        let other = Key::of(&request("{ shop { name } }").variables(
            async_graphql::Variables::from_json(serde_json::json!({"a": 1})),
        ))
        .expect("key");
        assert_eq!(cache.get(&other, 7), None);
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(cache.get(&key, 7), None);
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses), (1, 3));
    }

    #[test]
    fn stays_within_its_byte_budget() {
        let cache = ResponseCache::new(Duration::from_secs(10), 1000);
        for i in 0..50 {
            let key =
                Key::of(&request(&format!("{{ product(id: \"{i}\") {{ id }} }}"))).expect("key");
            cache.put(key, 1, Bytes::from(vec![b'x'; 100]));
            assert!(cache.stats().bytes <= 1000);
        }
        let big = Key::of(&request("{ shop { name } }")).expect("key");
        cache.put(big.clone(), 1, Bytes::from(vec![b'x'; 500]));
        assert_eq!(
            cache.get(&big, 1),
            None,
            "bodies over an eighth of the budget"
        );
    }
}
