//! `cargo xtask bench-proxy`: the proxy's own figures on loopback, the sandbox as its
//! upstream. Not a test.
//!
//! Builds (the `server` profile) of `ferry-sandbox`, `ferry-proxy` (the process) and
//! `ferry-proxy-lambda` (the function, in `cargo lambda`'s emulator) run side by side.
//! A load generator in this process keeps 1 and then 64 HTTP/1.1 keep-alive connections
//! busy with `GET /v1/projects` (Participant Kit's project list, a bearer token, a
//! ~400-byte JSON answer), straight to the sandbox, through the process and through the
//! function, in three alternating rounds of 2 s each. It counts answers, errors (anything but 200, or a
//! broken connection) and each request's latency.
//!
//! - forwards/s: answers through the process per second at 64 connections;
//! - added p50 / p99: the process's latency percentile minus the sandbox's own at the
//!   same number of connections;
//! - memory growth: the process's resident memory after all its runs over its resident
//!   memory after a warm-up (2 s at 64 connections), so it tells whether memory grows
//!   with the requests served, not what start-up costs.
//!
//! The function's figures are printed beside the process's; the emulator forwards each
//! invocation to the function over the Lambda runtime API, one at a time per function
//! instance, so they show the emulator's cost as much as the function's.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ferry_e2e::{listening_port, Announce, ChildGuard, TempDir};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{root, run, Result};

/// How long each measurement runs, and how many rounds of them.
const RUN: Duration = Duration::from_secs(2);
const ROUNDS: usize = 3;
const WARM_UP: Duration = Duration::from_secs(2);
/// Every process started here stops by itself after this long.
const LIFETIME_SECS: &str = "600";

/// One measurement's outcome.
#[derive(Debug, Clone, Default)]
struct Figures {
    answers: usize,
    errors: usize,
    seconds: f64,
    /// Latencies of the answered requests, in microseconds, sorted.
    latencies_us: Vec<u64>,
}

impl Figures {
    /// Adds another run's figures to these.
    fn pool(&mut self, other: Figures) {
        self.answers += other.answers;
        self.errors += other.errors;
        self.seconds += other.seconds;
        self.latencies_us.extend(other.latencies_us);
        self.latencies_us.sort_unstable();
    }

    fn per_second(&self) -> f64 {
        self.answers as f64 / self.seconds
    }

    fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let i = ((self.latencies_us.len() - 1) as f64 * p).round() as usize;
        self.latencies_us[i] as f64 / 1000.0
    }
}

pub fn bench_proxy() -> Result {
    eprintln!("xtask: building the sandbox and the proxy (the server profile)");
    run(Command::new("cargo").args(["build", "--profile", "server", "-p", "ferry-sandbox", "-p", "ferry-proxy"]))?;
    let bin = root().join("target/server");
    let dir = TempDir::new("ferry-bench-proxy")?;

    let mut sandbox = Command::new("timeout");
    sandbox.arg(LIFETIME_SECS).arg(bin.join("ferry-sandbox")).args(["--listen", "127.0.0.1:0"]);
    let (_sandbox, sandbox_port) = ChildGuard::spawn_announcing(sandbox, "ferry-sandbox", Announce::Stderr, listening_port)?;
    let upstream = format!("127.0.0.1:{sandbox_port}");
    // Text lines to a file: the log is written as in production, and read by no one.
    let config = format!("allowed_origins = [\"http://127.0.0.1:8080\"]\nupstreams = [\"http://{upstream}\"]\n");

    let proxy_port = free_port()?;
    let config_path = dir.path().join("proxy.toml");
    std::fs::write(&config_path, format!("listen = \"127.0.0.1:{proxy_port}\"\n{config}")).map_err(|e| e.to_string())?;
    let mut proxy = Command::new("timeout");
    proxy.arg(LIFETIME_SECS).arg(bin.join("ferry-proxy")).arg("--config").arg(&config_path);
    let proxy = quiet(proxy, &dir.path().join("proxy.log"), "ferry-proxy")?;
    wait_for_port(proxy_port)?;
    let proxy_pid = pid_in_group(proxy.id(), "ferry-proxy")?;

    let lambda_port = free_port()?;
    let mut emulator = Command::new("timeout");
    emulator
        .args([LIFETIME_SECS, "cargo", "lambda", "watch", "--only-lambda-apis", "--disable-cors", "-A", "127.0.0.1", "-P", &lambda_port.to_string()])
        .current_dir(root());
    let _emulator = quiet(emulator, &dir.path().join("emulator.log"), "cargo-lambda")?;
    wait_for_port(lambda_port)?;
    let mut function = Command::new("timeout");
    function
        .arg(LIFETIME_SECS)
        .arg(bin.join("ferry-proxy-lambda"))
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .env("AWS_LAMBDA_RUNTIME_API", format!("http://127.0.0.1:{lambda_port}/.rt"))
        .env("AWS_LAMBDA_FUNCTION_NAME", "_")
        .env("FERRY_PROXY_CONFIG", &config);
    let _function = quiet(function, &dir.path().join("function.log"), "ferry-proxy-lambda")?;

    let direct = Target { port: sandbox_port, path: "/v1/projects".into() };
    let through_proxy = Target { port: proxy_port, path: format!("/{upstream}/v1/projects") };
    let through_function = Target { port: lambda_port, path: format!("/lambda-url/_/{upstream}/v1/projects") };

    // One thread drives every connection (as `wrk -t1` does), leaving the other core to
    // the servers.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        wait_until_answers(&through_function).await?;
        eprintln!("xtask: warming up ({} s at 64 connections through the proxy)", WARM_UP.as_secs());
        load(&through_proxy, 64, WARM_UP).await;
        let rss_before = resident_kb(proxy_pid)?;

        // Rounds alternate the three ways, so a drift of the machine's speed touches
        // them alike; each way's figures pool its rounds.
        let mut rows: Vec<(usize, &str, Figures)> = Vec::new();
        for connections in [1, 64] {
            for round in 1..=ROUNDS {
                for (name, target) in [("sandbox directly", &direct), ("through the process", &through_proxy), ("through the function", &through_function)] {
                    eprintln!("xtask: {name}, {connections} connection(s), round {round} of {ROUNDS}, {} s", RUN.as_secs());
                    let f = load(target, connections, RUN).await;
                    match rows.iter_mut().find(|(c, n, _)| *c == connections && *n == name) {
                        Some((_, _, pooled)) => pooled.pool(f),
                        None => rows.push((connections, name, f)),
                    }
                }
            }
        }
        let rss_after = resident_kb(proxy_pid)?;
        print_figures(&rows, rss_before, rss_after);
        Ok(())
    })
}

fn print_figures(rows: &[(usize, &str, Figures)], rss_before: u64, rss_after: u64) {
    let find = |connections: usize, name: &str| rows.iter().find(|(c, n, _)| *c == connections && *n == name).map(|(_, _, f)| f.clone()).unwrap_or_default();
    println!();
    println!("{:<24} {:>6} {:>12} {:>9} {:>9} {:>7}", "", "conns", "requests/s", "p50 ms", "p99 ms", "errors");
    for (connections, name, f) in rows {
        println!("{name:<24} {connections:>6} {:>12.0} {:>9.3} {:>9.3} {:>7}", f.per_second(), f.percentile_ms(0.5), f.percentile_ms(0.99), f.errors);
    }
    println!();
    for name in ["through the process", "through the function"] {
        for connections in [1, 64] {
            let (via, direct) = (find(connections, name), find(connections, "sandbox directly"));
            println!(
                "{name}, {connections} connection(s): added p50 {:.3} ms, added p99 {:.3} ms",
                via.percentile_ms(0.5) - direct.percentile_ms(0.5),
                via.percentile_ms(0.99) - direct.percentile_ms(0.99)
            );
        }
    }
    println!("proxy resident memory: {} KB after warm-up, {} KB after the runs", rss_before, rss_after);
    println!();
    let process_64 = find(64, "through the process");
    let process_1 = find(1, "through the process");
    let direct_1 = find(1, "sandbox directly");
    let errors = rows.iter().filter(|(_, n, _)| *n != "sandbox directly").map(|(_, _, f)| f.errors).sum::<usize>();
    println!("proxy forwards/s at 64 connections: {:.0}", process_64.per_second());
    println!("proxy added p50 at 1 connection: {:.2} ms", process_1.percentile_ms(0.5) - direct_1.percentile_ms(0.5));
    println!("proxy errors: {errors}");
    println!("proxy memory growth over the run: {:.2}x", rss_after as f64 / rss_before.max(1) as f64);
}

/// Where the load goes: a loopback port and the request path.
struct Target {
    port: u16,
    path: String,
}

/// Keeps `connections` keep-alive connections busy for `time`.
async fn load(target: &Target, connections: usize, time: Duration) -> Figures {
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer sandbox-pk-token\r\nAccept: application/json\r\n\r\n",
        target.path, target.port
    )
    .into_bytes();
    let started = Instant::now();
    let until = started + time;
    let tasks: Vec<_> = (0..connections).map(|_| tokio::spawn(connection_loop(target.port, request.clone(), until))).collect();
    let mut all = Figures::default();
    for task in tasks {
        if let Ok(f) = task.await {
            all.answers += f.answers;
            all.errors += f.errors;
            all.latencies_us.extend(f.latencies_us);
        }
    }
    all.seconds = started.elapsed().as_secs_f64();
    all.latencies_us.sort_unstable();
    all
}

/// One connection: request, read the whole answer, again, until `until`; reconnects
/// after a broken connection (counted as an error).
async fn connection_loop(port: u16, request: Vec<u8>, until: Instant) -> Figures {
    let mut figures = Figures::default();
    let mut buffer = vec![0u8; 64 * 1024];
    'connect: while Instant::now() < until {
        let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
            figures.errors += 1;
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        while Instant::now() < until {
            let sent = Instant::now();
            if stream.write_all(&request).await.is_err() {
                figures.errors += 1;
                continue 'connect;
            }
            match read_answer(&mut stream, &mut buffer).await {
                Some(200) => {
                    figures.answers += 1;
                    figures.latencies_us.push(sent.elapsed().as_micros() as u64);
                }
                Some(_) => figures.errors += 1,
                None => {
                    figures.errors += 1;
                    continue 'connect;
                }
            }
        }
    }
    figures
}

/// Reads one HTTP/1.1 answer with a `Content-Length`; its status, or `None` when the
/// connection broke or the answer cannot be framed.
async fn read_answer(stream: &mut tokio::net::TcpStream, buffer: &mut [u8]) -> Option<u16> {
    let mut filled = 0;
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer[filled..])).await.ok()?.ok()?;
        if n == 0 {
            return None;
        }
        filled += n;
        if let Some(end) = buffer[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buffer[..end]).ok()?;
            let status: u16 = head.split(' ').nth(1)?.parse().ok()?;
            let length: usize = head.lines().find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse().ok()).flatten()
            })?;
            let mut have = filled - (end + 4);
            while have < length {
                let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer[..])).await.ok()?.ok()?;
                if n == 0 {
                    return None;
                }
                have += n;
            }
            return Some(status);
        }
        if filled == buffer.len() {
            return None;
        }
    }
}

async fn wait_until_answers(target: &Target) -> Result {
    let until = Instant::now() + Duration::from_secs(60);
    while Instant::now() < until {
        let f = load(target, 1, Duration::from_millis(200)).await;
        if f.answers > 0 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err("the function did not answer through the emulator within a minute".into())
}

/// Starts `command` in its own process group with its output to `log`.
fn quiet(mut command: Command, log: &Path, name: &'static str) -> Result<ChildGuard> {
    use std::os::unix::process::CommandExt;
    let file = std::fs::File::create(log).map_err(|e| e.to_string())?;
    let err = file.try_clone().map_err(|e| e.to_string())?;
    let child = command.process_group(0).stdin(Stdio::null()).stdout(file).stderr(err).spawn().map_err(|e| format!("cannot start {name}: {e}"))?;
    Ok(ChildGuard::adopt(child, name))
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

fn wait_for_port(port: u16) -> Result {
    let until = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > until {
            return Err(format!("nothing listens on 127.0.0.1:{port} after a minute"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// The pid of the process called `name` in process group `group`.
fn pid_in_group(group: u32, name: &str) -> Result<u32> {
    let out = Command::new("pgrep").args(["-g", &group.to_string(), "-x", name]).output().map_err(|e| e.to_string())?;
    String::from_utf8_lossy(&out.stdout).lines().next().and_then(|l| l.trim().parse().ok()).ok_or_else(|| format!("no {name} process in group {group}"))
}

/// Resident memory of `pid` in KB (`VmRSS`).
fn resident_kb(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(PathBuf::from(format!("/proc/{pid}/status"))).map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:").and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()))
        .ok_or_else(|| format!("no VmRSS for {pid}"))
}
