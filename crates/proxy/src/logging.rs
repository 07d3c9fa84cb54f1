//! The proxy's log: one line per request (method, upstream host, status, duration) and
//! a few lines about starting and stopping, on stderr, as text or JSON. Never a path
//! beyond the host, a query string, a header value or a body.

use std::time::Duration;

use crate::config::LogFormat;

/// Where a request went, as the log names it: the allowed upstream's host, or a fixed
/// word when it was refused before any upstream was chosen (a refused path may carry
/// anything, a person's e-mail address included).
#[derive(Debug, Clone, Copy)]
pub enum Destination<'a> {
    /// An allowed upstream (`host` or `host:port`).
    Upstream(&'a str),
    /// One of the proxy's own routes (`_health`, `_relay`).
    Own(&'static str),
    /// Refused: not an allowed upstream, or an origin that may not use the proxy.
    Refused,
}

impl Destination<'_> {
    fn as_str(&self) -> &str {
        match self {
            Destination::Upstream(host) => host,
            Destination::Own(route) => route,
            Destination::Refused => "refused",
        }
    }
}

/// Starts writing log lines in `format` (once per process; later calls do nothing).
pub fn init(format: LogFormat) {
    let builder = tracing_subscriber::fmt().with_writer(std::io::stderr).with_target(false).with_level(false).without_time().with_ansi(false);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(false).with_span_list(false).try_init(),
    };
}

/// Logs one answered request.
pub fn request(method: &str, destination: Destination<'_>, status: u16, took: Duration) {
    let upstream = destination.as_str();
    let duration_ms = took.as_secs_f64() * 1000.0;
    tracing::info!(method = %method, upstream = %upstream, status, duration_ms = (duration_ms * 100.0).round() / 100.0);
}

/// Logs the proxy's start (`listening on …`, which the test harness reads) or stop.
pub fn event(message: &str) {
    tracing::info!("{message}");
}
