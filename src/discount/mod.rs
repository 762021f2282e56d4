//! Vouchers: which code applies to a checkout, and how much it takes off.

pub mod api;
pub mod apply;
pub mod error;
pub mod promotion;
pub mod write;

pub use apply::{Cart, CartLine, VoucherDiscount};

use chrono::Utc;
use entities::{channel, voucher, voucher_channel_listing as listing};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, Set, TransactionTrait,
};

/// A voucher with its listing in one channel.
#[derive(Clone, Debug)]
pub struct ChannelVoucher {
    pub voucher: voucher::Model,
    pub listing: listing::Model,
}

/// Why a voucher cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoucherProblem {
    /// Unknown code, not listed in the channel, not started, expired or used up.
    Invalid,
    /// The order does not reach the minimum spend.
    NotApplicable,
}

impl ChannelVoucher {
    /// The discount on an order with `subtotal` (minor units), never more than it.
    /// Percentages round half up to the minor unit.
    pub fn discount(&self, subtotal: i64) -> i64 {
        let d = if self.voucher.discount_type == "PERCENTAGE" {
            let raw = i128::from(subtotal) * i128::from(self.listing.discount_value);
            i64::try_from((raw + 5_000) / 10_000).unwrap_or(i64::MAX)
        } else {
            self.listing.discount_value
        };
        d.clamp(0, subtotal.max(0))
    }

    /// Whether the voucher can be used now on an order with `subtotal`.
    pub fn check(&self, subtotal: i64) -> Result<(), VoucherProblem> {
        let now = Utc::now();
        let v = &self.voucher;
        if v.start_date > now
            || v.end_date.is_some_and(|e| e < now)
            || v.usage_limit.is_some_and(|l| v.used >= l)
            || v.single_use && v.used >= 1
        {
            return Err(VoucherProblem::Invalid);
        }
        if self.listing.min_spent.is_some_and(|m| subtotal < m) {
            return Err(VoucherProblem::NotApplicable);
        }
        Ok(())
    }
}

/// Voucher `code` with its listing in `channel_id`, if both exist.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    code: &str,
    channel_id: i32,
) -> Result<Option<ChannelVoucher>, DbErr> {
    let Some(voucher) = voucher::Entity::find()
        .filter(voucher::Column::Code.eq(code))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(listing::Entity::find()
        .filter(listing::Column::VoucherId.eq(voucher.id))
        .filter(listing::Column::ChannelId.eq(channel_id))
        .one(conn)
        .await?
        .map(|listing| ChannelVoucher { voucher, listing }))
}

/// Counts one use of `voucher_id` unless its usage limit is reached (conditional update,
/// safe under concurrent completions). Returns whether the use was counted.
pub async fn use_once<C: ConnectionTrait>(conn: &C, voucher_id: i32) -> Result<bool, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait as _};
    let used = Expr::col(voucher::Column::Used);
    let updated = voucher::Entity::update_many()
        .col_expr(voucher::Column::Used, used.clone().add(1))
        .filter(voucher::Column::Id.eq(voucher_id))
        .filter(
            Expr::col(voucher::Column::UsageLimit)
                .is_null()
                .or(used.clone().lt(Expr::col(voucher::Column::UsageLimit))),
        )
        .filter(voucher::Column::SingleUse.eq(false).or(used.lt(1)))
        .exec(conn)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Creates a voucher listed in every channel (`value`: minor units for FIXED, hundredths of
/// a percent for PERCENTAGE, the same number in every channel).
pub async fn create(
    db: &DatabaseConnection,
    code: &str,
    discount_type: &str,
    value: i64,
    usage_limit: Option<i32>,
) -> Result<voucher::Model, DbErr> {
    let channels = channel::Entity::find().all(db).await?;
    let txn = db.begin().await?;
    let v = voucher::ActiveModel {
        code: Set(code.to_owned()),
        name: Set(code.to_owned()),
        discount_type: Set(discount_type.to_owned()),
        usage_limit: Set(usage_limit),
        used: Set(0),
        start_date: Set(Utc::now() - chrono::Duration::days(1)),
        end_date: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for ch in channels {
        listing::ActiveModel {
            voucher_id: Set(v.id),
            channel_id: Set(ch.id),
            currency: Set(ch.currency_code),
            discount_value: Set(value),
            min_spent: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(v)
}

/// The demo vouchers: `WELCOME10` (10% off the entire order), `FREESHIP` (free shipping)
/// and `TSHIRTS20` (20% off the T-shirts category). Does nothing
/// when vouchers exist; returns whether it created them.
pub async fn seed_demo(db: &DatabaseConnection) -> Result<bool, DbErr> {
    if voucher::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    create(db, "WELCOME10", "PERCENTAGE", 1000, None).await?;
    let ship = create(db, "FREESHIP", "PERCENTAGE", 10_000, None).await?;
    let mut a: voucher::ActiveModel = ship.into();
    a.voucher_type = Set(write::SHIPPING.to_owned());
    a.name = Set("Free shipping".to_owned());
    a.update(db).await?;
    seed_specific(db).await?;
    Ok(true)
}

/// `TSHIRTS20`: 20% off the demo catalog's T-shirts category (skipped without it).
async fn seed_specific(db: &DatabaseConnection) -> Result<(), DbErr> {
    let Some(category) = entities::category::Entity::find()
        .filter(entities::category::Column::Slug.eq("t-shirts"))
        .one(db)
        .await?
        .map(|c| c.id)
    else {
        return Ok(());
    };
    let v = create(db, "TSHIRTS20", "PERCENTAGE", 2000, None).await?;
    let mut a: voucher::ActiveModel = v.clone().into();
    a.voucher_type = Set(write::SPECIFIC_PRODUCT.to_owned());
    a.name = Set("20% off T-shirts".to_owned());
    a.update(db).await?;
    entities::voucher_category::ActiveModel {
        voucher_id: Set(v.id),
        category_id: Set(category),
    }
    .insert(db)
    .await?;
    Ok(())
}
