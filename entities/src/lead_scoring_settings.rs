//! Score thresholds that move leads to marketing-qualified and sales-qualified (one row).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lead_scoring_settings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub mql_threshold: i32,
    pub sql_threshold: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
