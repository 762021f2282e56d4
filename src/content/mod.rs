//! Content: pages, page types and navigation menus.

pub mod admin_mutations;
pub mod admin_write;
pub mod api;
pub mod loaders;
pub mod menu_write;
pub mod mutations;
pub mod page_type;
pub mod queries;
pub mod service;
pub mod write;
