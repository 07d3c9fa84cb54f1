//! `ferry-proxy --config FILE`

use std::future::IntoFuture;
use std::time::Duration;

use ferry_proxy::{app, Config};

const USAGE: &str = "usage: ferry-proxy --config FILE

FILE is TOML:
  listen = \"127.0.0.1:8787\"
  allowed_origins = [\"http://127.0.0.1:8080\"]
  upstreams = [\"auth.longenesis.com\", \"engage-openapi.longenesis.com\", \"http://127.0.0.1:9000\"]
  # optional: body_limit_bytes = 26214400, upstream_timeout_secs = 60, exit_after_secs = 600";

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
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| fail(&format!("cannot start: {e}")));
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&config.listen).await.unwrap_or_else(|e| fail(&format!("cannot listen on {}: {e}", config.listen)));
        let address = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
        let mut config = config;
        if config.relay && config.public_url.is_none() {
            config.public_url = Some(format!("http://{address}"));
        }
        eprintln!("ferry-proxy listening on http://{address}, forwarding to {}", config.upstreams.join(", "));
        let exit_after = config.exit_after_secs.map(Duration::from_secs);
        let stop = async move {
            match exit_after {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            served = axum::serve(listener, app(config)).into_future() => {
                if let Err(e) = served {
                    fail(&format!("server error: {e}"));
                }
            }
            () = stop => eprintln!("ferry-proxy: exit_after_secs reached, stopping"),
        }
    });
}

fn fail(message: &str) -> ! {
    eprintln!("ferry-proxy: {message}\n\n{USAGE}");
    std::process::exit(2)
}
