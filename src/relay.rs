//! The page's side of the proxy's callback relay (see `ferry-proxy`'s `relay` module).

use serde::Deserialize;

/// Opens a relay slot on the proxy at `proxy`; returns `(collect URL, callback URL)`.
pub async fn open(proxy: &str) -> Result<(String, String), String> {
    #[derive(Deserialize)]
    struct Opened {
        id: String,
        callback_url: String,
    }
    let base = proxy.trim().trim_end_matches('/');
    let response = gloo_net::http::Request::post(&format!("{base}/_relay"))
        .send()
        .await
        .map_err(|_| format!("the Ferry proxy at {base} could not be reached to open a relay"))?;
    if response.status() != 201 {
        return Err(format!("the Ferry proxy did not open a relay (HTTP {}): is `relay = true` in its config?", response.status()));
    }
    let opened: Opened = response.json().await.map_err(|e| format!("the proxy's relay answer is unreadable: {e}"))?;
    Ok((format!("{base}/_relay/{}", opened.id), opened.callback_url))
}

/// Callback bodies that arrived since the last call (handed over once by the proxy).
pub async fn collect(collect_url: &str) -> Result<Vec<String>, String> {
    #[derive(Deserialize)]
    struct Collected {
        callbacks: Vec<String>,
    }
    let response = gloo_net::http::Request::get(collect_url).send().await.map_err(|_| "the Ferry proxy could not be reached".to_string())?;
    match response.status() {
        204 => Ok(Vec::new()),
        200 => Ok(response.json::<Collected>().await.map_err(|e| e.to_string())?.callbacks),
        404 => Err("the relay has expired (results are kept 15 minutes)".into()),
        s => Err(format!("the relay answered HTTP {s}")),
    }
}

/// Deletes the relay slot at `collect_url` once the page has every result (the proxy
/// would drop it after 15 minutes anyway, so a failure here loses nothing).
pub async fn close(collect_url: &str) {
    let _ = gloo_net::http::Request::delete(collect_url).send().await;
}
