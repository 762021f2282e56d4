//! GraphQL: `Lead`, its timeline, scoring rules, and the lead queries and mutations.

use async_graphql::{
    Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject, Upload,
};
use chrono::{DateTime, Utc};
use entities::{lead, lead_activity, lead_scoring_rule};

use super::{
    LeadConsentChannelEnum, LeadError, LeadStageEnum,
    campaigns::{CampaignNode, CampaignVariantNode},
    field_errors,
    loaders::{CampaignId, MarketingLoaders, VariantId},
    query_error,
};
use crate::core::{
    connection::OrderDirection,
    connection::{self, Countable, PageArgs, TotalCount},
    context::RequestCtx,
    error::{ErrorCode, error},
    id,
    permissions::Permission,
    scalars::{DateTimeRangeInput, IntRangeInput},
};
use crate::countable_names;
use crate::marketing::{
    MarketingService,
    filter::LeadFilter,
    leads::{
        CaptureInput, Consent, LeadSort, LeadUpdateInput as LeadChanges, Origin, TrackInput, Utm,
        lead_key,
    },
    scoring::{RuleInput, Thresholds},
    types::{ConsentChannel, Stage},
};
use crate::state::AppState;

countable_names!(LeadNames, "Lead");
countable_names!(LeadActivityNames, "LeadActivity");

/// UTM parameters of a visit.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "UtmParameters")]
pub struct UtmParameters {
    /// `utm_source`.
    pub source: Option<String>,
    /// `utm_medium`.
    pub medium: Option<String>,
    /// `utm_campaign`.
    pub campaign: Option<String>,
    /// `utm_term`.
    pub term: Option<String>,
    /// `utm_content`.
    pub content: Option<String>,
}

/// A lead's consent on one channel.
#[derive(SimpleObject, Clone, Debug)]
pub struct LeadConsent {
    /// The channel.
    pub channel: LeadConsentChannelEnum,
    /// Whether consent is granted (`false`: withdrawn).
    pub granted: bool,
    /// When consent was given or withdrawn.
    pub updated_at: Option<DateTime<Utc>>,
    /// Where it was given (form, landing page URL, `import`, `staff`).
    pub source: Option<String>,
}

/// A person captured from a landing page, an import or the API, with attribution,
/// lifecycle stage, score, consents and timeline.
#[derive(Clone)]
pub struct LeadNode {
    pub model: lead::Model,
}

impl From<lead::Model> for LeadNode {
    fn from(model: lead::Model) -> Self {
        Self { model }
    }
}

pub(super) fn utm(
    source: &Option<String>,
    medium: &Option<String>,
    campaign: &Option<String>,
    term: &Option<String>,
    content: &Option<String>,
) -> Option<UtmParameters> {
    if source.is_none()
        && medium.is_none()
        && campaign.is_none()
        && term.is_none()
        && content.is_none()
    {
        return None;
    }
    Some(UtmParameters {
        source: source.clone(),
        medium: medium.clone(),
        campaign: campaign.clone(),
        term: term.clone(),
        content: content.clone(),
    })
}

#[Object(name = "Lead")]
impl LeadNode {
    /// The ID of the lead.
    async fn id(&self) -> ID {
        id::encode("Lead", self.model.id)
    }
    /// Normalized email (trimmed, lowercase).
    async fn email(&self) -> Option<&str> {
        self.model.email.as_deref()
    }
    async fn first_name(&self) -> Option<&str> {
        self.model.first_name.as_deref()
    }
    async fn last_name(&self) -> Option<&str> {
        self.model.last_name.as_deref()
    }
    async fn phone(&self) -> Option<&str> {
        self.model.phone.as_deref()
    }
    async fn company(&self) -> Option<&str> {
        self.model.company.as_deref()
    }
    /// Where the lead first came from.
    async fn source(&self) -> Option<&str> {
        self.model.source.as_deref()
    }
    /// Landing page of the latest capture.
    async fn landing_page(&self) -> Option<&str> {
        self.model.landing_page.as_deref()
    }
    /// Referrer of the latest capture.
    async fn referrer(&self) -> Option<&str> {
        self.model.referrer.as_deref()
    }
    /// UTM parameters of the first touch.
    async fn first_touch(&self) -> Option<UtmParameters> {
        let m = &self.model;
        utm(
            &m.first_utm_source,
            &m.first_utm_medium,
            &m.first_utm_campaign,
            &m.first_utm_term,
            &m.first_utm_content,
        )
    }
    /// UTM parameters of the last touch.
    async fn last_touch(&self) -> Option<UtmParameters> {
        let m = &self.model;
        utm(
            &m.last_utm_source,
            &m.last_utm_medium,
            &m.last_utm_campaign,
            &m.last_utm_term,
            &m.last_utm_content,
        )
    }
    /// Lifecycle stage.
    async fn stage(&self) -> LeadStageEnum {
        Stage::parse(&self.model.stage)
            .unwrap_or(Stage::Lead)
            .into()
    }
    /// Score: the sum of the points its activities earned.
    async fn score(&self) -> i32 {
        self.model.score
    }
    /// Consents per channel (channels never answered are absent).
    async fn consents(&self) -> Vec<LeadConsent> {
        let m = &self.model;
        [
            (
                ConsentChannel::Email,
                m.consent_email,
                m.consent_email_at,
                &m.consent_email_source,
            ),
            (
                ConsentChannel::Sms,
                m.consent_sms,
                m.consent_sms_at,
                &m.consent_sms_source,
            ),
            (
                ConsentChannel::Phone,
                m.consent_phone,
                m.consent_phone_at,
                &m.consent_phone_source,
            ),
        ]
        .into_iter()
        .filter_map(|(channel, granted, at, source)| {
            granted.map(|granted| LeadConsent {
                channel: channel.into(),
                granted,
                updated_at: at,
                source: source.clone(),
            })
        })
        .collect()
    }
    /// Campaign of the last touch.
    async fn campaign(&self, ctx: &Context<'_>) -> Result<Option<CampaignNode>> {
        load_campaign(ctx, self.model.campaign_id).await
    }
    /// Campaign of the first touch.
    async fn first_campaign(&self, ctx: &Context<'_>) -> Result<Option<CampaignNode>> {
        load_campaign(ctx, self.model.first_campaign_id).await
    }
    /// Campaign variant of the last touch.
    async fn campaign_variant(&self, ctx: &Context<'_>) -> Result<Option<CampaignVariantNode>> {
        let Some(vid) = self.model.campaign_variant_id else {
            return Ok(None);
        };
        let req = ctx.data::<RequestCtx>()?;
        let loader = ctx.data::<MarketingLoaders>()?;
        let found = loader
            .load_one(VariantId(vid))
            .await
            .map_err(|e| req.internal(e))?;
        Ok(found.map(CampaignVariantNode::from))
    }
    /// Global ID of the customer account this lead became.
    async fn customer_id(&self) -> Option<ID> {
        self.model.customer_user_id.map(|u| id::encode("User", u))
    }
    async fn created(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }
    async fn last_activity_at(&self) -> DateTime<Utc> {
        self.model.last_activity_at
    }
    /// The lead's timeline, newest first.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    async fn activities(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        last: Option<i32>,
        after: Option<String>,
        before: Option<String>,
    ) -> Result<Countable<LeadActivityNode, LeadActivityNames>> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        let page = connection::Page::parse(
            &PageArgs {
                first,
                last,
                after,
                before,
            },
            "activities",
        )?;
        let rows = state
            .marketing
            .activities_page(self.model.id, &page)
            .await
            .map_err(|e| query_error(req, e))?;
        let db = state.marketing.db().clone();
        let lead_id = self.model.id;
        let total = TotalCount::lazy(move || {
            let db = db.clone();
            async move { MarketingService::count_activities(&db, lead_id).await }
        });
        Ok(connection::build(
            rows.map(LeadActivityNode::from),
            total,
            |a| vec![connection::KeyPart::Int(a.0.id)],
        ))
    }
}

/// A campaign referenced from a lead, an activity or statistics; visible to callers with
/// `MANAGE_LEADS` or `MANAGE_CAMPAIGNS` (not to tracking-key callers).
pub(crate) async fn load_campaign(
    ctx: &Context<'_>,
    campaign_id: Option<i32>,
) -> Result<Option<CampaignNode>> {
    let Some(cid) = campaign_id else {
        return Ok(None);
    };
    let req = ctx.data::<RequestCtx>()?;
    req.require_any(&[Permission::ManageLeads, Permission::ManageCampaigns])?;
    let loader = ctx.data::<MarketingLoaders>()?;
    let found = loader
        .load_one(CampaignId(cid))
        .await
        .map_err(|e| req.internal(e))?;
    Ok(found.map(CampaignNode::from))
}

/// An entry of a lead's timeline.
#[derive(Clone)]
pub struct LeadActivityNode(pub lead_activity::Model);

impl From<lead_activity::Model> for LeadActivityNode {
    fn from(m: lead_activity::Model) -> Self {
        Self(m)
    }
}

/// An entry of a lead's timeline: a capture, a tracked activity or a stage change.
#[Object(name = "LeadActivity")]
impl LeadActivityNode {
    async fn id(&self) -> ID {
        id::encode("LeadActivity", self.0.id)
    }
    /// Activity type, e.g. `form_submitted`, `page_view`, `email_opened`, `stage_changed`.
    async fn r#type(&self) -> &str {
        &self.0.kind
    }
    /// Score points this activity earned.
    async fn points(&self) -> i32 {
        self.0.points
    }
    /// Who recorded it: `capture`, `tracking`, `staff`, `app`, `import`, `system`.
    async fn source(&self) -> &str {
        &self.0.source
    }
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// Free text (e.g. the reason of a stage change).
    async fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }
    /// For stage changes: the previous stage.
    #[graphql(name = "fromStage")]
    async fn stage_before(&self) -> Option<LeadStageEnum> {
        self.0
            .data
            .get("from")
            .and_then(|v| v.as_str())
            .and_then(Stage::parse)
            .map(Into::into)
    }
    /// For stage changes: the new stage.
    #[graphql(name = "toStage")]
    async fn stage_after(&self) -> Option<LeadStageEnum> {
        self.0
            .data
            .get("to")
            .and_then(|v| v.as_str())
            .and_then(Stage::parse)
            .map(Into::into)
    }
    /// Campaign the activity is attributed to.
    async fn campaign(&self, ctx: &Context<'_>) -> Result<Option<CampaignNode>> {
        load_campaign(ctx, self.0.campaign_id).await
    }
    async fn date(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A scoring rule: an activity type (optionally on URLs containing a text) earns points.
#[derive(Clone)]
pub struct LeadScoringRuleNode(pub lead_scoring_rule::Model);

#[Object(name = "LeadScoringRule")]
impl LeadScoringRuleNode {
    async fn id(&self) -> ID {
        id::encode("LeadScoringRule", self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Activity type the rule applies to.
    async fn event(&self) -> &str {
        &self.0.event
    }
    /// Only activities whose URL contains this text match (case-insensitive).
    async fn url_contains(&self) -> Option<&str> {
        self.0.url_contains.as_deref()
    }
    /// Points added (or subtracted, when negative).
    async fn points(&self) -> i32 {
        self.0.points
    }
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
}

/// Score thresholds moving leads forward automatically.
#[derive(SimpleObject, Clone, Copy)]
pub struct LeadScoringSettings {
    /// Score at which a lead becomes marketing-qualified.
    pub mql_threshold: i32,
    /// Score at which a lead becomes sales-qualified.
    pub sql_threshold: i32,
}

impl From<Thresholds> for LeadScoringSettings {
    fn from(t: Thresholds) -> Self {
        Self {
            mql_threshold: t.mql,
            sql_threshold: t.sql,
        }
    }
}

// ---------------------------------------------------------------- inputs

/// UTM parameters of a visit.
#[derive(InputObject, Clone, Debug, Default)]
pub struct UtmInput {
    pub source: Option<String>,
    pub medium: Option<String>,
    pub campaign: Option<String>,
    pub term: Option<String>,
    pub content: Option<String>,
}

impl From<UtmInput> for Utm {
    fn from(u: UtmInput) -> Self {
        Utm {
            source: u.source,
            medium: u.medium,
            campaign: u.campaign,
            term: u.term,
            content: u.content,
        }
    }
}

/// A consent given or withdrawn.
#[derive(InputObject, Clone, Debug)]
pub struct LeadConsentInput {
    pub channel: LeadConsentChannelEnum,
    pub granted: bool,
}

impl From<LeadConsentInput> for Consent {
    fn from(c: LeadConsentInput) -> Self {
        Consent {
            channel: c.channel.into(),
            granted: c.granted,
        }
    }
}

/// Fields of a lead capture.
#[derive(InputObject, Clone, Debug)]
pub struct LeadCaptureInput {
    /// Email; deduplicated after trimming and lowercasing (plus-addresses stay distinct).
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    /// Where the lead came from (e.g. `landing-page`, `webinar`); the first one is kept.
    pub source: Option<String>,
    /// URL of the page the form is on.
    pub landing_page: Option<String>,
    pub referrer: Option<String>,
    pub utm: Option<UtmInput>,
    pub consents: Option<Vec<LeadConsentInput>>,
    /// Where consent was given; defaults to the landing page.
    pub consent_source: Option<String>,
    /// Campaign to attribute the lead to; defaults to the campaign whose UTM key equals
    /// `utm.campaign`. Unknown campaigns are ignored.
    pub campaign: Option<ID>,
    /// Variant shown to the visitor (from `campaignVariantAssign`).
    pub campaign_variant: Option<ID>,
}

/// Optional global ID → primary key; a malformed ID is an error, as Saleor.
pub(super) fn opt_pk(value: Option<&ID>, type_name: &str) -> Result<Option<i32>> {
    value.map(|v| id::decode::<i32>(v, type_name)).transpose()
}

impl LeadCaptureInput {
    fn into_domain(self) -> Result<CaptureInput> {
        Ok(CaptureInput {
            campaign_id: opt_pk(self.campaign.as_ref(), "Campaign")?,
            variant_id: opt_pk(self.campaign_variant.as_ref(), "CampaignVariant")?,
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
            phone: self.phone,
            company: self.company,
            source: self.source,
            landing_page: self.landing_page,
            referrer: self.referrer,
            utm: self.utm.map(Into::into).unwrap_or_default(),
            consents: self
                .consents
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            consent_source: self.consent_source,
            stage: None,
        })
    }
}

/// Filter of `leads` and of a segment's saved filter.
#[derive(InputObject, Clone, Debug, Default)]
pub struct LeadFilterInput {
    pub stages: Option<Vec<LeadStageEnum>>,
    pub score: Option<IntRangeInput>,
    pub sources: Option<Vec<String>>,
    /// Last-touch campaigns.
    pub campaigns: Option<Vec<ID>>,
    /// Members of a segment (not allowed in a segment's own filter).
    pub segment: Option<ID>,
    /// Channels the lead granted consent on (all of them).
    pub consents: Option<Vec<LeadConsentChannelEnum>>,
    pub created_at: Option<DateTimeRangeInput>,
    pub last_activity_at: Option<DateTimeRangeInput>,
    /// Linked to a customer account or not.
    pub is_customer: Option<bool>,
    /// Text in email, names or company (case-insensitive).
    pub search: Option<String>,
}

impl LeadFilterInput {
    pub(crate) fn into_domain(self) -> Result<LeadFilter> {
        Ok(LeadFilter {
            stages: self.stages.map(|s| s.into_iter().map(Into::into).collect()),
            score_gte: self.score.and_then(|r| r.gte),
            score_lte: self.score.and_then(|r| r.lte),
            sources: self.sources,
            campaign_ids: self
                .campaigns
                .map(|c| {
                    c.iter()
                        .map(|id| id::decode::<i32>(id, "Campaign"))
                        .collect::<Result<Vec<_>>>()
                })
                .transpose()?,
            segment_id: opt_pk(self.segment.as_ref(), "MarketingSegment")?,
            consents: self
                .consents
                .map(|c| c.into_iter().map(Into::into).collect()),
            created_gte: self.created_at.and_then(|r| r.gte),
            created_lte: self.created_at.and_then(|r| r.lte),
            last_activity_gte: self.last_activity_at.and_then(|r| r.gte),
            last_activity_lte: self.last_activity_at.and_then(|r| r.lte),
            is_customer: self.is_customer,
            search: self.search,
        })
    }
}

/// Sort fields of `leads`.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum LeadSortField {
    /// Sort by creation time.
    CreatedAt,
    /// Sort by score.
    Score,
    /// Sort by the latest activity.
    LastActivityAt,
    /// Sort by email.
    Email,
}

/// Sorting of `leads`.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct LeadSortingInput {
    /// Specifies the direction in which to sort leads.
    pub direction: OrderDirection,
    /// Sort leads by the selected field.
    pub field: LeadSortField,
}

/// Staff edit of a lead. Omitted fields are unchanged; `null` clears a field.
#[derive(InputObject, Clone, Debug, Default)]
pub struct LeadUpdateInput {
    pub email: Option<String>,
    pub first_name: MaybeUndefined<String>,
    pub last_name: MaybeUndefined<String>,
    pub phone: MaybeUndefined<String>,
    pub company: MaybeUndefined<String>,
    pub source: MaybeUndefined<String>,
    pub consents: Option<Vec<LeadConsentInput>>,
    pub consent_source: Option<String>,
}

fn maybe(v: MaybeUndefined<String>) -> Option<Option<String>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

/// An external activity to record.
#[derive(InputObject, Clone, Debug)]
pub struct LeadActivityTrackInput {
    /// The lead, by ID…
    pub lead: Option<ID>,
    /// …or by email.
    pub email: Option<String>,
    /// Activity type, e.g. `page_view`, `email_opened`, `email_clicked`.
    pub r#type: String,
    pub url: Option<String>,
    pub message: Option<String>,
    pub campaign: Option<ID>,
    pub campaign_variant: Option<ID>,
    /// When it happened (default: now; future times are clamped to now).
    pub occurred_at: Option<DateTime<Utc>>,
}

/// Fields of a scoring rule.
#[derive(InputObject, Clone, Debug, Default)]
pub struct LeadScoringRuleInput {
    pub name: Option<String>,
    /// Activity type the rule applies to.
    pub event: Option<String>,
    /// Only activities whose URL contains this text; `null` removes the condition.
    pub url_contains: MaybeUndefined<String>,
    /// Points added (negative: subtracted), -10000..10000.
    pub points: Option<i32>,
    pub is_active: Option<bool>,
}

impl From<LeadScoringRuleInput> for RuleInput {
    fn from(i: LeadScoringRuleInput) -> Self {
        RuleInput {
            name: i.name,
            event: i.event,
            url_contains: maybe(i.url_contains),
            points: i.points,
            is_active: i.is_active,
        }
    }
}

/// New score thresholds.
#[derive(InputObject, Clone, Debug, Default)]
pub struct LeadScoringSettingsInput {
    pub mql_threshold: Option<i32>,
    pub sql_threshold: Option<i32>,
}

// ---------------------------------------------------------------- payloads

/// Result of `leadCapture`.
#[derive(SimpleObject, Default)]
pub struct LeadCapture {
    /// The captured lead; only returned to callers with `MANAGE_LEADS`.
    pub lead: Option<LeadNode>,
    pub errors: Vec<LeadError>,
}

macro_rules! lead_payload {
    ($name:ident, $field:ident: $ty:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(SimpleObject, Default)]
        pub struct $name {
            pub $field: Option<$ty>,
            pub errors: Vec<LeadError>,
        }
    };
}

lead_payload!(LeadUpdate, lead: LeadNode, "Result of `leadUpdate`.");
lead_payload!(LeadDelete, lead: LeadNode, "Result of `leadDelete`: the lead after erasure.");
lead_payload!(LeadStageUpdate, lead: LeadNode, "Result of `leadStageUpdate`.");
lead_payload!(LeadScoringRuleCreate, lead_scoring_rule: LeadScoringRuleNode, "Result of `leadScoringRuleCreate`.");
lead_payload!(LeadScoringRuleUpdate, lead_scoring_rule: LeadScoringRuleNode, "Result of `leadScoringRuleUpdate`.");
lead_payload!(LeadScoringRuleDelete, lead_scoring_rule: LeadScoringRuleNode, "Result of `leadScoringRuleDelete`.");
lead_payload!(LeadScoringSettingsUpdate, lead_scoring_settings: LeadScoringSettings, "Result of `leadScoringSettingsUpdate`.");

/// Result of `leadActivityTrack`.
#[derive(SimpleObject, Default)]
pub struct LeadActivityTrack {
    /// The recorded activity.
    pub activity: Option<LeadActivityNode>,
    /// The lead after rescoring; only returned to callers with `MANAGE_LEADS`.
    pub lead: Option<LeadNode>,
    pub errors: Vec<LeadError>,
}

/// A rejected row of a CSV import.
#[derive(SimpleObject, Clone, Debug)]
pub struct LeadImportRowError {
    /// Line number in the file (the header is line 1).
    pub row: i32,
    pub field: Option<String>,
    pub message: String,
    pub code: super::LeadErrorCode,
}

/// Result of `leadBulkImport`.
#[derive(SimpleObject, Default)]
pub struct LeadBulkImport {
    /// Leads created.
    pub created_count: i32,
    /// Existing leads merged with a row.
    pub updated_count: i32,
    /// The invalid rows, with the reason; when there are any, nothing was imported.
    pub row_errors: Vec<LeadImportRowError>,
    pub errors: Vec<LeadError>,
}

/// Result of `leadExport`.
#[derive(SimpleObject, Default)]
pub struct LeadExport {
    /// CSV text with a header row.
    pub csv: Option<String>,
    /// Number of leads exported (at most 10,000).
    pub count: i32,
    pub errors: Vec<LeadError>,
}

fn can_see_leads(req: &RequestCtx) -> bool {
    req.has_perm(Permission::ManageLeads)
}

/// Constant-time comparison of a presented tracking key with the configured one.
fn key_matches(presented: &str, configured: &str) -> bool {
    use sha2::{Digest, Sha256};
    let (a, b) = (
        Sha256::digest(presented.as_bytes()),
        Sha256::digest(configured.as_bytes()),
    );
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

// ---------------------------------------------------------------- resolvers

/// Lead queries.
#[derive(Default)]
pub struct LeadQuery;

#[Object]
impl LeadQuery {
    /// List of leads. Requires `MANAGE_LEADS`.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn leads(
        &self,
        ctx: &Context<'_>,
        filter: Option<LeadFilterInput>,
        #[graphql(desc = "Text in email, names or company.")] search: Option<String>,
        sort_by: Option<LeadSortingInput>,
        first: Option<i32>,
        last: Option<i32>,
        after: Option<String>,
        before: Option<String>,
    ) -> Result<Countable<LeadNode, LeadNames>> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageLeads])?;
        let page = connection::Page::parse(
            &PageArgs {
                first,
                last,
                after,
                before,
            },
            "leads",
        )?;
        let mut filter = filter.unwrap_or_default().into_domain()?;
        if search.is_some() {
            filter.search = search;
        }
        let (sort, descending) = match sort_by {
            Some(s) => (
                match s.field {
                    LeadSortField::CreatedAt => LeadSort::CreatedAt,
                    LeadSortField::Score => LeadSort::Score,
                    LeadSortField::LastActivityAt => LeadSort::LastActivityAt,
                    LeadSortField::Email => LeadSort::Email,
                },
                s.direction == OrderDirection::Desc,
            ),
            None => (LeadSort::CreatedAt, true),
        };
        let rows = state
            .marketing
            .leads_page(&filter, sort, descending, &page)
            .await
            .map_err(|e| query_error(req, e))?;
        let (_, cond) = state
            .marketing
            .lead_select(&filter)
            .await
            .map_err(|e| query_error(req, e))?;
        let db = state.marketing.db().clone();
        let total = TotalCount::lazy(move || {
            let (db, cond) = (db.clone(), cond.clone());
            async move { MarketingService::count_leads(&db, cond).await }
        });
        Ok(connection::build(
            rows.map(LeadNode::from),
            total,
            move |n| lead_key(sort, &n.model),
        ))
    }

    /// Look up a lead by ID. Requires `MANAGE_LEADS`.
    async fn lead(&self, ctx: &Context<'_>, id: ID) -> Result<Option<LeadNode>> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageLeads])?;
        let pk = id::decode::<i32>(&id, "Lead")?;
        Ok(state
            .marketing
            .lead(pk)
            .await
            .map_err(|e| query_error(req, e))?
            .map(LeadNode::from))
    }

    /// Scoring rules. Requires `MANAGE_LEADS`.
    async fn lead_scoring_rules(&self, ctx: &Context<'_>) -> Result<Vec<LeadScoringRuleNode>> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageLeads])?;
        let rules = state
            .marketing
            .scoring_rules()
            .await
            .map_err(|e| query_error(req, e))?;
        Ok(rules.into_iter().map(LeadScoringRuleNode).collect())
    }

    /// Score thresholds. Requires `MANAGE_LEADS`.
    async fn lead_scoring_settings(&self, ctx: &Context<'_>) -> Result<LeadScoringSettings> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageLeads])?;
        let t = state
            .marketing
            .thresholds(state.marketing.db())
            .await
            .map_err(|e| query_error(req, e))?;
        Ok(t.into())
    }
}

/// Lead mutations.
#[derive(Default)]
pub struct LeadMutation;

#[Object]
impl LeadMutation {
    /// Captures a lead from a landing page. Public and idempotent: a capture with the email
    /// of an existing lead (after trimming and lowercasing) merges into it. Without
    /// `MANAGE_LEADS`, a capture for an existing lead records the visit (activity,
    /// attribution) but never changes its name, phone, company or consents, and scores at
    /// most once per lead per UTC day.
    async fn lead_capture(
        &self,
        ctx: &Context<'_>,
        input: LeadCaptureInput,
    ) -> Result<LeadCapture> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        // Staff and apps (imports, backfills) are not limited; anonymous pages are, per IP.
        if !can_see_leads(req) {
            let ip = ctx
                .data_opt::<crate::core::context::ClientInfo>()
                .and_then(|c| c.ip.as_deref());
            let action = crate::account::ratelimit::Action::LeadCapture;
            if !state.lead_capture_limiter.allow(action, ip, None).await {
                return Ok(LeadCapture {
                    lead: None,
                    errors: vec![LeadError {
                        field: None,
                        message: Some(
                            "Too many captures from this address; try again in a minute.".into(),
                        ),
                        code: super::LeadErrorCode::RateLimited,
                    }],
                });
            }
        }
        let input = input.into_domain()?;
        match state
            .marketing
            .capture(
                input,
                if can_see_leads(req) {
                    Origin::Capture
                } else {
                    Origin::PublicCapture
                },
                req.requestor_id(),
            )
            .await
        {
            Ok(c) => Ok(LeadCapture {
                lead: can_see_leads(req).then(|| c.lead.into()),
                errors: vec![],
            }),
            Err(e) => Ok(LeadCapture {
                lead: None,
                errors: field_errors(req, e)?,
            }),
        }
    }

    /// Updates a lead's profile and consents. Requires `MANAGE_LEADS`.
    async fn lead_update(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: LeadUpdateInput,
    ) -> Result<LeadUpdate> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageLeads])?;
        let pk = id::decode::<i32>(&id, "Lead")?;
        let input = LeadChanges {
            email: input.email,
            first_name: maybe(input.first_name),
            last_name: maybe(input.last_name),
            phone: maybe(input.phone),
            company: maybe(input.company),
            source: maybe(input.source),
            consents: input
                .consents
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            consent_source: input.consent_source,
        };
        Ok(
            match state
                .marketing
                .update_lead(pk, input, req.requestor_id())
                .await
            {
                Ok(l) => LeadUpdate {
                    lead: Some(l.into()),
                    errors: vec![],
                },
                Err(e) => LeadUpdate {
                    lead: None,
                    errors: field_errors(req, e)?,
                },
            },
        )
    }

    /// Erases a lead's personal data (GDPR). The anonymous row stays so aggregate
    /// statistics are unchanged; the lead disappears from `leads` and `lead`.
    /// Requires `MANAGE_LEADS`.
    async fn lead_delete(&self, ctx: &Context<'_>, id: ID) -> Result<LeadDelete> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageLeads])?;
        let pk = id::decode::<i32>(&id, "Lead")?;
        Ok(match state.marketing.erase(pk, req.requestor_id()).await {
            Ok(l) => LeadDelete {
                lead: Some(l.into()),
                errors: vec![],
            },
            Err(e) => LeadDelete {
                lead: None,
                errors: field_errors(req, e)?,
            },
        })
    }

    /// Sets a lead's stage (any direction) with a reason recorded on its timeline.
    /// Requires `MANAGE_LEADS`.
    async fn lead_stage_update(
        &self,
        ctx: &Context<'_>,
        id: ID,
        stage: LeadStageEnum,
        reason: String,
    ) -> Result<LeadStageUpdate> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageLeads])?;
        let pk = id::decode::<i32>(&id, "Lead")?;
        Ok(
            match state
                .marketing
                .set_stage(pk, stage.into(), &reason, req.requestor_id())
                .await
            {
                Ok(l) => LeadStageUpdate {
                    lead: Some(l.into()),
                    errors: vec![],
                },
                Err(e) => LeadStageUpdate {
                    lead: None,
                    errors: field_errors(req, e)?,
                },
            },
        )
    }

    /// Records an external activity (page view, email open/click, …) on a lead's timeline
    /// and rescores it. Callers: staff users or apps with `MANAGE_LEADS`, or a server with
    /// the tracking key (`BIZGRAPH_MARKETING_TRACKING_KEY`) passed as `trackingKey`.
    async fn lead_activity_track(
        &self,
        ctx: &Context<'_>,
        input: LeadActivityTrackInput,
        #[graphql(desc = "The server-side tracking key, for callers without a token.")]
        tracking_key: Option<String>,
    ) -> Result<LeadActivityTrack> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        let by_key = match (&tracking_key, &state.config.marketing_tracking_key) {
            (Some(presented), Some(configured)) if !configured.is_empty() => {
                key_matches(presented, configured)
            }
            _ => false,
        };
        if !by_key {
            if tracking_key.is_some() && !can_see_leads(req) {
                return Err(error(
                    ErrorCode::PermissionDenied,
                    "The tracking key is invalid.",
                ));
            }
            req.require_any(&[Permission::ManageLeads])?;
        }
        let source = if by_key {
            "tracking"
        } else if req.app().is_some() {
            "app"
        } else {
            "staff"
        };
        let track = TrackInput {
            lead_id: opt_pk(input.lead.as_ref(), "Lead")?,
            email: input.email,
            kind: input.r#type,
            url: input.url,
            message: input.message,
            campaign_id: opt_pk(input.campaign.as_ref(), "Campaign")?,
            variant_id: opt_pk(input.campaign_variant.as_ref(), "CampaignVariant")?,
            occurred_at: input.occurred_at,
        };
        Ok(
            match state
                .marketing
                .track(track, source, req.requestor_id())
                .await
            {
                Ok((lead, activity)) => LeadActivityTrack {
                    activity: Some(activity.into()),
                    lead: can_see_leads(req).then(|| lead.into()),
                    errors: vec![],
                },
                Err(e) => LeadActivityTrack {
                    errors: field_errors(req, e)?,
                    ..Default::default()
                },
            },
        )
    }

    /// Creates a scoring rule. Requires `MANAGE_LEADS`.
    async fn lead_scoring_rule_create(
        &self,
        ctx: &Context<'_>,
        input: LeadScoringRuleInput,
    ) -> Result<LeadScoringRuleCreate> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageLeads])?;
        Ok(match state.marketing.create_rule(input.into()).await {
            Ok(r) => LeadScoringRuleCreate {
                lead_scoring_rule: Some(LeadScoringRuleNode(r)),
                errors: vec![],
            },
            Err(e) => LeadScoringRuleCreate {
                lead_scoring_rule: None,
                errors: field_errors(req, e)?,
            },
        })
    }

    /// Updates a scoring rule (applies to future activities). Requires `MANAGE_LEADS`.
    async fn lead_scoring_rule_update(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: LeadScoringRuleInput,
    ) -> Result<LeadScoringRuleUpdate> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageLeads])?;
        let pk = id::decode::<i32>(&id, "LeadScoringRule")?;
        Ok(match state.marketing.update_rule(pk, input.into()).await {
            Ok(r) => LeadScoringRuleUpdate {
                lead_scoring_rule: Some(LeadScoringRuleNode(r)),
                errors: vec![],
            },
            Err(e) => LeadScoringRuleUpdate {
                lead_scoring_rule: None,
                errors: field_errors(req, e)?,
            },
        })
    }

    /// Deletes a scoring rule; points already earned stay. Requires `MANAGE_LEADS`.
    async fn lead_scoring_rule_delete(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<LeadScoringRuleDelete> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageLeads])?;
        let pk = id::decode::<i32>(&id, "LeadScoringRule")?;
        Ok(match state.marketing.delete_rule(pk).await {
            Ok(r) => LeadScoringRuleDelete {
                lead_scoring_rule: Some(LeadScoringRuleNode(r)),
                errors: vec![],
            },
            Err(e) => LeadScoringRuleDelete {
                lead_scoring_rule: None,
                errors: field_errors(req, e)?,
            },
        })
    }

    /// Changes the MQL/SQL score thresholds. Requires `MANAGE_LEADS`.
    async fn lead_scoring_settings_update(
        &self,
        ctx: &Context<'_>,
        input: LeadScoringSettingsInput,
    ) -> Result<LeadScoringSettingsUpdate> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageLeads])?;
        Ok(
            match state
                .marketing
                .update_thresholds(input.mql_threshold, input.sql_threshold)
                .await
            {
                Ok(t) => LeadScoringSettingsUpdate {
                    lead_scoring_settings: Some(t.into()),
                    errors: vec![],
                },
                Err(e) => LeadScoringSettingsUpdate {
                    lead_scoring_settings: None,
                    errors: field_errors(req, e)?,
                },
            },
        )
    }

    /// Imports leads from a CSV file (GraphQL multipart upload) with a header row: `email`
    /// (required), `first_name`, `last_name`, `phone`, `company`, `source`, `stage`,
    /// `utm_source`, `utm_medium`, `utm_campaign`, `utm_term`, `utm_content`,
    /// `consent_email`, `consent_sms`, `consent_phone`. All or nothing: rows are merged
    /// into existing leads by email; if any row is invalid, nothing is imported and every
    /// bad row is reported in `rowErrors` (with an `INVALID` error on `file`). Requires
    /// `MANAGE_LEADS`.
    async fn lead_bulk_import(&self, ctx: &Context<'_>, file: Upload) -> Result<LeadBulkImport> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageLeads])?;
        let mut content = Vec::new();
        let read = file.value(ctx).and_then(|v| {
            use std::io::Read;
            v.into_read().read_to_end(&mut content).map(|_| ())
        });
        let invalid = |message: &str| LeadBulkImport {
            errors: vec![LeadError {
                field: Some("file".into()),
                message: Some(message.into()),
                code: super::LeadErrorCode::Invalid,
            }],
            ..Default::default()
        };
        if read.is_err() {
            return Ok(invalid("The file could not be read."));
        }
        let Ok(text) = String::from_utf8(content) else {
            return Ok(invalid("The file must be UTF-8 text."));
        };
        Ok(
            match state.marketing.import_csv(&text, req.requestor_id()).await {
                Ok(report) => LeadBulkImport {
                    errors: if report.errors.is_empty() {
                        vec![]
                    } else {
                        vec![LeadError {
                            field: Some("file".into()),
                            message: Some(format!(
                                "{} rows are invalid; nothing was imported.",
                                report.errors.len()
                            )),
                            code: super::LeadErrorCode::Invalid,
                        }]
                    },
                    created_count: i32::try_from(report.created).unwrap_or(i32::MAX),
                    updated_count: i32::try_from(report.updated).unwrap_or(i32::MAX),
                    row_errors: report
                        .errors
                        .into_iter()
                        .map(|e| LeadImportRowError {
                            row: i32::try_from(e.row).unwrap_or(i32::MAX),
                            field: e.field,
                            message: e.message,
                            code: e.code.into(),
                        })
                        .collect(),
                },
                Err(e) => LeadBulkImport {
                    errors: field_errors(req, e)?,
                    ..Default::default()
                },
            },
        )
    }

    /// Exports the leads matching `filter` as CSV (at most 10,000). Requires `MANAGE_LEADS`.
    async fn lead_export(
        &self,
        ctx: &Context<'_>,
        filter: Option<LeadFilterInput>,
    ) -> Result<LeadExport> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageLeads])?;
        let filter = filter.unwrap_or_default().into_domain()?;
        Ok(match state.marketing.export_csv(&filter).await {
            Ok((csv, count)) => LeadExport {
                csv: Some(csv),
                count: i32::try_from(count).unwrap_or(i32::MAX),
                errors: vec![],
            },
            Err(e) => LeadExport {
                errors: field_errors(req, e)?,
                ..Default::default()
            },
        })
    }
}
