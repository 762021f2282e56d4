//! The write side of `leadBulkImport`: every row of a validated file in one transaction,
//! with multi-row statements.
//!
//! Each row has the meaning of one import capture (see `MarketingService::capture`): it
//! creates a lead or merges into the lead with the same email (a later row of the same
//! email merges into the earlier one), records an `imported` activity, rescores the lead
//! and moves its stage forward at a threshold, with the same events. The rows are applied
//! in memory in file order, then written with a constant number of statements per chunk
//! of rows: existing leads are read (and locked) in chunks, new leads inserted and
//! existing ones upserted in chunks, activities and outbox events inserted in chunks.
//! Nothing is written unless everything is (one transaction; a request timeout drops the
//! transaction, which rolls back).

use std::collections::HashMap;

use chrono::Utc;
use entities::{lead, lead_activity, lead_scoring_rule as rule};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait,
    FromQueryResult, IntoActiveModel, Iterable, QueryFilter, QuerySelect, Set,
    sea_query::OnConflict,
};
use serde_json::{Value as Json, json};

use super::{
    MarketingService,
    leads::{Attribution, CleanCapture, Origin, resolve_campaign},
    scoring::{self, Thresholds},
    types::{MResult, Stage},
};
use crate::events::{EventType, NewEvent, outbox};

/// Bind parameters per statement: below SQLite's (32,766) and PostgreSQL's (65,535) limits.
const PARAMS_PER_STATEMENT: usize = 16_000;

/// What an import wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub created: u64,
    pub updated: u64,
}

/// A lead as the import leaves it: its row, whether the import creates it, and the sum of
/// its activities' points so far.
struct Planned {
    lead: lead::Model,
    is_new: bool,
    points: i64,
}

/// An activity to insert once the lead's id is known.
struct PlannedActivity {
    email: String,
    kind: &'static str,
    points: i32,
    source: &'static str,
    url: Option<String>,
    message: Option<String>,
    attribution: Attribution,
    is_new_lead: bool,
    data: Json,
}

/// An event to record once the lead's id is known.
struct PlannedEvent {
    email: String,
    event_type: EventType,
    payload: Option<Json>,
}

impl MarketingService {
    /// Writes validated import rows (in file order) in one transaction.
    pub(super) async fn import_rows(
        &self,
        rows: &[CleanCapture],
        requestor: Option<String>,
    ) -> MResult<Written> {
        let txn = self.write_txn().await?;
        let now = Utc::now();
        let rules = rule::Entity::find().all(&txn).await?;
        let thresholds = scoring::load_thresholds(&txn).await?;

        // Attribution by UTM campaign key, resolved once per distinct key.
        let mut attributions: HashMap<String, Attribution> = HashMap::new();
        for key in rows.iter().filter_map(|r| r.utm.campaign.as_deref()) {
            if !attributions.contains_key(key) {
                let found = resolve_campaign(&txn, None, None, Some(key)).await?;
                attributions.insert(key.to_owned(), found);
            }
        }

        let mut emails: Vec<String> = rows.iter().map(|r| r.email.clone()).collect();
        emails.sort();
        emails.dedup();
        let mut plans = existing_leads(&txn, &emails).await?;

        let mut activities = Vec::with_capacity(rows.len());
        let mut events = Vec::with_capacity(rows.len());
        let mut written = Written::default();
        let mut new_order = Vec::new();
        for row in rows {
            let attribution = row
                .utm
                .campaign
                .as_deref()
                .and_then(|k| attributions.get(k).copied())
                .unwrap_or_default();
            let created = !plans.contains_key(&row.email);
            let plan = plans.entry(row.email.clone()).or_insert_with(|| {
                new_order.push(row.email.clone());
                Planned {
                    lead: row.new_lead(attribution, now),
                    is_new: true,
                    points: 0,
                }
            });
            if created {
                written.created += 1;
            } else {
                written.updated += 1;
            }
            let stage_before = (!created).then(|| Stage::parse(&plan.lead.stage)).flatten();
            row.merge_into(&mut plan.lead, attribution, true, now);
            let (kind, source) = Origin::Import.activity();
            let points = scoring::points_for(&rules, kind, row.landing_page.as_deref());
            activities.push(PlannedActivity {
                email: row.email.clone(),
                kind,
                points,
                source,
                url: row.landing_page.clone(),
                message: None,
                attribution,
                is_new_lead: created,
                data: row.activity_data(true),
            });
            plan.points += i64::from(points);
            rescore(plan, stage_before, thresholds, &mut activities, &mut events);
            events.push(PlannedEvent {
                email: row.email.clone(),
                event_type: if created {
                    EventType::LeadCreated
                } else {
                    EventType::LeadUpdated
                },
                payload: None,
            });
        }

        // Leads: new ones inserted in file order, existing ones upserted by id.
        let columns = lead::Column::iter().count();
        let chunk = PARAMS_PER_STATEMENT / columns;
        let new_rows: Vec<lead::ActiveModel> = new_order
            .iter()
            .filter_map(|email| plans.get(email))
            .map(|p| {
                let mut row = p.lead.clone().into_active_model().reset_all();
                row.id = NotSet;
                row
            })
            .collect();
        for part in new_rows.chunks(chunk) {
            lead::Entity::insert_many(part.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        let updated_rows: Vec<lead::ActiveModel> = plans
            .values()
            .filter(|p| !p.is_new)
            .map(|p| p.lead.clone().into_active_model().reset_all())
            .collect();
        let update_columns: Vec<lead::Column> = lead::Column::iter()
            .filter(|c| !matches!(c, lead::Column::Id | lead::Column::CreatedAt))
            .collect();
        for part in updated_rows.chunks(chunk) {
            lead::Entity::insert_many(part.to_vec())
                .on_conflict(
                    OnConflict::column(lead::Column::Id)
                        .update_columns(update_columns.iter().copied())
                        .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        }

        // Ids of every lead involved (new ones were just inserted).
        let ids = lead_ids(&txn, &emails).await?;
        let id_of = |email: &str| ids.get(email).copied().unwrap_or_default();

        let activity_rows: Vec<lead_activity::ActiveModel> = activities
            .into_iter()
            .map(|a| lead_activity::ActiveModel {
                id: NotSet,
                lead_id: Set(id_of(&a.email)),
                kind: Set(a.kind.to_owned()),
                points: Set(a.points),
                source: Set(a.source.to_owned()),
                url: Set(a.url),
                message: Set(a.message),
                campaign_id: Set(a.attribution.0),
                campaign_variant_id: Set(a.attribution.1),
                is_new_lead: Set(a.is_new_lead),
                data: Set(a.data),
                created_at: Set(now),
            })
            .collect();
        let chunk = PARAMS_PER_STATEMENT / lead_activity::Column::iter().count();
        for part in activity_rows.chunks(chunk) {
            lead_activity::Entity::insert_many(part.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        let events = events
            .into_iter()
            .map(|e| {
                let event = NewEvent::new(e.event_type, "Lead", id_of(&e.email))
                    .requestor(requestor.clone());
                match e.payload {
                    Some(payload) => event.payload(payload),
                    None => event,
                }
            })
            .collect();
        outbox::push_many(&txn, events).await?;
        txn.commit().await?;
        self.events.wake();
        Ok(written)
    }
}

/// The leads with these emails, locked for the transaction, with their activity sums.
async fn existing_leads<C: ConnectionTrait>(
    conn: &C,
    emails: &[String],
) -> MResult<HashMap<String, Planned>> {
    #[derive(FromQueryResult)]
    struct Sum {
        lead_id: i32,
        total: Option<i64>,
    }
    let mut plans = HashMap::new();
    for part in emails.chunks(PARAMS_PER_STATEMENT) {
        let found = lead::Entity::find()
            .filter(lead::Column::Email.is_in(part.iter().cloned()))
            .lock_exclusive()
            .all(conn)
            .await?;
        let ids: Vec<i32> = found.iter().map(|l| l.id).collect();
        let sums: HashMap<i32, i64> = if ids.is_empty() {
            HashMap::new()
        } else {
            lead_activity::Entity::find()
                .select_only()
                .column(lead_activity::Column::LeadId)
                .column_as(lead_activity::Column::Points.sum(), "total")
                .filter(lead_activity::Column::LeadId.is_in(ids))
                .group_by(lead_activity::Column::LeadId)
                .into_model::<Sum>()
                .all(conn)
                .await?
                .into_iter()
                .map(|s| (s.lead_id, s.total.unwrap_or(0)))
                .collect()
        };
        for lead in found {
            let Some(email) = lead.email.clone() else {
                continue;
            };
            let points = sums.get(&lead.id).copied().unwrap_or(0);
            plans.insert(
                email,
                Planned {
                    lead,
                    is_new: false,
                    points,
                },
            );
        }
    }
    Ok(plans)
}

/// Email → id of the leads with these emails.
async fn lead_ids<C: ConnectionTrait>(
    conn: &C,
    emails: &[String],
) -> MResult<HashMap<String, i32>> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i32,
        email: Option<String>,
    }
    let mut ids = HashMap::with_capacity(emails.len());
    for part in emails.chunks(PARAMS_PER_STATEMENT) {
        let rows = lead::Entity::find()
            .select_only()
            .column(lead::Column::Id)
            .column(lead::Column::Email)
            .filter(lead::Column::Email.is_in(part.iter().cloned()))
            .into_model::<Row>()
            .all(conn)
            .await?;
        ids.extend(rows.into_iter().filter_map(|r| Some((r.email?, r.id))));
    }
    Ok(ids)
}

/// The in-memory twin of `rescore_lead` after one row: the score is the sum of the
/// activities (never below 0); a threshold reached moves the stage forward with a
/// `stage_changed` activity; stage events as a capture would record them.
fn rescore(
    plan: &mut Planned,
    stage_before: Option<Stage>,
    thresholds: Thresholds,
    activities: &mut Vec<PlannedActivity>,
    events: &mut Vec<PlannedEvent>,
) {
    let score = i32::try_from(plan.points.max(0)).unwrap_or(i32::MAX);
    plan.lead.score = score;
    let Some(email) = plan.lead.email.clone() else {
        return;
    };
    let from = Stage::parse(&plan.lead.stage);
    let auto = from
        .map(|from| (from, scoring::auto_stage(from, score, thresholds)))
        .filter(|(from, to)| from != to);
    if let Some((from, to)) = auto {
        plan.lead.stage = to.code().to_owned();
        activities.push(PlannedActivity {
            email: email.clone(),
            kind: "stage_changed",
            points: 0,
            source: "system",
            url: None,
            message: Some(format!(
                "Score {score} reached the {} threshold.",
                to.code()
            )),
            attribution: (None, None),
            is_new_lead: false,
            data: json!({"from": from.code(), "to": to.code()}),
        });
    }
    let now = Stage::parse(&plan.lead.stage);
    let change = match (stage_before, now) {
        (Some(before), Some(now)) => (before != now).then_some((before, now)),
        (None, _) => auto,
        _ => None,
    };
    if let Some((from, to)) = change {
        let payload = json!({"from": from.code(), "to": to.code()});
        events.push(PlannedEvent {
            email: email.clone(),
            event_type: EventType::LeadStageChanged,
            payload: Some(payload.clone()),
        });
        if to == Stage::Customer {
            events.push(PlannedEvent {
                email,
                event_type: EventType::LeadConverted,
                payload: Some(payload),
            });
        }
    }
}
