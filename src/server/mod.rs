//! `mcsec serve`: a local MaxCompute endpoint that unmodified PyODPS (and `mcsec --server`)
//! talks to, one process owning the catalog and serving many connections.
//!
//! Follow one request: PyODPS opens a keep-alive connection to `127.0.0.1:8099` and sends
//! `POST /api/projects/demo/authorization?curr_project=demo`. [`serve`] accepted the connection
//! on its tokio runtime (refusing to start at all on a non-loopback address unless told to,
//! since request bodies are not signed), and hyper parses the request, giving up on a client
//! that sends its headers too slowly. [`handle`] reads the body — at most
//! [`ServeOptions::max_body`] bytes within [`ServeOptions::timeout`], else 413 or 408 — and
//! hands the request, with the peer's address, to [`api::Service::handle`] on tokio's blocking
//! pool, since statements run on the catalog synchronously. There it is authenticated
//! (`wire::sign`), routed and run as statements on an engine session ([`api`]), and answered in the
//! XML of `wire::xml`. On SIGTERM or Ctrl-C the listener closes, connections finish the request
//! they are on, and the catalog is flushed before [`serve`] returns and releases it.

pub mod api;
pub mod command;

use crate::wire::xml;

use crate::exec::Engine;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// How `mcsec serve` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    /// The path the endpoint is mounted at (`/api`); requests without it are served too.
    pub prefix: String,
    /// Listen on an address other hosts can reach.
    pub allow_remote: bool,
    /// `MCSEC_NOW`, the clock of grant expiry.
    pub now: Option<i64>,
    /// The largest request body accepted, in bytes.
    pub max_body: usize,
    /// How long a client may take to send a request's headers, and then its body.
    pub timeout: Duration,
    /// Connections served at once; more are closed as they arrive.
    pub max_connections: usize,
    /// Log every authenticated request on stderr (method, target, status, v2/v4, principal).
    pub log_requests: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)),
            prefix: "/api".into(),
            allow_remote: false,
            now: None,
            max_body: DEFAULT_MAX_BODY,
            timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECONDS),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            log_requests: false,
        }
    }
}

pub const DEFAULT_PORT: u16 = 8099;
/// Policies and security queries are small; 1 MiB leaves room for the largest policy.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 30;
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("refusing to listen on {0}: it is not a loopback address and request bodies are not signed; pass --allow-remote to serve other hosts")]
    NotLoopback(SocketAddr),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot start the server: {0}")]
    Runtime(std::io::Error),
    #[error("{0}")]
    Engine(#[from] crate::Error),
}

/// Loopback only, unless `allow_remote`.
pub fn check_listen(addr: SocketAddr, allow_remote: bool) -> Result<(), ServeError> {
    if addr.ip().is_loopback() || allow_remote {
        Ok(())
    } else {
        Err(ServeError::NotLoopback(addr))
    }
}

/// Serves `engine` until SIGTERM or Ctrl-C; `ready` is told the bound address first.
pub fn serve(
    engine: Arc<Engine>,
    options: ServeOptions,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    check_listen(options.listen, options.allow_remote)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    let mut service = api::Service::new(engine.clone(), &options.prefix, options.now);
    service.log_requests = options.log_requests;
    let service = Arc::new(service);
    runtime.block_on(run(service, options, ready))?;
    // Connections are done; whatever was answered is already durable, this makes sure of
    // the rest before the catalog is released.
    engine.flush()?;
    Ok(())
}

async fn run(
    service: Arc<api::Service>,
    options: ServeOptions,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: options.listen,
            source,
        })?;
    let local = listener.local_addr().map_err(ServeError::Runtime)?;
    ready(local);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(options.max_connections));
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    let limits = Limits {
        max_body: options.max_body,
        timeout: options.timeout,
    };
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of descriptors and the like: wait a little rather than spin.
                        eprintln!("mcsec serve: cannot accept a connection: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    drop(stream);
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let service = service.clone();
                let peer = canonical_ip(peer.ip());
                let connection = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(options.timeout)
                    .keep_alive(true)
                    .serve_connection(
                        TokioIo::new(stream),
                        service_fn(move |request| handle(service.clone(), request, peer, limits)),
                    );
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    // A client that vanishes mid-request only ends its own connection.
                    let _ = connection.await;
                    drop(slot);
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    eprintln!("mcsec serve: shutting down");
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(options.timeout) => {
            eprintln!("mcsec serve: connections still open after {}s are closed", options.timeout.as_secs());
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
}

/// An IPv4 peer reached over an IPv6 socket is its IPv4 address, as whitelists write it.
fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    max_body: usize,
    timeout: Duration,
}

fn to_hyper(response: api::Response) -> hyper::Response<Full<Bytes>> {
    let mut builder = hyper::Response::builder().status(response.status);
    for (name, value) in &response.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder
        .body(Full::new(Bytes::from(response.body)))
        .unwrap_or_else(|_| {
            // Only a header value with a control character could fail; the owner name cannot
            // hold one, but answer rather than panic.
            let mut fallback = hyper::Response::new(Full::new(Bytes::from_static(b"")));
            *fallback.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
            fallback
        })
}

fn early_error(status: u16, code: &'static str, message: &str) -> hyper::Response<Full<Bytes>> {
    let error = api::ApiError::new(status, code, message);
    let mut response = api::Response {
        status,
        headers: vec![
            ("Content-Type".into(), "application/xml".into()),
            ("Connection".into(), "close".into()),
        ],
        body: xml::error_body(error.code, &error.message, "", api::HOST_ID),
    };
    response.status = error.status;
    to_hyper(response)
}

async fn handle(
    service: Arc<api::Service>,
    request: hyper::Request<Incoming>,
    peer: IpAddr,
    limits: Limits,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let too_large = || {
        early_error(
            413,
            "InvalidParameter",
            &format!("The request body is larger than {} bytes.", limits.max_body),
        )
    };
    let declared = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_body as u64) {
        return Ok(too_large());
    }
    let body = match tokio::time::timeout(
        limits.timeout,
        Limited::new(body, limits.max_body).collect(),
    )
    .await
    {
        Err(_) => {
            return Ok(early_error(
                408,
                "InvalidParameter",
                "The request body did not arrive in time.",
            ))
        }
        Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => return Ok(too_large()),
        Ok(Err(_)) => {
            return Ok(early_error(
                400,
                "InvalidParameter",
                "The request body could not be read.",
            ))
        }
        Ok(Ok(collected)) => collected.to_bytes().to_vec(),
    };
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.to_string(), |pq| pq.as_str().to_string());
    let headers = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let request = api::Request {
        method: parts.method.as_str().to_string(),
        target,
        headers,
        body,
        peer,
    };
    let answered = tokio::task::spawn_blocking(move || service.handle(&request)).await;
    Ok(match answered {
        Ok(response) => to_hyper(response),
        Err(_) => early_error(
            500,
            "InternalServerError",
            "The request failed inside mcsec; the catalog is unchanged by it.",
        ),
    })
}
