//! ferry-sandbox: the vendors' APIs, emulated on loopback at the vendors' own paths.
//!
//! Switching a target's base URLs to the sandbox's address is all the page needs. Every
//! rule the vendors' documents state is enforced, with their error texts; what the
//! documents leave open is answered the way the real services are known to answer
//! (see `vendor-docs/NOTES.md`). Tests read what arrived through `/_sandbox/...`.

// Handlers answer early with the vendor's own error response; boxing it would buy nothing.
#![allow(clippy::result_large_err)]

pub mod engage;
pub mod engaging_networks;
pub mod keycloak;
pub mod lumi_say;
pub mod participant_kit;
mod state;

use std::sync::{Arc, Mutex};

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

pub use state::{Account, Sandbox};

/// Shared, in-memory state of every emulated vendor.
pub type Shared = Arc<Mutex<Sandbox>>;

const LUMI_API_ADD: &str = "/reactor-webapp/pt/{project}/pn/lumicompass/api/add_respondent";
const LUMI_API_COPY: &str = "/reactor-webapp/pt/{project}/pn/lumicompass/api/copy_respondents_to_list";
const LUMI_API_REMOVE: &str = "/reactor-webapp/pt/{project}/pn/lumicompass/api/remove_respondents_from_list";

/// The sandbox's routes: every emulated vendor path plus the inspection endpoints.
pub fn app(sandbox: Sandbox) -> Router {
    let shared: Shared = Arc::new(Mutex::new(sandbox));
    Router::new()
        .route("/realms/{realm}/protocol/openid-connect/token", post(keycloak::token))
        .route("/submissions/{org}/bulk_post", post(engage::bulk_post))
        .route("/submissions/{org}/bulk_upload", post(engage::bulk_upload))
        .route("/_sandbox/engage/{org}", get(engage::inspect))
        .route("/_sandbox/engage/{org}/counts", get(engage::counts))
        .route(LUMI_API_ADD, post(lumi_say::add_respondent).fallback(lumi_say::not_a_post))
        .route(LUMI_API_COPY, post(lumi_say::copy_to_list).fallback(lumi_say::not_a_post))
        .route(LUMI_API_REMOVE, post(lumi_say::remove_from_list).fallback(lumi_say::not_a_post))
        .route("/_sandbox/lumi-say/{project}", get(lumi_say::inspect))
        .route("/ea-dataservice/import.service", post(engaging_networks::import))
        .route("/_sandbox/engaging-networks", get(engaging_networks::inspect))
        .route("/v1/panels/{id}/panellists", get(participant_kit::panellists))
        .route("/v1/{collection}", get(participant_kit::list).post(participant_kit::create))
        .route("/v1/{collection}/{id}", get(participant_kit::retrieve).delete(participant_kit::delete))
        .route("/_sandbox/participant-kit", get(participant_kit::inspect))
        .route("/_sandbox/reset", post(state::reset))
        .layer(DefaultBodyLimit::max(30 * 1024 * 1024))
        .with_state(shared)
}
