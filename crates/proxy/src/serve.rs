//! The process's accept loop: HTTP/1.1 connections with a header read timeout (which
//! also closes idle keep-alive connections), at most `max_connections` at once (one
//! more is answered 503 and closed), and a graceful stop that answers the requests in
//! flight.
//!
//! A function does not use it: its platform owns the connections.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// The answer to a connection over the cap, written before closing it.
const FULL: &str = "{\"error\":\"this proxy is serving as many connections as it takes; try again shortly\"}";

/// What bounds the connections.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Client connections served at once.
    pub max_connections: usize,
    /// Time to send a request's headers (and to stay idle between requests).
    pub header_read_timeout: Duration,
    /// After `stop`, how long requests in flight may take before they are cut off.
    pub drain: Duration,
}

/// How the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Every request in flight was answered.
    Drained,
    /// Some were still open when `drain` ran out.
    CutOff,
}

/// Serves `router` on `listener` until `stop` resolves, then lets the requests in
/// flight finish (for at most `limits.drain`).
pub async fn serve(listener: TcpListener, router: Router, limits: Limits, stop: impl Future<Output = ()>) -> Stopped {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).keep_alive(true);
    tokio::pin!(stop);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of file descriptors or similar: wait a moment rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tokio::spawn(refuse(stream));
            continue;
        };
        let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(router.clone()));
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = watched.await;
            drop(permit);
        });
    }
    drop(listener);
    match tokio::time::timeout(limits.drain, graceful.shutdown()).await {
        Ok(()) => Stopped::Drained,
        Err(_) => Stopped::CutOff,
    }
}

/// Answers a connection over the cap with a 503 and closes it (within a second).
async fn refuse(mut stream: tokio::net::TcpStream) {
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nx-ferry-proxy: error\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{FULL}",
        FULL.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        // Take what the client already sent, so that closing does not reset the
        // connection before it reads the answer.
        let mut head = [0u8; 8192];
        let _ = tokio::time::timeout(Duration::from_millis(100), stream.read(&mut head)).await;
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}
