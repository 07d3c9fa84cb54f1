//! The send engine every vendor shares: batches → requests → outcomes, sans-IO.
//!
//! The caller asks [`Engine::poll`] for requests to start now, performs them (several at
//! once, up to the policy's concurrency), hands each answer to [`Engine::handle`] with
//! the time, and sleeps until [`Engine::next_wakeup`] when nothing can start. The engine
//! retries 429, 5xx and network failures with exponential backoff and jitter (honouring
//! `Retry-After`), never retries a rejection, caps attempts, renews credentials once per
//! batch on 401, and can pause, resume and cancel. What the answers mean is the vendor
//! adapter's business, through [`Protocol`].

use std::collections::{BTreeMap, VecDeque};

use crate::http::{HttpRequest, HttpResponse, TransportError};
use crate::report::{Outcome, Report};

/// What a vendor adapter tells the engine.
pub trait Protocol {
    /// A request that must succeed before any batch (a token), or `None` when ready.
    /// Vendors that sign every request themselves need none.
    fn prerequisite(&mut self, _now_ms: f64) -> Option<HttpRequest> {
        None
    }
    /// Takes the prerequisite's answer: `Err` with a message when it failed for good
    /// (wrong password); a retryable failure is reported as `Ok(Retry)`.
    fn take_prerequisite(&mut self, _response: &HttpResponse, _now_ms: f64) -> Result<Prerequisite, String> {
        Ok(Prerequisite::Ready)
    }
    /// Forgets the credentials the prerequisite gave (after a 401).
    fn invalidate(&mut self) {}
    /// The request carrying these records (indices into the prepared records).
    fn batch_request(&mut self, records: &[usize]) -> HttpRequest;
    /// What the answer to a batch means.
    fn read_answer(&mut self, records: &[usize], response: &HttpResponse, now_ms: f64) -> Verdict;
    /// The source row number and identifier of a record, for the report.
    fn row_of(&self, record: usize) -> (usize, String);
    /// The source row number of a record alone, for a journal: cheap, where
    /// [`Protocol::row_of`] may have to make a record not made yet to name it.
    fn row(&self, record: usize) -> usize {
        self.row_of(record).0
    }
    /// The vendor's name, for messages.
    fn vendor(&self) -> &str;
    /// Whether a request that got no answer may be sent again. False for uploads the
    /// vendor may have taken already (sending again would duplicate them).
    fn retry_unanswered(&self) -> bool {
        true
    }
}

/// How the prerequisite went, when it did not fail for good.
#[derive(Debug, Clone, PartialEq)]
pub enum Prerequisite {
    /// Ready for batches.
    Ready,
    /// Try again later (429 / 5xx), after `after_ms` when the vendor said.
    Retry {
        /// Vendor-requested wait.
        after_ms: Option<f64>,
        /// Why, for the give-up message.
        reason: String,
    },
}

/// What an answer to a batch means.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Final outcomes for some records; the others (if any) go again as a new batch.
    Judged {
        /// Outcomes, by record index.
        outcomes: Vec<(usize, Outcome)>,
        /// Records the vendor did not judge and that may be sent again.
        resend: Vec<usize>,
    },
    /// A passing failure (429, 5xx): the whole batch goes again later.
    Retry {
        /// Vendor-requested wait (`Retry-After`).
        after_ms: Option<f64>,
        /// What happened, for the give-up message.
        reason: String,
    },
    /// 401: renew the prerequisite, then send the batch again (once).
    Unauthorised(String),
    /// Nothing more can succeed (wrong password): stop the whole send with this message.
    Fatal(String),
}

/// Limits of a send.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Attempts per batch (and for the prerequisite) before giving up.
    pub max_attempts: u32,
    /// First backoff, in milliseconds; doubles on each further attempt.
    pub base_delay_ms: f64,
    /// Longest backoff, in milliseconds.
    pub max_delay_ms: f64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { concurrency: 1, max_attempts: 8, base_delay_ms: 500.0, max_delay_ms: 30_000.0 }
    }
}

/// A ticket naming a request in flight.
pub type Ticket = u64;

/// Times a batch may be told to wait (429 with `Retry-After`) before Ferry gives up on it.
pub const MAX_THROTTLES: u32 = 60;

#[derive(Debug, Clone)]
struct Work {
    records: Vec<usize>,
    attempts: u32,
    throttles: u32,
    not_before: f64,
    reauthorised: bool,
    remainder: bool,
    /// The batch's request, made ahead of its turn ([`Engine::prepare_ahead`]).
    request: Option<HttpRequest>,
}

#[derive(Debug, Clone)]
enum Flight {
    Prerequisite,
    Batch(Work),
}

/// Where the send is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Requests are going out.
    Running,
    /// No new request starts; those in flight finish.
    Paused,
    /// Every record has an outcome (or the send was cancelled or failed) and nothing is in flight.
    Finished,
}

/// A send in progress.
pub struct Engine<P: Protocol> {
    protocol: P,
    policy: Policy,
    queue: VecDeque<Work>,
    in_flight: BTreeMap<Ticket, Flight>,
    next_ticket: Ticket,
    prerequisite_attempts: u32,
    prerequisite_not_before: f64,
    paused: bool,
    cancelled: bool,
    failure: Option<String>,
    report: Report,
    fresh: Vec<(usize, Outcome)>,
    total: usize,
    answered: usize,
    rng: u64,
}

impl<P: Protocol + 'static> Engine<P> {
    /// The same send with its protocol boxed, so sends to different vendors share one type.
    pub fn boxed(self) -> Engine<Box<dyn Protocol>> {
        Engine {
            protocol: Box::new(self.protocol),
            policy: self.policy,
            queue: self.queue,
            in_flight: self.in_flight,
            next_ticket: self.next_ticket,
            prerequisite_attempts: self.prerequisite_attempts,
            prerequisite_not_before: self.prerequisite_not_before,
            paused: self.paused,
            cancelled: self.cancelled,
            failure: self.failure,
            report: self.report,
            fresh: self.fresh,
            total: self.total,
            answered: self.answered,
            rng: self.rng,
        }
    }
}

impl<P: Protocol> Engine<P> {
    /// A send of `records` (indices) in batches of `batch_size`. `seed` drives the
    /// backoff jitter (any value; tests fix it).
    pub fn new(protocol: P, policy: Policy, records: Vec<usize>, batch_size: usize, seed: u64) -> Engine<P> {
        let batches = records.chunks(batch_size.max(1)).map(<[usize]>::to_vec).collect();
        Engine::with_batches(protocol, policy, batches, seed)
    }

    /// A send of batches the vendor adapter cut itself (by campaign, by file size, ...).
    pub fn with_batches(protocol: P, policy: Policy, batches: Vec<Vec<usize>>, seed: u64) -> Engine<P> {
        let total = batches.iter().map(Vec::len).sum();
        let queue = batches
            .into_iter()
            .filter(|b| !b.is_empty())
            .map(|records| Work { records, attempts: 0, throttles: 0, not_before: 0.0, reauthorised: false, remainder: false, request: None })
            .collect();
        Engine {
            protocol,
            policy,
            queue,
            in_flight: BTreeMap::new(),
            next_ticket: 1,
            prerequisite_attempts: 0,
            prerequisite_not_before: 0.0,
            paused: false,
            cancelled: false,
            failure: None,
            report: Report::default(),
            fresh: Vec::new(),
            total,
            answered: 0,
            rng: seed | 1,
        }
    }

    /// Adds outcomes decided before the send (rows skipped for issues, rows sent earlier).
    pub fn record(&mut self, row: usize, identifier: &str, outcome: Outcome) {
        self.report.record(row, identifier, outcome);
    }

    /// Requests to start now, each with its ticket.
    pub fn poll(&mut self, now_ms: f64) -> Vec<(Ticket, HttpRequest)> {
        let mut out = Vec::new();
        if self.paused || self.cancelled || self.failure.is_some() {
            return out;
        }
        let prerequisite_in_flight = self.in_flight.values().any(|f| matches!(f, Flight::Prerequisite));
        if prerequisite_in_flight {
            return out;
        }
        if !self.queue.is_empty() {
            if let Some(request) = self.protocol.prerequisite(now_ms) {
                if self.in_flight.is_empty() && now_ms >= self.prerequisite_not_before {
                    let ticket = self.ticket();
                    self.in_flight.insert(ticket, Flight::Prerequisite);
                    out.push((ticket, request));
                }
                return out;
            }
        }
        while self.in_flight.len() < self.policy.concurrency.max(1) {
            let Some(pos) = self.queue.iter().position(|w| w.not_before <= now_ms) else { break };
            let mut work = self.queue.remove(pos).expect("position is in range");
            let request = work.request.take().unwrap_or_else(|| self.protocol.batch_request(&work.records));
            let ticket = self.ticket();
            self.in_flight.insert(ticket, Flight::Batch(work));
            out.push((ticket, request));
        }
        out
    }

    fn ticket(&mut self) -> Ticket {
        let t = self.next_ticket;
        self.next_ticket += 1;
        t
    }

    /// Takes the answer to request `ticket` (or why there was none) at `now_ms`.
    pub fn handle(&mut self, ticket: Ticket, answer: Result<HttpResponse, TransportError>, now_ms: f64) {
        match self.in_flight.remove(&ticket) {
            None => {}
            Some(Flight::Prerequisite) => self.take_prerequisite(answer, now_ms),
            Some(Flight::Batch(work)) if self.cancelled => {
                // Cancelled while in flight: the answer still tells what happened.
                self.take_batch(work, answer, now_ms);
                self.cancel_queue();
            }
            Some(Flight::Batch(work)) => self.take_batch(work, answer, now_ms),
        }
    }

    fn take_prerequisite(&mut self, answer: Result<HttpResponse, TransportError>, now_ms: f64) {
        let retry = match answer {
            Ok(response) => match self.protocol.take_prerequisite(&response, now_ms) {
                Ok(Prerequisite::Ready) => {
                    self.prerequisite_attempts = 0;
                    // Requests made ahead carry the credentials before these.
                    self.drop_prepared();
                    return;
                }
                Ok(Prerequisite::Retry { after_ms, reason }) => (after_ms, reason),
                Err(message) => return self.fail(message),
            },
            Err(TransportError(e)) => (None, e),
        };
        self.prerequisite_attempts += 1;
        if self.prerequisite_attempts >= self.policy.max_attempts {
            let message =
                format!("{} could not be reached after {} attempts ({}). Nothing more was sent.", self.protocol.vendor(), self.prerequisite_attempts, retry.1);
            return self.fail(message);
        }
        self.prerequisite_not_before = now_ms + self.delay(self.prerequisite_attempts, retry.0);
    }

    fn take_batch(&mut self, mut work: Work, answer: Result<HttpResponse, TransportError>, now_ms: f64) {
        let verdict = match answer {
            Ok(response) => self.protocol.read_answer(&work.records, &response, now_ms),
            Err(TransportError(e)) if self.protocol.retry_unanswered() => Verdict::Retry { after_ms: None, reason: format!("no answer: {e}") },
            Err(TransportError(e)) => Verdict::Judged {
                outcomes: work
                    .records
                    .iter()
                    .map(|&r| {
                        (
                            r,
                            Outcome::NotSent {
                                reason: format!(
                                    "No answer from {} ({e}): it may or may not have taken this row. Check there before sending it again.",
                                    self.protocol.vendor()
                                ),
                            },
                        )
                    })
                    .collect(),
                resend: vec![],
            },
        };
        match verdict {
            Verdict::Judged { outcomes, resend } => {
                for (record, outcome) in outcomes {
                    self.settle(record, outcome);
                }
                if !resend.is_empty() {
                    if work.remainder {
                        let reason = format!("{} refused this batch twice; send this row again on its own.", self.protocol.vendor());
                        for record in resend {
                            self.settle(record, Outcome::NotSent { reason: reason.clone() });
                        }
                    } else {
                        self.queue.push_front(Work {
                            records: resend,
                            attempts: 0,
                            throttles: 0,
                            not_before: now_ms,
                            reauthorised: work.reauthorised,
                            remainder: true,
                            request: None,
                        });
                    }
                }
            }
            Verdict::Retry { after_ms, reason } => {
                // A vendor asking to wait is slowing the send down, not failing it: such
                // waits have their own, larger allowance.
                if after_ms.is_some() {
                    work.throttles += 1;
                } else {
                    work.attempts += 1;
                }
                if work.attempts >= self.policy.max_attempts || work.throttles >= MAX_THROTTLES || self.cancelled {
                    let message = if self.cancelled {
                        "Cancelled before this row was sent.".to_string()
                    } else {
                        format!("Not sent: {} gave no usable answer after {} attempts ({reason}).", self.protocol.vendor(), work.attempts + work.throttles)
                    };
                    for record in work.records {
                        self.settle(record, Outcome::NotSent { reason: message.clone() });
                    }
                } else {
                    work.not_before = now_ms + self.delay(work.attempts, after_ms);
                    self.queue.push_back(work);
                }
            }
            Verdict::Unauthorised(_) if !work.reauthorised => {
                self.protocol.invalidate();
                self.drop_prepared();
                work.reauthorised = true;
                work.not_before = now_ms;
                self.queue.push_front(work);
            }
            Verdict::Fatal(message) => {
                for record in work.records {
                    self.settle(record, Outcome::NotSent { reason: message.clone() });
                }
                self.fail(message);
            }
            Verdict::Unauthorised(message) => {
                let reason = format!("{} did not accept fresh credentials either ({message}). Check the account's permissions.", self.protocol.vendor());
                for record in work.records {
                    self.settle(record, Outcome::NotSent { reason: reason.clone() });
                }
            }
        }
    }

    /// Backoff before attempt `attempt + 1`: the vendor's `Retry-After` when given (plus up
    /// to half of it again, so waiting requests do not all return at once), else
    /// `base × 2^(attempt-1)` capped, with "equal jitter" (half fixed, half random).
    fn delay(&mut self, attempt: u32, after_ms: Option<f64>) -> f64 {
        if let Some(after) = after_ms {
            let after = after.min(3_600_000.0);
            return after + self.random() * after / 2.0;
        }
        let exp = self.policy.base_delay_ms * 2f64.powi(attempt.saturating_sub(1).min(30) as i32);
        let capped = exp.min(self.policy.max_delay_ms);
        capped / 2.0 + self.random() * capped / 2.0
    }

    /// xorshift64*: a uniform number in [0, 1).
    fn random(&mut self) -> f64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let x = self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    fn settle(&mut self, record: usize, outcome: Outcome) {
        let (row, identifier) = self.protocol.row_of(record);
        self.answered += 1;
        self.fresh.push((record, outcome.clone()));
        self.report.record(row, &identifier, outcome);
    }

    fn fail(&mut self, message: String) {
        self.cancel_queue_with(&message);
        self.failure = Some(message);
    }

    fn cancel_queue(&mut self) {
        self.cancel_queue_with("Cancelled before this row was sent.");
    }

    fn cancel_queue_with(&mut self, reason: &str) {
        let pending: Vec<usize> = self.queue.drain(..).flat_map(|w| w.records).collect();
        for record in pending {
            self.settle(record, Outcome::NotSent { reason: reason.to_string() });
        }
    }

    /// Stops starting requests; those in flight still finish.
    pub fn pause(&mut self) {
        self.paused = true;
    }

    /// Starts requests again after [`Engine::pause`].
    pub fn resume(&mut self) {
        self.paused = false;
    }

    /// Stops: queued records are reported as not sent; answers in flight are still read.
    pub fn cancel(&mut self) {
        self.cancelled = true;
        self.cancel_queue();
    }

    /// When to poll again if nothing is in flight to wake the caller (epoch ms), if ever.
    pub fn next_wakeup(&self) -> Option<f64> {
        if self.state() != State::Running {
            return None;
        }
        let earliest = self.queue.iter().map(|w| w.not_before).reduce(f64::min)?;
        Some(earliest.max(self.prerequisite_not_before))
    }

    /// Running, paused or finished.
    pub fn state(&self) -> State {
        let idle = self.in_flight.is_empty();
        if idle && (self.queue.is_empty() || self.cancelled || self.failure.is_some()) {
            State::Finished
        } else if self.paused {
            State::Paused
        } else {
            State::Running
        }
    }

    /// `(records with an outcome, records to send)`.
    pub fn progress(&self) -> (usize, usize) {
        (self.answered, self.total)
    }

    /// Records in flight now (for a journal: their fate is unknown until answered).
    pub fn in_flight_records(&self) -> Vec<usize> {
        self.in_flight
            .values()
            .filter_map(|f| match f {
                Flight::Batch(w) => Some(w.records.clone()),
                Flight::Prerequisite => None,
            })
            .flatten()
            .collect()
    }

    /// The records of the next `batches` batches [`Engine::poll`] would start, were a
    /// request free now: a driver notes them in its journal ahead, so that when an answer
    /// frees a request the next batch can leave at once. Empty while paused, cancelled or
    /// failed (nothing will start).
    pub fn upcoming(&self, batches: usize, now_ms: f64) -> Vec<usize> {
        if self.paused || self.cancelled || self.failure.is_some() {
            return Vec::new();
        }
        self.queue.iter().filter(|w| w.not_before <= now_ms).take(batches).flat_map(|w| w.records.iter().copied()).collect()
    }

    /// Makes the requests of the next `batches` batches [`Engine::upcoming`] names, while
    /// the send waits on the vendor, so that a batch leaves the moment a request is free
    /// instead of being made then. Nothing is made before the prerequisite is ready (the
    /// requests would carry no credentials); new credentials drop what was made.
    pub fn prepare_ahead(&mut self, batches: usize, now_ms: f64) {
        if self.paused || self.cancelled || self.failure.is_some() || self.protocol.prerequisite(now_ms).is_some() {
            return;
        }
        let protocol = &mut self.protocol;
        for work in self.queue.iter_mut().filter(|w| w.not_before <= now_ms).take(batches) {
            if work.request.is_none() {
                work.request = Some(protocol.batch_request(&work.records));
            }
        }
    }

    fn drop_prepared(&mut self) {
        for work in &mut self.queue {
            work.request = None;
        }
    }

    /// The records the request `ticket` carries (none for the prerequisite, or a ticket
    /// that is not in flight).
    pub fn records_of(&self, ticket: Ticket) -> &[usize] {
        match self.in_flight.get(&ticket) {
            Some(Flight::Batch(w)) => &w.records,
            _ => &[],
        }
    }

    /// Requests at once, by the send's policy.
    pub fn concurrency(&self) -> usize {
        self.policy.concurrency.max(1)
    }

    /// Outcomes settled since the last call (for a journal).
    pub fn take_fresh_outcomes(&mut self) -> Vec<(usize, Outcome)> {
        std::mem::take(&mut self.fresh)
    }

    /// Why the whole send stopped, if it did.
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    /// One line per source row so far.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// The report, taken out of the engine (a million rows are not copied).
    pub fn into_report(self) -> Report {
        self.report
    }

    /// The vendor adapter.
    pub fn protocol(&self) -> &P {
        &self.protocol
    }
}

#[cfg(test)]
mod tests;
