//! The channels a promotion rule applies in.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "promotion_rule_channel")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub promotion_rule_id: i32,
    pub channel_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
