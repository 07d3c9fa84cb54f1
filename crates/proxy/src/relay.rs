//! The optional callback relay: a one-time random path where a vendor (Lumi Say) can POST
//! an import's final result, kept only until the page reads it, and for at most 15
//! minutes. Off unless the config says `relay = true`.
//!
//! Only a page from an allowed origin opens a slot (a request without `Origin` does
//! not). Each callback body is handed over once (a read empties the slot) and the page
//! deletes the slot when it has every result. Bodies are kept as they came (UTF-8 text,
//! as Lumi Say posts; anything else is refused), bounded per slot and in all.
//!
//! Slots live in this process's memory, or, when the config names a `relay_store`, in
//! Redis, so that several proxies behind a load balancer, or the instances of the proxy
//! as a function, act as one: a callback may arrive at another instance than the one
//! the page opened the slot on, and the page may collect from a third.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use tokio::sync::OnceCell;

/// How long a slot lives.
pub const TTL: Duration = Duration::from_secs(15 * 60);
/// Callback bodies kept per slot, at most.
const MAX_BODIES: usize = 100;
/// Largest callback body kept.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// What bounds the relay (from the config).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Slots open at once.
    pub max_slots: usize,
    /// Callback bytes one slot holds.
    pub slot_bytes: usize,
    /// Callback bytes all slots in memory hold together.
    pub max_bytes: usize,
}

/// Prefix of every key the relay writes in Redis.
const KEY_PREFIX: &str = "ferry-relay";

struct Slot {
    created: Instant,
    bodies: VecDeque<Bytes>,
}

impl Slot {
    fn bytes(&self) -> usize {
        self.bodies.iter().map(Bytes::len).sum()
    }
}

/// Why a relay call did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayError {
    /// The slot expired or was never opened.
    NoSlot,
    /// As many slots are open as the relay keeps.
    Full,
    /// The slot holds as many callbacks, or bytes, as it keeps.
    SlotFull,
    /// The relay holds as many bytes as it keeps.
    BytesFull,
    /// The shared store could not be reached or answered oddly.
    Store(String),
}

impl RelayError {
    fn response(&self) -> Response {
        match self {
            RelayError::NoSlot => reason(StatusCode::NOT_FOUND, "no such relay (expired or never opened)"),
            RelayError::Full => reason(StatusCode::SERVICE_UNAVAILABLE, "the relay is full; try again in a few minutes"),
            RelayError::SlotFull => reason(StatusCode::TOO_MANY_REQUESTS, "this relay holds as many callbacks as it keeps"),
            RelayError::BytesFull => reason(StatusCode::SERVICE_UNAVAILABLE, "the relay holds as many bytes as it keeps; try again in a few minutes"),
            RelayError::Store(_) => reason(StatusCode::SERVICE_UNAVAILABLE, "the relay's store cannot be reached; try again shortly"),
        }
    }
}

/// Where slots are kept.
enum Store {
    /// This process's memory.
    Memory(Mutex<HashMap<String, Slot>>),
    /// A Redis server every instance shares; connected on first use.
    Redis { client: Box<redis::Client>, connection: OnceCell<redis::aio::MultiplexedConnection> },
}

/// The relay's state: its public URL, who may open slots, and where slots live.
pub struct Relay {
    public_url: String,
    allowed_origins: Vec<String>,
    limits: Limits,
    store: Store,
}

impl Relay {
    /// A relay whose callback URLs start with `public_url` (how vendors reach this proxy),
    /// keeping slots in memory. Only pages from `allowed_origins` may open a slot.
    pub fn new(public_url: &str, allowed_origins: &[String], limits: Limits) -> Relay {
        Relay {
            public_url: public_url.trim_end_matches('/').to_string(),
            allowed_origins: allowed_origins.iter().map(|o| o.trim_end_matches('/').to_string()).collect(),
            limits,
            store: Store::Memory(Mutex::new(HashMap::new())),
        }
    }

    /// The same relay keeping its slots in the Redis server at `url`.
    pub fn shared(public_url: &str, allowed_origins: &[String], limits: Limits, url: &str) -> Result<Relay, String> {
        let client = redis::Client::open(url).map_err(|e| format!("relay_store: {e}"))?;
        Ok(Relay { store: Store::Redis { client: Box::new(client), connection: OnceCell::new() }, ..Relay::new(public_url, allowed_origins, limits) })
    }

    /// Checks that the store answers (at start-up, for a clear message then).
    pub async fn reachable(&self) -> Result<(), String> {
        match &self.store {
            Store::Memory(_) => Ok(()),
            Store::Redis { .. } => {
                let mut c = self.redis().await.map_err(|e| format!("relay_store cannot be reached: {e:?}"))?;
                redis::cmd("PING").query_async::<String>(&mut c).await.map(|_| ()).map_err(|e| format!("relay_store does not answer: {e}"))
            }
        }
    }

    fn memory(slots: &Mutex<HashMap<String, Slot>>) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        let mut slots = slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.retain(|_, s| s.created.elapsed() < TTL);
        slots
    }

    async fn redis(&self) -> Result<redis::aio::MultiplexedConnection, RelayError> {
        let Store::Redis { client, connection } = &self.store else { return Err(RelayError::Store("not a Redis store".into())) };
        connection.get_or_try_init(|| client.get_multiplexed_async_connection()).await.cloned().map_err(|e| RelayError::Store(e.to_string()))
    }

    /// Opens a slot under `id`.
    async fn open_slot(&self, id: &str) -> Result<(), RelayError> {
        match &self.store {
            Store::Memory(slots) => {
                let mut slots = Relay::memory(slots);
                if slots.len() >= self.limits.max_slots {
                    return Err(RelayError::Full);
                }
                slots.insert(id.to_string(), Slot { created: Instant::now(), bodies: VecDeque::new() });
                Ok(())
            }
            Store::Redis { .. } => {
                let mut c = self.redis().await?;
                let now = now_ms();
                let index = format!("{KEY_PREFIX}:slots");
                let (_, open): ((), usize) = redis::pipe()
                    .atomic()
                    .cmd("ZREMRANGEBYSCORE")
                    .arg(&index)
                    .arg("-inf")
                    .arg(now)
                    .cmd("ZCARD")
                    .arg(&index)
                    .query_async(&mut c)
                    .await
                    .map_err(store)?;
                if open >= self.limits.max_slots {
                    return Err(RelayError::Full);
                }
                redis::pipe()
                    .atomic()
                    .cmd("ZADD")
                    .arg(&index)
                    .arg(now + TTL.as_millis() as u64)
                    .arg(id)
                    .ignore()
                    .cmd("SET")
                    .arg(slot_key(id))
                    .arg(1)
                    .arg("PX")
                    .arg(TTL.as_millis() as u64)
                    .ignore()
                    .query_async::<()>(&mut c)
                    .await
                    .map_err(store)
            }
        }
    }

    /// Keeps a callback body in slot `id`.
    async fn keep(&self, id: &str, body: Bytes) -> Result<(), RelayError> {
        match &self.store {
            Store::Memory(slots) => {
                let mut slots = Relay::memory(slots);
                let total: usize = slots.values().map(Slot::bytes).sum();
                let slot = slots.get_mut(id).ok_or(RelayError::NoSlot)?;
                if slot.bodies.len() >= MAX_BODIES || slot.bytes() + body.len() > self.limits.slot_bytes {
                    return Err(RelayError::SlotFull);
                }
                if total + body.len() > self.limits.max_bytes {
                    return Err(RelayError::BytesFull);
                }
                slot.bodies.push_back(body);
                Ok(())
            }
            Store::Redis { .. } => {
                let mut c = self.redis().await?;
                let (left_ms, held, bytes): (i64, usize, Option<usize>) = redis::pipe()
                    .cmd("PTTL")
                    .arg(slot_key(id))
                    .cmd("LLEN")
                    .arg(bodies_key(id))
                    .cmd("GET")
                    .arg(bytes_key(id))
                    .query_async(&mut c)
                    .await
                    .map_err(store)?;
                if left_ms <= 0 {
                    return Err(RelayError::NoSlot);
                }
                if held >= MAX_BODIES || bytes.unwrap_or(0) + body.len() > self.limits.slot_bytes {
                    return Err(RelayError::SlotFull);
                }
                let length = body.len();
                redis::pipe()
                    .atomic()
                    .cmd("RPUSH")
                    .arg(bodies_key(id))
                    .arg(body.as_ref())
                    .ignore()
                    .cmd("PEXPIRE")
                    .arg(bodies_key(id))
                    .arg(left_ms)
                    .ignore()
                    .cmd("INCRBY")
                    .arg(bytes_key(id))
                    .arg(length)
                    .ignore()
                    .cmd("PEXPIRE")
                    .arg(bytes_key(id))
                    .arg(left_ms)
                    .ignore()
                    .query_async::<()>(&mut c)
                    .await
                    .map_err(store)
            }
        }
    }

    /// Takes every body that arrived in slot `id` since the last take.
    async fn take(&self, id: &str) -> Result<Vec<Bytes>, RelayError> {
        match &self.store {
            Store::Memory(slots) => {
                let mut slots = Relay::memory(slots);
                let slot = slots.get_mut(id).ok_or(RelayError::NoSlot)?;
                Ok(slot.bodies.drain(..).collect())
            }
            Store::Redis { .. } => {
                let mut c = self.redis().await?;
                let (exists, bodies): (bool, Vec<Vec<u8>>) = redis::pipe()
                    .atomic()
                    .cmd("EXISTS")
                    .arg(slot_key(id))
                    .cmd("LRANGE")
                    .arg(bodies_key(id))
                    .arg(0)
                    .arg(-1)
                    .cmd("DEL")
                    .arg(bodies_key(id))
                    .arg(bytes_key(id))
                    .ignore()
                    .query_async(&mut c)
                    .await
                    .map_err(store)?;
                if exists {
                    Ok(bodies.into_iter().map(Bytes::from).collect())
                } else {
                    Err(RelayError::NoSlot)
                }
            }
        }
    }

    /// Deletes slot `id` and whatever it holds.
    async fn close(&self, id: &str) -> Result<(), RelayError> {
        match &self.store {
            Store::Memory(slots) => Relay::memory(slots).remove(id).map(|_| ()).ok_or(RelayError::NoSlot),
            Store::Redis { .. } => {
                let mut c = self.redis().await?;
                let (removed, ..): (usize, usize, usize) = redis::pipe()
                    .atomic()
                    .cmd("DEL")
                    .arg(slot_key(id))
                    .cmd("DEL")
                    .arg(bodies_key(id))
                    .arg(bytes_key(id))
                    .cmd("ZREM")
                    .arg(format!("{KEY_PREFIX}:slots"))
                    .arg(id)
                    .query_async(&mut c)
                    .await
                    .map_err(store)?;
                if removed > 0 {
                    Ok(())
                } else {
                    Err(RelayError::NoSlot)
                }
            }
        }
    }
}

fn slot_key(id: &str) -> String {
    format!("{KEY_PREFIX}:{id}")
}

fn bodies_key(id: &str) -> String {
    format!("{KEY_PREFIX}:{id}:bodies")
}

fn bytes_key(id: &str) -> String {
    format!("{KEY_PREFIX}:{id}:bytes")
}

fn store(e: redis::RedisError) -> RelayError {
    RelayError::Store(e.to_string())
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
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
pub async fn open(State(relay): State<Arc<Relay>>, headers: axum::http::HeaderMap) -> Response {
    let Some(origin) = headers.get(axum::http::header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return reason(StatusCode::FORBIDDEN, "only a page from an allowed origin may open a relay (the request has no Origin)");
    };
    if !relay.allowed_origins.iter().any(|a| a == origin) {
        return reason(StatusCode::FORBIDDEN, &format!("origin {origin} may not open a relay on this proxy"));
    }
    let Ok(id) = random_id() else {
        return reason(StatusCode::INTERNAL_SERVER_ERROR, "no randomness available for a relay id");
    };
    if let Err(e) = relay.open_slot(&id).await {
        return e.response();
    }
    let callback_url = format!("{}/_relay/{id}", relay.public_url);
    (StatusCode::CREATED, Json(json!({ "id": id, "callback_url": callback_url, "expires_in": TTL.as_secs() }))).into_response()
}

/// `POST /_relay/{id}`: the vendor delivers a callback body.
pub async fn deliver(State(relay): State<Arc<Relay>>, Path(id): Path<String>, body: Bytes) -> Response {
    if body.len() > MAX_BODY_BYTES {
        return reason(StatusCode::PAYLOAD_TOO_LARGE, "callback body too large");
    }
    if std::str::from_utf8(&body).is_err() {
        return reason(StatusCode::BAD_REQUEST, "a callback body must be UTF-8 text");
    }
    match relay.keep(&id, body).await {
        Ok(()) => (StatusCode::OK, "OK").into_response(),
        Err(e) => e.response(),
    }
}

/// `GET /_relay/{id}`: the page collects what arrived (once); 204 while nothing has.
pub async fn collect(State(relay): State<Arc<Relay>>, Path(id): Path<String>) -> Response {
    match relay.take(&id).await {
        Ok(callbacks) if callbacks.is_empty() => StatusCode::NO_CONTENT.into_response(),
        Ok(callbacks) => {
            // Kept only if UTF-8, so nothing is lost here.
            let texts: Vec<&str> = callbacks.iter().filter_map(|b| std::str::from_utf8(b).ok()).collect();
            Json(json!({ "callbacks": texts })).into_response()
        }
        Err(e) => e.response(),
    }
}

/// `DELETE /_relay/{id}`: the page has every result; the slot goes.
pub async fn close(State(relay): State<Arc<Relay>>, Path(id): Path<String>) -> Response {
    match relay.close(&id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.response(),
    }
}
