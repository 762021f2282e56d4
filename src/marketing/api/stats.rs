//! GraphQL: `marketingStats` — leads by stage, source and campaign, and the funnel.

use async_graphql::{Context, Object, Result, SimpleObject};

use super::{LeadStageEnum, campaigns::CampaignNode, leads::load_campaign, query_error};
use crate::core::{context::RequestCtx, permissions::Permission, scalars::DateTimeRangeInput};
use crate::marketing::stats::LeadStats;
use crate::state::AppState;

/// Leads in one stage.
#[derive(SimpleObject, Clone)]
pub struct LeadStageCount {
    pub stage: LeadStageEnum,
    pub count: i32,
}

/// Leads from one source.
#[derive(SimpleObject, Clone)]
pub struct LeadSourceCount {
    /// `null`: no source recorded.
    pub source: Option<String>,
    pub count: i32,
}

/// One step of the lead funnel.
#[derive(SimpleObject, Clone)]
pub struct LeadFunnelStep {
    pub stage: LeadStageEnum,
    /// Leads that reached this stage (are in it or a later one).
    pub reached: i32,
    /// reached / reached at the previous stage; `null` for the first stage or when the
    /// previous stage has no leads.
    pub conversion_rate: Option<f64>,
}

/// Leads attributed (last touch) to one campaign.
#[derive(Clone)]
pub struct CampaignLeadCount {
    campaign_id: Option<i32>,
    count: i32,
}

#[Object]
impl CampaignLeadCount {
    /// The campaign; `null` for unattributed leads.
    async fn campaign(&self, ctx: &Context<'_>) -> Result<Option<CampaignNode>> {
        load_campaign(ctx, self.campaign_id).await
    }
    async fn count(&self) -> i32 {
        self.count
    }
}

/// Lead statistics (erased leads count: their stage, source and campaign are kept).
#[derive(SimpleObject, Clone)]
pub struct MarketingStats {
    pub total_leads: i32,
    pub leads_by_stage: Vec<LeadStageCount>,
    pub leads_by_source: Vec<LeadSourceCount>,
    pub leads_by_campaign: Vec<CampaignLeadCount>,
    pub funnel: Vec<LeadFunnelStep>,
}

fn n(v: u64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

impl From<LeadStats> for MarketingStats {
    fn from(s: LeadStats) -> Self {
        Self {
            total_leads: n(s.total),
            leads_by_stage: s
                .by_stage
                .into_iter()
                .map(|(stage, c)| LeadStageCount {
                    stage: stage.into(),
                    count: n(c),
                })
                .collect(),
            leads_by_source: s
                .by_source
                .into_iter()
                .map(|(source, c)| LeadSourceCount {
                    source,
                    count: n(c),
                })
                .collect(),
            leads_by_campaign: s
                .by_campaign
                .into_iter()
                .map(|(campaign_id, c)| CampaignLeadCount {
                    campaign_id,
                    count: n(c),
                })
                .collect(),
            funnel: s
                .funnel
                .into_iter()
                .map(|(stage, reached, rate)| LeadFunnelStep {
                    stage: stage.into(),
                    reached: n(reached),
                    conversion_rate: rate,
                })
                .collect(),
        }
    }
}

/// Statistics queries.
#[derive(Default)]
pub struct StatsQuery;

#[Object]
impl StatsQuery {
    /// Lead statistics over leads created in `period` (default: all time).
    /// Requires `MANAGE_LEADS`.
    async fn marketing_stats(
        &self,
        ctx: &Context<'_>,
        period: Option<DateTimeRangeInput>,
    ) -> Result<MarketingStats> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageLeads])?;
        let period = period.unwrap_or_default();
        let stats = state
            .marketing
            .lead_stats(period.gte, period.lte)
            .await
            .map_err(|e| query_error(req, e))?;
        Ok(stats.into())
    }
}
