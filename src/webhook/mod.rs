//! Webhooks: apps subscribe target URLs to asynchronous events. The dispatcher turns each
//! outbox event into one delivery per matching webhook; the delivery worker renders the
//! webhook's subscription query as the owning app, signs the payload as Saleor does
//! (detached JWS verifiable with our JWKS, or HMAC-SHA256 with a legacy secret key) and
//! POSTs it, retrying with exponential backoff and recording every attempt.

pub mod api;
pub mod delivery;
pub mod event_enums;
pub mod payload;
pub mod service;
pub mod signature;
pub mod testing;
