//! Leads: people captured from landing pages, imports or the API, with their attribution,
//! lifecycle stage, score and consents.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lead")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Normalized email (trimmed, lowercase); `None` once the lead is erased.
    #[sea_orm(unique)]
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    /// Where the lead came from (e.g. `landing-page`, `import`, `webinar`).
    pub source: Option<String>,
    pub landing_page: Option<String>,
    pub referrer: Option<String>,
    pub first_utm_source: Option<String>,
    pub first_utm_medium: Option<String>,
    pub first_utm_campaign: Option<String>,
    pub first_utm_term: Option<String>,
    pub first_utm_content: Option<String>,
    pub last_utm_source: Option<String>,
    pub last_utm_medium: Option<String>,
    pub last_utm_campaign: Option<String>,
    pub last_utm_term: Option<String>,
    pub last_utm_content: Option<String>,
    /// Campaign of the first touch.
    pub first_campaign_id: Option<i32>,
    /// Campaign of the last touch.
    pub campaign_id: Option<i32>,
    /// Campaign variant of the last touch.
    pub campaign_variant_id: Option<i32>,
    /// Lifecycle stage code, e.g. `MARKETING_QUALIFIED`.
    pub stage: String,
    pub score: i32,
    pub consent_email: Option<bool>,
    pub consent_email_at: Option<DateTimeUtc>,
    pub consent_email_source: Option<String>,
    pub consent_sms: Option<bool>,
    pub consent_sms_at: Option<DateTimeUtc>,
    pub consent_sms_source: Option<String>,
    pub consent_phone: Option<bool>,
    pub consent_phone_at: Option<DateTimeUtc>,
    pub consent_phone_source: Option<String>,
    /// The customer account this lead became.
    pub customer_user_id: Option<i32>,
    pub metadata: Json,
    pub private_metadata: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub last_activity_at: DateTimeUtc,
    /// Set when personal data was erased (GDPR); the row stays for aggregate counts.
    pub erased_at: Option<DateTimeUtc>,
    /// Inactivity decay has been applied up to this time.
    pub score_decayed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::lead_activity::Entity")]
    Activity,
}

impl Related<super::lead_activity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Activity.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
