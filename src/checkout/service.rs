//! Checkout rules over the database: lines, quantities, stock, addresses, customers.
//!
//! Prices are not snapshotted on lines: a line costs its variant's current price in the
//! checkout's channel, in integer minor units of the channel currency.

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use entities::{
    account_address as address, channel, checkout, checkout_line, product_channel_listing,
    product_variant, stock, variant_channel_listing, warehouse,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::{Value as Json, json};

use crate::account::{
    error::{AccountError, AccountErrorCode, AddressTypeEnum},
    service::{AddressData, ValidAddress, validate_address},
};
use crate::catalog::warehouse as pickup;
use crate::discount::{self, ChannelVoucher, VoucherDiscount, VoucherProblem};
use crate::events::{EventType, Events, NewEvent, outbox};
use crate::shipping::{self, Shipment, ShippingOption};
use crate::tax::{TaxContext, tax_country};

use super::error::{CheckoutError, CheckoutErrorCode as Code, CheckoutResult, Failure};

/// Saleor's default maximum quantity of one variant in a checkout.
pub const MAX_LINE_QUANTITY: i32 = 50;

/// Who acts on a checkout.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    /// The signed-in customer or staff user.
    pub user_id: Option<i32>,
    /// Their email.
    pub email: Option<String>,
    /// Staff or apps with `MANAGE_CHECKOUTS` may act on any checkout.
    pub manage: bool,
    /// Global ID of the requestor, for events.
    pub requestor: Option<String>,
}

/// A line to add: a variant and a quantity.
#[derive(Clone, Debug)]
pub struct LineInput {
    pub variant_id: i32,
    pub quantity: i32,
}

/// A line change: by line (or, deprecated, by variant) to a new quantity (0 removes it).
#[derive(Clone, Debug)]
pub struct LineUpdate {
    pub line_id: Option<i32>,
    pub variant_id: Option<i32>,
    pub quantity: Option<i32>,
}

/// Saleor's `CheckoutAddressValidationRules`.
#[derive(Clone, Copy, Debug)]
pub struct AddressRules {
    pub check_required_fields: bool,
    pub check_fields_format: bool,
    pub enable_fields_normalization: bool,
}

impl Default for AddressRules {
    fn default() -> Self {
        Self {
            check_required_fields: true,
            check_fields_format: true,
            enable_fields_normalization: true,
        }
    }
}

/// What `checkoutCreate` needs.
#[derive(Clone, Debug)]
pub struct NewCheckout {
    pub channel: channel::Model,
    pub lines: Vec<LineInput>,
    pub email: Option<String>,
    pub shipping_address: Option<AddressData>,
    pub billing_address: Option<AddressData>,
    pub shipping_rules: AddressRules,
    pub billing_rules: AddressRules,
    pub language_code: String,
}

/// A line with its current unit price (minor units, as entered in the channel), `None`
/// when no longer priced, and its product's tax class.
#[derive(Clone, Debug)]
pub struct PricedLine {
    pub line: checkout_line::Model,
    /// The unit price after catalogue promotions (what the line costs).
    pub unit_price: Option<i64>,
    /// The unit price before catalogue promotions.
    pub undiscounted_unit_price: Option<i64>,
    /// The catalogue promotion rule that discounts the line, if any.
    pub promotion: Option<crate::discount::promotion::LineDiscount>,
    pub tax_class: Option<i32>,
}

impl PricedLine {
    /// Unit price × quantity, as entered.
    pub fn amount(&self) -> i64 {
        self.unit_price
            .unwrap_or(0)
            .saturating_mul(i64::from(self.line.quantity))
    }
}

/// Checkout totals in minor units, taxed (see [`crate::tax::Totals`]).
pub use crate::tax::Totals;

/// Delivery state of a checkout: the methods that can deliver it and the selected one.
#[derive(Clone, Debug, Default)]
pub struct DeliveryInfo {
    /// Methods applicable to the checkout now (empty without a shipping address).
    pub options: Vec<ShippingOption>,
    /// The selected method, if any (even when no longer applicable).
    pub selected: Option<ShippingOption>,
    /// Whether the selected method still applies.
    pub selected_valid: bool,
    /// The click-and-collect warehouse selected instead of a shipping method (free).
    pub collection_point: Option<warehouse::Model>,
}

/// A delivery method to select: a shipping method or a click-and-collect warehouse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryMethodId {
    Shipping(i32),
    Warehouse(i32),
}

impl DeliveryInfo {
    /// The shipping price to charge: the selected method's, when it applies (pickup is
    /// free).
    pub fn shipping_price(&self) -> i64 {
        match &self.selected {
            Some(o) if self.selected_valid => o.listing.price_amount,
            _ => 0,
        }
    }
}

/// Which of the checkout's addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressKind {
    Shipping,
    Billing,
}

/// Checkout rules over the database.
#[derive(Clone)]
pub struct CheckoutService {
    db: DatabaseConnection,
    events: Events,
    /// Serialises completions in this process on SQLite, so they queue here instead of
    /// spinning on the database's busy timeout (`BEGIN IMMEDIATE` still serialises them
    /// across processes).
    completions: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Checkouts unchanged for longer than this are expired.
    ttl: chrono::Duration,
}

/// An address snapshot as stored on checkouts and orders.
pub fn address_json(a: &ValidAddress) -> Json {
    json!({
        "first_name": a.first_name,
        "last_name": a.last_name,
        "company_name": a.company_name,
        "street_address_1": a.street_address_1,
        "street_address_2": a.street_address_2,
        "city": a.city,
        "city_area": a.city_area,
        "postal_code": a.postal_code,
        "country": a.country,
        "country_area": a.country_area,
        "phone": a.phone,
        "metadata": a.metadata,
    })
}

/// A stored address snapshot as an address model (not in any address book: id 0).
pub fn address_model(stored: &Json) -> address::Model {
    let s = |k: &str| {
        stored
            .get(k)
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_owned()
    };
    address::Model {
        id: 0,
        user_id: 0,
        first_name: s("first_name"),
        last_name: s("last_name"),
        company_name: s("company_name"),
        street_address_1: s("street_address_1"),
        street_address_2: s("street_address_2"),
        city: s("city"),
        city_area: s("city_area"),
        postal_code: s("postal_code"),
        country: s("country"),
        country_area: s("country_area"),
        phone: s("phone"),
        metadata: stored.get("metadata").cloned().unwrap_or_else(|| json!({})),
        private_metadata: json!({}),
        created_at: chrono::DateTime::<Utc>::MIN_UTC,
    }
}

/// Validates an address for a checkout, mapping account failures to checkout ones.
pub fn validate_checkout_address(
    data: &AddressData,
    kind: AddressKind,
    rules: AddressRules,
) -> CheckoutResult<Json> {
    let mut data = data.clone();
    if !rules.check_required_fields || !rules.check_fields_format {
        data.skip_validation = true;
    }
    let (address_type, field) = match kind {
        AddressKind::Shipping => (AddressTypeEnum::Shipping, "shippingAddress"),
        AddressKind::Billing => (AddressTypeEnum::Billing, "billingAddress"),
    };
    match validate_address(&data, None, Some(address_type), field) {
        Ok(valid) => Ok(address_json(&valid)),
        Err(AccountError::Invalid(failures)) => Err(CheckoutError::Invalid(
            failures
                .into_iter()
                .map(|f| Failure {
                    field: f.field,
                    code: match f.code {
                        AccountErrorCode::Required => Code::Required,
                        AccountErrorCode::NotFound => Code::NotFound,
                        _ => Code::Invalid,
                    },
                    message: f.message,
                    variants: Vec::new(),
                    lines: Vec::new(),
                    address_type: Some(address_type),
                })
                .collect(),
        )),
        Err(AccountError::Db(e)) => Err(CheckoutError::Db(e)),
        Err(AccountError::Internal(e)) => Err(CheckoutError::Db(sea_orm::DbErr::Custom(e))),
        // Address validation raises none of these; keep them internal if it ever does.
        Err(
            other @ (AccountError::Group(_) | AccountError::App(_) | AccountError::NotFound(_)),
        ) => Err(CheckoutError::Db(sea_orm::DbErr::Custom(other.to_string()))),
    }
}

/// Variant state needed to validate a quantity.
struct VariantInfo {
    variant: product_variant::Model,
    price: Option<i64>,
    product_listing: Option<product_channel_listing::Model>,
    available: i64,
}

impl CheckoutService {
    /// A service over `db`, waking the outbox dispatcher through `events`.
    pub fn new(db: DatabaseConnection, events: Events) -> Self {
        Self {
            db,
            events,
            completions: std::sync::Arc::default(),
            ttl: chrono::Duration::days(30),
        }
    }

    /// The same service with checkouts expiring `secs` seconds after their last change.
    pub fn with_ttl(mut self, secs: u64) -> Self {
        self.ttl = chrono::Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 1000));
        self
    }

    /// The last-change time before which checkouts are expired.
    pub fn expiry_cutoff(&self) -> chrono::DateTime<Utc> {
        Utc::now()
            .checked_sub_signed(self.ttl)
            .unwrap_or(chrono::DateTime::<Utc>::MIN_UTC)
    }

    fn live(&self, c: &checkout::Model) -> bool {
        c.updated_at > self.expiry_cutoff()
    }

    /// Deletes expired checkouts (their lines go with them; they hold no stock, which is
    /// allocated only at completion) and completed checkouts older than the TTL. Returns
    /// how many were deleted.
    pub async fn delete_expired(&self) -> CheckoutResult<u64> {
        Ok(checkout::Entity::delete_many()
            .filter(checkout::Column::UpdatedAt.lt(self.expiry_cutoff()))
            .exec(&self.db)
            .await?
            .rows_affected)
    }

    /// The database connection.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Begins a write transaction: `BEGIN IMMEDIATE` on SQLite, so a transaction that reads
    /// before it writes never fails to upgrade its lock (it waits up to the busy timeout
    /// instead); a plain `BEGIN` on PostgreSQL.
    pub async fn write_txn(&self) -> Result<DatabaseTransaction, sea_orm::DbErr> {
        crate::db::begin_write(&self.db).await
    }

    /// The open (not completed, not expired) checkout `token`.
    pub async fn find(&self, token: &str) -> CheckoutResult<Option<checkout::Model>> {
        let found = checkout::Entity::find_by_id(token.to_owned())
            .one(&self.db)
            .await?;
        Ok(found.filter(|c| c.order_id.is_none() && self.live(c)))
    }

    async fn load<C: ConnectionTrait>(conn: &C, token: &str) -> CheckoutResult<checkout::Model> {
        checkout::Entity::find_by_id(token.to_owned())
            .one(conn)
            .await?
            .filter(|c| c.order_id.is_none())
            .ok_or_else(|| {
                CheckoutError::not_found("id", "Couldn't resolve to a node: the checkout.")
            })
    }

    /// Lines of `token`, oldest first.
    pub async fn lines(&self, token: &str) -> CheckoutResult<Vec<checkout_line::Model>> {
        Self::lines_of(&self.db, token).await
    }

    async fn lines_of<C: ConnectionTrait>(
        conn: &C,
        token: &str,
    ) -> CheckoutResult<Vec<checkout_line::Model>> {
        Ok(checkout_line::Entity::find()
            .filter(checkout_line::Column::CheckoutToken.eq(token))
            .order_by_asc(checkout_line::Column::Id)
            .all(conn)
            .await?)
    }

    /// Lines with their current prices in the checkout's channel.
    pub async fn priced_lines(&self, c: &checkout::Model) -> CheckoutResult<Vec<PricedLine>> {
        Self::priced_lines_of(&self.db, c).await
    }

    async fn priced_lines_of<C: ConnectionTrait>(
        conn: &C,
        c: &checkout::Model,
    ) -> CheckoutResult<Vec<PricedLine>> {
        let lines = Self::lines_of(conn, &c.token).await?;
        let ids: Vec<i32> = lines.iter().map(|l| l.variant_id).collect();
        let listings: HashMap<i32, variant_channel_listing::Model> =
            variant_channel_listing::Entity::find()
                .filter(variant_channel_listing::Column::ChannelId.eq(c.channel_id))
                .filter(variant_channel_listing::Column::VariantId.is_in(ids.clone()))
                .all(conn)
                .await?
                .into_iter()
                .map(|l| (l.variant_id, l))
                .collect();
        // Catalogue promotions are precomputed on the listing; the rule only for discounted ones.
        let promotions =
            crate::discount::promotion::line_discounts(conn, listings.values()).await?;
        let classes = crate::tax::service::variant_tax_classes(conn, &ids).await?;
        Ok(lines
            .into_iter()
            .map(|line| {
                let listing = listings.get(&line.variant_id);
                let undiscounted = listing.and_then(|l| l.price_amount);
                PricedLine {
                    unit_price: listing
                        .and_then(|l| l.discounted_price_amount.or(l.price_amount))
                        .or(undiscounted),
                    undiscounted_unit_price: undiscounted,
                    promotion: listing.and_then(|l| promotions.get(&l.id).cloned()),
                    tax_class: classes.get(&line.variant_id).copied().flatten(),
                    line,
                }
            })
            .collect())
    }

    /// The sum of the lines' entered amounts (what vouchers and shipping thresholds see).
    pub fn entered_subtotal(lines: &[PricedLine]) -> i64 {
        lines
            .iter()
            .map(PricedLine::amount)
            .fold(0_i64, i64::saturating_add)
    }

    /// Taxed subtotal, shipping and total of `lines` (entered shipping price and voucher
    /// discount given by the caller).
    pub fn totals(
        lines: &[PricedLine],
        shipping: i64,
        discount: &VoucherDiscount,
        tax: &TaxContext,
    ) -> Totals {
        let lines: Vec<(i64, Option<i32>)> =
            lines.iter().map(|l| (l.amount(), l.tax_class)).collect();
        let discounts = crate::tax::service::Discounts {
            order: discount.order,
            lines: discount.lines.clone(),
            shipping: discount.shipping,
        };
        tax.totals_with(&lines, shipping, &discounts)
    }

    /// The tax context of checkout `c`: its channel's configuration for the shipping
    /// address's country (else the billing address's, else the channel's default country).
    pub async fn tax_context_of<C: ConnectionTrait>(
        conn: &C,
        c: &checkout::Model,
    ) -> CheckoutResult<TaxContext> {
        let default_country = channel::Entity::find_by_id(c.channel_id)
            .one(conn)
            .await?
            .map(|ch| ch.default_country)
            .unwrap_or_default();
        let country_of = |a: &Option<Json>| a.as_ref().map(|a| address_model(a).country);
        let (shipping, billing) = (
            country_of(&c.shipping_address),
            country_of(&c.billing_address),
        );
        let country = tax_country(shipping.as_deref(), billing.as_deref(), &default_country);
        Ok(crate::tax::service::context(conn, c.channel_id, country).await?)
    }

    /// Everything that prices checkout `c`: its lines and taxed totals (delivery and the
    /// voucher discount included).
    pub async fn priced(&self, c: &checkout::Model) -> CheckoutResult<(Vec<PricedLine>, Totals)> {
        let lines = self.priced_lines(c).await?;
        let delivery = self.delivery(c, &lines).await?;
        let (_, discount) = self.voucher(c, &lines, &delivery).await?;
        let tax = Self::tax_context_of(&self.db, c).await?;
        let totals = Self::totals(&lines, delivery.shipping_price(), &discount, &tax);
        Ok((lines, totals))
    }

    /// Total weight of `lines` in grams (variants without a weight count as 0).
    async fn weight_of<C: ConnectionTrait>(conn: &C, lines: &[PricedLine]) -> CheckoutResult<i64> {
        let ids: Vec<i32> = lines.iter().map(|l| l.line.variant_id).collect();
        let weights: HashMap<i32, i64> = product_variant::Entity::find()
            .filter(product_variant::Column::Id.is_in(ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|v| (v.id, i64::from(v.weight_grams.unwrap_or(0))))
            .collect();
        Ok(lines
            .iter()
            .map(|l| {
                weights.get(&l.line.variant_id).copied().unwrap_or(0) * i64::from(l.line.quantity)
            })
            .sum())
    }

    /// Delivery options and the selected method of `c` with `lines`.
    pub async fn delivery(
        &self,
        c: &checkout::Model,
        lines: &[PricedLine],
    ) -> CheckoutResult<DeliveryInfo> {
        Self::delivery_of(&self.db, c, lines).await
    }

    async fn delivery_of<C: ConnectionTrait>(
        conn: &C,
        c: &checkout::Model,
        lines: &[PricedLine],
    ) -> CheckoutResult<DeliveryInfo> {
        let country = c
            .shipping_address
            .as_ref()
            .map(address_model)
            .map(|a| a.country)
            .unwrap_or_default();
        let options = if country.is_empty() || lines.is_empty() {
            Vec::new()
        } else {
            let shipment = Shipment {
                channel_id: c.channel_id,
                country: &country,
                subtotal: Self::entered_subtotal(lines),
                weight_grams: Self::weight_of(conn, lines).await?,
            };
            shipping::options_for(conn, &shipment).await?
        };
        let selected = match c.shipping_method_id {
            Some(id) => shipping::option(conn, id, c.channel_id).await?,
            None => None,
        };
        let selected_valid = selected
            .as_ref()
            .is_some_and(|s| options.iter().any(|o| o.method.id == s.method.id));
        let collection_point = match c.collection_point_id {
            Some(id) => warehouse::Entity::find_by_id(id).one(conn).await?,
            None => None,
        };
        Ok(DeliveryInfo {
            options,
            selected,
            selected_valid,
            collection_point,
        })
    }

    /// Warehouses where checkout `c` with `lines` can be picked up now.
    pub async fn collection_points(
        &self,
        c: &checkout::Model,
        lines: &[PricedLine],
    ) -> CheckoutResult<Vec<warehouse::Model>> {
        Ok(pickup::collection_points(&self.db, c.channel_id, &Self::wanted(lines)).await?)
    }

    /// Quantity per variant of `lines`.
    fn wanted(lines: &[PricedLine]) -> BTreeMap<i32, i32> {
        let mut wanted: BTreeMap<i32, i32> = BTreeMap::new();
        for l in lines {
            *wanted.entry(l.line.variant_id).or_default() += l.line.quantity;
        }
        wanted
    }

    /// The voucher applied to `c` and the discount it gives on `lines` with `delivery`
    /// (nothing when it no longer applies).
    pub async fn voucher(
        &self,
        c: &checkout::Model,
        lines: &[PricedLine],
        delivery: &DeliveryInfo,
    ) -> CheckoutResult<(Option<ChannelVoucher>, VoucherDiscount)> {
        Self::voucher_of(&self.db, c, lines, delivery).await
    }

    async fn voucher_of<C: ConnectionTrait>(
        conn: &C,
        c: &checkout::Model,
        lines: &[PricedLine],
        delivery: &DeliveryInfo,
    ) -> CheckoutResult<(Option<ChannelVoucher>, VoucherDiscount)> {
        let Some(code) = &c.voucher_code else {
            return Ok((None, VoucherDiscount::default()));
        };
        let found = discount::find(conn, code, c.channel_id).await?;
        let discount = match &found {
            Some(v) => Self::evaluate_voucher(conn, c, v, lines, delivery)
                .await?
                .unwrap_or_default(),
            None => VoucherDiscount::default(),
        };
        Ok((found, discount))
    }

    /// Checks voucher `v` against checkout `c` (its lines, delivery, customer) and computes
    /// what it takes off.
    async fn evaluate_voucher<C: ConnectionTrait>(
        conn: &C,
        c: &checkout::Model,
        v: &ChannelVoucher,
        lines: &[PricedLine],
        delivery: &DeliveryInfo,
    ) -> CheckoutResult<Result<VoucherDiscount, VoucherProblem>> {
        let cart_lines: Vec<discount::CartLine> = lines
            .iter()
            .map(|l| discount::CartLine {
                variant_id: l.line.variant_id,
                quantity: l.line.quantity,
                unit_price: l.unit_price.unwrap_or(0),
            })
            .collect();
        let user = match c.user_id {
            Some(id) => {
                entities::account_user::Entity::find_by_id(id)
                    .one(conn)
                    .await?
            }
            None => None,
        };
        let email = c
            .email
            .clone()
            .or_else(|| user.as_ref().map(|u| u.email.clone()));
        let country = c
            .shipping_address
            .as_ref()
            .map(|a| address_model(a).country);
        let shipping = delivery
            .selected
            .as_ref()
            .filter(|_| delivery.selected_valid)
            .map(|_| delivery.shipping_price());
        let cart = discount::Cart {
            lines: &cart_lines,
            shipping,
            country: country.as_deref(),
            email: email.as_deref(),
            customer_is_staff: user.is_some_and(|u| u.is_staff),
        };
        Ok(discount::apply::evaluate(conn, v, &cart).await?)
    }

    /// Replaces the checkout's public (or private) metadata with `change(current)`;
    /// `None` from `change` means the input was invalid and nothing is written.
    pub async fn update_metadata(
        &self,
        token: &str,
        actor: &Actor,
        private: bool,
        change: impl FnOnce(&Json) -> Option<Json>,
    ) -> CheckoutResult<Option<checkout::Model>> {
        let (txn, c) = self.begin(token).await?;
        let current = if private {
            &c.private_metadata
        } else {
            &c.metadata
        };
        let Some(updated) = change(current) else {
            return Ok(None);
        };
        let mut active: checkout::ActiveModel = c.into();
        if private {
            active.private_metadata = Set(updated);
        } else {
            active.metadata = Set(updated);
        }
        self.finish(txn, active, actor).await.map(Some)
    }

    /// Applies voucher `code` to the checkout.
    pub async fn add_promo_code(
        &self,
        token: &str,
        actor: &Actor,
        code: &str,
    ) -> CheckoutResult<checkout::Model> {
        let (txn, c) = self.begin(token).await?;
        let lines = Self::priced_lines_of(&txn, &c).await?;
        let delivery = Self::delivery_of(&txn, &c, &lines).await?;
        let Some(v) = discount::find(&txn, code.trim(), c.channel_id).await? else {
            return Err(CheckoutError::one(
                Some("promoCode"),
                Code::Invalid,
                "Promo code is invalid",
            ));
        };
        match Self::evaluate_voucher(&txn, &c, &v, &lines, &delivery).await? {
            Ok(_) => {}
            Err(VoucherProblem::Invalid) => {
                return Err(CheckoutError::one(
                    Some("promoCode"),
                    Code::Invalid,
                    "Promo code is invalid",
                ));
            }
            Err(VoucherProblem::NotApplicable) => {
                return Err(CheckoutError::one(
                    Some("promoCode"),
                    Code::VoucherNotApplicable,
                    "Voucher is not applicable to this checkout.",
                ));
            }
        }
        let mut active: checkout::ActiveModel = c.into();
        active.voucher_code = Set(Some(v.voucher.code));
        self.finish(txn, active, actor).await
    }

    /// Removes the voucher (by code or by voucher id) from the checkout.
    pub async fn remove_promo_code(
        &self,
        token: &str,
        actor: &Actor,
        code: Option<&str>,
        voucher_id: Option<i32>,
    ) -> CheckoutResult<checkout::Model> {
        let (txn, c) = self.begin(token).await?;
        let current = match &c.voucher_code {
            Some(code) => discount::find(&txn, code, c.channel_id).await?,
            None => None,
        };
        let matches = match (code, voucher_id) {
            (Some(code), _) => c.voucher_code.as_deref() == Some(code.trim()),
            (None, Some(id)) => current.as_ref().is_some_and(|v| v.voucher.id == id),
            (None, None) => {
                return Err(CheckoutError::one(
                    Some("promoCode"),
                    Code::GraphqlError,
                    "Either promoCode or promoCodeId must be provided.",
                ));
            }
        };
        let mut active: checkout::ActiveModel = c.into();
        if matches {
            active.voucher_code = Set(None);
        }
        self.finish(txn, active, actor).await
    }

    /// Selects a delivery method: a shipping method that delivers the checkout now, or a
    /// warehouse where it can be collected now (which becomes the shipping address, as in
    /// Saleor).
    pub async fn delivery_method_update(
        &self,
        token: &str,
        actor: &Actor,
        method: DeliveryMethodId,
    ) -> CheckoutResult<checkout::Model> {
        let (txn, c) = self.begin(token).await?;
        let lines = Self::priced_lines_of(&txn, &c).await?;
        let active: checkout::ActiveModel = match method {
            DeliveryMethodId::Shipping(method_id) => {
                Self::check_shipping_method(&txn, &c, &lines, method_id).await?;
                let mut active: checkout::ActiveModel = c.into();
                active.shipping_method_id = Set(Some(method_id));
                active.collection_point_id = Set(None);
                active
            }
            DeliveryMethodId::Warehouse(warehouse_id) => {
                let points =
                    pickup::collection_points(&txn, c.channel_id, &Self::wanted(&lines)).await?;
                let Some(point) = points.into_iter().find(|w| w.id == warehouse_id) else {
                    return Err(CheckoutError::one(
                        Some("deliveryMethodId"),
                        Code::DeliveryMethodNotApplicable,
                        "This pick up point is not applicable.",
                    ));
                };
                let mut active: checkout::ActiveModel = c.into();
                active.shipping_method_id = Set(None);
                active.collection_point_id = Set(Some(point.id));
                active.shipping_address = Set(Some(pickup::address_snapshot(&point)));
                active
            }
        };
        self.finish(txn, active, actor).await
    }

    async fn check_shipping_method(
        txn: &DatabaseTransaction,
        c: &checkout::Model,
        lines: &[PricedLine],
        method_id: i32,
    ) -> CheckoutResult<()> {
        if c.shipping_address.is_none() {
            return Err(CheckoutError::one(
                Some("deliveryMethodId"),
                Code::ShippingAddressNotSet,
                "Cannot choose a shipping method for a checkout without the shipping address.",
            ));
        }
        if shipping::option(txn, method_id, c.channel_id)
            .await?
            .is_none()
        {
            return Err(CheckoutError::not_found(
                "deliveryMethodId",
                "Couldn't resolve to a node: the shipping method.",
            ));
        }
        let info = Self::delivery_of(txn, c, lines).await?;
        if !info.options.iter().any(|o| o.method.id == method_id) {
            return Err(CheckoutError::one(
                Some("deliveryMethodId"),
                Code::DeliveryMethodNotApplicable,
                "This shipping method is not applicable.",
            ));
        }
        Ok(())
    }

    async fn variant_infos<C: ConnectionTrait>(
        conn: &C,
        channel_id: i32,
        variant_ids: &[i32],
    ) -> CheckoutResult<HashMap<i32, VariantInfo>> {
        let variants = product_variant::Entity::find()
            .filter(product_variant::Column::Id.is_in(variant_ids.to_vec()))
            .all(conn)
            .await?;
        let product_ids: Vec<i32> = variants.iter().map(|v| v.product_id).collect();
        let prices: HashMap<i32, Option<i64>> = variant_channel_listing::Entity::find()
            .filter(variant_channel_listing::Column::ChannelId.eq(channel_id))
            .filter(variant_channel_listing::Column::VariantId.is_in(variant_ids.to_vec()))
            .all(conn)
            .await?
            .into_iter()
            .map(|l| (l.variant_id, l.price_amount))
            .collect();
        let product_listings: HashMap<i32, product_channel_listing::Model> =
            product_channel_listing::Entity::find()
                .filter(product_channel_listing::Column::ChannelId.eq(channel_id))
                .filter(product_channel_listing::Column::ProductId.is_in(product_ids))
                .all(conn)
                .await?
                .into_iter()
                .map(|l| (l.product_id, l))
                .collect();
        let available = Self::available_stock(conn, channel_id, variant_ids).await?;
        Ok(variants
            .into_iter()
            .map(|v| {
                let info = VariantInfo {
                    price: prices.get(&v.id).copied().flatten(),
                    product_listing: product_listings.get(&v.product_id).cloned(),
                    available: available.get(&v.id).copied().unwrap_or(0),
                    variant: v,
                };
                (info.variant.id, info)
            })
            .collect())
    }

    /// Sellable quantity (`quantity - quantity_allocated`, never below 0 per stock) of each
    /// variant over the warehouses of `channel_id`.
    pub async fn available_stock<C: ConnectionTrait>(
        conn: &C,
        channel_id: i32,
        variant_ids: &[i32],
    ) -> CheckoutResult<HashMap<i32, i64>> {
        let warehouses = pickup::channel_warehouses(conn, channel_id).await?;
        let mut out: HashMap<i32, i64> = HashMap::new();
        for s in stock::Entity::find()
            .filter(stock::Column::VariantId.is_in(variant_ids.to_vec()))
            .filter(stock::Column::WarehouseId.is_in(warehouses))
            .all(conn)
            .await?
        {
            *out.entry(s.variant_id).or_default() +=
                i64::from((s.quantity - s.quantity_allocated).max(0));
        }
        Ok(out)
    }

    /// Validates the wanted total quantity of each variant (`variant → (quantity, lines)`)
    /// in `channel_id` as Saleor does: availability in the channel, publication (flag and
    /// date), availability for purchase (date), quantity limits and stock.
    async fn check_quantities<C: ConnectionTrait>(
        conn: &C,
        channel_id: i32,
        wanted: &BTreeMap<i32, i32>,
    ) -> CheckoutResult<()> {
        let ids: Vec<i32> = wanted.keys().copied().collect();
        let infos = Self::variant_infos(conn, channel_id, &ids).await?;
        let mut failures = Vec::new();
        let now = Utc::now();
        let mut unavailable = Vec::new();
        let mut unpublished = Vec::new();
        let mut not_for_sale = Vec::new();
        for (&variant_id, &quantity) in wanted {
            let Some(info) = infos.get(&variant_id) else {
                failures.push(
                    Failure::new(
                        Some("variantId"),
                        Code::NotFound,
                        "Couldn't resolve to a product variant.",
                    )
                    .with_variants(vec![variant_id]),
                );
                continue;
            };
            let Some(listing) = info
                .product_listing
                .as_ref()
                .filter(|_| info.price.is_some())
            else {
                unavailable.push(variant_id);
                continue;
            };
            // Saleor's `is_visible`: published, and the publication date (if any) reached.
            if !listing.is_published || listing.published_at.is_some_and(|at| at > now) {
                unpublished.push(variant_id);
                continue;
            }
            if listing.available_for_purchase_at.is_none_or(|at| at > now) {
                not_for_sale.push(variant_id);
                continue;
            }
            if quantity <= 0 {
                continue;
            }
            let limit = info
                .variant
                .quantity_limit_per_customer
                .map_or(MAX_LINE_QUANTITY, |l| l.min(MAX_LINE_QUANTITY));
            if quantity > limit {
                failures.push(
                    Failure::new(
                        Some("quantity"),
                        Code::QuantityGreaterThanLimit,
                        format!(
                            "Cannot add more than {limit} times this item: {}.",
                            label(&info.variant)
                        ),
                    )
                    .with_variants(vec![variant_id]),
                );
                continue;
            }
            if info.variant.track_inventory && i64::from(quantity) > info.available {
                failures.push(
                    Failure::new(
                        Some("quantity"),
                        Code::InsufficientStock,
                        format!(
                            "Could not add items {}. Only {} remaining in stock.",
                            label(&info.variant),
                            info.available
                        ),
                    )
                    .with_variants(vec![variant_id]),
                );
            }
        }
        if !unavailable.is_empty() {
            failures.push(
                Failure::new(
                    Some("lines"),
                    Code::UnavailableVariantInChannel,
                    "Cannot add lines with unavailable variants.",
                )
                .with_variants(unavailable),
            );
        }
        if !unpublished.is_empty() {
            failures.push(
                Failure::new(
                    Some("lines"),
                    Code::ProductNotPublished,
                    "Cannot add lines for unpublished variants.",
                )
                .with_variants(unpublished),
            );
        }
        if !not_for_sale.is_empty() {
            failures.push(
                Failure::new(
                    Some("lines"),
                    Code::ProductUnavailableForPurchase,
                    "Cannot add lines for unavailable for purchase variants.",
                )
                .with_variants(not_for_sale),
            );
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(CheckoutError::Invalid(failures))
        }
    }

    async fn event<C: ConnectionTrait>(
        conn: &C,
        c: &checkout::Model,
        event_type: EventType,
        actor: &Actor,
    ) -> CheckoutResult<()> {
        let slug = channel::Entity::find_by_id(c.channel_id)
            .one(conn)
            .await?
            .map(|ch| ch.slug);
        let mut event =
            NewEvent::new(event_type, "Checkout", &c.token).requestor(actor.requestor.clone());
        event.channel_slug = slug;
        event.user_id = c.user_id;
        outbox::push(conn, event).await?;
        Ok(())
    }

    /// Creates a checkout in `input.channel` for `actor` (its owner when signed in).
    pub async fn create(
        &self,
        actor: &Actor,
        input: NewCheckout,
    ) -> CheckoutResult<checkout::Model> {
        let mut wanted: BTreeMap<i32, i32> = BTreeMap::new();
        for l in &input.lines {
            if l.quantity <= 0 {
                return Err(CheckoutError::one(
                    Some("quantity"),
                    Code::ZeroQuantity,
                    "The quantity should be higher than zero.",
                ));
            }
            *wanted.entry(l.variant_id).or_default() += l.quantity;
        }
        let email = match input
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            Some(e) => Some(valid_email(e)?),
            None => actor.email.clone(),
        };
        let shipping = input
            .shipping_address
            .as_ref()
            .map(|a| validate_checkout_address(a, AddressKind::Shipping, input.shipping_rules))
            .transpose()?;
        let billing = input
            .billing_address
            .as_ref()
            .map(|a| validate_checkout_address(a, AddressKind::Billing, input.billing_rules))
            .transpose()?;
        let txn = self.write_txn().await?;
        Self::check_quantities(&txn, input.channel.id, &wanted).await?;
        let now = Utc::now();
        let c = checkout::ActiveModel {
            token: Set(uuid::Uuid::new_v4().to_string()),
            channel_id: Set(input.channel.id),
            user_id: Set(actor.user_id),
            email: Set(email),
            currency: Set(input.channel.currency_code.clone()),
            shipping_address: Set(shipping),
            billing_address: Set(billing),
            shipping_method_id: Set(None),
            collection_point_id: Set(None),
            voucher_code: Set(None),
            customer_note: Set(String::new()),
            language_code: Set(input.language_code),
            order_id: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            metadata: Set(json!({})),
            private_metadata: Set(json!({})),
        }
        .insert(&txn)
        .await?;
        for (variant_id, quantity) in wanted {
            new_line(&c.token, variant_id, quantity)
                .insert(&txn)
                .await?;
        }
        Self::event(&txn, &c, EventType::CheckoutCreated, actor).await?;
        txn.commit().await?;
        self.events.wake();
        Ok(c)
    }

    /// Opens a transaction and loads the open checkout `token` (its ID is the capability,
    /// as in Saleor).
    async fn begin(&self, token: &str) -> CheckoutResult<(DatabaseTransaction, checkout::Model)> {
        let txn = self.write_txn().await?;
        let c = Self::load(&txn, token).await?;
        if !self.live(&c) {
            return Err(CheckoutError::not_found(
                "id",
                "Couldn't resolve to a node: the checkout.",
            ));
        }
        Ok((txn, c))
    }

    /// Saves `active`, bumps `updated_at`, records CHECKOUT_UPDATED and commits.
    async fn finish(
        &self,
        txn: DatabaseTransaction,
        mut active: checkout::ActiveModel,
        actor: &Actor,
    ) -> CheckoutResult<checkout::Model> {
        active.updated_at = Set(Utc::now());
        let c = active.update(&txn).await?;
        Self::event(&txn, &c, EventType::CheckoutUpdated, actor).await?;
        txn.commit().await?;
        self.events.wake();
        Ok(c)
    }

    /// Adds lines (increasing the quantity of lines with the same variant).
    pub async fn lines_add(
        &self,
        token: &str,
        actor: &Actor,
        lines: Vec<LineInput>,
    ) -> CheckoutResult<checkout::Model> {
        for l in &lines {
            if l.quantity <= 0 {
                return Err(CheckoutError::one(
                    Some("quantity"),
                    Code::ZeroQuantity,
                    "The quantity should be higher than zero.",
                ));
            }
        }
        let (txn, c) = self.begin(token).await?;
        let txn_ref = &txn;
        let result: CheckoutResult<checkout::ActiveModel> = async {
            let txn = txn_ref;
            let existing = Self::lines_of(txn, &c.token).await?;
            let mut wanted: BTreeMap<i32, i32> = BTreeMap::new();
            for l in &lines {
                let current = existing
                    .iter()
                    .filter(|e| e.variant_id == l.variant_id)
                    .map(|e| e.quantity)
                    .sum::<i32>();
                let entry = wanted.entry(l.variant_id).or_insert(current);
                *entry = entry.saturating_add(l.quantity);
            }
            Self::check_quantities(txn, c.channel_id, &wanted).await?;
            for (variant_id, quantity) in wanted {
                match existing.iter().find(|e| e.variant_id == variant_id) {
                    Some(line) => {
                        let mut active: checkout_line::ActiveModel = line.clone().into();
                        active.quantity = Set(quantity);
                        active.update(txn).await?;
                    }
                    None => {
                        new_line(&c.token, variant_id, quantity).insert(txn).await?;
                    }
                }
            }
            Ok(c.into())
        }
        .await;
        self.finish(txn, result?, actor).await
    }

    /// Sets line quantities (0 removes the line).
    pub async fn lines_update(
        &self,
        token: &str,
        actor: &Actor,
        updates: Vec<LineUpdate>,
    ) -> CheckoutResult<checkout::Model> {
        let (txn, c) = self.begin(token).await?;
        let txn_ref = &txn;
        let result: CheckoutResult<checkout::ActiveModel> = async {
            let txn = txn_ref;
            let existing = Self::lines_of(txn, &c.token).await?;
            let mut wanted: BTreeMap<i32, i32> = BTreeMap::new();
            let mut targets: Vec<(Option<checkout_line::Model>, i32, i32)> = Vec::new();
            for u in &updates {
                let Some(quantity) = u.quantity else {
                    return Err(CheckoutError::one(
                        Some("quantity"),
                        Code::Required,
                        "The quantity field is required.",
                    ));
                };
                if quantity < 0 {
                    return Err(CheckoutError::one(
                        Some("quantity"),
                        Code::ZeroQuantity,
                        "The quantity should be higher or equal zero.",
                    ));
                }
                let line =
                    match (u.line_id, u.variant_id) {
                        (Some(id), _) => {
                            Some(existing.iter().find(|l| l.id == id).cloned().ok_or_else(
                                || {
                                    CheckoutError::from(
                                        Failure::new(
                                            Some("lineId"),
                                            Code::Invalid,
                                            "Provided line_ids aren't part of checkout.",
                                        )
                                        .with_lines(vec![id]),
                                    )
                                },
                            )?)
                        }
                        (None, Some(v)) => existing.iter().find(|l| l.variant_id == v).cloned(),
                        (None, None) => {
                            return Err(CheckoutError::one(
                                Some("lineId"),
                                Code::GraphqlError,
                                "Either `lineId` or `variantId` must be provided.",
                            ));
                        }
                    };
                let variant_id = line
                    .as_ref()
                    .map(|l| l.variant_id)
                    .or(u.variant_id)
                    .unwrap_or_default();
                if quantity > 0 {
                    wanted.insert(variant_id, quantity);
                }
                targets.push((line, variant_id, quantity));
            }
            Self::check_quantities(txn, c.channel_id, &wanted).await?;
            for (line, variant_id, quantity) in targets {
                match (line, quantity) {
                    (Some(line), 0) => {
                        checkout_line::Entity::delete_by_id(line.id)
                            .exec(txn)
                            .await?;
                    }
                    (Some(line), q) => {
                        let mut active: checkout_line::ActiveModel = line.into();
                        active.quantity = Set(q);
                        active.update(txn).await?;
                    }
                    (None, 0) => {}
                    (None, q) => {
                        new_line(&c.token, variant_id, q).insert(txn).await?;
                    }
                }
            }
            Ok(c.into())
        }
        .await;
        self.finish(txn, result?, actor).await
    }

    /// Deletes lines; every id must belong to the checkout.
    pub async fn lines_delete(
        &self,
        token: &str,
        actor: &Actor,
        line_ids: Vec<i32>,
    ) -> CheckoutResult<checkout::Model> {
        let (txn, c) = self.begin(token).await?;
        let txn_ref = &txn;
        let result: CheckoutResult<checkout::ActiveModel> = async {
            let txn = txn_ref;
            let existing = Self::lines_of(txn, &c.token).await?;
            let foreign: Vec<i32> = line_ids
                .iter()
                .copied()
                .filter(|id| !existing.iter().any(|l| l.id == *id))
                .collect();
            if !foreign.is_empty() {
                return Err(Failure::new(
                    Some("lineId"),
                    Code::Invalid,
                    "Provided line_ids aren't part of checkout.",
                )
                .with_lines(foreign)
                .into());
            }
            checkout_line::Entity::delete_many()
                .filter(checkout_line::Column::Id.is_in(line_ids))
                .exec(txn)
                .await?;
            Ok(c.into())
        }
        .await;
        self.finish(txn, result?, actor).await
    }

    /// Sets the email.
    pub async fn email_update(
        &self,
        token: &str,
        actor: &Actor,
        email: &str,
    ) -> CheckoutResult<checkout::Model> {
        let email = valid_email(email)?;
        let (txn, c) = self.begin(token).await?;
        let mut active: checkout::ActiveModel = c.into();
        active.email = Set(Some(email));
        self.finish(txn, active, actor).await
    }

    /// Sets the signed-in customer as the owner (and the email to theirs).
    pub async fn customer_attach(
        &self,
        token: &str,
        actor: &Actor,
    ) -> CheckoutResult<checkout::Model> {
        let Some(user_id) = actor.user_id else {
            return Err(CheckoutError::one(
                None,
                Code::Invalid,
                "You need to be signed in to attach a checkout.",
            ));
        };
        let email = actor.email.clone();
        let (txn, c) = self.begin(token).await?;
        let mut active: checkout::ActiveModel = c.into();
        active.user_id = Set(Some(user_id));
        active.email = Set(email);
        self.finish(txn, active, actor).await
    }

    /// Removes the owner.
    pub async fn customer_detach(
        &self,
        token: &str,
        actor: &Actor,
    ) -> CheckoutResult<checkout::Model> {
        let (txn, c) = self.begin(token).await?;
        let mut active: checkout::ActiveModel = c.into();
        active.user_id = Set(None);
        self.finish(txn, active, actor).await
    }

    /// Sets the shipping or billing address.
    pub async fn address_update(
        &self,
        token: &str,
        actor: &Actor,
        kind: AddressKind,
        data: &AddressData,
        rules: AddressRules,
    ) -> CheckoutResult<checkout::Model> {
        let stored = validate_checkout_address(data, kind, rules)?;
        let (txn, c) = self.begin(token).await?;
        let mut active: checkout::ActiveModel = c.into();
        match kind {
            AddressKind::Shipping => active.shipping_address = Set(Some(stored)),
            AddressKind::Billing => active.billing_address = Set(Some(stored)),
        }
        self.finish(txn, active, actor).await
    }
}

/// The outcome of `checkoutComplete`: the order's id (new, or the one a previous
/// completion of the same checkout created).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completed {
    pub order_id: String,
}

impl CheckoutService {
    /// Completes checkout `token` into an order, in one transaction: re-validates lines,
    /// addresses and delivery, allocates stock with conditional updates (never oversells,
    /// also under concurrent completions), takes the next order number, writes the order
    /// with snapshots of names, SKUs and prices, records ORDER_CREATED and marks the
    /// checkout completed. Idempotent: completing a completed checkout returns its order.
    ///
    /// Payments are not implemented yet, so orders are created unpaid (Saleor's channel
    /// setting `allowUnpaidOrders = true`).
    pub async fn complete(&self, token: &str, actor: &Actor) -> CheckoutResult<Completed> {
        let not_found =
            || CheckoutError::not_found("id", "Couldn't resolve to a node: the checkout.");
        let order_id = uuid::Uuid::new_v4().to_string();
        let _serial = match self.db.get_database_backend() {
            sea_orm::DatabaseBackend::Sqlite => Some(self.completions.lock().await),
            _ => None,
        };
        let txn = self.write_txn().await?;
        // Claim the checkout: exactly one completion can set `order_id`; a concurrent one
        // waits for the row (PostgreSQL) or the write lock (SQLite) and then claims nothing.
        let claimed = checkout::Entity::update_many()
            .col_expr(
                checkout::Column::OrderId,
                sea_orm::sea_query::Expr::value(order_id.clone()),
            )
            .filter(checkout::Column::Token.eq(token))
            .filter(checkout::Column::OrderId.is_null())
            .filter(checkout::Column::UpdatedAt.gt(self.expiry_cutoff()))
            .exec(&txn)
            .await?
            .rows_affected;
        let c = checkout::Entity::find_by_id(token.to_owned())
            .one(&txn)
            .await?
            .ok_or_else(not_found)?;
        if claimed == 0 {
            txn.rollback().await?;
            return match c.order_id {
                Some(order_id) => Ok(Completed { order_id }),
                None => Err(not_found()),
            };
        }
        let lines = Self::priced_lines_of(&txn, &c).await?;
        if lines.is_empty() {
            return Err(CheckoutError::one(
                Some("lines"),
                Code::NoLines,
                "Cannot complete checkout without lines.",
            ));
        }
        let Some(email) = c.email.clone() else {
            return Err(CheckoutError::one(
                Some("email"),
                Code::EmailNotSet,
                "Checkout email must be set.",
            ));
        };
        if c.billing_address.is_none() {
            return Err(CheckoutError::one(
                Some("billingAddress"),
                Code::BillingAddressNotSet,
                "Billing address is not set",
            ));
        }
        if c.shipping_address.is_none() {
            return Err(CheckoutError::one(
                Some("shippingAddress"),
                Code::ShippingAddressNotSet,
                "Shipping address is not set",
            ));
        }
        let delivery = Self::delivery_of(&txn, &c, &lines).await?;
        let wanted = Self::wanted(&lines);
        let channel_warehouses = pickup::channel_warehouses(&txn, c.channel_id).await?;
        // Where the stock comes from: the channel's warehouses, or those of the pickup point.
        let (method, warehouses) = match &delivery.collection_point {
            Some(point) => {
                let points = pickup::collection_points(&txn, c.channel_id, &wanted).await?;
                if !points.iter().any(|p| p.id == point.id) {
                    return Err(Failure::new(
                        Some("deliveryMethodId"),
                        Code::InsufficientStock,
                        format!("Insufficient stock to collect the order at {}.", point.name),
                    )
                    .with_variants(wanted.keys().copied().collect())
                    .into());
                }
                (None, pickup::allocation_order(point, &channel_warehouses))
            }
            None => {
                let Some(method) = delivery.selected.clone() else {
                    return Err(CheckoutError::one(
                        Some("shippingMethod"),
                        Code::ShippingMethodNotSet,
                        "Shipping method is not set",
                    ));
                };
                if !delivery.selected_valid {
                    return Err(CheckoutError::one(
                        Some("shippingMethod"),
                        Code::InvalidShippingMethod,
                        "Shipping method is not valid for your shipping address",
                    ));
                }
                (Some(method), channel_warehouses)
            }
        };
        Self::check_quantities(&txn, c.channel_id, &wanted).await?;
        let ids: Vec<i32> = wanted.keys().copied().collect();
        let variants: HashMap<i32, product_variant::Model> = product_variant::Entity::find()
            .filter(product_variant::Column::Id.is_in(ids.clone()))
            .all(&txn)
            .await?
            .into_iter()
            .map(|v| (v.id, v))
            .collect();
        let product_names: HashMap<i32, String> = entities::product::Entity::find()
            .filter(
                entities::product::Column::Id
                    .is_in(variants.values().map(|v| v.product_id).collect::<Vec<_>>()),
            )
            .all(&txn)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let mut voucher_discount = VoucherDiscount::default();
        if let Some(code) = &c.voucher_code {
            let not_applicable = || {
                CheckoutError::one(
                    Some("promoCode"),
                    Code::VoucherNotApplicable,
                    "Voucher is not applicable to this checkout.",
                )
            };
            let voucher = discount::find(&txn, code, c.channel_id)
                .await?
                .ok_or_else(not_applicable)?;
            voucher_discount = Self::evaluate_voucher(&txn, &c, &voucher, &lines, &delivery)
                .await?
                .map_err(|_| not_applicable())?;
            if !discount::use_once(&txn, voucher.voucher.id).await? {
                return Err(not_applicable());
            }
            // Once per customer: the unique (voucher, email) row decides, in this
            // transaction, between concurrent completions.
            if voucher.voucher.apply_once_per_customer
                && !discount::apply::record_customer_use(&txn, voucher.voucher.id, &email).await?
            {
                return Err(not_applicable());
            }
        }
        let tax = Self::tax_context_of(&txn, &c).await?;
        let totals = Self::totals(&lines, delivery.shipping_price(), &voucher_discount, &tax);
        let number = next_order_number(&txn).await?;
        let now = Utc::now();
        let order_channel = channel::Entity::find_by_id(c.channel_id).one(&txn).await?;
        let channel_slug = order_channel.as_ref().map(|ch| ch.slug.clone());
        let confirmed = order_channel
            .as_ref()
            .is_none_or(|ch| ch.automatically_confirm_all_new_orders);
        let order = entities::shop_order::ActiveModel {
            id: Set(order_id.clone()),
            number: Set(number),
            channel_id: Set(c.channel_id),
            user_id: Set(c.user_id),
            user_email: Set(email),
            status: Set(if confirmed {
                "UNFULFILLED"
            } else {
                "UNCONFIRMED"
            }
            .to_owned()),
            checkout_token: Set(Some(c.token.clone())),
            currency: Set(c.currency.clone()),
            shipping_address: Set(c.shipping_address.clone()),
            billing_address: Set(c.billing_address.clone()),
            shipping_method_id: Set(method.as_ref().map(|m| m.method.id)),
            shipping_method_name: Set(method.as_ref().map(|m| m.method.name.clone())),
            collection_point_id: Set(delivery.collection_point.as_ref().map(|w| w.id)),
            collection_point_name: Set(delivery.collection_point.as_ref().map(|w| w.name.clone())),
            shipping_price: Set(totals.shipping.gross),
            subtotal: Set(totals.subtotal.gross),
            total: Set(totals.total.gross),
            shipping_price_net: Set(totals.shipping.net),
            subtotal_net: Set(totals.subtotal.net),
            total_net: Set(totals.total.net),
            voucher_code: Set(c.voucher_code.clone()),
            customer_note: Set(c.customer_note.clone()),
            language_code: Set(c.language_code.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            metadata: Set(c.metadata.clone()),
            private_metadata: Set(json!({})),
            origin: Set("CHECKOUT".to_owned()),
        }
        .insert(&txn)
        .await?;
        for (l, taxed) in lines.iter().zip(&totals.lines) {
            let Some(variant) = variants.get(&l.line.variant_id) else {
                continue;
            };
            let unit = l.undiscounted_unit_price.or(l.unit_price).unwrap_or(0);
            let unit_taxed = taxed.per_unit(l.line.quantity);
            // The catalogue promotion the line was sold with (Saleor's unit discount).
            let promo = l.promotion.as_ref();
            let undiscounted_taxed = promo.map(|_| tax.apply(unit, l.tax_class));
            let line = entities::order_line::ActiveModel {
                order_id: Set(order_id.clone()),
                variant_id: Set(Some(variant.id)),
                product_name: Set(product_names
                    .get(&variant.product_id)
                    .cloned()
                    .unwrap_or_default()),
                variant_name: Set(variant.name.clone()),
                product_sku: Set(variant.sku.clone()),
                quantity: Set(l.line.quantity),
                currency: Set(c.currency.clone()),
                unit_price: Set(unit_taxed.gross),
                undiscounted_unit_price: Set(unit),
                total_price: Set(taxed.gross),
                unit_price_net: Set(unit_taxed.net),
                total_price_net: Set(taxed.net),
                tax_rate_bp: Set(tax.rate(l.tax_class)),
                unit_discount_amount: Set(promo.map_or(0, |p| p.amount)),
                // As Saleor after `checkoutComplete`: the type is always FIXED and the
                // value the amount taken off one unit.
                unit_discount_type: Set(promo.map(|_| "FIXED".to_owned())),
                unit_discount_value: Set(promo
                    .map(|p| crate::catalog::money::to_decimal(p.amount, &c.currency).to_string())),
                unit_discount_reason: Set(promo.map(|p| p.reason.clone())),
                undiscounted_unit_price_net: Set(undiscounted_taxed.map(|t| t.net)),
                undiscounted_unit_price_gross: Set(undiscounted_taxed.map(|t| t.gross)),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            if variant.track_inventory {
                allocate(&txn, variant, &warehouses, line.id, l.line.quantity).await?;
            }
        }
        crate::marketing::attribution::on_order_placed(&txn, &order_id).await?;
        let mut event = NewEvent::new(EventType::OrderCreated, "Order", &order_id)
            .requestor(actor.requestor.clone());
        event.channel_slug = channel_slug;
        event.user_id = c.user_id;
        outbox::push(&txn, event).await?;
        // Payments: the channel's unpaid-order policy; transactions move to the order.
        if let Some(channel) = &order_channel
            && crate::payment::service::attach_to_order(
                &txn,
                &c.token,
                &order_id,
                channel,
                totals.total.gross,
                c.user_id,
                actor.requestor.clone(),
            )
            .await?
            .is_err()
        {
            return Err(CheckoutError::one(
                None,
                Code::CheckoutNotFullyPaid,
                "The authorized amount doesn't cover the checkout's total amount.",
            ));
        }
        let order_actor = crate::order::events::OrderActor {
            user_id: actor.user_id,
            app_id: None,
            requestor: actor.requestor.clone(),
        };
        crate::order::events::order_placed(&txn, &order, &order_actor).await?;
        txn.commit().await?;
        self.events.wake();
        Ok(Completed { order_id })
    }
}

/// Unselects warehouse `warehouse_id` as the pickup point of open checkouts (it is being
/// deleted): they need a delivery method again.
pub async fn clear_collection_point<C: ConnectionTrait>(
    conn: &C,
    warehouse_id: i32,
) -> Result<(), sea_orm::DbErr> {
    checkout::Entity::update_many()
        .col_expr(
            checkout::Column::CollectionPointId,
            sea_orm::sea_query::Expr::value(Option::<i32>::None),
        )
        .filter(checkout::Column::CollectionPointId.eq(warehouse_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Takes the next order number (a counter row: serialises number allocation only).
async fn next_order_number<C: ConnectionTrait>(conn: &C) -> CheckoutResult<i64> {
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "UPDATE order_counter SET value = value + 1 WHERE name = 'order' RETURNING value",
        ))
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound("order_counter".to_owned()))?;
    Ok(row.try_get::<i64>("", "value")?)
}

/// Allocates `quantity` of `variant` from the channel's `warehouses` (in their order) with
/// conditional updates: a stock row is only incremented while `quantity - allocated` covers
/// the increment, so concurrent completions can never oversell.
async fn allocate<C: ConnectionTrait>(
    conn: &C,
    variant: &product_variant::Model,
    warehouses: &[i32],
    order_line_id: i32,
    quantity: i32,
) -> CheckoutResult<()> {
    let stocks = stock::Entity::find()
        .filter(stock::Column::VariantId.eq(variant.id))
        .filter(stock::Column::WarehouseId.is_in(warehouses.to_vec()))
        .all(conn)
        .await?;
    let mut stocks = stocks;
    stocks.sort_by_key(|s| warehouses.iter().position(|w| *w == s.warehouse_id));
    let mut need = quantity;
    for s in stocks {
        if need == 0 {
            break;
        }
        let take = Ord::min(need, Ord::max(s.quantity - s.quantity_allocated, 0));
        if take == 0 {
            continue;
        }
        use sea_orm::sea_query::ExprTrait as _;
        let col = |c: stock::Column| sea_orm::sea_query::Expr::col(c);
        let updated = stock::Entity::update_many()
            .col_expr(
                stock::Column::QuantityAllocated,
                col(stock::Column::QuantityAllocated).add(take),
            )
            .filter(stock::Column::Id.eq(s.id))
            .filter(
                col(stock::Column::Quantity)
                    .sub(col(stock::Column::QuantityAllocated))
                    .gte(take),
            )
            .exec(conn)
            .await?
            .rows_affected;
        if updated == 0 {
            // Someone took it meanwhile; the stock row now holds less than we read.
            continue;
        }
        entities::allocation::ActiveModel {
            order_line_id: Set(order_line_id),
            stock_id: Set(s.id),
            quantity: Set(take),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        need -= take;
    }
    if need > 0 {
        return Err(Failure::new(
            Some("quantity"),
            Code::InsufficientStock,
            format!("Insufficient stock for {}", label(variant)),
        )
        .with_variants(vec![variant.id])
        .into());
    }
    Ok(())
}

fn new_line(token: &str, variant_id: i32, quantity: i32) -> checkout_line::ActiveModel {
    checkout_line::ActiveModel {
        checkout_token: Set(token.to_owned()),
        variant_id: Set(variant_id),
        quantity: Set(quantity),
        created_at: Set(Utc::now()),
        metadata: Set(json!({})),
        private_metadata: Set(json!({})),
        ..Default::default()
    }
}

/// How a variant is named in messages: its SKU, or its name.
fn label(v: &product_variant::Model) -> String {
    v.sku.clone().unwrap_or_else(|| v.name.clone())
}

fn valid_email(email: &str) -> CheckoutResult<String> {
    crate::account::service::normalize_email(email).ok_or_else(|| {
        CheckoutError::one(Some("email"), Code::Invalid, "Enter a valid email address.")
    })
}
