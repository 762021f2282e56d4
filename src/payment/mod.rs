//! Payments: in-process gateways behind Saleor's transaction API.
//!
//! `gateway.rs` is the provider trait, `registry.rs` lists the gateways, `service.rs` holds
//! the rules (configuration, transactions, webhooks), `api.rs` the GraphQL surface and
//! `webhook.rs` the provider webhook endpoint.

pub mod api;
pub mod channel_settings;
pub mod dummy;
pub mod gateway;
pub mod loaders;
pub mod paypal;
pub mod payu;
pub mod psp_http;
pub mod razorpay;
pub mod registry;
pub mod service;
pub mod stripe;
pub mod webhook;

pub use service::PaymentService;
