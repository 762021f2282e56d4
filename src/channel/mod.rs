//! Channels: where products are listed and sold, each with one currency.

pub mod api;
pub mod service;

pub use service::{ChannelError, ChannelService};
