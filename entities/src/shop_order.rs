//! Orders (table `shop_order`); money in minor units of `currency`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "shop_order")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(unique)]
    pub number: i64,
    pub channel_id: i32,
    pub user_id: Option<i32>,
    pub user_email: String,
    /// Saleor's `OrderStatus` (e.g. `UNFULFILLED`).
    pub status: String,
    /// The checkout this order was completed from (unique: one order per checkout).
    #[sea_orm(unique)]
    pub checkout_token: Option<String>,
    pub currency: String,
    pub shipping_address: Option<Json>,
    pub billing_address: Option<Json>,
    pub shipping_method_id: Option<i32>,
    pub shipping_method_name: Option<String>,
    pub shipping_price: i64,
    pub subtotal: i64,
    pub total: i64,
    /// Net amounts (the three above are gross).
    pub subtotal_net: i64,
    pub shipping_price_net: i64,
    pub total_net: i64,
    pub voucher_code: Option<String>,
    pub customer_note: String,
    pub language_code: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub metadata: Json,
    pub private_metadata: Json,
    /// Saleor's `OrderOriginEnum`: `CHECKOUT` or `DRAFT`.
    pub origin: String,
    /// The click-and-collect warehouse the order is picked up at (instead of shipping).
    pub collection_point_id: Option<i32>,
    /// Its name when the order was placed.
    pub collection_point_name: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
