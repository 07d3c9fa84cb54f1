//! Participant Kit's REST API under `/v1/`: projects, panels (and their panellists),
//! studies, fields, participants, consents and data links, with a bearer token, `limit`
//! (default 20, at most 100) / `page` pagination that ends in an empty `data` array,
//! `include=pii` / `properties`, 400 on invalid creates, 401 on a bad token, 404 on an
//! unknown id, and an optional rate limit answering 429 with `Retry-After`.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::Shared;

/// The demo bearer token.
pub const DEMO_TOKEN: &str = "sandbox-pk-token";
/// Panellists of the demo panel `pan_demo`.
pub const DEMO_PANELLISTS: usize = 150;

/// The organisation's objects.
#[derive(Debug, Serialize)]
pub struct PkOrg {
    /// Accepted bearer tokens.
    #[serde(skip)]
    pub tokens: Vec<String>,
    /// Project objects.
    pub projects: Vec<Value>,
    /// Panel objects.
    pub panels: Vec<Value>,
    /// Panellists per panel id (with pii and properties; trimmed on read).
    pub panellists: Vec<(String, Value)>,
    /// Field definitions.
    pub fields: Vec<Value>,
    /// Study objects.
    pub studies: Vec<Value>,
    /// Participant objects (with pii; trimmed on read unless asked).
    pub participants: Vec<Value>,
    /// Consent objects.
    pub consents: Vec<Value>,
    /// Data link objects.
    pub data_links: Vec<Value>,
    /// Requests answered 429.
    pub throttled: u32,
    #[serde(skip)]
    recent: VecDeque<Instant>,
    counter: u64,
    /// Participant ids → position in `participants`, for the ones indexed so far (the
    /// rest are indexed on the next look-up), so a data link costs the same however many
    /// participants the organisation holds.
    #[serde(skip)]
    participant_index: (HashMap<String, usize>, usize),
}

impl PkOrg {
    /// Whether a participant with this id exists.
    fn has_participant(&mut self, id: &str) -> bool {
        let (index, indexed) = &mut self.participant_index;
        for (at, p) in self.participants.iter().enumerate().skip(*indexed) {
            if let Some(id) = p["id"].as_str() {
                index.entry(id.to_string()).or_insert(at);
            }
        }
        *indexed = self.participants.len();
        index.contains_key(id)
    }
}

const CREATED: &str = "2024-01-15T09:00:00Z";

impl Default for PkOrg {
    /// Two projects, one study, a panel of 150 panellists with two custom fields, three
    /// consents, token `sandbox-pk-token`.
    fn default() -> Self {
        let fields = vec![
            json!({"id": "f_dob", "object": "field", "name": "date_of_birth", "title": "Date of birth", "datatype": "date"}),
            json!({"id": "f_interests", "object": "field", "name": "interests", "title": "Interests", "datatype": "multiple_options", "options": ["cycling", "reading", "running"]}),
            json!({"id": "f_region", "object": "field", "name": "region", "title": "Region", "datatype": "single_option", "options": ["North", "South"]}),
        ];
        let panellists = (1..=DEMO_PANELLISTS)
            .map(|i| {
                let interests: Vec<&str> =
                    ["cycling", "reading", "running"].into_iter().enumerate().filter(|(k, _)| (i + k) % 2 == 0).map(|(_, v)| v).collect();
                (
                    "pan_demo".to_string(),
                    json!({
                        "id": format!("ppl_{i:04}"), "object": "panellist",
                        "opted_in_at": CREATED, "confirmed_at": CREATED, "opted_out_at": null,
                        "email": format!("panellist{i}@example.org"), "first_name": format!("Panellist{i}"), "last_name": format!("Demo{i}"),
                        "properties": [
                            {"field_id": "f_dob", "value": format!("19{:02}-0{}-1{}", 50 + i % 40, 1 + i % 9, i % 10)},
                            {"field_id": "f_interests", "value": interests},
                            {"field_id": "f_region", "value": if i % 2 == 0 { "North" } else { "South" }}
                        ]
                    }),
                )
            })
            .collect();
        PkOrg {
            tokens: vec![DEMO_TOKEN.into()],
            projects: vec![
                json!({"id": "prj_demo", "object": "project", "name": "Demo project", "created_at": CREATED, "updated_at": CREATED, "app_url": "https://app.participantkit.example/projects/prj_demo"}),
                json!({"id": "prj_pilot", "object": "project", "name": "Pilot", "created_at": CREATED, "updated_at": CREATED, "app_url": "https://app.participantkit.example/projects/prj_pilot"}),
            ],
            panels: vec![
                json!({"id": "pan_demo", "object": "panel", "title": "Demo panel", "name": "demo-panel", "panellist_count": DEMO_PANELLISTS, "created_at": CREATED, "updated_at": CREATED}),
            ],
            panellists,
            fields,
            studies: vec![
                json!({"id": "stu_demo", "object": "study", "name": "Demo study", "project_id": "prj_demo", "start_date": null, "end_date": null, "tags": ["demo"], "created_at": CREATED, "updated_at": CREATED, "app_url": "https://app.participantkit.example/studies/stu_demo"}),
            ],
            participants: Vec::new(),
            consents: vec![
                json!({"id": "con_1", "object": "consent", "status": "agreed", "consented_at": CREATED, "permissions": ["contact", "data"], "participant": {"id": "par_seed1", "object": "participant"}, "created_at": CREATED, "updated_at": CREATED}),
                json!({"id": "con_2", "object": "consent", "status": "refused", "consented_at": CREATED, "permissions": [], "participant": {"id": "par_seed2", "object": "participant"}, "created_at": CREATED, "updated_at": CREATED}),
                json!({"id": "con_3", "object": "consent", "status": "agreed", "consented_at": CREATED, "permissions": ["data"], "participant": {"id": "par_seed3", "object": "participant"}, "created_at": CREATED, "updated_at": CREATED}),
            ],
            data_links: Vec::new(),
            throttled: 0,
            recent: VecDeque::new(),
            counter: 0,
            participant_index: (HashMap::new(), 0),
        }
    }
}

fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    (status, Json(json!({ "error": { "type": kind, "message": message } }))).into_response()
}

fn not_found(what: &str) -> Response {
    error(StatusCode::NOT_FOUND, "not_found", &format!("No such {what}"))
}

/// Bearer token and rate limit, for every endpoint.
fn admit(shared: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    let mut s = shared.lock().expect("sandbox state");
    let limit = s.rate_limit_per_sec;
    let org = &mut s.pk;
    let token = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if !token.is_some_and(|t| org.tokens.iter().any(|k| k == t.trim())) {
        return Err(error(StatusCode::UNAUTHORIZED, "authentication_error", "Invalid token"));
    }
    if let Some(limit) = limit {
        let now = Instant::now();
        while org.recent.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1)) {
            org.recent.pop_front();
        }
        if org.recent.len() >= limit as usize {
            org.throttled += 1;
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, "rate_limit_error", "Too many requests");
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return Err(r);
        }
        org.recent.push_back(now);
    }
    Ok(())
}

/// `limit` (default 20, capped at 100) and `page` (default 1).
fn page_of(items: Vec<Value>, query: &Query<Vec<(String, String)>>) -> Json<Value> {
    let get = |k: &str| query.0.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let limit = get("limit").and_then(|v| v.parse::<usize>().ok()).unwrap_or(20).clamp(1, 100);
    let page = get("page").and_then(|v| v.parse::<usize>().ok()).unwrap_or(1).max(1);
    let data: Vec<Value> = items.into_iter().skip((page - 1) * limit).take(limit).collect();
    Json(json!({ "object": "list", "data": data }))
}

fn includes(query: &Query<Vec<(String, String)>>) -> Vec<String> {
    query.0.iter().filter(|(k, _)| k == "include").flat_map(|(_, v)| v.split(',').map(|s| s.trim().to_string())).collect()
}

fn without(mut v: Value, keys: &[&str]) -> Value {
    if let Some(o) = v.as_object_mut() {
        for k in keys {
            o.remove(*k);
        }
    }
    v
}

/// `GET /v1/{collection}`.
pub async fn list(State(shared): State<Shared>, Path(collection): Path<String>, headers: HeaderMap, query: Query<Vec<(String, String)>>) -> Response {
    if let Err(r) = admit(&shared, &headers) {
        return r;
    }
    let s = shared.lock().expect("sandbox state");
    let org = &s.pk;
    let pii = includes(&query).iter().any(|i| i == "pii");
    let items: Vec<Value> = match collection.as_str() {
        "projects" => org.projects.clone(),
        "panels" => org.panels.clone(),
        "fields" => org.fields.clone(),
        "studies" => org.studies.clone(),
        "participants" => org.participants.iter().map(|p| if pii { p.clone() } else { without(p.clone(), &["email", "first_name"]) }).collect(),
        "consents" => {
            let status = query.0.iter().find(|(k, _)| k == "status").map(|(_, v)| v.clone());
            org.consents.iter().filter(|c| status.as_ref().is_none_or(|st| c["status"] == st.as_str())).cloned().collect()
        }
        "data_links" => org.data_links.clone(),
        _ => return not_found("endpoint"),
    };
    page_of(items, &query).into_response()
}

/// `GET /v1/panels/{id}/panellists`.
pub async fn panellists(State(shared): State<Shared>, Path(panel): Path<String>, headers: HeaderMap, query: Query<Vec<(String, String)>>) -> Response {
    if let Err(r) = admit(&shared, &headers) {
        return r;
    }
    let s = shared.lock().expect("sandbox state");
    if !s.pk.panels.iter().any(|p| p["id"] == panel.as_str()) {
        return not_found("panel");
    }
    let include = includes(&query);
    let items =
        s.pk.panellists
            .iter()
            .filter(|(p, _)| *p == panel)
            .map(|(_, v)| {
                let mut v = v.clone();
                if !include.iter().any(|i| i == "pii") {
                    v = without(v, &["email", "first_name", "last_name"]);
                }
                if !include.iter().any(|i| i == "properties") {
                    v = without(v, &["properties"]);
                }
                v
            })
            .collect();
    page_of(items, &query).into_response()
}

/// `GET /v1/{collection}/{id}`.
pub async fn retrieve(
    State(shared): State<Shared>,
    Path((collection, id)): Path<(String, String)>,
    headers: HeaderMap,
    query: Query<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = admit(&shared, &headers) {
        return r;
    }
    let s = shared.lock().expect("sandbox state");
    let org = &s.pk;
    let pool = match collection.as_str() {
        // The document gives these a retrieve endpoint; fields and data links have none.
        "projects" => &org.projects,
        "panels" => &org.panels,
        "studies" => &org.studies,
        "participants" => &org.participants,
        "consents" => &org.consents,
        _ => return not_found("endpoint"),
    };
    match pool.iter().find(|o| o["id"] == id.as_str()) {
        Some(o) if collection == "participants" && !includes(&query).iter().any(|i| i == "pii") => {
            Json(without(o.clone(), &["email", "first_name"])).into_response()
        }
        Some(o) => Json(o.clone()).into_response(),
        None => not_found(collection.trim_end_matches('s')),
    }
}

/// The request's JSON object. The document's API is JSON REST (NOTES.md): a body of any
/// other type (form fields among them) is refused, as is JSON that is not an object.
fn body_of(headers: &HeaderMap, body: &Bytes) -> Option<Map<String, Value>> {
    let json =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json"));
    if !json {
        return None;
    }
    serde_json::from_slice::<Value>(body).ok()?.as_object().cloned()
}

fn text<'a>(body: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    body.get(key).and_then(Value::as_str).map(str::trim).filter(|v| !v.is_empty())
}

fn invalid(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "invalid_request_error", message)
}

/// `POST /v1/{collection}`: studies, participants, data links.
pub async fn create(
    State(shared): State<Shared>,
    Path(collection): Path<String>,
    headers: HeaderMap,
    query: Query<Vec<(String, String)>>,
    body: Bytes,
) -> Response {
    if let Err(r) = admit(&shared, &headers) {
        return r;
    }
    let Some(body) = body_of(&headers, &body) else {
        return invalid("The request body must be a JSON object sent as Content-Type: application/json");
    };
    let mut s = shared.lock().expect("sandbox state");
    let org = &mut s.pk;
    org.counter += 1;
    let n = org.counter;
    match collection.as_str() {
        "studies" => {
            let (Some(project), Some(name)) = (text(&body, "project_id"), text(&body, "name")) else {
                return invalid("project_id and name are required");
            };
            if !org.projects.iter().any(|p| p["id"] == project) {
                return invalid("project_id does not match a project");
            }
            let id = format!("stu_{n:06}");
            let study = json!({"id": id, "object": "study", "name": name, "project_id": project, "start_date": null, "end_date": null, "tags": [], "created_at": CREATED, "updated_at": CREATED, "app_url": format!("https://app.participantkit.example/studies/{id}")});
            org.studies.push(study.clone());
            (StatusCode::CREATED, Json(study)).into_response()
        }
        "participants" => {
            let (Some(name), Some(email), Some(event)) = (text(&body, "name"), text(&body, "email"), text(&body, "event_id")) else {
                return invalid("name, email and event_id are required");
            };
            let valid_email = email.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !email.contains(' '));
            if !valid_email {
                return invalid("email is not a valid email address");
            }
            if !org.studies.iter().any(|st| st["id"] == event) {
                return invalid("event_id does not match a study");
            }
            let id = format!("par_{n:06}");
            let first = name.split_whitespace().next().unwrap_or(name);
            let participant = json!({"id": id, "object": "participant", "anonymous_id": format!("A{n:04}"), "created_at": CREATED, "updated_at": CREATED, "app_url": format!("https://app.participantkit.example/participants/{id}"), "study": {"id": event, "object": "study"}, "first_name": first, "email": email, "name": name});
            org.participants.push(participant.clone());
            let pii = includes(&query).iter().any(|i| i == "pii") || text(&body, "include") == Some("pii");
            let show = if pii { without(participant, &["name"]) } else { without(participant, &["email", "first_name", "name"]) };
            (StatusCode::CREATED, Json(show)).into_response()
        }
        "data_links" => {
            let (Some(url), Some(recorded), Some(participant)) = (text(&body, "url"), text(&body, "recorded_at"), text(&body, "participant_id")) else {
                return invalid("url, recorded_at and participant_id are required");
            };
            let iso = recorded.len() == 10 && recorded.as_bytes()[4] == b'-' && recorded.as_bytes()[7] == b'-';
            if !iso {
                return invalid("recorded_at must be a date in ISO 8601 format (YYYY-MM-DD)");
            }
            if !org.has_participant(participant) {
                return invalid("participant_id does not match a participant");
            }
            let id = format!("dl_{n:06}");
            let link = json!({"id": id, "object": "data_link", "title": text(&body, "title"), "url": url, "recorded_at": recorded, "participant_id": participant, "reminder_on": null, "created_at": CREATED, "updated_at": CREATED});
            org.data_links.push(link.clone());
            (StatusCode::CREATED, Json(link)).into_response()
        }
        _ => not_found("endpoint"),
    }
}

/// `DELETE /v1/studies/{id}` and `/v1/data_links/{id}`.
pub async fn delete(State(shared): State<Shared>, Path((collection, id)): Path<(String, String)>, headers: HeaderMap) -> Response {
    if let Err(r) = admit(&shared, &headers) {
        return r;
    }
    let mut s = shared.lock().expect("sandbox state");
    let pool = match collection.as_str() {
        "studies" => &mut s.pk.studies,
        "data_links" => &mut s.pk.data_links,
        _ => return not_found("endpoint"),
    };
    match pool.iter().position(|o| o["id"] == id.as_str()) {
        Some(i) => {
            pool.remove(i);
            Json(json!({"id": id, "object": collection.trim_end_matches('s'), "deleted": true})).into_response()
        }
        None => not_found(collection.trim_end_matches('s')),
    }
}

/// `GET /_sandbox/participant-kit`: everything held (for tests and demos).
pub async fn inspect(State(shared): State<Shared>) -> Json<Value> {
    let s = shared.lock().expect("sandbox state");
    Json(serde_json::to_value(&s.pk).unwrap_or(Value::Null))
}
