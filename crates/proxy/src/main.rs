//! `ferry-proxy --config FILE`: the proxy as a process (by hand, or as the systemd
//! service in `deploy/systemd/`). SIGTERM or Ctrl-C stops it gracefully: no new
//! connections, requests in flight answered (for at most the upstream timeout).

use std::time::Duration;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use ferry_proxy::serve::{self, Limits, Stopped};
use ferry_proxy::{logging, Config, Mode};

const USAGE: &str = "usage: ferry-proxy --config FILE

FILE is TOML:
  listen = \"127.0.0.1:8787\"
  allowed_origins = [\"http://127.0.0.1:8080\"]
  upstreams = [\"auth.longenesis.com\", \"engage-openapi.longenesis.com\", \"http://127.0.0.1:9000\"]
  # optional: body_limit_bytes = 26214400, upstream_timeout_secs = 60, exit_after_secs = 600,
  # log_format = \"json\", relay = true, public_url = \"https://proxy.example.org\",
  # relay_store = \"redis://127.0.0.1:6379/0\", header_read_timeout_secs = 10,
  # body_read_timeout_secs = 30, max_connections = 1024, answer_limit_bytes = 52428800,
  # relay_max_slots = 1000, relay_slot_bytes = 1048576, relay_max_bytes = 16777216";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = match args.as_slice() {
        [flag, path] if flag == "--config" => path.clone(),
        [flag] if flag == "-h" || flag == "--help" => {
            println!("{USAGE}");
            return;
        }
        _ => fail("expected --config FILE"),
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| fail(&format!("cannot read {path}: {e}")));
    let config = Config::from_toml(&text).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    logging::init(config.log_format);
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| fail(&format!("cannot start: {e}")));
    runtime.block_on(serve(config));
}

async fn serve(mut config: Config) {
    let listener = tokio::net::TcpListener::bind(&config.listen).await.unwrap_or_else(|e| fail(&format!("cannot listen on {}: {e}", config.listen)));
    let address = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    if config.relay && config.public_url.is_none() {
        config.public_url = Some(format!("http://{address}"));
    }
    let upstreams = config.upstreams.join(", ");
    let exit_after = config.exit_after_secs.map(Duration::from_secs);
    let drain = config.timeout() + Duration::from_secs(5);
    let (max_connections, header_read_timeout) = (config.max_connections, config.header_read_timeout());
    let router = ferry_proxy::start(config, Mode::Process).await.unwrap_or_else(|e| fail(&e));
    logging::event(&format!("ferry-proxy listening on http://{address}, forwarding to {upstreams}"));

    let limits = Limits { max_connections, header_read_timeout, drain };
    let stop = async move {
        let why = stop_signal(exit_after).await;
        logging::event(&format!("ferry-proxy: {why}, finishing the requests in flight"));
    };
    match serve::serve(listener, router, limits, stop).await {
        Stopped::Drained => logging::event("ferry-proxy stopped"),
        Stopped::CutOff => logging::event(&format!("ferry-proxy stopped: requests still open after {} s were cut off", drain.as_secs())),
    }
}

/// Waits for SIGTERM, Ctrl-C (SIGINT) or `exit_after`; says which.
async fn stop_signal(exit_after: Option<Duration>) -> &'static str {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    let after = async {
        match exit_after {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = term => "SIGTERM received",
        _ = tokio::signal::ctrl_c() => "interrupted",
        () = after => "exit_after_secs reached",
    }
}

fn fail(message: &str) -> ! {
    eprintln!("ferry-proxy: {message}\n\n{USAGE}");
    std::process::exit(2)
}
