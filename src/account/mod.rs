//! Accounts: users, staff, permission groups, authentication.

pub mod auth;
pub mod password;
