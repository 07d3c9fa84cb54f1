//! ferry-proxy: forwards the page's vendor calls, stores nothing.
//!
//! `{proxy}/{host}/{path}?{query}` is sent to `https://{host}/{path}?{query}` when `host`
//! is an allowed upstream (or over plain HTTP when the config lists it as
//! `http://host:port`). The upstream's status, content type, `Retry-After` and body come
//! back unchanged. Redirects are not followed. Anything else gets a 403 with a JSON
//! reason. One log line per request: method, upstream host, status, duration — never a
//! body, a query string or a header value (see [`logging`]).
//!
//! The same router runs as a process (`ferry-proxy --config FILE`, also as a systemd
//! service) and as an AWS Lambda function (`ferry-proxy-lambda`); [`Mode`] says which,
//! and [`Config::check`] refuses settings that cannot work there.

pub mod config;
pub mod logging;
pub mod relay;
pub mod serve;

use std::sync::Arc;
use std::time::Instant;

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use config::{Config, LogFormat, Mode, Upstream};
use logging::Destination;

/// Header on every answer the proxy makes itself (`error`) or relays (`forwarded`), so
/// the page can tell the proxy's refusals from the vendor's.
pub const MARK: HeaderName = HeaderName::from_static("x-ferry-proxy");

/// Answers up to this size, announced, are read whole before they are passed on.
const WHOLE_ANSWER_BYTES: u64 = 64 * 1024;

/// Request headers passed on to the vendor; all others (cookies, origin, referer) stay.
const FORWARDED_REQUEST_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::ACCEPT, header::AUTHORIZATION];

struct Proxy {
    config: Config,
    client: reqwest::Client,
}

/// The proxy's routes for `config`, checked for `mode`, its relay store reached: what
/// both ways of running the proxy serve.
pub async fn start(config: Config, mode: Mode) -> Result<Router, String> {
    config.check(mode)?;
    let relay = relay_of(&config)?;
    if let Some(relay) = &relay {
        relay.reachable().await?;
    }
    Ok(routes(config, relay))
}

/// The proxy's routes for `config` (the relay, if on, in the store the config names).
pub fn app(config: Config) -> Result<Router, String> {
    config.check(Mode::Process)?;
    let relay = relay_of(&config)?;
    Ok(routes(config, relay))
}

fn relay_of(config: &Config) -> Result<Option<Arc<relay::Relay>>, String> {
    if !config.relay {
        return Ok(None);
    }
    let public = config.public_url.clone().unwrap_or_else(|| format!("http://{}", config.listen));
    let limits = relay::Limits { max_slots: config.relay_max_slots, slot_bytes: config.relay_slot_bytes, max_bytes: config.relay_max_bytes };
    let relay = match &config.relay_store {
        Some(url) => relay::Relay::shared(&public, &config.allowed_origins, limits, url)?,
        None => relay::Relay::new(&public, &config.allowed_origins, limits),
    };
    Ok(Some(Arc::new(relay)))
}

fn routes(config: Config, relay: Option<Arc<relay::Relay>>) -> Router {
    let client =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(config.timeout()).build().expect("HTTP client with built-in TLS roots");
    let origins: Vec<HeaderValue> = config.allowed_origins.iter().filter_map(|o| o.trim_end_matches('/').parse().ok()).collect();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allow_headers(FORWARDED_REQUEST_HEADERS)
        .expose_headers([header::RETRY_AFTER, MARK])
        .max_age(std::time::Duration::from_secs(600));
    let relay = relay.map(|relay| {
        Router::new()
            .route("/_relay", post(relay::open))
            .route("/_relay/{id}", post(relay::deliver).get(relay::collect).delete(relay::close))
            .with_state(relay)
            .layer(axum::middleware::from_fn(|request: Request, next: axum::middleware::Next| own_route(request, next, "_relay")))
    });
    let state = Arc::new(Proxy { config, client });
    let mut router = Router::new()
        .route("/", get(|| async { Json(json!({ "service": "ferry-proxy", "stores": "nothing" })) }))
        .route(
            "/_health",
            get(|| async { Json(json!({ "status": "ok" })) })
                .layer(axum::middleware::from_fn(|request: Request, next: axum::middleware::Next| own_route(request, next, "_health"))),
        )
        .fallback(forward)
        .with_state(state);
    if let Some(relay) = relay {
        router = router.merge(relay);
    }
    router.layer(cors)
}

/// Logs a request to one of the proxy's own routes, under the route's name (never its
/// path, which holds a relay id).
async fn own_route(request: Request, next: axum::middleware::Next, name: &'static str) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let response = next.run(request).await;
    logging::request(method.as_str(), Destination::Own(name), response.status().as_u16(), started.elapsed());
    response
}

fn refuse(status: StatusCode, reason: String) -> Response {
    let mut response = (status, Json(json!({ "error": reason }))).into_response();
    response.headers_mut().insert(MARK, HeaderValue::from_static("error"));
    response
}

async fn forward(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let (authority, path) = split_target(request.uri().path());
    let upstream = proxy.config.upstream(&authority);
    let allowed = upstream.is_some();
    let response = relay(&proxy, request, upstream, &authority, &path).await;
    // An allowed host only: never the path's ids, the query string, a header value or a
    // body, nor the first segment of a refused path (it may be anything).
    let destination = if allowed { Destination::Upstream(&authority) } else { Destination::Refused };
    logging::request(method.as_str(), destination, response.status().as_u16(), started.elapsed());
    response
}

/// `/host/rest/of/path` → (`host`, `/rest/of/path`).
fn split_target(path: &str) -> (String, String) {
    let trimmed = path.trim_start_matches('/');
    match trimmed.split_once('/') {
        Some((host, rest)) => (host.to_string(), format!("/{rest}")),
        None => (trimmed.to_string(), "/".to_string()),
    }
}

async fn relay(proxy: &Proxy, request: Request, upstream: Option<&Upstream>, authority: &str, path: &str) -> Response {
    let config = &proxy.config;
    if let Some(origin) = request.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        if !config.allowed_origins.iter().any(|a| a.trim_end_matches('/') == origin) {
            return refuse(StatusCode::FORBIDDEN, format!("origin {origin} is not allowed to use this proxy"));
        }
    }
    let Some(upstream) = upstream else {
        return refuse(StatusCode::FORBIDDEN, format!("host {authority} is not an allowed upstream of this proxy"));
    };
    let (parts, body) = request.into_parts();
    let query = parts.uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    let url = format!("{}://{}{}{}", upstream.scheme, upstream.authority, path, query);
    let (method, headers) = (parts.method, parts.headers);
    let body: Bytes = match tokio::time::timeout(config.body_read_timeout(), to_bytes(body, config.body_limit_bytes)).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => {
            return refuse(StatusCode::PAYLOAD_TOO_LARGE, format!("the request body is larger than this proxy's limit of {} bytes", config.body_limit_bytes))
        }
        Err(_) => return refuse(StatusCode::REQUEST_TIMEOUT, format!("the request body did not arrive within {} seconds", config.body_read_timeout_secs)),
    };
    let Ok(upstream_method) = reqwest::Method::from_bytes(method.as_str().as_bytes()) else {
        return refuse(StatusCode::METHOD_NOT_ALLOWED, format!("method {method} is not forwarded"));
    };
    let mut outgoing = proxy.client.request(upstream_method, &url).body(body);
    for name in FORWARDED_REQUEST_HEADERS {
        if let Some(value) = headers.get(&name) {
            outgoing = outgoing.header(name.as_str(), value.as_bytes());
        }
    }
    let answer = match outgoing.send().await {
        Ok(a) => a,
        Err(e) if e.is_timeout() => {
            return refuse(StatusCode::GATEWAY_TIMEOUT, format!("{authority} did not answer within {} seconds", config.upstream_timeout_secs))
        }
        Err(e) => return refuse(StatusCode::BAD_GATEWAY, format!("{authority} could not be reached: {}", describe(&e))),
    };
    let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let limit = config.answer_limit_bytes;
    if answer.content_length().is_some_and(|n| n > limit as u64) {
        return refuse(StatusCode::BAD_GATEWAY, format!("{authority}'s answer is larger than this proxy's limit of {limit} bytes"));
    }
    let kept = |name: reqwest::header::HeaderName| answer.headers().get(&name).and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok());
    // The body goes on as it arrives, as it came: a compressed one with its encoding.
    let passed = [
        (header::CONTENT_TYPE, kept(reqwest::header::CONTENT_TYPE)),
        (header::CONTENT_ENCODING, kept(reqwest::header::CONTENT_ENCODING)),
        (header::CONTENT_LENGTH, kept(reqwest::header::CONTENT_LENGTH)),
        (header::RETRY_AFTER, kept(reqwest::header::RETRY_AFTER)),
    ];
    let location = answer.headers().get(reqwest::header::LOCATION).is_some();
    // A small answer of known length (most vendor answers) goes on in one piece; any
    // other as it arrives, so memory stays flat whatever the vendor sends.
    let body = match answer.content_length() {
        Some(n) if n <= WHOLE_ANSWER_BYTES => match answer.bytes().await {
            Ok(bytes) => Body::from(bytes),
            Err(e) => return refuse(StatusCode::BAD_GATEWAY, format!("{authority} broke off its answer: {}", describe(&e))),
        },
        _ => Body::from_stream(limited(answer.bytes_stream(), limit)),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(MARK, HeaderValue::from_static(if location { "redirect-not-followed" } else { "forwarded" }));
    for (name, value) in passed {
        if let Some(value) = value {
            headers.insert(name, value);
        }
    }
    response
}

/// `stream`, failing (which cuts the answer off) where it passes `limit` bytes.
fn limited<S>(stream: S, limit: usize) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send
where
    S: futures_util::Stream<Item = reqwest::Result<Bytes>> + Send,
{
    use futures_util::StreamExt;
    let mut seen = 0usize;
    stream.map(move |chunk| {
        let chunk = chunk.map_err(|e| std::io::Error::other(describe(&e)))?;
        seen += chunk.len();
        if seen > limit {
            return Err(std::io::Error::other(format!("the answer passed this proxy's limit of {limit} bytes")));
        }
        Ok(chunk)
    })
}

/// The error's kind and causes, without its URL (which may carry a query string).
fn describe(e: &reqwest::Error) -> String {
    let mut text = String::from(if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "the answer's body broke off"
    } else {
        "request failed"
    });
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}
