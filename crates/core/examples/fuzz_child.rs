//! The reading end of `cargo xtask fuzz`: reads file paths from stdin, one per line,
//! reads each file whole and piece by piece as Ferry's readers do, and answers one line
//! per file on stdout: `ok`, or `mismatch` when the two ways disagree. It holds at most
//! `FERRY_FUZZ_HEAP_MIB` MiB (default 512): past that it says `heap` and exits, as a
//! panic (the release build aborts) ends it too; the driver tells which from its output
//! and its exit.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

use ferry_core::sheet::{read_file, read_in_pieces, ReadOptions};

static HELD: AtomicUsize = AtomicUsize::new(0);
static CAP: AtomicUsize = AtomicUsize::new(512 << 20);

/// An allocator that refuses to hold more than the cap: the input blew up memory.
struct Capped;

unsafe impl GlobalAlloc for Capped {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        if now > CAP.load(Ordering::Relaxed) {
            // No allocation may happen here: write straight to the descriptor, then stop.
            use std::os::fd::FromRawFd;
            let mut raw = unsafe { std::fs::File::from_raw_fd(1) };
            let _ = raw.write_all(b"heap\n");
            std::mem::forget(raw);
            std::process::exit(3);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Capped = Capped;

fn main() {
    if let Some(mib) = std::env::var("FERRY_FUZZ_HEAP_MIB").ok().and_then(|v| v.parse::<usize>().ok()) {
        CAP.store(mib << 20, Ordering::Relaxed);
    }
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    for line in stdin.lock().lines().map_while(Result::ok) {
        let Ok(bytes) = std::fs::read(&line) else {
            let _ = writeln!(out, "ok");
            continue;
        };
        let name = std::path::Path::new(&line).file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let options = ReadOptions::default();
        let whole = read_file(&name, &bytes, &options).map(|(s, _)| (s.headers.clone(), s.len())).map_err(|e| e.to_string());
        let pieces = read_in_pieces(&name, bytes.len(), &options, |at, b| b.copy_from_slice(&bytes[at..at + b.len()]), |_| {})
            .map(|(s, _)| (s.headers.clone(), s.len()))
            .map_err(|e| e.to_string());
        let answer = if whole == pieces { "ok" } else { "mismatch" };
        let _ = writeln!(out, "{answer}");
        let _ = out.flush();
    }
}
