//! Checkouts (carts), identified by a UUID token.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "checkout")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token: String,
    pub channel_id: i32,
    pub user_id: Option<i32>,
    pub email: Option<String>,
    pub currency: String,
    /// Snapshot of the shipping address (the `ValidAddress` fields).
    pub shipping_address: Option<Json>,
    /// Snapshot of the billing address.
    pub billing_address: Option<Json>,
    pub shipping_method_id: Option<i32>,
    pub voucher_code: Option<String>,
    pub customer_note: String,
    pub language_code: String,
    /// Set when the checkout was completed: the order it became.
    pub order_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub metadata: Json,
    pub private_metadata: Json,
    /// The click-and-collect warehouse selected as delivery method (instead of a
    /// shipping method).
    pub collection_point_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
