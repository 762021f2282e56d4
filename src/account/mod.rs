//! Accounts: users, staff, permission groups, authentication.

pub mod password;
pub mod auth;
