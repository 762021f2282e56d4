//! GraphQL: `marketingStats` — leads by stage, source and campaign, the funnel, and revenue
//! by campaign.

use async_graphql::{Context, Object, Result, SimpleObject};

use super::{
    LeadStageEnum, attribution::AttributionTouchEnum, campaigns::CampaignNode,
    leads::load_campaign, query_error,
};
use crate::catalog::api::common::Money;
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
    /// Orders and revenue per campaign and currency on the chosen touch (orders placed in
    /// the period), largest revenue first within each currency. `campaign: null`: orders
    /// with attribution data (UTM, lead) but no known campaign.
    pub revenue_by_campaign: Vec<CampaignRevenueStats>,
}

/// Orders and revenue attributed to one campaign in one currency.
#[derive(Clone)]
pub struct CampaignRevenueStats {
    campaign_id: Option<i32>,
    orders: i32,
    revenue: Money,
}

#[Object]
impl CampaignRevenueStats {
    /// The campaign; `null` for orders without a known campaign.
    async fn campaign(&self, ctx: &Context<'_>) -> Result<Option<CampaignNode>> {
        load_campaign(ctx, self.campaign_id).await
    }
    async fn orders(&self) -> i32 {
        self.orders
    }
    async fn revenue(&self) -> &Money {
        &self.revenue
    }
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
            revenue_by_campaign: Vec::new(),
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
        #[graphql(
            default,
            desc = "Which touch attributes orders in `revenueByCampaign` (default: last touch)."
        )]
        touch: AttributionTouchEnum,
    ) -> Result<MarketingStats> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageLeads])?;
        let period = period.unwrap_or_default();
        let (stats, revenue) = tokio::try_join!(
            state.marketing.lead_stats(period.gte, period.lte),
            state
                .marketing
                .revenue_by_campaign(period.gte, period.lte, touch.into()),
        )
        .map_err(|e| query_error(req, e))?;
        let mut out: MarketingStats = stats.into();
        out.revenue_by_campaign = revenue
            .into_iter()
            .map(|r| CampaignRevenueStats {
                campaign_id: r.campaign_id,
                orders: n(r.orders),
                revenue: Money::from_minor(r.revenue, &r.currency),
            })
            .collect();
        Ok(out)
    }
}
