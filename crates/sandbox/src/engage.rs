//! Longenesis Engage's import endpoints: `bulk_post` (JSON body) and `bulk_upload`
//! (the same JSON as an uploaded file), answering like the FastAPI service they are.
//!
//! Enforced from the document: a bearer token from the Auth service; an account with
//! import rights in the organisation; records in participant + submission pairs; at
//! least one of participant_id / national_id / email; `activity_slug` present;
//! `created_at` a datetime; generated `P-xxxxxx` ids; a repeated `partner_item_id`
//! stored as a new version. A request with any invalid record is refused whole (422,
//! FastAPI's `detail` list naming each record) and stores nothing.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::Shared;

/// A participant as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Participant {
    /// Given or generated (`P-xxxxxx`) id.
    pub participant_id: String,
    /// Every other participant field as received (national_id, email, names, ...).
    pub profile: Map<String, Value>,
}

/// A submission as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Submission {
    /// Whose submission.
    pub participant_id: String,
    /// The activity.
    pub activity_slug: String,
    /// The partner's id for it, if given.
    pub partner_item_id: Option<String>,
    /// 1, then 2, ... for each import with the same partner_item_id.
    pub version: u32,
    /// As received, if given.
    pub created_at: Option<String>,
    /// Question id → answer.
    pub answers: Map<String, Value>,
}

/// One organisation's imported data.
#[derive(Debug, Default, Serialize)]
pub struct EngageOrg {
    /// Participants, in creation order.
    pub participants: Vec<Participant>,
    /// Submissions, in arrival order (versions included).
    pub submissions: Vec<Submission>,
    /// Import requests accepted.
    pub accepted_requests: u32,
    /// Import requests refused (any status but 2xx, 429 excepted).
    pub refused_requests: u32,
    /// Import requests answered 429 by the rate limit.
    pub throttled_requests: u32,
    #[serde(skip)]
    recent: std::collections::VecDeque<std::time::Instant>,
    /// Lookups by id, national id, e-mail and partner item id, so each stored record
    /// costs the same however many the organisation already holds.
    #[serde(skip)]
    index: Index,
}

/// Where each participant and submission can be found without a scan.
#[derive(Debug, Default)]
struct Index {
    /// participant_id → position in `participants`.
    by_id: HashMap<String, usize>,
    /// `(profile key, value)` → positions of the participants whose profile holds it
    /// (national_id and email), in creation order.
    by_profile: HashMap<(&'static str, String), BTreeSet<usize>>,
    /// partner_item_id → versions stored so far.
    versions: HashMap<String, u32>,
}

/// The profile fields a participant is found by when no participant_id is given.
const MATCHED_BY: [&str; 2] = ["national_id", "email"];

impl Index {
    fn profile_value(profile: &Map<String, Value>, key: &str) -> Option<String> {
        profile.get(key).and_then(Value::as_str).map(str::to_string)
    }

    /// Notes `profile` as the profile of participant `at`.
    fn add_profile(&mut self, at: usize, profile: &Map<String, Value>) {
        for key in MATCHED_BY {
            if let Some(v) = Index::profile_value(profile, key) {
                self.by_profile.entry((key, v)).or_default().insert(at);
            }
        }
    }

    /// Forgets `profile` as the profile of participant `at`.
    fn remove_profile(&mut self, at: usize, profile: &Map<String, Value>) {
        for key in MATCHED_BY {
            if let Some(v) = Index::profile_value(profile, key) {
                if let Some(set) = self.by_profile.get_mut(&(key, v.clone())) {
                    set.remove(&at);
                    if set.is_empty() {
                        self.by_profile.remove(&(key, v));
                    }
                }
            }
        }
    }

    /// The first participant whose profile holds the national_id or email of `fields`.
    fn first_by_profile(&self, fields: &Map<String, Value>) -> Option<usize> {
        MATCHED_BY
            .iter()
            .filter_map(|key| Index::profile_value(fields, key).and_then(|v| self.by_profile.get(&(*key, v))).and_then(|set| set.first().copied()))
            .min()
    }
}

fn detail(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({ "detail": text }))).into_response()
}

fn validation(errors: Vec<Value>) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({ "detail": errors }))).into_response()
}

fn problem(kind: &str, loc: Vec<Value>, msg: &str) -> Value {
    json!({ "type": kind, "loc": loc, "msg": msg })
}

/// `POST /submissions/{org}/bulk_post`.
pub async fn bulk_post(State(shared): State<Shared>, Path(org): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let arrived = Instant::now();
    let answer = take_bulk_post(&shared, &org, &headers, &body);
    paced(&shared, arrived, answer).await
}

fn take_bulk_post(shared: &Shared, org: &str, headers: &HeaderMap, body: &[u8]) -> Response {
    if let Err(r) = admit(shared, org, headers) {
        return r;
    }
    let is_json = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
    let document = if is_json { serde_json::from_slice::<Value>(body).ok() } else { None };
    let Some(document) = document else {
        count_refused(shared, org);
        return validation(vec![problem("json_invalid", vec![json!("body"), json!(0)], "JSON decode error")]);
    };
    import(shared, org, document, "body")
}

/// `POST /submissions/{org}/bulk_upload`: multipart with the JSON in the `file` part.
pub async fn bulk_upload(State(shared): State<Shared>, Path(org): Path<String>, request: Request) -> Response {
    let arrived = Instant::now();
    let answer = take_bulk_upload(&shared, &org, request).await;
    paced(&shared, arrived, answer).await
}

async fn take_bulk_upload(shared: &Shared, org: &str, request: Request) -> Response {
    let headers = request.headers().clone();
    if let Err(r) = admit(shared, org, &headers) {
        return r;
    }
    let mut file: Option<Bytes> = None;
    if let Ok(mut multipart) = Multipart::from_request(request, &()).await {
        while let Ok(Some(field)) = multipart.next_field().await {
            if field.name() == Some("file") && field.file_name().is_some() {
                file = field.bytes().await.ok();
                break;
            }
        }
    }
    let Some(bytes) = file else {
        count_refused(shared, org);
        return validation(vec![problem("missing", vec![json!("body"), json!("file")], "Field required")]);
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(document) => import(shared, org, document, "file"),
        Err(_) => {
            count_refused(shared, org);
            validation(vec![problem("json_invalid", vec![json!("file"), json!(0)], "The uploaded file is not valid JSON")])
        }
    }
}

fn count_refused(shared: &Shared, org: &str) {
    if let Some(o) = shared.lock().expect("sandbox state").engage.get_mut(org) {
        o.refused_requests += 1;
    }
}

/// The answer, sent once the sandbox's `--latency-ms` has passed since the request
/// arrived: the latency is the vendor's whole answer time, its own work included, so a
/// send measured against it is bound by that pace, not by the emulator's bookkeeping.
/// The request has been taken (stored or refused) by then, as a vendor's would be: an
/// answer lost on its way back leaves the records stored.
async fn paced(shared: &Shared, arrived: Instant, answer: Response) -> Response {
    let latency = shared.lock().expect("sandbox state").latency;
    if !latency.is_zero() {
        answer_at(arrived + latency).await;
    }
    answer
}

/// Waits until `deadline`, to within a fraction of a millisecond. Tokio's timer counts
/// whole milliseconds and rounds a deadline up: a 20 ms answer took 21.2 ms at the
/// median on the bench machine (20.2 ms this way). Its sleep takes the sandbox close,
/// and the last stretch is slept on a blocking thread, to the microsecond.
async fn answer_at(deadline: Instant) {
    const TIMER_STEP: std::time::Duration = std::time::Duration::from_millis(2);
    if let Some(coarse) = deadline.checked_sub(TIMER_STEP) {
        tokio::time::sleep_until(coarse.into()).await;
    }
    let rest = deadline.saturating_duration_since(Instant::now());
    if !rest.is_zero() {
        let _ = tokio::task::spawn_blocking(move || std::thread::sleep(rest)).await;
    }
}

/// Bearer, permissions and the rate limit, in that order.
fn admit(shared: &Shared, org: &str, headers: &HeaderMap) -> Result<(), Response> {
    authorise(shared, org, headers)?;
    let mut s = shared.lock().expect("sandbox state");
    let Some(limit) = s.rate_limit_per_sec else { return Ok(()) };
    let o = s.engage.get_mut(org).expect("authorised org exists");
    let now = std::time::Instant::now();
    while o.recent.front().is_some_and(|t| now.duration_since(*t) >= std::time::Duration::from_secs(1)) {
        o.recent.pop_front();
    }
    if o.recent.len() >= limit as usize {
        o.throttled_requests += 1;
        let mut response = detail(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
        response.headers_mut().insert(header::RETRY_AFTER, axum::http::HeaderValue::from_static("1"));
        return Err(response);
    }
    o.recent.push_back(now);
    Ok(())
}

fn authorise(shared: &Shared, org: &str, headers: &HeaderMap) -> Result<(), Response> {
    let s = shared.lock().expect("sandbox state");
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let account = s.bearer(authorization).map_err(|e| detail(StatusCode::UNAUTHORIZED, e))?;
    if !s.engage.contains_key(org) {
        return Err(detail(StatusCode::NOT_FOUND, "Organization not found"));
    }
    if !account.admin_of.iter().any(|o| o == org) {
        return Err(detail(StatusCode::FORBIDDEN, "Not enough permissions: Manage Participants and Manage Submissions are required"));
    }
    Ok(())
}

const PARTICIPANT_TEXT: [&str; 7] = ["participant_id", "national_id", "email", "given_name", "family_name", "phone", "text"];
const SUBMISSION_TEXT: [&str; 3] = ["activity_slug", "partner_item_id", "created_at"];

fn check_record(index: usize, record: &Value, root: &str) -> Vec<Value> {
    let at = |path: &[&str]| {
        let mut loc = vec![json!(root), json!("records"), json!(index)];
        loc.extend(path.iter().map(|p| json!(p)));
        loc
    };
    let mut errors = Vec::new();
    let Some(record) = record.as_object() else {
        return vec![problem("model_type", at(&[]), "Input should be a valid dictionary or object")];
    };
    // Only the keys the document's record shows: a misspelled or unknown key is refused,
    // so a test cannot pass with data that would land nowhere.
    let extra = |errors: &mut Vec<Value>, object: &Map<String, Value>, allowed: &[&str], path: &[&str]| {
        for key in object.keys().filter(|k| !allowed.contains(&k.as_str())) {
            let mut loc: Vec<&str> = path.to_vec();
            loc.push(key);
            errors.push(problem("extra_forbidden", at(&loc), "Extra inputs are not permitted"));
        }
    };
    extra(&mut errors, record, &["participant", "submission"], &[]);
    match record.get("participant").and_then(Value::as_object) {
        None => errors.push(problem("missing", at(&["participant"]), "Field required")),
        Some(p) => {
            extra(&mut errors, p, &[&PARTICIPANT_TEXT[..], &["update_profile"]].concat(), &["participant"]);
            for key in PARTICIPANT_TEXT {
                if p.get(key).is_some_and(|v| !v.is_string() && !v.is_null()) {
                    errors.push(problem("string_type", at(&["participant", key]), "Input should be a valid string"));
                }
            }
            if p.get("update_profile").is_some_and(|v| !v.is_boolean() && !v.is_null()) {
                errors.push(problem("bool_type", at(&["participant", "update_profile"]), "Input should be a valid boolean"));
            }
            if let Some(email) = p.get("email").and_then(Value::as_str) {
                if !plausible_email(email) {
                    errors.push(problem("value_error", at(&["participant", "email"]), "value is not a valid email address"));
                }
            }
            let identified = ["participant_id", "national_id", "email"].iter().any(|k| p.get(*k).and_then(Value::as_str).is_some_and(|s| !s.trim().is_empty()));
            if !identified {
                errors.push(problem("value_error", at(&["participant"]), "Value error, At least one of participant_id, national_id or email must be present"));
            }
        }
    }
    match record.get("submission").and_then(Value::as_object) {
        None => errors.push(problem("missing", at(&["submission"]), "Field required")),
        Some(s) => {
            extra(&mut errors, s, &[&SUBMISSION_TEXT[..], &["answers"]].concat(), &["submission"]);
            for key in SUBMISSION_TEXT {
                if s.get(key).is_some_and(|v| !v.is_string() && !v.is_null()) {
                    errors.push(problem("string_type", at(&["submission", key]), "Input should be a valid string"));
                }
            }
            if s.get("activity_slug").and_then(Value::as_str).is_none_or(|a| a.trim().is_empty()) {
                errors.push(problem("missing", at(&["submission", "activity_slug"]), "Field required"));
            }
            if let Some(created) = s.get("created_at").and_then(Value::as_str) {
                if !is_datetime(created) {
                    errors.push(problem("datetime_from_date_parsing", at(&["submission", "created_at"]), "Input should be a valid datetime"));
                }
            }
            if s.get("answers").is_some_and(|a| !a.is_object()) {
                errors.push(problem("dict_type", at(&["submission", "answers"]), "Input should be a valid dictionary"));
            }
        }
    }
    errors
}

fn plausible_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !s.contains(char::is_whitespace)
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        }
        None => false,
    }
}

/// `YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM[:SS[.f]]` and a zone.
fn is_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r.clone()).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok()).unwrap_or(99);
    if b.len() < 10 || !digits(0..4) || b[4] != b'-' || !digits(5..7) || b[7] != b'-' || !digits(8..10) {
        return false;
    }
    if !(1..=12).contains(&num(5..7)) || !(1..=31).contains(&num(8..10)) {
        return false;
    }
    if b.len() == 10 {
        return true;
    }
    if !(b[10] == b'T' || b[10] == b' ') || b.len() < 16 || !digits(11..13) || b[13] != b':' || !digits(14..16) {
        return false;
    }
    if num(11..13) > 23 || num(14..16) > 59 {
        return false;
    }
    let rest = &s[16..];
    let rest = rest
        .strip_prefix(':')
        .map_or(Some(rest), |r| (r.len() >= 2 && r[..2].bytes().all(|c| c.is_ascii_digit()) && r[..2].parse::<u32>().unwrap_or(99) < 60).then(|| &r[2..]));
    let Some(rest) = rest else { return false };
    let rest = rest.strip_prefix('.').map_or(rest, |r| r.trim_start_matches(|c: char| c.is_ascii_digit()));
    rest.is_empty() || rest == "Z" || ((rest.starts_with('+') || rest.starts_with('-')) && rest.len() == 6 && rest.as_bytes()[3] == b':')
}

fn import(shared: &Shared, org: &str, mut document: Value, root: &str) -> Response {
    // The records are taken out of the document, not copied: every allocation here is
    // paid for each of a million records in the bench's send.
    let records = match document.get_mut("records").map(Value::take) {
        Some(Value::Array(records)) => Some(records),
        _ => None,
    };
    let mut s = shared.lock().expect("sandbox state");
    let Some(records) = records else {
        if let Some(o) = s.engage.get_mut(org) {
            o.refused_requests += 1;
        }
        return validation(vec![problem("missing", vec![json!(root), json!("records")], "Field required")]);
    };
    let errors: Vec<Value> = records.iter().enumerate().flat_map(|(i, r)| check_record(i, r, root)).collect();
    if !errors.is_empty() {
        if let Some(o) = s.engage.get_mut(org) {
            o.refused_requests += 1;
        }
        return validation(errors);
    }
    let mut results = Vec::with_capacity(records.len());
    for mut record in records {
        let object = |v: Value| match v {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let participant = object(record["participant"].take());
        let mut submission = object(record["submission"].take());
        let mut generated = None;
        if participant.get("participant_id").and_then(Value::as_str).is_none_or(|s| s.trim().is_empty()) {
            generated = Some(loop {
                let candidate = format!("P-{:06}", s.random_below(1_000_000));
                let taken = s.engage[org].index.by_id.contains_key(&candidate);
                if !taken {
                    break candidate;
                }
            });
        }
        let o = s.engage.get_mut(org).expect("authorised org exists");
        let participant_id = upsert_participant(o, participant, generated);
        let partner_item_id = submission.get("partner_item_id").and_then(Value::as_str).map(str::to_string);
        let version = partner_item_id.as_ref().map_or(1, |id| {
            let stored = o.index.versions.entry(id.clone()).or_insert(0);
            *stored += 1;
            *stored
        });
        o.submissions.push(Submission {
            participant_id: participant_id.clone(),
            activity_slug: submission["activity_slug"].as_str().unwrap_or_default().to_string(),
            partner_item_id: partner_item_id.clone(),
            version,
            created_at: submission.get("created_at").and_then(Value::as_str).map(str::to_string),
            answers: object(submission.remove("answers").unwrap_or_default()),
        });
        results.push(json!({ "participant_id": participant_id, "partner_item_id": partner_item_id, "version": version }));
    }
    let o = s.engage.get_mut(org).expect("authorised org exists");
    o.accepted_requests += 1;
    (StatusCode::OK, Json(json!({ "records": results }))).into_response()
}

/// Finds the participant by participant_id, national_id or email (in that order), or
/// creates one; `update_profile: true` overwrites the stored profile fields it carries.
fn upsert_participant(org: &mut EngageOrg, mut fields: Map<String, Value>, generated: Option<String>) -> String {
    let update = fields.remove("update_profile").and_then(|v| v.as_bool()).unwrap_or(false);
    let given_id = fields.remove("participant_id").and_then(|v| v.as_str().map(str::to_string)).filter(|s| !s.trim().is_empty());
    let found = match &given_id {
        Some(id) => org.index.by_id.get(id).copied(),
        None => org.index.first_by_profile(&fields),
    };
    if let Some(at) = found {
        if update {
            let existing = &mut org.participants[at];
            org.index.remove_profile(at, &existing.profile);
            existing.profile.extend(fields);
            org.index.add_profile(at, &existing.profile);
        }
        return org.participants[at].participant_id.clone();
    }
    let participant_id = given_id.or(generated).unwrap_or_default();
    let at = org.participants.len();
    org.index.by_id.entry(participant_id.clone()).or_insert(at);
    org.index.add_profile(at, &fields);
    org.participants.push(Participant { participant_id: participant_id.clone(), profile: fields });
    participant_id
}

/// `GET /_sandbox/engage/{org}/counts`: how many participants and submissions the
/// organisation holds, and how many requests it accepted and refused (for a send of a
/// million records, whose whole inspection would be hundreds of megabytes).
pub async fn counts(State(shared): State<Shared>, Path(org): Path<String>) -> Response {
    let s = shared.lock().expect("sandbox state");
    match s.engage.get(&org) {
        Some(o) => Json(json!({
            "participants": o.participants.len(),
            "submissions": o.submissions.len(),
            "accepted_requests": o.accepted_requests,
            "refused_requests": o.refused_requests,
        }))
        .into_response(),
        None => detail(StatusCode::NOT_FOUND, "Organization not found"),
    }
}

/// `GET /_sandbox/engage/{org}`: what the organisation holds (for tests and demos).
pub async fn inspect(State(shared): State<Shared>, Path(org): Path<String>) -> Response {
    let s = shared.lock().expect("sandbox state");
    match s.engage.get(&org) {
        Some(o) => Json(serde_json::to_value(o).unwrap_or(Value::Null)).into_response(),
        None => detail(StatusCode::NOT_FOUND, "Organization not found"),
    }
}
