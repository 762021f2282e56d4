//! Staff changes to vouchers: create, update, delete, channel listings, catalogue links.
//! Every change runs in one write transaction.

use chrono::{DateTime, Utc};
use entities::{
    category, channel, collection, product, product_variant, voucher,
    voucher_category as v_category, voucher_channel_listing as listing,
    voucher_collection as v_collection, voucher_product as v_product,
    voucher_product_variant as v_variant,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, Set,
};

use super::error::{Code, DiscountError, DiscountResult};
use crate::catalog::money;
use crate::core::country::CountryCode;

pub const ENTIRE_ORDER: &str = "ENTIRE_ORDER";
pub const SPECIFIC_PRODUCT: &str = "SPECIFIC_PRODUCT";
pub const SHIPPING: &str = "SHIPPING";
pub const PERCENTAGE: &str = "PERCENTAGE";
pub const FIXED: &str = "FIXED";

/// Catalogue objects linked to a voucher (primary keys).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalogue {
    pub products: Vec<i32>,
    pub variants: Vec<i32>,
    pub categories: Vec<i32>,
    pub collections: Vec<i32>,
}

/// Fields to set on a voucher (`None`: leave as is; on create, the default).
#[derive(Clone, Debug, Default)]
pub struct VoucherChange {
    pub voucher_type: Option<&'static str>,
    pub name: Option<Option<String>>,
    /// The new code and the input field it came from (`code` or `addCodes`).
    pub code: Option<(String, &'static str)>,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<Option<DateTime<Utc>>>,
    pub discount_type: Option<&'static str>,
    pub min_checkout_items_quantity: Option<Option<i32>>,
    pub countries: Option<Vec<String>>,
    pub apply_once_per_order: Option<bool>,
    pub apply_once_per_customer: Option<bool>,
    pub only_for_staff: Option<bool>,
    pub single_use: Option<bool>,
    pub usage_limit: Option<Option<i32>>,
    /// Replaces the links of each kind given.
    pub products: Option<Vec<i32>>,
    pub variants: Option<Vec<i32>>,
    pub categories: Option<Vec<i32>>,
    pub collections: Option<Vec<i32>>,
}

/// A channel listing to add or update.
#[derive(Clone, Debug)]
pub struct ListingAdd {
    pub channel_id: i32,
    pub discount_value: Option<Decimal>,
    pub min_amount_spent: Option<Decimal>,
}

/// A voucher by primary key.
pub async fn get<C: ConnectionTrait>(conn: &C, id: i32) -> DiscountResult<Option<voucher::Model>> {
    Ok(voucher::Entity::find_by_id(id).one(conn).await?)
}

/// The channel listings of `voucher_id`.
pub async fn listings<C: ConnectionTrait>(
    conn: &C,
    voucher_id: i32,
) -> DiscountResult<Vec<listing::Model>> {
    Ok(listing::Entity::find()
        .filter(listing::Column::VoucherId.eq(voucher_id))
        .all(conn)
        .await?)
}

/// The listing of `voucher_id` in `channel_id`.
pub async fn listing_in<C: ConnectionTrait>(
    conn: &C,
    voucher_id: i32,
    channel_id: i32,
) -> DiscountResult<Option<listing::Model>> {
    Ok(listing::Entity::find()
        .filter(listing::Column::VoucherId.eq(voucher_id))
        .filter(listing::Column::ChannelId.eq(channel_id))
        .one(conn)
        .await?)
}

/// Catalogue objects linked to `voucher_id`.
pub async fn catalogue<C: ConnectionTrait>(conn: &C, voucher_id: i32) -> DiscountResult<Catalogue> {
    Ok(Catalogue {
        products: v_product::Entity::find()
            .filter(v_product::Column::VoucherId.eq(voucher_id))
            .all(conn)
            .await?
            .into_iter()
            .map(|l| l.product_id)
            .collect(),
        variants: v_variant::Entity::find()
            .filter(v_variant::Column::VoucherId.eq(voucher_id))
            .all(conn)
            .await?
            .into_iter()
            .map(|l| l.product_variant_id)
            .collect(),
        categories: v_category::Entity::find()
            .filter(v_category::Column::VoucherId.eq(voucher_id))
            .all(conn)
            .await?
            .into_iter()
            .map(|l| l.category_id)
            .collect(),
        collections: v_collection::Entity::find()
            .filter(v_collection::Column::VoucherId.eq(voucher_id))
            .all(conn)
            .await?
            .into_iter()
            .map(|l| l.collection_id)
            .collect(),
    })
}

/// A percentage (`10.5`) as hundredths of a percent (`1050`): at most two decimals, 0..=100.
pub fn percent_to_bp(value: Decimal) -> Option<i64> {
    let bp = value * Decimal::from(100);
    if value.is_sign_negative() && !value.is_zero() || bp.fract() != Decimal::ZERO {
        return None;
    }
    i64::try_from(bp).ok().filter(|bp| *bp <= 10_000)
}

/// A stored listing value as a decimal (percent, or an amount of `currency`).
pub fn value_decimal(discount_type: &str, value: i64, currency: &str) -> Decimal {
    if discount_type == PERCENTAGE {
        Decimal::new(value, 2)
    } else {
        money::to_decimal(value, currency)
    }
}

fn unique_codes(field: &str) -> DiscountError {
    DiscountError::input(
        field,
        Code::Unique,
        "Voucher with this Code already exists.",
    )
}

async fn code_taken(
    txn: &DatabaseTransaction,
    code: &str,
    except: Option<i32>,
) -> DiscountResult<bool> {
    let mut q = voucher::Entity::find().filter(voucher::Column::Code.eq(code));
    if let Some(id) = except {
        q = q.filter(voucher::Column::Id.ne(id));
    }
    Ok(q.count(txn).await? > 0)
}

fn check_values(change: &VoucherChange, current: Option<&voucher::Model>) -> DiscountResult<()> {
    if let Some((code, field)) = &change.code
        && code.trim().is_empty()
    {
        return Err(DiscountError::input(
            field,
            Code::Invalid,
            "Code can't be empty.",
        ));
    }
    if change.usage_limit.flatten().is_some_and(|l| l < 0) {
        return Err(DiscountError::input(
            "usageLimit",
            Code::Invalid,
            "Usage limit can't be negative.",
        ));
    }
    if change
        .min_checkout_items_quantity
        .flatten()
        .is_some_and(|q| q < 0)
    {
        return Err(DiscountError::input(
            "minCheckoutItemsQuantity",
            Code::Invalid,
            "Minimum checkout items quantity can't be negative.",
        ));
    }
    if let Some(countries) = &change.countries
        && let Some(bad) = countries.iter().find(|c| CountryCode::parse(c).is_none())
    {
        return Err(DiscountError::input(
            "countries",
            Code::Invalid,
            format!("'{bad}' is not a valid country code."),
        ));
    }
    let start = change
        .start_date
        .or(current.map(|c| c.start_date))
        .unwrap_or_else(Utc::now);
    let end = match change.end_date {
        Some(e) => e,
        None => current.and_then(|c| c.end_date),
    };
    if end.is_some_and(|e| e < start) {
        return Err(DiscountError::input(
            "endDate",
            Code::Invalid,
            "End date can't be before start date.",
        ));
    }
    Ok(())
}

/// Checks that every id of `ids` exists in `E` (`field` names the input on failure).
async fn check_exist<E: EntityTrait>(
    txn: &DatabaseTransaction,
    column: E::Column,
    ids: &[i32],
    field: &str,
) -> DiscountResult<()>
where
    E::Model: Sync,
{
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let found = E::find()
        .filter(column.is_in(unique.clone()))
        .count(txn)
        .await?;
    if found != unique.len() as u64 {
        return Err(DiscountError::input(
            field,
            Code::NotFound,
            format!("Couldn't resolve to a node: some of the {field}."),
        ));
    }
    Ok(())
}

async fn check_catalogue(txn: &DatabaseTransaction, c: &Catalogue) -> DiscountResult<()> {
    check_exist::<product::Entity>(txn, product::Column::Id, &c.products, "products").await?;
    check_exist::<product_variant::Entity>(
        txn,
        product_variant::Column::Id,
        &c.variants,
        "variants",
    )
    .await?;
    check_exist::<category::Entity>(txn, category::Column::Id, &c.categories, "categories").await?;
    check_exist::<collection::Entity>(txn, collection::Column::Id, &c.collections, "collections")
        .await
}

/// Adds (`add`) or removes links between `voucher_id` and the catalogue objects of `c`.
async fn link(
    txn: &DatabaseTransaction,
    voucher_id: i32,
    c: &Catalogue,
    add: bool,
) -> DiscountResult<()> {
    link_kind::<v_product::Entity, _>(
        txn,
        (v_product::Column::VoucherId, voucher_id),
        &c.products,
        add,
        v_product::Column::ProductId,
        |id| v_product::ActiveModel {
            voucher_id: Set(voucher_id),
            product_id: Set(id),
        },
    )
    .await?;
    link_kind::<v_variant::Entity, _>(
        txn,
        (v_variant::Column::VoucherId, voucher_id),
        &c.variants,
        add,
        v_variant::Column::ProductVariantId,
        |id| v_variant::ActiveModel {
            voucher_id: Set(voucher_id),
            product_variant_id: Set(id),
        },
    )
    .await?;
    link_kind::<v_category::Entity, _>(
        txn,
        (v_category::Column::VoucherId, voucher_id),
        &c.categories,
        add,
        v_category::Column::CategoryId,
        |id| v_category::ActiveModel {
            voucher_id: Set(voucher_id),
            category_id: Set(id),
        },
    )
    .await?;
    link_kind::<v_collection::Entity, _>(
        txn,
        (v_collection::Column::VoucherId, voucher_id),
        &c.collections,
        add,
        v_collection::Column::CollectionId,
        |id| v_collection::ActiveModel {
            voucher_id: Set(voucher_id),
            collection_id: Set(id),
        },
    )
    .await
}

/// Adds or removes the links of one kind: `owner` is the voucher column and id, `target`
/// the linked column; adding deletes matching links first so it is idempotent.
async fn link_kind<E, A>(
    txn: &DatabaseTransaction,
    owner: (E::Column, i32),
    ids: &[i32],
    add: bool,
    target: E::Column,
    new: impl Fn(i32) -> A,
) -> DiscountResult<()>
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    E::delete_many()
        .filter(owner.0.eq(owner.1))
        .filter(target.is_in(ids.clone()))
        .exec(txn)
        .await?;
    if add {
        E::insert_many(ids.into_iter().map(new)).exec(txn).await?;
    }
    Ok(())
}

/// Replaces the links of each kind given in `change`.
async fn replace_links(
    txn: &DatabaseTransaction,
    voucher_id: i32,
    change: &VoucherChange,
) -> DiscountResult<()> {
    let given = Catalogue {
        products: change.products.clone().unwrap_or_default(),
        variants: change.variants.clone().unwrap_or_default(),
        categories: change.categories.clone().unwrap_or_default(),
        collections: change.collections.clone().unwrap_or_default(),
    };
    check_catalogue(txn, &given).await?;
    let current = catalogue(txn, voucher_id).await?;
    let mut remove = Catalogue::default();
    if change.products.is_some() {
        remove.products = current.products;
    }
    if change.variants.is_some() {
        remove.variants = current.variants;
    }
    if change.categories.is_some() {
        remove.categories = current.categories;
    }
    if change.collections.is_some() {
        remove.collections = current.collections;
    }
    link(txn, voucher_id, &remove, false).await?;
    link(txn, voucher_id, &given, true).await
}

fn random_code() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_uppercase()
}

fn apply_change(a: &mut voucher::ActiveModel, change: &VoucherChange) {
    if let Some(t) = change.voucher_type {
        a.voucher_type = Set(t.to_owned());
    }
    if let Some(name) = &change.name {
        a.name = Set(name.clone().unwrap_or_default());
    }
    if let Some((code, _)) = &change.code {
        a.code = Set(code.trim().to_owned());
    }
    if let Some(d) = change.start_date {
        a.start_date = Set(d);
    }
    if let Some(d) = change.end_date {
        a.end_date = Set(d);
    }
    if let Some(t) = change.discount_type {
        a.discount_type = Set(t.to_owned());
    }
    if let Some(q) = change.min_checkout_items_quantity {
        a.min_checkout_items_quantity = Set(q);
    }
    if let Some(c) = &change.countries {
        let mut codes: Vec<String> = c
            .iter()
            .filter_map(|c| CountryCode::parse(c))
            .map(|c| c.code().to_owned())
            .collect();
        codes.sort();
        codes.dedup();
        a.countries = Set(codes.join(","));
    }
    if let Some(v) = change.apply_once_per_order {
        a.apply_once_per_order = Set(v);
    }
    if let Some(v) = change.apply_once_per_customer {
        a.apply_once_per_customer = Set(v);
    }
    if let Some(v) = change.only_for_staff {
        a.only_for_staff = Set(v);
    }
    if let Some(v) = change.single_use {
        a.single_use = Set(v);
    }
    if let Some(v) = change.usage_limit {
        a.usage_limit = Set(v);
    }
}

/// Creates a voucher (a random code when none is given).
pub async fn create(
    db: &DatabaseConnection,
    change: VoucherChange,
) -> DiscountResult<voucher::Model> {
    check_values(&change, None)?;
    let txn = crate::db::begin_write(db).await?;
    let (code, field) = change
        .code
        .clone()
        .unwrap_or_else(|| (random_code(), "code"));
    let code = code.trim().to_owned();
    if code_taken(&txn, &code, None).await? {
        return Err(unique_codes(field));
    }
    let mut a = voucher::ActiveModel {
        code: Set(code.clone()),
        name: Set(String::new()),
        discount_type: Set(FIXED.to_owned()),
        usage_limit: Set(None),
        used: Set(0),
        start_date: Set(Utc::now()),
        end_date: Set(None),
        voucher_type: Set(ENTIRE_ORDER.to_owned()),
        min_checkout_items_quantity: Set(None),
        apply_once_per_order: Set(false),
        apply_once_per_customer: Set(false),
        only_for_staff: Set(false),
        single_use: Set(false),
        countries: Set(String::new()),
        metadata: Set(serde_json::json!({})),
        private_metadata: Set(serde_json::json!({})),
        ..Default::default()
    };
    apply_change(&mut a, &change);
    a.code = Set(code);
    let v = a.insert(&txn).await?;
    replace_links(&txn, v.id, &change).await?;
    txn.commit().await?;
    Ok(v)
}

/// Updates voucher `id`. Changing the discount type converts the channel values (an amount
/// of 10.00 becomes 10%, as Saleor reinterprets its decimal value).
pub async fn update(
    db: &DatabaseConnection,
    id: i32,
    change: VoucherChange,
) -> DiscountResult<voucher::Model> {
    let txn = crate::db::begin_write(db).await?;
    let Some(current) = get(&txn, id).await? else {
        return Err(not_found());
    };
    check_values(&change, Some(&current))?;
    if let Some((code, field)) = &change.code
        && code_taken(&txn, code.trim(), Some(id)).await?
    {
        return Err(unique_codes(field));
    }
    if let Some(new_type) = change.discount_type
        && new_type != current.discount_type
    {
        for l in listings(&txn, id).await? {
            let d = value_decimal(&current.discount_type, l.discount_value, &l.currency);
            let value = if new_type == PERCENTAGE {
                percent_to_bp(d)
            } else {
                money::to_minor(d, &l.currency).ok()
            };
            let Some(value) = value else {
                return Err(DiscountError::channels(
                    "discountValueType",
                    Code::Invalid,
                    "Invalid percentage value.",
                    vec![l.channel_id],
                ));
            };
            let mut a: listing::ActiveModel = l.into();
            a.discount_value = Set(value);
            a.update(&txn).await?;
        }
    }
    let mut a: voucher::ActiveModel = current.into();
    apply_change(&mut a, &change);
    let v = a.update(&txn).await?;
    replace_links(&txn, id, &change).await?;
    txn.commit().await?;
    Ok(v)
}

fn not_found() -> DiscountError {
    DiscountError::input(
        "id",
        Code::NotFound,
        "Couldn't resolve to a node: the voucher.",
    )
}

/// Deletes voucher `id` (listings and links cascade); returns it as it was.
pub async fn delete(db: &DatabaseConnection, id: i32) -> DiscountResult<voucher::Model> {
    let txn = crate::db::begin_write(db).await?;
    let Some(v) = get(&txn, id).await? else {
        return Err(not_found());
    };
    voucher::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(v)
}

/// Deletes the vouchers of `ids` that exist; returns how many.
pub async fn bulk_delete(db: &DatabaseConnection, ids: &[i32]) -> DiscountResult<u64> {
    let txn = crate::db::begin_write(db).await?;
    let n = voucher::Entity::delete_many()
        .filter(voucher::Column::Id.is_in(ids.to_vec()))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(n)
}

/// Adds or updates listings of voucher `id` and removes others (Saleor's
/// `voucherChannelListingUpdate`).
pub async fn update_listings(
    db: &DatabaseConnection,
    id: i32,
    add: Vec<ListingAdd>,
    remove: Vec<i32>,
) -> DiscountResult<voucher::Model> {
    let mut duplicated: Vec<i32> = add
        .iter()
        .map(|a| a.channel_id)
        .filter(|c| remove.contains(c))
        .collect();
    let mut seen = std::collections::HashSet::new();
    duplicated.extend(
        add.iter()
            .map(|a| a.channel_id)
            .filter(|c| !seen.insert(*c)),
    );
    if !duplicated.is_empty() {
        duplicated.sort_unstable();
        duplicated.dedup();
        return Err(DiscountError::channels(
            "input",
            Code::DuplicatedInputItem,
            "Channel can't be added and removed or added twice.",
            duplicated,
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    let Some(v) = get(&txn, id).await? else {
        return Err(not_found());
    };
    for a in add {
        let Some(ch) = channel::Entity::find_by_id(a.channel_id).one(&txn).await? else {
            return Err(DiscountError::channels(
                "channelId",
                Code::NotFound,
                "Couldn't resolve to a node: the channel.",
                vec![a.channel_id],
            ));
        };
        let existing = listing_in(&txn, id, ch.id).await?;
        let value = match a.discount_value {
            Some(d) if v.discount_type == PERCENTAGE => percent_to_bp(d).ok_or_else(|| {
                DiscountError::channels(
                    "discountValue",
                    Code::Invalid,
                    "Invalid percentage value.",
                    vec![ch.id],
                )
            })?,
            Some(d) => money::to_minor(d, &ch.currency_code).map_err(|e| {
                DiscountError::channels("discountValue", Code::Invalid, e.to_string(), vec![ch.id])
            })?,
            None => match &existing {
                Some(l) => l.discount_value,
                None => {
                    return Err(DiscountError::channels(
                        "discountValue",
                        Code::Required,
                        "Discount value is required.",
                        vec![ch.id],
                    ));
                }
            },
        };
        let min_spent = match a.min_amount_spent {
            Some(d) => Some(money::to_minor(d, &ch.currency_code).map_err(|e| {
                DiscountError::channels("minAmountSpent", Code::Invalid, e.to_string(), vec![ch.id])
            })?),
            None => existing.as_ref().and_then(|l| l.min_spent),
        };
        match existing {
            Some(l) => {
                let mut m: listing::ActiveModel = l.into();
                m.discount_value = Set(value);
                m.min_spent = Set(min_spent);
                m.update(&txn).await?;
            }
            None => {
                listing::ActiveModel {
                    voucher_id: Set(id),
                    channel_id: Set(ch.id),
                    currency: Set(ch.currency_code.clone()),
                    discount_value: Set(value),
                    min_spent: Set(min_spent),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
        }
    }
    if !remove.is_empty() {
        listing::Entity::delete_many()
            .filter(listing::Column::VoucherId.eq(id))
            .filter(listing::Column::ChannelId.is_in(remove))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(v)
}

/// Links (`add`) or unlinks catalogue objects and voucher `id`.
pub async fn catalogues(
    db: &DatabaseConnection,
    id: i32,
    c: &Catalogue,
    add: bool,
) -> DiscountResult<voucher::Model> {
    let txn = crate::db::begin_write(db).await?;
    let Some(v) = get(&txn, id).await? else {
        return Err(not_found());
    };
    if add {
        check_catalogue(&txn, c).await?;
    }
    link(&txn, id, c, add).await?;
    txn.commit().await?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_have_two_decimals_at_most_and_never_exceed_100() {
        let d = |s: &str| s.parse::<Decimal>().unwrap_or_default();
        assert_eq!(percent_to_bp(d("10")), Some(1000));
        assert_eq!(percent_to_bp(d("12.5")), Some(1250));
        assert_eq!(percent_to_bp(d("100")), Some(10_000));
        assert_eq!(percent_to_bp(d("100.01")), None);
        assert_eq!(percent_to_bp(d("1.005")), None);
        assert_eq!(percent_to_bp(d("-1")), None);
        assert_eq!(value_decimal(PERCENTAGE, 1250, "USD"), d("12.5"));
        assert_eq!(value_decimal(FIXED, 1250, "JPY"), d("1250"));
    }
}
