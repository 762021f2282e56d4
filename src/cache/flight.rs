//! Single flight for cache misses: when many requests miss the same response at once (a
//! popular page right after a write), one of them — the leader — runs the query and the
//! others wait for its body instead of running it too.
//!
//! Flights are keyed by the response key *and* the public data version each request read
//! before it ran, so a request never receives a body computed from older data than it
//! would have read itself. A follower whose leader fails, produces an uncacheable response
//! or goes away (timeout, client disconnect) runs the query itself.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::body::Bytes;
use tokio::sync::watch;

use super::response::Key;

/// `None` while the leader runs; then `Some(body)`, `Some(None)` when it has nothing to share.
type Outcome = Option<Option<Bytes>>;

type FlightId = (Key, i64);

/// The flights in progress on this instance.
#[derive(Default)]
pub struct Flights {
    running: Mutex<HashMap<FlightId, watch::Receiver<Outcome>>>,
}

/// A request's role in the flight of its key.
pub enum Flight {
    /// Run the query, then [`Leader::finish`].
    Lead(Leader),
    /// Another request runs it: await [`Follower::body`].
    Follow(Follower),
}

impl Flights {
    /// Joins the flight of `key` at `version`, leading it when none is in progress.
    pub fn join(self: &Arc<Self>, key: &Key, version: i64) -> Flight {
        let id = (key.clone(), version);
        let mut running = self.lock();
        if let Some(rx) = running.get(&id) {
            return Flight::Follow(Follower(rx.clone()));
        }
        let (tx, rx) = watch::channel(None);
        running.insert(id.clone(), rx);
        Flight::Lead(Leader {
            flights: Arc::clone(self),
            id,
            tx,
        })
    }

    /// Flights in progress.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no flight is in progress.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<FlightId, watch::Receiver<Outcome>>> {
        // Every update completes before the guard drops, so a poisoned map is consistent.
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The request that runs the query for its flight. Dropping it ends the flight; followers
/// still waiting then run the query themselves.
pub struct Leader {
    flights: Arc<Flights>,
    id: FlightId,
    tx: watch::Sender<Outcome>,
}

impl Leader {
    /// Hands `body` (`None`: nothing cacheable) to the followers and ends the flight.
    pub fn finish(self, body: Option<Bytes>) {
        self.tx.send_replace(Some(body));
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        self.flights.lock().remove(&self.id);
    }
}

/// A request waiting for its flight's leader.
pub struct Follower(watch::Receiver<Outcome>);

impl Follower {
    /// The leader's body; `None` when the leader had none to share or went away.
    pub async fn body(mut self) -> Option<Bytes> {
        match self.0.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone().flatten(),
            Err(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(q: &str) -> Key {
        Key::of(&async_graphql::Request::new(q)).expect("key")
    }

    fn lead(f: Flight) -> Leader {
        match f {
            Flight::Lead(l) => l,
            Flight::Follow(_) => panic!("expected to lead"),
        }
    }

    fn follow(f: Flight) -> Follower {
        match f {
            Flight::Follow(f) => f,
            Flight::Lead(_) => panic!("expected to follow"),
        }
    }

    #[tokio::test]
    async fn followers_receive_the_leaders_body() {
        let flights = Arc::new(Flights::default());
        let k = key("{ shop { name } }");
        let leader = lead(flights.join(&k, 3));
        let waiting: Vec<_> = (0..5)
            .map(|_| tokio::spawn(follow(flights.join(&k, 3)).body()))
            .collect();
        // Another version or key is another flight.
        drop(lead(flights.join(&k, 4)));
        drop(lead(flights.join(&key("{ shop { description } }"), 3)));
        leader.finish(Some(Bytes::from_static(b"{\"data\":{}}")));
        for w in waiting {
            assert_eq!(
                w.await.expect("task").as_deref(),
                Some(&b"{\"data\":{}}"[..])
            );
        }
        assert!(flights.is_empty());
        // The next miss starts a new flight.
        drop(lead(flights.join(&k, 3)));
    }

    #[tokio::test]
    async fn followers_of_a_failed_or_dropped_leader_get_nothing() {
        let flights = Arc::new(Flights::default());
        let k = key("{ shop { name } }");
        let leader = lead(flights.join(&k, 1));
        let waiting = tokio::spawn(follow(flights.join(&k, 1)).body());
        leader.finish(None);
        assert_eq!(waiting.await.expect("task"), None);

        let leader = lead(flights.join(&k, 1));
        let waiting = tokio::spawn(follow(flights.join(&k, 1)).body());
        drop(leader);
        assert_eq!(waiting.await.expect("task"), None);
        assert!(flights.is_empty());
    }
}
