//! Catalogue promotions (Saleor 3.19+ `Promotion` / `PromotionRule`).
//!
//! - `recalc`: the precomputed discounted prices every read uses, and the periodic task
//!   that recomputes them when a promotion starts or ends
//! - `service`: staff writes (validation with Saleor's error codes, transactions)
//! - `api`: GraphQL types and resolvers (thin)
//!
//! Only CATALOGUE promotions take effect. ORDER promotions are refused at creation
//! (`promotionCreate` with `type: ORDER` answers `INVALID` on `type`), so none exist.

pub mod api;
pub mod recalc;
pub mod service;

use std::collections::HashMap;

use entities::{
    promotion, promotion_rule, variant_channel_listing, variant_listing_promotion_rule,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// The catalogue promotion rule that gives a variant listing its discount (the largest).
#[derive(Clone, Debug, PartialEq)]
pub struct LineDiscount {
    pub rule_id: i32,
    pub promotion_id: i32,
    /// Minor units off one unit.
    pub amount: i64,
    /// `PERCENTAGE` or `FIXED`.
    pub reward_value_type: String,
    /// Decimal text.
    pub reward_value: String,
    /// Saleor's reason text: `Promotion: <promotion global id>`.
    pub reason: String,
}

/// The best rule of each discounted listing among `listings`, keyed by listing id (one
/// statement, none when nothing is discounted).
pub async fn line_discounts<'a, C: ConnectionTrait>(
    conn: &C,
    listings: impl Iterator<Item = &'a variant_channel_listing::Model>,
) -> Result<HashMap<i32, LineDiscount>, DbErr> {
    let discounted: Vec<i32> = listings
        .filter(|l| {
            l.discounted_price_amount
                .zip(l.price_amount)
                .is_some_and(|(d, p)| d < p)
        })
        .map(|l| l.id)
        .collect();
    let mut out: HashMap<i32, LineDiscount> = HashMap::new();
    if discounted.is_empty() {
        return Ok(out);
    }
    let rows = variant_listing_promotion_rule::Entity::find()
        .filter(variant_listing_promotion_rule::Column::VariantChannelListingId.is_in(discounted))
        .all(conn)
        .await?;
    let rule_ids: Vec<i32> = rows.iter().map(|r| r.promotion_rule_id).collect();
    let rules: HashMap<i32, promotion_rule::Model> = promotion_rule::Entity::find()
        .filter(promotion_rule::Column::Id.is_in(rule_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    for row in rows {
        let Some(rule) = rules.get(&row.promotion_rule_id) else {
            continue;
        };
        if out
            .get(&row.variant_channel_listing_id)
            .is_some_and(|d| d.amount >= row.discount_amount)
        {
            continue;
        }
        out.insert(
            row.variant_channel_listing_id,
            LineDiscount {
                rule_id: rule.id,
                promotion_id: rule.promotion_id,
                amount: row.discount_amount,
                reward_value_type: rule.reward_value_type.clone().unwrap_or_default(),
                reward_value: rule.reward_value.clone().unwrap_or_default(),
                reason: format!(
                    "Promotion: {}",
                    crate::core::id::encode("Promotion", rule.promotion_id).as_str()
                ),
            },
        );
    }
    Ok(out)
}

/// The demo promotion "Bag week": 10% off the "Bags" category in every channel. Does nothing when promotions exist; returns whether it created it.
pub async fn seed_demo(db: &sea_orm::DatabaseConnection) -> Result<bool, DbErr> {
    use sea_orm::PaginatorTrait;
    if promotion::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    service::seed_demo(db).await
}
