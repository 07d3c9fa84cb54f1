//! The optional callback relay: a one-time random path where a vendor (Lumi Say) can POST
//! an import's final result, kept in memory only until the page reads it once, and for at
//! most 15 minutes. Off unless the config says `relay = true`.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// How long a slot lives.
pub const TTL: Duration = Duration::from_secs(15 * 60);
/// Slots open at once, at most.
const MAX_SLOTS: usize = 1000;
/// Callback bodies kept per slot, at most.
const MAX_BODIES: usize = 100;
/// Largest callback body kept.
const MAX_BODY_BYTES: usize = 64 * 1024;

struct Slot {
    created: Instant,
    bodies: VecDeque<String>,
}

/// The relay's memory.
pub struct Relay {
    public_url: String,
    allowed_origins: Vec<String>,
    slots: Mutex<HashMap<String, Slot>>,
}

impl Relay {
    /// A relay whose callback URLs start with `public_url` (how vendors reach this proxy).
    /// Only pages from `allowed_origins` may open a slot.
    pub fn new(public_url: &str, allowed_origins: &[String]) -> Relay {
        Relay {
            public_url: public_url.trim_end_matches('/').to_string(),
            allowed_origins: allowed_origins.iter().map(|o| o.trim_end_matches('/').to_string()).collect(),
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.retain(|_, s| s.created.elapsed() < TTL);
        slots
    }
}

fn random_id() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn reason(status: StatusCode, text: &str) -> Response {
    let mut response = (status, Json(json!({ "error": text }))).into_response();
    response.headers_mut().insert(crate::MARK, axum::http::HeaderValue::from_static("error"));
    response
}

/// `POST /_relay`: opens a slot for an allowed page; answers `{"id", "callback_url", "expires_in"}`.
pub async fn open(State(relay): State<std::sync::Arc<Relay>>, headers: axum::http::HeaderMap) -> Response {
    if let Some(origin) = headers.get(axum::http::header::ORIGIN).and_then(|o| o.to_str().ok()) {
        if !relay.allowed_origins.iter().any(|a| a == origin) {
            return reason(StatusCode::FORBIDDEN, &format!("origin {origin} may not open a relay on this proxy"));
        }
    }
    let mut slots = relay.slots();
    if slots.len() >= MAX_SLOTS {
        return reason(StatusCode::SERVICE_UNAVAILABLE, "the relay is full; try again in a few minutes");
    }
    let Ok(id) = random_id() else {
        return reason(StatusCode::INTERNAL_SERVER_ERROR, "no randomness available for a relay id");
    };
    slots.insert(id.clone(), Slot { created: Instant::now(), bodies: VecDeque::new() });
    let callback_url = format!("{}/_relay/{id}", relay.public_url);
    (StatusCode::CREATED, Json(json!({ "id": id, "callback_url": callback_url, "expires_in": TTL.as_secs() }))).into_response()
}

/// `POST /_relay/{id}`: the vendor delivers a callback body.
pub async fn deliver(State(relay): State<std::sync::Arc<Relay>>, Path(id): Path<String>, body: Bytes) -> Response {
    if body.len() > MAX_BODY_BYTES {
        return reason(StatusCode::PAYLOAD_TOO_LARGE, "callback body too large");
    }
    let mut slots = relay.slots();
    let Some(slot) = slots.get_mut(&id) else {
        return reason(StatusCode::NOT_FOUND, "no such relay (expired or never opened)");
    };
    if slot.bodies.len() >= MAX_BODIES {
        return reason(StatusCode::TOO_MANY_REQUESTS, "this relay holds as many callbacks as it keeps");
    }
    slot.bodies.push_back(String::from_utf8_lossy(&body).into_owned());
    (StatusCode::OK, "OK").into_response()
}

/// `GET /_relay/{id}`: the page collects what arrived (once); 204 while nothing has.
pub async fn collect(State(relay): State<std::sync::Arc<Relay>>, Path(id): Path<String>) -> Response {
    let mut slots = relay.slots();
    let Some(slot) = slots.get_mut(&id) else {
        return reason(StatusCode::NOT_FOUND, "no such relay (expired or never opened)");
    };
    if slot.bodies.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let callbacks: Vec<String> = slot.bodies.drain(..).collect();
    Json(json!({ "callbacks": callbacks })).into_response()
}
