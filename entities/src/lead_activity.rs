//! A lead's timeline: captures, tracked activities, stage changes.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lead_activity")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub lead_id: i32,
    /// Activity type, e.g. `form_submitted`, `page_view`, `email_opened`, `stage_changed`.
    pub kind: String,
    /// Score points this activity awarded (sum of matching rules).
    pub points: i32,
    /// Who recorded it: `capture`, `tracking`, `staff`, `app`, `import`, `system`.
    pub source: String,
    pub url: Option<String>,
    pub message: Option<String>,
    pub campaign_id: Option<i32>,
    pub campaign_variant_id: Option<i32>,
    /// True on the capture that created the lead.
    pub is_new_lead: bool,
    pub data: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::lead::Entity",
        from = "Column::LeadId",
        to = "super::lead::Column::Id",
        on_delete = "Cascade"
    )]
    Lead,
}

impl Related<super::lead::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lead.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
