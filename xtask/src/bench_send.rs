//! Sending at scale, as a user sends: the release page with the sandbox (as Longenesis
//! Engage, answering each request after `--latency-ms 20`) and the proxy running as real
//! processes on loopback; the 1,000,000-row CSV chosen, reviewed, and every valid row sent
//! through the proxy from the send step, with the page's clock timing the send from the
//! click on "Send N records" to the report. Prints the records per second achieved over
//! the bound the vendor's pace sets (requests at once × records per request / latency),
//! the page's longest stall during the send, and checks that every record arrived.
//!
//! Its peer, measured in the same browser right after: a bare fetch loop written in
//! JavaScript on the same page, sending the page's first request body again and again
//! through the same proxy with the same number of requests at once, doing nothing else;
//! then the same loop in a dedicated worker of the page (no page code between an answer
//! and the next request). What they reach is the most any page can get from this
//! browser, proxy and machine.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use ferry_e2e::browser::Browser;
use ferry_e2e::{Ports, Stack, StackOptions};
use serde_json::Value;

use crate::{root, run, Result};

/// The sandbox's answer time for each request.
const LATENCY_MS: u64 = 20;
/// Engage's requests at once and records per request (`vendors::engage`'s send policy
/// and the stack's site settings).
const CONCURRENCY: f64 = 2.0;
const BATCH: f64 = 100.0;

/// What the send gave.
pub struct SendFigures {
    /// Records sent, per second, over the bound.
    pub efficiency: f64,
    /// Records per second achieved.
    pub rate: f64,
    /// Records sent.
    pub records: u64,
    /// The page's longest main-thread stall during the send, in ms.
    pub stall: f64,
    /// The bare fetch loop's records per second over the same bound, on the page.
    pub peer_efficiency: f64,
    /// The same, with the loop in a worker.
    pub peer_worker_efficiency: f64,
}

/// Notes the send's start and end on the page's clock, and its longest stall.
const WATCH: &str = r#"
const s = window.__send = { longest: 0 };
const pageFetch = window.fetch.bind(window);
window.__bareFetch = pageFetch;
window.fetch = (input, init) => {
  if (input instanceof Request && input.url.includes('bulk_post') && !s.sample) {
    s.sample = { url: input.url, headers: [...input.headers.entries()] };
    input.clone().text().then(body => { s.sample.body = body; });
  }
  return pageFetch(input, init);
};
performance.setResourceTimingBufferSize(1000000);
let last = performance.now();
const tick = () => {
  const now = performance.now();
  if (s.clicked && !s.done && now - last > s.longest) { s.longest = now - last; s.longestEnded = now; }
  last = now;
  if (!s.done) setTimeout(tick, 10);
};
tick();
document.addEventListener('click', e => {
  const button = e.target && e.target.closest && e.target.closest('#send-button');
  if (button && !s.clicked) s.clicked = performance.now();
}, true);
new MutationObserver(() => {
  const summary = document.querySelector('#report-summary');
  if (s.clicked && !s.done && summary) { s.done = performance.now(); s.summary = summary.innerText; }
}).observe(document.body, { childList: true, subtree: true });
"#;

/// Where a request's time goes, from the page's resource timings of the batches sent:
/// the median fetch (start to last byte of the answer) and the median turn (an answer
/// in to the next request out).
const TIMINGS: &str = r#"
const sent = performance.getEntriesByType('resource').filter(e => e.name.includes('bulk_post'));
const median = xs => { xs.sort((a, b) => a - b); return xs.length ? xs[Math.floor(xs.length / 2)] : NaN; };
const fetches = sent.map(e => e.responseEnd - e.startTime);
const ends = sent.map(e => e.responseEnd).sort((a, b) => a - b);
const turns = [];
let i = 0;
for (const e of [...sent].sort((a, b) => a.startTime - b.startTime)) {
  while (i < ends.length && ends[i] <= e.startTime) i++;
  if (i > 0) turns.push(e.startTime - ends[i - 1]);
}
return { requests: sent.length, fetch: median(fetches), turn: median(turns) };
"#;

/// The peer: `arguments[0]` requests of the page's first body, `arguments[1]` at once,
/// each answer read whole before the next leaves; on the page, or with `arguments[2]`
/// in a dedicated worker of the page (what a page gets by leaving the requests to a
/// worker, where no page code runs between an answer and the next request). One loop,
/// `runLoop`, runs in both. Answers the requests per second and the median fetch.
const BARE_LOOP: &str = r#"
const [total, atOnce, inWorker, done] = arguments;
const sample = window.__send.sample;
if (!sample || sample.body === undefined) { done({ error: 'no request body was seen during the send' }); return; }
const job = { total, atOnce, url: sample.url, headers: Object.fromEntries(sample.headers), body: sample.body };
const runLoop = async ({ total, atOnce, url, headers, body }, send) => {
  const fetches = [];
  let started = 0, failed = 0;
  const lane = async () => {
    while (started < total) {
      started++;
      const at = performance.now();
      const answer = await send(url, { method: 'POST', headers, body, referrerPolicy: 'no-referrer' });
      await answer.text();
      if (!answer.ok) failed++;
      fetches.push(performance.now() - at);
    }
  };
  const begun = performance.now();
  await Promise.all(Array.from({ length: atOnce }, lane));
  const seconds = (performance.now() - begun) / 1000;
  fetches.sort((a, b) => a - b);
  return { perSecond: total / seconds, fetch: fetches[Math.floor(fetches.length / 2)], failed };
};
if (!inWorker) {
  runLoop(job, window.__bareFetch).then(done, e => done({ error: String(e) }));
  return;
}
const source = `const runLoop = ${runLoop.toString()};
onmessage = ({ data }) => runLoop(data, (url, init) => fetch(url, init)).then(postMessage, e => postMessage({ error: String(e) }));`;
const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
worker.onmessage = ({ data }) => done(data);
worker.onerror = e => done({ error: String(e.message) });
worker.postMessage(job);
"#;

/// Requests the peer sends.
const BARE_REQUESTS: u32 = 500;

/// Sends `csv` (the bench's million rows) to the sandbox through the proxy, from `dist`.
pub async fn send_efficiency(dist: &Path, csv: &Path, rows: usize) -> Result<SendFigures> {
    let stack = Stack::start(StackOptions {
        dist: dist.to_path_buf(),
        bin_dir: root().join("target/server"),
        ports: Ports::any(),
        lifetime: Some(Duration::from_secs(1800)),
        sandbox_args: vec!["--latency-ms".into(), LATENCY_MS.to_string()],
    })
    .await?;
    let browser = Browser::start().await?;
    browser.open(&stack.page_url).await?;
    browser.wait_for("#file-input").await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    browser.choose_file(csv).await?;
    browser.wait_for_text_within("main h3", &format!("{} rows", ferry_core::text::thousands(rows)), Duration::from_secs(300)).await?;
    browser.click_button("Next: choose columns").await?;
    browser.wait_for("#map-heading").await?;
    browser.click_button("Next: review the rows").await?;
    browser.wait_for_text_within("#review-summary", "ready to send", Duration::from_secs(300)).await?;
    let checking = || async { browser.client.execute("return !!document.querySelector('#review-checking')", vec![]).await.map_err(|e| e.to_string()) };
    let started = Instant::now();
    while checking().await? == Value::Bool(true) && started.elapsed() < Duration::from_secs(300) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    browser.click_button("Next: send").await?;
    browser.wait_for("#username").await?;
    browser.fill("username", "coordinator@example.org").await?;
    browser.fill("password", "sandbox-password").await?;
    browser.fill("client-secret", "sandbox-secret").await?;
    browser.client.execute(WATCH, vec![]).await.map_err(|e| e.to_string())?;
    let button = browser.wait_for("#send-button").await?;
    let label = button.text().await.map_err(|e| e.to_string())?;
    let records: u64 = label.chars().filter(char::is_ascii_digit).collect::<String>().parse().map_err(|_| format!("no count on the send button: {label:?}"))?;
    eprintln!("xtask: sending {records} records through the proxy to the sandbox ({LATENCY_MS} ms a request)");
    button.click().await.map_err(|e| e.to_string())?;
    let started = Instant::now();
    let figures = loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let s: Value = browser.client.execute("return window.__send", vec![]).await.map_err(|e| e.to_string())?;
        if let (Some(clicked), Some(done)) = (s["clicked"].as_f64(), s["done"].as_f64()) {
            let seconds = (done - clicked) / 1000.0;
            let rate = records as f64 / seconds;
            let bound = CONCURRENCY * BATCH / (LATENCY_MS as f64 / 1000.0);
            eprintln!("xtask: sent in {seconds:.1} s; the report says: {}", s["summary"].as_str().unwrap_or_default().replace('\n', " "));
            let at = s["longestEnded"].as_f64().unwrap_or(f64::NAN);
            eprintln!("xtask: the longest stall ended {:.1} s after the click, {:.1} s before the report", (at - clicked) / 1000.0, (done - at) / 1000.0);
            break SendFigures {
                efficiency: rate / bound,
                rate,
                records,
                stall: s["longest"].as_f64().unwrap_or(f64::NAN),
                peer_efficiency: f64::NAN,
                peer_worker_efficiency: f64::NAN,
            };
        }
        if started.elapsed() > Duration::from_secs(1500) {
            return Err("the send did not finish within 25 minutes".into());
        }
    };
    let timings: Value = browser.client.execute(TIMINGS, vec![]).await.map_err(|e| e.to_string())?;
    eprintln!(
        "xtask: {} requests; median fetch {:.1} ms (the sandbox answers {LATENCY_MS} ms after a request arrives), median turn from an answer to the next request {:.1} ms",
        timings["requests"],
        timings["fetch"].as_f64().unwrap_or(f64::NAN),
        timings["turn"].as_f64().unwrap_or(f64::NAN)
    );
    // Everything sent arrived, once.
    let held = stack.engage_counts("demo-org").await?;
    let submissions = held["submissions"].as_u64().unwrap_or(0);
    if submissions != records {
        return Err(format!("the sandbox holds {submissions} submissions, but {records} records were sent"));
    }
    let errors = browser.errors().await;
    if !errors.is_empty() {
        return Err(format!("the page reported errors while sending: {errors:?}"));
    }
    // The peer, after the count (it stores its records again).
    let bare: Value = browser.client.execute_async(BARE_LOOP, vec![BARE_REQUESTS.into(), CONCURRENCY.into(), false.into()]).await.map_err(|e| e.to_string())?;
    let in_worker: Value =
        browser.client.execute_async(BARE_LOOP, vec![BARE_REQUESTS.into(), CONCURRENCY.into(), true.into()]).await.map_err(|e| e.to_string())?;
    browser.close().await;
    let bound = CONCURRENCY * BATCH / (LATENCY_MS as f64 / 1000.0);
    let mut peers = [0.0; 2];
    for ((answer, place), peer) in [(&bare, "on the page"), (&in_worker, "in a worker")].into_iter().zip(&mut peers) {
        if let Some(error) = answer["error"].as_str() {
            return Err(format!("the bare fetch loop {place} failed: {error}"));
        }
        if answer["failed"].as_u64() != Some(0) {
            return Err(format!("the bare fetch loop {place} had refused requests: {answer}"));
        }
        let rate = answer["perSecond"].as_f64().unwrap_or(f64::NAN) * BATCH;
        eprintln!("xtask: a bare fetch loop {place}: {rate:.0} records/s, median fetch {:.1} ms", answer["fetch"].as_f64().unwrap_or(f64::NAN));
        *peer = rate / bound;
    }
    Ok(SendFigures { peer_efficiency: peers[0], peer_worker_efficiency: peers[1], ..figures })
}

/// The send alone, with a generated file of `rows` rows: prints the figures.
pub fn send_only(rows: usize) -> Result {
    let dist = crate::bench_page::release_page()?;
    let data = root().join("target/bench/send-data");
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    let csv = data.join(format!("participants-{rows}.csv"));
    crate::bench_data::write_csv(&csv, rows).map_err(|e| e.to_string())?;
    build_stack()?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let f = runtime.block_on(send_efficiency(&dist, &csv, rows))?;
    println!("send: {} records to Engage through the proxy, {:.0} records/s, longest main-thread stall {:.0} ms", f.records, f.rate, f.stall);
    println!("{}", efficiency_line(&f));
    Ok(())
}

/// The summary's line for the send's efficiency and its peers'.
pub fn efficiency_line(f: &SendFigures) -> String {
    format!(
        "send efficiency vs bound: {:.2} (a bare fetch loop in the same browser: {:.2} on the page, {:.2} in a worker)",
        f.efficiency, f.peer_efficiency, f.peer_worker_efficiency
    )
}

/// Builds the sandbox and the proxy for the send with the `server` profile, as
/// `cargo xtask serve`, the systemd unit and the Lambda package build the proxy (the
/// release profile is the page's, size first).
pub fn build_stack() -> Result {
    run(Command::new("cargo").args(["build", "--profile", "server", "-p", "ferry-sandbox", "-p", "ferry-proxy"]))
}
