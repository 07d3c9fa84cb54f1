//! ferry-sandbox: the vendors' APIs, emulated on loopback at the vendors' own paths.
//!
//! Switching a target's base URLs to the sandbox's address is all the page needs. Every
//! rule the vendors' documents state is enforced, with their error texts; what the
//! documents leave open is answered the way the real services are known to answer
//! (see `vendor-docs/NOTES.md`). Tests read what arrived through `/_sandbox/...`.

pub mod engage;
pub mod keycloak;
mod state;

use std::sync::{Arc, Mutex};

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

pub use state::{Account, Sandbox};

/// Shared, in-memory state of every emulated vendor.
pub type Shared = Arc<Mutex<Sandbox>>;

/// The sandbox's routes: every emulated vendor path plus the inspection endpoints.
pub fn app(sandbox: Sandbox) -> Router {
    let shared: Shared = Arc::new(Mutex::new(sandbox));
    Router::new()
        .route("/realms/{realm}/protocol/openid-connect/token", post(keycloak::token))
        .route("/submissions/{org}/bulk_post", post(engage::bulk_post))
        .route("/submissions/{org}/bulk_upload", post(engage::bulk_upload))
        .route("/_sandbox/engage/{org}", get(engage::inspect))
        .route("/_sandbox/reset", post(state::reset))
        .layer(DefaultBodyLimit::max(30 * 1024 * 1024))
        .with_state(shared)
}
