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

/// Saves a screenshot of the step the flow is on, and checks that every id on the screen
/// is unique (a label or `aria-labelledby` pointing at a repeated id names the wrong thing).
pub async fn screenshot(browser: &Browser, name: &str) {
    let dir = workspace_root().join("target/e2e-screens");
    let _ = std::fs::create_dir_all(&dir);
    let _ = browser.screenshot(&dir.join(format!("{name}.png"))).await;
    let repeated = browser
        .client
        .execute(
            "const seen = new Map(); document.querySelectorAll('[id]').forEach(e => seen.set(e.id, (seen.get(e.id) || 0) + 1)); \
             return [...seen].filter(([, n]) => n > 1).map(([id, n]) => id + ' x' + n);",
            vec![],
        )
        .await
        .expect("the page answers");
    assert_eq!(repeated, serde_json::json!([]), "repeated ids on the screen {name}");
    let violations = accessibility_violations(browser).await;
    assert!(violations.is_empty(), "axe-core (WCAG 2.1 A/AA) on the screen {name}: {violations:#?}");
}

/// What axe-core finds on the screen against WCAG 2.1 A and AA: one line per violation
/// and element (`rule: selector — summary`). axe comes from `.tools/` (installed by
/// `cargo xtask test`).
pub async fn accessibility_violations(browser: &Browser) -> Vec<String> {
    let path = workspace_root().join(".tools/node_modules/axe-core/axe.min.js");
    let axe = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (run `cargo xtask test`, which installs it)", path.display()));
    let loaded = browser.client.execute("return typeof window.axe !== 'undefined';", vec![]).await.expect("the page answers");
    if loaded != serde_json::json!(true) {
        browser.client.execute(&format!("{axe}\nreturn true;"), vec![]).await.expect("axe loads");
    }
    let found = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }) \
               .then(r => done(r.violations.flatMap(v => v.nodes.map(n => v.id + ': ' + n.target.join(' ') + ' — ' + (n.failureSummary || '').split('\\n').slice(0, 2).join(' '))))) \
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("axe runs");
    found.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default()
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
