//! Precomputed catalogue prices: what every read sees instead of evaluating promotions.
//!
//! For each variant channel listing in scope: `discounted_price_amount` is its price less
//! the largest discount of the running catalogue rules that match it in its channel (never
//! below zero), and `variant_listing_promotion_rule` holds every matching rule with its
//! discount on one unit. Callers then refresh the product listings' price ranges
//! (`catalog::seed::refresh_prices`, which calls [`apply`] first).
//!
//! Triggers: every price or listing change and product membership change (category,
//! collections) in the catalog writer, every promotion and rule write, and the periodic
//! task ([`run`]) when a promotion starts or ends.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use entities::{promotion, promotion_rule, promotion_rule_channel};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Statement};
use serde_json::Value as Json;
use tokio::sync::watch;

use crate::catalog::money;

/// `PERCENTAGE` or `FIXED` reward of a rule, parsed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reward {
    /// Percent (0–100).
    Percentage(Decimal),
    /// An amount in the currency of the rule's only channel.
    Fixed(Decimal),
}

impl Reward {
    /// From a rule's stored type and value; `None` when incomplete.
    pub fn of(rule: &promotion_rule::Model) -> Option<Self> {
        let value: Decimal = rule.reward_value.as_deref()?.parse().ok()?;
        match rule.reward_value_type.as_deref()? {
            "PERCENTAGE" => Some(Reward::Percentage(value)),
            "FIXED" => Some(Reward::Fixed(value)),
            _ => None,
        }
    }

    /// The discount on one unit at `price` minor units of `currency`: percentages round half
    /// up to the minor unit; never more than the price, never negative.
    pub fn discount(&self, price: i64, currency: &str) -> i64 {
        let d = match self {
            Reward::Percentage(p) => {
                let raw = Decimal::from(price) * *p / Decimal::from(100);
                raw.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                    .try_into()
                    .unwrap_or(i64::MAX)
            }
            Reward::Fixed(v) => {
                let digits = money::fraction_digits(currency);
                let scaled = *v * Decimal::from(10_i64.pow(digits));
                scaled.trunc().try_into().unwrap_or(i64::MAX)
            }
        };
        d.clamp(0, price.max(0))
    }
}

/// Whether a promotion runs at `now`.
pub fn is_running(p: &promotion::Model, now: DateTime<Utc>) -> bool {
    p.start_date <= now && p.end_date.is_none_or(|e| e > now)
}

/// Integer ids of `kind` (e.g. `Product`) in a predicate's `{ids: [global ids]}` object.
fn ids_of(obj: Option<&Json>, kind: &str) -> Vec<i32> {
    obj.and_then(|o| o.get("ids"))
        .and_then(Json::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(Json::as_str)
                .filter_map(crate::core::id::split)
                .filter(|(t, _)| t == kind)
                .filter_map(|(_, pk)| pk.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn id_list(ids: impl IntoIterator<Item = i32>) -> String {
    ids.into_iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

async fn ints<C: ConnectionTrait>(conn: &C, sql: String) -> Result<HashSet<i32>, DbErr> {
    let backend = conn.get_database_backend();
    let rows = conn
        .query_all_raw(Statement::from_string(backend, sql))
        .await?;
    rows.iter().map(|r| r.try_get_by_index::<i32>(0)).collect()
}

/// The variants a catalogue predicate (Saleor's `CataloguePredicateInput` as JSON) matches.
/// The keys of one object are alternatives (any matches); `AND` requires every item,
/// `OR` any; an object combining them requires all of its parts. Categories include their
/// subcategories, as in Saleor.
pub fn variants_of<'a, C: ConnectionTrait>(
    conn: &'a C,
    predicate: &'a Json,
) -> futures_util::future::BoxFuture<'a, Result<HashSet<i32>, DbErr>> {
    Box::pin(async move {
        let Some(obj) = predicate.as_object() else {
            return Ok(HashSet::new());
        };
        let mut parts: Vec<HashSet<i32>> = Vec::new();
        let mut leaf: Option<HashSet<i32>> = None;
        let add_leaf = |set: HashSet<i32>, leaf: &mut Option<HashSet<i32>>| {
            leaf.get_or_insert_with(HashSet::new).extend(set);
        };
        let variants = ids_of(obj.get("variantPredicate"), "ProductVariant");
        if obj.contains_key("variantPredicate") {
            let set = if variants.is_empty() {
                HashSet::new()
            } else {
                ints(
                    conn,
                    format!(
                        "SELECT id FROM product_variant WHERE id IN ({})",
                        id_list(variants)
                    ),
                )
                .await?
            };
            add_leaf(set, &mut leaf);
        }
        if obj.contains_key("productPredicate") {
            let products = ids_of(obj.get("productPredicate"), "Product");
            let set = if products.is_empty() {
                HashSet::new()
            } else {
                ints(
                    conn,
                    format!(
                        "SELECT id FROM product_variant WHERE product_id IN ({})",
                        id_list(products)
                    ),
                )
                .await?
            };
            add_leaf(set, &mut leaf);
        }
        if obj.contains_key("categoryPredicate") {
            let categories = ids_of(obj.get("categoryPredicate"), "Category");
            let set = if categories.is_empty() {
                HashSet::new()
            } else {
                ints(
                    conn,
                    format!(
                        "WITH RECURSIVE tree(id) AS (SELECT id FROM category WHERE id IN ({}) \
                         UNION SELECT c.id FROM category c JOIN tree t ON c.parent_id = t.id) \
                         SELECT v.id FROM product_variant v JOIN product p ON p.id = v.product_id \
                         WHERE p.category_id IN (SELECT id FROM tree)",
                        id_list(categories)
                    ),
                )
                .await?
            };
            add_leaf(set, &mut leaf);
        }
        if obj.contains_key("collectionPredicate") {
            let collections = ids_of(obj.get("collectionPredicate"), "Collection");
            let set = if collections.is_empty() {
                HashSet::new()
            } else {
                ints(
                    conn,
                    format!(
                        "SELECT v.id FROM product_variant v JOIN collection_product cp \
                         ON cp.product_id = v.product_id WHERE cp.collection_id IN ({})",
                        id_list(collections)
                    ),
                )
                .await?
            };
            add_leaf(set, &mut leaf);
        }
        if let Some(set) = leaf {
            parts.push(set);
        }
        if let Some(items) = obj.get("AND").and_then(Json::as_array) {
            let mut acc: Option<HashSet<i32>> = None;
            for item in items {
                let set = variants_of(conn, item).await?;
                acc = Some(match acc {
                    None => set,
                    Some(a) => a.intersection(&set).copied().collect(),
                });
            }
            parts.push(acc.unwrap_or_default());
        }
        if let Some(items) = obj.get("OR").and_then(Json::as_array) {
            let mut acc = HashSet::new();
            for item in items {
                acc.extend(variants_of(conn, item).await?);
            }
            parts.push(acc);
        }
        let mut parts = parts.into_iter();
        let Some(first) = parts.next() else {
            return Ok(HashSet::new());
        };
        Ok(parts.fold(first, |a, b| a.intersection(&b).copied().collect()))
    })
}

/// The products whose variants `predicate` matches.
pub async fn products_of<C: ConnectionTrait>(
    conn: &C,
    predicates: &[&Json],
) -> Result<BTreeSet<i32>, DbErr> {
    let mut variants = HashSet::new();
    for p in predicates {
        variants.extend(variants_of(conn, p).await?);
    }
    if variants.is_empty() {
        return Ok(BTreeSet::new());
    }
    let mut out = BTreeSet::new();
    let all: Vec<i32> = variants.into_iter().collect();
    for chunk in all.chunks(1000) {
        out.extend(
            ints(
                conn,
                format!(
                    "SELECT DISTINCT product_id FROM product_variant WHERE id IN ({})",
                    id_list(chunk.iter().copied())
                ),
            )
            .await?,
        );
    }
    Ok(out)
}

/// A running catalogue rule with what it needs to price a listing.
struct LiveRule {
    id: i32,
    reward: Reward,
    channels: HashSet<i32>,
    variants: HashSet<i32>,
}

/// Recomputes the discounted prices of the variant listings of `products` (every product
/// when `None`) from the catalogue rules running now. Product listing ranges are left to the
/// caller (`catalog::seed::refresh_prices`).
pub async fn apply<C: ConnectionTrait>(conn: &C, products: Option<&[i32]>) -> Result<(), DbErr> {
    if products.is_some_and(<[i32]>::is_empty) {
        return Ok(());
    }
    let backend = conn.get_database_backend();
    let scope = match products {
        Some(ids) => format!(
            " WHERE variant_id IN (SELECT id FROM product_variant WHERE product_id IN ({}))",
            id_list(ids.iter().copied())
        ),
        None => String::new(),
    };
    let exec = |sql: String| conn.execute_raw(Statement::from_string(backend, sql));
    exec(format!(
        "DELETE FROM variant_listing_promotion_rule WHERE variant_channel_listing_id IN \
         (SELECT id FROM variant_channel_listing{scope})"
    ))
    .await?;
    exec(format!(
        "UPDATE variant_channel_listing SET discounted_price_amount = price_amount{scope}"
    ))
    .await?;

    let now = Utc::now();
    let running: Vec<i32> = promotion::Entity::find()
        .filter(promotion::Column::Kind.eq("CATALOGUE"))
        .filter(promotion::Column::StartDate.lte(now))
        .all(conn)
        .await?
        .into_iter()
        .filter(|p| is_running(p, now))
        .map(|p| p.id)
        .collect();
    if running.is_empty() {
        return Ok(());
    }
    let rules = promotion_rule::Entity::find()
        .filter(promotion_rule::Column::PromotionId.is_in(running))
        .all(conn)
        .await?;
    let mut channels: HashMap<i32, HashSet<i32>> = HashMap::new();
    if !rules.is_empty() {
        for rc in promotion_rule_channel::Entity::find()
            .filter(
                promotion_rule_channel::Column::PromotionRuleId
                    .is_in(rules.iter().map(|r| r.id).collect::<Vec<_>>()),
            )
            .all(conn)
            .await?
        {
            channels
                .entry(rc.promotion_rule_id)
                .or_default()
                .insert(rc.channel_id);
        }
    }
    let mut live = Vec::new();
    for r in rules {
        let (Some(reward), Some(chs)) = (Reward::of(&r), channels.remove(&r.id)) else {
            continue;
        };
        let variants = variants_of(conn, &r.catalogue_predicate).await?;
        if variants.is_empty() {
            continue;
        }
        live.push(LiveRule {
            id: r.id,
            reward,
            channels: chs,
            variants,
        });
    }
    let mut all: Vec<i32> = live
        .iter()
        .flat_map(|r| r.variants.iter().copied())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    all.sort_unstable();
    let product_filter = match products {
        Some(ids) => format!(" AND v.product_id IN ({})", id_list(ids.iter().copied())),
        None => String::new(),
    };
    for chunk in all.chunks(1000) {
        let rows = conn
            .query_all_raw(Statement::from_string(
                backend,
                format!(
                    "SELECT vl.id, vl.variant_id, vl.channel_id, vl.currency, vl.price_amount \
                     FROM variant_channel_listing vl JOIN product_variant v ON v.id = vl.variant_id \
                     WHERE vl.price_amount IS NOT NULL AND vl.variant_id IN ({}){product_filter}",
                    id_list(chunk.iter().copied())
                ),
            ))
            .await?;
        let mut inserts = Vec::new();
        for row in rows {
            let listing: i32 = row.try_get_by_index(0)?;
            let variant: i32 = row.try_get_by_index(1)?;
            let channel: i32 = row.try_get_by_index(2)?;
            let currency: String = row.try_get_by_index(3)?;
            let price: i64 = row.try_get_by_index(4)?;
            let mut best = 0_i64;
            for r in &live {
                if !r.channels.contains(&channel) || !r.variants.contains(&variant) {
                    continue;
                }
                let d = r.reward.discount(price, &currency);
                if d > 0 {
                    best = best.max(d);
                    inserts.push(format!("({listing}, {}, {d}, '{}')", r.id, safe(&currency)));
                }
            }
            if best > 0 {
                exec(format!(
                    "UPDATE variant_channel_listing SET discounted_price_amount = {} WHERE id = {listing}",
                    price - best
                ))
                .await?;
            }
        }
        for batch in inserts.chunks(500) {
            exec(format!(
                "INSERT INTO variant_listing_promotion_rule \
                 (variant_channel_listing_id, promotion_rule_id, discount_amount, currency) VALUES {}",
                batch.join(",")
            ))
            .await?;
        }
    }
    Ok(())
}

/// A currency code fit for an SQL literal (ISO codes are letters; anything else is dropped).
fn safe(currency: &str) -> String {
    currency
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// Recomputes discounted prices and price ranges of `products` (every product when `None`).
pub async fn refresh<C: ConnectionTrait>(conn: &C, products: Option<&[i32]>) -> Result<(), DbErr> {
    crate::catalog::seed::refresh_prices(conn, products).await
}

/// Promotions whose running state changed since prices were computed: recomputes the
/// products their rules match and records the new state. Each promotion is claimed with a
/// conditional update, so concurrent instances recompute it once. Returns how many changed.
pub async fn toggle_due(db: &sea_orm::DatabaseConnection) -> Result<usize, DbErr> {
    let now = Utc::now();
    let due: Vec<promotion::Model> = promotion::Entity::find()
        .filter(promotion::Column::Kind.eq("CATALOGUE"))
        .all(db)
        .await?
        .into_iter()
        .filter(|p| is_running(p, now) != p.applied_active)
        .collect();
    let mut n = 0;
    for p in due {
        let txn = crate::db::begin_write(db).await?;
        let active = is_running(&p, now);
        let claimed = promotion::Entity::update_many()
            .col_expr(
                promotion::Column::AppliedActive,
                sea_orm::sea_query::Expr::value(active),
            )
            .filter(promotion::Column::Id.eq(p.id))
            .filter(promotion::Column::AppliedActive.eq(!active))
            .exec(&txn)
            .await?;
        if claimed.rows_affected == 1 {
            let rules = promotion_rule::Entity::find()
                .filter(promotion_rule::Column::PromotionId.eq(p.id))
                .all(&txn)
                .await?;
            let preds: Vec<&Json> = rules.iter().map(|r| &r.catalogue_predicate).collect();
            let products: Vec<i32> = products_of(&txn, &preds).await?.into_iter().collect();
            refresh(&txn, Some(&products)).await?;
            n += 1;
        }
        txn.commit().await?;
    }
    Ok(n)
}

/// Recomputes prices when a promotion starts or ends, every `tick_secs`
/// (`BIZGRAPH_PROMOTION_TICK_SECS`, default 60), until `stop`. `db` is the background
/// pool, so request statement counts never include the tick.
pub async fn run(db: sea_orm::DatabaseConnection, tick_secs: u64, mut stop: watch::Receiver<bool>) {
    let every = Duration::from_secs(tick_secs.clamp(1, 3600));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    return;
                }
            }
        }
        match toggle_due(&db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(promotions = n, "recalculated promotion prices"),
            Err(e) => tracing::warn!(error = %e, "recalculating promotion prices failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewards_round_and_clamp() {
        let pct = Reward::Percentage(Decimal::from(10));
        assert_eq!(pct.discount(1999, "USD"), 200); // 199.9 → 200
        assert_eq!(pct.discount(1994, "USD"), 199); // 199.4 → 199
        assert_eq!(
            Reward::Percentage(Decimal::from(100)).discount(1999, "USD"),
            1999
        );
        let fixed = Reward::Fixed(Decimal::new(550, 2));
        assert_eq!(fixed.discount(1000, "USD"), 550);
        assert_eq!(fixed.discount(300, "USD"), 300);
        assert_eq!(Reward::Fixed(Decimal::from(5)).discount(1000, "JPY"), 5);
    }
}
