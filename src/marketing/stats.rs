//! Statistics: campaign metrics per day and variant (external reports + our own leads),
//! the A/B readout (two-proportion z-test) and lead funnel statistics, all aggregated in SQL.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use entities::{campaign_variant as variant, lead};
use rust_decimal::Decimal;
use sea_orm::{DatabaseBackend, FromQueryResult, Statement, Value};

use super::{
    MarketingService,
    attribution::Touch,
    types::{MResult, MarketingError, Stage, WinnerCriterion},
};

/// Standard normal cumulative distribution, via the complementary error function.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Complementary error function (Numerical Recipes' Chebyshev approximation, |ε| < 1.2e-7).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Result of a two-proportion z-test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ZTest {
    pub rate_a: f64,
    pub rate_b: f64,
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
}

impl ZTest {
    /// Whether the difference is significant at 95% (two-sided p < 0.05).
    pub fn significant(&self) -> bool {
        self.p_value < 0.05
    }
}

/// Two-proportion z-test with pooled variance: `successes_a / trials_a` vs
/// `successes_b / trials_b`. `None` when either side has no trials, successes exceed
/// trials, or the pooled rate is 0 or 1 (no variance).
pub fn two_proportion_z(
    successes_a: u64,
    trials_a: u64,
    successes_b: u64,
    trials_b: u64,
) -> Option<ZTest> {
    if trials_a == 0 || trials_b == 0 || successes_a > trials_a || successes_b > trials_b {
        return None;
    }
    let (xa, na, xb, nb) = (
        successes_a as f64,
        trials_a as f64,
        successes_b as f64,
        trials_b as f64,
    );
    let (pa, pb) = (xa / na, xb / nb);
    let pooled = (xa + xb) / (na + nb);
    let se = (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt();
    if se == 0.0 || !se.is_finite() {
        return None;
    }
    let z = (pa - pb) / se;
    let p_value = (2.0 * (1.0 - normal_cdf(z.abs()))).clamp(0.0, 1.0);
    Some(ZTest {
        rate_a: pa,
        rate_b: pb,
        z,
        p_value,
    })
}

/// `num / den`, or `None` when `den` is zero.
pub fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// Metrics of one (day, variant) cell or of a whole variant.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricRow {
    /// `None` for totals.
    pub day: Option<NaiveDate>,
    /// `None` for the campaign as a whole (reports without a variant, leads without one).
    pub variant_id: Option<i32>,
    pub impressions: u64,
    pub clicks: u64,
    pub spend: Decimal,
    /// New leads attributed to the campaign (first capture).
    pub leads: u64,
    /// Orders attributed to the campaign (on the chosen touch).
    pub conversions: u64,
    /// Of those, orders that turned their lead into a customer.
    pub leads_converted: u64,
    /// Revenue of the attributed orders in minor units, per currency (never summed across
    /// currencies).
    pub revenue: BTreeMap<String, i64>,
}

impl MetricRow {
    /// Clicks per impression.
    pub fn ctr(&self) -> Option<f64> {
        ratio(self.clicks, self.impressions)
    }

    /// New leads per click.
    pub fn lead_rate(&self) -> Option<f64> {
        ratio(self.leads, self.clicks)
    }

    /// Spend per new lead, rounded to 4 places.
    pub fn cost_per_lead(&self) -> Option<Decimal> {
        (self.leads > 0).then(|| (self.spend / Decimal::from(self.leads)).round_dp(4))
    }

    /// Attributed orders per click.
    pub fn conversion_rate(&self) -> Option<f64> {
        ratio(self.conversions, self.clicks)
    }

    /// Spend per attributed order (cost per acquisition), rounded to 4 places.
    pub fn cost_per_acquisition(&self) -> Option<Decimal> {
        (self.conversions > 0).then(|| (self.spend / Decimal::from(self.conversions)).round_dp(4))
    }

    /// Return on ad spend: revenue in the spend's `currency` per unit of spend; `None`
    /// without spend or without a spend currency. Revenue in other currencies is not counted.
    pub fn roas(&self, currency: Option<&str>) -> Option<f64> {
        let currency = currency?;
        if self.spend <= Decimal::ZERO {
            return None;
        }
        let revenue = self.revenue.get(currency).copied().unwrap_or(0);
        let revenue = crate::catalog::money::to_decimal(revenue, currency);
        (revenue / self.spend).round_dp(4).to_string().parse().ok()
    }

    fn add(&mut self, other: &MetricRow) {
        self.impressions += other.impressions;
        self.clicks += other.clicks;
        self.spend += other.spend;
        self.leads += other.leads;
        self.conversions += other.conversions;
        self.leads_converted += other.leads_converted;
        for (currency, amount) in &other.revenue {
            let slot = self.revenue.entry(currency.clone()).or_default();
            *slot = slot.saturating_add(*amount);
        }
    }
}

/// The A/B readout: the leading variant against the runner-up on the campaign's criterion.
#[derive(Clone, Debug, PartialEq)]
pub struct Readout {
    pub criterion: WinnerCriterion,
    /// Per variant: (variant id, successes, trials, rate).
    pub variants: Vec<(i32, u64, u64, Option<f64>)>,
    pub leader: Option<i32>,
    pub runner_up: Option<i32>,
    pub test: Option<ZTest>,
}

impl Readout {
    /// The winner, only when the difference is significant at 95%.
    pub fn winner(&self) -> Option<i32> {
        self.test.filter(ZTest::significant).and(self.leader)
    }
}

/// Builds the readout from per-variant totals.
pub fn readout(criterion: WinnerCriterion, totals: &[(i32, MetricRow)]) -> Readout {
    let mut variants: Vec<(i32, u64, u64, Option<f64>)> = totals
        .iter()
        .map(|(id, m)| {
            let (x, n) = match criterion {
                WinnerCriterion::ClickRate => (m.clicks, m.impressions),
                WinnerCriterion::LeadConversionRate => (m.leads, m.clicks),
                WinnerCriterion::ConversionRate => (m.conversions, m.clicks),
            };
            (*id, x, n, ratio(x, n))
        })
        .collect();
    let mut ranked: Vec<&(i32, u64, u64, Option<f64>)> =
        variants.iter().filter(|v| v.3.is_some()).collect();
    ranked.sort_by(|a, b| {
        b.3.partial_cmp(&a.3)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.0.cmp(&b.0))
    });
    let (leader, runner_up, test) = match ranked.as_slice() {
        [a, b, ..] => (Some(a.0), Some(b.0), two_proportion_z(a.1, a.2, b.1, b.2)),
        [a] => (Some(a.0), None, None),
        [] => (None, None, None),
    };
    variants.sort_by_key(|v| v.0);
    Readout {
        criterion,
        variants,
        leader,
        runner_up,
        test,
    }
}

/// Lead statistics.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LeadStats {
    pub total: u64,
    pub by_stage: Vec<(Stage, u64)>,
    /// `None` = no source recorded.
    pub by_source: Vec<(Option<String>, u64)>,
    /// Per stage: leads that reached it (are in it or a later stage) and the conversion rate
    /// from the previous stage.
    pub funnel: Vec<(Stage, u64, Option<f64>)>,
    /// Per last-touch campaign id (`None` = unattributed).
    pub by_campaign: Vec<(Option<i32>, u64)>,
}

/// Funnel from stage counts: reached(s) = leads in s or any later stage.
pub fn funnel(by_stage: &[(Stage, u64)]) -> Vec<(Stage, u64, Option<f64>)> {
    let count = |s: Stage| {
        by_stage
            .iter()
            .filter(|(st, _)| *st >= s)
            .map(|(_, n)| n)
            .sum::<u64>()
    };
    let mut out = Vec::new();
    let mut previous: Option<u64> = None;
    for s in Stage::ALL {
        let reached = count(*s);
        out.push((*s, reached, previous.and_then(|p| ratio(reached, p))));
        previous = Some(reached);
    }
    out
}

#[derive(FromQueryResult)]
struct KeyCount {
    key: Option<String>,
    n: i64,
}

#[derive(FromQueryResult)]
struct ReportAgg {
    day: String,
    variant_id: i32,
    impressions: i64,
    clicks: i64,
    spend: String,
}

#[derive(FromQueryResult)]
struct OrderAgg {
    day: String,
    variant_id: Option<i32>,
    currency: Option<String>,
    orders: i64,
    converted: i64,
    revenue: Option<i64>,
}

#[derive(FromQueryResult)]
struct LeadAgg {
    day: String,
    variant_id: Option<i32>,
    n: i64,
}

fn day_expr(backend: DatabaseBackend, col: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"),
        _ => format!("substr({col}, 1, 10)"),
    }
}

fn placeholders(backend: DatabaseBackend, n: usize) -> Vec<String> {
    (1..=n)
        .map(|i| match backend {
            DatabaseBackend::Postgres => format!("${i}"),
            _ => "?".to_owned(),
        })
        .collect()
}

impl MarketingService {
    /// Metrics of a campaign per (day, variant) between `from` and `to` (inclusive, UTC days).
    /// Orders count on the `touch` attribution (last touch by default).
    pub async fn campaign_metrics(
        &self,
        campaign_id: i32,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        touch: Touch,
    ) -> MResult<Vec<MetricRow>> {
        let backend = self.db.get_database_backend();
        let from_s = from.map_or_else(
            || "0000-01-01".to_owned(),
            |d| d.format("%Y-%m-%d").to_string(),
        );
        let to_s = to.map_or_else(
            || "9999-12-31".to_owned(),
            |d| d.format("%Y-%m-%d").to_string(),
        );
        let p = placeholders(backend, 3);
        // Spend is decimal text: summed exactly in Rust, per (day, variant, source) row.
        let report_day = match backend {
            DatabaseBackend::Postgres => "to_char(day, 'YYYY-MM-DD')".to_owned(),
            _ => "substr(day, 1, 10)".to_owned(),
        };
        let sql = format!(
            "SELECT {report_day} AS day, variant_id, impressions, clicks, spend FROM campaign_metric_report \
             WHERE campaign_id = {} AND {report_day} >= {} AND {report_day} <= {}",
            p[0], p[1], p[2]
        );
        let values: Vec<Value> = vec![
            campaign_id.into(),
            from_s.clone().into(),
            to_s.clone().into(),
        ];
        let reports = ReportAgg::find_by_statement(Statement::from_sql_and_values(
            backend,
            sql,
            values.clone(),
        ))
        .all(&self.db)
        .await?;
        let lead_day = day_expr(backend, "created_at");
        let sql = format!(
            "SELECT {lead_day} AS day, campaign_variant_id AS variant_id, COUNT(DISTINCT lead_id) AS n \
             FROM lead_activity WHERE campaign_id = {} AND is_new_lead = {} \
             AND {lead_day} >= {} AND {lead_day} <= {} GROUP BY 1, 2",
            p[0],
            if backend == DatabaseBackend::Postgres {
                "TRUE"
            } else {
                "1"
            },
            p[1],
            p[2]
        );
        let leads = LeadAgg::find_by_statement(Statement::from_sql_and_values(
            backend,
            sql,
            values.clone(),
        ))
        .all(&self.db)
        .await?;
        let order_day = day_expr(backend, "ordered_at");
        let p4 = placeholders(backend, 4);
        let sql = format!(
            "SELECT {order_day} AS day, campaign_variant_id AS variant_id, currency, \
             COUNT(*) AS orders, CAST(SUM(CASE WHEN lead_converted THEN 1 ELSE 0 END) AS BIGINT) AS converted, \
             CAST(SUM(order_total) AS BIGINT) AS revenue FROM marketing_attribution \
             WHERE campaign_id = {} AND touch = {} AND order_id IS NOT NULL \
             AND {order_day} >= {} AND {order_day} <= {} GROUP BY 1, 2, 3",
            p4[0], p4[1], p4[2], p4[3]
        );
        let mut order_values = values;
        order_values.insert(1, touch.code().into());
        let orders =
            OrderAgg::find_by_statement(Statement::from_sql_and_values(backend, sql, order_values))
                .all(&self.db)
                .await?;
        let mut cells: BTreeMap<(NaiveDate, Option<i32>), MetricRow> = BTreeMap::new();
        let parse_day = |d: &str| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|e| MarketingError::Db(sea_orm::DbErr::Custom(e.to_string())))
        };
        for r in reports {
            let day = parse_day(&r.day)?;
            let variant = (r.variant_id != 0).then_some(r.variant_id);
            let cell = cells.entry((day, variant)).or_default();
            cell.impressions += u64::try_from(r.impressions).unwrap_or(0);
            cell.clicks += u64::try_from(r.clicks).unwrap_or(0);
            cell.spend += Decimal::from_str(&r.spend).unwrap_or_default();
        }
        for l in leads {
            let day = parse_day(&l.day)?;
            cells.entry((day, l.variant_id)).or_default().leads += u64::try_from(l.n).unwrap_or(0);
        }
        for o in orders {
            let day = parse_day(&o.day)?;
            let cell = cells.entry((day, o.variant_id)).or_default();
            cell.conversions += u64::try_from(o.orders).unwrap_or(0);
            cell.leads_converted += u64::try_from(o.converted).unwrap_or(0);
            if let Some(currency) = o.currency {
                let slot = cell.revenue.entry(currency).or_default();
                *slot = slot.saturating_add(o.revenue.unwrap_or(0));
            }
        }
        Ok(cells
            .into_iter()
            .map(|((day, variant_id), mut m)| {
                m.day = Some(day);
                m.variant_id = variant_id;
                m
            })
            .collect())
    }

    /// Totals per variant (every variant of the campaign, in order) plus the campaign-level
    /// remainder (`variant_id: None`) when there is any.
    pub async fn campaign_variant_totals(
        &self,
        campaign_id: i32,
        touch: Touch,
    ) -> MResult<(Vec<(variant::Model, MetricRow)>, MetricRow, MetricRow)> {
        let rows = self
            .campaign_metrics(campaign_id, None, None, touch)
            .await?;
        let variants = self.variants(campaign_id).await?;
        let mut per: Vec<(variant::Model, MetricRow)> = variants
            .into_iter()
            .map(|v| {
                let row = MetricRow {
                    variant_id: Some(v.id),
                    ..Default::default()
                };
                (v, row)
            })
            .collect();
        let mut unassigned = MetricRow::default();
        let mut total = MetricRow::default();
        for r in &rows {
            total.add(r);
            match per.iter_mut().find(|(v, _)| Some(v.id) == r.variant_id) {
                Some((_, acc)) => acc.add(r),
                None => unassigned.add(r),
            }
        }
        Ok((per, unassigned, total))
    }

    /// The A/B readout of a campaign on `criterion` (default: the campaign's).
    pub async fn campaign_readout(
        &self,
        campaign_id: i32,
        criterion: WinnerCriterion,
        touch: Touch,
    ) -> MResult<Readout> {
        let (per, _, _) = self.campaign_variant_totals(campaign_id, touch).await?;
        let totals: Vec<(i32, MetricRow)> = per.into_iter().map(|(v, m)| (v.id, m)).collect();
        Ok(readout(criterion, &totals))
    }

    /// Lead statistics over leads created in `[from, to]` (erased leads included: their
    /// stage, source and campaign are kept).
    pub async fn lead_stats(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> MResult<LeadStats> {
        let backend = self.db.get_database_backend();
        let p = placeholders(backend, 2);
        let mut values: Vec<Value> = Vec::new();
        let mut clauses = Vec::new();
        if let Some(from) = from {
            clauses.push(format!("created_at >= {}", p[values.len()]));
            values.push(from.into());
        }
        if let Some(to) = to {
            clauses.push(format!("created_at <= {}", p[values.len()]));
            values.push(to.into());
        }
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        let group = |col: &str| {
            format!(
                "SELECT CAST({col} AS TEXT) AS key, COUNT(*) AS n FROM {} {filter} GROUP BY {col}",
                lead_table()
            )
        };
        let run = |sql: String| {
            let values = values.clone();
            async move {
                KeyCount::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
                    .all(&self.db)
                    .await
            }
        };
        // Three scans of indexed columns, concurrently on separate connections.
        let (stages, sources, campaigns) = tokio::try_join!(
            run(group("stage")),
            run(group("source")),
            run(group("campaign_id"))
        )?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        let by_stage: Vec<(Stage, u64)> = Stage::ALL
            .iter()
            .map(|s| {
                let n = stages
                    .iter()
                    .filter(|r| r.key.as_deref() == Some(s.code()))
                    .map(|r| count(r.n))
                    .sum();
                (*s, n)
            })
            .collect();
        let mut by_source: Vec<(Option<String>, u64)> =
            sources.into_iter().map(|r| (r.key, count(r.n))).collect();
        by_source.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut by_campaign: Vec<(Option<i32>, u64)> = campaigns
            .into_iter()
            .map(|r| (r.key.and_then(|k| k.parse().ok()), count(r.n)))
            .collect();
        by_campaign.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let total = by_stage.iter().map(|(_, n)| n).sum();
        Ok(LeadStats {
            total,
            funnel: funnel(&by_stage),
            by_stage,
            by_source,
            by_campaign,
        })
    }
}

/// Orders and revenue attributed to one campaign in one currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignRevenue {
    /// `None`: orders with attribution data but no (known) campaign.
    pub campaign_id: Option<i32>,
    pub currency: String,
    pub orders: u64,
    /// Minor units.
    pub revenue: i64,
}

#[derive(FromQueryResult)]
struct RevenueAgg {
    campaign_id: Option<i32>,
    currency: Option<String>,
    orders: i64,
    revenue: Option<i64>,
}

impl MarketingService {
    /// Orders and revenue per campaign and currency on the `touch` attribution, for orders
    /// placed in `[from, to]`; largest revenue first within each currency.
    pub async fn revenue_by_campaign(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        touch: Touch,
    ) -> MResult<Vec<CampaignRevenue>> {
        let backend = self.db.get_database_backend();
        let p = placeholders(backend, 3);
        let mut values: Vec<Value> = vec![touch.code().into()];
        let mut sql = format!(
            "SELECT campaign_id, currency, COUNT(*) AS orders, \
             CAST(SUM(order_total) AS BIGINT) AS revenue FROM marketing_attribution \
             WHERE touch = {} AND ordered_at IS NOT NULL",
            p[0]
        );
        if let Some(from) = from {
            sql.push_str(&format!(" AND ordered_at >= {}", p[values.len()]));
            values.push(from.into());
        }
        if let Some(to) = to {
            sql.push_str(&format!(" AND ordered_at <= {}", p[values.len()]));
            values.push(to.into());
        }
        sql.push_str(" GROUP BY campaign_id, currency");
        let rows =
            RevenueAgg::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
                .all(&self.db)
                .await?;
        let mut out: Vec<CampaignRevenue> = rows
            .into_iter()
            .filter_map(|r| {
                Some(CampaignRevenue {
                    campaign_id: r.campaign_id,
                    currency: r.currency?,
                    orders: u64::try_from(r.orders).unwrap_or(0),
                    revenue: r.revenue.unwrap_or(0),
                })
            })
            .collect();
        out.sort_by(|a, b| {
            a.currency
                .cmp(&b.currency)
                .then(b.revenue.cmp(&a.revenue))
                .then(a.campaign_id.cmp(&b.campaign_id))
        });
        Ok(out)
    }
}

fn lead_table() -> &'static str {
    use sea_orm::EntityName;
    lead::Entity.table_name()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdf_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
        assert!((normal_cdf(-1.0) - 0.158_655_25).abs() < 1e-6);
    }

    #[test]
    fn z_test_known_numbers() {
        // 200/1000 vs 150/1000: pooled 0.175, se = sqrt(0.175*0.825*0.002) = 0.016992,
        // z = 0.05/0.016992 = 2.9426, two-sided p = 0.003255.
        let t = two_proportion_z(200, 1000, 150, 1000).unwrap_or(ZTest {
            rate_a: 0.0,
            rate_b: 0.0,
            z: 0.0,
            p_value: 1.0,
        });
        assert!((t.z - 2.9426).abs() < 1e-3, "{t:?}");
        assert!((t.p_value - 0.003255).abs() < 1e-4, "{t:?}");
        assert!(t.significant());
        // 52/1000 vs 48/1000 is noise.
        let t = two_proportion_z(52, 1000, 48, 1000);
        assert!(t.is_some_and(|t| !t.significant() && t.p_value > 0.6));
        assert_eq!(two_proportion_z(0, 0, 1, 10), None);
        assert_eq!(two_proportion_z(0, 10, 0, 10), None);
        assert_eq!(two_proportion_z(11, 10, 1, 10), None);
    }

    #[test]
    fn readout_picks_leader() {
        let row = |impressions, clicks| MetricRow {
            impressions,
            clicks,
            ..Default::default()
        };
        let r = readout(
            WinnerCriterion::ClickRate,
            &[(1, row(1000, 150)), (2, row(1000, 200)), (3, row(0, 0))],
        );
        assert_eq!(r.leader, Some(2));
        assert_eq!(r.runner_up, Some(1));
        assert_eq!(r.winner(), Some(2));
        let r = readout(
            WinnerCriterion::ClickRate,
            &[(1, row(1000, 50)), (2, row(1000, 52))],
        );
        assert_eq!(r.winner(), None);
    }

    #[test]
    fn funnel_counts() {
        let by_stage = vec![
            (Stage::Subscriber, 50),
            (Stage::Lead, 30),
            (Stage::MarketingQualified, 15),
            (Stage::SalesQualified, 5),
            (Stage::Opportunity, 0),
            (Stage::Customer, 0),
        ];
        let f = funnel(&by_stage);
        assert_eq!(f[0], (Stage::Subscriber, 100, None));
        assert_eq!(f[1].1, 50);
        assert_eq!(f[2].1, 20);
        assert_eq!(f[2].2, Some(0.4));
        assert_eq!(f[5], (Stage::Customer, 0, None));
    }

    #[test]
    fn cost_per_lead() {
        let m = MetricRow {
            spend: Decimal::new(1000, 2),
            leads: 3,
            ..Default::default()
        };
        assert_eq!(
            m.cost_per_lead().map(|d| d.to_string()).as_deref(),
            Some("3.3333")
        );
    }
}
