//! Metadata on any object that has it: the shared GraphQL fields, the
//! `ObjectWithMetadata` interface and the generic `updateMetadata` family of mutations.

pub mod api;
pub mod service;
