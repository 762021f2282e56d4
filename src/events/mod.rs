//! Events: the transactional outbox, the event bus (in-process, or Redis pub/sub across
//! instances), the dispatcher that moves outbox rows to the bus, and the GraphQL
//! subscriptions fed by the bus.
//!
//! A domain change calls [`outbox::push`] inside its transaction and [`Events::wake`] after
//! the commit. The dispatcher (one per instance; instances coordinate through row leases
//! and `FOR UPDATE SKIP LOCKED`) publishes each row once; every instance's subscribers see it.

pub mod account_api;
pub mod api;
pub mod bus;
pub mod dispatcher;
pub mod event;
pub mod outbox;

use std::sync::Arc;

use tokio::sync::Notify;

pub use bus::{BusEvent, EventBus};
pub use event::{EventType, NewEvent};

/// The event machinery shared by the services: the bus and the dispatcher's wake-up call.
#[derive(Clone)]
pub struct Events {
    pub bus: EventBus,
    wake: Arc<Notify>,
    deliveries: Arc<Notify>,
}

impl Events {
    pub fn new(bus: EventBus) -> Self {
        Self {
            bus,
            wake: Arc::new(Notify::new()),
            deliveries: Arc::new(Notify::new()),
        }
    }

    /// Tells this instance's dispatcher that new outbox rows were committed.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub(crate) fn wake_handle(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Wakes the webhook delivery worker (new deliveries were created).
    pub(crate) fn deliveries_handle(&self) -> Arc<Notify> {
        self.deliveries.clone()
    }
}
