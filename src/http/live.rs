//! Shared execution of identical live subscriptions.
//!
//! A thousand dashboards subscribed with the same document, variables and credentials would
//! otherwise execute the same selection a thousand times per event. Websocket subscriptions
//! go through [`SharedSubscriptions`]: the first subscriber of a (document, variables,
//! requestor, token expiry) group runs the real subscription; the others receive copies of
//! its responses. When the last member leaves, the execution stops.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    sync::{Arc, Mutex, Weak},
};

use async_graphql::{Data, Executor, Request, Response};
use futures_util::{
    StreamExt,
    stream::{self, BoxStream},
};
use tokio::{sync::broadcast, task::AbortHandle};

use crate::{
    account::revalidation::LiveCredential, core::context::RequestCtx, events::api::TokenExpiry,
    schema::AppSchema,
};

/// Responses buffered per member; a member that falls this far behind gets an error.
const GROUP_CAPACITY: usize = 1024;

type Groups = Mutex<HashMap<String, Weak<Group>>>;

/// The schema as a websocket executor that shares identical subscriptions.
#[derive(Clone)]
pub struct SharedSubscriptions {
    schema: AppSchema,
    groups: Arc<Groups>,
}

/// One running execution and its fan-out channel. Dropped with its last member, which
/// stops the execution.
struct Group {
    key: String,
    /// Taken when the execution ends, so members see the channel close.
    sender: Mutex<Option<broadcast::Sender<Arc<Response>>>>,
    task: Mutex<Option<AbortHandle>>,
    groups: Weak<Groups>,
}

impl Drop for Group {
    fn drop(&mut self) {
        if let Some(task) = self.task.lock().ok().and_then(|mut t| t.take()) {
            task.abort();
        }
        if let Some(groups) = self.groups.upgrade()
            && let Ok(mut groups) = groups.lock()
            && groups.get(&self.key).is_some_and(|g| g.strong_count() == 0)
        {
            groups.remove(&self.key);
        }
    }
}

impl SharedSubscriptions {
    /// Wraps `schema`.
    pub fn new(schema: AppSchema) -> Self {
        Self {
            schema,
            groups: Arc::default(),
        }
    }

    /// Number of distinct executions currently running (for tests and metrics).
    pub fn running(&self) -> usize {
        self.groups
            .lock()
            .map(|g| g.values().filter(|g| g.strong_count() > 0).count())
            .unwrap_or(0)
    }

    /// Joins the group for `key`, starting its execution if there is none.
    fn join(
        &self,
        key: String,
        request: Request,
        session: Arc<Data>,
    ) -> (Arc<Group>, broadcast::Receiver<Arc<Response>>) {
        let mut groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(group) = groups.get(&key).and_then(Weak::upgrade) {
            let receiver = group
                .sender
                .lock()
                .ok()
                .and_then(|s| s.as_ref().map(|s| s.subscribe()));
            if let Some(receiver) = receiver {
                return (group, receiver);
            }
        }
        let (sender, receiver) = broadcast::channel(GROUP_CAPACITY);
        let group = Arc::new(Group {
            key: key.clone(),
            sender: Mutex::new(Some(sender)),
            task: Mutex::new(None),
            groups: Arc::downgrade(&self.groups),
        });
        let mut responses = Executor::execute_stream(&self.schema, request, Some(session));
        let weak = Arc::downgrade(&group);
        let task = tokio::spawn(async move {
            while let Some(response) = responses.next().await {
                let Some(group) = weak.upgrade() else { break };
                let sender = group.sender.lock().ok().and_then(|s| s.clone());
                if sender.is_none_or(|s| s.send(Arc::new(response)).is_err()) {
                    break;
                }
            }
            if let Some(group) = weak.upgrade()
                && let Ok(mut sender) = group.sender.lock()
            {
                sender.take();
            }
        });
        if let Ok(mut slot) = group.task.lock() {
            *slot = Some(task.abort_handle());
        }
        groups.insert(key, Arc::downgrade(&group));
        (group, receiver)
    }
}

impl Executor for SharedSubscriptions {
    async fn execute(&self, request: Request) -> Response {
        self.schema.execute(request).await
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let Some(session) = session_data else {
            return Executor::execute_stream(&self.schema, request, None);
        };
        let Some(key) = share_key(&request, &session) else {
            return Executor::execute_stream(&self.schema, request, Some(session));
        };
        let fallback = (
            self.schema.clone(),
            clone_request(&request),
            session.clone(),
        );
        let (group, receiver) = self.join(key, request, session);
        let member = Member {
            _group: group,
            receiver,
            received_any: false,
            fallback: Some(fallback),
        };
        stream::unfold(member, Member::next).flatten().boxed()
    }
}

/// One subscriber's view of its group.
struct Member {
    /// Keeps the group (and its execution) alive while this member listens.
    _group: Arc<Group>,
    receiver: broadcast::Receiver<Arc<Response>>,
    received_any: bool,
    /// To execute on its own when it joined a group that had already finished (e.g. one
    /// that answered with an immediate error and ended).
    fallback: Option<(AppSchema, Request, Arc<Data>)>,
}

impl Member {
    async fn next(mut self) -> Option<(BoxStream<'static, Response>, Self)> {
        match self.receiver.recv().await {
            Ok(response) => {
                self.received_any = true;
                Some((stream::once(async move { copy(&response) }).boxed(), self))
            }
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                let error = crate::core::error::error(
                    crate::core::error::ErrorCode::Internal,
                    format!("The subscriber fell behind; {missed} events were dropped."),
                );
                let response = Response::from_errors(vec![
                    error.into_server_error(async_graphql::Pos::default()),
                ]);
                Some((stream::once(async move { response }).boxed(), self))
            }
            Err(broadcast::error::RecvError::Closed) => {
                let (schema, request, session) = self.fallback.take()?;
                if self.received_any {
                    return None;
                }
                let own = Executor::execute_stream(&schema, request, Some(session));
                self.received_any = true;
                Some((own, self))
            }
        }
    }
}

/// The group key, or `None` when the request must run on its own (request-scoped data).
fn share_key(request: &Request, session: &Data) -> Option<String> {
    let ctx = data_ref::<RequestCtx>(session)?;
    let expiry = data_ref::<TokenExpiry>(session).map(|e| e.exp);
    let credential = data_ref::<LiveCredential>(session).map(LiveCredential::identity);
    let variables = serde_json::to_string(&request.variables).ok()?;
    let extensions = serde_json::to_string(&request.extensions).ok()?;
    Some(format!(
        "{:?}\u{1}{:?}\u{1}{:?}\u{1}{}\u{1}{}\u{1}{}\u{1}{}",
        ctx.requestor,
        expiry,
        credential,
        request.operation_name.as_deref().unwrap_or(""),
        variables,
        extensions,
        request.query,
    ))
}

fn data_ref<T: Any>(data: &Data) -> Option<&T> {
    data.get(&TypeId::of::<T>())
        .and_then(|value| value.downcast_ref::<T>())
}

/// A copy of a shared response for one member.
fn copy(response: &Response) -> Response {
    let mut copy = Response::new(response.data.clone());
    copy.errors.clone_from(&response.errors);
    copy.extensions.clone_from(&response.extensions);
    copy
}

/// A copy of a websocket request (which carries only query, operation name, variables and
/// extensions).
fn clone_request(request: &Request) -> Request {
    let mut copy = Request::new(request.query.clone()).variables(request.variables.clone());
    copy.operation_name.clone_from(&request.operation_name);
    copy.extensions.clone_from(&request.extensions);
    copy
}
