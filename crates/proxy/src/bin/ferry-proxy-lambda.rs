//! `ferry-proxy-lambda`: the proxy as an AWS Lambda function (a function URL or an API
//! Gateway HTTP API in front), serving the same router as the process.
//!
//! The config is the process's TOML, read from the `FERRY_PROXY_CONFIG` variable (the
//! text itself), or the file `FERRY_PROXY_CONFIG_FILE` names, or `ferry-proxy.toml`
//! bundled with the function. `listen` and `exit_after_secs` are ignored: the platform
//! owns the address and the instance's life. `relay = true` needs a shared
//! `relay_store` and a `public_url` (the function URL), and the function refuses to
//! start without them.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use ferry_proxy::{logging, Config, Mode};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let config = Config::from_environment().map_err(|e| fail(&e))?;
    logging::init(config.log_format);
    let upstreams = config.upstreams.join(", ");
    let router = ferry_proxy::start(config, Mode::Function).await.map_err(|e| fail(&e))?;
    logging::event(&format!("ferry-proxy function ready, forwarding to {upstreams}"));
    lambda_http::run(router).await
}

/// Says why the function cannot start (the platform shows it in the function's log).
fn fail(message: &str) -> lambda_http::Error {
    eprintln!("ferry-proxy-lambda: {message}");
    message.into()
}
