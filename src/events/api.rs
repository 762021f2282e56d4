//! GraphQL subscriptions fed by the event bus: Saleor's `subscription { event { ... } }`
//! with the `Event` interface. Staff users and apps see the events their permissions cover;
//! customers see the events of their own objects (orders, checkouts).

use std::sync::Arc;

use async_graphql::{Context, Interface, Object, Result, Subscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, stream};
use tokio::sync::broadcast::error::RecvError;

use super::{BusEvent, EventType};
use crate::{
    channel::api::ChannelNode,
    core::{
        context::RequestCtx,
        error::{ErrorCode, error},
    },
    marketing::api::events as mk,
    shop::api::API_VERSION,
    state::AppState,
};

/// Whether the caller may see `event`.
pub fn visible(req: &RequestCtx, event: &BusEvent) -> bool {
    let Some(event_type) = EventType::parse(&event.event_type) else {
        return false;
    };
    if event_type.permissions().iter().any(|p| req.has_perm(*p)) {
        return true;
    }
    match (req.user(), event.user_id) {
        (Some(user), Some(owner)) => user.id == owner,
        _ => false,
    }
}

/// Event sent when channel metadata is updated.
pub struct ChannelMetadataUpdated(Arc<BusEvent>);

#[Object]
impl ChannelMetadataUpdated {
    /// Time of the event.
    async fn issued_at(&self) -> Option<DateTime<Utc>> {
        Some(self.0.created_at)
    }

    /// Saleor version that triggered the event.
    async fn version(&self) -> Option<String> {
        Some(API_VERSION.to_owned())
    }

    /// The channel the event relates to.
    async fn channel(&self, ctx: &Context<'_>) -> Result<Option<ChannelNode>> {
        let req = ctx.data::<RequestCtx>()?;
        let state = ctx.data::<AppState>()?;
        let Ok(pk) = self.0.object_id.parse::<i32>() else {
            return Ok(None);
        };
        let channel = state
            .channels
            .by_id(pk)
            .await
            .map_err(|e| req.internal(e))?;
        Ok(channel.map(ChannelNode::from))
    }
}

/// A webhook or subscription event.
#[derive(Interface)]
#[graphql(
    name = "Event",
    field(
        name = "issued_at",
        ty = "Option<DateTime<Utc>>",
        desc = "Time of the event."
    ),
    field(
        name = "version",
        ty = "Option<String>",
        desc = "Saleor version that triggered the event."
    )
)]
pub enum Event {
    ChannelMetadataUpdated(ChannelMetadataUpdated),
    LeadCreated(mk::LeadCreated),
    LeadUpdated(mk::LeadUpdated),
    LeadStageChanged(mk::LeadStageChanged),
    LeadConverted(mk::LeadConverted),
    CampaignCreated(mk::CampaignCreated),
    CampaignUpdated(mk::CampaignUpdated),
    CampaignStatusChanged(mk::CampaignStatusChanged),
}

impl Event {
    fn from_bus(event: Arc<BusEvent>) -> Option<Self> {
        match EventType::parse(&event.event_type)? {
            EventType::ChannelMetadataUpdated => {
                Some(Self::ChannelMetadataUpdated(ChannelMetadataUpdated(event)))
            }
            EventType::LeadCreated => Some(Self::LeadCreated(mk::LeadCreated(event))),
            EventType::LeadUpdated => Some(Self::LeadUpdated(mk::LeadUpdated(event))),
            EventType::LeadStageChanged => {
                Some(Self::LeadStageChanged(mk::LeadStageChanged(event)))
            }
            EventType::LeadConverted => Some(Self::LeadConverted(mk::LeadConverted(event))),
            EventType::CampaignCreated => Some(Self::CampaignCreated(mk::CampaignCreated(event))),
            EventType::CampaignUpdated => Some(Self::CampaignUpdated(mk::CampaignUpdated(event))),
            EventType::CampaignStatusChanged => Some(Self::CampaignStatusChanged(
                mk::CampaignStatusChanged(event),
            )),
        }
    }
}

/// Root subscriptions.
#[derive(Default)]
pub struct EventSubscription;

#[Subscription]
impl EventSubscription {
    /// Look up subscription event.
    async fn event(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Result<Option<Event>>>> {
        let req = ctx.data::<RequestCtx>()?.clone();
        if req.user().is_none() && req.app().is_none() {
            return Err(error(
                ErrorCode::PermissionDenied,
                "Subscribing to events requires an access token (`authorization` in `connection_init`).",
            ));
        }
        let receiver = ctx.data::<AppState>()?.events.bus.subscribe();
        Ok(stream::unfold(
            (receiver, req),
            |(mut receiver, req)| async move {
                loop {
                    match receiver.recv().await {
                        Ok(event) if visible(&req, &event) => {
                            if let Some(event) = Event::from_bus(event) {
                                return Some((Ok(Some(event)), (receiver, req)));
                            }
                        }
                        Ok(_) => {}
                        Err(RecvError::Lagged(missed)) => {
                            let err = error(
                                ErrorCode::Internal,
                                format!(
                                    "The subscriber fell behind; {missed} events were dropped."
                                ),
                            );
                            return Some((Err(err), (receiver, req)));
                        }
                        Err(RecvError::Closed) => return None,
                    }
                }
            },
        ))
    }
}
