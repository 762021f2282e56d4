//! A promotion's rule: channels, reward and the catalogue predicate it applies to.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "promotion_rule")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub promotion_id: i32,
    pub name: Option<String>,
    pub description: Option<Json>,
    /// `PERCENTAGE` or `FIXED`.
    pub reward_value_type: Option<String>,
    /// Exact decimal text: a percentage, or an amount in the channel currency.
    pub reward_value: Option<String>,
    /// `SUBTOTAL_DISCOUNT` or `GIFT` (order promotions only).
    pub reward_type: Option<String>,
    /// Saleor's `CataloguePredicateInput` as JSON, global IDs as given.
    pub catalogue_predicate: Json,
    pub order_predicate: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
