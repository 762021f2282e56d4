//! The single shop row: name, description and shop-wide settings.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shop")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub description: Option<String>,
    pub default_country: String,
    pub domain: String,
    /// Random id shared by every instance of one deployment; namespaces Redis keys.
    pub installation_id: String,
    pub metadata: Json,
    pub private_metadata: Json,
    pub created_at: DateTimeUtc,
    /// New customers must confirm their email before signing in.
    pub enable_account_confirmation_by_email: bool,
    /// Unconfirmed customers may still sign in.
    pub allow_login_without_confirmation: bool,
    pub header_text: String,
    /// Default of `ProductVariant.trackInventory` for new variants.
    pub track_inventory_by_default: bool,
    /// `WeightUnitsEnum` value.
    pub default_weight_unit: String,
    /// The company's address, stored as a checkout's addresses are.
    pub company_address: Option<Json>,
    pub default_mail_sender_name: String,
    pub default_mail_sender_address: Option<String>,
    /// `PasswordLoginModeEnum` value: `ENABLED`, `CUSTOMERS_ONLY` or `DISABLED`.
    pub password_login_mode: String,
    pub customer_set_password_url: Option<String>,
    pub fulfillment_auto_approve: bool,
    pub fulfillment_allow_unpaid: bool,
    /// When false, only staff and apps may call the API.
    pub allow_storefront_traffic: bool,
    pub preserve_all_address_fields: bool,
    /// Minutes of stock reservation for anonymous checkouts (`None`: no reservation).
    pub reserve_stock_duration_anonymous_user: Option<i32>,
    /// Minutes of stock reservation for signed-in checkouts (`None`: no reservation).
    pub reserve_stock_duration_authenticated_user: Option<i32>,
    /// Largest quantity of one variant in a checkout (`None`: no limit).
    pub limit_quantity_per_checkout: Option<i32>,
    pub charge_taxes_on_shipping: bool,
    pub include_taxes_in_prices: bool,
    pub display_gross_prices: bool,
    pub use_legacy_update_webhook_emission: bool,
    pub use_legacy_shipping_zone_stock_availability: bool,
    /// `AccountConfirmModeEnum` value.
    pub account_confirm_merge_mode: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
