//! GraphQL: `Campaign`, `CampaignVariant`, metrics and the A/B readout; campaign queries
//! and mutations, including the public `campaignVariantAssign`.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{campaign, campaign_metric_report, campaign_variant};
use rust_decimal::Decimal;
use std::str::FromStr;

use super::{
    CampaignChannelTypeEnum, CampaignError, CampaignStatusEnum, CampaignWinnerCriterionEnum,
    attribution::AttributionTouchEnum, field_errors, query_error, segments::SegmentNode,
};
use crate::catalog::api::common::Money;
use crate::core::{
    connection::{self, Countable, PageArgs, TotalCount},
    context::RequestCtx,
    id,
    permissions::Permission,
    scalars::{Date, DateRangeInput},
};
use crate::countable_names;
use crate::marketing::{
    campaigns::{CampaignFilter, CampaignInput as CampaignFields, MetricReportInput, VariantInput},
    stats::{MetricRow, Readout},
    types::{CampaignStatus, ChannelType, WinnerCriterion},
};
use crate::state::AppState;

countable_names!(CampaignNames, "Campaign");

/// A marketing campaign.
#[derive(Clone)]
pub struct CampaignNode {
    pub model: campaign::Model,
}

impl From<campaign::Model> for CampaignNode {
    fn from(model: campaign::Model) -> Self {
        Self { model }
    }
}

/// An A/B variant of a campaign.
#[derive(Clone)]
pub struct CampaignVariantNode {
    pub model: campaign_variant::Model,
}

impl From<campaign_variant::Model> for CampaignVariantNode {
    fn from(model: campaign_variant::Model) -> Self {
        Self { model }
    }
}

#[Object(name = "CampaignVariant")]
impl CampaignVariantNode {
    async fn id(&self) -> ID {
        id::encode("CampaignVariant", self.model.id)
    }
    async fn name(&self) -> &str {
        &self.model.name
    }
    /// Relative share of visitors assigned to this variant.
    async fn weight(&self) -> i32 {
        self.model.weight
    }
}

/// Metrics of a campaign for one day and variant, or totals.
#[derive(Clone)]
pub struct CampaignMetrics {
    row: MetricRow,
    currency: Option<String>,
    variant: Option<campaign_variant::Model>,
}

#[Object]
impl CampaignMetrics {
    /// The day (UTC); `null` for totals.
    async fn date(&self) -> Option<Date> {
        self.row.day.map(Date)
    }
    /// The variant; `null` for campaign-level numbers.
    async fn variant(&self) -> Option<CampaignVariantNode> {
        self.variant.clone().map(Into::into)
    }
    /// Impressions reported by ad platforms.
    async fn impressions(&self) -> i32 {
        i32::try_from(self.row.impressions).unwrap_or(i32::MAX)
    }
    /// Clicks reported by ad platforms.
    async fn clicks(&self) -> i32 {
        i32::try_from(self.row.clicks).unwrap_or(i32::MAX)
    }
    /// Click-through rate: clicks per impression.
    async fn ctr(&self) -> Option<f64> {
        self.row.ctr()
    }
    /// Spend reported by ad platforms, in the campaign's currency.
    async fn spend(&self) -> Decimal {
        self.row.spend
    }
    /// Currency of `spend` (the campaign's budget currency).
    async fn currency(&self) -> Option<&str> {
        self.currency.as_deref()
    }
    /// New leads attributed to the campaign.
    async fn leads(&self) -> i32 {
        i32::try_from(self.row.leads).unwrap_or(i32::MAX)
    }
    /// New leads per click.
    async fn lead_conversion_rate(&self) -> Option<f64> {
        self.row.lead_rate()
    }
    /// Spend per new lead.
    async fn cost_per_lead(&self) -> Option<Decimal> {
        self.row.cost_per_lead()
    }
    /// Orders attributed to the campaign (on the chosen touch): real conversions.
    async fn conversions(&self) -> i32 {
        i32::try_from(self.row.conversions).unwrap_or(i32::MAX)
    }
    /// Attributed orders that turned their lead into a customer.
    async fn leads_converted(&self) -> i32 {
        i32::try_from(self.row.leads_converted).unwrap_or(i32::MAX)
    }
    /// Revenue of the attributed orders, one entry per currency (never summed across
    /// currencies).
    async fn revenue(&self) -> Vec<Money> {
        self.row
            .revenue
            .iter()
            .map(|(currency, minor)| Money::from_minor(*minor, currency))
            .collect()
    }
    /// Attributed orders per click.
    async fn conversion_rate(&self) -> Option<f64> {
        self.row.conversion_rate()
    }
    /// Spend per attributed order (cost per acquisition).
    async fn cost_per_acquisition(&self) -> Option<Decimal> {
        self.row.cost_per_acquisition()
    }
    /// Return on ad spend: revenue in the spend's currency divided by spend; `null` without
    /// spend or a campaign currency. Revenue in other currencies is not converted.
    async fn roas(&self) -> Option<f64> {
        self.row.roas(self.currency.as_deref())
    }
}

/// One variant's numbers in an A/B readout.
#[derive(SimpleObject, Clone)]
pub struct CampaignVariantResult {
    pub variant: CampaignVariantNode,
    /// Successes on the criterion (clicks, new leads, or attributed orders).
    pub successes: i32,
    /// Trials on the criterion (impressions, or clicks).
    pub trials: i32,
    /// successes / trials.
    pub rate: Option<f64>,
}

/// The A/B readout: the leading variant against the runner-up, with a two-proportion
/// z-test (pooled, two-sided).
#[derive(SimpleObject, Clone)]
pub struct CampaignAbTestReadout {
    pub criterion: CampaignWinnerCriterionEnum,
    pub variants: Vec<CampaignVariantResult>,
    /// Variant with the highest rate.
    pub leader: Option<CampaignVariantNode>,
    /// Variant with the second highest rate.
    pub runner_up: Option<CampaignVariantNode>,
    pub z_score: Option<f64>,
    /// Two-sided p-value of leader vs runner-up.
    pub p_value: Option<f64>,
    /// Whether the difference is significant at 95% (p < 0.05).
    pub is_significant: bool,
    /// The leader, when the difference is significant.
    pub winner: Option<CampaignVariantNode>,
}

fn readout_node(r: Readout, variants: &[campaign_variant::Model]) -> CampaignAbTestReadout {
    let find = |vid: Option<i32>| {
        variants
            .iter()
            .find(|v| Some(v.id) == vid)
            .cloned()
            .map(CampaignVariantNode::from)
    };
    CampaignAbTestReadout {
        criterion: r.criterion.into(),
        variants: r
            .variants
            .iter()
            .filter_map(|(vid, x, n, rate)| {
                find(Some(*vid)).map(|variant| CampaignVariantResult {
                    variant,
                    successes: i32::try_from(*x).unwrap_or(i32::MAX),
                    trials: i32::try_from(*n).unwrap_or(i32::MAX),
                    rate: *rate,
                })
            })
            .collect(),
        leader: find(r.leader),
        runner_up: find(r.runner_up),
        z_score: r.test.map(|t| t.z),
        p_value: r.test.map(|t| t.p_value),
        is_significant: r.test.is_some_and(|t| t.significant()),
        winner: find(r.winner()),
    }
}

#[Object(name = "Campaign")]
impl CampaignNode {
    async fn id(&self) -> ID {
        id::encode("Campaign", self.model.id)
    }
    async fn name(&self) -> &str {
        &self.model.name
    }
    async fn channel_type(&self) -> CampaignChannelTypeEnum {
        ChannelType::parse(&self.model.channel_type)
            .unwrap_or(ChannelType::Other)
            .into()
    }
    async fn status(&self) -> CampaignStatusEnum {
        CampaignStatus::parse(&self.model.status)
            .unwrap_or(CampaignStatus::Draft)
            .into()
    }
    async fn starts_at(&self) -> Option<DateTime<Utc>> {
        self.model.starts_at
    }
    async fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.model.ends_at
    }
    /// Budget amount in `budgetCurrency`.
    async fn budget_amount(&self) -> Option<Decimal> {
        self.model
            .budget_amount
            .as_deref()
            .and_then(|a| Decimal::from_str(a).ok())
    }
    async fn budget_currency(&self) -> Option<&str> {
        self.model.budget_currency.as_deref()
    }
    /// The segment the campaign targets.
    async fn target_segment(&self, ctx: &Context<'_>) -> Result<Option<SegmentNode>> {
        let Some(sid) = self.model.target_segment_id else {
            return Ok(None);
        };
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        Ok(state
            .marketing
            .segment(sid)
            .await
            .map_err(|e| query_error(req, e))?
            .map(SegmentNode::from))
    }
    /// The `utm_campaign` value attributing captures to this campaign (lowercase).
    async fn utm_campaign(&self) -> Option<&str> {
        self.model.utm_campaign.as_deref()
    }
    async fn landing_url(&self) -> Option<&str> {
        self.model.landing_url.as_deref()
    }
    /// Criterion deciding the A/B winner.
    async fn winner_criterion(&self) -> CampaignWinnerCriterionEnum {
        WinnerCriterion::parse(&self.model.winner_criterion)
            .unwrap_or(WinnerCriterion::ClickRate)
            .into()
    }
    /// A/B variants, in bucketing order.
    async fn variants(&self, ctx: &Context<'_>) -> Result<Vec<CampaignVariantNode>> {
        let req = ctx.data::<RequestCtx>()?;
        let loader = ctx.data::<super::loaders::MarketingLoaders>()?;
        let v = loader
            .load_one(super::loaders::VariantsOf(self.model.id))
            .await
            .map_err(|e| req.internal(e))?;
        Ok(v.unwrap_or_default().into_iter().map(Into::into).collect())
    }
    /// Metrics per day and variant (UTC days, bounds included). Requires `MANAGE_CAMPAIGNS`.
    async fn metrics(
        &self,
        ctx: &Context<'_>,
        period: Option<DateRangeInput>,
        #[graphql(default, desc = "Which touch attributes orders (default: last touch).")]
        touch: AttributionTouchEnum,
    ) -> Result<Vec<CampaignMetrics>> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageCampaigns])?;
        let period = period.unwrap_or_default();
        let rows = state
            .marketing
            .campaign_metrics(
                self.model.id,
                period.gte.map(|d| d.0),
                period.lte.map(|d| d.0),
                touch.into(),
            )
            .await
            .map_err(|e| query_error(req, e))?;
        let variants = state
            .marketing
            .variants(self.model.id)
            .await
            .map_err(|e| query_error(req, e))?;
        Ok(rows
            .into_iter()
            .map(|row| CampaignMetrics {
                variant: variants
                    .iter()
                    .find(|v| Some(v.id) == row.variant_id)
                    .cloned(),
                currency: self.model.budget_currency.clone(),
                row,
            })
            .collect())
    }
    /// Totals per variant (every variant, in order). Requires `MANAGE_CAMPAIGNS`.
    async fn variant_metrics(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] touch: AttributionTouchEnum,
    ) -> Result<Vec<CampaignMetrics>> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageCampaigns])?;
        let (per, _, _) = state
            .marketing
            .campaign_variant_totals(self.model.id, touch.into())
            .await
            .map_err(|e| query_error(req, e))?;
        Ok(per
            .into_iter()
            .map(|(v, row)| CampaignMetrics {
                variant: Some(v),
                currency: self.model.budget_currency.clone(),
                row,
            })
            .collect())
    }
    /// Totals of the whole campaign. Requires `MANAGE_CAMPAIGNS`.
    async fn total_metrics(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] touch: AttributionTouchEnum,
    ) -> Result<CampaignMetrics> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageCampaigns])?;
        let (_, _, row) = state
            .marketing
            .campaign_variant_totals(self.model.id, touch.into())
            .await
            .map_err(|e| query_error(req, e))?;
        Ok(CampaignMetrics {
            variant: None,
            currency: self.model.budget_currency.clone(),
            row,
        })
    }
    /// The A/B readout on `criterion` (default: the campaign's winner criterion).
    /// Requires `MANAGE_CAMPAIGNS`.
    async fn ab_test(
        &self,
        ctx: &Context<'_>,
        criterion: Option<CampaignWinnerCriterionEnum>,
        #[graphql(default)] touch: AttributionTouchEnum,
    ) -> Result<CampaignAbTestReadout> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageCampaigns])?;
        let criterion = criterion.map(Into::into).unwrap_or_else(|| {
            WinnerCriterion::parse(&self.model.winner_criterion)
                .unwrap_or(WinnerCriterion::ClickRate)
        });
        let r = state
            .marketing
            .campaign_readout(self.model.id, criterion, touch.into())
            .await
            .map_err(|e| query_error(req, e))?;
        let variants = state
            .marketing
            .variants(self.model.id)
            .await
            .map_err(|e| query_error(req, e))?;
        Ok(readout_node(r, &variants))
    }
    async fn created(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }
}

/// A stored metric report.
#[derive(Clone)]
pub struct CampaignMetricReportNode(campaign_metric_report::Model);

#[Object(name = "CampaignMetricReport")]
impl CampaignMetricReportNode {
    async fn date(&self) -> Date {
        Date(self.0.day)
    }
    /// Reporting platform, e.g. `google_ads`.
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// Global ID of the variant; `null` for campaign-level numbers.
    async fn variant_id(&self) -> Option<ID> {
        (self.0.variant_id != 0).then(|| id::encode("CampaignVariant", self.0.variant_id))
    }
    async fn impressions(&self) -> i32 {
        i32::try_from(self.0.impressions).unwrap_or(i32::MAX)
    }
    async fn clicks(&self) -> i32 {
        i32::try_from(self.0.clicks).unwrap_or(i32::MAX)
    }
    async fn spend(&self) -> Decimal {
        Decimal::from_str(&self.0.spend).unwrap_or_default()
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

// ---------------------------------------------------------------- inputs

/// A variant to create or change.
#[derive(InputObject, Clone, Debug, Default)]
pub struct CampaignVariantInput {
    pub name: Option<String>,
    /// Relative share of visitors (≥ 0; the weights of a campaign must not sum to 0).
    pub weight: Option<i32>,
}

impl From<CampaignVariantInput> for VariantInput {
    fn from(v: CampaignVariantInput) -> Self {
        VariantInput {
            name: v.name,
            weight: v.weight,
        }
    }
}

/// Fields of a campaign. Omitted fields are unchanged; `null` clears optional ones.
#[derive(InputObject, Clone, Debug, Default)]
pub struct CampaignInput {
    pub name: Option<String>,
    pub channel_type: Option<CampaignChannelTypeEnum>,
    pub starts_at: MaybeUndefined<DateTime<Utc>>,
    pub ends_at: MaybeUndefined<DateTime<Utc>>,
    pub budget_amount: MaybeUndefined<Decimal>,
    /// ISO 4217 code; required with a budget.
    pub budget_currency: MaybeUndefined<String>,
    pub target_segment: MaybeUndefined<ID>,
    /// `utm_campaign` value that attributes captures to this campaign (unique, stored lowercase).
    pub utm_campaign: MaybeUndefined<String>,
    pub landing_url: MaybeUndefined<String>,
    pub winner_criterion: Option<CampaignWinnerCriterionEnum>,
    /// Initial A/B variants (`campaignCreate` only; then use `campaignVariantCreate` & co.).
    pub variants: Option<Vec<CampaignVariantInput>>,
}

fn maybe<T, U>(v: MaybeUndefined<T>, f: impl FnOnce(T) -> Result<U>) -> Result<Option<Option<U>>> {
    Ok(match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(f(v)?)),
    })
}

impl CampaignInput {
    fn into_domain(self) -> Result<CampaignFields> {
        Ok(CampaignFields {
            name: self.name,
            channel_type: self.channel_type.map(Into::into),
            starts_at: maybe(self.starts_at, Ok)?,
            ends_at: maybe(self.ends_at, Ok)?,
            budget_amount: maybe(self.budget_amount, |d| Ok(d.to_string()))?,
            budget_currency: maybe(self.budget_currency, Ok)?,
            target_segment_id: maybe(self.target_segment, |id| {
                id::decode::<i32>(&id, "MarketingSegment")
            })?,
            utm_campaign: maybe(self.utm_campaign, Ok)?,
            landing_url: maybe(self.landing_url, Ok)?,
            winner_criterion: self.winner_criterion.map(Into::into),
            variants: self
                .variants
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
        })
    }
}

/// Filter of `campaigns`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct CampaignFilterInput {
    pub statuses: Option<Vec<CampaignStatusEnum>>,
    pub channel_types: Option<Vec<CampaignChannelTypeEnum>>,
    /// Text in the name.
    pub search: Option<String>,
}

/// External metrics for one campaign (and variant), day and source.
#[derive(InputObject, Clone, Debug)]
pub struct CampaignMetricsReportInput {
    pub campaign: ID,
    /// The variant; omitted for campaign-level numbers.
    pub variant: Option<ID>,
    pub date: Date,
    /// Reporting platform, e.g. `google_ads`.
    pub source: String,
    pub impressions: i32,
    pub clicks: i32,
    /// Spend in the campaign's currency.
    pub spend: Decimal,
}

// ---------------------------------------------------------------- payloads

macro_rules! campaign_payload {
    ($name:ident, $field:ident: $ty:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(SimpleObject, Default)]
        pub struct $name {
            pub $field: Option<$ty>,
            pub errors: Vec<CampaignError>,
        }
    };
}

campaign_payload!(CampaignCreate, campaign: CampaignNode, "Result of `campaignCreate`.");
campaign_payload!(CampaignUpdate, campaign: CampaignNode, "Result of `campaignUpdate`.");
campaign_payload!(CampaignDelete, campaign: CampaignNode, "Result of `campaignDelete`.");
campaign_payload!(CampaignStatusUpdate, campaign: CampaignNode, "Result of `campaignStatusUpdate`.");
campaign_payload!(CampaignVariantCreate, campaign_variant: CampaignVariantNode, "Result of `campaignVariantCreate`.");
campaign_payload!(CampaignVariantUpdate, campaign_variant: CampaignVariantNode, "Result of `campaignVariantUpdate`.");
campaign_payload!(CampaignVariantDelete, campaign_variant: CampaignVariantNode, "Result of `campaignVariantDelete`.");
campaign_payload!(CampaignVariantAssign, variant: CampaignVariantNode, "Result of `campaignVariantAssign`.");
campaign_payload!(CampaignMetricsReport, report: CampaignMetricReportNode, "Result of `campaignMetricsReport`.");

// ---------------------------------------------------------------- resolvers

/// Campaign queries.
#[derive(Default)]
pub struct CampaignQuery;

#[Object]
impl CampaignQuery {
    /// Campaigns, newest first. Requires `MANAGE_CAMPAIGNS`.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    async fn campaigns(
        &self,
        ctx: &Context<'_>,
        filter: Option<CampaignFilterInput>,
        first: Option<i32>,
        last: Option<i32>,
        after: Option<String>,
        before: Option<String>,
    ) -> Result<Countable<CampaignNode, CampaignNames>> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageCampaigns])?;
        let page = connection::Page::parse(
            &PageArgs {
                first,
                last,
                after,
                before,
            },
            "campaigns",
        )?;
        let filter = filter.unwrap_or_default();
        let filter = CampaignFilter {
            statuses: filter
                .statuses
                .map(|s| s.into_iter().map(Into::into).collect()),
            channel_types: filter
                .channel_types
                .map(|s| s.into_iter().map(Into::into).collect()),
            search: filter.search,
        };
        let (rows, cond) = state
            .marketing
            .campaigns_page(&filter, &page)
            .await
            .map_err(|e| query_error(req, e))?;
        let db = state.marketing.db().clone();
        let total = TotalCount::lazy(move || {
            let (db, cond) = (db.clone(), cond.clone());
            async move {
                use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter};
                campaign::Entity::find().filter(cond).count(&db).await
            }
        });
        Ok(connection::build(
            rows.map(CampaignNode::from),
            total,
            |c| vec![connection::KeyPart::Int(i64::from(c.model.id))],
        ))
    }

    /// Look up a campaign by ID. Requires `MANAGE_CAMPAIGNS`.
    async fn campaign(&self, ctx: &Context<'_>, id: ID) -> Result<Option<CampaignNode>> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageCampaigns])?;
        let pk = id::decode::<i32>(&id, "Campaign")?;
        Ok(state
            .marketing
            .campaign(pk)
            .await
            .map_err(|e| query_error(req, e))?
            .map(CampaignNode::from))
    }
}

/// Campaign mutations.
#[derive(Default)]
pub struct CampaignMutation;

#[Object]
impl CampaignMutation {
    /// Creates a campaign in status `DRAFT`, with optional initial variants.
    /// Requires `MANAGE_CAMPAIGNS`.
    async fn campaign_create(
        &self,
        ctx: &Context<'_>,
        input: CampaignInput,
    ) -> Result<CampaignCreate> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageCampaigns])?;
        Ok(
            match state
                .marketing
                .create_campaign(input.into_domain()?, req.requestor_id())
                .await
            {
                Ok(c) => CampaignCreate {
                    campaign: Some(c.into()),
                    errors: vec![],
                },
                Err(e) => CampaignCreate {
                    campaign: None,
                    errors: field_errors(req, e)?,
                },
            },
        )
    }

    /// Updates a campaign's fields (status: `campaignStatusUpdate`; variants:
    /// `campaignVariantCreate/Update/Delete`). Requires `MANAGE_CAMPAIGNS`.
    async fn campaign_update(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: CampaignInput,
    ) -> Result<CampaignUpdate> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageCampaigns])?;
        let pk = id::decode::<i32>(&id, "Campaign")?;
        if input.variants.is_some() {
            return Ok(CampaignUpdate {
                campaign: None,
                errors: vec![CampaignError {
                    field: Some("variants".into()),
                    message: Some(
                        "Use campaignVariantCreate/Update/Delete to change variants.".into(),
                    ),
                    code: super::CampaignErrorCode::Invalid,
                }],
            });
        }
        Ok(
            match state
                .marketing
                .update_campaign(pk, input.into_domain()?, req.requestor_id())
                .await
            {
                Ok(c) => CampaignUpdate {
                    campaign: Some(c.into()),
                    errors: vec![],
                },
                Err(e) => CampaignUpdate {
                    campaign: None,
                    errors: field_errors(req, e)?,
                },
            },
        )
    }

    /// Deletes a campaign with its variants and metric reports. Requires `MANAGE_CAMPAIGNS`.
    async fn campaign_delete(&self, ctx: &Context<'_>, id: ID) -> Result<CampaignDelete> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageCampaigns])?;
        let pk = id::decode::<i32>(&id, "Campaign")?;
        Ok(match state.marketing.delete_campaign(pk).await {
            Ok(c) => CampaignDelete {
                campaign: Some(c.into()),
                errors: vec![],
            },
            Err(e) => CampaignDelete {
                campaign: None,
                errors: field_errors(req, e)?,
            },
        })
    }

    /// Changes a campaign's status: draft → scheduled | active; scheduled → draft | active;
    /// active ⇄ paused; active | paused → completed. Requires `MANAGE_CAMPAIGNS`.
    async fn campaign_status_update(
        &self,
        ctx: &Context<'_>,
        id: ID,
        status: CampaignStatusEnum,
    ) -> Result<CampaignStatusUpdate> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageCampaigns])?;
        let pk = id::decode::<i32>(&id, "Campaign")?;
        Ok(
            match state
                .marketing
                .set_campaign_status(pk, status.into(), req.requestor_id())
                .await
            {
                Ok(c) => CampaignStatusUpdate {
                    campaign: Some(c.into()),
                    errors: vec![],
                },
                Err(e) => CampaignStatusUpdate {
                    campaign: None,
                    errors: field_errors(req, e)?,
                },
            },
        )
    }

    /// Adds a variant to a campaign. Requires `MANAGE_CAMPAIGNS`.
    async fn campaign_variant_create(
        &self,
        ctx: &Context<'_>,
        campaign_id: ID,
        input: CampaignVariantInput,
    ) -> Result<CampaignVariantCreate> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageCampaigns])?;
        let pk = id::decode::<i32>(&campaign_id, "Campaign")?;
        Ok(
            match state
                .marketing
                .create_variant(pk, input.into(), req.requestor_id())
                .await
            {
                Ok(v) => CampaignVariantCreate {
                    campaign_variant: Some(v.into()),
                    errors: vec![],
                },
                Err(e) => CampaignVariantCreate {
                    campaign_variant: None,
                    errors: field_errors(req, e)?,
                },
            },
        )
    }

    /// Renames or re-weights a variant. Requires `MANAGE_CAMPAIGNS`.
    async fn campaign_variant_update(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: CampaignVariantInput,
    ) -> Result<CampaignVariantUpdate> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageCampaigns])?;
        let pk = id::decode::<i32>(&id, "CampaignVariant")?;
        Ok(
            match state
                .marketing
                .update_variant(pk, input.into(), req.requestor_id())
                .await
            {
                Ok(v) => CampaignVariantUpdate {
                    campaign_variant: Some(v.into()),
                    errors: vec![],
                },
                Err(e) => CampaignVariantUpdate {
                    campaign_variant: None,
                    errors: field_errors(req, e)?,
                },
            },
        )
    }

    /// Removes a variant and its metric reports. Requires `MANAGE_CAMPAIGNS`.
    async fn campaign_variant_delete(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<CampaignVariantDelete> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageCampaigns])?;
        let pk = id::decode::<i32>(&id, "CampaignVariant")?;
        Ok(
            match state.marketing.delete_variant(pk, req.requestor_id()).await {
                Ok(v) => CampaignVariantDelete {
                    campaign_variant: Some(v.into()),
                    errors: vec![],
                },
                Err(e) => CampaignVariantDelete {
                    campaign_variant: None,
                    errors: field_errors(req, e)?,
                },
            },
        )
    }

    /// Assigns a visitor to a variant of a campaign. Public and deterministic: the same
    /// visitor always gets the same variant (stable hash, weighted), on every instance.
    /// Only running (`ACTIVE`) campaigns answer; any other status is reported as an unknown
    /// campaign (`NOT_FOUND`), except to callers with `MANAGE_CAMPAIGNS` (preview).
    async fn campaign_variant_assign(
        &self,
        ctx: &Context<'_>,
        campaign_id: ID,
        visitor_id: String,
    ) -> Result<CampaignVariantAssign> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        let pk = id::decode::<i32>(&campaign_id, "Campaign")?;
        Ok(
            match state
                .marketing
                .assign_variant(pk, &visitor_id, req.has_perm(Permission::ManageCampaigns))
                .await
            {
                Ok(v) => CampaignVariantAssign {
                    variant: Some(v.into()),
                    errors: vec![],
                },
                Err(e) => CampaignVariantAssign {
                    variant: None,
                    errors: field_errors(req, e)?,
                },
            },
        )
    }

    /// Records external metrics (impressions, clicks, spend) for a campaign, variant, day
    /// and source. Idempotent: reporting the same key again replaces the numbers.
    /// Requires `MANAGE_CAMPAIGNS`.
    async fn campaign_metrics_report(
        &self,
        ctx: &Context<'_>,
        input: CampaignMetricsReportInput,
    ) -> Result<CampaignMetricsReport> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageCampaigns])?;
        let report = MetricReportInput {
            campaign_id: id::decode::<i32>(&input.campaign, "Campaign")?,
            variant_id: input
                .variant
                .as_ref()
                .map(|v| id::decode::<i32>(v, "CampaignVariant"))
                .transpose()?,
            day: input.date.0,
            source: input.source,
            impressions: i64::from(input.impressions),
            clicks: i64::from(input.clicks),
            spend: input.spend.to_string(),
        };
        Ok(match state.marketing.report_metrics(report).await {
            Ok(r) => CampaignMetricsReport {
                report: Some(CampaignMetricReportNode(r)),
                errors: vec![],
            },
            Err(e) => CampaignMetricsReport {
                report: None,
                errors: field_errors(req, e)?,
            },
        })
    }
}
