//! The HTTP server loop, with the slow-client timeouts `axum::serve` cannot set.
//!
//! - Header read timeout: hyper's HTTP/1 server closes a connection whose request headers
//!   have not all arrived within `BIZGRAPH_HEADER_READ_TIMEOUT_MS` (also an idle keep-alive
//!   connection after that long).
//! - Body read timeout ([`body_deadline`]): a request body must arrive whole within
//!   `BIZGRAPH_BODY_READ_TIMEOUT_MS` of its headers; reading it fails after that.
//!
//! Only HTTP/1.1 is served (with upgrades, for websockets): hyper has no header timeout for
//! HTTP/2, so cleartext HTTP/2 (h2c) would reopen the slow-client hole. TLS and HTTP/2 to
//! browsers belong to the proxy in front.

use std::{
    convert::Infallible,
    future::Future,
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::{ConnectInfo, Request},
    middleware::Next,
    response::Response,
};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

use crate::config::Config;

/// Serves `router` on `listener` until `shutdown` completes, then lets in-flight requests
/// finish. Handlers see the peer address as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    config: &Config,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_millis(config.header_read_timeout_ms));
    // Each connection task holds a receiver; the sender's `closed()` tells when all ended.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(&e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let mut router = router.clone();
            async move {
                let response: Result<Response, Infallible> =
                    tower_service::Service::call(&mut router, request.map(Body::new)).await;
                response
            }
        });
        let connection = http1
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => log_connection_error(result),
                _ = stopped.changed() => {
                    connection.as_mut().graceful_shutdown();
                    log_connection_error(connection.await);
                }
            }
        });
    }
    drop(listener);
    drop(stopped);
    let _ = stop.send(true);
    stop.closed().await;
    Ok(())
}

/// Accept errors on one connection (reset before accept) are skipped; others (out of file
/// descriptors) are logged and retried after a pause instead of spinning.
async fn accept_failed(e: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "cannot accept a connection");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

fn log_connection_error(result: hyper::Result<()>) {
    if let Err(e) = result {
        // Header timeouts, resets and malformed requests are the client's business.
        tracing::debug!(error = %e, "connection ended with an error");
    }
}

/// Middleware bounding the time a request body may take to arrive (see the module docs).
pub async fn body_deadline(timeout: Duration, request: Request, next: Next) -> Response {
    use axum::http::Method;
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let deadline = tokio::time::Instant::now() + timeout;
    let request = request.map(|body| {
        Body::new(DeadlineBody {
            inner: body,
            sleep: Box::pin(tokio::time::sleep_until(deadline)),
            timeout,
        })
    });
    next.run(request).await
}

/// The error reading a body fails with once its deadline passed.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {} ms", .0.as_millis())]
pub struct BodyTimedOut(pub Duration);

impl BodyTimedOut {
    /// The timeout, when `error` (or an error it wraps) is a [`BodyTimedOut`].
    pub fn find(error: &(dyn std::error::Error + 'static)) -> Option<Duration> {
        let mut current = Some(error);
        while let Some(e) = current {
            if let Some(timed_out) = e.downcast_ref::<Self>() {
                return Some(timed_out.0);
            }
            current = e.source();
        }
        None
    }
}

struct DeadlineBody {
    inner: Body,
    sleep: Pin<Box<tokio::time::Sleep>>,
    timeout: Duration,
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(BodyTimedOut(self.timeout).into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
