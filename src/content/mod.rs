//! Content: pages, page types and navigation menus.

pub mod api;
pub mod mutations;
pub mod service;
pub mod write;
