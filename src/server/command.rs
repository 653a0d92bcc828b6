//! The `mcsec serve` command line: where to listen, which catalog, the limits.
//!
//! `mcsec serve --listen 127.0.0.1:0 --catalog /tmp/c` opens the catalog (a catalog another
//! process holds is one `FAILED:` line and exit 1, as for the shell), refuses a non-loopback
//! address without `--allow-remote` (exit 2), prints `mcsec serve: listening on
//! http://127.0.0.1:<port>/api` on stdout once the socket is bound — so a script can start it
//! and read the port — and serves until SIGTERM or Ctrl-C, exit 0 after the catalog is flushed.

use super::{ServeError, ServeOptions};
use crate::catalog::Catalog;
use crate::exec::Engine;
use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on; a port of 0 picks a free one.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8099")]
    pub listen: SocketAddr,

    /// Catalog directory, or :memory: [default: $MCSEC_CATALOG, else $HOME/.mcsec/catalog].
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<String>,

    /// The path the endpoint is mounted at (PyODPS endpoint http://host:port/api).
    #[arg(long, value_name = "PATH", default_value = "/api")]
    pub prefix: String,

    /// Allow a non-loopback --listen address (request bodies are not signed: use only on a
    /// network you trust).
    #[arg(long = "allow-remote")]
    pub allow_remote: bool,

    /// The largest request body accepted, in bytes.
    #[arg(long = "max-body-bytes", value_name = "N", default_value_t = super::DEFAULT_MAX_BODY)]
    pub max_body: usize,

    /// Seconds a client may take to send a request's headers, then its body.
    #[arg(long = "timeout", value_name = "SECONDS", default_value_t = super::DEFAULT_TIMEOUT_SECONDS,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,

    /// Log every authenticated request on stderr: method, target, status, v2/v4, principal.
    #[arg(long = "log-requests")]
    pub log_requests: bool,
}

/// Runs `mcsec serve`; returns the exit code. `catalog` is the resolved default catalog when
/// `--catalog` is not given, `now` the `MCSEC_NOW` clock.
pub fn main(args: &ServeArgs, default_catalog: Option<String>, now: Option<i64>) -> i32 {
    let mut stderr = std::io::stderr();
    if let Err(e) = super::check_listen(args.listen, args.allow_remote) {
        let _ = writeln!(stderr, "error: {e}");
        return 2;
    }
    let Some(location) = args.catalog.clone().or(default_catalog) else {
        let _ = writeln!(
            stderr,
            "error: no catalog: set --catalog, MCSEC_CATALOG or HOME"
        );
        return 2;
    };
    let catalog = match Catalog::open(&location) {
        Ok(catalog) => catalog,
        Err(e) => {
            let _ = writeln!(stderr, "FAILED: {e}");
            return 1;
        }
    };
    let prefix = match args.prefix.trim_end_matches('/') {
        "" => String::new(),
        p if p.starts_with('/') => p.to_string(),
        p => format!("/{p}"),
    };
    let options = ServeOptions {
        listen: args.listen,
        prefix: prefix.clone(),
        allow_remote: args.allow_remote,
        now,
        max_body: args.max_body,
        timeout: Duration::from_secs(args.timeout),
        log_requests: args.log_requests,
        ..ServeOptions::default()
    };
    let result = super::serve(Engine::new(catalog), options, |addr| {
        let mut out = std::io::stdout();
        let _ = writeln!(out, "mcsec serve: listening on http://{addr}{prefix}");
        let _ = out.flush();
    });
    match result {
        Ok(()) => {
            let _ = writeln!(stderr, "mcsec serve: stopped; the catalog is flushed");
            0
        }
        Err(e @ ServeError::NotLoopback(_)) => {
            let _ = writeln!(stderr, "error: {e}");
            2
        }
        Err(e) => {
            let _ = writeln!(stderr, "FAILED: {e}");
            1
        }
    }
}
