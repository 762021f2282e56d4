//! A running catalogue promotion rule that applies to a variant channel listing, with the
//! discount it gives one unit (precomputed; Saleor's `VariantChannelListingPromotionRule`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "variant_listing_promotion_rule")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub variant_channel_listing_id: i32,
    pub promotion_rule_id: i32,
    pub discount_amount: i64,
    pub currency: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
