//! Content: pages, page types and navigation menus.

pub mod api;
pub mod service;
