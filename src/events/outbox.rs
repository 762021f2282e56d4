//! The outbox table: write an event in the caller's transaction, then claim, publish and
//! mark rows. Claims are leases: a row claimed by an instance that dies is claimed again
//! once its lease expires, so nothing is lost between commit and delivery.

use chrono::{Duration, Utc};
use entities::outbox;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, Set, Statement, sea_query::Expr,
};

use super::event::NewEvent;

/// Records `event` using `conn`: pass the transaction of the change it describes.
pub async fn push<C: ConnectionTrait>(conn: &C, event: NewEvent) -> Result<i64, DbErr> {
    let row = outbox::ActiveModel {
        event_type: Set(event.event_type.as_str().to_owned()),
        object_type: Set(event.object_type.to_owned()),
        object_id: Set(event.object_id),
        channel_slug: Set(event.channel_slug),
        user_id: Set(event.user_id),
        requestor: Set(event.requestor),
        payload: Set(event.payload),
        created_at: Set(Utc::now()),
        dispatched_at: Set(None),
        locked_until: Set(None),
        attempts: Set(0),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(row.id)
}

/// Records `events` in order with multi-row inserts (for bulk writes such as imports).
pub async fn push_many<C: ConnectionTrait>(conn: &C, events: Vec<NewEvent>) -> Result<(), DbErr> {
    /// Rows per statement: 11 columns each stays far below every bind-parameter limit.
    const CHUNK: usize = 1000;
    let now = Utc::now();
    let mut rows = events.into_iter().map(|event| outbox::ActiveModel {
        event_type: Set(event.event_type.as_str().to_owned()),
        object_type: Set(event.object_type.to_owned()),
        object_id: Set(event.object_id),
        channel_slug: Set(event.channel_slug),
        user_id: Set(event.user_id),
        requestor: Set(event.requestor),
        payload: Set(event.payload),
        created_at: Set(now),
        dispatched_at: Set(None),
        locked_until: Set(None),
        attempts: Set(0),
        ..Default::default()
    });
    loop {
        let chunk: Vec<_> = rows.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            return Ok(());
        }
        outbox::Entity::insert_many(chunk)
            .exec_without_returning(conn)
            .await?;
    }
}

/// Claims up to `limit` undispatched rows whose lease is free, oldest first, leasing them
/// for `lease`. On PostgreSQL concurrent claimers skip each other's rows.
pub async fn claim<C: ConnectionTrait>(
    conn: &C,
    limit: u64,
    lease: Duration,
) -> Result<Vec<outbox::Model>, DbErr> {
    let now = Utc::now();
    let until = now + lease;
    let backend = conn.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 WHERE id IN (
                SELECT id FROM outbox
                WHERE dispatched_at IS NULL AND (locked_until IS NULL OR locked_until < $2)
                ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED
             ) RETURNING *"
        }
        _ => {
            "UPDATE outbox SET locked_until = ?, attempts = attempts + 1 WHERE id IN (
                SELECT id FROM outbox
                WHERE dispatched_at IS NULL AND (locked_until IS NULL OR locked_until < ?)
                ORDER BY id LIMIT ?
             ) RETURNING *"
        }
    };
    let stmt = Statement::from_sql_and_values(
        backend,
        sql,
        [until.into(), now.into(), (limit as i64).into()],
    );
    let mut rows = outbox::Model::find_by_statement(stmt).all(conn).await?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// Marks rows as dispatched.
pub async fn mark_dispatched<C: ConnectionTrait>(conn: &C, ids: &[i64]) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    outbox::Entity::update_many()
        .col_expr(outbox::Column::DispatchedAt, Expr::value(Utc::now()))
        .col_expr(
            outbox::Column::LockedUntil,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .filter(outbox::Column::Id.is_in(ids.iter().copied()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Number of rows not dispatched yet (for tests and metrics).
pub async fn pending<C: ConnectionTrait>(conn: &C) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    outbox::Entity::find()
        .filter(outbox::Column::DispatchedAt.is_null())
        .count(conn)
        .await
}
