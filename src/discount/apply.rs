//! What a voucher takes off a cart: the entire order, the matching lines (SPECIFIC_PRODUCT)
//! or the shipping price (SHIPPING), after the voucher's conditions are checked.

use std::collections::{HashMap, HashSet};

use entities::{
    collection_product, product, product_variant, voucher_category as v_category,
    voucher_collection as v_collection, voucher_customer, voucher_product as v_product,
    voucher_product_variant as v_variant,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};

use super::write::{PERCENTAGE, SHIPPING, SPECIFIC_PRODUCT};
use super::{ChannelVoucher, VoucherProblem};

/// A cart line as vouchers see it (entered prices, minor units).
#[derive(Clone, Debug)]
pub struct CartLine {
    pub variant_id: i32,
    pub quantity: i32,
    pub unit_price: i64,
}

impl CartLine {
    /// Unit price × quantity.
    pub fn amount(&self) -> i64 {
        self.unit_price.saturating_mul(i64::from(self.quantity))
    }
}

/// The cart a voucher is checked against.
#[derive(Clone, Debug, Default)]
pub struct Cart<'a> {
    pub lines: &'a [CartLine],
    /// The selected delivery's entered price, when one is selected and valid.
    pub shipping: Option<i64>,
    /// The shipping address's country code.
    pub country: Option<&'a str>,
    /// The customer's email, when known.
    pub email: Option<&'a str>,
    /// Whether the customer is a staff user.
    pub customer_is_staff: bool,
}

impl Cart<'_> {
    /// Sum of the lines' amounts.
    pub fn subtotal(&self) -> i64 {
        self.lines
            .iter()
            .map(CartLine::amount)
            .fold(0, i64::saturating_add)
    }
}

/// What a voucher takes off, in entered prices (minor units).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VoucherDiscount {
    /// Off the entire order (spread over the lines before taxing).
    pub order: i64,
    /// Off each line (same order as the cart's lines; empty when none).
    pub lines: Vec<i64>,
    /// Off the shipping price.
    pub shipping: i64,
}

impl VoucherDiscount {
    /// Everything taken off.
    pub fn total(&self) -> i64 {
        self.lines
            .iter()
            .fold(self.order.saturating_add(self.shipping), |a, b| {
                a.saturating_add(*b)
            })
    }
}

/// `value` (minor units, or hundredths of a percent) off `base`, never more than it;
/// percentages round half up to the minor unit.
pub fn amount_off(discount_type: &str, value: i64, base: i64) -> i64 {
    let d = if discount_type == PERCENTAGE {
        let raw = i128::from(base) * i128::from(value);
        i64::try_from((raw + 5_000) / 10_000).unwrap_or(i64::MAX)
    } else {
        value
    };
    d.clamp(0, base.max(0))
}

/// Whether `email` already used once-per-customer voucher `voucher_id`.
pub async fn used_by<C: ConnectionTrait>(
    conn: &C,
    voucher_id: i32,
    email: &str,
) -> Result<bool, DbErr> {
    Ok(voucher_customer::Entity::find()
        .filter(voucher_customer::Column::VoucherId.eq(voucher_id))
        .filter(voucher_customer::Column::CustomerEmail.eq(email.to_lowercase()))
        .count(conn)
        .await?
        > 0)
}

/// Records that `email` used `voucher_id`; `false` when it already had (the unique index
/// decides under concurrent completions: the second insert does nothing).
pub async fn record_customer_use<C: ConnectionTrait>(
    conn: &C,
    voucher_id: i32,
    email: &str,
) -> Result<bool, DbErr> {
    use sea_orm::sea_query::{OnConflict, Query};
    let mut insert = Query::insert();
    insert
        .into_table(voucher_customer::Entity)
        .columns([
            voucher_customer::Column::VoucherId,
            voucher_customer::Column::CustomerEmail,
        ])
        .values_panic([voucher_id.into(), email.to_lowercase().into()])
        .on_conflict(
            OnConflict::columns([
                voucher_customer::Column::VoucherId,
                voucher_customer::Column::CustomerEmail,
            ])
            .do_nothing()
            .to_owned(),
        );
    let result = conn.execute(&insert).await?;
    Ok(result.rows_affected() == 1)
}

/// Which of `variant_ids` a SPECIFIC_PRODUCT voucher discounts: linked variants, variants
/// of linked products, of products in linked categories or collections.
pub async fn matching_variants<C: ConnectionTrait>(
    conn: &C,
    voucher_id: i32,
    variant_ids: &[i32],
) -> Result<HashSet<i32>, DbErr> {
    let variants: Vec<i32> = v_variant::Entity::find()
        .filter(v_variant::Column::VoucherId.eq(voucher_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| l.product_variant_id)
        .collect();
    let products: HashSet<i32> = v_product::Entity::find()
        .filter(v_product::Column::VoucherId.eq(voucher_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| l.product_id)
        .collect();
    let categories: HashSet<i32> = v_category::Entity::find()
        .filter(v_category::Column::VoucherId.eq(voucher_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| l.category_id)
        .collect();
    let collections: Vec<i32> = v_collection::Entity::find()
        .filter(v_collection::Column::VoucherId.eq(voucher_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| l.collection_id)
        .collect();
    let product_of: HashMap<i32, i32> = product_variant::Entity::find()
        .filter(product_variant::Column::Id.is_in(variant_ids.to_vec()))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| (v.id, v.product_id))
        .collect();
    let product_ids: Vec<i32> = product_of.values().copied().collect();
    let category_of: HashMap<i32, Option<i32>> = if categories.is_empty() {
        HashMap::new()
    } else {
        product::Entity::find()
            .filter(product::Column::Id.is_in(product_ids.clone()))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| (p.id, p.category_id))
            .collect()
    };
    let in_collections: HashSet<i32> = if collections.is_empty() {
        HashSet::new()
    } else {
        collection_product::Entity::find()
            .filter(collection_product::Column::CollectionId.is_in(collections))
            .filter(collection_product::Column::ProductId.is_in(product_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|cp| cp.product_id)
            .collect()
    };
    Ok(variant_ids
        .iter()
        .copied()
        .filter(|v| {
            let product = product_of.get(v).copied();
            variants.contains(v)
                || product.is_some_and(|p| {
                    products.contains(&p)
                        || in_collections.contains(&p)
                        || category_of
                            .get(&p)
                            .copied()
                            .flatten()
                            .is_some_and(|c| categories.contains(&c))
                })
        })
        .collect())
}

/// Checks voucher `v` against `cart` and computes its discount.
pub async fn evaluate<C: ConnectionTrait>(
    conn: &C,
    v: &ChannelVoucher,
    cart: &Cart<'_>,
) -> Result<Result<VoucherDiscount, VoucherProblem>, DbErr> {
    let subtotal = cart.subtotal();
    if let Err(p) = v.check(subtotal) {
        return Ok(Err(p));
    }
    let voucher = &v.voucher;
    let quantity: i64 = cart.lines.iter().map(|l| i64::from(l.quantity)).sum();
    if voucher
        .min_checkout_items_quantity
        .is_some_and(|min| quantity < i64::from(min))
        || voucher.only_for_staff && !cart.customer_is_staff
    {
        return Ok(Err(VoucherProblem::NotApplicable));
    }
    if voucher.apply_once_per_customer
        && let Some(email) = cart.email
        && used_by(conn, voucher.id, email).await?
    {
        return Ok(Err(VoucherProblem::NotApplicable));
    }
    let (kind, value) = (voucher.discount_type.as_str(), v.listing.discount_value);
    let mut discount = VoucherDiscount::default();
    match voucher.voucher_type.as_str() {
        SHIPPING => {
            let Some(shipping) = cart.shipping else {
                return Ok(Err(VoucherProblem::NotApplicable));
            };
            let countries: Vec<&str> = voucher
                .countries
                .split(',')
                .filter(|c| !c.is_empty())
                .collect();
            if !countries.is_empty() && !cart.country.is_some_and(|c| countries.contains(&c)) {
                return Ok(Err(VoucherProblem::NotApplicable));
            }
            discount.shipping = amount_off(kind, value, shipping);
        }
        SPECIFIC_PRODUCT => {
            let ids: Vec<i32> = cart.lines.iter().map(|l| l.variant_id).collect();
            let matching = matching_variants(conn, voucher.id, &ids).await?;
            let matches = |l: &CartLine| matching.contains(&l.variant_id) && l.quantity > 0;
            if !cart.lines.iter().any(matches) {
                return Ok(Err(VoucherProblem::NotApplicable));
            }
            discount.lines = vec![0; cart.lines.len()];
            if voucher.apply_once_per_order {
                // The cheapest matching unit only (the first such line on a tie).
                let cheapest = cart
                    .lines
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| matches(l))
                    .min_by_key(|(i, l)| (l.unit_price, *i));
                if let Some((i, l)) = cheapest {
                    discount.lines[i] = amount_off(kind, value, l.unit_price);
                }
            } else {
                for (i, l) in cart.lines.iter().enumerate() {
                    if !matches(l) {
                        continue;
                    }
                    discount.lines[i] = if kind == PERCENTAGE {
                        amount_off(kind, value, l.amount())
                    } else {
                        // A fixed value comes off each unit.
                        amount_off(
                            kind,
                            value.saturating_mul(i64::from(l.quantity)),
                            l.amount(),
                        )
                    };
                }
            }
        }
        _ => discount.order = amount_off(kind, value, subtotal),
    }
    Ok(Ok(discount))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_off_round_half_up_and_never_exceed_the_base() {
        assert_eq!(amount_off(PERCENTAGE, 1000, 1999), 200);
        assert_eq!(amount_off(PERCENTAGE, 1250, 1000), 125);
        assert_eq!(amount_off(PERCENTAGE, 333, 150), 5);
        assert_eq!(amount_off("FIXED", 500, 300), 300);
        assert_eq!(amount_off("FIXED", 500, 3000), 500);
        assert_eq!(amount_off(PERCENTAGE, 10_000, 4321), 4321);
    }

    #[test]
    fn total_adds_every_part() {
        let d = VoucherDiscount {
            order: 1,
            lines: vec![2, 3],
            shipping: 4,
        };
        assert_eq!(d.total(), 10);
    }
}
