//! The order history (`order_event` rows, Saleor's `OrderEvent`) and the outbox events of
//! order changes, both written in the caller's transaction.

use chrono::Utc;
use entities::{channel, order_event, shop_order};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};
use serde_json::{Value as Json, json};

use crate::events::{EventType, NewEvent, outbox};

/// Who acts on an order, as recorded in its history and events.
#[derive(Clone, Debug, Default)]
pub struct OrderActor {
    /// The signed-in user.
    pub user_id: Option<i32>,
    /// The calling app.
    pub app_id: Option<i32>,
    /// Global ID of the requestor, for outbox events.
    pub requestor: Option<String>,
}

/// A line mentioned by a history entry: `(order line pk, quantity, item name)`.
pub fn line_params(lines: &[(i32, i32, String)]) -> Json {
    Json::Array(
        lines
            .iter()
            .map(|(id, q, name)| json!({"line_pk": id, "quantity": q, "item": name}))
            .collect(),
    )
}

/// Appends a history entry of Saleor type `event_type` (e.g. `NOTE_ADDED`).
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    order_id: &str,
    event_type: &str,
    actor: &OrderActor,
    parameters: Json,
) -> Result<order_event::Model, DbErr> {
    order_event::ActiveModel {
        order_id: Set(order_id.to_owned()),
        event_type: Set(event_type.to_owned()),
        date: Set(Utc::now()),
        user_id: Set(actor.user_id),
        app_id: Set(actor.app_id),
        parameters: Set(parameters),
        ..Default::default()
    }
    .insert(conn)
    .await
}

/// Records outbox event `event_type` about `object_type` `object_id` of `order`.
pub async fn publish<C: ConnectionTrait>(
    conn: &C,
    order: &shop_order::Model,
    event_type: EventType,
    object: (&'static str, String),
    actor: &OrderActor,
    payload: Json,
) -> Result<(), DbErr> {
    let slug = channel::Entity::find_by_id(order.channel_id)
        .one(conn)
        .await?
        .map(|c| c.slug);
    let mut event = NewEvent::new(event_type, object.0, object.1)
        .requestor(actor.requestor.clone())
        .payload(payload);
    event.channel_slug = slug;
    event.user_id = order.user_id;
    outbox::push(conn, event).await?;
    Ok(())
}

/// Records outbox event `event_type` about `order` itself.
pub async fn publish_order<C: ConnectionTrait>(
    conn: &C,
    order: &shop_order::Model,
    event_type: EventType,
    actor: &OrderActor,
) -> Result<(), DbErr> {
    publish(
        conn,
        order,
        event_type,
        ("Order", order.id.clone()),
        actor,
        json!({}),
    )
    .await
}

/// What `checkoutComplete` records besides ORDER_CREATED: the PLACED history entry and,
/// when the channel confirms new orders automatically, ORDER_CONFIRMED.
pub async fn order_placed<C: ConnectionTrait>(
    conn: &C,
    order: &shop_order::Model,
    actor: &OrderActor,
) -> Result<(), DbErr> {
    record(conn, &order.id, "PLACED", actor, json!({})).await?;
    if order.status == "UNFULFILLED" {
        publish_order(conn, order, EventType::OrderConfirmed, actor).await?;
    }
    Ok(())
}
