//! Orders: reads for customers (`me.orders`, `order(id)`) and staff (`orders`), and the
//! `checkoutComplete` mutation that creates them (see `CheckoutService::complete`).

pub mod api;
pub mod service;
