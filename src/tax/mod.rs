//! Taxes with flat rates, as in Saleor: a tax configuration per channel (charge taxes,
//! prices entered with or without tax, display gross prices, per-country exceptions), tax
//! classes with rates per country, and the arithmetic that turns entered prices into net
//! and gross amounts for catalog pricing, checkouts and orders.

pub mod api;
pub mod calc;
pub mod service;

pub use calc::{RateBp, Taxed};
pub use service::{TaxContext, TaxError, TaxService, Totals, tax_country};
