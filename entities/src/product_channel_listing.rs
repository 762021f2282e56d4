//! A product in a channel. `min_price`/`max_price` (minor units) are the variant price range, maintained on write.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "product_channel_listing")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub product_id: i32,
    pub channel_id: i32,
    pub is_published: bool,
    pub published_at: Option<DateTimeUtc>,
    pub visible_in_listings: bool,
    pub available_for_purchase_at: Option<DateTimeUtc>,
    pub currency: String,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    /// The discounted variant price range (catalogue promotions), maintained on write.
    pub discounted_min_price: Option<i64>,
    pub discounted_max_price: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
