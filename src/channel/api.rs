//! GraphQL: the `Channel` type and the `channel` / `channels` queries.

use async_graphql::{ComplexObject, Context, ID, Object, Result, SimpleObject};
use entities::channel;

use crate::core::{
    context::RequestCtx,
    country::{CountryCode, CountryDisplay},
    error::{ErrorCode, error},
    id,
};
use crate::metadata::api::{HasMetadata, MetadataFields};
use crate::state::AppState;

use super::ChannelError;

/// Represents a channel: where products are listed and sold, in one currency.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "Channel")]
pub struct ChannelNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub model: channel::Model,
}

impl From<channel::Model> for ChannelNode {
    fn from(model: channel::Model) -> Self {
        Self {
            meta: MetadataFields::new(&model.metadata, &model.private_metadata),
            model,
        }
    }
}

impl HasMetadata for ChannelNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

fn country(code: &str) -> Option<CountryDisplay> {
    CountryCode::parse(code).map(CountryDisplay::from)
}

#[ComplexObject]
impl ChannelNode {
    /// The ID of the channel.
    async fn id(&self) -> ID {
        id::encode("Channel", self.model.id)
    }

    /// Slug of the channel.
    async fn slug(&self) -> &str {
        &self.model.slug
    }

    /// Name of the channel.
    async fn name(&self) -> &str {
        &self.model.name
    }

    /// Whether the channel is active.
    async fn is_active(&self) -> bool {
        self.model.is_active
    }

    /// A currency that is assigned to the channel.
    async fn currency_code(&self) -> &str {
        &self.model.currency_code
    }

    /// Default country for the channel. Default country can be used in checkout to
    /// determine the stock quantities or calculate taxes when the country was not
    /// explicitly provided.
    async fn default_country(&self) -> Result<CountryDisplay> {
        country(&self.model.default_country).ok_or_else(|| {
            error(
                ErrorCode::Internal,
                "Channel has an invalid default country.",
            )
        })
    }

    /// Channel-specific order settings.
    ///
    /// Requires one of the following permissions: MANAGE_CHANNELS, MANAGE_ORDERS.
    async fn order_settings(
        &self,
        ctx: &Context<'_>,
    ) -> Result<crate::payment::channel_settings::OrderSettings> {
        ctx.data::<RequestCtx>()?.require_any(&[
            crate::core::permissions::Permission::ManageChannels,
            crate::core::permissions::Permission::ManageOrders,
        ])?;
        Ok(crate::payment::channel_settings::order_settings(
            &self.model,
        ))
    }

    /// Channel-specific checkout settings. Requires staff or app credentials.
    async fn checkout_settings(
        &self,
        ctx: &Context<'_>,
    ) -> Result<crate::payment::channel_settings::CheckoutSettings> {
        ctx.data::<RequestCtx>()?.require_staff_or_app()?;
        Ok(crate::payment::channel_settings::checkout_settings(
            &self.model,
        ))
    }

    /// Channel-specific payment settings. Requires staff or app credentials.
    async fn payment_settings(
        &self,
        ctx: &Context<'_>,
    ) -> Result<crate::payment::channel_settings::PaymentSettings> {
        ctx.data::<RequestCtx>()?.require_staff_or_app()?;
        Ok(crate::payment::channel_settings::payment_settings(
            &self.model,
        ))
    }

    /// Channel's tax configuration. Requires staff or app credentials.
    async fn tax_configuration(
        &self,
        ctx: &Context<'_>,
    ) -> Result<crate::tax::api::TaxConfigurationNode> {
        crate::tax::api::channel_tax_configuration(ctx, self.model.id).await
    }

    /// List of warehouses assigned to this channel, in allocation order. Requires staff or
    /// app credentials.
    async fn warehouses(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<crate::catalog::api::warehouses::WarehouseNode>> {
        let req = ctx.data::<RequestCtx>()?;
        req.require_staff_or_app()?;
        let state = ctx.data::<crate::state::AppState>()?;
        Ok(
            crate::catalog::warehouse::of_channel(&state.db.conn, self.model.id)
                .await
                .map_err(|e| req.internal(e))?
                .into_iter()
                .map(Into::into)
                .collect(),
        )
    }

    /// List of shippable countries for the channel.
    async fn countries(&self) -> Option<Vec<CountryDisplay>> {
        Some(country(&self.model.default_country).into_iter().collect())
    }
}

/// Maps a channel resolution failure to a top-level GraphQL error.
pub fn channel_error(req: &RequestCtx, err: ChannelError) -> async_graphql::Error {
    match err {
        ChannelError::Db(e) => req.internal(e),
        ChannelError::NotFound(_) => error(ErrorCode::NotFound, err.to_string()),
        ChannelError::Inactive(_) | ChannelError::SlugRequired => {
            error(ErrorCode::InvalidInput, err.to_string())
        }
    }
}

/// Channel queries.
#[derive(Default)]
pub struct ChannelQuery;

#[Object]
impl ChannelQuery {
    /// Look up a channel by ID or slug. Inactive channels are visible to staff and apps only.
    async fn channel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the channel.")] id: Option<ID>,
        #[graphql(desc = "Slug of the channel.")] slug: Option<String>,
    ) -> Result<Option<ChannelNode>> {
        let req = ctx.data::<RequestCtx>()?;
        let state = ctx.data::<AppState>()?;
        let found = match (id, slug) {
            (Some(id), None) => {
                let pk = id::decode::<i32>(&id, "Channel")?;
                state.channels.by_id(pk).await
            }
            (None, Some(slug)) => state.channels.by_slug(&slug).await,
            _ => {
                return Err(error(
                    ErrorCode::InvalidInput,
                    "Exactly one of 'id' or 'slug' must be specified.",
                ));
            }
        }
        .map_err(|e| req.internal(e))?;
        Ok(found
            .filter(|c| c.is_active || req.is_staff_or_app())
            .map(ChannelNode::from))
    }

    /// List of all channels. Anonymous callers and customers see active channels; staff
    /// users and apps also see inactive ones.
    async fn channels(&self, ctx: &Context<'_>) -> Result<Option<Vec<ChannelNode>>> {
        let req = ctx.data::<RequestCtx>()?;
        let state = ctx.data::<AppState>()?;
        let channels = state
            .channels
            .list(req.is_staff_or_app())
            .await
            .map_err(|e| req.internal(e))?;
        Ok(Some(channels.into_iter().map(ChannelNode::from).collect()))
    }
}
