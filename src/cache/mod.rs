//! Caching of anonymous catalog reads.
//!
//! The database counts changes to public data itself ([`version`]): triggers on every
//! table that anonymous reads can see increment one counter inside the writing
//! transaction. A cached response is stored under the counter value read *before* the
//! request ran and served only while the counter still has that value, so no committed
//! write is ever hidden by the cache — on this instance or any other sharing the database.
//! [`response`] holds the responses themselves; [`flight`] lets concurrent misses of one
//! response run the query once.

pub mod flight;
pub mod response;
pub mod version;

pub use response::ResponseCache;
