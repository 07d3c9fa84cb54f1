//! The forwarding function against a real upstream on loopback.

use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use ferry_proxy::{app, Config};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// An upstream that echoes what it got; stops when the test's runtime ends.
async fn upstream() -> SocketAddr {
    let router = Router::new()
        .route(
            "/echo/{id}",
            post(|headers: axum::http::HeaderMap, uri: axum::http::Uri, body: String| async move {
                let seen = format!(
                    "auth={:?} cookie={:?} origin={:?} uri={} body={}",
                    headers.get("authorization").map(|v| v.to_str().unwrap().to_string()),
                    headers.get("cookie").is_some(),
                    headers.get("origin").is_some(),
                    uri,
                    body
                );
                ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], seen)
            }),
        )
        .route("/busy", get(|| async { (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "7")], "slow down").into_response() }))
        .route("/moved", get(|| async { (StatusCode::FOUND, [(header::LOCATION, "http://elsewhere.example/")], "").into_response() }))
        .route("/big", get(|| async { "x".repeat(3000) }))
        .route(
            "/streamed",
            get(|| async {
                let pieces = (0..3).map(|_| Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b'y'; 1000])));
                Body::from_stream(futures_util::stream::iter(pieces))
            }),
        )
        .route(
            "/gzip",
            get(|| async {
                // {"ok":true}, gzip-compressed, as a server answers when it compresses anyway.
                let gzip: &[u8] = &[
                    0x1f, 0x8b, 0x8, 0x0, 0x0, 0x0, 0x0, 0x0, 0x2, 0x3, 0xab, 0x56, 0xca, 0xcf, 0x56, 0xb2, 0x2a, 0x29, 0x2a, 0x4d, 0xad, 0x5, 0x0, 0x90, 0x5f,
                    0xd4, 0xa7, 0xb, 0x0, 0x0, 0x0,
                ];
                ([(header::CONTENT_TYPE, "application/json"), (header::CONTENT_ENCODING, "gzip")], gzip).into_response()
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

fn config(upstream: SocketAddr) -> Config {
    Config::from_toml(&format!(
        "listen = \"127.0.0.1:0\"\nallowed_origins = [\"http://127.0.0.1:8080\"]\nupstreams = [\"auth.longenesis.com\", \"http://{upstream}\"]\nbody_limit_bytes = 1000\nupstream_timeout_secs = 5\nanswer_limit_bytes = 2000\nbody_read_timeout_secs = 1\nrelay_slot_bytes = 300\nrelay_max_bytes = 500"
    ))
    .unwrap()
}

async fn send(router: &Router, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let (status, headers, body) = send_raw(router, request).await;
    (status, headers, String::from_utf8_lossy(&body.expect("the whole answer")).into_owned())
}

/// The answer's status, headers and body bytes (an error when the body broke off).
async fn send_raw(router: &Router, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Result<axum::body::Bytes, String>) {
    let response = router.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.map(|c| c.to_bytes()).map_err(|e| e.to_string());
    (parts.status, parts.headers, bytes)
}

#[tokio::test]
async fn forwards_method_path_query_auth_and_body_and_drops_cookies() {
    let up = upstream().await;
    let router = app(config(up)).unwrap();
    let request = Request::post(format!("/{up}/echo/42?page=2"))
        .header(header::AUTHORIZATION, "Bearer abc")
        .header(header::COOKIE, "session=1")
        .header(header::ORIGIN, "http://127.0.0.1:8080")
        .body(Body::from("hello"))
        .unwrap();
    let (status, headers, body) = send(&router, request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "auth=Some(\"Bearer abc\") cookie=false origin=false uri=/echo/42?page=2 body=hello");
    assert_eq!(headers[header::CONTENT_TYPE], "text/plain; charset=utf-8");
    assert_eq!(headers["access-control-allow-origin"], "http://127.0.0.1:8080");
    assert_eq!(headers["x-ferry-proxy"], "forwarded");
}

#[tokio::test]
async fn refuses_hosts_and_origins_not_listed() {
    let up = upstream().await;
    let router = app(config(up)).unwrap();
    let (status, headers, body) = send(&router, Request::get("/evil.example.org/steal").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(headers["x-ferry-proxy"], "error");
    assert!(body.contains("host evil.example.org is not an allowed upstream"), "{body}");
    let other_port = format!("/127.0.0.1:{}/busy", up.port() + 1);
    assert_eq!(send(&router, Request::get(other_port).body(Body::empty()).unwrap()).await.0, StatusCode::FORBIDDEN);
    let foreign = Request::get(format!("/{up}/busy")).header(header::ORIGIN, "https://attacker.example").body(Body::empty()).unwrap();
    assert_eq!(send(&router, foreign).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn passes_retry_after_and_does_not_follow_redirects() {
    let up = upstream().await;
    let router = app(config(up)).unwrap();
    let (status, headers, body) = send(&router, Request::get(format!("/{up}/busy")).body(Body::empty()).unwrap()).await;
    assert_eq!((status, body.as_str()), (StatusCode::TOO_MANY_REQUESTS, "slow down"));
    assert_eq!(headers[header::RETRY_AFTER], "7");
    let (status, headers, _) = send(&router, Request::get(format!("/{up}/moved")).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(headers["x-ferry-proxy"], "redirect-not-followed");
}

#[tokio::test]
async fn limits_bodies_and_reports_unreachable_upstreams() {
    let up = upstream().await;
    let router = app(config(up)).unwrap();
    let big = Request::post(format!("/{up}/echo/1")).body(Body::from(vec![b'x'; 2000])).unwrap();
    assert_eq!(send(&router, big).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    // A port nothing listens on: bind, note the port, close.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let router = app(config(closed)).unwrap();
    let (status, headers, body) = send(&router, Request::get(format!("/{closed}/x?secret=1")).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(headers["x-ferry-proxy"], "error");
    assert!(body.contains("could not be reached") && !body.contains("secret"), "{body}");
}

#[tokio::test]
async fn answers_cors_preflight_for_allowed_origins() {
    let up = upstream().await;
    let router = app(config(up)).unwrap();
    let preflight = Request::builder()
        .method("OPTIONS")
        .uri(format!("/{up}/echo/1"))
        .header(header::ORIGIN, "http://127.0.0.1:8080")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,content-type")
        .body(Body::empty())
        .unwrap();
    let (status, headers, _) = send(&router, preflight).await;
    assert!(status.is_success());
    assert_eq!(headers["access-control-allow-origin"], "http://127.0.0.1:8080");
    assert!(headers["access-control-allow-headers"].to_str().unwrap().contains("authorization"));
}

#[tokio::test]
async fn the_relay_is_off_unless_configured() {
    let up = upstream().await;
    let router = app(config(up)).unwrap();
    let (status, _, _) = send(&router, Request::post("/_relay").body(Body::empty()).unwrap()).await;
    assert_ne!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn the_relay_hands_a_callback_to_the_page_once() {
    let up = upstream().await;
    let mut c = config(up);
    c.relay = true;
    c.public_url = Some("https://proxy.example.org".into());
    let router = app(c).unwrap();
    let (status, _, body) = send(&router, Request::post("/_relay").header(header::ORIGIN, "http://127.0.0.1:8080").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::CREATED);
    let opened: serde_json::Value = serde_json::from_str(&body).unwrap();
    let id = opened["id"].as_str().unwrap();
    assert_eq!(id.len(), 32);
    assert_eq!(opened["callback_url"], format!("https://proxy.example.org/_relay/{id}"));
    let path = format!("/_relay/{id}");
    assert_eq!(send(&router, Request::get(&path).body(Body::empty()).unwrap()).await.0, StatusCode::NO_CONTENT);
    let callback = r#"{"status":"ok","message":"Responent import finished successfully. 2 of 2 respondents imported.","id":"1"}"#;
    assert_eq!(send(&router, Request::post(&path).body(Body::from(callback)).unwrap()).await.0, StatusCode::OK);
    let (status, _, body) = send(&router, Request::get(&path).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let got: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(got["callbacks"][0], callback);
    assert_eq!(send(&router, Request::get(&path).body(Body::empty()).unwrap()).await.0, StatusCode::NO_CONTENT, "handed over once");
    assert_eq!(send(&router, Request::post("/_relay/0000").body(Body::from("x")).unwrap()).await.0, StatusCode::NOT_FOUND);
    let foreign = Request::post("/_relay").header(header::ORIGIN, "https://attacker.example").body(Body::empty()).unwrap();
    assert_eq!(send(&router, foreign).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn upstream_answers_stream_through_within_the_limit_with_their_encoding() {
    let up = upstream().await;
    let router = app(config(up)).unwrap();
    // Announced too large: refused before a byte is passed on.
    let (status, headers, body) = send(&router, Request::get(format!("/{up}/big")).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(headers["x-ferry-proxy"], "error");
    assert!(body.contains("larger than this proxy's limit of 2000 bytes"), "{body}");
    // Not announced: passed on as it comes, and cut off where it passes the limit.
    let (status, _, body) = send_raw(&router, Request::get(format!("/{up}/streamed")).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.unwrap_err().contains("limit of 2000 bytes"));
    // A compressed answer keeps its Content-Encoding with its compressed bytes.
    let (status, headers, body) = send_raw(&router, Request::get(format!("/{up}/gzip")).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let mut decoded = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body.unwrap()[..]), &mut decoded).unwrap();
    assert_eq!(decoded, r#"{"ok":true}"#);
}

#[tokio::test]
async fn a_body_that_never_finishes_is_refused_after_the_body_timeout() {
    let up = upstream().await;
    let router = app(config(up)).unwrap();
    let never = futures_util::stream::pending::<Result<axum::body::Bytes, std::io::Error>>();
    let request = Request::post(format!("/{up}/echo/1")).body(Body::from_stream(never)).unwrap();
    let (status, _, body) = send(&router, request).await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
    assert!(body.contains("did not arrive within 1 seconds"), "{body}");
}

#[tokio::test]
async fn the_relay_is_opened_by_allowed_pages_only_holds_text_within_bounds_and_is_deleted_by_the_page() {
    let up = upstream().await;
    let mut c = config(up);
    c.relay = true;
    let router = app(c).unwrap();
    let no_origin = send(&router, Request::post("/_relay").body(Body::empty()).unwrap()).await;
    assert_eq!(no_origin.0, StatusCode::FORBIDDEN);
    assert!(no_origin.2.contains("no Origin"), "{}", no_origin.2);
    let open = || Request::post("/_relay").header(header::ORIGIN, "http://127.0.0.1:8080").body(Body::empty()).unwrap();
    let id = |body: &str| serde_json::from_str::<serde_json::Value>(body).unwrap()["id"].as_str().unwrap().to_string();
    let first = format!("/_relay/{}", id(&send(&router, open()).await.2));
    let second = format!("/_relay/{}", id(&send(&router, open()).await.2));

    let not_text = Request::post(&first).body(Body::from(vec![0xff, 0xfe, b'{'])).unwrap();
    assert_eq!(send(&router, not_text).await.0, StatusCode::BAD_REQUEST);
    // 300 bytes a slot, 500 in all.
    assert_eq!(send(&router, Request::post(&first).body(Body::from("a".repeat(250))).unwrap()).await.0, StatusCode::OK);
    assert_eq!(send(&router, Request::post(&first).body(Body::from("b".repeat(100))).unwrap()).await.0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(send(&router, Request::post(&second).body(Body::from("c".repeat(200))).unwrap()).await.0, StatusCode::OK);
    assert_eq!(send(&router, Request::post(&second).body(Body::from("d".repeat(60))).unwrap()).await.0, StatusCode::SERVICE_UNAVAILABLE);
    // Collecting frees the bytes; the page deletes the slot when it has every result.
    let (status, _, body) = send(&router, Request::get(&first).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(&"a".repeat(250)));
    assert_eq!(send(&router, Request::post(&second).body(Body::from("d".repeat(60))).unwrap()).await.0, StatusCode::OK);
    assert_eq!(send(&router, Request::delete(&first).body(Body::empty()).unwrap()).await.0, StatusCode::NO_CONTENT);
    assert_eq!(send(&router, Request::get(&first).body(Body::empty()).unwrap()).await.0, StatusCode::NOT_FOUND);
    assert_eq!(send(&router, Request::post(&first).body(Body::from("late")).unwrap()).await.0, StatusCode::NOT_FOUND);
}
