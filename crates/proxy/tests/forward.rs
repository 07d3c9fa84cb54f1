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
        .route("/moved", get(|| async { (StatusCode::FOUND, [(header::LOCATION, "http://elsewhere.example/")], "").into_response() }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

fn config(upstream: SocketAddr) -> Config {
    Config::from_toml(&format!(
        "listen = \"127.0.0.1:0\"\nallowed_origins = [\"http://127.0.0.1:8080\"]\nupstreams = [\"auth.longenesis.com\", \"http://{upstream}\"]\nbody_limit_bytes = 1000\nupstream_timeout_secs = 5"
    ))
    .unwrap()
}

async fn send(router: &Router, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = router.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (parts.status, parts.headers, String::from_utf8_lossy(&bytes).into_owned())
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
