//! Scoring rules: an activity type (optionally on URLs containing a string) gives ± points.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lead_scoring_rule")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    /// Activity type the rule applies to.
    pub event: String,
    /// When set, only activities whose URL contains this text match.
    pub url_contains: Option<String>,
    pub points: i32,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
