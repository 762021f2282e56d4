//! SeaORM entities, one module per table. Migrations live in the `migration` crate.

pub mod account_user;
pub mod campaign;
pub mod campaign_metric_report;
pub mod campaign_variant;
pub mod channel;
pub mod lead;
pub mod lead_activity;
pub mod lead_scoring_rule;
pub mod lead_scoring_settings;
pub mod marketing_attribution;
pub mod marketing_segment;
pub mod outbox;
pub mod permission_group;
pub mod shop;
pub mod user_permission_group;
