//! Draft orders (`draftOrderCreate/Update/Complete/Delete`) and line editing of draft and
//! unconfirmed orders (`orderLinesCreate`, `orderLineUpdate`, `orderLineDelete`) with
//! totals recomputed in the same transaction. Drafts hold no stock; completing one
//! allocates it, and lines of unconfirmed orders keep their allocations in step.

use std::collections::HashMap;

use chrono::Utc;
use entities::{
    account_user, channel, order_line, product, product_variant, shop_order,
    variant_channel_listing,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    Set,
};
use serde_json::{Value as Json, json};

use crate::account::{
    error::{AccountError, AddressTypeEnum},
    service::{AddressData, validate_address},
};
use crate::catalog::money;
use crate::checkout::service::address_json;
use crate::events::EventType;

use super::error::{OrderErrorCode as Code, OrderErrorRefs, OrderResult};
use super::events::{self, OrderActor};
use super::stock;
use super::workflow::{OrderService, lines_of, lines_param, lock_order};
use crate::core::mutation::{DomainError, FieldError};

/// A line to add.
#[derive(Clone, Debug)]
pub struct NewLine {
    pub variant_id: i32,
    pub quantity: i32,
    pub force_new_line: bool,
    /// Unit price override in the channel currency.
    pub price: Option<Decimal>,
}

/// Fields of `draftOrderCreate` / `draftOrderUpdate`; `None` leaves a field unchanged.
#[derive(Clone, Debug, Default)]
pub struct DraftInput {
    pub channel_id: Option<i32>,
    pub user_id: Option<i32>,
    pub user_email: Option<String>,
    pub billing_address: Option<AddressData>,
    pub shipping_address: Option<AddressData>,
    pub shipping_method_id: Option<i32>,
    pub customer_note: Option<String>,
}

fn address(data: &AddressData, kind: AddressTypeEnum, field: &str) -> OrderResult<Json> {
    match validate_address(data, None, Some(kind), field) {
        Ok(valid) => Ok(address_json(&valid)),
        Err(AccountError::Invalid(failures)) => Err(DomainError::Invalid(
            failures
                .into_iter()
                .map(|f| FieldError::new(field, Code::Invalid, f.message))
                .collect(),
        )),
        Err(AccountError::Db(e)) => Err(e.into()),
        Err(other) => Err(DomainError::Internal(other.into())),
    }
}

fn editable(order: &shop_order::Model) -> OrderResult<()> {
    if matches!(order.status.as_str(), "DRAFT" | "UNCONFIRMED") {
        Ok(())
    } else {
        Err(DomainError::one(
            "id",
            Code::NotEditable,
            "Only draft and unconfirmed orders can be edited.",
        ))
    }
}

fn draft_only(order: &shop_order::Model) -> OrderResult<()> {
    if order.status == "DRAFT" {
        Ok(())
    } else {
        Err(DomainError::one(
            "id",
            Code::Invalid,
            "Provided order id belongs to non-draft order.",
        ))
    }
}

/// Recomputes the order's lines and totals with taxes: each line's entered unit price
/// (gross when the channel's prices are entered with tax, else net), the shipping price
/// (drafts: the method's current price) and the discount the order had (as an entered
/// amount, spread over the lines before they are taxed).
async fn recompute<C: ConnectionTrait>(
    conn: &C,
    order: shop_order::Model,
) -> OrderResult<shop_order::Model> {
    let tax = tax_context_of_order(conn, &order).await?;
    let lines = lines_of(conn, &order.id).await?;
    let discount = (order.subtotal + order.shipping_price - order.total).max(0);
    let shipping = if order.status == "DRAFT" {
        match order.shipping_method_id {
            Some(m) => crate::shipping::option(conn, m, order.channel_id)
                .await?
                .map_or(0, |o| o.listing.price_amount),
            None => 0,
        }
    } else if tax.prices_entered_with_tax {
        order.shipping_price
    } else {
        order.shipping_price_net
    };
    let variant_ids: Vec<i32> = lines.iter().filter_map(|l| l.variant_id).collect();
    let classes = crate::tax::service::variant_tax_classes(conn, &variant_ids).await?;
    let class_of = |l: &order_line::Model| {
        l.variant_id
            .and_then(|v| classes.get(&v).copied().flatten())
    };
    let entered: Vec<(i64, Option<i32>)> = lines
        .iter()
        .map(|l| {
            let unit = if tax.prices_entered_with_tax {
                l.unit_price
            } else {
                l.unit_price_net
            };
            (unit.saturating_mul(i64::from(l.quantity)), class_of(l))
        })
        .collect();
    let totals = tax.totals(&entered, shipping, discount);
    for ((line, taxed), (_, class)) in lines.into_iter().zip(&totals.lines).zip(&entered) {
        let unit = taxed.per_unit(line.quantity);
        let rate = tax.rate(*class);
        if (
            line.unit_price,
            line.unit_price_net,
            line.total_price,
            line.total_price_net,
            line.tax_rate_bp,
        ) == (unit.gross, unit.net, taxed.gross, taxed.net, rate)
        {
            continue;
        }
        let mut a: order_line::ActiveModel = line.into();
        a.unit_price = Set(unit.gross);
        a.unit_price_net = Set(unit.net);
        a.total_price = Set(taxed.gross);
        a.total_price_net = Set(taxed.net);
        a.tax_rate_bp = Set(rate);
        a.update(conn).await?;
    }
    let mut active: shop_order::ActiveModel = order.into();
    active.subtotal = Set(totals.subtotal.gross);
    active.subtotal_net = Set(totals.subtotal.net);
    active.shipping_price = Set(totals.shipping.gross);
    active.shipping_price_net = Set(totals.shipping.net);
    active.total = Set(totals.total.gross);
    active.total_net = Set(totals.total.net);
    active.updated_at = Set(Utc::now());
    Ok(active.update(conn).await?)
}

/// The tax context of `order`: its channel's configuration for the shipping address's
/// country (else the billing address's, else the channel's default country).
async fn tax_context_of_order<C: ConnectionTrait>(
    conn: &C,
    order: &shop_order::Model,
) -> OrderResult<crate::tax::TaxContext> {
    let default_country = entities::channel::Entity::find_by_id(order.channel_id)
        .one(conn)
        .await?
        .map(|ch| ch.default_country)
        .unwrap_or_default();
    let country_of = |a: &Option<serde_json::Value>| {
        a.as_ref()
            .map(|a| crate::checkout::service::address_model(a).country)
    };
    let (shipping, billing) = (
        country_of(&order.shipping_address),
        country_of(&order.billing_address),
    );
    let country =
        crate::tax::tax_country(shipping.as_deref(), billing.as_deref(), &default_country);
    Ok(crate::tax::service::context(conn, order.channel_id, country).await?)
}

/// The outbox event for a change of `order`: DRAFT_ORDER_UPDATED or ORDER_UPDATED.
async fn updated<C: ConnectionTrait>(
    conn: &C,
    order: &shop_order::Model,
    actor: &OrderActor,
) -> OrderResult<()> {
    let t = if order.status == "DRAFT" {
        EventType::DraftOrderUpdated
    } else {
        EventType::OrderUpdated
    };
    events::publish_order(conn, order, t, actor).await?;
    Ok(())
}

impl OrderService {
    async fn apply_draft_fields(
        txn: &DatabaseTransaction,
        order: &mut shop_order::ActiveModel,
        channel_id: i32,
        input: DraftInput,
    ) -> OrderResult<()> {
        let mut failures = Vec::new();
        if let Some(uid) = input.user_id {
            match account_user::Entity::find_by_id(uid).one(txn).await? {
                Some(u) => {
                    order.user_id = Set(Some(u.id));
                    if input.user_email.is_none() {
                        order.user_email = Set(u.email);
                    }
                }
                None => failures.push(FieldError::new(
                    "user",
                    Code::NotFound,
                    "Couldn't resolve to a node: the user.",
                )),
            }
        }
        if let Some(email) = input.user_email {
            match crate::account::service::normalize_email(&email) {
                Some(e) => order.user_email = Set(e),
                None => failures.push(FieldError::new(
                    "userEmail",
                    Code::Invalid,
                    "Enter a valid email address.",
                )),
            }
        }
        if let Some(a) = &input.billing_address {
            match address(a, AddressTypeEnum::Billing, "billingAddress") {
                Ok(j) => order.billing_address = Set(Some(j)),
                Err(DomainError::Invalid(f)) => failures.extend(f),
                Err(e) => return Err(e),
            }
        }
        if let Some(a) = &input.shipping_address {
            match address(a, AddressTypeEnum::Shipping, "shippingAddress") {
                Ok(j) => order.shipping_address = Set(Some(j)),
                Err(DomainError::Invalid(f)) => failures.extend(f),
                Err(e) => return Err(e),
            }
        }
        if let Some(m) = input.shipping_method_id {
            match crate::shipping::option(txn, m, channel_id).await? {
                Some(o) => {
                    order.shipping_method_id = Set(Some(o.method.id));
                    order.shipping_method_name = Set(Some(o.method.name));
                }
                None => failures.push(FieldError::new(
                    "shippingMethod",
                    Code::ShippingMethodNotApplicable,
                    "Shipping method not available in the given channel.",
                )),
            }
        }
        if let Some(note) = input.customer_note {
            order.customer_note = Set(note);
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(failures))
        }
    }

    /// `draftOrderCreate`.
    pub async fn draft_create(
        &self,
        actor: &OrderActor,
        mut input: DraftInput,
        lines: Vec<NewLine>,
    ) -> OrderResult<shop_order::Model> {
        let Some(channel_id) = input.channel_id.take() else {
            return Err(DomainError::one(
                "channelId",
                Code::Required,
                "You must select a channel to create a draft order.",
            ));
        };
        let txn = crate::db::begin_write(&self.db).await?;
        let Some(ch) = channel::Entity::find_by_id(channel_id).one(&txn).await? else {
            return Err(DomainError::one(
                "channelId",
                Code::NotFound,
                "Couldn't resolve to a node: the channel.",
            ));
        };
        let number = next_number(&txn).await?;
        let now = Utc::now();
        let mut active = shop_order::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            number: Set(number),
            channel_id: Set(ch.id),
            user_id: Set(None),
            user_email: Set(String::new()),
            status: Set("DRAFT".to_owned()),
            checkout_token: Set(None),
            currency: Set(ch.currency_code.clone()),
            shipping_address: Set(None),
            billing_address: Set(None),
            shipping_method_id: Set(None),
            shipping_method_name: Set(None),
            collection_point_id: Set(None),
            collection_point_name: Set(None),
            shipping_price: Set(0),
            subtotal: Set(0),
            total: Set(0),
            shipping_price_net: Set(0),
            subtotal_net: Set(0),
            total_net: Set(0),
            voucher_code: Set(None),
            customer_note: Set(String::new()),
            language_code: Set("en".to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            metadata: Set(json!({})),
            private_metadata: Set(json!({})),
            origin: Set("DRAFT".to_owned()),
        };
        Self::apply_draft_fields(&txn, &mut active, ch.id, input).await?;
        let order = active.insert(&txn).await?;
        events::record(&txn, &order.id, "DRAFT_CREATED", actor, json!({})).await?;
        let order = if lines.is_empty() {
            recompute(&txn, order).await?
        } else {
            self.add_lines(&txn, order, actor, lines).await?.0
        };
        events::publish_order(&txn, &order, EventType::DraftOrderCreated, actor).await?;
        txn.commit().await?;
        self.events.wake();
        Ok(order)
    }

    /// `draftOrderUpdate`.
    pub async fn draft_update(
        &self,
        order_id: &str,
        actor: &OrderActor,
        input: DraftInput,
    ) -> OrderResult<shop_order::Model> {
        let txn = crate::db::begin_write(&self.db).await?;
        let order = lock_order(&txn, order_id).await?;
        draft_only(&order)?;
        let channel_id = order.channel_id;
        let mut active: shop_order::ActiveModel = order.into();
        Self::apply_draft_fields(&txn, &mut active, channel_id, input).await?;
        let order = active.update(&txn).await?;
        let order = recompute(&txn, order).await?;
        events::publish_order(&txn, &order, EventType::DraftOrderUpdated, actor).await?;
        txn.commit().await?;
        self.events.wake();
        Ok(order)
    }

    /// `draftOrderDelete`.
    pub async fn draft_delete(
        &self,
        order_id: &str,
        actor: &OrderActor,
    ) -> OrderResult<shop_order::Model> {
        let txn = crate::db::begin_write(&self.db).await?;
        let order = lock_order(&txn, order_id).await?;
        draft_only(&order)?;
        events::publish(
            &txn,
            &order,
            EventType::DraftOrderDeleted,
            ("Order", order.id.clone()),
            actor,
            json!({"number": order.number.to_string()}),
        )
        .await?;
        shop_order::Entity::delete_by_id(order.id.clone())
            .exec(&txn)
            .await?;
        txn.commit().await?;
        self.events.wake();
        Ok(order)
    }

    /// `draftOrderComplete`: validates the draft, allocates its stock and places it
    /// (UNFULFILLED, or UNCONFIRMED when the channel doesn't confirm orders automatically).
    pub async fn draft_complete(
        &self,
        order_id: &str,
        actor: &OrderActor,
    ) -> OrderResult<shop_order::Model> {
        let txn = crate::db::begin_write(&self.db).await?;
        let order = lock_order(&txn, order_id).await?;
        draft_only(&order)?;
        let lines = lines_of(&txn, &order.id).await?;
        let mut failures = Vec::new();
        if lines.is_empty() {
            failures.push(FieldError::new(
                "lines",
                Code::Required,
                "Could not create order without any products.",
            ));
        }
        if order.user_email.is_empty() {
            failures.push(FieldError::new(
                "userEmail",
                Code::Required,
                "Either user or user email must be set.",
            ));
        }
        if order.billing_address.is_none() {
            failures.push(FieldError::new(
                "billingAddress",
                Code::BillingAddressNotSet,
                "Can't finalize draft with no billing address.",
            ));
        }
        if order.shipping_address.is_none() {
            failures.push(FieldError::new(
                "shipping",
                Code::OrderNoShippingAddress,
                "Can't finalize draft with no shipping address.",
            ));
        }
        if order.shipping_method_id.is_none() {
            failures.push(FieldError::new(
                "shipping",
                Code::ShippingMethodRequired,
                "Shipping method is required.",
            ));
        }
        let ch = channel::Entity::find_by_id(order.channel_id)
            .one(&txn)
            .await?;
        if !ch.as_ref().is_some_and(|c| c.is_active) {
            failures.push(FieldError::new(
                "channel",
                Code::ChannelInactive,
                "Cannot complete draft order with inactive channel.",
            ));
        }
        if !failures.is_empty() {
            return Err(DomainError::Invalid(failures));
        }
        let variants = variants_of(&txn, lines.iter().filter_map(|l| l.variant_id)).await?;
        let mut stock_failures = Vec::new();
        for l in &lines {
            let Some(v) = l.variant_id.and_then(|v| variants.get(&v)) else {
                continue;
            };
            match stock::allocate(&txn, order.channel_id, v, l.id, l.quantity).await {
                Ok(()) => {}
                Err(DomainError::Invalid(f)) => {
                    stock_failures.extend(f.into_iter().map(|f| f.with_lines(vec![l.id])))
                }
                Err(e) => return Err(e),
            }
        }
        if !stock_failures.is_empty() {
            return Err(DomainError::Invalid(stock_failures));
        }
        let confirmed = ch.is_some_and(|c| c.automatically_confirm_all_new_orders);
        let order = recompute(&txn, order).await?;
        let mut active: shop_order::ActiveModel = order.into();
        active.status = Set(if confirmed {
            "UNFULFILLED"
        } else {
            "UNCONFIRMED"
        }
        .to_owned());
        let order = active.update(&txn).await?;
        events::record(&txn, &order.id, "PLACED_FROM_DRAFT", actor, json!({})).await?;
        events::publish_order(&txn, &order, EventType::OrderCreated, actor).await?;
        if confirmed {
            events::publish_order(&txn, &order, EventType::OrderConfirmed, actor).await?;
        }
        txn.commit().await?;
        self.events.wake();
        Ok(order)
    }

    /// Adds `lines` to `order` (merging into a line of the same variant unless
    /// `force_new_line`), allocating stock for unconfirmed orders. Returns the order with
    /// new totals and the lines touched.
    async fn add_lines(
        &self,
        txn: &DatabaseTransaction,
        order: shop_order::Model,
        actor: &OrderActor,
        lines: Vec<NewLine>,
    ) -> OrderResult<(shop_order::Model, Vec<order_line::Model>)> {
        let mut failures = Vec::new();
        for l in &lines {
            if l.quantity <= 0 {
                failures.push(
                    FieldError::new(
                        "quantity",
                        Code::ZeroQuantity,
                        "Ensure this value is greater than or equal to 1.",
                    )
                    .with_variants(vec![l.variant_id]),
                );
            }
        }
        let variants = variants_of(txn, lines.iter().map(|l| l.variant_id)).await?;
        let prices: HashMap<i32, i64> = variant_channel_listing::Entity::find()
            .filter(variant_channel_listing::Column::ChannelId.eq(order.channel_id))
            .filter(
                variant_channel_listing::Column::VariantId
                    .is_in(variants.keys().copied().collect::<Vec<_>>()),
            )
            .all(txn)
            .await?
            .into_iter()
            .filter_map(|l| Some((l.variant_id, l.price_amount?)))
            .collect();
        let mut unavailable = Vec::new();
        for l in &lines {
            if !variants.contains_key(&l.variant_id) {
                failures.push(
                    FieldError::new(
                        "variantId",
                        Code::NotFound,
                        "Couldn't resolve to a node: the product variant.",
                    )
                    .with_variants(vec![l.variant_id]),
                );
            } else if !prices.contains_key(&l.variant_id) {
                unavailable.push(l.variant_id);
            }
        }
        if !unavailable.is_empty() {
            failures.push(
                FieldError::new(
                    "variantId",
                    Code::NotAvailableInChannel,
                    "Cannot add lines with unavailable variants.",
                )
                .with_variants(unavailable),
            );
        }
        let mut overrides = HashMap::new();
        for l in &lines {
            if let Some(p) = l.price {
                match money::to_minor(p, &order.currency) {
                    Ok(m) => {
                        overrides.insert(l.variant_id, m);
                    }
                    Err(e) => failures.push(FieldError::new("price", Code::Invalid, e.to_string())),
                }
            }
        }
        if !failures.is_empty() {
            return Err(DomainError::Invalid(failures));
        }
        let product_names: HashMap<i32, String> = product::Entity::find()
            .filter(
                product::Column::Id
                    .is_in(variants.values().map(|v| v.product_id).collect::<Vec<_>>()),
            )
            .all(txn)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let existing = lines_of(txn, &order.id).await?;
        let mut touched = Vec::new();
        let mut added = Vec::new();
        for l in lines {
            let v = &variants[&l.variant_id];
            let same = existing
                .iter()
                .chain(touched.iter())
                .rfind(|x: &&order_line::Model| x.variant_id == Some(v.id))
                .cloned();
            let line = match same.filter(|_| !l.force_new_line && l.price.is_none()) {
                Some(line) => {
                    let quantity = line.quantity + l.quantity;
                    // Prices are re-taxed by `recompute` from the entered unit price.
                    let mut a: order_line::ActiveModel = line.into();
                    a.quantity = Set(quantity);
                    a.update(txn).await?
                }
                None => {
                    let unit = overrides.get(&v.id).copied().unwrap_or(prices[&v.id]);
                    order_line::ActiveModel {
                        order_id: Set(order.id.clone()),
                        variant_id: Set(Some(v.id)),
                        product_name: Set(product_names
                            .get(&v.product_id)
                            .cloned()
                            .unwrap_or_default()),
                        variant_name: Set(v.name.clone()),
                        product_sku: Set(v.sku.clone()),
                        quantity: Set(l.quantity),
                        currency: Set(order.currency.clone()),
                        // The entered price on both sides; `recompute` taxes it.
                        unit_price: Set(unit),
                        unit_price_net: Set(unit),
                        undiscounted_unit_price: Set(prices[&v.id]),
                        total_price: Set(unit.saturating_mul(i64::from(l.quantity))),
                        total_price_net: Set(unit.saturating_mul(i64::from(l.quantity))),
                        quantity_fulfilled: Set(0),
                        ..Default::default()
                    }
                    .insert(txn)
                    .await?
                }
            };
            if order.status == "UNCONFIRMED" {
                stock::allocate(txn, order.channel_id, v, line.id, l.quantity)
                    .await
                    .map_err(|e| match e {
                        DomainError::Invalid(f) => DomainError::Invalid(
                            f.into_iter().map(|f| f.with_lines(vec![line.id])).collect(),
                        ),
                        e => e,
                    })?;
            }
            added.push((line.clone(), l.quantity));
            touched.retain(|t: &order_line::Model| t.id != line.id);
            touched.push(line);
        }
        let params: Vec<(&order_line::Model, i32)> = added.iter().map(|(l, q)| (l, *q)).collect();
        events::record(
            txn,
            &order.id,
            "ADDED_PRODUCTS",
            actor,
            json!({"lines": lines_param(&params)}),
        )
        .await?;
        let order = recompute(txn, order).await?;
        Ok((order, touched))
    }

    /// `orderLinesCreate`.
    pub async fn lines_create(
        &self,
        order_id: &str,
        actor: &OrderActor,
        lines: Vec<NewLine>,
    ) -> OrderResult<(shop_order::Model, Vec<order_line::Model>)> {
        let txn = crate::db::begin_write(&self.db).await?;
        let order = lock_order(&txn, order_id).await?;
        editable(&order)?;
        let (order, touched) = self.add_lines(&txn, order, actor, lines).await?;
        updated(&txn, &order, actor).await?;
        txn.commit().await?;
        self.events.wake();
        Ok((order, touched))
    }

    async fn begin_line(
        &self,
        line_id: i32,
    ) -> OrderResult<(DatabaseTransaction, shop_order::Model, order_line::Model)> {
        let txn = crate::db::begin_write(&self.db).await?;
        let missing = || {
            DomainError::one(
                "id",
                Code::NotFound,
                "Couldn't resolve to a node: the order line.",
            )
        };
        let line = order_line::Entity::find_by_id(line_id)
            .one(&txn)
            .await?
            .ok_or_else(missing)?;
        let order = lock_order(&txn, &line.order_id).await?;
        editable(&order)?;
        let line = order_line::Entity::find_by_id(line_id)
            .one(&txn)
            .await?
            .ok_or_else(missing)?;
        Ok((txn, order, line))
    }

    /// `orderLineUpdate`: a new quantity (0 deletes the line).
    pub async fn line_update(
        &self,
        line_id: i32,
        quantity: i32,
        actor: &OrderActor,
    ) -> OrderResult<(shop_order::Model, Option<order_line::Model>)> {
        if quantity < 0 {
            return Err(DomainError::one(
                "quantity",
                Code::ZeroQuantity,
                "Ensure this value is greater than or equal to 0.",
            ));
        }
        let (txn, order, line) = self.begin_line(line_id).await?;
        let delta = quantity - line.quantity;
        let result = if quantity == 0 {
            stock::deallocate(&txn, line.id, None, None).await?;
            order_line::Entity::delete_by_id(line.id).exec(&txn).await?;
            None
        } else {
            if order.status == "UNCONFIRMED" {
                if delta > 0 {
                    if let Some(v) = variants_of(&txn, line.variant_id)
                        .await?
                        .get(&line.variant_id.unwrap_or_default())
                    {
                        stock::allocate(&txn, order.channel_id, v, line.id, delta)
                            .await
                            .map_err(|e| match e {
                                DomainError::Invalid(f) => DomainError::Invalid(
                                    f.into_iter().map(|f| f.with_lines(vec![line.id])).collect(),
                                ),
                                e => e,
                            })?;
                    }
                } else if delta < 0 {
                    stock::deallocate(&txn, line.id, Some(-delta), None).await?;
                }
            }
            // Prices are re-taxed by `recompute` from the entered unit price.
            let mut a: order_line::ActiveModel = line.clone().into();
            a.quantity = Set(quantity);
            Some(a.update(&txn).await?)
        };
        if delta != 0 {
            let kind = if delta > 0 {
                "ADDED_PRODUCTS"
            } else {
                "REMOVED_PRODUCTS"
            };
            events::record(
                &txn,
                &order.id,
                kind,
                actor,
                json!({"lines": lines_param(&[(&line, delta.abs())])}),
            )
            .await?;
        }
        let order = recompute(&txn, order).await?;
        updated(&txn, &order, actor).await?;
        txn.commit().await?;
        self.events.wake();
        Ok((order, result))
    }

    /// `orderLineDelete`.
    pub async fn line_delete(
        &self,
        line_id: i32,
        actor: &OrderActor,
    ) -> OrderResult<(shop_order::Model, order_line::Model)> {
        let (txn, order, line) = self.begin_line(line_id).await?;
        stock::deallocate(&txn, line.id, None, None).await?;
        order_line::Entity::delete_by_id(line.id).exec(&txn).await?;
        events::record(
            &txn,
            &order.id,
            "REMOVED_PRODUCTS",
            actor,
            json!({"lines": lines_param(&[(&line, line.quantity)])}),
        )
        .await?;
        let order = recompute(&txn, order).await?;
        updated(&txn, &order, actor).await?;
        txn.commit().await?;
        self.events.wake();
        Ok((order, line))
    }
}

async fn variants_of<C: ConnectionTrait>(
    conn: &C,
    ids: impl IntoIterator<Item = i32>,
) -> OrderResult<HashMap<i32, product_variant::Model>> {
    let ids: Vec<i32> = ids.into_iter().collect();
    Ok(product_variant::Entity::find()
        .filter(product_variant::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect())
}

/// Takes the next order number from the shared counter.
async fn next_number<C: ConnectionTrait>(conn: &C) -> OrderResult<i64> {
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "UPDATE order_counter SET value = value + 1 WHERE name = 'order' RETURNING value",
        ))
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound("order_counter".to_owned()))?;
    Ok(row.try_get::<i64>("", "value")?)
}
