//! Accounts: users, addresses, authentication (JWTs, app tokens), staff, permission
//! groups and apps.
//!
//! - `api.rs`: customer-facing GraphQL (tokens, `me`, registration, addresses, passwords)
//!   and the `User`, `Address`, `Group` types
//! - `staff_api.rs`: staff GraphQL (staff users, customers, permission groups)
//! - `app_api.rs`: app GraphQL (apps and app tokens)
//! - `service.rs` / `staff.rs` / `apps.rs`: rules and transactions
//! - `loaders.rs`: dataloaders (user → addresses and groups, group → members and channels)
//! - `jwt.rs`: signing keys, RS256 signing and verification, JWKS
//! - `auth.rs`: request authentication
//! - `revalidation.rs`: re-checking a websocket's credential before each live event
//! - `ratelimit.rs`, `password.rs`, `address_rules.rs`: abuse limits, password rules,
//!   per-country address rules

mod address_data;
pub mod address_rules;
pub mod api;
pub mod app_api;
pub mod apps;
pub mod auth;
pub mod error;
pub mod jwt;
pub mod loaders;
pub mod password;
pub mod ratelimit;
pub mod revalidation;
pub mod service;
pub mod staff;
pub mod staff_api;
