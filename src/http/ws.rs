//! One websocket session on `/graphql/` (`graphql-transport-ws` or legacy `graphql-ws`),
//! run by async-graphql's protocol state machine with two limits it lacks:
//!
//! - `connection_init` timeout: a socket that has not sent `connection_init` within
//!   `BIZGRAPH_WEBSOCKET_INIT_TIMEOUT_MS` is closed with 4408, as `graphql-transport-ws`
//!   specifies.
//! - Subscriptions per socket: operations running on the socket (subscriptions, and
//!   queries until they answer) are counted; a `subscribe` beyond
//!   `BIZGRAPH_MAX_SUBSCRIPTIONS_PER_SOCKET` gets an `error` message for its id with code
//!   `TOO_MANY_SUBSCRIPTIONS`, and the socket stays open.

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use async_graphql::{
    Data, Executor, Request, Response,
    http::{ClientMessage, WebSocketProtocols, WsMessage},
};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt, future, stream::BoxStream};
use serde_json::json;

use super::live::SharedSubscriptions;
use crate::{
    core::error::{ErrorCode, server_error},
    metrics::Metrics,
};

/// The close code for a socket that never initialised (`graphql-transport-ws`).
const INIT_TIMEOUT_CLOSE: u16 = 4408;

/// Limits of one socket.
pub struct SocketLimits {
    pub init_timeout: Duration,
    pub max_subscriptions: usize,
    /// The upgrade request's id, attached to the errors this module sends.
    pub request_id: String,
    pub metrics: Arc<Metrics>,
}

/// Runs the session on `socket` until either side closes it.
pub async fn run<OnInit, InitFuture>(
    socket: WebSocket,
    executor: SharedSubscriptions,
    protocol: WebSocketProtocols,
    limits: SocketLimits,
    on_init: OnInit,
) where
    OnInit: FnOnce(serde_json::Value) -> InitFuture + Send + 'static,
    InitFuture: Future<Output = async_graphql::Result<Data>> + Send + 'static,
{
    let (mut sink, source) = socket.split();
    let init_timeout = limits.init_timeout;
    let executor = Counted {
        inner: executor,
        active: Arc::default(),
    };
    let active = executor.active.clone();
    let initialised = Arc::new(AtomicBool::new(false));
    let (refusals, mut refused) = tokio::sync::mpsc::unbounded_channel::<String>();
    let input = {
        let initialised = initialised.clone();
        source
            .take_while(|message| future::ready(message.is_ok()))
            .filter_map(move |message| {
                let bytes = match message {
                    Ok(Message::Text(text)) => axum::body::Bytes::from(text),
                    Ok(Message::Binary(bytes)) => bytes,
                    _ => return future::ready(None),
                };
                let message = ClientMessage::from_bytes(bytes);
                match &message {
                    Ok(ClientMessage::ConnectionInit { .. }) => {
                        initialised.store(true, Ordering::Relaxed);
                    }
                    Ok(ClientMessage::Start { id, .. })
                        if active.load(Ordering::Relaxed) >= limits.max_subscriptions =>
                    {
                        limits
                            .metrics
                            .record_rejection(ErrorCode::TooManySubscriptions.as_str());
                        let _ = refusals.send(too_many_subscriptions(protocol, id, &limits));
                        return future::ready(None);
                    }
                    _ => {}
                }
                future::ready(Some(message))
            })
    };
    let session = async_graphql::http::WebSocket::from_message_stream(executor, input, protocol)
        .on_connection_init(on_init);
    futures_util::pin_mut!(session);
    let init_deadline = tokio::time::sleep(init_timeout);
    tokio::pin!(init_deadline);
    loop {
        let outgoing = tokio::select! {
            biased;
            Some(text) = refused.recv() => Message::Text(text.into()),
            message = session.next() => match message {
                Some(WsMessage::Text(text)) => Message::Text(text.into()),
                Some(WsMessage::Close(code, reason)) => close(code, reason),
                None => break,
            },
            () = &mut init_deadline, if !initialised.load(Ordering::Relaxed) => {
                close(INIT_TIMEOUT_CLOSE, "Connection initialisation timeout".to_owned())
            }
        };
        let closing = matches!(outgoing, Message::Close(_));
        if sink.send(outgoing).await.is_err() || closing {
            break;
        }
    }
}

fn close(code: u16, reason: String) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

/// The `error` message refusing subscription `id`: a list of errors in
/// `graphql-transport-ws`, one error object in legacy `graphql-ws`.
fn too_many_subscriptions(protocol: WebSocketProtocols, id: &str, limits: &SocketLimits) -> String {
    let mut error = server_error(
        ErrorCode::TooManySubscriptions,
        format!(
            "Too many active subscriptions on this connection; the maximum is {}.",
            limits.max_subscriptions
        ),
    );
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("requestId", limits.request_id.as_str());
    let payload = match protocol {
        WebSocketProtocols::GraphQLWS => json!([error]),
        WebSocketProtocols::SubscriptionsTransportWS => json!(error),
    };
    json!({ "id": id, "type": "error", "payload": payload }).to_string()
}

/// The shared executor, counting the operations running on one socket: each response
/// stream holds a slot until async-graphql drops it (completed, or stopped by the client).
#[derive(Clone)]
struct Counted {
    inner: SharedSubscriptions,
    active: Arc<AtomicUsize>,
}

struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Executor for Counted {
    async fn execute(&self, request: Request) -> Response {
        self.inner.execute(request).await
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        self.active.fetch_add(1, Ordering::Relaxed);
        let slot = Slot(self.active.clone());
        self.inner
            .execute_stream(request, session_data)
            .map(move |response| {
                let _held = &slot;
                response
            })
            .boxed()
    }
}
