//! ChromeDriver and headless Chromium for end-to-end tests.

use std::process::Command;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::{Announce, ChildGuard};

/// Debian's Chromium, installed by `cargo xtask setup`.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's ChromeDriver, installed by `cargo xtask setup`.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A headless Chromium session; the driver process stops on drop.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    _driver: ChildGuard,
}

/// Chromium's flags for a sandboxed, offline, headless run as root.
pub fn chromium_args() -> Vec<&'static str> {
    vec![
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1000",
    ]
}

impl Browser {
    /// Starts ChromeDriver on a free loopback port and opens a session.
    pub async fn start() -> Result<Browser, String> {
        let mut command = Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.into()));
        // Port 0: ChromeDriver binds a free port itself and says which.
        command.arg("--port=0").arg("--allowed-ips=127.0.0.1");
        let (driver, port) = ChildGuard::spawn_announcing(command, "chromedriver", Announce::Stdout, driver_port)?;
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), json!({ "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| CHROMIUM.into()), "args": chromium_args() }));
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .map_err(|e| format!("cannot open a Chromium session: {e}"))?;
        Ok(Browser { client, _driver: driver })
    }

    /// Opens `url` and starts recording console errors and uncaught exceptions.
    pub async fn open(&self, url: &str) -> Result<(), String> {
        self.client.goto(url).await.map_err(|e| format!("cannot open {url}: {e}"))?;
        self.client
            .execute(
                "window.__ferryErrors = [];
                 const original = console.error.bind(console);
                 console.error = (...args) => { window.__ferryErrors.push(args.map(String).join(' ')); original(...args); };
                 window.addEventListener('error', e => window.__ferryErrors.push('uncaught: ' + e.message));
                 window.addEventListener('unhandledrejection', e => window.__ferryErrors.push('unhandled: ' + e.reason));",
                vec![],
            )
            .await
            .map_err(|e| format!("cannot install the error recorder: {e}"))?;
        Ok(())
    }

    /// Opens `url` in a new tab and closes the one before, so the page starts in a
    /// renderer process of its own (a page opened where another of its site was runs in
    /// that page's process, whose memory readings then mix the two).
    pub async fn open_fresh(&self, url: &str) -> Result<(), String> {
        let new = self.client.new_window(true).await.map_err(|e| format!("cannot open a tab: {e}"))?;
        self.client.close_window().await.map_err(|e| format!("cannot close the tab: {e}"))?;
        self.client.switch_to_window(new.handle).await.map_err(|e| format!("cannot switch to the new tab: {e}"))?;
        self.open(url).await
    }

    /// Console errors, panics and uncaught exceptions since [`Browser::open`].
    pub async fn errors(&self) -> Vec<String> {
        match self.client.execute("return window.__ferryErrors || []", vec![]).await {
            Ok(v) => v.as_array().map(|a| a.iter().map(|e| e.as_str().unwrap_or_default().to_string()).collect()).unwrap_or_default(),
            Err(e) => vec![format!("cannot read errors: {e}")],
        }
    }

    /// Waits (up to 20 s) for an element matching `css`.
    pub async fn wait_for(&self, css: &str) -> Result<fantoccini::elements::Element, String> {
        self.client.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(css)).await.map_err(|e| format!("no element {css} appeared: {e}"))
    }

    /// Waits (up to 30 s) until the text of `css` contains `needle`; returns the text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> Result<String, String> {
        self.wait_for_text_within(css, needle, Duration::from_secs(30)).await
    }

    /// Waits (up to `limit`) until the text of `css` contains `needle`; returns the text.
    pub async fn wait_for_text_within(&self, css: &str, needle: &str, limit: Duration) -> Result<String, String> {
        let deadline = std::time::Instant::now() + limit;
        let mut last = String::new();
        while std::time::Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                last = element.text().await.unwrap_or_default();
                if last.contains(needle) {
                    return Ok(last);
                }
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        Err(format!("{css} never contained {needle:?}; last text: {last:?}"))
    }

    /// Clicks the button whose text contains `label` (waiting up to 60 s for it).
    pub async fn click_button(&self, label: &str) -> Result<(), String> {
        let xpath = format!("//button[contains(normalize-space(.), {})]", xpath_literal(label));
        let button =
            self.client.wait().at_most(Duration::from_secs(60)).for_element(Locator::XPath(&xpath)).await.map_err(|e| format!("no button {label:?}: {e}"))?;
        button.click().await.map_err(|e| format!("cannot click {label:?}: {e}"))
    }

    /// Types `text` into the input with id `id` (after clearing it).
    pub async fn fill(&self, id: &str, text: &str) -> Result<(), String> {
        let input = self.wait_for(&format!("#{id}")).await?;
        input.clear().await.map_err(|e| format!("cannot clear #{id}: {e}"))?;
        input.send_keys(text).await.map_err(|e| format!("cannot type into #{id}: {e}"))
    }

    /// Chooses a file in the page's file input.
    pub async fn choose_file(&self, path: &std::path::Path) -> Result<(), String> {
        let input = self.wait_for("#file-input").await?;
        input.send_keys(&path.display().to_string()).await.map_err(|e| format!("cannot choose {}: {e}", path.display()))
    }

    /// Saves a PNG screenshot of the page.
    pub async fn screenshot(&self, path: &std::path::Path) -> Result<(), String> {
        let png = self.client.screenshot().await.map_err(|e| e.to_string())?;
        std::fs::write(path, png).map_err(|e| e.to_string())
    }

    /// Ends the session.
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// The port in ChromeDriver's "... was started successfully on port N." line.
fn driver_port(line: &str) -> Option<u16> {
    let rest = line.split("on port ").nth(1)?;
    rest.trim_end_matches(['.', ' ']).parse().ok().filter(|&p| p != 0)
}

fn xpath_literal(s: &str) -> String {
    if s.contains('\'') {
        format!("\"{s}\"")
    } else {
        format!("'{s}'")
    }
}
