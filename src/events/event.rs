//! Event types (Saleor's asynchronous webhook event names) and new events to record.

use serde_json::Value as Json;

use crate::core::permissions::Permission;

macro_rules! event_types {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// The events we emit, named as Saleor's `WebhookEventTypeAsyncEnum`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum EventType { $($variant),* }

        impl EventType {
            /// Every event type.
            pub const ALL: &'static [EventType] = &[$(EventType::$variant),*];

            /// Saleor's name, e.g. `ORDER_CREATED`.
            pub fn as_str(self) -> &'static str {
                match self { $(EventType::$variant => $name),* }
            }

            /// The event type with Saleor's name `name`.
            pub fn parse(name: &str) -> Option<Self> {
                match name { $($name => Some(EventType::$variant),)* _ => None }
            }
        }
    };
}

event_types! {
    ChannelMetadataUpdated => "CHANNEL_METADATA_UPDATED",
    CustomerCreated => "CUSTOMER_CREATED",
    CustomerUpdated => "CUSTOMER_UPDATED",
    CustomerMetadataUpdated => "CUSTOMER_METADATA_UPDATED",
    AddressCreated => "ADDRESS_CREATED",
    AddressUpdated => "ADDRESS_UPDATED",
    AddressDeleted => "ADDRESS_DELETED",
    AccountConfirmationRequested => "ACCOUNT_CONFIRMATION_REQUESTED",
    AccountConfirmed => "ACCOUNT_CONFIRMED",
    AccountSetPasswordRequested => "ACCOUNT_SET_PASSWORD_REQUESTED",
    StaffSetPasswordRequested => "STAFF_SET_PASSWORD_REQUESTED",
    AccountChangeEmailRequested => "ACCOUNT_CHANGE_EMAIL_REQUESTED",
    AccountEmailChanged => "ACCOUNT_EMAIL_CHANGED",
    AccountDeleteRequested => "ACCOUNT_DELETE_REQUESTED",
    AccountDeleted => "ACCOUNT_DELETED",
    CustomerDeleted => "CUSTOMER_DELETED",
    StaffCreated => "STAFF_CREATED",
    StaffUpdated => "STAFF_UPDATED",
    StaffDeleted => "STAFF_DELETED",
    PermissionGroupCreated => "PERMISSION_GROUP_CREATED",
    PermissionGroupUpdated => "PERMISSION_GROUP_UPDATED",
    PermissionGroupDeleted => "PERMISSION_GROUP_DELETED",
    AppInstalled => "APP_INSTALLED",
    AppUpdated => "APP_UPDATED",
    AppDeleted => "APP_DELETED",
    AppStatusChanged => "APP_STATUS_CHANGED",
    LeadCreated => "LEAD_CREATED",
    LeadUpdated => "LEAD_UPDATED",
    LeadStageChanged => "LEAD_STAGE_CHANGED",
    LeadConverted => "LEAD_CONVERTED",
    CampaignCreated => "CAMPAIGN_CREATED",
    CampaignUpdated => "CAMPAIGN_UPDATED",
    CampaignStatusChanged => "CAMPAIGN_STATUS_CHANGED",
    CheckoutCreated => "CHECKOUT_CREATED",
    CheckoutUpdated => "CHECKOUT_UPDATED",
    OrderCreated => "ORDER_CREATED",
    OrderConfirmed => "ORDER_CONFIRMED",
    OrderUpdated => "ORDER_UPDATED",
    OrderFulfilled => "ORDER_FULFILLED",
    OrderCancelled => "ORDER_CANCELLED",
    FulfillmentCreated => "FULFILLMENT_CREATED",
    OrderPaid => "ORDER_PAID",
    OrderFullyPaid => "ORDER_FULLY_PAID",
    OrderRefunded => "ORDER_REFUNDED",
    OrderFullyRefunded => "ORDER_FULLY_REFUNDED",
    CheckoutFullyPaid => "CHECKOUT_FULLY_PAID",
    FulfillmentCanceled => "FULFILLMENT_CANCELED",
    DraftOrderCreated => "DRAFT_ORDER_CREATED",
    DraftOrderUpdated => "DRAFT_ORDER_UPDATED",
    DraftOrderDeleted => "DRAFT_ORDER_DELETED",
    ProductVariantOutOfStock => "PRODUCT_VARIANT_OUT_OF_STOCK",
    ProductVariantBackInStock => "PRODUCT_VARIANT_BACK_IN_STOCK",
}

impl EventType {
    /// Permissions that let staff users and apps see this event (any one of them).
    pub fn permissions(self) -> &'static [Permission] {
        match self {
            Self::ChannelMetadataUpdated => &[Permission::ManageChannels],
            Self::StaffSetPasswordRequested
            | Self::StaffCreated
            | Self::StaffUpdated
            | Self::StaffDeleted
            | Self::PermissionGroupCreated
            | Self::PermissionGroupUpdated
            | Self::PermissionGroupDeleted => &[Permission::ManageStaff],
            Self::AppInstalled | Self::AppUpdated | Self::AppDeleted | Self::AppStatusChanged => {
                &[Permission::ManageApps]
            }
            Self::CustomerCreated
            | Self::CustomerUpdated
            | Self::CustomerMetadataUpdated
            | Self::AddressCreated
            | Self::AddressUpdated
            | Self::AddressDeleted
            | Self::AccountConfirmationRequested
            | Self::AccountConfirmed
            | Self::AccountSetPasswordRequested
            | Self::AccountChangeEmailRequested
            | Self::AccountEmailChanged
            | Self::AccountDeleteRequested
            | Self::AccountDeleted
            | Self::CustomerDeleted => &[Permission::ManageUsers],
            Self::LeadCreated
            | Self::LeadUpdated
            | Self::LeadStageChanged
            | Self::LeadConverted => &[Permission::ManageLeads],
            Self::CampaignCreated | Self::CampaignUpdated | Self::CampaignStatusChanged => {
                &[Permission::ManageCampaigns]
            }
            Self::CheckoutCreated | Self::CheckoutUpdated | Self::CheckoutFullyPaid => {
                &[Permission::ManageCheckouts]
            }
            Self::OrderCreated
            | Self::OrderConfirmed
            | Self::OrderUpdated
            | Self::OrderFulfilled
            | Self::OrderCancelled
            | Self::FulfillmentCreated
            | Self::OrderPaid
            | Self::OrderFullyPaid
            | Self::OrderRefunded
            | Self::OrderFullyRefunded
            | Self::FulfillmentCanceled
            | Self::DraftOrderCreated
            | Self::DraftOrderUpdated
            | Self::DraftOrderDeleted => &[Permission::ManageOrders],
            Self::ProductVariantOutOfStock | Self::ProductVariantBackInStock => {
                &[Permission::ManageProducts]
            }
        }
    }
}

/// An event to record in the outbox.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub event_type: EventType,
    /// GraphQL type of the object, e.g. `Channel`.
    pub object_type: &'static str,
    /// Primary key (or token) of the object.
    pub object_id: String,
    /// The object's channel, for channel filters.
    pub channel_slug: Option<String>,
    /// The customer owning the object (orders, checkouts), for per-customer visibility.
    pub user_id: Option<i32>,
    /// Global ID of the user or app that caused it.
    pub requestor: Option<String>,
    /// Extra data, e.g. a snapshot of a deleted object.
    pub payload: Json,
}

impl NewEvent {
    /// An event about `object_type` `object_id` with no extra data.
    pub fn new(event_type: EventType, object_type: &'static str, object_id: impl ToString) -> Self {
        Self {
            event_type,
            object_type,
            object_id: object_id.to_string(),
            channel_slug: None,
            user_id: None,
            requestor: None,
            payload: Json::Object(Default::default()),
        }
    }

    /// Sets the channel.
    pub fn channel(mut self, slug: impl Into<String>) -> Self {
        self.channel_slug = Some(slug.into());
        self
    }

    /// Sets extra data.
    pub fn payload(mut self, payload: Json) -> Self {
        self.payload = payload;
        self
    }

    /// Sets the requestor's global ID.
    pub fn requestor(mut self, requestor: Option<String>) -> Self {
        self.requestor = requestor;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(*t));
        }
    }
}
