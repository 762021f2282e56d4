//! Leads: capture (public, idempotent on the normalized email), staff updates, stage
//! changes, GDPR erasure, tracked activities, listing and the timeline.

use chrono::{DateTime, Utc};
use entities::{campaign, campaign_variant, lead, lead_activity, lead_scoring_rule as rule};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    FromQueryResult, IntoActiveModel, PaginatorTrait, QueryFilter, QuerySelect, Select, Set,
    sea_query::{Expr, OnConflict},
};
use serde_json::{Value as Json, json};

use super::{
    MarketingService, email,
    filter::{self, LeadFilter},
    scoring::{self, Thresholds},
    types::{Code, ConsentChannel, MResult, MarketingError, Stage, clean, clean_url},
};
use crate::core::connection::{KeyPart, Page, PageError, PageResult, SortKey, fetch_page};
use crate::events::{EventType, NewEvent, outbox};

/// UTM parameters of a visit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Utm {
    pub source: Option<String>,
    pub medium: Option<String>,
    pub campaign: Option<String>,
    pub term: Option<String>,
    pub content: Option<String>,
}

impl Utm {
    pub(super) fn cleaned(&self) -> MResult<Utm> {
        Ok(Utm {
            source: clean("utm.source", self.source.as_deref(), 255)?,
            medium: clean("utm.medium", self.medium.as_deref(), 255)?,
            campaign: clean("utm.campaign", self.campaign.as_deref(), 255)?,
            term: clean("utm.term", self.term.as_deref(), 255)?,
            content: clean("utm.content", self.content.as_deref(), 255)?,
        })
    }

    fn is_empty(&self) -> bool {
        self == &Utm::default()
    }
}

/// A consent given or withdrawn on one channel.
#[derive(Clone, Debug)]
pub struct Consent {
    pub channel: ConsentChannel,
    pub granted: bool,
}

/// How a lead arrived: decides the activity recorded and its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `leadCapture` by a caller with `MANAGE_LEADS` (staff, apps): may update an
    /// existing lead's identity and consents.
    Capture,
    /// `leadCapture` by anyone else (a landing page): records the visit on an existing
    /// lead without changing its identity or consents.
    PublicCapture,
    /// A CSV import row.
    Import,
}

impl Origin {
    pub(super) fn activity(self) -> (&'static str, &'static str) {
        match self {
            Origin::Capture | Origin::PublicCapture => ("form_submitted", "capture"),
            Origin::Import => ("imported", "import"),
        }
    }
}

/// A lead capture (or an import row).
#[derive(Clone, Debug, Default)]
pub struct CaptureInput {
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub source: Option<String>,
    pub landing_page: Option<String>,
    pub referrer: Option<String>,
    pub utm: Utm,
    pub consents: Vec<Consent>,
    /// Where consent was given (form name or URL); defaults to the landing page.
    pub consent_source: Option<String>,
    pub campaign_id: Option<i32>,
    pub variant_id: Option<i32>,
    /// Initial stage (imports only; captures start as subscriber or lead).
    pub stage: Option<Stage>,
}

/// The outcome of a capture.
#[derive(Clone, Debug)]
pub struct Captured {
    pub lead: lead::Model,
    /// Whether a new lead was created (false: merged into an existing one).
    pub created: bool,
}

/// A staff edit of a lead; `None` leaves a field unchanged, `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct LeadUpdateInput {
    pub email: Option<String>,
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub company: Option<Option<String>>,
    pub source: Option<Option<String>>,
    pub consents: Vec<Consent>,
    pub consent_source: Option<String>,
}

/// An external activity to record on a lead's timeline.
#[derive(Clone, Debug, Default)]
pub struct TrackInput {
    pub lead_id: Option<i32>,
    pub email: Option<String>,
    pub kind: String,
    pub url: Option<String>,
    pub message: Option<String>,
    pub campaign_id: Option<i32>,
    pub variant_id: Option<i32>,
    pub occurred_at: Option<DateTime<Utc>>,
}

/// Sort orders of the `leads` query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeadSort {
    CreatedAt,
    Score,
    LastActivityAt,
    Email,
}

/// Maximum activities a lead may receive per request batch (a sanity bound on input).
const MAX_MESSAGE: usize = 2000;

fn push_event(event_type: EventType, id: i32, requestor: &Option<String>) -> NewEvent {
    NewEvent::new(event_type, "Lead", id).requestor(requestor.clone())
}

/// Whether a stage change on `conn` is needed after a score change; returns the new stage.
fn next_auto_stage(current: &str, score: i32, t: Thresholds) -> Option<(Stage, Stage)> {
    let from = Stage::parse(current)?;
    let to = scoring::auto_stage(from, score, t);
    (to != from).then_some((from, to))
}

/// A capture's input after validation and normalization.
#[derive(Clone, Debug)]
pub(super) struct CleanCapture {
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub source: Option<String>,
    pub landing_page: Option<String>,
    pub referrer: Option<String>,
    pub consent_source: String,
    pub utm: Utm,
    pub consents: Vec<Consent>,
    pub stage: Option<Stage>,
}

impl CleanCapture {
    /// Validates and normalizes `input` (the same rules for captures and import rows).
    pub(super) fn new(input: &CaptureInput, origin: Origin) -> MResult<Self> {
        let landing_page = clean_url("landingPage", input.landing_page.as_deref())?;
        Ok(Self {
            email: email::normalize(&input.email)?,
            first_name: clean("firstName", input.first_name.as_deref(), 255)?,
            last_name: clean("lastName", input.last_name.as_deref(), 255)?,
            phone: clean("phone", input.phone.as_deref(), 64)?,
            company: clean("company", input.company.as_deref(), 255)?,
            source: clean("source", input.source.as_deref(), 100)?,
            referrer: clean_url("referrer", input.referrer.as_deref())?,
            consent_source: clean("consentSource", input.consent_source.as_deref(), 255)?
                .or_else(|| landing_page.clone())
                .unwrap_or_else(|| origin.activity().1.to_owned()),
            landing_page,
            utm: input.utm.cleaned()?,
            consents: input.consents.clone(),
            stage: input.stage,
        })
    }

    fn has_profile(&self) -> bool {
        self.first_name.is_some()
            || self.last_name.is_some()
            || self.phone.is_some()
            || self.company.is_some()
    }

    /// A new lead's row (without id) before the capture is merged into it.
    pub(super) fn new_lead(&self, attribution: Attribution, now: DateTime<Utc>) -> lead::Model {
        let stage = self.stage.unwrap_or(if self.has_profile() {
            Stage::Lead
        } else {
            Stage::Subscriber
        });
        lead::Model {
            id: 0,
            email: Some(self.email.clone()),
            first_name: None,
            last_name: None,
            phone: None,
            company: None,
            source: self.source.clone(),
            landing_page: None,
            referrer: None,
            first_utm_source: self.utm.source.clone(),
            first_utm_medium: self.utm.medium.clone(),
            first_utm_campaign: self.utm.campaign.clone(),
            first_utm_term: self.utm.term.clone(),
            first_utm_content: self.utm.content.clone(),
            last_utm_source: None,
            last_utm_medium: None,
            last_utm_campaign: None,
            last_utm_term: None,
            last_utm_content: None,
            first_campaign_id: attribution.0,
            campaign_id: None,
            campaign_variant_id: None,
            stage: stage.code().to_owned(),
            score: 0,
            consent_email: None,
            consent_email_at: None,
            consent_email_source: None,
            consent_sms: None,
            consent_sms_at: None,
            consent_sms_source: None,
            consent_phone: None,
            consent_phone_at: None,
            consent_phone_source: None,
            customer_user_id: None,
            metadata: json!({}),
            private_metadata: json!({}),
            created_at: now,
            updated_at: now,
            last_activity_at: now,
            erased_at: None,
            score_decayed_at: None,
        }
    }

    /// Merges this capture into `lead`: attribution always (landing page, referrer, UTM
    /// first and last touch, campaign); identity fields, the first source, consents and
    /// the subscriber → lead promotion only when `identity` (a new lead, or a caller with
    /// `MANAGE_LEADS`). Provided fields win; absent ones leave stored values alone.
    pub(super) fn merge_into(
        &self,
        lead: &mut lead::Model,
        (campaign_id, variant_id): Attribution,
        identity: bool,
        now: DateTime<Utc>,
    ) {
        if identity {
            for (value, slot) in [
                (&self.first_name, &mut lead.first_name),
                (&self.last_name, &mut lead.last_name),
                (&self.phone, &mut lead.phone),
                (&self.company, &mut lead.company),
            ] {
                if value.is_some() {
                    slot.clone_from(value);
                }
            }
            if lead.source.is_none() {
                lead.source.clone_from(&self.source);
            }
            apply_consents(lead, &self.consents, &self.consent_source, now);
            if self.has_profile() && lead.stage == Stage::Subscriber.code() {
                lead.stage = Stage::Lead.code().to_owned();
            }
        }
        if self.landing_page.is_some() {
            lead.landing_page.clone_from(&self.landing_page);
        }
        if self.referrer.is_some() {
            lead.referrer.clone_from(&self.referrer);
        }
        let utm = &self.utm;
        if !utm.is_empty() {
            if lead.first_utm_source.is_none()
                && lead.first_utm_medium.is_none()
                && lead.first_utm_campaign.is_none()
            {
                lead.first_utm_source.clone_from(&utm.source);
                lead.first_utm_medium.clone_from(&utm.medium);
                lead.first_utm_campaign.clone_from(&utm.campaign);
                lead.first_utm_term.clone_from(&utm.term);
                lead.first_utm_content.clone_from(&utm.content);
            }
            lead.last_utm_source.clone_from(&utm.source);
            lead.last_utm_medium.clone_from(&utm.medium);
            lead.last_utm_campaign.clone_from(&utm.campaign);
            lead.last_utm_term.clone_from(&utm.term);
            lead.last_utm_content.clone_from(&utm.content);
        }
        if campaign_id.is_some() {
            if lead.first_campaign_id.is_none() {
                lead.first_campaign_id = campaign_id;
            }
            lead.campaign_id = campaign_id;
            lead.campaign_variant_id = variant_id;
        }
        lead.updated_at = now;
        lead.last_activity_at = now;
    }

    /// The activity's data: the UTM of the visit and, when the capture could not change an
    /// existing lead's identity or consents, what it asked for (for staff to review).
    pub(super) fn activity_data(&self, identity: bool) -> Json {
        let mut data = json!({"utm": utm_json(&self.utm)});
        if !identity {
            if self.has_profile() {
                data["profileIgnored"] = json!(true);
            }
            if !self.consents.is_empty() {
                data["consentsRequested"] = self
                    .consents
                    .iter()
                    .map(|c| json!({"channel": c.channel.code(), "granted": c.granted}))
                    .collect();
            }
        }
        data
    }
}

/// The campaign and variant an interaction is attributed to.
pub(super) type Attribution = (Option<i32>, Option<i32>);

impl MarketingService {
    /// Captures a lead: creates it, or merges into the lead with the same normalized email.
    ///
    /// A new lead takes every field. Into an existing lead, a capture by a caller with
    /// `MANAGE_LEADS` (and an import) merges everything (provided fields replace stored
    /// ones; `source` and first-touch UTM keep their first values); a public capture
    /// (`Origin::PublicCapture`) only records the visit — attribution (UTM, campaign,
    /// landing page) and the activity — and never changes the lead's name, phone, company
    /// or consents (those need staff). A public capture scores at most once per lead per
    /// UTC day, so repeated submissions cannot inflate the score. Appends the activity,
    /// recomputes the score and moves the stage forward if a threshold is met.
    pub async fn capture(
        &self,
        input: CaptureInput,
        origin: Origin,
        requestor: Option<String>,
    ) -> MResult<Captured> {
        let input_campaign = (input.campaign_id, input.variant_id);
        let clean = CleanCapture::new(&input, origin)?;

        let txn = self.write_txn().await?;
        // Attribution: an explicit campaign, else the campaign whose UTM key matches.
        // Unknown campaigns or variants are dropped, never a reason to lose a lead.
        let attribution = resolve_campaign(
            &txn,
            input_campaign.0,
            input_campaign.1,
            clean.utm.campaign.as_deref(),
        )
        .await?;
        let now = Utc::now();

        // Row locks (PostgreSQL; SQLite writers are serialized already) keep concurrent
        // captures and activities of one lead from rescoring over each other.
        let existing = lead::Entity::find()
            .filter(lead::Column::Email.eq(clean.email.clone()))
            .lock_exclusive()
            .one(&txn)
            .await?;
        let (found, created) = match existing {
            Some(found) => (found, false),
            None => {
                let mut new = clean.new_lead(attribution, now).into_active_model();
                new = new.reset_all();
                new.id = sea_orm::ActiveValue::NotSet;
                // A concurrent capture of the same email may win the race: then merge.
                let inserted = lead::Entity::insert(new)
                    .on_conflict(
                        OnConflict::column(lead::Column::Email)
                            .do_nothing()
                            .to_owned(),
                    )
                    .exec_without_returning(&txn)
                    .await?;
                let found = lead::Entity::find()
                    .filter(lead::Column::Email.eq(clean.email.clone()))
                    .lock_exclusive()
                    .one(&txn)
                    .await?
                    .ok_or_else(|| {
                        MarketingError::Db(sea_orm::DbErr::RecordNotFound("lead".into()))
                    })?;
                (found, inserted == 1)
            }
        };
        let stage_before = Stage::parse(&found.stage).unwrap_or(Stage::Lead);
        let identity = created || origin != Origin::PublicCapture;
        let mut merged = found.clone();
        clean.merge_into(&mut merged, attribution, identity, now);
        let lead_id = merged.id;
        merged.into_active_model().reset_all().update(&txn).await?;

        let (kind, activity_source) = origin.activity();
        let rules = rule::Entity::find().all(&txn).await?;
        let mut points = scoring::points_for(&rules, kind, clean.landing_page.as_deref());
        if origin == Origin::PublicCapture
            && !created
            && scored_capture_today(&txn, lead_id, now).await?
        {
            points = 0;
        }
        insert_activity(
            &txn,
            lead_id,
            kind,
            points,
            activity_source,
            clean.landing_page.as_deref(),
            None,
            attribution,
            created,
            clean.activity_data(identity),
            now,
        )
        .await?;
        let lead = self
            .rescore(
                &txn,
                lead_id,
                if created { None } else { Some(stage_before) },
                &requestor,
            )
            .await?;
        outbox::push(
            &txn,
            push_event(
                if created {
                    EventType::LeadCreated
                } else {
                    EventType::LeadUpdated
                },
                lead_id,
                &requestor,
            ),
        )
        .await?;
        txn.commit().await?;
        self.events.wake();
        Ok(Captured { lead, created })
    }

    /// Recomputes the score of `lead_id` (see [`rescore_lead`]).
    async fn rescore(
        &self,
        txn: &DatabaseTransaction,
        lead_id: i32,
        stage_before: Option<Stage>,
        requestor: &Option<String>,
    ) -> MResult<lead::Model> {
        rescore_lead(txn, lead_id, stage_before, requestor).await
    }

    /// Records an external activity on a lead (found by id or email), rescoring it.
    pub async fn track(
        &self,
        input: TrackInput,
        source: &str,
        requestor: Option<String>,
    ) -> MResult<(lead::Model, lead_activity::Model)> {
        let kind = scoring::clean_kind("type", &input.kind)?;
        if kind == "stage_changed" {
            return Err(MarketingError::invalid(
                "type",
                "This activity type is reserved.",
            ));
        }
        let url = clean_url("url", input.url.as_deref())?;
        let message = clean("message", input.message.as_deref(), MAX_MESSAGE)?;
        let now = Utc::now();
        let at = input.occurred_at.unwrap_or(now).min(now);
        let txn = self.write_txn().await?;
        let found = match (input.lead_id, input.email.as_deref()) {
            (Some(id), _) => {
                lead::Entity::find_by_id(id)
                    .lock_exclusive()
                    .one(&txn)
                    .await?
            }
            (None, Some(email)) => {
                let email = email::normalize(email)?;
                lead::Entity::find()
                    .filter(lead::Column::Email.eq(email))
                    .lock_exclusive()
                    .one(&txn)
                    .await?
            }
            (None, None) => return Err(MarketingError::required("email")),
        }
        .filter(|l| l.erased_at.is_none())
        .ok_or_else(|| {
            MarketingError::not_found(
                if input.lead_id.is_some() {
                    "lead"
                } else {
                    "email"
                },
                "Lead",
            )
        })?;
        let (campaign_id, variant_id) =
            resolve_campaign(&txn, input.campaign_id, input.variant_id, None).await?;
        let rules = rule::Entity::find().all(&txn).await?;
        let points = scoring::points_for(&rules, &kind, url.as_deref());
        let activity = insert_activity(
            &txn,
            found.id,
            &kind,
            points,
            source,
            url.as_deref(),
            message.as_deref(),
            (campaign_id, variant_id),
            false,
            json!({}),
            at,
        )
        .await?;
        let stage_before = Stage::parse(&found.stage);
        let mut row: lead::ActiveModel = found.clone().into();
        row.last_activity_at = Set(found.last_activity_at.max(at));
        row.updated_at = Set(now);
        row.update(&txn).await?;
        let lead = self
            .rescore(&txn, found.id, stage_before, &requestor)
            .await?;
        outbox::push(
            &txn,
            push_event(EventType::LeadUpdated, found.id, &requestor),
        )
        .await?;
        txn.commit().await?;
        self.events.wake();
        Ok((lead, activity))
    }

    /// Links the lead with `email` to customer account `user_id` and makes it a customer
    /// (for the accounts and checkout domains: registration, or an order placed with the
    /// lead's email). Returns `None` when no lead has that email; linking twice is a no-op.
    pub async fn link_customer(
        &self,
        email: &str,
        user_id: i32,
        requestor: Option<String>,
    ) -> MResult<Option<lead::Model>> {
        let email = email::normalize(email)?;
        let txn = self.write_txn().await?;
        let Some(found) = lead::Entity::find()
            .filter(lead::Column::Email.eq(email))
            .lock_exclusive()
            .one(&txn)
            .await?
        else {
            return Ok(None);
        };
        let from = Stage::parse(&found.stage).unwrap_or(Stage::Lead);
        if found.customer_user_id == Some(user_id) && from == Stage::Customer {
            return Ok(Some(found));
        }
        let now = Utc::now();
        let id = found.id;
        let mut row: lead::ActiveModel = found.into();
        row.customer_user_id = Set(Some(user_id));
        row.stage = Set(Stage::Customer.code().to_owned());
        row.updated_at = Set(now);
        row.last_activity_at = Set(now);
        let lead = row.update(&txn).await?;
        if from != Stage::Customer {
            insert_activity(
                &txn,
                id,
                "stage_changed",
                0,
                "system",
                None,
                Some("Linked to a customer account."),
                (None, None),
                false,
                json!({"from": from.code(), "to": Stage::Customer.code()}),
                now,
            )
            .await?;
            Self::push_stage_events(&txn, id, from, Stage::Customer, requestor.clone()).await?;
        }
        outbox::push(&txn, push_event(EventType::LeadUpdated, id, &requestor)).await?;
        txn.commit().await?;
        self.events.wake();
        Ok(Some(lead))
    }

    /// After a registration or an account confirmation: links the lead with `email` to the
    /// confirmed, active customer account with that email (if both exist), making it a
    /// customer. Failures are logged, never the caller's problem.
    pub async fn link_registered_customer(&self, email: &str, requestor: Option<String>) {
        let result: MResult<()> = async {
            let Ok(normalized) = email::normalize(email) else {
                return Ok(());
            };
            let user = entities::account_user::Entity::find()
                .filter(entities::account_user::Column::Email.eq(normalized.clone()))
                .one(&self.db)
                .await?;
            if let Some(u) = user.filter(|u| u.is_confirmed && u.is_active && !u.is_staff) {
                self.link_customer(&normalized, u.id, requestor).await?;
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "linking a registered customer to a lead failed");
        }
    }

    /// A lead by primary key (erased leads are not returned).
    pub async fn lead(&self, id: i32) -> MResult<Option<lead::Model>> {
        Ok(lead::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .filter(|l| l.erased_at.is_none()))
    }

    async fn lead_for_update(&self, txn: &DatabaseTransaction, id: i32) -> MResult<lead::Model> {
        lead::Entity::find_by_id(id)
            .lock_exclusive()
            .one(txn)
            .await?
            .filter(|l| l.erased_at.is_none())
            .ok_or_else(|| MarketingError::not_found("id", "Lead"))
    }

    /// Staff edit of a lead's profile and consents.
    pub async fn update_lead(
        &self,
        id: i32,
        input: LeadUpdateInput,
        requestor: Option<String>,
    ) -> MResult<lead::Model> {
        let email = input.email.as_deref().map(email::normalize).transpose()?;
        let opt = |field: &str,
                   v: &Option<Option<String>>,
                   max: usize|
         -> MResult<Option<Option<String>>> {
            v.as_ref()
                .map(|v| clean(field, v.as_deref(), max))
                .transpose()
        };
        let first_name = opt("firstName", &input.first_name, 255)?;
        let last_name = opt("lastName", &input.last_name, 255)?;
        let phone = opt("phone", &input.phone, 64)?;
        let company = opt("company", &input.company, 255)?;
        let source = opt("source", &input.source, 100)?;
        let consent_source = clean("consentSource", input.consent_source.as_deref(), 255)?
            .unwrap_or_else(|| "staff".to_owned());
        let txn = self.write_txn().await?;
        let found = self.lead_for_update(&txn, id).await?;
        if let Some(email) = &email
            && found.email.as_ref() != Some(email)
        {
            let taken = lead::Entity::find()
                .filter(lead::Column::Email.eq(email.clone()))
                .count(&txn)
                .await?;
            if taken > 0 {
                return Err(MarketingError::field(
                    "email",
                    Code::Unique,
                    "A lead with this email already exists.",
                ));
            }
        }
        let now = Utc::now();
        let mut row = found;
        if let Some(v) = email {
            row.email = Some(v);
        }
        for (value, slot) in [
            (first_name, &mut row.first_name),
            (last_name, &mut row.last_name),
            (phone, &mut row.phone),
            (company, &mut row.company),
            (source, &mut row.source),
        ] {
            if let Some(v) = value {
                *slot = v;
            }
        }
        apply_consents(&mut row, &input.consents, &consent_source, now);
        row.updated_at = now;
        let row = row.into_active_model().reset_all();
        let lead = row.update(&txn).await?;
        outbox::push(&txn, push_event(EventType::LeadUpdated, id, &requestor)).await?;
        txn.commit().await?;
        self.events.wake();
        Ok(lead)
    }

    /// Staff sets a lead's stage (any direction) with a reason, recorded on the timeline.
    pub async fn set_stage(
        &self,
        id: i32,
        to: Stage,
        reason: &str,
        requestor: Option<String>,
    ) -> MResult<lead::Model> {
        let reason = clean("reason", Some(reason), 1000)?.unwrap_or_default();
        let txn = self.write_txn().await?;
        let found = self.lead_for_update(&txn, id).await?;
        let from = Stage::parse(&found.stage).unwrap_or(Stage::Lead);
        scoring::check_manual_change(from, to, &reason, found.customer_user_id.is_some())?;
        let now = Utc::now();
        insert_activity(
            &txn,
            id,
            "stage_changed",
            0,
            "staff",
            None,
            Some(&reason),
            (None, None),
            false,
            json!({"from": from.code(), "to": to.code(), "by": requestor}),
            now,
        )
        .await?;
        let mut row: lead::ActiveModel = found.into();
        row.stage = Set(to.code().to_owned());
        row.updated_at = Set(now);
        let lead = row.update(&txn).await?;
        Self::push_stage_events(&txn, id, from, to, requestor).await?;
        txn.commit().await?;
        self.events.wake();
        Ok(lead)
    }

    /// GDPR erasure (returns the erased row): removes every personal field of the lead and its timeline's free text,
    /// keeping the row (stage, source, UTM, campaign, dates, score) so aggregate counts stay.
    pub async fn erase(&self, id: i32, requestor: Option<String>) -> MResult<lead::Model> {
        let txn = self.write_txn().await?;
        let found = self.lead_for_update(&txn, id).await?;
        let now = Utc::now();
        let mut row: lead::ActiveModel = found.into();
        row.email = Set(None);
        row.first_name = Set(None);
        row.last_name = Set(None);
        row.phone = Set(None);
        row.company = Set(None);
        row.landing_page = Set(None);
        row.referrer = Set(None);
        row.consent_email = Set(None);
        row.consent_email_at = Set(None);
        row.consent_email_source = Set(None);
        row.consent_sms = Set(None);
        row.consent_sms_at = Set(None);
        row.consent_sms_source = Set(None);
        row.consent_phone = Set(None);
        row.consent_phone_at = Set(None);
        row.consent_phone_source = Set(None);
        row.metadata = Set(json!({}));
        row.private_metadata = Set(json!({}));
        row.erased_at = Set(Some(now));
        row.updated_at = Set(now);
        let erased = row.update(&txn).await?;
        lead_activity::Entity::update_many()
            .col_expr(
                lead_activity::Column::Url,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                lead_activity::Column::Message,
                Expr::value(Option::<String>::None),
            )
            .col_expr(lead_activity::Column::Data, Expr::value(json!({})))
            .filter(lead_activity::Column::LeadId.eq(id))
            .exec(&txn)
            .await?;
        outbox::push(
            &txn,
            push_event(EventType::LeadUpdated, id, &requestor).payload(json!({"erased": true})),
        )
        .await?;
        txn.commit().await?;
        self.events.wake();
        Ok(erased)
    }

    /// The select and condition for `filter` (used by `leads`, segments and export).
    pub async fn lead_select(
        &self,
        filter: &LeadFilter,
    ) -> MResult<(Select<lead::Entity>, Condition)> {
        filter.validate(false)?;
        let cond = filter::condition(&self.db, filter).await?;
        Ok((lead::Entity::find().filter(cond.clone()), cond))
    }

    /// One page of leads matching `filter`, sorted by `sort`.
    pub async fn leads_page(
        &self,
        filter: &LeadFilter,
        sort: LeadSort,
        descending: bool,
        page: &Page,
    ) -> MResult<PageResult<lead::Model>> {
        let (select, _) = self.lead_select(filter).await?;
        let key = SortKey {
            columns: sort_columns(sort),
            descending,
        };
        fetch_page(&self.db, select, &key, page)
            .await
            .map_err(|e| match e {
                PageError::BadCursor => {
                    MarketingError::invalid("after", "The cursor does not match the sort order.")
                }
                PageError::Db(e) => MarketingError::Db(e),
            })
    }

    /// Number of leads matching `cond`.
    pub async fn count_leads(
        db: &sea_orm::DatabaseConnection,
        cond: Condition,
    ) -> Result<u64, sea_orm::DbErr> {
        lead::Entity::find().filter(cond).count(db).await
    }

    /// A lead's timeline, newest first.
    pub async fn activities_page(
        &self,
        lead_id: i32,
        page: &Page,
    ) -> MResult<PageResult<lead_activity::Model>> {
        let select =
            lead_activity::Entity::find().filter(lead_activity::Column::LeadId.eq(lead_id));
        let key = SortKey {
            columns: vec![lead_activity::Column::Id],
            descending: true,
        };
        fetch_page(&self.db, select, &key, page)
            .await
            .map_err(|e| match e {
                PageError::BadCursor => MarketingError::invalid("after", "Invalid cursor."),
                PageError::Db(e) => MarketingError::Db(e),
            })
    }

    /// Number of activities of a lead.
    pub async fn count_activities(
        db: &sea_orm::DatabaseConnection,
        lead_id: i32,
    ) -> Result<u64, sea_orm::DbErr> {
        lead_activity::Entity::find()
            .filter(lead_activity::Column::LeadId.eq(lead_id))
            .count(db)
            .await
    }

    /// The database connection (for lazily computed counts).
    pub fn db(&self) -> &sea_orm::DatabaseConnection {
        &self.db
    }
}

/// Sort columns for `sort`; the primary key comes last so the order is total.
pub fn sort_columns(sort: LeadSort) -> Vec<lead::Column> {
    match sort {
        LeadSort::CreatedAt => vec![lead::Column::CreatedAt, lead::Column::Id],
        LeadSort::Score => vec![lead::Column::Score, lead::Column::Id],
        LeadSort::LastActivityAt => vec![lead::Column::LastActivityAt, lead::Column::Id],
        LeadSort::Email => vec![lead::Column::Email, lead::Column::Id],
    }
}

/// The cursor key of `m` under `sort`.
pub fn lead_key(sort: LeadSort, m: &lead::Model) -> Vec<KeyPart> {
    let id = KeyPart::Int(i64::from(m.id));
    match sort {
        LeadSort::CreatedAt => vec![KeyPart::Time(m.created_at), id],
        LeadSort::Score => vec![KeyPart::Int(i64::from(m.score)), id],
        LeadSort::LastActivityAt => vec![KeyPart::Time(m.last_activity_at), id],
        LeadSort::Email => vec![KeyPart::Str(m.email.clone().unwrap_or_default()), id],
    }
}

fn utm_json(utm: &Utm) -> Json {
    json!({
        "source": utm.source, "medium": utm.medium, "campaign": utm.campaign,
        "term": utm.term, "content": utm.content,
    })
}

fn apply_consents(lead: &mut lead::Model, consents: &[Consent], source: &str, now: DateTime<Utc>) {
    for c in consents {
        let (flag, at, src) = match c.channel {
            ConsentChannel::Email => (
                &mut lead.consent_email,
                &mut lead.consent_email_at,
                &mut lead.consent_email_source,
            ),
            ConsentChannel::Sms => (
                &mut lead.consent_sms,
                &mut lead.consent_sms_at,
                &mut lead.consent_sms_source,
            ),
            ConsentChannel::Phone => (
                &mut lead.consent_phone,
                &mut lead.consent_phone_at,
                &mut lead.consent_phone_source,
            ),
        };
        *flag = Some(c.granted);
        *at = Some(now);
        *src = Some(source.to_owned());
    }
}

/// Whether a form submission already scored for `lead_id` today (UTC): public captures
/// score once per lead per day.
async fn scored_capture_today<C: ConnectionTrait>(
    conn: &C,
    lead_id: i32,
    now: DateTime<Utc>,
) -> MResult<bool> {
    let midnight = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(now, |t| t.and_utc());
    Ok(lead_activity::Entity::find()
        .filter(lead_activity::Column::LeadId.eq(lead_id))
        .filter(lead_activity::Column::Kind.eq(Origin::Capture.activity().0))
        .filter(lead_activity::Column::Points.ne(0))
        .filter(lead_activity::Column::CreatedAt.gte(midnight))
        .count(conn)
        .await?
        > 0)
}

/// Recomputes the score of `lead_id` from its activities, moves the stage forward when a
/// threshold is met (recording a timeline entry and events) and returns the lead.
/// `stage_before` is the stage before this operation (for the stage-changed event).
pub(super) async fn rescore_lead(
    txn: &DatabaseTransaction,
    lead_id: i32,
    stage_before: Option<Stage>,
    requestor: &Option<String>,
) -> MResult<lead::Model> {
    #[derive(FromQueryResult)]
    struct Sum {
        total: Option<i64>,
    }
    let total = lead_activity::Entity::find()
        .select_only()
        .column_as(lead_activity::Column::Points.sum(), "total")
        .filter(lead_activity::Column::LeadId.eq(lead_id))
        .into_model::<Sum>()
        .one(txn)
        .await?
        .and_then(|s| s.total)
        .unwrap_or(0);
    let score = i32::try_from(total.max(0)).unwrap_or(i32::MAX);
    let found = lead::Entity::find_by_id(lead_id)
        .one(txn)
        .await?
        .ok_or_else(|| MarketingError::not_found("id", "Lead"))?;
    let thresholds = scoring::load_thresholds(txn).await?;
    let mut row: lead::ActiveModel = found.clone().into();
    row.score = Set(score);
    let auto = next_auto_stage(&found.stage, score, thresholds);
    if let Some((from, to)) = auto {
        row.stage = Set(to.code().to_owned());
        insert_activity(
            txn,
            lead_id,
            "stage_changed",
            0,
            "system",
            None,
            Some(&format!(
                "Score {score} reached the {} threshold.",
                to.code()
            )),
            (None, None),
            false,
            json!({"from": from.code(), "to": to.code()}),
            Utc::now(),
        )
        .await?;
    }
    let lead = row.update(txn).await?;
    let stage_now = Stage::parse(&lead.stage);
    if let (Some(before), Some(now)) = (stage_before, stage_now)
        && before != now
    {
        MarketingService::push_stage_events(txn, lead_id, before, now, requestor.clone()).await?;
    } else if let (None, Some((from, to))) = (stage_before, auto) {
        MarketingService::push_stage_events(txn, lead_id, from, to, requestor.clone()).await?;
    }
    Ok(lead)
}

/// The campaign and variant an interaction is attributed to: `campaign_id` if it exists,
/// else the campaign whose UTM key equals `utm_campaign` (case-insensitive); the variant
/// only when it belongs to that campaign. Unknown references are dropped.
pub(super) async fn resolve_campaign<C: ConnectionTrait>(
    conn: &C,
    campaign_id: Option<i32>,
    variant_id: Option<i32>,
    utm_campaign: Option<&str>,
) -> MResult<(Option<i32>, Option<i32>)> {
    let campaign = match (campaign_id, utm_campaign) {
        (Some(id), _) => campaign::Entity::find_by_id(id).one(conn).await?,
        (None, Some(key)) => {
            campaign::Entity::find()
                .filter(campaign::Column::UtmCampaign.eq(key.to_lowercase()))
                .one(conn)
                .await?
        }
        (None, None) => None,
    };
    let Some(campaign) = campaign else {
        return Ok((None, None));
    };
    let variant = match variant_id {
        Some(v) => campaign_variant::Entity::find_by_id(v)
            .one(conn)
            .await?
            .filter(|v| v.campaign_id == campaign.id)
            .map(|v| v.id),
        None => None,
    };
    Ok((Some(campaign.id), variant))
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn insert_activity<C: ConnectionTrait>(
    conn: &C,
    lead_id: i32,
    kind: &str,
    points: i32,
    source: &str,
    url: Option<&str>,
    message: Option<&str>,
    (campaign_id, variant_id): (Option<i32>, Option<i32>),
    is_new_lead: bool,
    data: Json,
    at: DateTime<Utc>,
) -> MResult<lead_activity::Model> {
    Ok(lead_activity::ActiveModel {
        lead_id: Set(lead_id),
        kind: Set(kind.to_owned()),
        points: Set(points),
        source: Set(source.to_owned()),
        url: Set(url.map(str::to_owned)),
        message: Set(message.map(str::to_owned)),
        campaign_id: Set(campaign_id),
        campaign_variant_id: Set(variant_id),
        is_new_lead: Set(is_new_lead),
        data: Set(data),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}
