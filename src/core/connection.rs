//! Relay connections with opaque keyset cursors, shaped like Saleor's
//! `XxxCountableConnection` / `XxxCountableEdge` types.
//!
//! A cursor is base64 of a JSON array holding the sort key of the row it points at, so
//! fetching page 500 costs what page 1 costs: `WHERE (key...) > (cursor...) ORDER BY key LIMIT n+1`.

use std::{future::Future, pin::Pin, sync::Arc};

use async_graphql::{
    Object, OutputType,
    connection::{Connection, DisableNodesField, Edge, EmptyFields},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, FromQueryResult, Order, QueryFilter, QueryOrder,
    QuerySelect, Select,
    sea_query::{Expr, ExprTrait, IntoColumnRef, SimpleExpr},
};
use serde::{Deserialize, Serialize};

use super::error::{ErrorCode, error};

/// Saleor's page size limit.
pub const MAX_PAGE_SIZE: i32 = 100;

/// The pagination arguments of a connection field.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub last: Option<i32>,
    pub after: Option<String>,
    pub before: Option<String>,
}

/// One component of a sort key, as stored in a cursor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum KeyPart {
    #[serde(rename = "i")]
    Int(i64),
    #[serde(rename = "s")]
    Str(String),
    #[serde(rename = "t")]
    Time(DateTime<Utc>),
    #[serde(rename = "b")]
    Bool(bool),
    #[serde(rename = "f")]
    Float(f64),
}

impl From<KeyPart> for sea_orm::Value {
    fn from(part: KeyPart) -> Self {
        match part {
            KeyPart::Int(v) => v.into(),
            KeyPart::Str(v) => v.into(),
            KeyPart::Time(v) => v.into(),
            KeyPart::Bool(v) => v.into(),
            KeyPart::Float(v) => v.into(),
        }
    }
}

/// A validated page request.
#[derive(Clone, Debug)]
pub struct Page {
    /// Number of items wanted (1..=100).
    pub limit: u64,
    /// `true` when paginating with `last`/`before`.
    pub backward: bool,
    pub after: Option<Vec<KeyPart>>,
    pub before: Option<Vec<KeyPart>>,
}

impl Page {
    /// Validates `args` for the connection field `field` (used in error messages, as Saleor).
    pub fn parse(args: &PageArgs, field: &str) -> async_graphql::Result<Self> {
        let (count, backward, arg) = match (args.first, args.last) {
            (Some(_), Some(_)) => {
                return Err(error(
                    ErrorCode::InvalidPagination,
                    format!(
                        "Passing both `first` and `last` to paginate the `{field}` connection is not supported."
                    ),
                ));
            }
            (Some(n), None) => (n, false, "first"),
            (None, Some(n)) => (n, true, "last"),
            (None, None) => {
                return Err(error(
                    ErrorCode::InvalidPagination,
                    format!(
                        "You must provide a `first` or `last` value to properly paginate the `{field}` connection."
                    ),
                ));
            }
        };
        if count < 0 {
            return Err(error(
                ErrorCode::InvalidPagination,
                format!("Argument `{arg}` on the `{field}` connection cannot be less than zero."),
            ));
        }
        if count > MAX_PAGE_SIZE {
            return Err(error(
                ErrorCode::InvalidPagination,
                format!(
                    "Requesting {count} records on the `{field}` connection exceeds the `{arg}` limit of {MAX_PAGE_SIZE} records."
                ),
            ));
        }
        Ok(Self {
            limit: count as u64,
            backward,
            after: args.after.as_deref().map(decode_cursor).transpose()?,
            before: args.before.as_deref().map(decode_cursor).transpose()?,
        })
    }
}

impl Page {
    /// Rejects cursors whose parts are not of the kinds of `sample` (a key of the sort in
    /// use), so a cursor of another sort never reaches SQL as a mistyped comparison.
    pub fn check_kinds(&self, sample: &[KeyPart]) -> Result<(), PageError> {
        let fits = |parts: &Vec<KeyPart>| {
            parts.len() == sample.len()
                && parts
                    .iter()
                    .zip(sample)
                    .all(|(a, b)| std::mem::discriminant(a) == std::mem::discriminant(b))
        };
        if self.after.iter().chain(self.before.iter()).all(fits) {
            Ok(())
        } else {
            Err(PageError::BadCursor)
        }
    }
}

/// Encodes a sort key as an opaque cursor.
pub fn encode_cursor(key: &[KeyPart]) -> String {
    STANDARD.encode(serde_json::to_vec(key).unwrap_or_default())
}

/// Decodes a cursor produced by [`encode_cursor`].
pub fn decode_cursor(cursor: &str) -> async_graphql::Result<Vec<KeyPart>> {
    STANDARD
        .decode(cursor.trim())
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Vec<KeyPart>>(&bytes).ok())
        .filter(|key| !key.is_empty())
        .ok_or_else(|| {
            error(
                ErrorCode::InvalidCursor,
                format!("Received cursor ({cursor}) is invalid."),
            )
        })
}

/// A fetched page of rows, in display order.
#[derive(Debug)]
pub struct PageResult<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

impl<T> PageResult<T> {
    /// Maps the rows, keeping the page flags.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> PageResult<U> {
        PageResult {
            items: self.items.into_iter().map(f).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
        }
    }
}

/// A sort key: columns compared as a row value, all in one direction. The last column must
/// be unique (normally the primary key) so the order is total.
pub struct SortKey<C> {
    pub columns: Vec<C>,
    pub descending: bool,
}

/// Fetches one page of `select` ordered by `key`, starting after/before the page's cursors.
/// A cursor whose arity differs from the key is rejected as `BadCursor`.
pub async fn fetch_page<E, M, C, D>(
    db: &D,
    select: Select<E>,
    key: &SortKey<C>,
    page: &Page,
) -> Result<PageResult<M>, PageError>
where
    E: EntityTrait,
    M: FromQueryResult + Send + Sync,
    C: IntoColumnRef + Copy,
    D: ConnectionTrait,
{
    let row = |cols: &[C]| Expr::tuple(cols.iter().map(|c| Expr::col(*c)));
    let cursor_row = |parts: &[KeyPart]| -> Result<SimpleExpr, PageError> {
        if parts.len() != key.columns.len() {
            return Err(PageError::BadCursor);
        }
        Ok(Expr::tuple(
            parts
                .iter()
                .cloned()
                .map(|p| Expr::val(sea_orm::Value::from(p))),
        ))
    };
    let mut select = select;
    // "after" means further along the sort order; for a descending key that is smaller.
    if let Some(after) = &page.after {
        let bound = cursor_row(after)?;
        select = select.filter(if key.descending {
            row(&key.columns).lt(bound)
        } else {
            row(&key.columns).gt(bound)
        });
    }
    if let Some(before) = &page.before {
        let bound = cursor_row(before)?;
        select = select.filter(if key.descending {
            row(&key.columns).gt(bound)
        } else {
            row(&key.columns).lt(bound)
        });
    }
    let ascending = key.descending == page.backward;
    let order = if ascending { Order::Asc } else { Order::Desc };
    for col in &key.columns {
        select = select.order_by(Expr::col(*col), order.clone());
    }
    let mut items: Vec<M> = select
        .limit(page.limit + 1)
        .into_model::<M>()
        .all(db)
        .await
        .map_err(PageError::Db)?;
    let has_more = items.len() as u64 > page.limit;
    items.truncate(page.limit as usize);
    if page.backward {
        items.reverse();
    }
    Ok(PageResult {
        items,
        has_next_page: if page.backward {
            page.before.is_some()
        } else {
            has_more
        },
        has_previous_page: if page.backward {
            has_more
        } else {
            page.after.is_some()
        },
    })
}

/// Why a page could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("invalid cursor")]
    BadCursor,
    #[error(transparent)]
    Db(DbErr),
}

impl PageError {
    /// The top-level error: `INVALID_CURSOR` for a cursor that does not fit the sort key,
    /// a logged generic error for a database failure.
    pub fn into_error(self, req: &super::context::RequestCtx) -> async_graphql::Error {
        match self {
            Self::BadCursor => error(ErrorCode::InvalidCursor, "Received cursor is invalid."),
            Self::Db(e) => req.internal(e),
        }
    }
}

/// Saleor's `OrderDirection`.
#[derive(async_graphql::Enum, Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum OrderDirection {
    /// Specifies an ascending sort order.
    #[default]
    Asc,
    /// Specifies a descending sort order.
    Desc,
}

type CountFuture = Pin<Box<dyn Future<Output = Result<u64, DbErr>> + Send>>;

/// The `totalCount` field of a connection, computed only when selected.
#[derive(Clone)]
pub struct TotalCount(Arc<dyn Fn() -> CountFuture + Send + Sync>);

impl TotalCount {
    /// A count computed by `f` when the field is selected.
    pub fn lazy<F, Fut>(f: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<u64, DbErr>> + Send + 'static,
    {
        Self(Arc::new(move || Box::pin(f())))
    }
}

#[Object]
impl TotalCount {
    /// A total count of items in the collection.
    async fn total_count(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Option<i32>> {
        match (self.0)().await {
            Ok(n) => Ok(Some(i32::try_from(n).unwrap_or(i32::MAX))),
            Err(e) => Err(match ctx.data_opt::<super::context::RequestCtx>() {
                Some(req) => req.internal(e),
                None => super::error::internal("-", e),
            }),
        }
    }
}

/// A Saleor-shaped connection: `edges { node cursor }`, `pageInfo`, `totalCount`.
pub type Countable<Node, Names> =
    Connection<String, Node, TotalCount, EmptyFields, Names, Names, DisableNodesField>;

/// Builds a connection from a fetched page; `key_of` gives each node's cursor key.
pub fn build<Node, Names>(
    page: PageResult<Node>,
    total: TotalCount,
    key_of: impl Fn(&Node) -> Vec<KeyPart>,
) -> Countable<Node, Names>
where
    Node: OutputType,
    Names: async_graphql::connection::ConnectionNameType + async_graphql::connection::EdgeNameType,
{
    let mut conn =
        Connection::with_additional_fields(page.has_previous_page, page.has_next_page, total);
    conn.edges = page
        .items
        .into_iter()
        .map(|node| Edge::new(encode_cursor(&key_of(&node)), node))
        .collect();
    conn
}

/// A whole connection field over one entity: validates `args` (for the connection field
/// `field`), fetches the page of `select` in `key` order, counts lazily, and wraps each row
/// with `node`; `key_of` gives a node's cursor key (the values of `key`'s columns).
pub async fn entity_connection<E, C, Node, Names>(
    req: &super::context::RequestCtx,
    db: &sea_orm::DatabaseConnection,
    select: Select<E>,
    key: SortKey<C>,
    (args, field): (PageArgs, &str),
    node: impl FnMut(E::Model) -> Node,
    key_of: impl Fn(&Node) -> Vec<KeyPart>,
) -> async_graphql::Result<Countable<Node, Names>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
    C: IntoColumnRef + Copy,
    Node: OutputType,
    Names: async_graphql::connection::ConnectionNameType + async_graphql::connection::EdgeNameType,
{
    use sea_orm::PaginatorTrait;
    let page = Page::parse(&args, field)?;
    let rows = fetch_page(db, select.clone(), &key, &page)
        .await
        .map_err(|e| e.into_error(req))?;
    let db = db.clone();
    let total = TotalCount::lazy(move || {
        let (db, select) = (db.clone(), select.clone());
        async move { select.count(&db).await }
    });
    Ok(build(rows.map(node), total, key_of))
}

/// Declares the names of a Saleor connection: `countable_names!(ProductNames, "Product")`
/// names the types `ProductCountableConnection` and `ProductCountableEdge`.
#[macro_export]
macro_rules! countable_names {
    ($names:ident, $node:literal) => {
        /// Type names of this node's Saleor connection and edge.
        pub struct $names;
        impl async_graphql::connection::ConnectionNameType for $names {
            fn type_name<T: async_graphql::OutputType>() -> String {
                concat!($node, "CountableConnection").to_owned()
            }
        }
        impl async_graphql::connection::EdgeNameType for $names {
            fn type_name<T: async_graphql::OutputType>() -> String {
                concat!($node, "CountableEdge").to_owned()
            }
        }
    };
}

/// Cost of a connection field for the query cost limit: page size times the child cost.
pub fn cost(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    let n = first.or(last).unwrap_or(1).clamp(1, MAX_PAGE_SIZE) as usize;
    n.saturating_mul(child.max(1))
}

/// Pages an in-memory list, ordered by `key_of` (integer keys), by its keyset cursor.
pub fn page_in_memory<T: Clone>(
    items: &[T],
    page: &Page,
    key_of: impl Fn(&T) -> Vec<KeyPart>,
) -> async_graphql::Result<PageResult<T>> {
    let cmp = |a: &[KeyPart], b: &[KeyPart]| -> std::cmp::Ordering {
        for (x, y) in a.iter().zip(b) {
            let o = match (x, y) {
                (KeyPart::Int(x), KeyPart::Int(y)) => x.cmp(y),
                (KeyPart::Str(x), KeyPart::Str(y)) => x.cmp(y),
                (KeyPart::Time(x), KeyPart::Time(y)) => x.cmp(y),
                _ => std::cmp::Ordering::Equal,
            };
            if o != std::cmp::Ordering::Equal {
                return o;
            }
        }
        std::cmp::Ordering::Equal
    };
    let arity = items.first().map(|i| key_of(i).len());
    for c in page.after.iter().chain(page.before.iter()) {
        if arity.is_some_and(|n| n != c.len()) || c.iter().any(|p| !matches!(p, KeyPart::Int(_))) {
            return Err(error(
                ErrorCode::InvalidCursor,
                "Received cursor is invalid.",
            ));
        }
    }
    let window: Vec<T> = items
        .iter()
        .filter(|i| {
            let k = key_of(i);
            page.after
                .as_ref()
                .is_none_or(|a| cmp(&k, a) == std::cmp::Ordering::Greater)
                && page
                    .before
                    .as_ref()
                    .is_none_or(|b| cmp(&k, b) == std::cmp::Ordering::Less)
        })
        .cloned()
        .collect();
    let n = page.limit as usize;
    let has_more = window.len() > n;
    let slice: Vec<T> = if page.backward {
        window[window.len().saturating_sub(n)..].to_vec()
    } else {
        window.into_iter().take(n).collect()
    };
    Ok(PageResult {
        items: slice,
        has_next_page: if page.backward {
            page.before.is_some()
        } else {
            has_more
        },
        has_previous_page: if page.backward {
            has_more
        } else {
            page.after.is_some()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_validation() {
        let args = |first, last| PageArgs {
            first,
            last,
            ..Default::default()
        };
        assert!(Page::parse(&args(None, None), "products").is_err());
        assert!(Page::parse(&args(Some(101), None), "products").is_err());
        assert!(Page::parse(&args(Some(-1), None), "products").is_err());
        assert!(Page::parse(&args(Some(1), Some(1)), "products").is_err());
        let page = Page::parse(&args(None, Some(5)), "products").ok();
        assert_eq!(page.map(|p| (p.limit, p.backward)), Some((5, true)));
    }

    #[test]
    fn cursor_round_trip_and_garbage() {
        let key = vec![KeyPart::Str("Apple".into()), KeyPart::Int(7)];
        let cursor = encode_cursor(&key);
        assert_eq!(decode_cursor(&cursor).ok(), Some(key));
        for bad in ["", "!!", "bm90IGpzb24=", "W10="] {
            let err = decode_cursor(bad).err().map(|e| e.message);
            assert!(err.is_some_and(|m| m.contains("is invalid")), "{bad}");
        }
    }
}
