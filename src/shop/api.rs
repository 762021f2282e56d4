//! GraphQL: the `shop` query.

use async_graphql::{ComplexObject, Context, ID, InputObject, Object, Result, SimpleObject};
use entities::shop;

use crate::core::{
    context::RequestCtx,
    country::{CountryCode, CountryDisplay, LanguageCodeEnum},
    error::{ErrorCode, error},
    id,
};
use crate::metadata::api::MetadataFields;
use crate::state::AppState;

/// The Saleor API version we implement, with our own version as build metadata.
pub const API_VERSION: &str = concat!("3.23.28+bizgraph.", env!("CARGO_PKG_VERSION"));
/// The minor Saleor API version we implement.
pub const SCHEMA_VERSION: &str = "3.23";

/// Represents a shop resource containing general shop data and configuration.
#[derive(SimpleObject)]
#[graphql(complex, name = "Shop")]
pub struct ShopNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    model: shop::Model,
    #[graphql(skip)]
    public_url: String,
}

/// Represents shop's domain.
#[derive(SimpleObject)]
pub struct Domain {
    /// The host name of the domain.
    host: String,
    /// Inform if SSL is enabled.
    ssl_enabled: bool,
    /// The absolute URL of the API.
    url: String,
}

/// Filtering options for countries.
#[derive(InputObject)]
pub struct CountryFilterInput {
    /// Boolean for filtering countries by having shipping zone assigned. If 'true', return
    /// countries with shipping zone assigned. If 'false', return countries without any
    /// shipping zone assigned. If the argument is not provided (null), return all countries.
    attached_to_shipping_zones: Option<bool>,
}

#[ComplexObject]
impl ShopNode {
    /// ID of the shop.
    async fn id(&self) -> ID {
        id::encode("Shop", self.model.id)
    }

    /// Shop's name.
    async fn name(&self) -> &str {
        &self.model.name
    }

    /// Shop's description.
    async fn description(&self) -> Option<&str> {
        self.model.description.as_deref()
    }

    /// Shop's default country.
    async fn default_country(&self) -> Option<CountryDisplay> {
        CountryCode::parse(&self.model.default_country).map(CountryDisplay::from)
    }

    /// List of countries available in the shop.
    async fn countries(
        &self,
        #[graphql(
            desc = "A language code to return the translation for.",
            deprecation = "This field is no longer supported."
        )]
        language_code: Option<LanguageCodeEnum>,
        #[graphql(desc = "Filtering options for countries")] filter: Option<CountryFilterInput>,
    ) -> Vec<CountryDisplay> {
        let _ = (language_code, filter.map(|f| f.attached_to_shipping_zones));
        CountryCode::ALL
            .iter()
            .copied()
            .map(CountryDisplay::from)
            .collect()
    }

    /// List of all currencies supported by shop's channels.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_STAFF_USER, AUTHENTICATED_APP.
    async fn channel_currencies(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        let req = ctx.data::<RequestCtx>()?;
        req.require_staff_or_app()?;
        let state = ctx.data::<AppState>()?;
        state
            .channels
            .currencies()
            .await
            .map_err(|e| req.internal(e))
    }

    /// List of available payment gateways: the channel's active gateways (for `currency`
    /// when given, else the channel's currency).
    async fn available_payment_gateways(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A currency for which the gateways will be returned.",
            deprecation = "Use `channel` argument instead."
        )]
        currency: Option<String>,
        #[graphql(desc = "Slug of a channel for which the data should be returned.")]
        channel: Option<String>,
    ) -> Result<Vec<crate::checkout::api::PaymentGateway>> {
        let req = ctx.data::<RequestCtx>()?;
        let state = ctx.data::<AppState>()?;
        let ch = match state
            .channels
            .resolve(channel.as_deref(), req.is_staff_or_app())
            .await
        {
            Ok(ch) => ch,
            Err(e) => return Err(crate::channel::api::channel_error(req, e)),
        };
        let currency = currency.unwrap_or_else(|| ch.currency_code.clone());
        if !currency.eq_ignore_ascii_case(&ch.currency_code) {
            return Ok(Vec::new());
        }
        crate::payment::api::gateways_for(state, req, ch.id, &ch.currency_code).await
    }

    /// Shop's domain data.
    async fn domain(&self) -> Domain {
        let url = self.public_url.clone();
        let ssl_enabled = url.starts_with("https://");
        Domain {
            host: self.model.domain.clone(),
            ssl_enabled,
            url,
        }
    }

    /// Saleor API version.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_STAFF_USER, AUTHENTICATED_APP.
    async fn version(&self, ctx: &Context<'_>) -> Result<&'static str> {
        ctx.data::<RequestCtx>()?.require_staff_or_app()?;
        Ok(API_VERSION)
    }

    /// Minor Saleor API version.
    async fn schema_version(&self) -> &'static str {
        SCHEMA_VERSION
    }
}

/// Shop queries.
#[derive(Default)]
pub struct ShopQuery;

#[Object]
impl ShopQuery {
    /// Return information about the shop.
    async fn shop(&self, ctx: &Context<'_>) -> Result<ShopNode> {
        ShopNode::current(ctx).await
    }
}

impl ShopNode {
    /// The shop, as `Query.shop` answers it.
    pub async fn current(ctx: &Context<'_>) -> Result<Self> {
        let req = ctx.data::<RequestCtx>()?;
        let state = ctx.data::<AppState>()?;
        let model = state
            .shop
            .get()
            .await
            .map_err(|e| req.internal(e))?
            .ok_or_else(|| error(ErrorCode::Internal, "The shop is not initialised."))?;
        Ok(Self {
            meta: MetadataFields::new(&model.metadata, &model.private_metadata),
            model,
            public_url: state.config.graphql_url(),
        })
    }
}
