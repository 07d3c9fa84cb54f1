//! Plain-data HTTP requests and responses. The core builds and reads them; the caller
//! performs them (the browser with `fetch`, a test with canned answers).

use serde::{Deserialize, Serialize};

/// The HTTP methods Ferry uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method's name as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// The form field's name.
    pub name: String,
    /// Present when the part is a file.
    pub filename: Option<String>,
    /// The part's content type (files only).
    pub content_type: Option<String>,
    /// The part's content.
    pub data: String,
}

/// A request body, kept structured so each transport can encode it natively
/// (the browser builds `FormData` itself and chooses the multipart boundary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Body {
    /// No body.
    Empty,
    /// `application/json`.
    Json(String),
    /// `application/x-www-form-urlencoded` pairs, in order.
    Form(Vec<(String, String)>),
    /// `multipart/form-data` parts, in order.
    Multipart(Vec<Part>),
}

/// A request for the caller to perform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL at the vendor (the transport may rewrite it for the proxy).
    pub url: String,
    /// Headers besides the body's content type.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
    /// The vendor is known to answer without CORS headers while still doing the work:
    /// in direct mode send it anyway (`no-cors`) and accept a reply that cannot be read
    /// (status 0) rather than treat it as a failure to retry.
    pub opaque_ok: bool,
}

impl HttpRequest {
    /// The value of header `name` (case-insensitive), if set.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The `Retry-After` header, if any (seconds or an HTTP date).
    pub retry_after: Option<String>,
    /// The body, as text.
    pub body: String,
}

impl HttpResponse {
    /// An answer with `status` and `body` and no headers (for tests and canned answers).
    pub fn new(status: u16, body: impl Into<String>) -> HttpResponse {
        HttpResponse { status, content_type: None, retry_after: None, body: body.into() }
    }

    /// How long `Retry-After` asks to wait, in milliseconds from `now_ms` (Unix epoch
    /// milliseconds): delta-seconds or an IMF-fixdate such as `Wed, 21 Oct 2015 07:28:00 GMT`.
    pub fn retry_after_ms(&self, now_ms: f64) -> Option<f64> {
        let value = self.retry_after.as_deref()?.trim();
        if let Ok(seconds) = value.parse::<f64>() {
            return (seconds >= 0.0).then_some(seconds * 1000.0);
        }
        let at = crate::datetime::parse_http_date(value)?;
        Some((at - now_ms).max(0.0))
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body, shortened for showing to a person.
    pub fn body_excerpt(&self) -> String {
        crate::text::excerpt(self.body.trim(), 300)
    }
}

/// A request ended without an answer from the vendor (network down, proxy refusal, CORS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError(pub String);

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The URL to call for `url` through the proxy at `proxy_base`: the scheme is dropped and
/// the rest appended, so `https://auth.example.org/a?b` becomes `{proxy}/auth.example.org/a?b`.
pub fn via_proxy(url: &str, proxy_base: &str) -> String {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).unwrap_or(url);
    format!("{}/{}", proxy_base.trim().trim_end_matches('/'), rest)
}

/// Encodes form pairs as `application/x-www-form-urlencoded`.
pub fn form_urlencode(pairs: &[(String, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect::<Vec<_>>().join("&")
}

/// Decodes an `application/x-www-form-urlencoded` body into pairs.
pub fn form_urldecode(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|s| !s.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi * 16 + lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_round_trips_awkward_values() {
        let pairs = vec![("username".to_string(), "anna+test@example.org".to_string()), ("password".to_string(), "p&ss=w rd%ā".to_string())];
        let encoded = form_urlencode(&pairs);
        assert_eq!(encoded, "username=anna%2Btest%40example.org&password=p%26ss%3Dw+rd%25%C4%81");
        assert_eq!(form_urldecode(&encoded), pairs);
    }

    #[test]
    fn proxy_urls_keep_host_path_and_query() {
        assert_eq!(
            via_proxy("https://auth.longenesis.com/realms/x/token?a=1", "http://127.0.0.1:8787/"),
            "http://127.0.0.1:8787/auth.longenesis.com/realms/x/token?a=1"
        );
        assert_eq!(
            via_proxy("http://127.0.0.1:9000/submissions/o/bulk_post", "https://proxy.example.org"),
            "https://proxy.example.org/127.0.0.1:9000/submissions/o/bulk_post"
        );
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let mut r = HttpResponse::new(429, "");
        r.retry_after = Some("7".into());
        assert_eq!(r.retry_after_ms(0.0), Some(7000.0));
        r.retry_after = Some("Wed, 21 Oct 2015 07:28:00 GMT".into());
        assert_eq!(r.retry_after_ms(1_445_412_470_000.0), Some(10_000.0));
        r.retry_after = Some("soon".into());
        assert_eq!(r.retry_after_ms(0.0), None);
    }

    #[test]
    fn percent_at_the_end_is_kept() {
        assert_eq!(form_urldecode("a=50%"), vec![("a".into(), "50%".into())]);
        assert_eq!(form_urldecode("a=5%2"), vec![("a".into(), "5%2".into())]);
    }
}

/// Whether `url` is plain `http://` to this computer (`localhost`, `127.x.x.x`, `[::1]`):
/// the one place a vendor that requires HTTPS may be reached without it (a local test
/// server; nothing leaves the machine).
pub fn is_loopback_http(url: &str) -> bool {
    let Some(rest) = url.trim().strip_prefix("http://") else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host.starts_with('[') { host.split_inclusive(']').next().unwrap_or(host) } else { host.split(':').next().unwrap_or(host) };
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host == "[::1]"
        || host.strip_prefix("127.").is_some_and(|r| r.split('.').count() == 3 && r.split('.').all(|p| p.parse::<u8>().is_ok()))
}

#[cfg(test)]
mod loopback_tests {
    use super::is_loopback_http;

    #[test]
    fn only_plain_http_to_this_computer_is_loopback() {
        for url in ["http://127.0.0.1:8080", "http://localhost/x", "http://LOCALHOST:1", "http://[::1]:3000/", "http://127.1.2.3"] {
            assert!(is_loopback_http(url), "{url}");
        }
        for url in [
            "https://127.0.0.1",
            "http://lumi.example.org",
            "http://127.0.0.1.evil.example",
            "http://localhost.evil.example",
            "http://evil@example.org",
            "ftp://localhost",
            "http://10.0.0.1",
        ] {
            assert!(!is_loopback_http(url), "{url}");
        }
    }
}
