//! `ferry-sandbox --listen 127.0.0.1:PORT [--token-ttl SECS] [--exit-after SECS] [--rate-limit N] [--latency-ms MS]`

use std::future::IntoFuture;
use std::time::Duration;

use ferry_sandbox::{app, Sandbox};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: ferry-sandbox --listen 127.0.0.1:PORT [--token-ttl SECS] [--exit-after SECS]
                     [--rate-limit REQUESTS_PER_SEC] [--latency-ms MS]

Emulates the vendor APIs Ferry talks to, at the vendors' own paths, until killed
(or for --exit-after seconds). Demo Engage account: organisation demo-org,
client id demo-org, client secret sandbox-secret,
user coordinator@example.org, password sandbox-password.
Demo Lumi Say project: demo-project, dashboard user coordinator / sandbox-password,
lists 101 and 102, preview group 103 (at most 3), sample fields age (integer) and site.
Demo Engaging Networks account: token sandbox-en-token, saved format ferry-supporters
(First Name, Last Name, Email Address, PostCode, OPT-IN #1); importTransactions header
Supporter ID, Supporter Email, Campaign ID, Transaction Date, Transaction Time, Amount, Currency.
Demo Participant Kit organisation: bearer token sandbox-pk-token, study stu_demo,
panel pan_demo with 150 panellists. --rate-limit applies to it too.";

fn main() {
    let mut listen = None;
    let mut sandbox = Sandbox::default();
    let mut exit_after = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().unwrap_or_else(|| fail(&format!("{name} needs a value")));
        match arg.as_str() {
            "--listen" => listen = Some(value("--listen")),
            "--token-ttl" => sandbox.token_ttl = Duration::from_secs(number(&value("--token-ttl"))),
            "--rate-limit" => sandbox.rate_limit_per_sec = Some(number(&value("--rate-limit")) as u32),
            "--latency-ms" => sandbox.latency = Duration::from_millis(number(&value("--latency-ms"))),
            "--exit-after" => exit_after = Some(Duration::from_secs(number(&value("--exit-after")))),
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            other => fail(&format!("unknown argument {other}")),
        }
    }
    let listen = listen.unwrap_or_else(|| fail("--listen is required"));
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| fail(&format!("cannot start: {e}")));
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&listen).await.unwrap_or_else(|e| fail(&format!("cannot listen on {listen}: {e}")));
        eprintln!("ferry-sandbox listening on http://{}", listener.local_addr().map(|a| a.to_string()).unwrap_or(listen));
        let stop = async move {
            match exit_after {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            served = axum::serve(listener, app(sandbox)).into_future() => {
                if let Err(e) = served {
                    fail(&format!("server error: {e}"));
                }
            }
            () = stop => eprintln!("ferry-sandbox: --exit-after reached, stopping"),
        }
    });
}

fn number(s: &str) -> u64 {
    s.parse().unwrap_or_else(|_| fail(&format!("{s} is not a whole number")))
}

fn fail(message: &str) -> ! {
    eprintln!("ferry-sandbox: {message}\n\n{USAGE}");
    std::process::exit(2)
}
