//! Reads every page of a Participant Kit list in the browser, with progress and cancel.

use ferry_core::vendors::participant_kit::{Credentials, Pager, Resource, Settings};
use leptos::prelude::*;

use crate::transport::{self, Route};

/// Reads `resource` to its end (or until `cancel` is set). `progress` gets the number of
/// objects read so far. Returns the objects, or what stopped the reading.
pub async fn read_all(
    settings: &Settings,
    credentials: &Credentials,
    route: &Route,
    resource: Resource,
    query: &[(&str, &str)],
    progress: RwSignal<usize>,
    cancel: RwSignal<bool>,
) -> Result<Vec<serde_json::Value>, String> {
    let mut pager = Pager::new(resource, query);
    while let Some(request) = pager.next_request(settings, credentials) {
        if cancel.get_untracked() {
            return Err(format!("Cancelled after {} objects.", pager.items().len()));
        }
        match transport::perform(&request, route).await {
            Ok(response) => pager.handle(&response, js_sys::Date::now()),
            Err(e) => return Err(format!("Participant Kit could not be reached: {e}")),
        }
        if let Some(wait) = pager.take_wait() {
            crate::send_driver::sleep_ms(wait as i32).await;
        }
        progress.set(pager.items().len());
    }
    match pager.error() {
        Some(e) => Err(e.to_string()),
        None => Ok(pager.items().to_vec()),
    }
}
