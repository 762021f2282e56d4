//! Sales analytics (`salesStats`): revenue, orders and average order value per currency and
//! time bucket, new vs returning customers, top products and categories, refunds — SQL
//! aggregations over `shop_order` (indexed by channel/time, time, email/time) and its
//! lines, never summing amounts of different currencies.
//!
//! Counted orders: every status except `DRAFT`, `CANCELED` and `EXPIRED`, by creation time.
//! A customer is an order email; returning = placed an order (any channel) before the
//! period. Refunds: orders carry no refund amounts yet, so they are 0 per currency.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{DatabaseBackend, DatabaseConnection, FromQueryResult, Statement, Value};

use super::{
    MarketingService,
    types::{MResult, MarketingError},
};

/// Size of the time buckets of the series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Granularity {
    #[default]
    Day,
    /// ISO weeks (starting Monday).
    Week,
    Month,
}

/// What `salesStats` covers.
#[derive(Clone, Debug)]
pub struct SalesQuery {
    /// `None`: every channel.
    pub channel_id: Option<i32>,
    /// Inclusive start.
    pub from: DateTime<Utc>,
    /// Exclusive end.
    pub to: DateTime<Utc>,
    pub granularity: Granularity,
    /// Entries per currency in the top lists.
    pub top: u32,
}

/// Totals of one currency.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CurrencyTotals {
    pub currency: String,
    pub orders: u64,
    /// Minor units.
    pub revenue: i64,
    /// Minor units; always 0 until orders carry refunds.
    pub refunds: i64,
}

impl CurrencyTotals {
    /// Average order value in minor units (rounded half away from zero).
    pub fn average_order_value(&self) -> Option<i64> {
        let n = i64::try_from(self.orders).ok().filter(|n| *n > 0)?;
        Some((self.revenue + self.revenue.signum() * n / 2) / n)
    }
}

/// One bucket of the series.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bucket {
    pub start: NaiveDate,
    pub currency: String,
    pub orders: u64,
    pub revenue: i64,
}

/// New vs returning customers of the period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Customers {
    pub total: u64,
    pub new: u64,
    pub returning: u64,
    pub orders_from_new: u64,
    pub orders_from_returning: u64,
}

/// A product or category in a top list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopEntry {
    pub id: i32,
    pub name: String,
    pub currency: String,
    pub quantity: u64,
    pub revenue: i64,
}

/// The answer of `salesStats`.
#[derive(Clone, Debug, Default)]
pub struct SalesStats {
    pub totals: Vec<CurrencyTotals>,
    pub series: Vec<Bucket>,
    pub customers: Customers,
    pub top_products: Vec<TopEntry>,
    pub top_categories: Vec<TopEntry>,
}

/// Statuses that do not count as sales.
const EXCLUDED: &str = "'DRAFT', 'CANCELED', 'EXPIRED'";

fn bucket_expr(backend: DatabaseBackend, g: Granularity, col: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => {
            let unit = match g {
                Granularity::Day => "day",
                Granularity::Week => "week",
                Granularity::Month => "month",
            };
            format!("to_char(date_trunc('{unit}', {col} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')")
        }
        _ => match g {
            Granularity::Day => format!("substr({col}, 1, 10)"),
            Granularity::Week => format!("date(substr({col}, 1, 10), 'weekday 0', '-6 days')"),
            Granularity::Month => format!("substr({col}, 1, 7) || '-01'"),
        },
    }
}

/// Placeholder `i` (1-based) of `backend`.
fn ph(backend: DatabaseBackend, i: usize) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("${i}"),
        _ => "?".to_owned(),
    }
}

/// The order filter on alias `o` and its values.
fn order_filter(backend: DatabaseBackend, q: &SalesQuery) -> (String, Vec<Value>) {
    let mut sql = format!(
        "o.created_at >= {} AND o.created_at < {} AND o.status NOT IN ({EXCLUDED})",
        ph(backend, 1),
        ph(backend, 2)
    );
    let mut values: Vec<Value> = vec![q.from.into(), q.to.into()];
    if let Some(channel) = q.channel_id {
        sql.push_str(&format!(" AND o.channel_id = {}", ph(backend, 3)));
        values.push(channel.into());
    }
    (sql, values)
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn internal(e: impl std::fmt::Display) -> MarketingError {
    MarketingError::Db(sea_orm::DbErr::Custom(e.to_string()))
}

#[derive(FromQueryResult)]
struct BucketRow {
    bucket: String,
    currency: String,
    orders: i64,
    revenue: Option<i64>,
}

#[derive(FromQueryResult)]
struct CustomerRow {
    customers: i64,
    returning_customers: Option<i64>,
    orders: Option<i64>,
    returning_orders: Option<i64>,
}

#[derive(FromQueryResult)]
struct TopRow {
    id: i32,
    name: String,
    currency: String,
    quantity: Option<i64>,
    revenue: Option<i64>,
}

async fn series(db: &DatabaseConnection, q: &SalesQuery) -> MResult<Vec<Bucket>> {
    let backend = db.get_database_backend();
    let (filter, values) = order_filter(backend, q);
    let bucket = bucket_expr(backend, q.granularity, "o.created_at");
    let sql = format!(
        "SELECT {bucket} AS bucket, o.currency AS currency, COUNT(*) AS orders, \
         CAST(SUM(o.total) AS BIGINT) AS revenue FROM shop_order o WHERE {filter} \
         GROUP BY 1, 2 ORDER BY 1, 2"
    );
    let rows = BucketRow::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Bucket {
                start: NaiveDate::parse_from_str(&r.bucket, "%Y-%m-%d").map_err(internal)?,
                currency: r.currency,
                orders: count(r.orders),
                revenue: r.revenue.unwrap_or(0),
            })
        })
        .collect()
}

async fn customers(db: &DatabaseConnection, q: &SalesQuery) -> MResult<Customers> {
    let backend = db.get_database_backend();
    let (filter, mut values) = order_filter(backend, q);
    // The period start appears first in the text: PostgreSQL reuses `$1`, SQLite's
    // positional `?` needs its own value in front.
    let start = match backend {
        DatabaseBackend::Postgres => ph(backend, 1),
        _ => {
            values.insert(0, q.from.into());
            "?".to_owned()
        }
    };
    // One probe of (user_email, created_at) per customer of the period.
    let sql = format!(
        "SELECT COUNT(*) AS customers, CAST(SUM(r) AS BIGINT) AS returning_customers, \
         CAST(SUM(n) AS BIGINT) AS orders, CAST(SUM(r * n) AS BIGINT) AS returning_orders FROM (SELECT o.user_email, COUNT(*) AS n, \
         CASE WHEN EXISTS (SELECT 1 FROM shop_order p WHERE p.user_email = o.user_email \
         AND p.created_at < {start} AND p.status NOT IN ({EXCLUDED})) THEN 1 ELSE 0 END AS r \
         FROM shop_order o WHERE {filter} GROUP BY o.user_email) t"
    );
    let row = CustomerRow::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .one(db)
        .await?;
    let Some(row) = row else {
        return Ok(Customers::default());
    };
    let total = count(row.customers);
    let returning = count(row.returning_customers.unwrap_or(0));
    let orders = count(row.orders.unwrap_or(0));
    let returning_orders = count(row.returning_orders.unwrap_or(0));
    Ok(Customers {
        total,
        new: total.saturating_sub(returning),
        returning,
        orders_from_new: orders.saturating_sub(returning_orders),
        orders_from_returning: returning_orders,
    })
}

/// The `q.top` best entries per currency by revenue: products (`by_category` false) or
/// categories. Lines whose variant was deleted are not attributed to a product.
async fn top(db: &DatabaseConnection, q: &SalesQuery, by_category: bool) -> MResult<Vec<TopEntry>> {
    let backend = db.get_database_backend();
    let (filter, mut values) = order_filter(backend, q);
    let (key, name, join) = if by_category {
        (
            "c.id",
            "c.name",
            "JOIN product p ON p.id = pv.product_id JOIN category c ON c.id = p.category_id",
        )
    } else {
        ("pv.product_id", "MAX(l.product_name)", "")
    };
    let group_name = if by_category { ", c.name" } else { "" };
    let limit = ph(backend, values.len() + 1);
    values.push(i64::from(q.top).into());
    let sql = format!(
        "SELECT id, name, currency, quantity, revenue FROM (\
         SELECT {key} AS id, {name} AS name, l.currency AS currency, \
         CAST(SUM(l.quantity) AS BIGINT) AS quantity, CAST(SUM(l.total_price) AS BIGINT) AS revenue, \
         ROW_NUMBER() OVER (PARTITION BY l.currency ORDER BY SUM(l.total_price) DESC, {key}) AS rn \
         FROM shop_order o JOIN order_line l ON l.order_id = o.id \
         JOIN product_variant pv ON pv.id = l.variant_id {join} \
         WHERE {filter} GROUP BY {key}{group_name}, l.currency) t \
         WHERE rn <= {limit} ORDER BY currency, rn"
    );
    let rows = TopRow::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| TopEntry {
            id: r.id,
            name: r.name,
            currency: r.currency,
            quantity: count(r.quantity.unwrap_or(0)),
            revenue: r.revenue.unwrap_or(0),
        })
        .collect())
}

/// Per-currency totals from the series.
pub fn totals(series: &[Bucket]) -> Vec<CurrencyTotals> {
    let mut by: BTreeMap<&str, CurrencyTotals> = BTreeMap::new();
    for b in series {
        let t = by.entry(&b.currency).or_insert_with(|| CurrencyTotals {
            currency: b.currency.clone(),
            ..Default::default()
        });
        t.orders += b.orders;
        t.revenue = t.revenue.saturating_add(b.revenue);
    }
    by.into_values().collect()
}

impl MarketingService {
    /// Sales statistics; the queries run concurrently on separate connections.
    pub async fn sales_stats(&self, q: SalesQuery) -> MResult<SalesStats> {
        if q.to <= q.from {
            return Err(MarketingError::invalid(
                "period",
                "The period must end after it starts.",
            ));
        }
        let (series, customers, top_products, top_categories) = tokio::try_join!(
            series(&self.db, &q),
            customers(&self.db, &q),
            top(&self.db, &q, false),
            top(&self.db, &q, true),
        )?;
        Ok(SalesStats {
            totals: totals(&series),
            series,
            customers,
            top_products,
            top_categories,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aov_and_totals_per_currency() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        let series = vec![
            Bucket {
                start: d,
                currency: "EUR".into(),
                orders: 2,
                revenue: 1001,
            },
            Bucket {
                start: d,
                currency: "USD".into(),
                orders: 1,
                revenue: 500,
            },
            Bucket {
                start: d.succ_opt().unwrap_or(d),
                currency: "EUR".into(),
                orders: 1,
                revenue: 2000,
            },
        ];
        let t = totals(&series);
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[0].currency.as_str(), t[0].orders, t[0].revenue),
            ("EUR", 3, 3001)
        );
        assert_eq!(t[0].average_order_value(), Some(1000));
        assert_eq!(t[1].average_order_value(), Some(500));
        assert_eq!(CurrencyTotals::default().average_order_value(), None);
    }
}
