//! The outbox → dispatcher → bus path: delivery after commit, recovery of rows left by a
//! crashed instance, fan-out across two instances through Redis, and Redis reconnects.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use crate::common::TestServer;
use bizgraph::events::{BusEvent, EventType, NewEvent, outbox};
use sea_orm::{ConnectionTrait, TransactionTrait};
use tokio::sync::broadcast::{
    self,
    error::{RecvError, TryRecvError},
};

/// The next event this test pushed: events of the test's own channel objects. Background
/// jobs of the demo store (lead score decay, stock checks) publish events of their own at
/// start-up; they are skipped, as is a lag they may cause.
async fn next_event(rx: &mut broadcast::Receiver<std::sync::Arc<BusEvent>>) -> BusEvent {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match rx.recv().await {
                Ok(event) if event.object_type == "Channel" => return event.as_ref().clone(),
                Ok(_) | Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => panic!("the bus closed"),
            }
        }
    })
    .await
    .expect("an event within 10 s")
}

/// Whether an event this test pushed is waiting (a duplicate, where none is expected).
fn another_test_event(rx: &mut broadcast::Receiver<std::sync::Arc<BusEvent>>) -> bool {
    loop {
        match rx.try_recv() {
            Ok(event) if event.object_type == "Channel" => return true,
            Ok(_) | Err(TryRecvError::Lagged(_)) => continue,
            Err(_) => return false,
        }
    }
}

async fn push_committed(server: &TestServer, object_id: &str) -> i64 {
    let txn = server.state.db.conn.begin().await.unwrap();
    let id = outbox::push(
        &txn,
        NewEvent::new(EventType::ChannelMetadataUpdated, "Channel", object_id)
            .channel("default-channel"),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    server.state.events.wake();
    id
}

#[tokio::test]
async fn committed_events_reach_subscribers_once() {
    let server = TestServer::start().await;
    let mut rx = server.state.events.bus.subscribe();
    let id = push_committed(&server, "1").await;
    let event = next_event(&mut rx).await;
    assert_eq!(event.id, id);
    assert_eq!(event.event_type, "CHANNEL_METADATA_UPDATED");
    assert_eq!(event.channel_slug.as_deref(), Some("default-channel"));
    // Marked as dispatched and not sent again.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(outbox::pending(&server.state.db.conn).await.unwrap(), 0);
    assert!(!another_test_event(&mut rx), "no duplicate");
}

#[tokio::test]
async fn rolled_back_events_are_never_sent() {
    let server = TestServer::start().await;
    let mut rx = server.state.events.bus.subscribe();
    let txn = server.state.db.conn.begin().await.unwrap();
    outbox::push(
        &txn,
        NewEvent::new(EventType::ChannelMetadataUpdated, "Channel", "1"),
    )
    .await
    .unwrap();
    txn.rollback().await.unwrap();
    server.state.events.wake();
    let committed = push_committed(&server, "2").await;
    assert_eq!(next_event(&mut rx).await.id, committed);
}

#[tokio::test]
async fn rows_left_by_a_crashed_instance_are_dispatched() {
    let server = TestServer::start().await;
    let mut rx = server.state.events.bus.subscribe();
    // A row claimed by an instance that died: its lease has expired, it was never marked.
    let db = &server.state.db.conn;
    let id = outbox::push(
        db,
        NewEvent::new(EventType::ChannelMetadataUpdated, "Channel", "7"),
    )
    .await
    .unwrap();
    let past = chrono::Utc::now() - chrono::Duration::seconds(5);
    let sql = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            "UPDATE outbox SET locked_until = $1, attempts = 1 WHERE id = $2"
        }
        _ => "UPDATE outbox SET locked_until = ?, attempts = 1 WHERE id = ?",
    };
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        [past.into(), id.into()],
    ))
    .await
    .unwrap();
    assert_eq!(next_event(&mut rx).await.id, id);
}

fn redis_configured() -> bool {
    std::env::var("BIZGRAPH_TEST_REDIS_URL").is_ok()
}

#[tokio::test]
async fn two_instances_share_events_through_redis() {
    if !redis_configured() {
        eprintln!("runs with BIZGRAPH_TEST_REDIS_URL (cross-instance fan-out needs Redis)");
        return;
    }
    let a = TestServer::start().await;
    let b = TestServer::start_sharing(&a).await;
    let mut on_a = a.state.events.bus.subscribe();
    let mut on_b = b.state.events.bus.subscribe();
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(push_committed(&a, &i.to_string()).await);
    }
    let mut seen_a = Vec::new();
    let mut seen_b = Vec::new();
    for _ in 0..20 {
        seen_a.push(next_event(&mut on_a).await.id);
        seen_b.push(next_event(&mut on_b).await.id);
    }
    seen_a.sort_unstable();
    seen_b.sort_unstable();
    assert_eq!(seen_a, ids, "every event once on instance A");
    assert_eq!(seen_b, ids, "every event once on instance B");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        !another_test_event(&mut on_a) && !another_test_event(&mut on_b),
        "no duplicates"
    );
}

#[tokio::test]
async fn subscribers_keep_receiving_after_redis_drops_the_connection() {
    let Ok(url) = std::env::var("BIZGRAPH_TEST_REDIS_URL") else {
        eprintln!("runs with BIZGRAPH_TEST_REDIS_URL");
        return;
    };
    let server = TestServer::start().await;
    let mut rx = server.state.events.bus.subscribe();
    let first = push_committed(&server, "1").await;
    assert_eq!(next_event(&mut rx).await.id, first);
    // Kill every pub/sub connection, as a Redis restart would.
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let _: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("pubsub")
        .query_async(&mut conn)
        .await
        .unwrap();
    // Events committed meanwhile are delivered once the listener is back.
    let mut expected = Vec::new();
    for i in 0..5 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        expected.push(push_committed(&server, &format!("after-{i}")).await);
    }
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while got.len() < expected.len() && tokio::time::Instant::now() < deadline {
        if let Ok(ev) = tokio::time::timeout(Duration::from_secs(1), next_event(&mut rx)).await {
            got.push(ev.id);
        }
    }
    // Events published while the listener was down are lost on the bus (Redis pub/sub
    // does not store them); those published after the reconnect arrive.
    assert!(
        got.contains(expected.last().unwrap()),
        "got {got:?}, expected {expected:?}"
    );
}
