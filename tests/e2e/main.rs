//! End-to-end tests: one test binary (one link, one copy on disk) holding every suite.
//! Each module is a suite over HTTP/WebSocket against the real router on SQLite, or on
//! PostgreSQL and Redis with `BIZGRAPH_TEST_DATABASE_URL` / `BIZGRAPH_TEST_REDIS_URL`.
//! Run one suite with `cargo test --test e2e catalog::`.
#![allow(clippy::unwrap_used)]

mod common;
mod fakes;
mod ops;

mod accounts;
mod apps;
mod attribution;
mod catalog;
mod catalog_admin;
mod catalog_details;
mod checkout;
mod cli;
mod connections;
mod content_admin;
mod crash;
mod dashboard;
mod deploy;
mod events;
mod foundation;
mod gateways;
mod hardening;
mod marketing;
mod media;
mod orders;
mod payments;
mod promotions;
mod response_cache;
mod staff;
mod subscriptions;
mod taxes;
mod telemetry;
mod vouchers;
mod warehouses;
mod webhook_safety;
mod webhooks;
