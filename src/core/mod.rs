//! Shared building blocks every domain uses: global IDs, Relay connections, errors, the
//! request context, permissions, metadata, countries, query limits and outbound HTTP on
//! behalf of users.

pub mod address;
pub mod connection;
pub mod context;
pub mod country;
pub mod error;
pub mod id;
pub mod image;
pub mod limits;
pub mod loaders;
pub mod metadata;
pub mod mutation;
pub mod outbound;
pub mod payload;
pub mod permissions;
pub mod phone_prefixes;
pub mod scalars;
