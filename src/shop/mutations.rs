//! Site settings mutations: `shopSettingsUpdate`, `shopAddressUpdate`, `shopDomainUpdate`,
//! `shopSettingsTranslate`, `shopFetchTaxRates` and the staff notification recipients.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

use super::api::{ShopNode, weight_unit_code};
use super::service::{Changer, RecipientInput, SettingsChange, ShopErrorCode, ShopResult};
use super::types::{AccountConfirmModeEnum, PasswordLoginModeEnum, StaffNotificationRecipient};
use crate::account::api::AddressInput;
use crate::account::error::{AccountError, AccountErrorCode};
use crate::catalog::api::common::WeightUnitsEnum;
use crate::catalog::api::mutations::TranslationError;
use crate::core::{
    country::LanguageCodeEnum,
    id,
    metadata::MetadataInput,
    mutation::{DomainError, FieldError},
    payload::respond,
    permissions::Permission,
};
use crate::state::parts;

crate::error_object! {
    /// Represents errors in shop mutations.
    ShopError(ShopErrorCode) { field, message, code }
}

crate::payload! {
    /// Updates shop settings.
    ShopSettingsUpdate {
        /// Updated shop.
        shop: Option<ShopNode>,
        @errors ShopError, legacy shop_errors;
    }
}

crate::payload! {
    /// Update the shop's address. If the `null` value is passed, the currently selected
    /// address will be deleted.
    ShopAddressUpdate {
        /// Updated shop.
        shop: Option<ShopNode>,
        @errors ShopError, legacy shop_errors;
    }
}

crate::payload! {
    /// Updates site domain of the shop.
    ShopDomainUpdate {
        /// Updated shop.
        shop: Option<ShopNode>,
        @errors ShopError, legacy shop_errors;
    }
}

crate::payload! {
    /// Fetch tax rates.
    ShopFetchTaxRates {
        /// Updated shop.
        shop: Option<ShopNode>,
        @errors ShopError, legacy shop_errors;
    }
}

crate::payload! {
    /// Creates/updates translations for shop settings.
    ShopSettingsTranslate {
        /// Updated shop settings.
        shop: Option<ShopNode>,
        @errors TranslationError, legacy translation_errors;
    }
}

crate::payload! {
    /// Creates a new staff notification recipient.
    StaffNotificationRecipientCreate {
        @errors ShopError, legacy shop_errors;
        staff_notification_recipient: Option<StaffNotificationRecipient>,
    }
}

crate::payload! {
    /// Updates a staff notification recipient.
    StaffNotificationRecipientUpdate {
        @errors ShopError, legacy shop_errors;
        staff_notification_recipient: Option<StaffNotificationRecipient>,
    }
}

crate::payload! {
    /// Deletes staff notification recipient.
    StaffNotificationRecipientDelete {
        @errors ShopError, legacy shop_errors;
        staff_notification_recipient: Option<StaffNotificationRecipient>,
    }
}

/// Fields of `shopSettingsUpdate`.
#[derive(InputObject)]
pub struct ShopSettingsInput {
    /// Shop's name.
    name: Option<String>,
    /// Header text.
    header_text: Option<String>,
    /// SEO description.
    description: Option<String>,
    /// This field is used as a default value for `ProductVariant.trackInventory`.
    track_inventory_by_default: Option<bool>,
    /// Default weight unit.
    default_weight_unit: Option<WeightUnitsEnum>,
    /// Enable automatic approval of all new fulfillments.
    fulfillment_auto_approve: Option<bool>,
    /// Enable ability to approve fulfillments which are unpaid.
    fulfillment_allow_unpaid: Option<bool>,
    /// Default email sender's name.
    default_mail_sender_name: Option<String>,
    /// Default email sender's address.
    default_mail_sender_address: MaybeUndefined<String>,
    /// URL of a view where customers can set their password.
    customer_set_password_url: MaybeUndefined<String>,
    /// Default number of minutes stock will be reserved for anonymous checkout. Enter 0 or
    /// null to disable.
    reserve_stock_duration_anonymous_user: MaybeUndefined<i32>,
    /// Default number of minutes stock will be reserved for authenticated checkout. Enter 0
    /// or null to disable.
    reserve_stock_duration_authenticated_user: MaybeUndefined<i32>,
    /// Default number of maximum line quantity in single checkout. Minimum possible value is
    /// 1, default value is 50.
    limit_quantity_per_checkout: MaybeUndefined<i32>,
    /// Enable automatic account confirmation by email.
    enable_account_confirmation_by_email: Option<bool>,
    /// Enable possibility to login without account confirmation.
    allow_login_without_confirmation: Option<bool>,
    /// Determines whether the GraphQL API accepts storefront requests (anonymous requests
    /// and authenticated non-staff customers). When disabled, only apps and staff users may
    /// call the API directly; all other requests are rejected with an HTTP 401 and the
    /// `STOREFRONT_TRAFFIC_NOT_ALLOWED` error code.
    allow_storefront_traffic: Option<bool>,
    /// Shop public metadata.
    metadata: Option<Vec<MetadataInput>>,
    /// Shop private metadata.
    private_metadata: Option<Vec<MetadataInput>>,
    /// When enabled, address fields that are not valid for a given country (according to
    /// Google's i18n address data) will be preserved instead of being removed during
    /// validation. Validation errors are still returned.
    preserve_all_address_fields: Option<bool>,
    /// Controls whether password-based authentication is allowed.
    password_login_mode: Option<PasswordLoginModeEnum>,
    /// When enabled, stock availability is filtered by shipping zones and the destination
    /// address (legacy behavior). When disabled, stock availability is determined only by
    /// the direct warehouse-channel link, ignoring shipping zones.
    use_legacy_shipping_zone_stock_availability: Option<bool>,
    /// Include taxes in prices.
    #[graphql(
        deprecation = "Use `taxConfigurationUpdate` mutation to configure this setting per channel or country."
    )]
    include_taxes_in_prices: Option<bool>,
    /// Display prices with tax in store.
    #[graphql(
        deprecation = "Use `taxConfigurationUpdate` mutation to configure this setting per channel or country."
    )]
    display_gross_prices: Option<bool>,
    /// Charge taxes on shipping.
    #[graphql(
        deprecation = "To enable taxes for a shipping method, assign a tax class to the shipping method with `shippingPriceCreate` or `shippingPriceUpdate` mutations."
    )]
    charge_taxes_on_shipping: Option<bool>,
    /// Use legacy update webhook emission.
    #[graphql(deprecation = "This field will be removed in a future release.")]
    use_legacy_update_webhook_emission: Option<bool>,
    /// Controls the method used for merging existing orders and giftcards when
    /// password-based authentication is used.
    account_confirm_merge_mode: Option<AccountConfirmModeEnum>,
}

/// `MaybeUndefined` as a change: `None` when not given, `Some(None)` when null.
fn nullable<T>(v: MaybeUndefined<T>) -> Option<Option<T>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

impl From<ShopSettingsInput> for SettingsChange {
    fn from(i: ShopSettingsInput) -> Self {
        Self {
            name: i.name,
            header_text: i.header_text,
            description: i.description,
            track_inventory_by_default: i.track_inventory_by_default,
            default_weight_unit: i
                .default_weight_unit
                .map(|u| weight_unit_code(u).to_owned()),
            fulfillment_auto_approve: i.fulfillment_auto_approve,
            fulfillment_allow_unpaid: i.fulfillment_allow_unpaid,
            default_mail_sender_name: i.default_mail_sender_name,
            default_mail_sender_address: nullable(i.default_mail_sender_address),
            customer_set_password_url: nullable(i.customer_set_password_url),
            reserve_stock_duration_anonymous_user: nullable(
                i.reserve_stock_duration_anonymous_user,
            ),
            reserve_stock_duration_authenticated_user: nullable(
                i.reserve_stock_duration_authenticated_user,
            ),
            limit_quantity_per_checkout: nullable(i.limit_quantity_per_checkout),
            enable_account_confirmation_by_email: i.enable_account_confirmation_by_email,
            allow_login_without_confirmation: i.allow_login_without_confirmation,
            allow_storefront_traffic: i.allow_storefront_traffic,
            metadata: i.metadata,
            private_metadata: i.private_metadata,
            preserve_all_address_fields: i.preserve_all_address_fields,
            password_login_mode: i.password_login_mode.map(|m| m.as_str().to_owned()),
            use_legacy_shipping_zone_stock_availability: i
                .use_legacy_shipping_zone_stock_availability,
            include_taxes_in_prices: i.include_taxes_in_prices,
            display_gross_prices: i.display_gross_prices,
            charge_taxes_on_shipping: i.charge_taxes_on_shipping,
            use_legacy_update_webhook_emission: i.use_legacy_update_webhook_emission,
            account_confirm_merge_mode: i.account_confirm_merge_mode.map(|m| m.as_str().to_owned()),
        }
    }
}

/// Fields of `shopDomainUpdate`.
#[derive(InputObject)]
pub struct SiteDomainInput {
    /// Domain name for shop.
    domain: Option<String>,
    /// Shop site name.
    name: Option<String>,
}

/// Fields of `shopSettingsTranslate`.
#[derive(InputObject)]
pub struct ShopSettingsTranslationInput {
    header_text: Option<String>,
    description: Option<String>,
}

/// Fields of a staff notification recipient.
#[derive(InputObject)]
pub struct StaffNotificationRecipientInput {
    /// The ID of the user subscribed to email notifications..
    user: MaybeUndefined<ID>,
    /// Email address of a user subscribed to email notifications.
    email: MaybeUndefined<String>,
    /// Determines if a notification active.
    active: Option<bool>,
}

impl StaffNotificationRecipientInput {
    fn parse(self) -> ShopResult<RecipientInput> {
        let user = match nullable(self.user) {
            Some(Some(gid)) => Some(Some(
                id::decode::<i32>(&gid, "User")
                    .map_err(|e| FieldError::graphql("user", e.message))?,
            )),
            Some(None) => Some(None),
            None => None,
        };
        Ok(RecipientInput {
            user,
            email: nullable(self.email),
            active: self.active,
        })
    }
}

/// An address validation failure of the accounts domain, as a shop error.
fn address_error(e: AccountError) -> DomainError<ShopErrorCode> {
    match e {
        AccountError::Invalid(failures) => DomainError::Invalid(
            failures
                .into_iter()
                .map(|f| {
                    let code = match f.code {
                        AccountErrorCode::Required => ShopErrorCode::Required,
                        _ => ShopErrorCode::Invalid,
                    };
                    FieldError::new(f.field.as_deref().unwrap_or_default(), code, f.message)
                })
                .collect(),
        ),
        other => DomainError::Internal(anyhow::anyhow!("{other}")),
    }
}

fn recipient_pk(gid: &ID) -> ShopResult<i32> {
    Ok(id::decode::<i32>(gid, "StaffNotificationRecipient")
        .map_err(|e| FieldError::graphql("id", e.message))?)
}

/// Site settings mutations.
#[derive(Default)]
pub struct ShopMutation;

#[Object]
impl ShopMutation {
    /// Updates shop settings.
    ///
    /// Requires one of the following permissions: MANAGE_SETTINGS.
    async fn shop_settings_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fields required to update shop settings.")] input: ShopSettingsInput,
    ) -> Result<Option<ShopSettingsUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageSettings])?;
        let changer = if req.app().is_some() {
            Changer::App
        } else {
            Changer::PasswordUser
        };
        let result = state.shop.update_settings(input.into(), changer).await;
        respond(req, result, |shop| ShopSettingsUpdate {
            shop: Some(ShopNode::new(shop, state)),
            ..Default::default()
        })
        .map(Some)
    }

    /// Update the shop's address. If the `null` value is passed, the currently selected
    /// address will be deleted.
    ///
    /// Requires one of the following permissions: MANAGE_SETTINGS.
    async fn shop_address_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fields required to update shop address.")] input: Option<AddressInput>,
    ) -> Result<Option<ShopAddressUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageSettings])?;
        let result = async {
            let address = match input {
                Some(input) => {
                    let current = state.shop.get().await?.and_then(|s| s.company_address);
                    let current = current.map(|a| crate::checkout::service::address_model(&a));
                    let valid = crate::account::service::validate_address(
                        &input.into(),
                        current.as_ref(),
                        None,
                        "input",
                    )
                    .map_err(address_error)?;
                    Some(crate::checkout::service::address_json(&valid))
                }
                None => None,
            };
            state.shop.set_company_address(address).await
        }
        .await;
        respond(req, result, |shop| ShopAddressUpdate {
            shop: Some(ShopNode::new(shop, state)),
            ..Default::default()
        })
        .map(Some)
    }

    /// Updates site domain of the shop.
    ///
    /// Requires one of the following permissions: MANAGE_SETTINGS.
    #[graphql(deprecation = "Use `PUBLIC_URL` environment variable instead.")]
    async fn shop_domain_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fields required to update site.")] input: Option<SiteDomainInput>,
    ) -> Result<Option<ShopDomainUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageSettings])?;
        let (domain, name) = input.map_or((None, None), |i| (i.domain, i.name));
        let result = state.shop.update_domain(domain, name).await;
        respond(req, result, |shop| ShopDomainUpdate {
            shop: Some(ShopNode::new(shop, state)),
            ..Default::default()
        })
        .map(Some)
    }

    /// Fetch tax rates.
    ///
    /// Requires one of the following permissions: MANAGE_SETTINGS.
    #[graphql(deprecation = "This field will be removed in a future release.")]
    async fn shop_fetch_tax_rates(&self, ctx: &Context<'_>) -> Result<Option<ShopFetchTaxRates>> {
        let (_, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageSettings])?;
        // Saleor's answer when no tax plugin can fetch rates; taxes here come from the tax
        // configuration and classes, not from a rates provider.
        let result: ShopResult<()> = Err(FieldError::new(
            "",
            ShopErrorCode::CannotFetchTaxRates,
            "Could not fetch tax rates. Make sure you have supplied a valid credential for your tax plugin.",
        )
        .into());
        respond(req, result, |()| ShopFetchTaxRates::default()).map(Some)
    }

    /// Creates/updates translations for shop settings.
    ///
    /// Requires one of the following permissions: MANAGE_TRANSLATIONS.
    async fn shop_settings_translate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fields required to update shop settings translations.")]
        input: ShopSettingsTranslationInput,
        #[graphql(desc = "Translation language code.")] language_code: LanguageCodeEnum,
    ) -> Result<Option<ShopSettingsTranslate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageTranslations])?;
        let shop = state
            .shop
            .translate(language_code.code(), input.header_text, input.description)
            .await
            .map_err(|e| match e {
                DomainError::Internal(e) => req.internal(format!("{e:#}")),
                DomainError::Invalid(_) => req.internal("unexpected input error"),
            })?;
        Ok(Some(ShopSettingsTranslate {
            shop: Some(ShopNode::new(shop, state)),
            ..Default::default()
        }))
    }

    /// Creates a new staff notification recipient.
    ///
    /// Requires one of the following permissions: MANAGE_SETTINGS.
    async fn staff_notification_recipient_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fields required to create a staff notification recipient.")]
        input: StaffNotificationRecipientInput,
    ) -> Result<Option<StaffNotificationRecipientCreate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageSettings])?;
        let result = async { state.shop.save_recipient(None, input.parse()?).await }.await;
        respond(req, result, |r| StaffNotificationRecipientCreate {
            staff_notification_recipient: Some(StaffNotificationRecipient(r)),
            ..Default::default()
        })
        .map(Some)
    }

    /// Updates a staff notification recipient.
    ///
    /// Requires one of the following permissions: MANAGE_SETTINGS.
    async fn staff_notification_recipient_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a staff notification recipient to update.")] id: ID,
        #[graphql(desc = "Fields required to update a staff notification recipient.")]
        input: StaffNotificationRecipientInput,
    ) -> Result<Option<StaffNotificationRecipientUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageSettings])?;
        let result = async {
            let pk = recipient_pk(&id)?;
            state.shop.save_recipient(Some(pk), input.parse()?).await
        }
        .await;
        respond(req, result, |r| StaffNotificationRecipientUpdate {
            staff_notification_recipient: Some(StaffNotificationRecipient(r)),
            ..Default::default()
        })
        .map(Some)
    }

    /// Deletes staff notification recipient.
    ///
    /// Requires one of the following permissions: MANAGE_SETTINGS.
    async fn staff_notification_recipient_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a staff notification recipient to delete.")] id: ID,
    ) -> Result<Option<StaffNotificationRecipientDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageSettings])?;
        let result = async { state.shop.delete_recipient(recipient_pk(&id)?).await }.await;
        respond(req, result, |r| StaffNotificationRecipientDelete {
            staff_notification_recipient: Some(StaffNotificationRecipient(r)),
            ..Default::default()
        })
        .map(Some)
    }
}
