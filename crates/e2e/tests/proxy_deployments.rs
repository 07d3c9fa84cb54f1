//! The proxy the ways organisations run it, as real processes on loopback: as an AWS
//! Lambda function (in `cargo lambda`'s emulator), as several processes sharing a relay
//! store (Redis), stopped by SIGTERM mid-request, and as a systemd service (its unit
//! verified where systemd exists).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use ferry_e2e::{listening_port, workspace_root, Announce, ChildGuard, TempDir};
use serde_json::Value;

/// Every process a test starts ends by itself after this long, whatever happens.
const LIFETIME_SECS: &str = "240";
const PAGE: &str = "http://127.0.0.1:8080";

fn bin(name: &str) -> PathBuf {
    let dir = std::env::var_os("FERRY_BIN_DIR").map_or_else(|| workspace_root().join("target/debug"), PathBuf::from);
    let path = dir.join(name);
    assert!(path.is_file(), "{} is missing: build it with `cargo build -p ferry-proxy -p ferry-sandbox` (cargo xtask test does)", path.display());
    path
}

/// `command` run under `timeout`, so it stops by itself.
fn bounded(program: impl Into<PathBuf>) -> Command {
    let mut c = Command::new("timeout");
    c.arg(LIFETIME_SECS).arg(program.into());
    c
}

fn sandbox() -> (ChildGuard, String) {
    let mut c = bounded(bin("ferry-sandbox"));
    c.args(["--listen", "127.0.0.1:0"]);
    let (guard, port) = ChildGuard::spawn_announcing(c, "ferry-sandbox", Announce::Stderr, listening_port).unwrap();
    (guard, format!("127.0.0.1:{port}"))
}

/// A free loopback port (for servers that cannot announce one).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A child whose stderr lines are kept for the test to read.
struct Logged {
    guard: ChildGuard,
    lines: Arc<Mutex<Vec<String>>>,
}

fn spawn_logged(mut command: Command, name: &'static str) -> Logged {
    command.stderr(Stdio::piped());
    use std::os::unix::process::CommandExt;
    let mut child = command.process_group(0).stdin(Stdio::null()).spawn().unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
    let stderr = child.stderr.take().unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let kept = lines.clone();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("{name}: {line}");
            kept.lock().unwrap().push(line);
        }
    });
    Logged { guard: ChildGuard::adopt(child, name), lines }
}

impl Logged {
    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    async fn wait_for(&self, text: &str, within: Duration) -> bool {
        let until = std::time::Instant::now() + within;
        while std::time::Instant::now() < until {
            if self.lines().iter().any(|l| l.contains(text)) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }
}

/// `cargo lambda watch` serving only the Lambda APIs on `port`; the function is started
/// by [`function`] as the built binary.
fn emulator(port: u16) -> ChildGuard {
    let mut c = Command::new("timeout");
    c.args([LIFETIME_SECS, "cargo", "lambda", "watch", "--only-lambda-apis", "--disable-cors", "-A", "127.0.0.1", "-P", &port.to_string()])
        .current_dir(workspace_root())
        .stdout(Stdio::null());
    assert!(
        Command::new("cargo").args(["lambda", "--version"]).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success()),
        "`cargo lambda` is missing: `cargo xtask setup` installs it (pip install cargo-lambda)"
    );
    let guard = ChildGuard::spawn(c, "cargo-lambda").unwrap();
    // The function must find the runtime API listening when it starts.
    let until = std::time::Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < until, "cargo lambda's emulator did not listen on {port} within a minute");
        std::thread::sleep(Duration::from_millis(50));
    }
    guard
}

/// `ferry-proxy-lambda` attached to the emulator on `port`, its config in the variable.
fn function(port: u16, config: &str) -> Logged {
    let mut c = bounded(bin("ferry-proxy-lambda"));
    c.env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .env("AWS_LAMBDA_RUNTIME_API", format!("http://127.0.0.1:{port}/.rt"))
        .env("AWS_LAMBDA_FUNCTION_NAME", "_")
        .env("FERRY_PROXY_CONFIG", config);
    spawn_logged(c, "ferry-proxy-lambda")
}

async fn until_answers(url: &str) {
    let client = reqwest::Client::new();
    let until = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < until {
        if client.get(url).timeout(Duration::from_secs(2)).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} did not answer within a minute");
}

#[tokio::test]
async fn the_function_forwards_to_allowed_hosts_only_with_cors_limits_and_clean_logs() {
    let (_sandbox, sandbox) = sandbox();
    let port = free_port();
    let _emulator = emulator(port);
    let config = format!("allowed_origins = [\"{PAGE}\"]\nupstreams = [\"http://{sandbox}\"]\nbody_limit_bytes = 2000\nlog_format = \"json\"\n");
    let function = function(port, &config);
    let base = format!("http://127.0.0.1:{port}/lambda-url/_");
    until_answers(&format!("{base}/_health")).await;
    let client = reqwest::Client::new();

    // An Engage sign-in through the function: form body, content type and answer intact.
    let form = "grant_type=password&client_id=demo-org&client_secret=sandbox-secret&username=coordinator%40example.org&password=sandbox-password";
    let signed_in = client
        .post(format!("{base}/{sandbox}/realms/curator-engage/protocol/openid-connect/token"))
        .header("origin", PAGE)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    assert_eq!(signed_in.headers()["x-ferry-proxy"], "forwarded");
    assert_eq!(signed_in.headers()["access-control-allow-origin"], PAGE);
    let token: Value = signed_in.json().await.unwrap();
    let access = token["access_token"].as_str().unwrap().to_string();
    assert!(access.starts_with("sbx-access"), "{token}");

    // Participant Kit with a bearer token and a query string.
    let projects = client
        .get(format!("{base}/{sandbox}/v1/projects?limit=1"))
        .header("origin", PAGE)
        .header("authorization", "Bearer sandbox-pk-token")
        .send()
        .await
        .unwrap();
    assert_eq!(projects.status(), 200);
    let projects: Value = projects.json().await.unwrap();
    assert_eq!(projects["data"][0]["object"], "project", "{projects}");

    // A preflight from the page is answered; one from elsewhere is not allowed.
    let preflight = client
        .request(reqwest::Method::OPTIONS, format!("{base}/{sandbox}/v1/projects"))
        .header("origin", PAGE)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.headers()["access-control-allow-origin"], PAGE);
    assert!(preflight.headers()["access-control-allow-methods"].to_str().unwrap().contains("POST"));
    let stranger = client.get(format!("{base}/{sandbox}/v1/projects")).header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(stranger.status(), 403);
    assert!(stranger.headers().get("access-control-allow-origin").is_none());

    // An unlisted host is refused by the function itself.
    let unlisted = client.get(format!("{base}/evil.example.org/leak.person@example.org")).header("origin", PAGE).send().await.unwrap();
    assert_eq!(unlisted.status(), 403);
    assert_eq!(unlisted.headers()["x-ferry-proxy"], "error");
    let reason: Value = unlisted.json().await.unwrap();
    assert!(reason["error"].as_str().unwrap().contains("not an allowed upstream"), "{reason}");

    // A body over the limit is refused before it goes anywhere.
    let big = client.post(format!("{base}/{sandbox}/v1/participants")).header("origin", PAGE).body("x".repeat(5000)).send().await.unwrap();
    assert_eq!(big.status(), 413);

    // One JSON line per request: method, upstream, status, duration and nothing else;
    // no secret, token, query string, address or refused path in any line.
    assert!(function.wait_for("\"status\":413", Duration::from_secs(5)).await);
    let lines = function.lines();
    let requests: Vec<Value> = lines.iter().filter_map(|l| serde_json::from_str::<Value>(l).ok()).filter(|v| v.get("status").is_some()).collect();
    // (the preflight is answered by the CORS layer, before the log)
    assert_eq!(requests.len(), 6, "{lines:?}");
    for r in &requests {
        let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["method", "upstream", "status", "duration_ms"], "{r}");
    }
    assert!(requests.iter().any(|r| r["upstream"] == "refused" && r["status"] == 403));
    for secret in ["sandbox-secret", "sandbox-password", "sandbox-pk-token", &access, "limit=1", "coordinator", "leak.person", "evil.example"] {
        assert!(!lines.iter().any(|l| l.contains(secret)), "{secret} in the log: {lines:?}");
    }
}

#[tokio::test]
async fn the_function_refuses_a_relay_it_cannot_keep_and_names_the_alternatives() {
    let port = free_port();
    let _emulator = emulator(port);
    let function = function(port, "upstreams = [\"auth.longenesis.com\"]\nrelay = true\n");
    assert!(function.wait_for("relay_store", Duration::from_secs(20)).await, "{:?}", function.lines());
    let said = function.lines().join("\n");
    assert!(said.contains("your own callback URL"), "{said}");
}

/// A Redis server on a free loopback port, nothing saved to disk.
fn redis() -> (ChildGuard, u16) {
    let port = free_port();
    let mut c = Command::new("timeout");
    c.args([LIFETIME_SECS, "redis-server", "--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]).stdout(Stdio::null());
    assert!(
        Command::new("redis-server").arg("--version").stdout(Stdio::null()).status().is_ok_and(|s| s.success()),
        "redis-server is missing: `cargo xtask setup` installs it (apt-get install redis-server)"
    );
    (ChildGuard::spawn(c, "redis-server").unwrap(), port)
}

fn proxy_process(dir: &TempDir, name: &str, config: &str) -> (Logged, String) {
    let path = dir.path().join(format!("{name}.toml"));
    std::fs::write(&path, config).unwrap();
    let mut c = bounded(bin("ferry-proxy"));
    c.arg("--config").arg(&path);
    let proxy = spawn_logged(c, "ferry-proxy");
    let until = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(port) = proxy.lines().iter().find_map(|l| listening_port(l)) {
            return (proxy, format!("http://127.0.0.1:{port}"));
        }
        assert!(std::time::Instant::now() < until, "the proxy did not start: {:?}", proxy.lines());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn proxies_sharing_a_relay_store_act_as_one() {
    let (_redis, redis_port) = redis();
    let dir = TempDir::new("ferry-relay-instances").unwrap();
    let config = |store: bool| {
        let mut c = format!("listen = \"127.0.0.1:0\"\nallowed_origins = [\"{PAGE}\"]\nupstreams = [\"auth.longenesis.com\"]\nrelay = true\npublic_url = \"https://proxy.example.org\"\n");
        if store {
            c.push_str(&format!("relay_store = \"redis://127.0.0.1:{redis_port}/0\"\n"));
        }
        c
    };
    // Redis may take a moment to listen; the proxy checks it at start.
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", redis_port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let (_a, a) = proxy_process(&dir, "a", &config(true));
    let (_b, b) = proxy_process(&dir, "b", &config(true));
    let client = reqwest::Client::new();

    // Opened on A, delivered to B (the callback URL names the shared public URL), read
    // from B once, then nothing left on A either.
    let opened: Value = client.post(format!("{a}/_relay")).header("origin", PAGE).send().await.unwrap().json().await.unwrap();
    let id = opened["id"].as_str().unwrap();
    assert_eq!(opened["callback_url"], format!("https://proxy.example.org/_relay/{id}"));
    assert_eq!(client.get(format!("{b}/_relay/{id}")).send().await.unwrap().status(), 204);
    let result = r#"{"status":"Import completed","respondents":3}"#;
    let delivered = client.post(format!("{b}/_relay/{id}")).body(result).send().await.unwrap();
    assert_eq!(delivered.status(), 200);
    let collected: Value = client.get(format!("{a}/_relay/{id}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(collected["callbacks"], serde_json::json!([result]));
    assert_eq!(client.get(format!("{b}/_relay/{id}")).send().await.unwrap().status(), 204);
    assert_eq!(client.get(format!("{a}/_relay/not-a-slot")).send().await.unwrap().status(), 404);
    assert_eq!(client.post(format!("{b}/_relay/not-a-slot")).body("x").send().await.unwrap().status(), 404);

    // Without the store, each process keeps its own slots: B does not know A's slot, so
    // the callback would be lost. That is why a function refuses such a relay.
    let (_c, c) = proxy_process(&dir, "c", &config(false));
    let (_d, d) = proxy_process(&dir, "d", &config(false));
    let opened: Value = client.post(format!("{c}/_relay")).header("origin", PAGE).send().await.unwrap().json().await.unwrap();
    let id = opened["id"].as_str().unwrap();
    assert_eq!(client.post(format!("{d}/_relay/{id}")).body(result).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn sigterm_lets_a_request_in_flight_finish_then_the_process_stops() {
    // An upstream that takes a second and a half to answer.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = listener.local_addr().unwrap();
    let slow = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            "finished"
        }),
    );
    let server = tokio::spawn(async move { axum::serve(listener, slow).await });
    let dir = TempDir::new("ferry-graceful").unwrap();
    let (proxy, url) = proxy_process(&dir, "p", &format!("listen = \"127.0.0.1:0\"\nupstreams = [\"http://{upstream}\"]\n"));
    let client = reqwest::Client::new();
    assert_eq!(client.get(format!("{url}/_health")).send().await.unwrap().status(), 200);

    let in_flight = tokio::spawn({
        let client = client.clone();
        let url = format!("{url}/{upstream}/slow");
        async move { client.get(url).send().await }
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    let pid = proxy_pid(&proxy);
    assert!(Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap().success());
    assert!(proxy.wait_for("SIGTERM received", Duration::from_secs(5)).await, "{:?}", proxy.lines());

    let answer = in_flight.await.unwrap().expect("the request in flight was answered");
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), "finished");
    assert!(proxy.wait_for("ferry-proxy stopped", Duration::from_secs(5)).await, "{:?}", proxy.lines());
    // No new connection is taken once stopped.
    assert!(client.get(format!("{url}/_health")).timeout(Duration::from_secs(2)).send().await.is_err());
    server.abort();
}

/// The pid of the `ferry-proxy` process under `timeout`.
fn proxy_pid(proxy: &Logged) -> u32 {
    let group = proxy.guard.id();
    let out = Command::new("pgrep").args(["-g", &group.to_string(), "-x", "ferry-proxy"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().lines().next().and_then(|l| l.parse().ok()).unwrap_or_else(|| panic!("no ferry-proxy in group {group}"))
}

#[test]
fn the_systemd_unit_passes_systemd_analyze_verify() {
    let Ok(out) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!("skipped: systemd-analyze is not on this machine (systemd is not installed), so the unit cannot be verified here");
        return;
    };
    assert!(out.status.success());
    let unit = std::fs::read_to_string(workspace_root().join("deploy/systemd/ferry-proxy.service")).unwrap();
    for hardening in ["DynamicUser=yes", "ProtectSystem=strict", "NoNewPrivileges=yes", "MemoryMax="] {
        assert!(unit.contains(hardening), "the unit lacks {hardening}");
    }
    // Verified as installed: the binary where the unit expects it, a config beside it.
    let dir = TempDir::new("ferry-systemd").unwrap();
    let installed = unit.replace("/usr/local/bin/ferry-proxy", &bin("ferry-proxy").display().to_string());
    let path = dir.path().join("ferry-proxy.service");
    std::fs::write(&path, installed).unwrap();
    let verify = Command::new("systemd-analyze").arg("verify").arg(&path).output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&verify.stdout), String::from_utf8_lossy(&verify.stderr));
    assert!(verify.status.success(), "systemd-analyze verify failed:\n{said}");
    let about_unit: Vec<&str> = said.lines().filter(|l| l.contains("ferry-proxy.service")).collect();
    assert!(about_unit.is_empty(), "systemd-analyze verify found problems:\n{said}");
}

/// Reads from `stream` until it closes or `within` passes; what arrived.
async fn read_until_closed(stream: &mut tokio::net::TcpStream, within: Duration) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let mut buffer = [0u8; 4096];
    let until = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(until, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&got).into_owned()),
            Ok(Ok(n)) => got.extend_from_slice(&buffer[..n]),
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    use tokio::io::AsyncWriteExt;
    let dir = TempDir::new("ferry-slow-client").unwrap();
    let (_proxy, url) = proxy_process(&dir, "p", "listen = \"127.0.0.1:0\"\nupstreams = [\"auth.longenesis.com\"]\nheader_read_timeout_secs = 1\n");
    let address = url.trim_start_matches("http://");
    let mut slow = tokio::net::TcpStream::connect(address).await.unwrap();
    slow.write_all(b"GET /_health HTTP/1.1\r\nHost: proxy\r\nX-Slow: ").await.unwrap();
    let mut idle = tokio::net::TcpStream::connect(address).await.unwrap();
    // Both are closed by the proxy after about a second, not left open.
    assert!(read_until_closed(&mut slow, Duration::from_secs(5)).await.is_some(), "a half-sent request's connection stayed open");
    assert!(read_until_closed(&mut idle, Duration::from_secs(5)).await.is_some(), "an idle connection stayed open");
    assert_eq!(reqwest::get(format!("{url}/_health")).await.unwrap().status(), 200);
}

#[tokio::test]
async fn connections_over_the_cap_get_a_clear_503_and_the_proxy_recovers() {
    use tokio::io::AsyncWriteExt;
    let dir = TempDir::new("ferry-connection-cap").unwrap();
    let (_proxy, url) = proxy_process(&dir, "p", "listen = \"127.0.0.1:0\"\nupstreams = [\"auth.longenesis.com\"]\nmax_connections = 3\n");
    let address = url.trim_start_matches("http://");
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(tokio::net::TcpStream::connect(address).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = tokio::net::TcpStream::connect(address).await.unwrap();
    extra.write_all(b"GET /_health HTTP/1.1\r\nHost: proxy\r\n\r\n").await.unwrap();
    let answer = read_until_closed(&mut extra, Duration::from_secs(5)).await.expect("the extra connection was answered and closed");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("as many connections as it takes"), "{answer}");
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(reqwest::get(format!("{url}/_health")).await.unwrap().status(), 200);
}

/// A process's peak resident memory in KB (`VmHWM`).
fn peak_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap()
}

#[tokio::test]
async fn a_large_answer_streams_through_with_flat_memory() {
    const PIECE: usize = 64 * 1024;
    const PIECES: usize = 4800; // 300 MiB
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = listener.local_addr().unwrap();
    let export = Router::new().route(
        "/export",
        get(|| async {
            let pieces = futures_util::stream::iter((0..PIECES).map(|_| Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b'x'; PIECE]))));
            axum::body::Body::from_stream(pieces)
        }),
    );
    let server = tokio::spawn(async move { axum::serve(listener, export).await });
    let dir = TempDir::new("ferry-streaming").unwrap();
    let (proxy, url) =
        proxy_process(&dir, "p", &format!("listen = \"127.0.0.1:0\"\nupstreams = [\"http://{upstream}\"]\nanswer_limit_bytes = {}\n", 400 * 1024 * 1024));
    let pid = proxy_pid(&proxy);
    let before = peak_kb(pid);
    let mut answer = reqwest::get(format!("{url}/{upstream}/export")).await.unwrap();
    assert_eq!(answer.status(), 200);
    let mut received = 0usize;
    while let Some(chunk) = answer.chunk().await.unwrap() {
        received += chunk.len();
    }
    assert_eq!(received, PIECE * PIECES);
    let after = peak_kb(pid);
    // Held whole, 300 MiB would pass through the proxy's memory at once.
    assert!(after < before + 64 * 1024, "the proxy's peak memory went from {before} KB to {after} KB for a 300 MiB answer");
    server.abort();
}
