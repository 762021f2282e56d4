//! Accounts: users, addresses, authentication (JWTs, app tokens), staff, permission
//! groups and apps.
//!
//! - `api.rs`: customer-facing GraphQL (tokens, `me`, registration, addresses, passwords)
//! - `staff_api.rs`: staff and app GraphQL (staff users, customers, groups, apps)
//! - `service.rs` / `staff.rs`: rules and transactions
//! - `jwt.rs`: signing keys, RS256 signing and verification, JWKS
//! - `auth.rs`: request authentication
//! - `ratelimit.rs`, `password.rs`, `address_rules.rs`: abuse limits, password rules,
//!   per-country address rules

pub mod address_rules;
pub mod api;
pub mod auth;
pub mod error;
pub mod jwt;
pub mod password;
pub mod ratelimit;
pub mod service;
pub mod staff;
