//! Tax configuration and flat rates: what staff edit, and the [`TaxContext`] that checkout,
//! orders and catalog pricing read for one channel and country.

use std::collections::HashMap;

use entities::{
    product, product_type, tax_class, tax_class_country_rate as rate, tax_configuration as config,
    tax_configuration_per_country as per_country,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    FromQueryResult, IntoActiveModel, QueryFilter, QueryOrder, Set, TransactionTrait,
    sea_query::{Alias, Condition, Expr, ExprTrait, JoinType, Query},
};
use serde_json::json;

use super::calc::{self, RateBp, Taxed};
use crate::catalog::read::select_prefixed;

/// The strategy name for flat rates (the only one we calculate).
pub const FLAT_RATES: &str = "FLAT_RATES";

/// Everything needed to tax amounts for one channel and country.
#[derive(Clone, Debug, Default)]
pub struct TaxContext {
    /// Whether taxes are charged (false: net = gross = the entered price).
    pub charge_taxes: bool,
    /// Whether catalog prices are gross (true) or net (false).
    pub prices_entered_with_tax: bool,
    /// Whether storefronts should show gross prices.
    pub display_gross_prices: bool,
    /// The country taxed (ISO 3166-1 alpha-2).
    pub country: String,
    default_rate: RateBp,
    class_rates: HashMap<i32, RateBp>,
}

impl TaxContext {
    /// No taxes at all: amounts stay as entered.
    pub fn none() -> Self {
        Self {
            display_gross_prices: true,
            prices_entered_with_tax: true,
            ..Self::default()
        }
    }

    /// The rate for a product of `tax_class`: the class's rate in the country, else the
    /// country's default rate; 0 when taxes are not charged.
    pub fn rate(&self, tax_class: Option<i32>) -> RateBp {
        if !self.charge_taxes {
            return 0;
        }
        tax_class
            .and_then(|c| self.class_rates.get(&c).copied())
            .unwrap_or(self.default_rate)
    }

    /// Taxes an entered amount of a product of `tax_class`.
    pub fn apply(&self, amount: i64, tax_class: Option<i32>) -> Taxed {
        calc::apply(amount, self.rate(tax_class), self.prices_entered_with_tax)
    }

    /// Taxes an entered shipping price (the country's default rate).
    pub fn shipping(&self, amount: i64) -> Taxed {
        calc::apply(amount, self.rate(None), self.prices_entered_with_tax)
    }
}

/// Taxed totals of a set of lines: `subtotal` and `lines` before the order discount,
/// `total` after it (the discount is spread over the lines in proportion to their amounts
/// before they are taxed, as Saleor does), plus shipping.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Each line's total before the order discount.
    pub lines: Vec<Taxed>,
    pub subtotal: Taxed,
    pub shipping: Taxed,
    /// The order discount actually given, in entered prices.
    pub discount: i64,
    pub total: Taxed,
}

impl TaxContext {
    /// Totals of `lines` (`(entered amount, tax class)`), an entered shipping price and an
    /// order discount in entered prices.
    pub fn totals(&self, lines: &[(i64, Option<i32>)], shipping: i64, discount: i64) -> Totals {
        self.totals_with(
            lines,
            shipping,
            &Discounts {
                order: discount,
                ..Discounts::default()
            },
        )
    }

    /// Totals with `discounts` (entered prices): each line's own discount comes off that
    /// line, the order discount is spread over what is left of the lines in proportion, and
    /// the shipping discount comes off the shipping price, all before taxing.
    pub fn totals_with(
        &self,
        lines: &[(i64, Option<i32>)],
        shipping: i64,
        discounts: &Discounts,
    ) -> Totals {
        let own: Vec<i64> = lines
            .iter()
            .enumerate()
            .map(|(i, (amount, _))| {
                discounts
                    .lines
                    .get(i)
                    .copied()
                    .unwrap_or(0)
                    .clamp(0, Ord::max(*amount, 0))
            })
            .collect();
        let left: Vec<i64> = lines.iter().zip(&own).map(|((a, _), d)| a - d).collect();
        let shares = calc::prorate(discounts.order, &left);
        let shipping_off = discounts.shipping.clamp(0, Ord::max(shipping, 0));
        let mut totals = Totals {
            shipping: self.shipping(shipping),
            discount: shares.iter().chain(&own).sum::<i64>() + shipping_off,
            ..Totals::default()
        };
        for (((amount, class), share), own) in lines.iter().zip(&shares).zip(&own) {
            let line = self.apply(*amount, *class);
            totals.lines.push(line);
            totals.subtotal = totals.subtotal.plus(line);
            totals.total = totals.total.plus(self.apply(amount - own - share, *class));
        }
        totals.total = totals.total.plus(self.shipping(shipping - shipping_off));
        totals
    }
}

/// Discounts in entered prices: off the entire order, off given lines, off shipping.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Discounts {
    pub order: i64,
    /// Per line, in the lines' order (missing entries are 0).
    pub lines: Vec<i64>,
    pub shipping: i64,
}

/// The country whose taxes apply: the shipping address's, else the billing address's, else
/// the channel's default country (Saleor's rule).
pub fn tax_country<'a>(
    shipping: Option<&'a str>,
    billing: Option<&'a str>,
    channel_default: &'a str,
) -> &'a str {
    shipping
        .filter(|c| !c.is_empty())
        .or(billing.filter(|c| !c.is_empty()))
        .unwrap_or(channel_default)
}

/// Creates Saleor's default tax configuration (flat rates, charge taxes, prices entered
/// with tax, gross prices displayed) for every channel that has none. Safe to run
/// concurrently from several instances.
pub async fn ensure_configurations<C: ConnectionTrait>(conn: &C) -> Result<u64, DbErr> {
    Ok(conn
        .execute_unprepared(
            "INSERT INTO tax_configuration (channel_id, charge_taxes, tax_calculation_strategy, \
             display_gross_prices, prices_entered_with_tax, metadata, private_metadata) \
             SELECT c.id, TRUE, 'FLAT_RATES', TRUE, TRUE, '{}', '{}' FROM channel c \
             WHERE NOT EXISTS (SELECT 1 FROM tax_configuration t WHERE t.channel_id = c.id) \
             ON CONFLICT (channel_id) DO NOTHING",
        )
        .await?
        .rows_affected())
}

/// Loads the tax context of `channel_id` for `country`: two statements (the channel's
/// configuration joined with its exception for the country, and the country's rates).
pub async fn context<C: ConnectionTrait>(
    conn: &C,
    channel_id: i32,
    country: &str,
) -> Result<TaxContext, DbErr> {
    let (tc, pc) = (Alias::new("tc"), Alias::new("pc"));
    let mut q = Query::select();
    q.from_as(config::Entity, tc.clone())
        .join_as(
            JoinType::LeftJoin,
            per_country::Entity,
            pc.clone(),
            Condition::all()
                .add(
                    Expr::col((pc.clone(), per_country::Column::TaxConfigurationId))
                        .equals((tc.clone(), config::Column::Id)),
                )
                .add(Expr::col((pc.clone(), per_country::Column::Country)).eq(country)),
        )
        .and_where(Expr::col((tc.clone(), config::Column::ChannelId)).eq(channel_id));
    select_prefixed::<config::Column>(&mut q, tc, "tc_");
    select_prefixed::<per_country::Column>(&mut q, pc, "pc_");
    let row = conn.query_one(&q).await?;
    let Some(row) = row else {
        // A channel created before its configuration: Saleor's defaults, no rates needed.
        return Ok(TaxContext::none());
    };
    let cfg = config::Model::from_query_result(&row, "tc_")?;
    let exception = per_country::Model::from_query_result_optional(&row, "pc_")?;
    let (charge, strategy, display_gross) = match &exception {
        Some(e) => (
            e.charge_taxes,
            e.tax_calculation_strategy
                .clone()
                .or(cfg.tax_calculation_strategy.clone()),
            e.display_gross_prices,
        ),
        None => (
            cfg.charge_taxes,
            cfg.tax_calculation_strategy.clone(),
            cfg.display_gross_prices,
        ),
    };
    let mut ctx = TaxContext {
        // Only flat rates are calculated here; any other strategy charges nothing.
        charge_taxes: charge && strategy.as_deref() == Some(FLAT_RATES),
        prices_entered_with_tax: cfg.prices_entered_with_tax,
        display_gross_prices: display_gross,
        country: country.to_owned(),
        ..TaxContext::default()
    };
    if !ctx.charge_taxes {
        return Ok(ctx);
    }
    for r in rate::Entity::find()
        .filter(rate::Column::Country.eq(country))
        .all(conn)
        .await?
    {
        match r.tax_class_id {
            Some(class) => {
                ctx.class_rates.insert(class, r.rate_bp);
            }
            None => ctx.default_rate = r.rate_bp,
        }
    }
    Ok(ctx)
}

// ------------------------------------------------------------------------ staff changes

/// A failed tax change, with Saleor's error code names.
#[derive(Debug, thiserror::Error)]
pub enum TaxError {
    #[error("{message}")]
    NotFound { field: String, message: String },
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("{message}")]
    Duplicated {
        field: String,
        message: String,
        countries: Vec<String>,
    },
    #[error("Tax rate can't be negative.")]
    NegativeRate { field: String },
    #[error("Only one default country rate allowed.")]
    OnlyOneDefaultRate { field: String },
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl TaxError {
    fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    fn not_found(field: &str, what: &str) -> Self {
        Self::NotFound {
            field: field.to_owned(),
            message: format!("Couldn't resolve to a node: {what}"),
        }
    }
}

/// A percentage from the API (`23` = 23%) as hundredths of a percent. Negative rates,
/// rates above 100% and more than two decimals are refused.
pub fn rate_from_percent(field: &str, percent: f64) -> Result<RateBp, TaxError> {
    if !percent.is_finite() {
        return Err(TaxError::invalid(field, "Tax rate must be a number."));
    }
    if percent < 0.0 {
        return Err(TaxError::NegativeRate {
            field: field.to_owned(),
        });
    }
    if percent > 100.0 {
        return Err(TaxError::invalid(field, "Tax rate can't exceed 100%."));
    }
    let bp = (percent * 100.0).round();
    if ((percent * 100.0) - bp).abs() > 1e-6 {
        return Err(TaxError::invalid(
            field,
            "Tax rate can have at most two decimal places.",
        ));
    }
    // In range: 0..=10000.
    Ok(bp as RateBp)
}

/// Changes to a channel's tax configuration; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ConfigChange {
    pub charge_taxes: Option<bool>,
    pub strategy: Option<Option<String>>,
    pub display_gross_prices: Option<bool>,
    pub prices_entered_with_tax: Option<bool>,
    pub tax_app_id: Option<Option<String>>,
    pub update_countries: Vec<CountryChange>,
    pub remove_countries: Vec<String>,
}

/// A country exception to create or replace.
#[derive(Clone, Debug)]
pub struct CountryChange {
    pub country: String,
    pub charge_taxes: bool,
    pub strategy: Option<String>,
    pub display_gross_prices: bool,
    pub tax_app_id: Option<String>,
}

fn check_strategy(field: &str, strategy: Option<&str>) -> Result<(), TaxError> {
    match strategy {
        None | Some(FLAT_RATES) => Ok(()),
        Some(_) => Err(TaxError::invalid(
            field,
            "Tax apps are not supported: use FLAT_RATES (or no strategy to calculate no taxes).",
        )),
    }
}

/// Tax reads and staff changes.
#[derive(Clone)]
pub struct TaxService {
    db: DatabaseConnection,
}

impl TaxService {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The tax configuration with primary key `id`.
    pub async fn configuration(&self, id: i32) -> Result<Option<config::Model>, DbErr> {
        config::Entity::find_by_id(id).one(&self.db).await
    }

    /// The tax configuration of channel `channel_id`.
    pub async fn configuration_of_channel(
        &self,
        channel_id: i32,
    ) -> Result<Option<config::Model>, DbErr> {
        config::Entity::find()
            .filter(config::Column::ChannelId.eq(channel_id))
            .one(&self.db)
            .await
    }

    /// A configuration's country exceptions, by country.
    pub async fn exceptions(&self, config_id: i32) -> Result<Vec<per_country::Model>, DbErr> {
        per_country::Entity::find()
            .filter(per_country::Column::TaxConfigurationId.eq(config_id))
            .order_by_asc(per_country::Column::Country)
            .all(&self.db)
            .await
    }

    /// Applies `change` to configuration `id` in one transaction.
    pub async fn update_configuration(
        &self,
        id: i32,
        change: ConfigChange,
    ) -> Result<config::Model, TaxError> {
        if let Some(s) = &change.strategy {
            check_strategy("taxCalculationStrategy", s.as_deref())?;
        }
        let mut seen = Vec::new();
        for c in &change.update_countries {
            check_strategy("updateCountriesConfiguration", c.strategy.as_deref())?;
            if change.remove_countries.contains(&c.country) || seen.contains(&c.country) {
                return Err(TaxError::Duplicated {
                    field: "updateCountriesConfiguration".to_owned(),
                    message: "Country codes can't be updated and removed in the same input, \
                              or updated twice."
                        .to_owned(),
                    countries: vec![c.country.clone()],
                });
            }
            seen.push(c.country.clone());
        }
        let txn = crate::db::begin_write(&self.db).await?;
        let row = config::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| TaxError::not_found("id", "TaxConfiguration"))?;
        let mut am = row.into_active_model();
        if let Some(v) = change.charge_taxes {
            am.charge_taxes = Set(v);
        }
        if let Some(v) = change.strategy {
            am.tax_calculation_strategy = Set(v);
        }
        if let Some(v) = change.display_gross_prices {
            am.display_gross_prices = Set(v);
        }
        if let Some(v) = change.prices_entered_with_tax {
            am.prices_entered_with_tax = Set(v);
        }
        if let Some(v) = change.tax_app_id {
            am.tax_app_id = Set(v);
        }
        let updated = am.update(&txn).await?;
        let touched: Vec<String> = change
            .remove_countries
            .iter()
            .chain(change.update_countries.iter().map(|c| &c.country))
            .cloned()
            .collect();
        if !touched.is_empty() {
            per_country::Entity::delete_many()
                .filter(per_country::Column::TaxConfigurationId.eq(id))
                .filter(per_country::Column::Country.is_in(touched))
                .exec(&txn)
                .await?;
        }
        for c in change.update_countries {
            per_country::ActiveModel {
                tax_configuration_id: Set(id),
                country: Set(c.country),
                charge_taxes: Set(c.charge_taxes),
                tax_calculation_strategy: Set(c.strategy),
                display_gross_prices: Set(c.display_gross_prices),
                tax_app_id: Set(c.tax_app_id),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(updated)
    }

    /// The tax class with primary key `id`.
    pub async fn class(&self, id: i32) -> Result<Option<tax_class::Model>, DbErr> {
        tax_class::Entity::find_by_id(id).one(&self.db).await
    }

    /// Tax classes with primary keys `ids`.
    pub async fn classes(&self, ids: Vec<i32>) -> Result<Vec<tax_class::Model>, DbErr> {
        tax_class::Entity::find()
            .filter(tax_class::Column::Id.is_in(ids))
            .all(&self.db)
            .await
    }

    /// Rates of tax classes `ids` (every country), ordered by country.
    pub async fn rates_of_classes(&self, ids: Vec<i32>) -> Result<Vec<rate::Model>, DbErr> {
        rate::Entity::find()
            .filter(rate::Column::TaxClassId.is_in(ids))
            .order_by_asc(rate::Column::Country)
            .all(&self.db)
            .await
    }

    /// Every rate (default and per class), ordered by country then class.
    pub async fn all_rates(&self, country: Option<&str>) -> Result<Vec<rate::Model>, DbErr> {
        let mut q = rate::Entity::find()
            .order_by_asc(rate::Column::Country)
            .order_by_asc(rate::Column::TaxClassId);
        if let Some(c) = country {
            q = q.filter(rate::Column::Country.eq(c));
        }
        q.all(&self.db).await
    }

    /// Creates a tax class with rates per country.
    pub async fn create_class(
        &self,
        name: &str,
        rates: Vec<(String, RateBp)>,
    ) -> Result<tax_class::Model, TaxError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(TaxError::invalid("name", "Tax class name can't be empty."));
        }
        if let Some(dup) = duplicate(rates.iter().map(|(c, _)| c)) {
            return Err(TaxError::invalid(
                "createCountryRates",
                format!("Country {dup} is given more than once."),
            ));
        }
        let txn = crate::db::begin_write(&self.db).await?;
        let class = tax_class::ActiveModel {
            name: Set(name.to_owned()),
            metadata: Set(json!({})),
            private_metadata: Set(json!({})),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        for (country, bp) in rates {
            insert_rate(&txn, Some(class.id), country, bp).await?;
        }
        txn.commit().await?;
        Ok(class)
    }

    /// Renames a class, sets (or with `None` removes) its rate per country and removes all
    /// its rates in `remove` countries.
    pub async fn update_class(
        &self,
        id: i32,
        name: Option<String>,
        update: Vec<(String, Option<RateBp>)>,
        remove: Vec<String>,
    ) -> Result<tax_class::Model, TaxError> {
        let clash: Vec<String> = update
            .iter()
            .map(|(c, _)| c.clone())
            .filter(|c| remove.contains(c))
            .collect();
        if !clash.is_empty() || duplicate(update.iter().map(|(c, _)| c)).is_some() {
            return Err(TaxError::Duplicated {
                field: "updateCountryRates".to_owned(),
                message: "A country can't be updated and removed, or updated twice.".to_owned(),
                countries: clash,
            });
        }
        let txn = crate::db::begin_write(&self.db).await?;
        let row = tax_class::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| TaxError::not_found("id", "TaxClass"))?;
        let row = match name.map(|n| n.trim().to_owned()) {
            Some(n) if n.is_empty() => {
                return Err(TaxError::invalid("name", "Tax class name can't be empty."));
            }
            Some(n) => {
                let mut am = row.into_active_model();
                am.name = Set(n);
                am.update(&txn).await?
            }
            None => row,
        };
        let countries: Vec<String> = remove
            .iter()
            .cloned()
            .chain(update.iter().map(|(c, _)| c.clone()))
            .collect();
        rate::Entity::delete_many()
            .filter(rate::Column::TaxClassId.eq(id))
            .filter(rate::Column::Country.is_in(countries))
            .exec(&txn)
            .await?;
        for (country, bp) in update {
            if let Some(bp) = bp {
                insert_rate(&txn, Some(id), country, bp).await?;
            }
        }
        txn.commit().await?;
        Ok(row)
    }

    /// Deletes a class; its products and product types fall back to the default rates.
    pub async fn delete_class(&self, id: i32) -> Result<tax_class::Model, TaxError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let row = tax_class::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| TaxError::not_found("id", "TaxClass"))?;
        product::Entity::update_many()
            .col_expr(
                product::Column::TaxClassId,
                Expr::value(Option::<i32>::None),
            )
            .filter(product::Column::TaxClassId.eq(id))
            .exec(&txn)
            .await?;
        product_type::Entity::update_many()
            .col_expr(
                product_type::Column::TaxClassId,
                Expr::value(Option::<i32>::None),
            )
            .filter(product_type::Column::TaxClassId.eq(id))
            .exec(&txn)
            .await?;
        rate::Entity::delete_many()
            .filter(rate::Column::TaxClassId.eq(id))
            .exec(&txn)
            .await?;
        tax_class::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok(row)
    }

    /// Sets rates in `country`: `(None, rate)` is the country's default rate, `(Some(class),
    /// rate)` a class's; a `None` rate removes it.
    pub async fn update_country(
        &self,
        country: &str,
        updates: Vec<(Option<i32>, Option<RateBp>)>,
    ) -> Result<(), TaxError> {
        if updates.iter().filter(|(c, _)| c.is_none()).count() > 1 {
            return Err(TaxError::OnlyOneDefaultRate {
                field: "updateTaxClassRates".to_owned(),
            });
        }
        let classes: Vec<i32> = updates.iter().filter_map(|(c, _)| *c).collect();
        let txn = crate::db::begin_write(&self.db).await?;
        let found = tax_class::Entity::find()
            .filter(tax_class::Column::Id.is_in(classes.clone()))
            .all(&txn)
            .await?;
        if found.len()
            != classes
                .iter()
                .collect::<std::collections::HashSet<_>>()
                .len()
        {
            return Err(TaxError::not_found("taxClassId", "TaxClass"));
        }
        for (class, bp) in updates {
            let mut delete = rate::Entity::delete_many().filter(rate::Column::Country.eq(country));
            delete = match class {
                Some(c) => delete.filter(rate::Column::TaxClassId.eq(c)),
                None => delete.filter(rate::Column::TaxClassId.is_null()),
            };
            delete.exec(&txn).await?;
            if let Some(bp) = bp {
                insert_rate(&txn, class, country.to_owned(), bp).await?;
            }
        }
        txn.commit().await?;
        Ok(())
    }

    /// Removes every rate of `country`.
    pub async fn delete_country(&self, country: &str) -> Result<(), DbErr> {
        rate::Entity::delete_many()
            .filter(rate::Column::Country.eq(country))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}

async fn insert_rate<C: ConnectionTrait>(
    conn: &C,
    class: Option<i32>,
    country: String,
    bp: RateBp,
) -> Result<(), DbErr> {
    rate::ActiveModel {
        tax_class_id: Set(class),
        country: Set(country),
        rate_bp: Set(bp),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

fn duplicate<'a>(items: impl Iterator<Item = &'a String>) -> Option<&'a String> {
    let mut seen = std::collections::HashSet::new();
    items.into_iter().find(|c| !seen.insert(*c))
}

// ------------------------------------------------------------------------ demo data

/// Demo tax setup on a fresh demo store: standard VAT/GST rates for the demo shipping
/// countries and a "Reduced rate" class (books and food rates). `channel-eur` keeps prices
/// entered with tax (as EU shops do); `default-channel` (USD) enters net prices, so taxes are
/// added on top where they apply (Canada, India; the US has no national sales tax).
pub async fn seed_demo(db: &DatabaseConnection) -> Result<bool, DbErr> {
    if rate::Entity::find().one(db).await?.is_some() {
        return Ok(false);
    }
    ensure_configurations(db).await?;
    let standard = [
        ("DE", 1900),
        ("FR", 2000),
        ("GB", 2000),
        ("PL", 2300),
        ("IN", 1800),
        ("CA", 500),
    ];
    let reduced = [
        ("DE", 700),
        ("FR", 550),
        ("GB", 0),
        ("PL", 500),
        ("IN", 500),
    ];
    let txn = db.begin().await?;
    let class = tax_class::ActiveModel {
        name: Set("Reduced rate".to_owned()),
        metadata: Set(json!({})),
        private_metadata: Set(json!({})),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for (country, bp) in standard {
        insert_rate(&txn, None, country.to_owned(), bp).await?;
    }
    for (country, bp) in reduced {
        insert_rate(&txn, Some(class.id), country.to_owned(), bp).await?;
    }
    txn.execute_unprepared(
        "UPDATE tax_configuration SET prices_entered_with_tax = FALSE WHERE channel_id IN \
         (SELECT id FROM channel WHERE slug = 'default-channel')",
    )
    .await?;
    // Food, drinks and audiobooks are taxed at the reduced rate.
    let reduced_types: Vec<i32> = product_type::Entity::find()
        .filter(product_type::Column::Slug.is_in(["coffee", "juice", "audiobook"]))
        .all(&txn)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    product_type::Entity::update_many()
        .col_expr(product_type::Column::TaxClassId, Expr::value(class.id))
        .filter(product_type::Column::Id.is_in(reduced_types.clone()))
        .exec(&txn)
        .await?;
    product::Entity::update_many()
        .col_expr(product::Column::TaxClassId, Expr::value(class.id))
        .filter(product::Column::ProductTypeId.is_in(reduced_types))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(true)
}

/// The tax class of each variant's product (`variant id → class`).
pub async fn variant_tax_classes<C: ConnectionTrait>(
    conn: &C,
    variant_ids: &[i32],
) -> Result<HashMap<i32, Option<i32>>, DbErr> {
    if variant_ids.is_empty() {
        return Ok(HashMap::new());
    }
    #[derive(FromQueryResult)]
    struct Row {
        id: i32,
        tax_class_id: Option<i32>,
    }
    let (v, p) = (Alias::new("v"), Alias::new("p"));
    let mut q = Query::select();
    q.from_as(entities::product_variant::Entity, v.clone())
        .join_as(
            JoinType::InnerJoin,
            product::Entity,
            p.clone(),
            Expr::col((p.clone(), product::Column::Id))
                .equals((v.clone(), entities::product_variant::Column::ProductId)),
        )
        .expr_as(
            Expr::col((v.clone(), entities::product_variant::Column::Id)),
            Alias::new("id"),
        )
        .expr_as(
            Expr::col((p, product::Column::TaxClassId)),
            Alias::new("tax_class_id"),
        )
        .and_where(
            Expr::col((v, entities::product_variant::Column::Id)).is_in(variant_ids.to_vec()),
        );
    Ok(conn
        .query_all(&q)
        .await?
        .iter()
        .map(|r| Row::from_query_result(r, ""))
        .collect::<Result<Vec<Row>, DbErr>>()?
        .into_iter()
        .map(|r| (r.id, r.tax_class_id))
        .collect())
}

/// Batches tax context loads: every product of a listing asks for its channel's context at
/// once, and one load (two statements) answers them all.
pub struct TaxContextLoader(pub DatabaseConnection);

impl async_graphql::dataloader::Loader<(i32, String)> for TaxContextLoader {
    type Value = std::sync::Arc<TaxContext>;
    type Error = std::sync::Arc<DbErr>;

    async fn load(
        &self,
        keys: &[(i32, String)],
    ) -> Result<HashMap<(i32, String), Self::Value>, Self::Error> {
        let mut out = HashMap::new();
        for key in keys {
            let ctx = context(&self.0, key.0, &key.1).await?;
            out.insert(key.clone(), std::sync::Arc::new(ctx));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod discount_tests {
    use super::*;

    fn vat(rate: RateBp, classes: &[(i32, RateBp)]) -> TaxContext {
        TaxContext {
            charge_taxes: true,
            prices_entered_with_tax: true,
            display_gross_prices: true,
            country: "DE".to_owned(),
            default_rate: rate,
            class_rates: classes.iter().copied().collect(),
        }
    }

    #[test]
    fn line_and_shipping_discounts_are_taxed_where_they_apply() {
        let tax = vat(1900, &[(7, 700)]);
        let lines = [(5997, None), (897, Some(7))];
        let d = Discounts {
            order: 0,
            lines: vec![1499, 0],
            shipping: 135,
        };
        let t = tax.totals_with(&lines, 450, &d);
        assert_eq!(t.discount, 1499 + 135);
        // Undiscounted subtotal and shipping; the total is after the discounts.
        assert_eq!(t.subtotal.gross, 5997 + 897);
        assert_eq!(t.shipping.gross, 450);
        assert_eq!(t.total.gross, 5997 - 1499 + 897 + 450 - 135);
        let net = calc::apply(5997 - 1499, 1900, true).net
            + calc::apply(897, 700, true).net
            + calc::apply(450 - 135, 1900, true).net;
        assert_eq!(t.total.net, net);
    }

    #[test]
    fn order_discount_is_spread_over_what_lines_discounts_leave() {
        let tax = vat(0, &[]);
        let lines = [(1000, None), (1000, None)];
        let d = Discounts {
            order: 300,
            lines: vec![500, 0],
            shipping: 0,
        };
        let t = tax.totals_with(&lines, 0, &d);
        assert_eq!(t.discount, 800);
        assert_eq!(t.total.gross, 1200);
        // Discounts never exceed what they apply to.
        let d = Discounts {
            order: 0,
            lines: vec![5000],
            shipping: 900,
        };
        let t = tax.totals_with(&lines[..1], 100, &d);
        assert_eq!((t.discount, t.total.gross), (1100, 0));
    }
}
