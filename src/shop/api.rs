//! GraphQL: the `shop` query.

use async_graphql::{ComplexObject, Context, ID, InputObject, Object, Result, SimpleObject};
use entities::shop;

use super::types::{
    AccountConfirmModeEnum, Announcement, ExternalAuthentication, LimitInfo, PasswordLoginModeEnum,
    ShopTranslation, StaffNotificationRecipient,
};
use crate::account::api::{AddressNode, PermissionDisplay};
use crate::catalog::api::common::{LanguageDisplay, WeightUnitsEnum};
use crate::core::{
    context::RequestCtx,
    country::{CountryCode, CountryDisplay, LanguageCodeEnum},
    error::{ErrorCode, error, permission_denied},
    id,
    permissions::Permission,
};
use crate::metadata::api::MetadataFields;
use crate::state::{AppState, parts};

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

    /// List of available external authentications.
    async fn available_external_authentications(&self) -> Vec<ExternalAuthentication> {
        // No external authentication plugin exists here: Saleor's answer without one.
        Vec::new()
    }

    /// Shipping methods that are available for the shop.
    async fn available_shipping_methods(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Slug of a channel for which the data should be returned.")]
        channel: String,
        #[graphql(desc = "Address for which available shipping methods should be returned.")]
        address: Option<crate::account::api::AddressInput>,
    ) -> Result<Option<Vec<crate::shipping::api::ShippingMethodNode>>> {
        crate::shipping::api::available_for_shop(ctx, &channel, address).await
    }

    /// Default shop's email sender's name.
    ///
    /// Requires one of the following permissions: MANAGE_SETTINGS.
    async fn default_mail_sender_name(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        require_settings(ctx)?;
        Ok(Some(&self.model.default_mail_sender_name))
    }

    /// Default shop's email sender's address.
    ///
    /// Requires one of the following permissions: MANAGE_SETTINGS.
    async fn default_mail_sender_address(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        require_settings(ctx)?;
        Ok(self.model.default_mail_sender_address.as_deref())
    }

    /// List of the shops's supported languages.
    async fn languages(&self) -> Vec<LanguageDisplay> {
        LanguageCodeEnum::ALL
            .iter()
            .copied()
            .map(LanguageDisplay::from)
            .collect()
    }

    /// List of available permissions.
    async fn permissions(&self) -> Vec<PermissionDisplay> {
        Permission::ALL
            .into_iter()
            .map(PermissionDisplay::from)
            .collect()
    }

    /// List of possible phone prefixes.
    async fn phone_prefixes(&self) -> Vec<String> {
        crate::core::phone_prefixes::PHONE_PREFIXES
            .iter()
            .map(|p| (*p).to_owned())
            .collect()
    }

    /// Header text.
    async fn header_text(&self) -> Option<&str> {
        Some(&self.model.header_text)
    }

    /// Automatically approve all new fulfillments.
    async fn fulfillment_auto_approve(&self) -> bool {
        self.model.fulfillment_auto_approve
    }

    /// Allow to approve fulfillments which are unpaid.
    async fn fulfillment_allow_unpaid(&self) -> bool {
        self.model.fulfillment_allow_unpaid
    }

    /// This field is used as a default value for `ProductVariant.trackInventory`.
    async fn track_inventory_by_default(&self) -> Option<bool> {
        Some(self.model.track_inventory_by_default)
    }

    /// Determines whether the GraphQL API accepts storefront requests (anonymous requests
    /// and authenticated non-staff customers). When disabled, only apps and staff users may
    /// call the API directly; all other requests are rejected with an HTTP 401 and the
    /// `STOREFRONT_TRAFFIC_NOT_ALLOWED` error code.
    async fn allow_storefront_traffic(&self) -> bool {
        self.model.allow_storefront_traffic
    }

    /// Default weight unit.
    async fn default_weight_unit(&self) -> Option<WeightUnitsEnum> {
        weight_unit(&self.model.default_weight_unit)
    }

    /// Returns translated shop fields for the given language code.
    ///
    /// Requires one of the following permissions: MANAGE_TRANSLATIONS.
    async fn translation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A language code to return the translation for.")]
        language_code: LanguageCodeEnum,
    ) -> Result<Option<ShopTranslation>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageTranslations])?;
        let row = state
            .shop
            .translation(language_code.code())
            .await
            .map_err(|e| req.internal(e))?;
        Ok(row.map(|t| ShopTranslation {
            id: id::encode("ShopTranslation", t.id),
            language: LanguageDisplay::from(language_code),
            header_text: t.name.unwrap_or_default(),
            description: t.plain_text.unwrap_or_default(),
        }))
    }

    /// Default number of minutes stock will be reserved for anonymous checkout or null when
    /// stock reservation is disabled.
    ///
    /// Requires one of the following permissions: MANAGE_SETTINGS.
    async fn reserve_stock_duration_anonymous_user(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<i32>> {
        require_settings(ctx)?;
        Ok(self.model.reserve_stock_duration_anonymous_user)
    }

    /// Default number of minutes stock will be reserved for authenticated checkout or null
    /// when stock reservation is disabled.
    ///
    /// Requires one of the following permissions: MANAGE_SETTINGS.
    async fn reserve_stock_duration_authenticated_user(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<i32>> {
        require_settings(ctx)?;
        Ok(self.model.reserve_stock_duration_authenticated_user)
    }

    /// Default number of maximum line quantity in single checkout (per single checkout line).
    ///
    /// Requires one of the following permissions: MANAGE_SETTINGS.
    async fn limit_quantity_per_checkout(&self, ctx: &Context<'_>) -> Result<Option<i32>> {
        require_settings(ctx)?;
        Ok(self.model.limit_quantity_per_checkout)
    }

    /// Company address.
    async fn company_address(&self) -> Option<AddressNode> {
        self.model
            .company_address
            .as_ref()
            .map(|a| AddressNode::new(crate::checkout::service::address_model(a), None))
    }

    /// URL of a view where customers can set their password.
    async fn customer_set_password_url(&self) -> Option<&str> {
        self.model.customer_set_password_url.as_deref()
    }

    /// List of staff notification recipients.
    ///
    /// Requires one of the following permissions: MANAGE_SETTINGS.
    async fn staff_notification_recipients(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<Vec<StaffNotificationRecipient>>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageSettings])?;
        let rows = state.shop.recipients().await.map_err(|e| req.internal(e))?;
        Ok(Some(
            rows.into_iter().map(StaffNotificationRecipient).collect(),
        ))
    }

    /// Determines if account confirmation by email is enabled.
    ///
    /// Requires one of the following permissions: MANAGE_SETTINGS.
    async fn enable_account_confirmation_by_email(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<bool>> {
        require_settings(ctx)?;
        Ok(Some(self.model.enable_account_confirmation_by_email))
    }

    /// Determines if user can login without confirmation when `enableAccountConfrimation`
    /// is enabled.
    ///
    /// Requires one of the following permissions: MANAGE_SETTINGS.
    async fn allow_login_without_confirmation(&self, ctx: &Context<'_>) -> Result<Option<bool>> {
        require_settings(ctx)?;
        Ok(Some(self.model.allow_login_without_confirmation))
    }

    /// Resource limitations and current usage if any set for a shop
    ///
    /// Requires one of the following permissions: AUTHENTICATED_STAFF_USER.
    #[graphql(deprecation = "This field will be removed in a future release.")]
    async fn limits(&self, ctx: &Context<'_>) -> Result<LimitInfo> {
        require_staff_user(ctx)?;
        // No limits are configured here, as in Saleor's open-source core.
        Ok(LimitInfo::default())
    }

    /// Announcements for the shop.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_STAFF_USER.
    async fn announcements(&self, ctx: &Context<'_>) -> Result<Vec<Announcement>> {
        require_staff_user(ctx)?;
        // Saleor's open-source core has no announcements resolver.
        Ok(Vec::new())
    }

    /// List of tax apps that can be assigned to the channel. The list will be calculated by
    /// Saleor based on the apps that are subscribed to webhooks related to tax calculations:
    /// CHECKOUT_CALCULATE_TAXES
    ///
    /// Requires one of the following permissions: AUTHENTICATED_STAFF_USER, MANAGE_APPS.
    async fn available_tax_apps(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<crate::account::app_api::AppNode>> {
        let req = ctx.data::<RequestCtx>()?;
        if !(req.user().is_some_and(|u| u.is_staff) || req.has_perm(Permission::ManageApps)) {
            return Err(crate::core::error::permission_denied(&[
                "AUTHENTICATED_STAFF_USER",
                "MANAGE_APPS",
            ]));
        }
        // Tax apps answer the synchronous CHECKOUT_CALCULATE_TAXES webhook; webhooks here
        // are asynchronous only, so no app can be one yet.
        Ok(Vec::new())
    }

    /// Determines if address fields that are not valid for a given country should be
    /// preserved instead of being removed during validation.
    ///
    /// Requires one of the following permissions: MANAGE_SETTINGS.
    async fn preserve_all_address_fields(&self, ctx: &Context<'_>) -> Result<bool> {
        require_settings(ctx)?;
        Ok(self.model.preserve_all_address_fields)
    }

    /// Determines whether password-based authentication is allowed.
    async fn password_login_mode(&self) -> PasswordLoginModeEnum {
        PasswordLoginModeEnum::parse(&self.model.password_login_mode)
    }

    /// Include taxes in prices.
    #[graphql(
        deprecation = "Use `Channel.taxConfiguration.pricesEnteredWithTax` to determine whether prices are entered with tax."
    )]
    async fn include_taxes_in_prices(&self) -> bool {
        self.model.include_taxes_in_prices
    }

    /// Display prices with tax in store.
    #[graphql(
        deprecation = "Use `Channel.taxConfiguration` to determine whether to display gross or net prices."
    )]
    async fn display_gross_prices(&self) -> bool {
        self.model.display_gross_prices
    }

    /// Charge taxes on shipping.
    #[graphql(
        deprecation = "Use `ShippingMethodType.taxClass` to determine whether taxes are calculated for shipping methods; if a tax class is set, the taxes will be calculated, otherwise no tax rate will be applied."
    )]
    async fn charge_taxes_on_shipping(&self) -> bool {
        self.model.charge_taxes_on_shipping
    }

    /// When enabled, stock availability is filtered by shipping zones and the destination
    /// address (legacy behavior). When disabled, stock availability is determined only by
    /// the direct warehouse-channel link, ignoring shipping zones.
    async fn use_legacy_shipping_zone_stock_availability(&self) -> bool {
        self.model.use_legacy_shipping_zone_stock_availability
    }

    /// Determines how to merge existing orders and gift cards when a customer confirms
    /// their account.
    async fn account_confirm_merge_mode(&self) -> AccountConfirmModeEnum {
        AccountConfirmModeEnum::parse(&self.model.account_confirm_merge_mode)
    }

    /// Use legacy update webhook emission. When enabled, update webhooks (e.g.
    /// `customerUpdated`,`productVariantUpdated`) are sent even when only metadata changes.
    /// When disabled, update webhooks are not sent for metadata-only changes; only
    /// metadata-specific webhooks (e.g., `customerMetadataUpdated`,
    /// `productVariantMetadataUpdated`) are sent.
    #[graphql(deprecation = "This field will be removed in a future release.")]
    async fn use_legacy_update_webhook_emission(&self) -> Option<bool> {
        Some(self.model.use_legacy_update_webhook_emission)
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
        let (state, req) = parts(ctx)?;
        let model = state
            .shop
            .get()
            .await
            .map_err(|e| req.internal(e))?
            .ok_or_else(|| error(ErrorCode::Internal, "The shop is not initialised."))?;
        Ok(Self::new(model, state))
    }

    /// The shop of a row just read or written.
    pub fn new(model: shop::Model, state: &AppState) -> Self {
        Self {
            meta: MetadataFields::new(&model.metadata, &model.private_metadata),
            model,
            public_url: state.config.graphql_url(),
        }
    }
}

/// Saleor's `MANAGE_SETTINGS` check of the settings fields.
fn require_settings(ctx: &Context<'_>) -> Result<()> {
    ctx.data::<RequestCtx>()?
        .require_any(&[Permission::ManageSettings])
}

/// Saleor's `AUTHENTICATED_STAFF_USER`: a staff user (not an app).
fn require_staff_user(ctx: &Context<'_>) -> Result<()> {
    match ctx.data::<RequestCtx>()?.user() {
        Some(u) if u.is_staff => Ok(()),
        _ => Err(permission_denied(&["AUTHENTICATED_STAFF_USER"])),
    }
}

/// A stored `WeightUnitsEnum` value.
fn weight_unit(stored: &str) -> Option<WeightUnitsEnum> {
    [
        WeightUnitsEnum::G,
        WeightUnitsEnum::Lb,
        WeightUnitsEnum::Oz,
        WeightUnitsEnum::Kg,
        WeightUnitsEnum::Tonne,
    ]
    .into_iter()
    .find(|u| weight_unit_code(*u) == stored)
}

/// A `WeightUnitsEnum` value as stored.
pub fn weight_unit_code(unit: WeightUnitsEnum) -> &'static str {
    match unit {
        WeightUnitsEnum::G => "G",
        WeightUnitsEnum::Lb => "LB",
        WeightUnitsEnum::Oz => "OZ",
        WeightUnitsEnum::Kg => "KG",
        WeightUnitsEnum::Tonne => "TONNE",
    }
}
