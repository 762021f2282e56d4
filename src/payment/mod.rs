//! Payments: in-process gateways behind Saleor's transaction API.

pub mod gateway;
pub mod paypal;
pub mod payu;
pub mod psp_http;
pub mod razorpay;
pub mod registry;
