//! Orders: reads for customers (`me.orders`, `order(id)`) and staff (`orders`), and the
//! `checkoutComplete` mutation that creates them (see `CheckoutService::complete`).

pub mod api;
pub mod draft;
pub mod draft_api;
pub mod error;
pub mod events;
pub mod list;
pub mod loaders;
pub mod service;
pub mod stock;
pub mod workflow;
pub mod workflow_api;
