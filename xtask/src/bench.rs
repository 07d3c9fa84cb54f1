//! `cargo xtask bench`: what a user gets, measured in headless Chromium on this machine.
//!
//! 1. The user's path (`bench_user.rs`): the release page, a 1,000,000-row CSV chosen,
//!    the sheet shown, review complete, for each of the four platforms, against a
//!    PapaParse importer in a Web Worker doing the same checks.
//! 2. The page with large files (`bench_page.rs`): the longest main-thread stall with a
//!    5,000-column sheet and with a 10 MB cell.
//!
//! `FERRY_BENCH_USER_ONLY=1` runs the first alone, `FERRY_BENCH_PAGE_ONLY=1` the second.
//! `FERRY_BENCH_SEND_ONLY=ROWS` runs only the send (`bench_send.rs`), with a file of that
//! many rows (for trying a change to the send without the million-row user path).
//! Prints figures and, last, the summary lines scripts read.

use crate::Result;

/// npm packages the bench loads, and where each sits in `.tools/node_modules`.
pub const PEERS: &[(&str, &str)] = &[("papaparse@5.5.3", "papaparse/papaparse.min.js")];

pub fn bench() -> Result {
    if let Some(rows) = std::env::var("FERRY_BENCH_SEND_ONLY").ok().and_then(|n| n.parse().ok()) {
        return crate::bench_send::send_only(rows);
    }
    if std::env::var_os("FERRY_BENCH_PAGE_ONLY").is_some() {
        return crate::bench_page::page_stalls();
    }
    crate::bench_user::user_path()?;
    if std::env::var_os("FERRY_BENCH_USER_ONLY").is_some() {
        return Ok(());
    }
    crate::bench_page::page_stalls()
}

/// The median of `values`.
pub(crate) fn median_of(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Chromium renderer processes on this machine.
pub(crate) fn renderers() -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return vec![] };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c.windows(15).any(|w| w == b"--type=renderer")))
        .collect()
}

fn status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix(field)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
}

/// Resets the process's peak resident memory to its current one; returns that, in bytes.
pub(crate) fn reset_peak(pid: u32) -> u64 {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
    status_kb(pid, "VmRSS:") * 1024
}

/// The process's peak resident memory since the reset, in bytes.
pub(crate) fn peak(pid: u32) -> u64 {
    status_kb(pid, "VmHWM:") * 1024
}
