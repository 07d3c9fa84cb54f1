//! Optional site settings read from `ferry.config.json` beside the page.
//!
//! An organisation hosting Ferry can put defaults there: the proxy URL, a notice, the
//! platform chosen when the page opens (`"target": "lumi-say"`: a file chosen then is
//! checked for that platform while it is read), and each vendor's settings under the
//! vendor's id (`engage`, `lumi_say`, ...; a `-` in the id may be written `_`). It holds
//! no credentials: the page never reads any from it.

use std::collections::BTreeMap;

use ferry_core::vendors::Target;
use serde::Deserialize;
use serde_json::Value;

/// The contents of `ferry.config.json`; every field is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PageConfig {
    /// Base URL of a Ferry proxy; empty or absent means calling vendors directly.
    pub proxy_url: Option<String>,
    /// A line shown at the top of the page (e.g. "This is the sandbox").
    pub notice: Option<String>,
    /// The id of the platform chosen when the page opens (the registry's first otherwise).
    pub target: Option<String>,
    /// Default settings of each vendor, by the vendor's id.
    #[serde(flatten)]
    pub vendors: BTreeMap<String, Value>,
}

impl PageConfig {
    /// The platform the site chooses first, when it names one Ferry knows.
    pub fn default_target(&self) -> Option<Target> {
        self.target.as_deref().and_then(|id| Target::from_id(id.trim()).or_else(|| Target::from_id(&id.trim().replace('_', "-"))))
    }

    /// The site's default settings for `target`, if it gives any.
    pub fn settings_for(&self, target: Target) -> Option<&Value> {
        let id = target.id();
        self.vendors.get(id).or_else(|| self.vendors.get(&id.replace('-', "_"))).filter(|v| v.is_object())
    }
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
