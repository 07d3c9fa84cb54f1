//! Helpers the end-to-end tests share.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use ferry_e2e::browser::Browser;
use ferry_e2e::{workspace_root, Ports, Stack, StackOptions};

/// The stack with the sandbox started with `sandbox_args`.
pub async fn stack_with(sandbox_args: &[&str]) -> Stack {
    let root = workspace_root();
    let dist = std::env::var_os("FERRY_E2E_DIST").map_or_else(|| root.join("target/e2e-dist"), PathBuf::from);
    let bin_dir = std::env::var_os("FERRY_BIN_DIR").map_or_else(|| root.join("target/debug"), PathBuf::from);
    assert!(dist.join("index.html").is_file(), "no built page in {}: run `cargo xtask test`", dist.display());
    let sandbox_args = sandbox_args.iter().map(|s| s.to_string()).collect();
    Stack::start(StackOptions { dist, bin_dir, ports: Ports::any(), lifetime: Some(Duration::from_secs(300)), sandbox_args }).await.expect("stack starts")
}

/// The stack with the default sandbox.
pub async fn stack() -> Stack {
    stack_with(&[]).await
}

pub fn example_file() -> PathBuf {
    workspace_root().join("public/example-participants.csv")
}

pub async fn screenshot(browser: &Browser, name: &str) {
    let dir = workspace_root().join("target/e2e-screens");
    let _ = std::fs::create_dir_all(&dir);
    let _ = browser.screenshot(&dir.join(format!("{name}.png"))).await;
}

/// Types the sandbox account (with `password`) into the send step.
pub async fn sign_in(browser: &Browser, password: &str) {
    browser.fill("username", "coordinator@example.org").await.unwrap();
    browser.fill("password", password).await.unwrap();
    browser.fill("client-secret", "sandbox-secret").await.unwrap();
}

/// Fails on any console error, panic or uncaught exception, then ends the session.
pub async fn close_without_errors(browser: Browser) {
    let errors = browser.errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    browser.close().await;
}
