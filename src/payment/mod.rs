//! Payments: in-process gateways behind Saleor's transaction API.

pub mod gateway;
pub mod registry;
