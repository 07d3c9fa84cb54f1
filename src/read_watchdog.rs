//! Watching the import worker while it reads: every message it sends is a sign of life;
//! a worker that says nothing for too long is stuck (a reader looping on a damaged file)
//! and is ended, and the user is told which file and why, instead of waiting for ever.
//!
//! A text file streams: the worker speaks after every piece, so a short silence means it
//! is stuck. A workbook is unpacked in one go once its bytes are in, so it is given longer,
//! in proportion to its size.

/// Silence after which a worker is judged stuck, in milliseconds.
pub const QUIET_MS: f64 = 30_000.0;
/// Extra silence allowed per megabyte of a workbook once all its bytes are read (while
/// it is unpacked in one go).
pub const UNPACK_MS_PER_MB: f64 = 2_000.0;

/// What the page knows of a worker's signs of life.
#[derive(Debug, Clone, PartialEq)]
pub struct Watchdog {
    last_heard: f64,
    size: f64,
    unpacking: bool,
}

impl Watchdog {
    /// Starts watching at `now` (milliseconds) a read of a file of `size` bytes.
    pub fn new(now: f64, size: f64) -> Watchdog {
        Watchdog { last_heard: now, size, unpacking: false }
    }

    /// The worker spoke at `now`; `read_all` when it said every byte of the file is read
    /// (what follows may be one long step).
    pub fn heard(&mut self, now: f64, read_all: bool) {
        self.last_heard = now;
        self.unpacking = read_all;
    }

    /// The silence allowed now, in milliseconds.
    pub fn limit_ms(&self) -> f64 {
        if self.unpacking {
            QUIET_MS + UNPACK_MS_PER_MB * self.size / 1_048_576.0
        } else {
            QUIET_MS
        }
    }

    /// How long the worker has been silent, when that is longer than allowed.
    pub fn stalled(&self, now: f64) -> Option<f64> {
        let quiet = now - self.last_heard;
        (quiet > self.limit_ms()).then_some(quiet)
    }
}

/// The kind of file `name` is, for messages (".xlsx", ".csv"; "file" when it has no
/// extension).
pub fn kind_of(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((_, ext)) if !ext.is_empty() && ext.len() <= 5 && ext.chars().all(|c| c.is_ascii_alphanumeric()) => {
            format!(".{} file", ext.to_ascii_lowercase())
        }
        _ => "file".into(),
    }
}

/// What the user is told when the reader of `name` was silent for `quiet_ms` and ended.
pub fn stalled_message(name: &str, quiet_ms: f64) -> String {
    format!(
        "Ferry's reader made no progress on this {} for {} s and was stopped: the file may be damaged, or too large for this browser. If your spreadsheet program opens it, save it again (or as CSV UTF-8) and choose it again.",
        kind_of(name),
        (quiet_ms / 1000.0).round()
    )
}

/// What the user is told when the reader of `name` died (a crash in it, or out of memory).
pub fn died_message(name: &str) -> String {
    format!(
        "Ferry's reader stopped on this {}: it may be damaged, or too large for this browser's memory. If your spreadsheet program opens it, save it again (or as CSV UTF-8) and choose it again.",
        kind_of(name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn a_silent_worker_is_stalled_after_the_quiet_limit() {
        let mut dog = Watchdog::new(1_000.0, 50_000_000.0);
        assert_eq!(dog.stalled(1_000.0 + QUIET_MS), None);
        assert_eq!(dog.stalled(1_000.0 + QUIET_MS + 1.0), Some(QUIET_MS + 1.0));
        dog.heard(40_000.0, false);
        assert_eq!(dog.stalled(60_000.0), None, "each message is a sign of life");
    }

    #[wasm_bindgen_test]
    fn a_workbook_being_unpacked_gets_time_for_its_size() {
        let mut dog = Watchdog::new(0.0, 20.0 * 1_048_576.0);
        dog.heard(0.0, true);
        assert_eq!(dog.limit_ms(), QUIET_MS + 40_000.0);
        assert_eq!(dog.stalled(QUIET_MS + 39_000.0), None);
        assert!(dog.stalled(QUIET_MS + 41_000.0).is_some());
    }

    #[wasm_bindgen_test]
    fn messages_name_the_kind_of_file() {
        assert!(stalled_message("Participants 2024.XLS", 31_200.0).contains("this .xls file for 31 s"));
        assert!(died_message("people.ods").contains("stopped on this .ods file:"));
        assert_eq!(kind_of("no extension"), "file");
        assert_eq!(kind_of("../../etc/passwd.<script>"), "file");
    }
}
