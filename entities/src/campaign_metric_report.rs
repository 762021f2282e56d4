//! External campaign metrics (ad platforms), one row per (campaign, variant, day, source).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign_metric_report")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub campaign_id: i32,
    /// Variant primary key, or 0 for the campaign as a whole.
    pub variant_id: i32,
    pub day: Date,
    pub source: String,
    pub impressions: i64,
    pub clicks: i64,
    /// Spend as decimal text in the campaign's currency.
    pub spend: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
