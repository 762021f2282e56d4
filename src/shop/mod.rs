//! The shop: name, description, countries and Saleor's site settings.

pub mod api;
pub mod mutations;
pub mod service;
pub mod types;

pub use service::ShopService;
