//! The small types of `Shop`: settings enums, translations, limits, announcements, external
//! authentications and staff notification recipients.

use async_graphql::{Context, Enum, ID, Result, SimpleObject};
use entities::staff_notification_recipient as recipient;

use crate::account::api::UserNode;
use crate::catalog::api::common::LanguageDisplay;
use crate::core::{id, metadata::Metadata, permissions::Permission};
use crate::state::parts;

/// Controls whether password-based authentication is allowed.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PasswordLoginModeEnum {
    Enabled,
    CustomersOnly,
    Disabled,
}

impl PasswordLoginModeEnum {
    /// The stored value (`ENABLED` when unknown).
    pub fn parse(stored: &str) -> Self {
        match stored {
            "DISABLED" => Self::Disabled,
            "CUSTOMERS_ONLY" => Self::CustomersOnly,
            _ => Self::Enabled,
        }
    }

    /// The value as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "ENABLED",
            Self::CustomersOnly => "CUSTOMERS_ONLY",
            Self::Disabled => "DISABLED",
        }
    }
}

/// Determines how to merge existing orders and gift cards when a customer confirms their
/// account.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AccountConfirmModeEnum {
    MergeDisabled,
    RequirePassword,
}

impl AccountConfirmModeEnum {
    /// The stored value (`MERGE_DISABLED` when unknown).
    pub fn parse(stored: &str) -> Self {
        match stored {
            "REQUIRE_PASSWORD" => Self::RequirePassword,
            _ => Self::MergeDisabled,
        }
    }

    /// The value as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MergeDisabled => "MERGE_DISABLED",
            Self::RequirePassword => "REQUIRE_PASSWORD",
        }
    }
}

/// External authentication plugin.
#[derive(SimpleObject)]
pub struct ExternalAuthentication {
    /// ID of external authentication plugin.
    pub id: String,
    /// Name of external authentication plugin.
    pub name: Option<String>,
}

/// Represents shop translations.
#[derive(SimpleObject)]
pub struct ShopTranslation {
    /// The ID of the shop translation.
    pub id: ID,
    /// Translation language.
    pub language: LanguageDisplay,
    /// Translated header text of sale.
    pub header_text: String,
    /// Translated description of sale.
    pub description: String,
}

/// Store the current and allowed usage.
#[derive(SimpleObject, Default)]
pub struct LimitInfo {
    /// Defines the current resource usage.
    pub current_usage: Limits,
    /// Defines the allowed maximum resource usage, null means unlimited.
    pub allowed_usage: Limits,
}

/// The usage of each limited resource (null: not tracked or unlimited).
#[derive(SimpleObject, Default)]
pub struct Limits {
    /// Defines the number of channels.
    pub channels: Option<i32>,
    /// Defines the number of order.
    pub orders: Option<i32>,
    /// Defines the number of product variants.
    pub product_variants: Option<i32>,
    /// Defines the number of staff users.
    pub staff_users: Option<i32>,
    /// Defines the number of warehouses.
    pub warehouses: Option<i32>,
}

/// How critical an announcement is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AnnouncementImportanceEnum {
    Critical,
    High,
    Moderate,
    Low,
    Unset,
}

/// Lists current announcements that the user should see.
#[derive(SimpleObject)]
pub struct Announcement {
    /// The date & time at which this announcement was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The date & time at which this announcement was last updated.
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// The announcement's title.
    pub title: String,
    /// The announcement's description, may contain HTML formatting.
    pub message_html: String,
    /// Determine the how critical the announcement is. UNSET if no severity level was
    /// defined for this announcement.
    pub importance: AnnouncementImportanceEnum,
    /// The announcement's type, for example "CUSTOM". Used to programatically distinguish
    /// between message types thus allowing to render the message differently, and allows to
    /// know the expected shape for the `extra` field.
    pub r#type: String,
    /// Additional information about this announcement.
    pub extra: Metadata,
}

/// Represents a recipient of email notifications send by Saleor, such as notifications
/// about new orders. Notifications can be assigned to staff users or arbitrary email
/// addresses.
pub struct StaffNotificationRecipient(pub recipient::Model);

#[async_graphql::Object]
impl StaffNotificationRecipient {
    /// The ID of the staff notification recipient.
    async fn id(&self) -> ID {
        id::encode("StaffNotificationRecipient", self.0.id)
    }

    /// Returns a user subscribed to email notifications.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<UserNode>> {
        let Some(user_id) = self.0.user_id else {
            return Ok(None);
        };
        let (_, req) = parts(ctx)?;
        // Saleor: the user themself or a holder of MANAGE_STAFF.
        if req.user().is_none_or(|u| u.id != user_id) {
            req.require_any(&[Permission::ManageStaff])?;
        }
        let user = crate::loaders::loaders(ctx)?
            .account
            .users
            .load_one(user_id)
            .await
            .map_err(|e| req.internal(e))?;
        Ok(user.map(UserNode::from))
    }

    /// Returns email address of a user subscribed to email notifications.
    async fn email(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        if let Some(email) = &self.0.staff_email {
            return Ok(Some(email.clone()));
        }
        let Some(user_id) = self.0.user_id else {
            return Ok(None);
        };
        let (_, req) = parts(ctx)?;
        let user = crate::loaders::loaders(ctx)?
            .account
            .users
            .load_one(user_id)
            .await
            .map_err(|e| req.internal(e))?;
        Ok(user.map(|u| u.email))
    }

    /// Determines if a notification active.
    async fn active(&self) -> Option<bool> {
        Some(self.0.active)
    }
}
