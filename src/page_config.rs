//! Optional site settings read from `ferry.config.json` beside the page.
//!
//! An organisation hosting Ferry can put defaults there (proxy URL, vendor base URLs,
//! organisation slug). It holds no credentials: the page never reads any from it.

use ferry_core::vendors::{engage, engaging_networks, lumi_say, participant_kit};
use serde::Deserialize;

/// The contents of `ferry.config.json`; every field is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PageConfig {
    /// Base URL of a Ferry proxy; empty or absent means calling vendors directly.
    pub proxy_url: Option<String>,
    /// Defaults for the Engage settings.
    pub engage: Option<engage::Settings>,
    /// Defaults for the Lumi Say settings.
    pub lumi_say: Option<lumi_say::Settings>,
    /// Defaults for the Engaging Networks settings.
    pub engaging_networks: Option<engaging_networks::Settings>,
    /// Defaults for the Participant Kit settings.
    pub participant_kit: Option<participant_kit::Settings>,
    /// A line shown at the top of the page (e.g. "This is the sandbox").
    pub notice: Option<String>,
}

/// Reads `ferry.config.json` relative to the page; `None` when absent or unreadable.
pub async fn load() -> Option<PageConfig> {
    let response = gloo_net::http::Request::get("ferry.config.json").send().await.ok()?;
    if !response.ok() {
        return None;
    }
    let text = response.text().await.ok()?;
    serde_json::from_str(&text).ok()
}
