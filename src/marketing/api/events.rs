//! Subscription/webhook event types for marketing (members of the `Event` interface).

use std::sync::Arc;

use async_graphql::{Context, Object, Result};
use chrono::{DateTime, Utc};

use super::{LeadStageEnum, campaigns::CampaignNode, leads::LeadNode, query_error};
use crate::core::context::RequestCtx;
use crate::events::BusEvent;
use crate::marketing::types::Stage;
use crate::shop::api::API_VERSION;
use crate::state::AppState;

async fn event_lead(ctx: &Context<'_>, event: &BusEvent) -> Result<Option<LeadNode>> {
    let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
    let Ok(pk) = event.object_id.parse::<i32>() else {
        return Ok(None);
    };
    Ok(state
        .marketing
        .lead(pk)
        .await
        .map_err(|e| query_error(req, e))?
        .map(LeadNode::from))
}

async fn event_campaign(ctx: &Context<'_>, event: &BusEvent) -> Result<Option<CampaignNode>> {
    let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
    let Ok(pk) = event.object_id.parse::<i32>() else {
        return Ok(None);
    };
    Ok(state
        .marketing
        .campaign(pk)
        .await
        .map_err(|e| query_error(req, e))?
        .map(CampaignNode::from))
}

fn payload_stage(event: &BusEvent, key: &str) -> Option<LeadStageEnum> {
    event
        .payload
        .get(key)
        .and_then(|v| v.as_str())
        .and_then(Stage::parse)
        .map(Into::into)
}

macro_rules! lead_event {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        pub struct $name(pub Arc<BusEvent>);

        #[Object]
        impl $name {
            /// Time of the event.
            pub async fn issued_at(&self) -> Option<DateTime<Utc>> {
                Some(self.0.created_at)
            }
            /// Saleor version that triggered the event.
            pub async fn version(&self) -> Option<String> {
                Some(API_VERSION.to_owned())
            }
            /// The lead the event relates to (`null` once erased).
            async fn lead(&self, ctx: &Context<'_>) -> Result<Option<LeadNode>> {
                event_lead(ctx, &self.0).await
            }
            /// For stage changes: the previous stage.
            #[graphql(name = "fromStage")]
            async fn stage_before(&self) -> Option<LeadStageEnum> {
                payload_stage(&self.0, "from")
            }
            /// For stage changes: the new stage.
            #[graphql(name = "toStage")]
            async fn stage_after(&self) -> Option<LeadStageEnum> {
                payload_stage(&self.0, "to")
            }
        }
    };
}

macro_rules! campaign_event {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        pub struct $name(pub Arc<BusEvent>);

        #[Object]
        impl $name {
            /// Time of the event.
            pub async fn issued_at(&self) -> Option<DateTime<Utc>> {
                Some(self.0.created_at)
            }
            /// Saleor version that triggered the event.
            pub async fn version(&self) -> Option<String> {
                Some(API_VERSION.to_owned())
            }
            /// The campaign the event relates to.
            async fn campaign(&self, ctx: &Context<'_>) -> Result<Option<CampaignNode>> {
                event_campaign(ctx, &self.0).await
            }
        }
    };
}

lead_event!(
    LeadCreated,
    "Event sent when a new lead is captured or imported."
);
lead_event!(
    LeadUpdated,
    "Event sent when a lead is updated (merged capture, activity, edit, erasure)."
);
lead_event!(
    LeadStageChanged,
    "Event sent when a lead's lifecycle stage changes."
);
lead_event!(LeadConverted, "Event sent when a lead becomes a customer.");
campaign_event!(CampaignCreated, "Event sent when a campaign is created.");
campaign_event!(
    CampaignUpdated,
    "Event sent when a campaign or its variants change."
);
campaign_event!(
    CampaignStatusChanged,
    "Event sent when a campaign's status changes."
);
