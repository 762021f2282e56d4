//! The event outbox: a domain change writes its event here in the same transaction; the
//! dispatcher (events issue) delivers pending rows and sets `dispatched_at`.

use chrono::Utc;
use entities::outbox;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use serde_json::Value as Json;

/// Appends an event of `event_type` (Saleor's event name, e.g. `ACCOUNT_CONFIRMED`) with
/// `payload`, on `conn` (normally the open transaction of the change).
pub async fn push<C: ConnectionTrait>(
    conn: &C,
    event_type: &str,
    payload: Json,
) -> Result<(), DbErr> {
    outbox::ActiveModel {
        event_type: Set(event_type.to_owned()),
        payload: Set(payload),
        created_at: Set(Utc::now()),
        dispatched_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}
