//! SeaORM entities, one module per table. Migrations live in the `migration` crate.

pub mod account_address;
pub mod account_token;
pub mod account_user;
pub mod app;
pub mod app_token;
pub mod channel;
pub mod event_delivery;
pub mod event_delivery_attempt;
pub mod jwt_signing_key;
pub mod outbox;
pub mod permission_group;
pub mod permission_group_channel;
pub mod shop;
pub mod user_permission_group;
pub mod webhook;
