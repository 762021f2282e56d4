//! Stock movements of orders: allocating and releasing order lines, shipping from a
//! warehouse and restocking, with PRODUCT_VARIANT_OUT_OF_STOCK / BACK_IN_STOCK events when a
//! stock row's quantity crosses zero. Every function runs in the caller's transaction and
//! changes counters with conditional or relative updates, never read-modify-write.

use entities::{allocation, channel_warehouse, product_variant, stock};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;

use crate::core::id;
use crate::events::{EventType, NewEvent, outbox};

use super::error::{OrderErrorCode as Code, OrderErrorRefs, OrderResult};
use super::events::OrderActor;
use crate::core::mutation::FieldError;

fn col(c: stock::Column) -> Expr {
    Expr::col(c)
}

/// Warehouses of `channel_id`, in the channel's order.
pub async fn channel_warehouses<C: ConnectionTrait>(
    conn: &C,
    channel_id: i32,
) -> Result<Vec<i32>, DbErr> {
    Ok(channel_warehouse::Entity::find()
        .filter(channel_warehouse::Column::ChannelId.eq(channel_id))
        .order_by_asc(channel_warehouse::Column::SortOrder)
        .all(conn)
        .await?
        .into_iter()
        .map(|w| w.warehouse_id)
        .collect())
}

/// Allocates `quantity` of `variant` for order line `line_id` from the channel's
/// warehouses, in order. Variants that don't track inventory allocate nothing.
pub async fn allocate<C: ConnectionTrait>(
    conn: &C,
    channel_id: i32,
    variant: &product_variant::Model,
    line_id: i32,
    quantity: i32,
) -> OrderResult<()> {
    if !variant.track_inventory || quantity <= 0 {
        return Ok(());
    }
    let warehouses = channel_warehouses(conn, channel_id).await?;
    let mut stocks = stock::Entity::find()
        .filter(stock::Column::VariantId.eq(variant.id))
        .filter(stock::Column::WarehouseId.is_in(warehouses.clone()))
        .all(conn)
        .await?;
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
            continue;
        }
        add_allocation(conn, line_id, s.id, take).await?;
        need -= take;
    }
    if need > 0 {
        let label = variant.sku.clone().unwrap_or_else(|| variant.name.clone());
        return Err(FieldError::new(
            "quantity",
            Code::InsufficientStock,
            format!("Insufficient stock for {label}"),
        )
        .with_variants(vec![variant.id])
        .into());
    }
    Ok(())
}

async fn add_allocation<C: ConnectionTrait>(
    conn: &C,
    line_id: i32,
    stock_id: i32,
    quantity: i32,
) -> Result<(), DbErr> {
    let existing = allocation::Entity::find()
        .filter(allocation::Column::OrderLineId.eq(line_id))
        .filter(allocation::Column::StockId.eq(stock_id))
        .one(conn)
        .await?;
    match existing {
        Some(a) => {
            allocation::Entity::update_many()
                .col_expr(
                    allocation::Column::Quantity,
                    Expr::col(allocation::Column::Quantity).add(quantity),
                )
                .filter(allocation::Column::Id.eq(a.id))
                .exec(conn)
                .await?;
        }
        None => {
            allocation::ActiveModel {
                order_line_id: Set(line_id),
                stock_id: Set(stock_id),
                quantity: Set(quantity),
                ..Default::default()
            }
            .insert(conn)
            .await?;
        }
    }
    Ok(())
}

/// Releases up to `quantity` (all when `None`) of the allocations of order line `line_id`,
/// those on stock `prefer` first. Returns how much was released.
pub async fn deallocate<C: ConnectionTrait>(
    conn: &C,
    line_id: i32,
    quantity: Option<i32>,
    prefer: Option<i32>,
) -> Result<i32, DbErr> {
    let mut allocations = allocation::Entity::find()
        .filter(allocation::Column::OrderLineId.eq(line_id))
        .order_by_asc(allocation::Column::Id)
        .all(conn)
        .await?;
    allocations.sort_by_key(|a| Some(a.stock_id) != prefer);
    let mut left = quantity.unwrap_or(i32::MAX);
    let mut released = 0;
    for a in allocations {
        if left == 0 {
            break;
        }
        let take = Ord::min(left, a.quantity);
        stock::Entity::update_many()
            .col_expr(
                stock::Column::QuantityAllocated,
                col(stock::Column::QuantityAllocated).sub(take),
            )
            .filter(stock::Column::Id.eq(a.stock_id))
            .exec(conn)
            .await?;
        if take == a.quantity {
            allocation::Entity::delete_by_id(a.id).exec(conn).await?;
        } else {
            allocation::Entity::update_many()
                .col_expr(allocation::Column::Quantity, Expr::value(a.quantity - take))
                .filter(allocation::Column::Id.eq(a.id))
                .exec(conn)
                .await?;
        }
        left -= take;
        released += take;
    }
    Ok(released)
}

/// Ships `quantity` of order line `line_id` (variant `variant_id`) from `warehouse_id`:
/// releases the line's allocation (that warehouse's first) and takes the units out of the
/// warehouse's stock. Without `allow_exceed` the warehouse must hold them (units allocated
/// to other orders are not available); with it the stock stops at 0. Returns the stock row.
pub async fn ship<C: ConnectionTrait>(
    conn: &C,
    actor: &OrderActor,
    line_id: i32,
    variant: &product_variant::Model,
    warehouse_id: i32,
    quantity: i32,
    allow_exceed: bool,
) -> OrderResult<Option<i32>> {
    let s = stock::Entity::find()
        .filter(stock::Column::VariantId.eq(variant.id))
        .filter(stock::Column::WarehouseId.eq(warehouse_id))
        .one(conn)
        .await?;
    deallocate(conn, line_id, Some(quantity), s.as_ref().map(|s| s.id)).await?;
    let insufficient = || {
        let label = variant.sku.clone().unwrap_or_else(|| variant.name.clone());
        FieldError::new(
            "stocks",
            Code::InsufficientStock,
            format!("Insufficient stock for {label}"),
        )
        .with_variants(vec![variant.id])
        .with_warehouse(warehouse_id)
    };
    let Some(s) = s else {
        if allow_exceed || !variant.track_inventory {
            return Ok(None);
        }
        return Err(insufficient().into());
    };
    if !variant.track_inventory {
        return Ok(Some(s.id));
    }
    // Re-read after the release: the row is locked by our update from here on.
    let before = stock::Entity::find_by_id(s.id)
        .one(conn)
        .await?
        .map_or(0, |s| s.quantity);
    let updated = stock::Entity::update_many()
        .col_expr(
            stock::Column::Quantity,
            col(stock::Column::Quantity).sub(quantity),
        )
        .filter(stock::Column::Id.eq(s.id))
        .filter(
            col(stock::Column::Quantity)
                .sub(col(stock::Column::QuantityAllocated))
                .gte(quantity),
        )
        .exec(conn)
        .await?
        .rows_affected;
    if updated == 0 {
        if !allow_exceed {
            return Err(insufficient().into());
        }
        stock::Entity::update_many()
            .col_expr(stock::Column::Quantity, Expr::value(0))
            .filter(stock::Column::Id.eq(s.id))
            .exec(conn)
            .await?;
    }
    let after = stock::Entity::find_by_id(s.id)
        .one(conn)
        .await?
        .map_or(0, |s| s.quantity);
    crossed(conn, actor, &s, before, after).await?;
    Ok(Some(s.id))
}

/// Puts `quantity` of `variant_id` back into `warehouse_id` (creating the stock row if the
/// warehouse had none) and, when `allocate_line` is given, allocates them to that order
/// line again. Returns the stock row's id.
pub async fn restock<C: ConnectionTrait>(
    conn: &C,
    actor: &OrderActor,
    variant_id: i32,
    warehouse_id: i32,
    quantity: i32,
    allocate_line: Option<i32>,
) -> Result<i32, DbErr> {
    let existing = stock::Entity::find()
        .filter(stock::Column::VariantId.eq(variant_id))
        .filter(stock::Column::WarehouseId.eq(warehouse_id))
        .one(conn)
        .await?;
    let s = match existing {
        Some(s) => s,
        None => {
            stock::ActiveModel {
                warehouse_id: Set(warehouse_id),
                variant_id: Set(variant_id),
                quantity: Set(0),
                quantity_allocated: Set(0),
                ..Default::default()
            }
            .insert(conn)
            .await?
        }
    };
    let allocated = if allocate_line.is_some() { quantity } else { 0 };
    stock::Entity::update_many()
        .col_expr(
            stock::Column::Quantity,
            col(stock::Column::Quantity).add(quantity),
        )
        .col_expr(
            stock::Column::QuantityAllocated,
            col(stock::Column::QuantityAllocated).add(allocated),
        )
        .filter(stock::Column::Id.eq(s.id))
        .exec(conn)
        .await?;
    if let Some(line) = allocate_line {
        add_allocation(conn, line, s.id, quantity).await?;
    }
    let after = stock::Entity::find_by_id(s.id)
        .one(conn)
        .await?
        .map_or(0, |s| s.quantity);
    crossed(conn, actor, &s, s.quantity, after).await?;
    Ok(s.id)
}

/// Records PRODUCT_VARIANT_OUT_OF_STOCK or _BACK_IN_STOCK when a stock row's quantity
/// crossed zero.
async fn crossed<C: ConnectionTrait>(
    conn: &C,
    actor: &OrderActor,
    s: &stock::Model,
    before: i32,
    after: i32,
) -> Result<(), DbErr> {
    let event_type = if before > 0 && after <= 0 {
        EventType::ProductVariantOutOfStock
    } else if before <= 0 && after > 0 {
        EventType::ProductVariantBackInStock
    } else {
        return Ok(());
    };
    let event = NewEvent::new(event_type, "ProductVariant", s.variant_id)
        .requestor(actor.requestor.clone())
        .payload(json!({
            "warehouseId": id::encode("Warehouse", s.warehouse_id).0,
            "warehousePk": s.warehouse_id,
        }));
    outbox::push(conn, event).await?;
    Ok(())
}
