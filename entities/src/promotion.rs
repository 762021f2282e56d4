//! Promotions (Saleor 3.19+): a CATALOGUE or ORDER promotion with rules, running between
//! its start and end dates.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "promotion")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    /// `CATALOGUE` or `ORDER`.
    #[sea_orm(column_name = "type")]
    pub kind: String,
    pub description: Option<Json>,
    pub start_date: DateTimeUtc,
    pub end_date: Option<DateTimeUtc>,
    /// `end_date`, or 9999-12-31 when open-ended (sort key).
    pub end_date_sort: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Whether the precomputed catalogue prices treat the promotion as running.
    pub applied_active: bool,
    pub metadata: Json,
    pub private_metadata: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
