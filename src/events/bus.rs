//! The event bus. Subscribers always listen to a local broadcast channel (bounded: a
//! subscriber that falls behind loses events instead of growing memory). Without Redis,
//! publishing sends straight to it; with Redis, publishing goes to a Redis channel and a
//! listener on every instance (this one included) forwards what it hears to the local
//! broadcast, so each instance's subscribers see each event exactly once. The listener
//! reconnects after Redis restarts.

use std::{any::Any, future::Future, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tokio::sync::{OnceCell, broadcast, oneshot, watch};

use crate::redis::Redis;

/// Events buffered per local subscriber before it starts losing them.
const LOCAL_CAPACITY: usize = 1024;

/// The object an event is about, loaded once per event and shared by every subscriber on
/// this instance, so a thousand subscribers cost one database read instead of a thousand.
#[derive(Clone, Default)]
pub struct Memo(Arc<OnceCell<Arc<dyn Any + Send + Sync>>>);

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memo")
    }
}

impl Memo {
    /// The memoised object, loaded by `load` on first use. (Should two resolvers memoise
    /// different types for one event, the second just loads without sharing.)
    pub async fn object<T, E, F, Fut>(&self, load: F) -> Result<T, E>
    where
        T: Clone + Send + Sync + 'static,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let value = self
            .0
            .get_or_try_init(|| async {
                load()
                    .await
                    .map(|v| Arc::new(v) as Arc<dyn Any + Send + Sync>)
            })
            .await?;
        match value.downcast_ref::<T>() {
            Some(v) => Ok(v.clone()),
            None => load().await,
        }
    }
}

/// An event as delivered to subscribers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BusEvent {
    /// Outbox row id: unique per event.
    pub id: i64,
    pub event_type: String,
    pub object_type: String,
    pub object_id: String,
    pub channel_slug: Option<String>,
    pub user_id: Option<i32>,
    pub requestor: Option<String>,
    pub payload: Json,
    pub created_at: DateTime<Utc>,
    /// Per-instance cache of the loaded object (never serialised).
    #[serde(skip)]
    pub memo: Memo,
}

impl From<entities::outbox::Model> for BusEvent {
    fn from(row: entities::outbox::Model) -> Self {
        Self {
            id: row.id,
            event_type: row.event_type,
            object_type: row.object_type,
            object_id: row.object_id,
            channel_slug: row.channel_slug,
            user_id: row.user_id,
            requestor: row.requestor,
            payload: row.payload,
            created_at: row.created_at,
            memo: Memo::default(),
        }
    }
}

/// Why an event could not be published.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("cannot publish to Redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("cannot encode the event: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Publishes events and hands out subscriptions. Cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    local: broadcast::Sender<Arc<BusEvent>>,
    /// Redis and the channel carrying this deployment's events.
    redis: Option<(Redis, String)>,
}

impl EventBus {
    /// A bus for a single instance.
    pub fn in_process() -> Self {
        Self {
            local: broadcast::channel(LOCAL_CAPACITY).0,
            redis: None,
        }
    }

    /// A bus shared by every instance of the deployment `installation_id` connected to
    /// `redis`. Returns once the listener is subscribed, so no event published after
    /// start-up is missed. The listener stops when `stop` changes or its sender is dropped.
    pub async fn with_redis(
        redis: Redis,
        installation_id: &str,
        stop: watch::Receiver<bool>,
    ) -> anyhow::Result<Self> {
        let local = broadcast::channel(LOCAL_CAPACITY).0;
        let channel = format!("bizgraph:{installation_id}:events");
        let (ready_tx, ready_rx) = oneshot::channel();
        tokio::spawn(listen(
            redis.clone(),
            channel.clone(),
            local.clone(),
            stop,
            ready_tx,
        ));
        tokio::time::timeout(Duration::from_secs(10), ready_rx)
            .await
            .map_err(|_| anyhow::anyhow!("Redis pub/sub did not subscribe within 10 s"))?
            .map_err(|_| anyhow::anyhow!("Redis pub/sub listener stopped"))?;
        Ok(Self {
            local,
            redis: Some((redis, channel)),
        })
    }

    /// Publishes to every subscriber (on every instance when Redis is configured).
    pub async fn publish(&self, event: BusEvent) -> Result<(), BusError> {
        match &self.redis {
            None => {
                // No subscribers is fine: nobody is listening right now.
                let _ = self.local.send(Arc::new(event));
                Ok(())
            }
            Some((redis, channel)) => {
                let text = serde_json::to_string(&event)?;
                let mut conn = redis.manager.clone();
                let _: i64 = redis::cmd("PUBLISH")
                    .arg(channel)
                    .arg(text)
                    .query_async(&mut conn)
                    .await?;
                Ok(())
            }
        }
    }

    /// A new subscription to events published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<BusEvent>> {
        self.local.subscribe()
    }
}

/// Forwards Redis messages to the local broadcast, reconnecting with backoff.
async fn listen(
    redis: Redis,
    channel: String,
    local: broadcast::Sender<Arc<BusEvent>>,
    mut stop: watch::Receiver<bool>,
    ready: oneshot::Sender<()>,
) {
    let mut ready = Some(ready);
    let mut backoff = Duration::from_millis(100);
    loop {
        let connected = async {
            let client = redis.client()?;
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(&channel).await?;
            Ok::<_, redis::RedisError>(pubsub)
        };
        let pubsub = tokio::select! {
            result = connected => result,
            _ = stop.changed() => return,
        };
        match pubsub {
            Ok(pubsub) => {
                if let Some(ready) = ready.take() {
                    let _ = ready.send(());
                } else {
                    tracing::info!("event bus: reconnected to Redis");
                }
                backoff = Duration::from_millis(100);
                let mut messages = pubsub.into_on_message();
                loop {
                    tokio::select! {
                        message = messages.next() => match message {
                            Some(message) => forward(&local, message.get_payload_bytes()),
                            None => break, // connection lost
                        },
                        _ = stop.changed() => return,
                    }
                }
                tracing::warn!("event bus: lost the Redis connection; reconnecting");
            }
            Err(e) => tracing::warn!(error = %e, "event bus: cannot subscribe to Redis; retrying"),
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            _ = stop.changed() => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

fn forward(local: &broadcast::Sender<Arc<BusEvent>>, payload: &[u8]) {
    match serde_json::from_slice::<BusEvent>(payload) {
        Ok(event) => {
            let _ = local.send(Arc::new(event));
        }
        Err(e) => tracing::warn!(error = %e, "event bus: ignoring a malformed message"),
    }
}
