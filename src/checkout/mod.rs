//! Checkouts: carts with lines, email, customer and addresses (Saleor's checkout API).

pub mod api;
pub mod error;
pub mod expiry;
pub mod service;

pub use service::CheckoutService;
