//! The engine with a scripted vendor and simulated time: no sockets.

use super::*;
use crate::http::{Body, Method};

/// A vendor whose answers the test scripts; it needs no prerequisite unless told.
struct Scripted {
    needs_token: bool,
    has_token: bool,
    /// Requests made so far.
    made: usize,
}

impl Protocol for Scripted {
    fn prerequisite(&mut self, _now_ms: f64) -> Option<HttpRequest> {
        (self.needs_token && !self.has_token).then(|| request("token"))
    }
    fn take_prerequisite(&mut self, response: &HttpResponse, _now_ms: f64) -> Result<Prerequisite, String> {
        match response.status {
            200 => {
                self.has_token = true;
                Ok(Prerequisite::Ready)
            }
            503 => Ok(Prerequisite::Retry { after_ms: None, reason: "HTTP 503".into() }),
            _ => Err("wrong password".into()),
        }
    }
    fn invalidate(&mut self) {
        self.has_token = false;
    }
    fn batch_request(&mut self, records: &[usize]) -> HttpRequest {
        self.made += 1;
        let credential = if self.has_token { "?token" } else { "" };
        request(&format!("{records:?}{credential}"))
    }
    fn read_answer(&mut self, records: &[usize], response: &HttpResponse, now_ms: f64) -> Verdict {
        match response.status {
            200 => Verdict::Judged { outcomes: records.iter().map(|&r| (r, Outcome::Sent { id: None })).collect(), resend: vec![] },
            400 => Verdict::Judged { outcomes: records.iter().map(|&r| (r, Outcome::Rejected { reason: "bad".into() })).collect(), resend: vec![] },
            401 => Verdict::Unauthorised("401".into()),
            _ => Verdict::Retry { after_ms: response.retry_after_ms(now_ms), reason: format!("HTTP {}", response.status) },
        }
    }
    fn row_of(&self, record: usize) -> (usize, String) {
        (record + 2, format!("id{record}"))
    }
    fn vendor(&self) -> &str {
        "Vendor"
    }
}

fn request(tag: &str) -> HttpRequest {
    HttpRequest { method: Method::Post, url: format!("https://vendor.example/{tag}"), headers: vec![], body: Body::Empty, opaque_ok: false }
}

fn engine(records: usize, batch: usize, concurrency: usize) -> Engine<Scripted> {
    let policy = Policy { concurrency, max_attempts: 4, base_delay_ms: 1000.0, max_delay_ms: 8000.0 };
    Engine::new(Scripted { needs_token: false, has_token: false, made: 0 }, policy, (0..records).collect(), batch, 42)
}

fn status(code: u16) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse::new(code, ""))
}

#[test]
fn concurrency_is_bounded() {
    let mut e = engine(10, 2, 3);
    let started = e.poll(0.0);
    assert_eq!(started.len(), 3);
    assert!(e.poll(0.0).is_empty(), "three in flight already");
    e.handle(started[0].0, status(200), 1.0);
    assert_eq!(e.poll(1.0).len(), 1, "one finished, one more starts");
    assert_eq!(e.in_flight_records().len(), 6);
}

#[test]
fn every_record_gets_exactly_one_outcome_through_failures() {
    let mut e = engine(9, 2, 2);
    let mut now = 0.0;
    let mut script = [503, 200, 0, 200, 429, 200, 200, 200, 200, 200, 200, 200].into_iter();
    let mut rounds = 0;
    while e.state() != State::Finished {
        rounds += 1;
        assert!(rounds < 100, "the loop ends");
        let started = e.poll(now);
        if started.is_empty() {
            now = e.next_wakeup().expect("something to wait for");
            continue;
        }
        for (ticket, _) in started {
            let answer = match script.next().unwrap_or(200) {
                0 => Err(TransportError("connection refused".into())),
                code => status(code),
            };
            now += 10.0;
            e.handle(ticket, answer, now);
        }
    }
    assert_eq!(e.progress(), (9, 9));
    assert_eq!(e.report().count(crate::report::OutcomeKind::Sent), 9);
    let rows: Vec<usize> = e.report().rows.iter().map(|r| r.row).collect();
    assert_eq!(rows, (2..=10).collect::<Vec<_>>());
}

#[test]
fn backoff_doubles_with_jitter_and_gives_up_after_the_cap() {
    let mut e = engine(1, 1, 1);
    let mut now = 0.0;
    let mut waits = Vec::new();
    for _ in 0..4 {
        let (ticket, _) = e.poll(now).pop().expect("a request");
        e.handle(ticket, status(502), now);
        if let Some(next) = e.next_wakeup() {
            waits.push(next - now);
            now = next;
        }
    }
    assert_eq!(waits.len(), 3, "the fourth failure is the last attempt");
    for (i, w) in waits.iter().enumerate() {
        let full = 1000.0 * 2f64.powi(i as i32);
        assert!((full / 2.0..=full).contains(w), "attempt {i}: waited {w}");
    }
    assert_eq!(e.state(), State::Finished);
    assert!(e.report().rows[0].outcome.message().contains("after 4 attempts"), "{:?}", e.report().rows[0]);
}

#[test]
fn retry_after_is_honoured_over_the_backoff() {
    let mut e = engine(1, 1, 1);
    let (ticket, _) = e.poll(0.0).pop().unwrap();
    let mut busy = HttpResponse::new(429, "");
    busy.retry_after = Some("20".into());
    e.handle(ticket, Ok(busy), 0.0);
    let wake = e.next_wakeup().unwrap();
    assert!((20_000.0..=30_000.0).contains(&wake), "at least the 20 s asked for, spread by jitter: {wake}");
    assert!(e.poll(19_999.0).is_empty());
    assert_eq!(e.poll(wake).len(), 1);
}

#[test]
fn being_told_to_wait_does_not_use_up_the_attempts() {
    let mut e = engine(1, 1, 1);
    let mut now = 0.0;
    for _ in 0..20 {
        let (ticket, _) = e.poll(now).pop().expect("still trying");
        let mut busy = HttpResponse::new(429, "");
        busy.retry_after = Some("1".into());
        e.handle(ticket, Ok(busy), now);
        now = e.next_wakeup().unwrap();
    }
    let (ticket, _) = e.poll(now).pop().unwrap();
    e.handle(ticket, status(200), now);
    assert_eq!(e.report().count(crate::report::OutcomeKind::Sent), 1, "twenty 429s slowed it down, did not fail it");
}

#[test]
fn rejections_are_not_retried() {
    let mut e = engine(2, 2, 1);
    let (ticket, _) = e.poll(0.0).pop().unwrap();
    e.handle(ticket, status(400), 0.0);
    assert_eq!(e.state(), State::Finished);
    assert_eq!(e.report().count(crate::report::OutcomeKind::Rejected), 2);
}

#[test]
fn pause_holds_new_requests_and_resume_releases_them() {
    let mut e = engine(4, 1, 1);
    let (ticket, _) = e.poll(0.0).pop().unwrap();
    e.pause();
    e.handle(ticket, status(200), 1.0);
    assert!(e.poll(1.0).is_empty());
    assert_eq!(e.state(), State::Paused);
    assert_eq!(e.next_wakeup(), None);
    e.resume();
    assert_eq!(e.poll(1.0).len(), 1);
}

#[test]
fn cancel_reports_queued_rows_and_still_reads_the_answer_in_flight() {
    let mut e = engine(4, 1, 1);
    let (ticket, _) = e.poll(0.0).pop().unwrap();
    e.cancel();
    assert!(e.poll(0.0).is_empty());
    e.handle(ticket, status(200), 1.0);
    assert_eq!(e.state(), State::Finished);
    assert_eq!(e.report().count(crate::report::OutcomeKind::Sent), 1, "the answer in flight counts");
    assert_eq!(e.report().count(crate::report::OutcomeKind::NotSent), 3);
}

#[test]
fn prerequisite_failures_are_retried_then_a_hard_failure_stops_everything() {
    let mut e = engine(3, 1, 2);
    e.protocol.needs_token = true;
    let (ticket, req) = e.poll(0.0).pop().unwrap();
    assert!(req.url.ends_with("/token"));
    e.handle(ticket, status(503), 0.0);
    let wake = e.next_wakeup().unwrap();
    assert!(wake >= 500.0, "backs off before asking again: {wake}");
    let (ticket, _) = e.poll(wake).pop().unwrap();
    e.handle(ticket, status(401), wake);
    assert_eq!(e.failure(), Some("wrong password"));
    assert_eq!(e.report().count(crate::report::OutcomeKind::NotSent), 3);
    assert_eq!(e.state(), State::Finished);
}

#[test]
fn a_401_renews_the_prerequisite_once_per_batch() {
    let mut e = engine(1, 1, 1);
    e.protocol.needs_token = true;
    let (t, _) = e.poll(0.0).pop().unwrap();
    e.handle(t, status(200), 0.0);
    let (t, _) = e.poll(0.0).pop().unwrap();
    e.handle(t, status(401), 0.0);
    let (t, req) = e.poll(0.0).pop().unwrap();
    assert!(req.url.ends_with("/token"));
    e.handle(t, status(200), 0.0);
    let (t, _) = e.poll(0.0).pop().unwrap();
    e.handle(t, status(401), 0.0);
    assert_eq!(e.state(), State::Finished);
    assert!(e.report().rows[0].outcome.message().contains("did not accept fresh credentials"));
}

#[test]
fn fresh_outcomes_are_handed_out_once() {
    let mut e = engine(2, 1, 2);
    for (t, _) in e.poll(0.0) {
        e.handle(t, status(200), 0.0);
    }
    assert_eq!(e.take_fresh_outcomes().len(), 2);
    assert!(e.take_fresh_outcomes().is_empty());
}

#[test]
fn the_batches_to_come_are_known_before_a_request_is_free() {
    let mut e = engine(10, 2, 2);
    let started = e.poll(0.0);
    assert_eq!(e.records_of(started[0].0), &[0, 1]);
    assert_eq!(e.records_of(started[1].0), &[2, 3]);
    assert_eq!(e.upcoming(2, 0.0), vec![4, 5, 6, 7], "the next two batches, in the order poll starts them");
    e.handle(started[0].0, status(200), 1.0);
    assert!(e.records_of(started[0].0).is_empty(), "answered: no longer in flight");
    let next = e.poll(1.0);
    assert_eq!(e.records_of(next[0].0), &[4, 5], "poll starts what upcoming named first");
    // A batch told to wait is not upcoming until its time comes.
    e.handle(next[0].0, status(503), 2.0);
    assert_eq!(e.upcoming(1, 2.0), vec![6, 7]);
    assert!(e.upcoming(5, 100_000.0).contains(&4));
    e.pause();
    assert!(e.upcoming(2, 2.0).is_empty(), "nothing starts while paused");
    e.resume();
    e.cancel();
    assert!(e.upcoming(2, 2.0).is_empty(), "nor once cancelled");
}

#[test]
fn requests_made_ahead_leave_as_made_and_are_made_again_with_new_credentials() {
    let mut e = engine(10, 2, 1);
    e.protocol.needs_token = true;
    e.prepare_ahead(2, 0.0);
    assert_eq!(e.protocol.made, 0, "nothing is made before the prerequisite is ready");
    let (t, _) = e.poll(0.0).pop().unwrap();
    e.handle(t, status(200), 0.0);
    e.prepare_ahead(2, 0.0);
    assert_eq!(e.protocol.made, 2, "the next two batches");
    e.prepare_ahead(2, 0.0);
    assert_eq!(e.protocol.made, 2, "made once");
    let (t, req) = e.poll(0.0).pop().unwrap();
    assert_eq!(e.protocol.made, 2, "the batch leaves as it was made");
    assert!(req.url.ends_with("[0, 1]?token"), "{}", req.url);
    // A 401: the credentials go, and so do the requests made with them.
    e.handle(t, status(401), 0.0);
    let (t, req) = e.poll(0.0).pop().unwrap();
    assert!(req.url.ends_with("/token"));
    e.handle(t, status(200), 0.0);
    let (_, req) = e.poll(0.0).pop().unwrap();
    assert!(req.url.ends_with("[0, 1]?token"), "made again: {}", req.url);
    assert_eq!(e.protocol.made, 3, "the batch made ahead with the old token was dropped, not sent");
    e.pause();
    e.prepare_ahead(2, 0.0);
    assert_eq!(e.protocol.made, 3, "nothing is made while paused");
}
