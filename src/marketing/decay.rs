//! Inactivity decay of lead scores: the active scoring rules with event `inactive_week`
//! (default: −5) apply once per full week since a lead's last activity, as `inactive_week`
//! activities on its timeline, never taking the score below 0. Stages never move back.
//!
//! Idempotent: `lead.score_decayed_at` records how far decay was applied (anchor + whole
//! weeks), so running [`decay_once`] again at the same time changes nothing, and any instance
//! may run it (candidate rows are locked with `FOR UPDATE SKIP LOCKED` on PostgreSQL). A new
//! activity moves the anchor (`last_activity_at`) and restarts the count. [`run`] calls it
//! hourly on the background pool.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entities::{lead, lead_scoring_rule as rule};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::leads::{insert_activity, rescore_lead};
use crate::events::{EventType, NewEvent, outbox};

/// The activity type (and scoring-rule event) of a week without activity.
pub const INACTIVE_WEEK: &str = "inactive_week";
const WEEK_SECS: i64 = 7 * 24 * 3600;
const BATCH: u64 = 200;

fn weeks_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    ((to - from).num_seconds() / WEEK_SECS).max(0)
}

/// Applies due decay as of `now`; returns how many leads changed.
pub async fn decay_once(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let rules = rule::Entity::find()
        .filter(rule::Column::Event.eq(INACTIVE_WEEK))
        .filter(rule::Column::IsActive.eq(true))
        .all(db)
        .await?;
    let per_week: i32 = rules.iter().map(|r| r.points).sum();
    if per_week >= 0 {
        return Ok(0);
    }
    let cutoff = now - chrono::Duration::seconds(WEEK_SECS);
    let mut changed = 0u64;
    loop {
        let txn = crate::db::begin_write(db).await?;
        let mut q = lead::Entity::find()
            .filter(lead::Column::Score.gt(0))
            .filter(lead::Column::ErasedAt.is_null())
            .filter(lead::Column::LastActivityAt.lte(cutoff))
            .filter(
                Condition::any()
                    .add(lead::Column::ScoreDecayedAt.is_null())
                    .add(lead::Column::ScoreDecayedAt.lte(cutoff)),
            )
            .order_by_asc(lead::Column::Id)
            .limit(BATCH);
        if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            q = q.lock_with_behavior(
                sea_orm::sea_query::LockType::Update,
                sea_orm::sea_query::LockBehavior::SkipLocked,
            );
        }
        let leads = q.all(&txn).await?;
        let mut touched = 0u64;
        for l in &leads {
            let anchor = l.last_activity_at;
            let due = weeks_between(anchor, now);
            let applied = l
                .score_decayed_at
                .filter(|d| *d > anchor)
                .map_or(0, |d| weeks_between(anchor, d));
            let mut score = l.score;
            for week in (applied + 1)..=due {
                if score <= 0 {
                    break;
                }
                let points = per_week.max(-score);
                score += points;
                insert_activity(
                    &txn,
                    l.id,
                    INACTIVE_WEEK,
                    points,
                    "system",
                    None,
                    Some(&format!("No activity for {week} week(s).")),
                    (None, None),
                    false,
                    json!({"week": week}),
                    anchor + chrono::Duration::seconds(WEEK_SECS * week),
                )
                .await
                .map_err(|e| DbErr::Custom(e.to_string()))?;
            }
            let mut row: lead::ActiveModel = l.clone().into();
            row.score_decayed_at = Set(Some(anchor + chrono::Duration::seconds(WEEK_SECS * due)));
            row.update(&txn).await?;
            if score != l.score {
                rescore_lead(&txn, l.id, None, &None)
                    .await
                    .map_err(|e| DbErr::Custom(e.to_string()))?;
                outbox::push(&txn, NewEvent::new(EventType::LeadUpdated, "Lead", l.id)).await?;
                touched += 1;
            }
        }
        txn.commit().await?;
        changed += touched;
        if (leads.len() as u64) < BATCH {
            return Ok(changed);
        }
    }
}

/// Runs [`decay_once`] every hour until `stop` changes.
pub async fn run(db: DatabaseConnection, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        if let Err(e) = decay_once(&db, Utc::now()).await {
            tracing::warn!(error = %e, "lead score decay failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_weeks() {
        let t = Utc::now();
        assert_eq!(weeks_between(t, t + chrono::Duration::days(6)), 0);
        assert_eq!(weeks_between(t, t + chrono::Duration::days(7)), 1);
        assert_eq!(weeks_between(t, t + chrono::Duration::days(20)), 2);
        assert_eq!(weeks_between(t + chrono::Duration::days(1), t), 0);
    }
}
