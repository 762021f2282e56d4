//! GraphQL: `MarketingSegment` (saved lead filters) with members evaluated in the database.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::marketing_segment;

use super::{
    LeadConsentChannelEnum, LeadError, LeadStageEnum, field_errors,
    leads::{LeadFilterInput, LeadNames, LeadNode},
    query_error,
};
use crate::core::{
    connection::{self, Countable, PageArgs, TotalCount},
    context::RequestCtx,
    id,
    permissions::Permission,
};
use crate::countable_names;
use crate::marketing::{
    MarketingService,
    leads::{LeadSort, lead_key},
    segments::SegmentInput,
};
use crate::state::AppState;

countable_names!(MarketingSegmentNames, "MarketingSegment");

/// A saved filter over leads.
#[derive(Clone)]
pub struct SegmentNode {
    pub model: marketing_segment::Model,
}

impl From<marketing_segment::Model> for SegmentNode {
    fn from(model: marketing_segment::Model) -> Self {
        Self { model }
    }
}

/// The saved filter of a segment (see `LeadFilterInput`).
#[derive(SimpleObject, Clone, Debug)]
pub struct MarketingSegmentFilter {
    pub stages: Option<Vec<LeadStageEnum>>,
    pub score_gte: Option<i32>,
    pub score_lte: Option<i32>,
    pub sources: Option<Vec<String>>,
    /// Global IDs of last-touch campaigns.
    pub campaigns: Option<Vec<ID>>,
    pub consents: Option<Vec<LeadConsentChannelEnum>>,
    pub created_gte: Option<DateTime<Utc>>,
    pub created_lte: Option<DateTime<Utc>>,
    pub last_activity_gte: Option<DateTime<Utc>>,
    pub last_activity_lte: Option<DateTime<Utc>>,
    pub is_customer: Option<bool>,
    pub search: Option<String>,
}

#[Object(name = "MarketingSegment")]
impl SegmentNode {
    async fn id(&self) -> ID {
        id::encode("MarketingSegment", self.model.id)
    }
    async fn name(&self) -> &str {
        &self.model.name
    }
    async fn description(&self) -> Option<&str> {
        self.model.description.as_deref()
    }
    /// The saved filter.
    async fn filter(&self) -> MarketingSegmentFilter {
        let f = MarketingService::segment_filter(&self.model);
        MarketingSegmentFilter {
            stages: f.stages.map(|s| s.into_iter().map(Into::into).collect()),
            score_gte: f.score_gte,
            score_lte: f.score_lte,
            sources: f.sources,
            campaigns: f
                .campaign_ids
                .map(|c| c.into_iter().map(|pk| id::encode("Campaign", pk)).collect()),
            consents: f.consents.map(|c| c.into_iter().map(Into::into).collect()),
            created_gte: f.created_gte,
            created_lte: f.created_lte,
            last_activity_gte: f.last_activity_gte,
            last_activity_lte: f.last_activity_lte,
            is_customer: f.is_customer,
            search: f.search,
        }
    }
    /// Number of leads currently matching the filter.
    async fn member_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        let filter = MarketingService::segment_filter(&self.model);
        let (_, cond) = state
            .marketing
            .lead_select(&filter)
            .await
            .map_err(|e| query_error(req, e))?;
        let n = MarketingService::count_leads(state.marketing.db(), cond)
            .await
            .map_err(|e| req.internal(e))?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
    /// Leads currently matching the filter, newest first (evaluated in the database).
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        last: Option<i32>,
        after: Option<String>,
        before: Option<String>,
    ) -> Result<Countable<LeadNode, LeadNames>> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        let page = connection::Page::parse(
            &PageArgs {
                first,
                last,
                after,
                before,
            },
            "members",
        )?;
        let filter = MarketingService::segment_filter(&self.model);
        let rows = state
            .marketing
            .leads_page(&filter, LeadSort::CreatedAt, true, &page)
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
        Ok(connection::build(rows.map(LeadNode::from), total, |n| {
            lead_key(LeadSort::CreatedAt, &n.model)
        }))
    }
    async fn created(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }
}

/// Fields of a segment.
#[derive(InputObject, Clone, Debug, Default)]
pub struct MarketingSegmentInput {
    pub name: Option<String>,
    /// `null` clears the description.
    pub description: MaybeUndefined<String>,
    /// The filter (without `segment`).
    pub filter: Option<LeadFilterInput>,
}

impl MarketingSegmentInput {
    fn into_domain(self) -> Result<SegmentInput> {
        Ok(SegmentInput {
            name: self.name,
            description: match self.description {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(v) => Some(Some(v)),
            },
            filter: self.filter.map(LeadFilterInput::into_domain).transpose()?,
        })
    }
}

macro_rules! segment_payload {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(SimpleObject, Default)]
        pub struct $name {
            pub segment: Option<SegmentNode>,
            pub errors: Vec<LeadError>,
        }
    };
}

segment_payload!(SegmentCreate, "Result of `segmentCreate`.");
segment_payload!(SegmentUpdate, "Result of `segmentUpdate`.");
segment_payload!(SegmentDelete, "Result of `segmentDelete`.");

/// Segment queries.
#[derive(Default)]
pub struct SegmentQuery;

#[Object]
impl SegmentQuery {
    /// Saved lead segments, by name. Requires `MANAGE_LEADS`.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    async fn segments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        last: Option<i32>,
        after: Option<String>,
        before: Option<String>,
    ) -> Result<Countable<SegmentNode, MarketingSegmentNames>> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageLeads])?;
        let page = connection::Page::parse(
            &PageArgs {
                first,
                last,
                after,
                before,
            },
            "segments",
        )?;
        let rows = state
            .marketing
            .segments_page(&page)
            .await
            .map_err(|e| query_error(req, e))?;
        let db = state.marketing.db().clone();
        let total = TotalCount::lazy(move || {
            let db = db.clone();
            async move {
                use sea_orm::{EntityTrait, PaginatorTrait};
                marketing_segment::Entity::find().count(&db).await
            }
        });
        Ok(connection::build(rows.map(SegmentNode::from), total, |s| {
            vec![
                connection::KeyPart::Str(s.model.name.clone()),
                connection::KeyPart::Int(i64::from(s.model.id)),
            ]
        }))
    }

    /// Look up a segment by ID. Requires `MANAGE_LEADS`.
    async fn segment(&self, ctx: &Context<'_>, id: ID) -> Result<Option<SegmentNode>> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageLeads])?;
        let pk = id::decode::<i32>(&id, "MarketingSegment")?;
        Ok(state
            .marketing
            .segment(pk)
            .await
            .map_err(|e| query_error(req, e))?
            .map(SegmentNode::from))
    }
}

/// Segment mutations.
#[derive(Default)]
pub struct SegmentMutation;

#[Object]
impl SegmentMutation {
    /// Creates a segment. Requires `MANAGE_LEADS`.
    async fn segment_create(
        &self,
        ctx: &Context<'_>,
        input: MarketingSegmentInput,
    ) -> Result<SegmentCreate> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageLeads])?;
        Ok(
            match state.marketing.create_segment(input.into_domain()?).await {
                Ok(s) => SegmentCreate {
                    segment: Some(s.into()),
                    errors: vec![],
                },
                Err(e) => SegmentCreate {
                    segment: None,
                    errors: field_errors(req, e)?,
                },
            },
        )
    }

    /// Updates a segment. Requires `MANAGE_LEADS`.
    async fn segment_update(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: MarketingSegmentInput,
    ) -> Result<SegmentUpdate> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageLeads])?;
        let pk = id::decode::<i32>(&id, "MarketingSegment")?;
        Ok(
            match state
                .marketing
                .update_segment(pk, input.into_domain()?)
                .await
            {
                Ok(s) => SegmentUpdate {
                    segment: Some(s.into()),
                    errors: vec![],
                },
                Err(e) => SegmentUpdate {
                    segment: None,
                    errors: field_errors(req, e)?,
                },
            },
        )
    }

    /// Deletes a segment; campaigns targeting it lose their target. Requires `MANAGE_LEADS`.
    async fn segment_delete(&self, ctx: &Context<'_>, id: ID) -> Result<SegmentDelete> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        req.require_any(&[Permission::ManageLeads])?;
        let pk = id::decode::<i32>(&id, "MarketingSegment")?;
        Ok(match state.marketing.delete_segment(pk).await {
            Ok(s) => SegmentDelete {
                segment: Some(s.into()),
                errors: vec![],
            },
            Err(e) => SegmentDelete {
                segment: None,
                errors: field_errors(req, e)?,
            },
        })
    }
}
