//! Performs a core [`HttpRequest`] with the browser's `fetch`, directly or via the proxy.

use ferry_core::http::{form_urlencode, via_proxy, Body, HttpRequest, HttpResponse, Method, TransportError};
use gloo_net::http::{RequestBuilder, Response};
use wasm_bindgen::JsValue;

/// How requests leave the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Straight to the vendor (works only where the vendor allows this page's origin).
    Direct,
    /// Through the Ferry proxy at this base URL.
    Proxy(String),
}

impl Route {
    /// The URL to fetch for a vendor URL.
    pub fn url_for(&self, vendor_url: &str) -> String {
        match self {
            Route::Direct => vendor_url.to_string(),
            Route::Proxy(base) => via_proxy(vendor_url, base),
        }
    }
}

/// Sends `request` and reads the whole answer as text. Refusals made by the proxy itself
/// (not the vendor) come back as errors, with the proxy's reason.
pub async fn perform(request: &HttpRequest, route: &Route) -> Result<HttpResponse, TransportError> {
    let url = route.url_for(&request.url);
    let method = match request.method {
        Method::Get => gloo_net::http::Method::GET,
        Method::Post => gloo_net::http::Method::POST,
        Method::Delete => gloo_net::http::Method::DELETE,
    };
    let mut builder = RequestBuilder::new(&url).method(method).referrer_policy(web_sys::ReferrerPolicy::NoReferrer);
    let opaque = request.opaque_ok && *route == Route::Direct;
    if opaque {
        // The vendor does the work but sends no CORS headers: its reply stays unreadable.
        builder = builder.mode(web_sys::RequestMode::NoCors);
    }
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let built = match &request.body {
        Body::Empty => builder.build(),
        Body::Json(text) => builder.header("Content-Type", "application/json").body(text.clone()),
        Body::Form(pairs) => builder.header("Content-Type", "application/x-www-form-urlencoded").body(form_urlencode(pairs)),
        Body::Multipart(parts) => builder.body(form_data(parts).map_err(|e| TransportError(js_text(&e)))?),
    };
    let built = built.map_err(|e| TransportError(e.to_string()))?;
    let response = built.send().await.map_err(|_| TransportError(unreachable_text(route)))?;
    if opaque && response.status() == 0 {
        return Ok(HttpResponse::new(0, ""));
    }
    read(response).await
}

async fn read(response: Response) -> Result<HttpResponse, TransportError> {
    let status = response.status();
    let content_type = response.headers().get("content-type");
    let retry_after = response.headers().get("retry-after");
    let from_proxy = response.headers().get("x-ferry-proxy");
    let body = response.text().await.unwrap_or_default();
    if from_proxy.as_deref() == Some("error") {
        let reason =
            serde_json::from_str::<serde_json::Value>(&body).ok().and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string)).unwrap_or(body);
        return Err(TransportError(format!("the Ferry proxy answered HTTP {status}: {reason}")));
    }
    Ok(HttpResponse { status, content_type, retry_after, body })
}

fn form_data(parts: &[ferry_core::http::Part]) -> Result<web_sys::FormData, JsValue> {
    let form = web_sys::FormData::new()?;
    for part in parts {
        match &part.filename {
            Some(filename) => {
                let options = web_sys::BlobPropertyBag::new();
                options.set_type(part.content_type.as_deref().unwrap_or("application/octet-stream"));
                let pieces = js_sys::Array::of1(&JsValue::from_str(&part.data));
                let blob = web_sys::Blob::new_with_str_sequence_and_options(&pieces, &options)?;
                form.append_with_blob_and_filename(&part.name, &blob, filename)?;
            }
            None => form.append_with_str(&part.name, &part.data)?,
        }
    }
    Ok(form)
}

fn unreachable_text(route: &Route) -> String {
    match route {
        Route::Direct => "the vendor could not be reached, or it does not let this page read its answer (CORS); send through the Ferry proxy instead".into(),
        Route::Proxy(base) => format!("the Ferry proxy at {base} could not be reached; check that it is running"),
    }
}

fn js_text(value: &JsValue) -> String {
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}
