//! Saleor's account event types (`AccountConfirmationRequested`, …): what an e-mail app
//! needs to send the message — the user, the token, the client's redirect URL, the
//! channel and the shop. Tokens are shown only with `MANAGE_USERS` (the permission these
//! webhooks need), never to the account's owner over a live subscription.

use std::sync::Arc;

use async_graphql::{Context, Object, Result};
use chrono::{DateTime, Utc};

use super::BusEvent;
use crate::{
    account::api::UserNode,
    channel::api::ChannelNode,
    core::{context::RequestCtx, id, permissions::Permission},
    shop::api::{API_VERSION, ShopNode},
    state::AppState,
};

/// The user an account event is about (by the global ID in its payload).
async fn user(ctx: &Context<'_>, event: &BusEvent) -> Result<Option<UserNode>> {
    let req = ctx.data::<RequestCtx>()?;
    let state = ctx.data::<AppState>()?;
    let Some(pk) = event.payload["user"]["id"]
        .as_str()
        .and_then(id::split)
        .and_then(|(_, pk)| pk.parse::<i32>().ok())
    else {
        return Ok(None);
    };
    Ok(state
        .accounts
        .user(pk)
        .await
        .map_err(|e| req.internal(e))?
        .map(UserNode::from))
}

/// The channel named in the event's payload, if any.
async fn channel(ctx: &Context<'_>, event: &BusEvent) -> Result<Option<ChannelNode>> {
    let req = ctx.data::<RequestCtx>()?;
    let state = ctx.data::<AppState>()?;
    let Some(slug) = event.payload["channel_slug"].as_str() else {
        return Ok(None);
    };
    Ok(state
        .channels
        .by_slug(slug)
        .await
        .map_err(|e| req.internal(e))?
        .map(ChannelNode::from))
}

/// The payload's token, for callers with `MANAGE_USERS` only.
fn token(ctx: &Context<'_>, event: &BusEvent) -> Result<Option<String>> {
    let req = ctx.data::<RequestCtx>()?;
    if !req.has_perm(Permission::ManageUsers) {
        return Ok(None);
    }
    Ok(event.payload["token"].as_str().map(str::to_owned))
}

/// Declares an account event type; `new_email` adds Saleor's `newEmail` field.
macro_rules! account_event {
    ($name:ident, $doc:literal $(, $extra:item)?) => {
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
            /// The URL to redirect the user after he accepts the request.
            async fn redirect_url(&self) -> Option<String> {
                self.0.payload["redirect_url"].as_str().map(str::to_owned)
            }
            /// The user the event relates to.
            async fn user(&self, ctx: &Context<'_>) -> Result<Option<UserNode>> {
                user(ctx, &self.0).await
            }
            /// The channel data.
            async fn channel(&self, ctx: &Context<'_>) -> Result<Option<ChannelNode>> {
                channel(ctx, &self.0).await
            }
            /// The token required to confirm request.
            async fn token(&self, ctx: &Context<'_>) -> Result<Option<String>> {
                token(ctx, &self.0)
            }
            /// Shop data.
            async fn shop(&self, ctx: &Context<'_>) -> Result<Option<ShopNode>> {
                ShopNode::current(ctx).await.map(Some)
            }
            $($extra)?
        }
    };
}

account_event!(
    AccountConfirmationRequested,
    "Event sent when account confirmation requested. This event is always sent. enableAccountConfirmationByEmail flag set to True is not required."
);
account_event!(AccountConfirmed, "Event sent when account is confirmed.");
account_event!(
    AccountSetPasswordRequested,
    "Event sent when setting a new password is requested."
);
account_event!(
    StaffSetPasswordRequested,
    "Event sent when setting a new password for staff is requested."
);
account_event!(
    AccountDeleteRequested,
    "Event sent when account delete is requested."
);
account_event!(AccountDeleted, "Event sent when account is deleted.");
account_event!(
    AccountChangeEmailRequested,
    "Event sent when account change email is requested.",
    /// The new email address the user wants to change to.
    async fn new_email(&self) -> Option<String> {
        self.0.payload["new_email"].as_str().map(str::to_owned)
    }
);
account_event!(
    AccountEmailChanged,
    "Event sent when account email is changed.",
    /// The new email address.
    async fn new_email(&self) -> Option<String> {
        self.0.payload["new_email"].as_str().map(str::to_owned)
    }
);
