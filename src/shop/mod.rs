//! The shop: name, description, countries and shop-wide settings.

pub mod api;
pub mod service;

pub use service::ShopService;
