//! `cargo xtask setup | serve | test`: Ferry's chores as ordinary Rust.
//!
//! - `setup` installs what is missing, and nothing that is already there: the wasm32
//!   target, trunk 0.21.14, the wasm-bindgen-cli that matches Cargo.lock, binaryen 132
//!   (npm, into `.tools/`), Debian's chromium and chromium-driver.
//! - `serve` builds the page in release mode and runs sandbox + proxy + page on loopback.
//! - `test` checks formatting and clippy lints, then runs every test: native,
//!   wasm-bindgen-test in headless Chromium, end-to-end.
//! - `bench` measures the user's path against a PapaParse importer (see `bench.rs`);
//!   `bench-proxy` the proxy (`bench_proxy.rs`); `fuzz [SECONDS]` fuzzes the readers
//!   (`fuzz.rs`); `package-lambda` builds the proxy's Lambda zip.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use ferry_e2e::{workspace_root, Ports, Stack, StackOptions};

mod bench;
mod bench_data;
mod bench_page;
mod bench_proxy;
mod bench_send;
mod bench_user;
mod fuzz;

const TRUNK_VERSION: &str = "0.21.14";
const BINARYEN_VERSION: &str = "132";
/// axe-core, which the end-to-end tests run on every screen they look at (WCAG 2.1 A/AA).
const AXE: (&str, &str) = ("axe-core@4.14.1", "axe-core/axe.min.js");
/// `cargo lambda` (PyPI's cargo-lambda): the Lambda emulator the function's test runs in,
/// and the packager of `cargo xtask package-lambda`.
const CARGO_LAMBDA_VERSION: &str = "1.9.2";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup(),
        Some("serve") => serve(),
        Some("test") => test(),
        Some("bench") => setup().and_then(|()| bench::bench()),
        Some("bench-proxy") => setup().and_then(|()| bench_proxy::bench_proxy()),
        Some("fuzz") => fuzz::fuzz(args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60)),
        Some("package-lambda") => setup().and_then(|()| package_lambda(args.get(1).map(String::as_str))),
        _ => Err("usage: cargo xtask setup | serve | test | bench | bench-proxy | fuzz [SECONDS] | package-lambda [arm64|x86_64]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) type Result<T = ()> = std::result::Result<T, String>;

pub(crate) fn root() -> PathBuf {
    workspace_root()
}

/// Runs a command in the workspace root, failing with its name when it fails.
pub(crate) fn run(command: &mut Command) -> Result {
    eprintln!("xtask: running {command:?}");
    let status = command.current_dir(root()).status().map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed ({status})"))
    }
}

/// The first line a command prints, or `None` when it cannot run.
fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn tools_bin() -> PathBuf {
    root().join(".tools/node_modules/.bin")
}

/// PATH with the project's tools first, so trunk finds binaryen 132.
pub(crate) fn tool_path() -> String {
    let existing = std::env::var("PATH").unwrap_or_default();
    let cargo_bin = std::env::var("CARGO_HOME")
        .map(|h| PathBuf::from(h).join("bin"))
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo/bin"));
    format!("{}:{}:{existing}", tools_bin().display(), cargo_bin.display())
}

fn setup() -> Result {
    let installed = output_of("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }

    for (tool, component) in [("clippy", "clippy"), ("fmt", "rustfmt")] {
        if output_of("cargo", &[tool, "--version"]).is_none() {
            run(Command::new("rustup").args(["component", "add", component]))?;
        }
    }

    let trunk = output_of("trunk", &["--version"]).unwrap_or_default();
    if trunk != format!("trunk {TRUNK_VERSION}") {
        run(Command::new("cargo").args(["install", "--locked", "trunk", "--version", TRUNK_VERSION]))?;
    }

    let wanted = wasm_bindgen_version()?;
    let have = output_of("wasm-bindgen", &["--version"]).unwrap_or_default();
    let runner = output_of("wasm-bindgen-test-runner", &["--version"]).unwrap_or_default();
    if have != format!("wasm-bindgen {wanted}") || !runner.contains(&wanted) {
        // Not --locked: one of its locked dependencies is not on the registry.
        run(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &wanted]))?;
    }

    let wasm_opt = tools_bin().join("wasm-opt");
    let version = output_of(&wasm_opt.display().to_string(), &["--version"]).unwrap_or_default();
    let peers_missing = bench::PEERS.iter().chain([&AXE]).any(|(_, path)| !root().join(".tools/node_modules").join(path).exists());
    if !version.contains(&format!("version {BINARYEN_VERSION}")) || peers_missing {
        // binaryen for trunk; the benchmark's JavaScript peers (pinned) for `bench`; axe-core
        // for the end-to-end tests.
        std::fs::create_dir_all(root().join(".tools")).map_err(|e| e.to_string())?;
        let mut packages = vec![format!("binaryen@{BINARYEN_VERSION}")];
        packages.extend(bench::PEERS.iter().chain([&AXE]).map(|(package, _)| package.to_string()));
        run(Command::new("npm").args(["install", "--prefix", ".tools", "--no-audit", "--no-fund"]).args(&packages))?;
    }

    let lambda = output_of("cargo", &["lambda", "--version"]).unwrap_or_default();
    if !lambda.starts_with(&format!("cargo-lambda {CARGO_LAMBDA_VERSION}")) {
        run(Command::new("python3").args(["-m", "pip", "install", "--quiet", &format!("cargo-lambda=={CARGO_LAMBDA_VERSION}")]))?;
        // Under pyenv the new command appears once its shims are rebuilt.
        if output_of("cargo", &["lambda", "--version"]).is_none() {
            let _ = Command::new("pyenv").arg("rehash").status();
        }
        if output_of("cargo", &["lambda", "--version"]).is_none() {
            return Err("cargo-lambda was installed by pip but `cargo lambda` is not on PATH (add pip's bin folder to PATH)".into());
        }
    }

    // Debian's packages: the browser for the page's tests, Redis for the shared relay's.
    let mut packages = Vec::new();
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        packages.extend(["chromium", "chromium-driver"]);
    }
    if output_of("redis-server", &["--version"]).is_none() {
        packages.push("redis-server");
    }
    if !packages.is_empty() {
        let sudo = output_of("id", &["-u"]).is_some_and(|id| id != "0");
        let apt = |args: &[&str]| {
            let mut c = if sudo { Command::new("sudo") } else { Command::new("apt-get") };
            if sudo {
                c.arg("apt-get");
            }
            c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
            c
        };
        run(&mut apt(&["update"]))?;
        run(apt(&["install", "-y"]).args(&packages))?;
    }
    eprintln!("xtask: setup complete");
    Ok(())
}

/// The wasm-bindgen version pinned in Cargo.lock.
fn wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines.next().and_then(|l| l.trim().strip_prefix("version = \"")) {
                return Ok(version.trim_end_matches('"').to_string());
            }
        }
    }
    Err("wasm-bindgen is not in Cargo.lock".into())
}

/// Builds the page with trunk into `dist`.
fn build_page(release: bool, dist: &Path) -> Result {
    let mut trunk = Command::new("trunk");
    trunk.arg("build").arg("--dist").arg(dist).env("PATH", tool_path());
    if release {
        trunk.arg("--release");
    }
    run(&mut trunk)
}

fn serve() -> Result {
    setup()?;
    let dist = root().join("dist");
    build_page(true, &dist)?;
    run(Command::new("cargo").args(["build", "--profile", "server", "-p", "ferry-sandbox", "-p", "ferry-proxy"]))?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let mut stack = Stack::start(StackOptions {
            dist,
            bin_dir: root().join("target/server"),
            ports: Ports { page: 8080, sandbox: 9000, proxy: 8787 },
            lifetime: None,
            sandbox_args: vec![],
        })
        .await?;
        println!();
        println!("  Ferry is running: open {}", stack.page_url);
        println!("  Sandbox (the four platforms, emulated): {}", stack.sandbox_url);
        println!("  Proxy: {}", stack.proxy_url);
        println!("  Engage: coordinator@example.org / sandbox-password, client demo-org / sandbox-secret");
        println!("  Lumi Say: coordinator / sandbox-password   Participant Kit: token sandbox-pk-token");
        println!("  Engaging Networks: token sandbox-en-token");
        println!("  Press Ctrl-C to stop.");
        println!();
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        let why = loop {
            tokio::select! {
                _ = &mut ctrl_c => break "stopped".to_string(),
                () = tokio::time::sleep(Duration::from_millis(300)) => {
                    if let Some(exited) = stack.exited() {
                        break exited;
                    }
                }
            }
        };
        drop(stack);
        eprintln!("xtask: {why}");
        Ok(())
    })
}

/// Builds the proxy's Lambda function as the zip AWS takes
/// (`target/lambda/ferry-proxy-lambda/bootstrap.zip`), for Graviton (`arm64`, the
/// default) or `x86_64`.
fn package_lambda(arch: Option<&str>) -> Result {
    let mut build = Command::new("cargo");
    build.args(["lambda", "build", "--profile", "server", "-p", "ferry-proxy", "--bin", "ferry-proxy-lambda", "--output-format", "zip"]);
    match arch.unwrap_or("arm64") {
        "arm64" => build.arg("--arm64"),
        "x86_64" | "x86-64" => build.arg("--x86-64"),
        other => return Err(format!("package-lambda: unknown architecture {other} (arm64 or x86_64)")),
    };
    run(&mut build)?;
    let zip = root().join("target/lambda/ferry-proxy-lambda/bootstrap.zip");
    if !zip.is_file() {
        return Err(format!("cargo lambda build did not write {}", zip.display()));
    }
    eprintln!("xtask: the function's package is {} ({} KB)", zip.display(), zip.metadata().map_or(0, |m| m.len() / 1024));
    Ok(())
}

fn test() -> Result {
    setup()?;
    let dist = root().join("target/e2e-dist");
    let mut failures = Vec::new();
    // The house style and lints: formatting as rustfmt.toml says, no clippy warning
    // (natively, and for the page in wasm).
    let lints: [&[&str]; 3] = [
        &["fmt", "--all", "--", "--check"],
        &["clippy", "--workspace", "--all-targets", "--exclude", "ferry", "--", "-D", "warnings"],
        &["clippy", "-p", "ferry", "--target", "wasm32-unknown-unknown", "--all-targets", "--", "-D", "warnings"],
    ];
    for args in lints {
        if let Err(e) = run(Command::new("cargo").args(args)) {
            failures.push(e);
        }
    }
    build_page(false, &dist)?;
    run(Command::new("cargo").args(["build", "-p", "ferry-sandbox", "-p", "ferry-proxy"]))?;

    let mut native = Command::new("cargo");
    native
        .args(["test", "--workspace", "--exclude", "ferry"])
        .env("FERRY_E2E_DIST", &dist)
        .env("FERRY_BIN_DIR", root().join("target/debug"))
        .env("CHROMEDRIVER", CHROMEDRIVER);
    if let Err(e) = run(&mut native) {
        failures.push(e);
    }

    let mut browser = Command::new("cargo");
    browser
        .args(["test", "-p", "ferry", "--target", "wasm32-unknown-unknown"])
        .env("PATH", tool_path())
        .env("CHROMEDRIVER", CHROMEDRIVER)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120");
    if let Err(e) = run(&mut browser) {
        failures.push(e);
    }

    if failures.is_empty() {
        eprintln!("xtask: every test passed");
        Ok(())
    } else {
        Err(format!("tests failed:\n  {}", failures.join("\n  ")))
    }
}
