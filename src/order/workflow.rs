//! The staff order workflow: confirm, fulfill (per warehouse), cancel fulfillments (restock),
//! update tracking, cancel orders (release allocations) and notes. Every action runs in one
//! transaction that locks the order row, writes the order's history and its outbox events.

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use entities::{
    fulfillment, fulfillment_line, order_event, order_line, product_variant, shop_order,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;

use crate::events::{EventType, Events};

use super::error::{OrderErrorCode as Code, OrderErrorRefs, OrderResult};
use super::events::{self, OrderActor, line_params};
use super::stock;
use crate::core::mutation::{DomainError, FieldError};

/// One order line to fulfill: `(warehouse pk, quantity)` per warehouse.
#[derive(Clone, Debug)]
pub struct FulfillLine {
    pub order_line_id: i32,
    pub stocks: Vec<(i32, i32)>,
}

/// `orderFulfill`'s input.
#[derive(Clone, Debug, Default)]
pub struct FulfillInput {
    pub lines: Vec<FulfillLine>,
    pub notify_customer: bool,
    pub allow_stock_to_be_exceeded: bool,
    pub tracking_number: Option<String>,
}

/// Order workflow over the database.
#[derive(Clone)]
pub struct OrderService {
    pub db: DatabaseConnection,
    pub events: Events,
}

/// The order status its lines imply once it's being fulfilled.
pub fn fulfillment_status(lines: &[order_line::Model]) -> &'static str {
    let fulfilled: i64 = lines.iter().map(|l| i64::from(l.quantity_fulfilled)).sum();
    let total: i64 = lines.iter().map(|l| i64::from(l.quantity)).sum();
    if fulfilled == 0 {
        "UNFULFILLED"
    } else if fulfilled >= total {
        "FULFILLED"
    } else {
        "PARTIALLY_FULFILLED"
    }
}

fn not_found(field: &str, what: &str) -> DomainError<Code> {
    DomainError::one(
        field,
        Code::NotFound,
        format!("Couldn't resolve to a node: {what}"),
    )
}

/// Loads order `order_id` in `txn`, locking its row (PostgreSQL; SQLite's write lock is
/// already held by `BEGIN IMMEDIATE`).
pub async fn lock_order(
    txn: &DatabaseTransaction,
    order_id: &str,
) -> OrderResult<shop_order::Model> {
    shop_order::Entity::find_by_id(order_id.to_owned())
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| not_found("id", order_id))
}

/// Saves a new `status` (and `updated_at`) of `order`.
pub async fn set_status<C: ConnectionTrait>(
    conn: &C,
    order: shop_order::Model,
    status: &str,
) -> OrderResult<shop_order::Model> {
    let mut active: shop_order::ActiveModel = order.into();
    active.status = Set(status.to_owned());
    active.updated_at = Set(Utc::now());
    Ok(active.update(conn).await?)
}

/// Lines of `order_id`.
pub async fn lines_of<C: ConnectionTrait>(
    conn: &C,
    order_id: &str,
) -> OrderResult<Vec<order_line::Model>> {
    Ok(order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .order_by_asc(order_line::Column::Id)
        .all(conn)
        .await?)
}

fn item_name(l: &order_line::Model) -> String {
    if l.variant_name.is_empty() {
        l.product_name.clone()
    } else {
        format!("{} ({})", l.product_name, l.variant_name)
    }
}

impl OrderService {
    pub fn new(db: DatabaseConnection, events: Events) -> Self {
        Self { db, events }
    }

    async fn begin(&self, order_id: &str) -> OrderResult<(DatabaseTransaction, shop_order::Model)> {
        let txn = crate::db::begin_write(&self.db).await?;
        let order = lock_order(&txn, order_id).await?;
        Ok((txn, order))
    }

    async fn commit(&self, txn: DatabaseTransaction) -> OrderResult<()> {
        txn.commit().await?;
        self.events.wake();
        Ok(())
    }

    /// `orderConfirm`: UNCONFIRMED → UNFULFILLED.
    pub async fn confirm(
        &self,
        order_id: &str,
        actor: &OrderActor,
    ) -> OrderResult<shop_order::Model> {
        let (txn, order) = self.begin(order_id).await?;
        if order.status != "UNCONFIRMED" {
            return Err(DomainError::one(
                "id",
                Code::Invalid,
                "Provided order id belongs to non-unconfirmed order",
            ));
        }
        if lines_of(&txn, &order.id).await?.is_empty() {
            return Err(DomainError::one(
                "id",
                Code::Invalid,
                "Provided order id belongs to an order with no products",
            ));
        }
        let order = set_status(&txn, order, "UNFULFILLED").await?;
        events::record(&txn, &order.id, "CONFIRMED", actor, json!({})).await?;
        events::publish_order(&txn, &order, EventType::OrderConfirmed, actor).await?;
        events::publish_order(&txn, &order, EventType::OrderUpdated, actor).await?;
        self.commit(txn).await?;
        Ok(order)
    }

    /// `orderCancel`: only orders with nothing fulfilled; releases every allocation.
    pub async fn cancel(
        &self,
        order_id: &str,
        actor: &OrderActor,
    ) -> OrderResult<shop_order::Model> {
        let (txn, order) = self.begin(order_id).await?;
        let shipped = fulfillment::Entity::find()
            .filter(fulfillment::Column::OrderId.eq(&order.id))
            .filter(fulfillment::Column::Status.ne("CANCELED"))
            .one(&txn)
            .await?
            .is_some();
        if shipped || !matches!(order.status.as_str(), "UNCONFIRMED" | "UNFULFILLED") {
            return Err(DomainError::one(
                "id",
                Code::CannotCancelOrder,
                "This order can't be canceled.",
            ));
        }
        for line in lines_of(&txn, &order.id).await? {
            stock::deallocate(&txn, line.id, None, None).await?;
        }
        let order = set_status(&txn, order, "CANCELED").await?;
        events::record(&txn, &order.id, "CANCELED", actor, json!({})).await?;
        events::publish_order(&txn, &order, EventType::OrderCancelled, actor).await?;
        events::publish_order(&txn, &order, EventType::OrderUpdated, actor).await?;
        self.commit(txn).await?;
        Ok(order)
    }

    /// `orderFulfill`: one fulfillment per warehouse, stock taken out of each warehouse and
    /// the lines' allocations released; the order becomes PARTIALLY_FULFILLED or FULFILLED.
    pub async fn fulfill(
        &self,
        order_id: &str,
        actor: &OrderActor,
        input: FulfillInput,
    ) -> OrderResult<(shop_order::Model, Vec<fulfillment::Model>)> {
        let (txn, order) = self.begin(order_id).await?;
        if order.status == "UNCONFIRMED" {
            return Err(DomainError::one(
                "order",
                Code::Invalid,
                "Cannot fulfill unconfirmed order.",
            ));
        }
        if !matches!(order.status.as_str(), "UNFULFILLED" | "PARTIALLY_FULFILLED") {
            return Err(DomainError::one(
                "order",
                Code::Invalid,
                "Cannot fulfill an order in this status.",
            ));
        }
        let lines: HashMap<i32, order_line::Model> = lines_of(&txn, &order.id)
            .await?
            .into_iter()
            .map(|l| (l.id, l))
            .collect();
        let mut failures = Vec::new();
        // warehouse → [(line, quantity)], warehouses in order of first mention.
        let mut plan: Vec<(i32, Vec<(i32, i32)>)> = Vec::new();
        let mut per_line: BTreeMap<i32, i64> = BTreeMap::new();
        for l in &input.lines {
            let Some(line) = lines.get(&l.order_line_id) else {
                failures.push(
                    FieldError::new(
                        "orderLineId",
                        Code::NotFound,
                        "Couldn't resolve to a node: the order line.",
                    )
                    .with_lines(vec![l.order_line_id]),
                );
                continue;
            };
            let mut seen = Vec::new();
            for &(warehouse, quantity) in &l.stocks {
                if seen.contains(&warehouse) {
                    failures.push(
                        FieldError::new(
                            "warehouse",
                            Code::DuplicatedInputItem,
                            "Duplicated warehouse ID.",
                        )
                        .with_lines(vec![line.id])
                        .with_warehouse(warehouse),
                    );
                    continue;
                }
                seen.push(warehouse);
                if quantity < 0 {
                    failures.push(
                        FieldError::new(
                            "quantity",
                            Code::InvalidQuantity,
                            "Quantity must be greater than or equal to 0.",
                        )
                        .with_lines(vec![line.id]),
                    );
                    continue;
                }
                if quantity == 0 {
                    continue;
                }
                *per_line.entry(line.id).or_default() += i64::from(quantity);
                match plan.iter_mut().find(|(w, _)| *w == warehouse) {
                    Some((_, items)) => items.push((line.id, quantity)),
                    None => plan.push((warehouse, vec![(line.id, quantity)])),
                }
            }
        }
        for (&line_id, &wanted) in &per_line {
            let line = &lines[&line_id];
            let left = line.quantity - line.quantity_fulfilled;
            if wanted > i64::from(left) {
                failures.push(
                    FieldError::new(
                        "orderLineId",
                        Code::FulfillOrderLine,
                        format!("Only {left} items left to fulfill: {}.", item_name(line)),
                    )
                    .with_lines(vec![line_id]),
                );
            }
        }
        let known: Vec<i32> = entities::warehouse::Entity::find()
            .filter(
                entities::warehouse::Column::Id
                    .is_in(plan.iter().map(|(w, _)| *w).collect::<Vec<_>>()),
            )
            .all(&txn)
            .await?
            .into_iter()
            .map(|w| w.id)
            .collect();
        for (w, _) in &plan {
            if !known.contains(w) {
                failures.push(
                    FieldError::new(
                        "warehouse",
                        Code::NotFound,
                        "Couldn't resolve to a node: the warehouse.",
                    )
                    .with_warehouse(*w),
                );
            }
        }
        if failures.is_empty() && per_line.is_empty() {
            failures.push(FieldError::new(
                "lines",
                Code::ZeroQuantity,
                "Total quantity must be larger than 0.",
            ));
        }
        if !failures.is_empty() {
            return Err(DomainError::Invalid(failures));
        }
        let variant_ids: Vec<i32> = lines.values().filter_map(|l| l.variant_id).collect();
        let variants: HashMap<i32, product_variant::Model> = product_variant::Entity::find()
            .filter(product_variant::Column::Id.is_in(variant_ids))
            .all(&txn)
            .await?
            .into_iter()
            .map(|v| (v.id, v))
            .collect();
        let mut next = fulfillment::Entity::find()
            .filter(fulfillment::Column::OrderId.eq(&order.id))
            .order_by_desc(fulfillment::Column::FulfillmentOrder)
            .one(&txn)
            .await?
            .map_or(0, |f| f.fulfillment_order);
        let tracking = input.tracking_number.clone().unwrap_or_default();
        let now = Utc::now();
        let mut created = Vec::new();
        let mut fulfilled_items = Vec::new();
        for (warehouse, items) in plan {
            next += 1;
            let f = fulfillment::ActiveModel {
                order_id: Set(order.id.clone()),
                fulfillment_order: Set(next),
                status: Set("FULFILLED".to_owned()),
                tracking_number: Set(tracking.clone()),
                warehouse_id: Set(Some(warehouse)),
                created_at: Set(now),
                metadata: Set(json!({})),
                private_metadata: Set(json!({})),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            for (line_id, quantity) in items {
                let line = &lines[&line_id];
                let stock_id = match line.variant_id.and_then(|v| variants.get(&v)) {
                    Some(variant) => {
                        stock::ship(
                            &txn,
                            actor,
                            line_id,
                            variant,
                            warehouse,
                            quantity,
                            input.allow_stock_to_be_exceeded,
                        )
                        .await?
                    }
                    None => None,
                };
                let fl = fulfillment_line::ActiveModel {
                    fulfillment_id: Set(f.id),
                    order_line_id: Set(line_id),
                    stock_id: Set(stock_id),
                    quantity: Set(quantity),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                fulfilled_items.push(fl.id);
                order_line::Entity::update_many()
                    .col_expr(
                        order_line::Column::QuantityFulfilled,
                        Expr::col(order_line::Column::QuantityFulfilled).add(quantity),
                    )
                    .filter(order_line::Column::Id.eq(line_id))
                    .exec(&txn)
                    .await?;
            }
            created.push(f);
        }
        let status = fulfillment_status(&lines_of(&txn, &order.id).await?);
        let order = set_status(&txn, order, status).await?;
        events::record(
            &txn,
            &order.id,
            "FULFILLMENT_FULFILLED_ITEMS",
            actor,
            json!({"fulfilled_items": fulfilled_items}),
        )
        .await?;
        for f in &created {
            events::publish(
                &txn,
                &order,
                EventType::FulfillmentCreated,
                ("Fulfillment", f.id.to_string()),
                actor,
                json!({"orderId": order.id, "notifyCustomer": input.notify_customer}),
            )
            .await?;
        }
        events::publish_order(&txn, &order, EventType::OrderUpdated, actor).await?;
        if status == "FULFILLED" {
            events::publish_order(&txn, &order, EventType::OrderFulfilled, actor).await?;
        }
        self.commit(txn).await?;
        Ok((order, created))
    }

    async fn begin_fulfillment(
        &self,
        fulfillment_id: i32,
    ) -> OrderResult<(DatabaseTransaction, shop_order::Model, fulfillment::Model)> {
        let txn = crate::db::begin_write(&self.db).await?;
        let Some(f) = fulfillment::Entity::find_by_id(fulfillment_id)
            .one(&txn)
            .await?
        else {
            return Err(not_found("id", "the fulfillment."));
        };
        let order = lock_order(&txn, &f.order_id).await?;
        // Re-read under the order's lock.
        let f = fulfillment::Entity::find_by_id(fulfillment_id)
            .one(&txn)
            .await?
            .ok_or_else(|| not_found("id", "the fulfillment."))?;
        Ok((txn, order, f))
    }

    /// `orderFulfillmentCancel`: puts the fulfillment's units back into `warehouse_id`,
    /// allocated to their order lines again, and marks it CANCELED.
    pub async fn cancel_fulfillment(
        &self,
        fulfillment_id: i32,
        warehouse_id: Option<i32>,
        actor: &OrderActor,
    ) -> OrderResult<(shop_order::Model, fulfillment::Model)> {
        let (txn, order, f) = self.begin_fulfillment(fulfillment_id).await?;
        if f.status != "FULFILLED" {
            return Err(DomainError::one(
                "fulfillment",
                Code::CannotCancelFulfillment,
                "This fulfillment can't be canceled",
            ));
        }
        let Some(warehouse_id) = warehouse_id else {
            return Err(DomainError::one(
                "warehouseId",
                Code::Required,
                "The warehouse field is required when canceling a fulfilled fulfillment.",
            ));
        };
        if entities::warehouse::Entity::find_by_id(warehouse_id)
            .one(&txn)
            .await?
            .is_none()
        {
            return Err(not_found("warehouseId", "the warehouse."));
        }
        let flines = fulfillment_line::Entity::find()
            .filter(fulfillment_line::Column::FulfillmentId.eq(f.id))
            .all(&txn)
            .await?;
        let lines: HashMap<i32, order_line::Model> = lines_of(&txn, &order.id)
            .await?
            .into_iter()
            .map(|l| (l.id, l))
            .collect();
        let mut restocked = 0;
        for fl in &flines {
            let Some(line) = lines.get(&fl.order_line_id) else {
                continue;
            };
            if let Some(variant_id) = line.variant_id {
                let tracks = product_variant::Entity::find_by_id(variant_id)
                    .one(&txn)
                    .await?
                    .is_some_and(|v| v.track_inventory);
                if tracks {
                    stock::restock(
                        &txn,
                        actor,
                        variant_id,
                        warehouse_id,
                        fl.quantity,
                        Some(line.id),
                    )
                    .await?;
                    restocked += fl.quantity;
                }
            }
            order_line::Entity::update_many()
                .col_expr(
                    order_line::Column::QuantityFulfilled,
                    Expr::col(order_line::Column::QuantityFulfilled).sub(fl.quantity),
                )
                .filter(order_line::Column::Id.eq(line.id))
                .exec(&txn)
                .await?;
        }
        let mut active: fulfillment::ActiveModel = f.into();
        active.status = Set("CANCELED".to_owned());
        let f = active.update(&txn).await?;
        let status = fulfillment_status(&lines_of(&txn, &order.id).await?);
        let order = set_status(&txn, order, status).await?;
        events::record(
            &txn,
            &order.id,
            "FULFILLMENT_CANCELED",
            actor,
            json!({"composed_id": f.fulfillment_order}),
        )
        .await?;
        events::record(
            &txn,
            &order.id,
            "FULFILLMENT_RESTOCKED_ITEMS",
            actor,
            json!({"quantity": restocked, "warehouse_id": warehouse_id}),
        )
        .await?;
        events::publish(
            &txn,
            &order,
            EventType::FulfillmentCanceled,
            ("Fulfillment", f.id.to_string()),
            actor,
            json!({"orderId": order.id}),
        )
        .await?;
        events::publish_order(&txn, &order, EventType::OrderUpdated, actor).await?;
        self.commit(txn).await?;
        Ok((order, f))
    }

    /// `orderFulfillmentUpdateTracking`.
    pub async fn update_tracking(
        &self,
        fulfillment_id: i32,
        tracking_number: String,
        actor: &OrderActor,
    ) -> OrderResult<(shop_order::Model, fulfillment::Model)> {
        let (txn, order, f) = self.begin_fulfillment(fulfillment_id).await?;
        let mut active: fulfillment::ActiveModel = f.into();
        active.tracking_number = Set(tracking_number.clone());
        let f = active.update(&txn).await?;
        let mut o: shop_order::ActiveModel = order.into();
        o.updated_at = Set(Utc::now());
        let order = o.update(&txn).await?;
        events::record(
            &txn,
            &order.id,
            "TRACKING_UPDATED",
            actor,
            json!({"tracking_number": tracking_number, "composed_id": f.fulfillment_order}),
        )
        .await?;
        events::publish_order(&txn, &order, EventType::OrderUpdated, actor).await?;
        self.commit(txn).await?;
        Ok((order, f))
    }

    /// `orderNoteAdd`.
    pub async fn note_add(
        &self,
        order_id: &str,
        message: &str,
        actor: &OrderActor,
    ) -> OrderResult<(shop_order::Model, order_event::Model)> {
        let message = message.trim();
        if message.is_empty() {
            return Err(DomainError::one(
                "message",
                Code::Required,
                "Message can't be empty.",
            ));
        }
        let (txn, order) = self.begin(order_id).await?;
        let event = events::record(
            &txn,
            &order.id,
            "NOTE_ADDED",
            actor,
            json!({"message": message}),
        )
        .await?;
        events::publish_order(&txn, &order, EventType::OrderUpdated, actor).await?;
        self.commit(txn).await?;
        Ok((order, event))
    }

    /// `orderNoteUpdate`: records a NOTE_UPDATED entry related to the note.
    pub async fn note_update(
        &self,
        note_id: i32,
        message: &str,
        actor: &OrderActor,
    ) -> OrderResult<(shop_order::Model, order_event::Model)> {
        let message = message.trim();
        if message.is_empty() {
            return Err(DomainError::one(
                "message",
                Code::Required,
                "Message can't be empty.",
            ));
        }
        let note = order_event::Entity::find_by_id(note_id)
            .one(&self.db)
            .await?
            .filter(|e| matches!(e.event_type.as_str(), "NOTE_ADDED" | "NOTE_UPDATED"))
            .ok_or_else(|| not_found("note", "the note."))?;
        let (txn, order) = self.begin(&note.order_id).await?;
        let event = events::record(
            &txn,
            &order.id,
            "NOTE_UPDATED",
            actor,
            json!({"message": message, "related_id": note.id}),
        )
        .await?;
        events::publish_order(&txn, &order, EventType::OrderUpdated, actor).await?;
        self.commit(txn).await?;
        Ok((order, event))
    }
}

/// Order lines as history parameters: `(pk, quantity, item name)`.
pub fn lines_param(items: &[(&order_line::Model, i32)]) -> serde_json::Value {
    let v: Vec<(i32, i32, String)> = items
        .iter()
        .map(|(l, q)| (l.id, *q, item_name(l)))
        .collect();
    line_params(&v)
}
