//! GraphQL: `salesStats` (requires `MANAGE_ORDERS`).

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{Duration, Utc};

use super::query_error;
use crate::catalog::api::common::Money;
use crate::core::{
    context::RequestCtx,
    error::{ErrorCode, error},
    id,
    permissions::Permission,
    scalars::{Date, DateTimeRangeInput},
};
use crate::marketing::sales::{self, Granularity, SalesQuery};
use crate::state::AppState;

/// Size of the time buckets of `salesStats.series`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum SalesStatsGranularityEnum {
    /// UTC days.
    #[default]
    Day,
    /// ISO weeks (Monday to Sunday, UTC).
    Week,
    /// Calendar months (UTC).
    Month,
}

impl From<SalesStatsGranularityEnum> for Granularity {
    fn from(g: SalesStatsGranularityEnum) -> Self {
        match g {
            SalesStatsGranularityEnum::Day => Granularity::Day,
            SalesStatsGranularityEnum::Week => Granularity::Week,
            SalesStatsGranularityEnum::Month => Granularity::Month,
        }
    }
}

/// Totals of one currency.
#[derive(SimpleObject, Clone)]
pub struct SalesCurrencyTotals {
    pub currency: String,
    /// Orders placed (every status but draft, canceled and expired).
    pub orders: i32,
    /// Sum of order totals.
    pub revenue: Money,
    /// Revenue per order; `null` without orders.
    pub average_order_value: Option<Money>,
    /// Refunded amounts (0 until orders carry refunds).
    pub refunds: Money,
}

/// One time bucket of one currency.
#[derive(SimpleObject, Clone)]
pub struct SalesStatsBucket {
    /// First day of the bucket (UTC).
    pub date: Date,
    pub currency: String,
    pub orders: i32,
    pub revenue: Money,
}

/// Customers (order emails) of the period.
#[derive(SimpleObject, Clone)]
pub struct SalesCustomerStats {
    pub customers: i32,
    /// Customers whose first order is in the period.
    pub new_customers: i32,
    /// Customers who ordered before the period.
    pub returning_customers: i32,
    pub orders_from_new_customers: i32,
    pub orders_from_returning_customers: i32,
}

/// A product or category ranked by revenue within one currency.
#[derive(SimpleObject, Clone)]
pub struct SalesTopEntry {
    /// Global ID of the product or category.
    pub id: ID,
    pub name: String,
    /// Units sold.
    pub quantity: i32,
    pub revenue: Money,
}

/// Sales statistics of a channel (or every channel) over a period.
#[derive(SimpleObject, Clone)]
pub struct SalesStats {
    /// Per currency, never summed across currencies.
    pub totals: Vec<SalesCurrencyTotals>,
    /// Per time bucket and currency, in time order.
    pub series: Vec<SalesStatsBucket>,
    pub customers: SalesCustomerStats,
    /// Best-selling products by revenue, up to `top` per currency.
    pub top_products: Vec<SalesTopEntry>,
    /// Best-selling categories by revenue, up to `top` per currency.
    pub top_categories: Vec<SalesTopEntry>,
}

fn n(v: u64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

fn top_entries(entries: Vec<sales::TopEntry>, type_name: &str) -> Vec<SalesTopEntry> {
    entries
        .into_iter()
        .map(|e| SalesTopEntry {
            id: id::encode(type_name, e.id),
            name: e.name,
            quantity: n(e.quantity),
            revenue: Money::from_minor(e.revenue, &e.currency),
        })
        .collect()
}

/// Sales queries.
#[derive(Default)]
pub struct SalesQueryRoot;

#[Object]
impl SalesQueryRoot {
    /// Revenue, orders, average order value, new vs returning customers, top products and
    /// categories and refunds per currency over `period` (default: the last 30 days), in
    /// one channel (slug) or, when omitted, every channel. Requires `MANAGE_ORDERS`.
    async fn sales_stats(
        &self,
        ctx: &Context<'_>,
        channel: Option<String>,
        period: Option<DateTimeRangeInput>,
        #[graphql(default)] granularity: SalesStatsGranularityEnum,
        #[graphql(default = 10, desc = "Entries per currency in the top lists (1-100).")] top: i32,
    ) -> Result<SalesStats> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageOrders])?;
        if !(1..=100).contains(&top) {
            return Err(error(
                ErrorCode::InvalidInput,
                "`top` must be between 1 and 100.",
            ));
        }
        let channel_id = match channel.as_deref() {
            Some(slug) => Some(
                state
                    .channels
                    .by_slug(slug)
                    .await
                    .map_err(|e| req.internal(e))?
                    .ok_or_else(|| {
                        error(
                            ErrorCode::NotFound,
                            format!("Channel with '{slug}' slug does not exist."),
                        )
                    })?
                    .id,
            ),
            None => None,
        };
        let period = period.unwrap_or_default();
        let to = period.lte.unwrap_or_else(Utc::now);
        // `lte` is inclusive; the service's end is exclusive.
        let to = to + Duration::microseconds(1);
        let from = period.gte.unwrap_or(to - Duration::days(30));
        let stats = state
            .marketing
            .sales_stats(SalesQuery {
                channel_id,
                from,
                to,
                granularity: granularity.into(),
                top: u32::try_from(top).unwrap_or(10),
            })
            .await
            .map_err(|e| query_error(req, e))?;
        Ok(SalesStats {
            totals: stats
                .totals
                .iter()
                .map(|t| SalesCurrencyTotals {
                    currency: t.currency.clone(),
                    orders: n(t.orders),
                    revenue: Money::from_minor(t.revenue, &t.currency),
                    average_order_value: t
                        .average_order_value()
                        .map(|a| Money::from_minor(a, &t.currency)),
                    refunds: Money::from_minor(t.refunds, &t.currency),
                })
                .collect(),
            series: stats
                .series
                .into_iter()
                .map(|b| SalesStatsBucket {
                    date: Date(b.start),
                    orders: n(b.orders),
                    revenue: Money::from_minor(b.revenue, &b.currency),
                    currency: b.currency,
                })
                .collect(),
            customers: SalesCustomerStats {
                customers: n(stats.customers.total),
                new_customers: n(stats.customers.new),
                returning_customers: n(stats.customers.returning),
                orders_from_new_customers: n(stats.customers.orders_from_new),
                orders_from_returning_customers: n(stats.customers.orders_from_returning),
            },
            top_products: top_entries(stats.top_products, "Product"),
            top_categories: top_entries(stats.top_categories, "Category"),
        })
    }
}
