//! Shared building blocks every domain uses: global IDs, Relay connections, errors, the
//! request context, permissions, metadata, countries and query limits.

pub mod connection;
pub mod context;
pub mod country;
pub mod error;
pub mod id;
pub mod limits;
pub mod metadata;
pub mod permissions;
pub mod saleor_types;
