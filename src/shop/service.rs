//! The shop row and Saleor's site settings: reads, `shopSettingsUpdate`, the company
//! address, the domain, settings translations and staff notification recipients.

use entities::{
    account_user as user, shop, staff_notification_recipient as recipient, translation,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, TryIntoModel,
};
use serde_json::Value as Json;

use crate::core::{
    metadata::{self, MetadataInput},
    mutation::{DomainResult, ErrorCode, FieldError},
};

/// Saleor's `ShopErrorCode`.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ShopErrorCode {
    AlreadyExists,
    CannotFetchTaxRates,
    GraphqlError,
    Invalid,
    NotFound,
    Required,
    Unique,
    PasswordAuthRestriction,
}

impl ErrorCode for ShopErrorCode {
    const GRAPHQL_ERROR: Self = Self::GraphqlError;
    const INVALID: Self = Self::Invalid;
    const NOT_FOUND: Self = Self::NotFound;
}

/// The result of a shop settings change.
pub type ShopResult<T> = DomainResult<T, ShopErrorCode>;

/// Saleor's `DEFAULT_LIMIT_QUANTITY_PER_CHECKOUT`.
pub const DEFAULT_LIMIT_QUANTITY_PER_CHECKOUT: i32 = 50;

/// A change of `shopSettingsUpdate`: `None` leaves a setting as it is; for the nullable
/// settings `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct SettingsChange {
    pub name: Option<String>,
    pub header_text: Option<String>,
    pub description: Option<String>,
    pub track_inventory_by_default: Option<bool>,
    pub default_weight_unit: Option<String>,
    pub fulfillment_auto_approve: Option<bool>,
    pub fulfillment_allow_unpaid: Option<bool>,
    pub default_mail_sender_name: Option<String>,
    pub default_mail_sender_address: Option<Option<String>>,
    pub customer_set_password_url: Option<Option<String>>,
    pub reserve_stock_duration_anonymous_user: Option<Option<i32>>,
    pub reserve_stock_duration_authenticated_user: Option<Option<i32>>,
    pub limit_quantity_per_checkout: Option<Option<i32>>,
    pub enable_account_confirmation_by_email: Option<bool>,
    pub allow_login_without_confirmation: Option<bool>,
    pub allow_storefront_traffic: Option<bool>,
    pub metadata: Option<Vec<MetadataInput>>,
    pub private_metadata: Option<Vec<MetadataInput>>,
    pub preserve_all_address_fields: Option<bool>,
    pub password_login_mode: Option<String>,
    pub use_legacy_shipping_zone_stock_availability: Option<bool>,
    pub include_taxes_in_prices: Option<bool>,
    pub display_gross_prices: Option<bool>,
    pub charge_taxes_on_shipping: Option<bool>,
    pub use_legacy_update_webhook_emission: Option<bool>,
    pub account_confirm_merge_mode: Option<String>,
}

/// Who asks for a settings change, for the rules that depend on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Changer {
    /// A user signed in with a password (all our user tokens are).
    PasswordUser,
    /// An app.
    App,
}

/// How long an instance trusts its copy of `allow_storefront_traffic` (Saleor caches it
/// for five minutes); a change made on this instance applies at once, other instances
/// follow within this time.
const STOREFRONT_FLAG_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// Reads and changes shop-wide settings.
#[derive(Clone, Debug)]
pub struct ShopService {
    db: DatabaseConnection,
    /// `allow_storefront_traffic` and when it was read.
    storefront_flag: std::sync::Arc<std::sync::Mutex<Option<(bool, std::time::Instant)>>>,
}

impl ShopService {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            storefront_flag: Default::default(),
        }
    }

    /// Whether anonymous callers and customers may use the API (`allowStorefrontTraffic`),
    /// read at most every [`STOREFRONT_FLAG_TTL`] per instance.
    pub async fn storefront_traffic_allowed(&self) -> Result<bool, DbErr> {
        if let Ok(flag) = self.storefront_flag.lock()
            && let Some((allowed, at)) = *flag
            && at.elapsed() < STOREFRONT_FLAG_TTL
        {
            return Ok(allowed);
        }
        let allowed = self.get().await?.is_none_or(|s| s.allow_storefront_traffic);
        self.remember_storefront_flag(allowed);
        Ok(allowed)
    }

    fn remember_storefront_flag(&self, allowed: bool) {
        if let Ok(mut flag) = self.storefront_flag.lock() {
            *flag = Some((allowed, std::time::Instant::now()));
        }
    }

    /// The shop row; created at start-up, so `None` only on an uninitialised database.
    pub async fn get(&self) -> Result<Option<shop::Model>, DbErr> {
        shop::Entity::find()
            .order_by_asc(shop::Column::Id)
            .one(&self.db)
            .await
    }

    async fn row(&self) -> ShopResult<shop::Model> {
        self.get()
            .await?
            .ok_or_else(|| anyhow::anyhow!("the shop row is missing").into())
    }

    /// `shopSettingsUpdate`, with Saleor's validation.
    pub async fn update_settings(
        &self,
        change: SettingsChange,
        changer: Changer,
    ) -> ShopResult<shop::Model> {
        let mut errors = Vec::new();
        if changer == Changer::PasswordUser
            && matches!(
                change.password_login_mode.as_deref(),
                Some("DISABLED" | "CUSTOMERS_ONLY")
            )
        {
            errors.push(FieldError::new(
                "passwordLoginMode",
                ShopErrorCode::PasswordAuthRestriction,
                "Cannot restrict password login while authenticated with a password.",
            ));
        }
        if let Some(Some(url)) = &change.customer_set_password_url
            && !is_http_url(url)
        {
            errors.push(FieldError::invalid(
                "customerSetPasswordUrl",
                format!("{url} is not a valid URL."),
            ));
        }
        if let Some(Some(limit)) = change.limit_quantity_per_checkout
            && limit < 1
        {
            errors.push(FieldError::invalid(
                "limitQuantityPerCheckout",
                "Quantity limit cannot be lower than 1.",
            ));
        }
        if let Some(name) = &change.default_mail_sender_name
            && (name.chars().count() > 78 || name.contains(['\n', '\r']))
        {
            errors.push(FieldError::invalid(
                "defaultMailSenderName",
                "The sender name must be at most 78 characters long and on one line.",
            ));
        }
        let sender_address = match &change.default_mail_sender_address {
            Some(Some(address)) if !address.trim().is_empty() => {
                match crate::account::service::normalize_email(address) {
                    Some(address) => Some(Some(address)),
                    None => {
                        errors.push(FieldError::invalid(
                            "defaultMailSenderAddress",
                            "Enter a valid email address.",
                        ));
                        None
                    }
                }
            }
            Some(_) => Some(None),
            None => None,
        };
        if change.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            errors.push(FieldError::new(
                "name",
                ShopErrorCode::Required,
                "This field cannot be blank.",
            ));
        }
        let shop = self.row().await?;
        let metadata = match &change.metadata {
            Some(items) => Some(metadata_with(
                &shop.metadata,
                items,
                "metadata",
                &mut errors,
            )),
            None => None,
        };
        let private_metadata = match &change.private_metadata {
            Some(items) => Some(metadata_with(
                &shop.private_metadata,
                items,
                "privateMetadata",
                &mut errors,
            )),
            None => None,
        };
        if !errors.is_empty() {
            return Err(errors.into());
        }

        let mut row = shop.into_active_model();
        macro_rules! apply {
            ($($field:ident),* $(,)?) => {
                $(if let Some(value) = change.$field { row.$field = Set(value); })*
            };
        }
        apply!(
            name,
            header_text,
            track_inventory_by_default,
            default_weight_unit,
            fulfillment_auto_approve,
            fulfillment_allow_unpaid,
            default_mail_sender_name,
            customer_set_password_url,
            enable_account_confirmation_by_email,
            allow_login_without_confirmation,
            allow_storefront_traffic,
            preserve_all_address_fields,
            password_login_mode,
            use_legacy_shipping_zone_stock_availability,
            include_taxes_in_prices,
            display_gross_prices,
            charge_taxes_on_shipping,
            use_legacy_update_webhook_emission,
            account_confirm_merge_mode,
        );
        if let Some(description) = change.description {
            row.description = Set(Some(description));
        }
        if let Some(address) = sender_address {
            row.default_mail_sender_address = Set(address);
        }
        // Saleor: 0 or null disables a reservation; null clears the quantity limit.
        let minutes = |v: Option<i32>| v.filter(|m| *m >= 1);
        if let Some(v) = change.reserve_stock_duration_anonymous_user {
            row.reserve_stock_duration_anonymous_user = Set(minutes(v));
        }
        if let Some(v) = change.reserve_stock_duration_authenticated_user {
            row.reserve_stock_duration_authenticated_user = Set(minutes(v));
        }
        if let Some(v) = change.limit_quantity_per_checkout {
            row.limit_quantity_per_checkout = Set(v);
        }
        if let Some(m) = metadata {
            row.metadata = Set(m);
        }
        if let Some(m) = private_metadata {
            row.private_metadata = Set(m);
        }
        let shop = row.update(&self.db).await?;
        self.remember_storefront_flag(shop.allow_storefront_traffic);
        Ok(shop)
    }

    /// `shopAddressUpdate`: sets the company address (already validated), or removes it.
    pub async fn set_company_address(&self, address: Option<Json>) -> ShopResult<shop::Model> {
        let mut row = self.row().await?.into_active_model();
        row.company_address = Set(address);
        Ok(row.update(&self.db).await?)
    }

    /// `shopDomainUpdate`: the domain and/or the name.
    pub async fn update_domain(
        &self,
        domain: Option<String>,
        name: Option<String>,
    ) -> ShopResult<shop::Model> {
        let mut errors = Vec::new();
        if let Some(d) = &domain
            && !is_host(d)
        {
            errors.push(FieldError::invalid("domain", "Enter a valid domain name."));
        }
        if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            errors.push(FieldError::new(
                "name",
                ShopErrorCode::Required,
                "This field cannot be blank.",
            ));
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let mut row = self.row().await?.into_active_model();
        if let Some(d) = domain {
            row.domain = Set(d.trim().to_owned());
        }
        if let Some(n) = name {
            row.name = Set(n);
        }
        Ok(row.update(&self.db).await?)
    }

    /// The shop's settings translation into `language` (`header_text` in `name`, the
    /// description in `plain_text`).
    pub async fn translation(&self, language: &str) -> Result<Option<translation::Model>, DbErr> {
        translation::Entity::find()
            .filter(translation::Column::EntityKind.eq(TRANSLATION_KIND))
            .filter(translation::Column::LanguageCode.eq(language))
            .one(&self.db)
            .await
    }

    /// `shopSettingsTranslate`: creates or updates the translation into `language`.
    pub async fn translate(
        &self,
        language: &str,
        header_text: Option<String>,
        description: Option<String>,
    ) -> ShopResult<shop::Model> {
        let shop = self.row().await?;
        let txn = crate::db::begin_write(&self.db).await?;
        let existing = translation::Entity::find()
            .filter(translation::Column::EntityKind.eq(TRANSLATION_KIND))
            .filter(translation::Column::LanguageCode.eq(language))
            .one(&txn)
            .await?;
        let mut row = match existing {
            Some(t) => t.into_active_model(),
            None => translation::ActiveModel {
                entity_kind: Set(TRANSLATION_KIND.to_owned()),
                entity_id: Set(shop.id),
                language_code: Set(language.to_owned()),
                ..Default::default()
            },
        };
        if let Some(h) = header_text {
            row.name = Set(Some(h));
        }
        if let Some(d) = description {
            row.plain_text = Set(Some(d));
        }
        row.save(&txn).await?;
        txn.commit().await?;
        Ok(shop)
    }

    /// Every staff notification recipient, oldest first.
    pub async fn recipients(&self) -> Result<Vec<recipient::Model>, DbErr> {
        recipient::Entity::find()
            .order_by_asc(recipient::Column::Id)
            .all(&self.db)
            .await
    }

    /// One recipient.
    pub async fn recipient(&self, pk: i32) -> Result<Option<recipient::Model>, DbErr> {
        recipient::Entity::find_by_id(pk).one(&self.db).await
    }

    /// `staffNotificationRecipientCreate` (`pk` `None`) and `…Update`, with Saleor's rules:
    /// a user or an email is required; a user must be staff; an email of an existing user
    /// becomes that user.
    pub async fn save_recipient(
        &self,
        pk: Option<i32>,
        input: RecipientInput,
    ) -> ShopResult<recipient::Model> {
        let existing = match pk {
            Some(pk) => Some(
                self.recipient(pk)
                    .await?
                    .ok_or_else(|| FieldError::not_found("id", "Couldn't resolve to a node."))?,
            ),
            None => None,
        };
        let email = input
            .email
            .as_ref()
            .map(|e| e.as_deref().map(str::trim).unwrap_or_default().to_owned())
            .filter(|e| !e.is_empty());
        let user_given = input.user.is_some();
        let email_given = input.email.is_some();
        let mut user_id = input.user.flatten();
        let mut staff_email = None;
        if user_id.is_none() && email.is_none() {
            if existing.is_some() && (user_given || email_given) {
                return Err(FieldError::invalid(
                    "staffNotification",
                    "User and email cannot be set empty",
                )
                .into());
            }
            if existing.is_none() {
                return Err(FieldError::new(
                    "staffNotification",
                    ShopErrorCode::Required,
                    "User or email is required",
                )
                .into());
            }
        }
        if let Some(email) = &email {
            let Some(normalized) = crate::account::service::normalize_email(email) else {
                return Err(FieldError::invalid("email", "Enter a valid email address.").into());
            };
            match user::Entity::find()
                .filter(user::Column::Email.eq(normalized.clone()))
                .one(&self.db)
                .await?
            {
                Some(u) => user_id = Some(u.id),
                None => staff_email = Some(normalized),
            }
        }
        if let Some(uid) = user_id {
            let staff = user::Entity::find_by_id(uid)
                .one(&self.db)
                .await?
                .is_some_and(|u| u.is_staff);
            if !staff {
                return Err(FieldError::invalid("user", "User has to be staff user").into());
            }
        }
        let mut row = match existing {
            Some(r) => r.into_active_model(),
            None => recipient::ActiveModel {
                active: Set(true),
                ..Default::default()
            },
        };
        if user_id.is_some() || staff_email.is_some() {
            row.user_id = Set(user_id);
            row.staff_email = Set(staff_email);
        }
        if let Some(active) = input.active {
            row.active = Set(active);
        }
        Ok(row.save(&self.db).await?.try_into_model()?)
    }

    /// `staffNotificationRecipientDelete`: the deleted recipient.
    pub async fn delete_recipient(&self, pk: i32) -> ShopResult<recipient::Model> {
        let row = self
            .recipient(pk)
            .await?
            .ok_or_else(|| FieldError::not_found("id", "Couldn't resolve to a node."))?;
        recipient::Entity::delete_by_id(pk).exec(&self.db).await?;
        Ok(row)
    }
}

/// The translation kind of the shop's settings.
const TRANSLATION_KIND: &str = "shop";

/// Fields of a staff notification recipient: for `user` and `email`, `None` when not
/// given and `Some(None)` when given as null.
#[derive(Clone, Debug, Default)]
pub struct RecipientInput {
    pub user: Option<Option<i32>>,
    pub email: Option<Option<String>>,
    pub active: Option<bool>,
}

fn metadata_with(
    stored: &Json,
    items: &[MetadataInput],
    field: &str,
    errors: &mut Vec<FieldError<ShopErrorCode>>,
) -> Json {
    metadata::with_set(stored, items).unwrap_or_else(|_| {
        errors.push(FieldError::new(
            field,
            ShopErrorCode::Required,
            "Metadata key cannot be empty.",
        ));
        stored.clone()
    })
}

/// An absolute `http(s)` URL with a host, as Saleor's `validate_storefront_url` wants.
fn is_http_url(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https")
        && !host.is_empty()
        && !url.contains(char::is_whitespace)
}

/// A host name (optionally with a port), as a domain field holds.
fn is_host(domain: &str) -> bool {
    let domain = domain.trim();
    let host = domain.rsplit_once(':').map_or(domain, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            domain
        }
    });
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_hosts_are_checked() {
        assert!(is_http_url("https://shop.example.com/reset"));
        assert!(!is_http_url("javascript:alert(1)"));
        assert!(!is_http_url("https:///nohost"));
        assert!(is_host("shop.example.com"));
        assert!(is_host("localhost:8000"));
        assert!(!is_host("bad host"));
        assert!(!is_host("-x.com"));
    }
}
