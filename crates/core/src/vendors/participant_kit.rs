//! Participant Kit: "API Reference".
//!
//! JSON REST with an OAuth2 bearer token in the `Authorization` header. Lists take
//! `limit` (default 20, at most 100) and `page` (default 1) and answer `{"data": [...]}`,
//! empty past the last page; reading all means paging until `data` is empty (NOTES).
//! 400 = validation error on create, 401 = bad token, 404 = unknown id. Participants are
//! created one request per participant (`name`, `email`, `event_id`); data links with
//! `url`, `recorded_at` (YYYY-MM-DD), `participant_id` and optional `title`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::records::{batches_of, Records, SendPlan};
use super::{Prepared, PreparedRecord};
use crate::datetime::read_date;
use crate::http::{Body, HttpRequest, HttpResponse, Method};
use crate::issue::{Issue, Severity};
use crate::mapping::{FieldKind, FieldSpec, Mapping};
use crate::repeats::Repeats;
use crate::report::Outcome;
use crate::send::{Engine, Policy, Protocol, Verdict};
use crate::sheet::{Cells, Sheet};
use crate::text::is_valid_email;

/// Participant Kit in the list of targets.
pub const VENDOR: super::Vendor = super::Vendor {
    id: "participant-kit",
    name: "Participant Kit",
    summary: "Participants created in a study, or data links attached to participants.",
    fields: PARTICIPANT_FIELDS,
    dynamic_prefix: None,
    dynamic_label: "",
    dynamic_name: "",
};

/// A participant's fields (the study is a setting: `event_id`).
pub const PARTICIPANT_FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "name",
        label: "Name",
        help: "The participant's full name (required).",
        kind: FieldKind::Text,
        synonyms: &["full name", "participant name", "first name"],
    },
    FieldSpec {
        key: "email",
        label: "Email",
        help: "Used to send the consent remotely (required).",
        kind: FieldKind::Email,
        synonyms: &["e-mail", "email address", "e-mail address", "mail"],
    },
];

/// A data link's fields.
pub const DATA_LINK_FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "url",
        label: "URL",
        help: "Where the data is; reachable by people in your organisation (required).",
        kind: FieldKind::Text,
        synonyms: &["link", "address", "data url"],
    },
    FieldSpec {
        key: "recorded_at",
        label: "Recorded at",
        help: "The date the data was collected, YYYY-MM-DD (required).",
        kind: FieldKind::DateTime,
        synonyms: &["date", "recorded", "collected at", "collected"],
    },
    FieldSpec {
        key: "participant_id",
        label: "Participant ID",
        help: "The participant the data belongs to (required).",
        kind: FieldKind::Text,
        synonyms: &["participant", "participant id", "id"],
    },
    FieldSpec { key: "title", label: "Title", help: "Optional name of the data.", kind: FieldKind::Text, synonyms: &["name", "description"] },
];

/// The list endpoints Ferry reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Resource {
    /// `/v1/projects`.
    Projects,
    /// `/v1/studies`.
    Studies,
    /// `/v1/panels`.
    Panels,
    /// `/v1/panels/{id}/panellists`.
    Panellists(String),
    /// `/v1/fields`.
    Fields,
    /// `/v1/participants`.
    Participants,
    /// `/v1/consents`.
    Consents,
    /// `/v1/data_links`.
    DataLinks,
}

impl Resource {
    /// Whether the document gives its objects a retrieve endpoint (by id).
    pub fn retrievable(&self) -> bool {
        matches!(self, Resource::Projects | Resource::Panels | Resource::Studies | Resource::Participants | Resource::Consents)
    }

    /// The collection's path.
    pub fn path(&self) -> String {
        match self {
            Resource::Projects => "/v1/projects".into(),
            Resource::Studies => "/v1/studies".into(),
            Resource::Panels => "/v1/panels".into(),
            Resource::Panellists(panel) => format!("/v1/panels/{}/panellists", encode(panel)),
            Resource::Fields => "/v1/fields".into(),
            Resource::Participants => "/v1/participants".into(),
            Resource::Consents => "/v1/consents".into(),
            Resource::DataLinks => "/v1/data_links".into(),
        }
    }
}

fn encode(segment: &str) -> String {
    segment.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-')).collect()
}

/// What to send: participants into a study, or data links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum WriteMode {
    /// `POST /v1/participants`.
    #[default]
    Participants,
    /// `POST /v1/data_links`.
    DataLinks,
}

/// Where and how. Holds nothing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The API's base URL (not documented: a setting).
    pub base_url: String,
    /// Participants or data links.
    pub mode: WriteMode,
    /// The study participants join (`event_id`).
    pub study_id: String,
    /// Requests in flight at once.
    pub concurrency: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { base_url: String::new(), mode: WriteMode::Participants, study_id: String::new(), concurrency: 4 }
    }
}

impl Settings {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url.trim().trim_end_matches('/'))
    }

    /// What is missing or wrong, in words.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let base = self.base_url.trim();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            out.push(format!("API base URL must start with https:// (it is \"{base}\")."));
        }
        if self.mode == WriteMode::Participants && self.study_id.trim().is_empty() {
            out.push("Choose the study the participants join (load the studies with your token).".into());
        }
        if self.concurrency == 0 {
            out.push("Requests at once must be at least 1.".into());
        }
        out
    }

    /// The fields of the chosen mode.
    pub fn fields(&self) -> &'static [FieldSpec] {
        match self.mode {
            WriteMode::Participants => PARTICIPANT_FIELDS,
            WriteMode::DataLinks => DATA_LINK_FIELDS,
        }
    }
}

/// The OAuth2 bearer token. Lives in memory only.
pub type Credentials = super::TokenCredentials;

fn auth_headers(credentials: &Credentials) -> Vec<(String, String)> {
    vec![("Authorization".into(), format!("Bearer {}", credentials.token.trim())), ("Accept".into(), "application/json".into())]
}

/// A GET of one page of a list.
pub fn list_request(settings: &Settings, credentials: &Credentials, resource: &Resource, page: u32, query: &[(&str, &str)]) -> HttpRequest {
    let mut pairs = vec![("limit".to_string(), "100".to_string()), ("page".to_string(), page.to_string())];
    pairs.extend(query.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (k.to_string(), v.to_string())));
    let url = format!("{}?{}", settings.url(&resource.path()), crate::http::form_urlencode(&pairs).replace("%2C", ","));
    HttpRequest { method: Method::Get, url, headers: auth_headers(credentials), body: Body::Empty, opaque_ok: false }
}

/// An error answer, in words.
pub fn error_text(response: &HttpResponse) -> String {
    let detail = serde_json::from_str::<Value>(&response.body).ok().and_then(|v| {
        let e = v.get("error").unwrap_or(&v);
        e.get("message").or_else(|| e.get("detail")).or_else(|| v.get("message")).and_then(Value::as_str).map(str::to_string)
    });
    let what = match response.status {
        400 => "Participant Kit refused it (400, validation error)",
        401 => "Participant Kit rejected the token (401): check it or get a new one",
        404 => "Participant Kit does not know that id (404)",
        429 => "Participant Kit asked to slow down (429)",
        500..=599 => "Participant Kit failed on its side",
        _ => "Participant Kit answered",
    };
    match detail {
        Some(d) => format!("{what}: {d}"),
        None if response.body.trim().is_empty() => what.to_string(),
        None => format!("{what}: {}", response.body_excerpt()),
    }
}

/// Reads one page: its objects, or the error in words.
pub fn read_page(response: &HttpResponse) -> Result<Vec<Value>, String> {
    if !response.is_success() {
        return Err(error_text(response));
    }
    serde_json::from_str::<Value>(&response.body)
        .ok()
        .and_then(|v| v.get("data").and_then(Value::as_array).cloned())
        .ok_or_else(|| format!("Participant Kit's list answer has no data array: {}", response.body_excerpt()))
}

/// Reading every page of a list: page 1, 2, … until a page comes back empty. Sans-IO.
#[derive(Debug, Clone)]
pub struct Pager {
    resource: Resource,
    query: Vec<(String, String)>,
    page: u32,
    items: Vec<Value>,
    done: bool,
    error: Option<String>,
    wait_ms: Option<f64>,
    retries: u32,
}

/// Times one page may be asked again after 429 / 5xx before reading stops.
const MAX_PAGE_RETRIES: u32 = 10;

/// Pages read at most (100 000 objects), so a vendor that never ends a list cannot loop forever.
pub const MAX_PAGES: u32 = 1000;

impl Pager {
    /// A reader of `resource` with extra query pairs (`include`, `status`).
    pub fn new(resource: Resource, query: &[(&str, &str)]) -> Pager {
        Pager {
            resource,
            query: query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            page: 1,
            items: vec![],
            done: false,
            error: None,
            wait_ms: None,
            retries: 0,
        }
    }

    /// The next page's request, or `None` when the list is read (or failed).
    pub fn next_request(&self, settings: &Settings, credentials: &Credentials) -> Option<HttpRequest> {
        if self.done {
            return None;
        }
        let query: Vec<(&str, &str)> = self.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Some(list_request(settings, credentials, &self.resource, self.page, &query))
    }

    /// Takes a page's answer at `now_ms`. A 429 / 5xx asks for the same page again after
    /// [`Pager::take_wait`] (the vendor's `Retry-After`, else a second).
    pub fn handle(&mut self, response: &HttpResponse, now_ms: f64) {
        if response.status == 429 || response.status >= 500 {
            self.retries += 1;
            if self.retries > MAX_PAGE_RETRIES {
                self.done = true;
                self.error = Some(format!("{} (page {}, after {MAX_PAGE_RETRIES} tries).", error_text(response), self.page));
            } else {
                self.wait_ms = Some(response.retry_after_ms(now_ms).unwrap_or(1000.0).min(30_000.0));
            }
            return;
        }
        self.retries = 0;
        match read_page(response) {
            Ok(page) if page.is_empty() => self.done = true,
            Ok(page) => {
                self.items.extend(page);
                self.page += 1;
                if self.page > MAX_PAGES {
                    self.done = true;
                    self.error = Some(format!("Stopped after {MAX_PAGES} pages: the list did not end."));
                }
            }
            Err(e) => {
                self.done = true;
                self.error = Some(e);
            }
        }
    }

    /// How long to wait before asking for the next page, once (after a 429 / 5xx).
    pub fn take_wait(&mut self) -> Option<f64> {
        self.wait_ms.take()
    }

    /// Objects read so far.
    pub fn items(&self) -> &[Value] {
        &self.items
    }

    /// Pages read so far.
    pub fn pages(&self) -> u32 {
        self.page - 1
    }

    /// Whether the list is read to its end (or failed).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Why reading stopped early, if it did.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
}

/// A table of objects for showing and CSV: nested objects become their id, arrays are
/// joined with `; `, and panellist `properties` become one column per field title.
pub fn flatten(items: &[Value], fields: &[Value]) -> (Vec<String>, Vec<Vec<String>>) {
    let titles: BTreeMap<&str, &str> = fields
        .iter()
        .filter_map(|f| {
            Some((f.get("id")?.as_str()?, f.get("title").and_then(Value::as_str).unwrap_or_else(|| f.get("name").and_then(Value::as_str).unwrap_or(""))))
        })
        .collect();
    let mut columns: Vec<String> = Vec::new();
    let mut rows: Vec<BTreeMap<String, String>> = Vec::new();
    for item in items {
        let mut row = BTreeMap::new();
        if let Some(object) = item.as_object() {
            for (key, value) in object {
                if key == "properties" {
                    for p in value.as_array().into_iter().flatten() {
                        let id = p.get("field_id").and_then(Value::as_str).unwrap_or("");
                        let title = titles.get(id).map_or_else(|| id.to_string(), |t| t.to_string());
                        row.insert(title, cell(p.get("value").unwrap_or(&Value::Null)));
                    }
                } else {
                    row.insert(key.clone(), cell(value));
                }
            }
        }
        for key in row.keys() {
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
        rows.push(row);
    }
    let order = ["id", "object", "name", "title", "first_name", "email", "status"];
    columns.sort_by_key(|c| order.iter().position(|o| o == c).unwrap_or(order.len()));
    let table = rows.into_iter().map(|r| columns.iter().map(|c| r.get(c).cloned().unwrap_or_default()).collect()).collect();
    (columns, table)
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(cell).collect::<Vec<_>>().join("; "),
        Value::Object(o) => o.get("id").map_or_else(|| value.to_string(), cell),
        other => other.to_string(),
    }
}

/// A table as CSV (UTF-8 with BOM), cells that would run as formulas neutralised.
pub fn table_csv(columns: &[String], rows: &[Vec<String>]) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(columns);
    for r in rows {
        let _ = w.write_record(r.iter().map(|c| crate::report::neutralise_formula(c)));
    }
    format!("\u{FEFF}{}", String::from_utf8_lossy(&w.into_inner().unwrap_or_default()))
}

/// `POST /v1/studies` in a project.
pub fn create_study_request(settings: &Settings, credentials: &Credentials, project_id: &str, name: &str) -> HttpRequest {
    let body = json!({ "project_id": project_id.trim(), "name": name.trim() }).to_string();
    HttpRequest { method: Method::Post, url: settings.url("/v1/studies"), headers: auth_headers(credentials), body: Body::Json(body), opaque_ok: false }
}

/// `GET /v1/{collection}/{id}`: one object of `resource` by its id (the document gives
/// projects, panels, studies, participants and consents a retrieve endpoint), with
/// `include` (e.g. `pii` for a participant's e-mail and first name) when not empty.
/// `None` for a resource the document gives no retrieve endpoint.
pub fn retrieve_request(settings: &Settings, credentials: &Credentials, resource: &Resource, id: &str, include: &str) -> Option<HttpRequest> {
    if !resource.retrievable() {
        return None;
    }
    let mut url = settings.url(&format!("{}/{}", resource.path(), encode(id.trim())));
    if !include.is_empty() {
        url.push_str(&format!("?include={}", encode(include)));
    }
    Some(HttpRequest { method: Method::Get, url, headers: auth_headers(credentials), body: Body::Empty, opaque_ok: false })
}

/// `DELETE /v1/studies/{id}` or `/v1/data_links/{id}`.
pub fn delete_request(settings: &Settings, credentials: &Credentials, plural: &str, id: &str) -> HttpRequest {
    HttpRequest {
        method: Method::Delete,
        url: settings.url(&format!("/v1/{plural}/{}", encode(id))),
        headers: auth_headers(credentials),
        body: Body::Empty,
        opaque_ok: false,
    }
}

/// Reads a create or delete answer: the object (or `{"deleted": …}`), or the error in words.
pub fn read_object(response: &HttpResponse) -> Result<Value, String> {
    if !response.is_success() {
        return Err(error_text(response));
    }
    serde_json::from_str(&response.body).map_err(|_| format!("Participant Kit's answer is not JSON: {}", response.body_excerpt()))
}

/// What is wrong with the mapping as a whole, in words.
pub fn mapping_problems(mapping: &Mapping, settings: &Settings) -> Vec<String> {
    let required: &[&str] = match settings.mode {
        WriteMode::Participants => &["name", "email"],
        WriteMode::DataLinks => &["url", "recorded_at", "participant_id"],
    };
    required
        .iter()
        .filter(|k| mapping.get(k).is_none())
        .map(|k| {
            let label = settings.fields().iter().find(|f| f.key == *k).map_or(*k, |f| f.label);
            format!("Map a column to {label}: Participant Kit requires it.")
        })
        .collect()
}

/// When Name (the participant's full name, as the document asks) comes from a column of
/// first names and the file also has a column of last names: the words that say so.
/// Only the first names would reach Participant Kit.
pub fn first_name_as_name(mapping: &Mapping, headers: &[String], settings: &Settings) -> Option<String> {
    if settings.mode != WriteMode::Participants {
        return None;
    }
    let header = headers.get(mapping.column("name")?)?;
    if !crate::mapping::is_named(header, crate::mapping::FIRST_NAME_HEADERS) {
        return None;
    }
    let last = headers.iter().find(|h| crate::mapping::is_named(h, crate::mapping::LAST_NAME_HEADERS))?;
    Some(format!(
        "Name comes from \"{header}\" alone, but Participant Kit asks for the participant's full name: \"{last}\" would not be sent. To send full names, add a column with them to the file and choose it for Name."
    ))
}

/// `(id, name)` of each object of a list (studies to choose from, say), in order.
pub fn choices(items: &[Value]) -> Vec<(String, String)> {
    items.iter().map(|s| (s["id"].as_str().unwrap_or_default().to_string(), s["name"].as_str().unwrap_or_default().to_string())).collect()
}

/// Checks every row and builds the objects to create.
pub fn prepare(sheet: &Sheet, mapping: &Mapping, settings: &Settings) -> Prepared {
    super::contract::prepare_all(Objects::new(mapping, &sheet.headers, settings), sheet)
}

/// Participant Kit's check, fed pieces of rows: remembers the e-mails seen (a repeat is a
/// warning).
pub struct Objects {
    mapping: Mapping,
    headers: Vec<String>,
    settings: Settings,
    /// The e-mails, compared as the platform does (ASCII letters in any case).
    emails: Repeats,
    count_only: bool,
}

impl Objects {
    /// A check of rows under `headers`, mapped by `mapping`, for a send with `settings`.
    pub fn new(mapping: &Mapping, headers: &[String], settings: &Settings) -> Objects {
        Objects { mapping: mapping.clone(), headers: headers.to_vec(), settings: settings.clone(), emails: Repeats::ignoring_ascii_case(), count_only: false }
    }
}

/// An object's fields, built only when the record is wanted (not when counting).
struct Object {
    fields: Map<String, Value>,
    built: bool,
}

impl Object {
    fn put(&mut self, key: &str, value: impl FnOnce() -> Value) {
        if self.built {
            self.fields.insert(key.into(), value());
        }
    }
}

impl super::contract::Preparer for Objects {
    fn reserve(&mut self, rows: usize) {
        if self.mapping.get("email").is_some() {
            self.emails.reserve(rows);
        }
    }
    fn count_only(&mut self) {
        self.count_only = true;
    }
    fn finish(&mut self, out: &mut Prepared) {
        let (mapping, headers) = (&self.mapping, &self.headers);
        std::mem::take(&mut self.emails).merge_into(&mut out.issues, |repeat| {
            let message = format!("\"{}\" is on an earlier row too: this creates a second participant with the same e-mail.", repeat.text);
            Issue::in_field(repeat.row, mapping, headers, "email", Severity::Warning, message)
        });
    }
    fn push(&mut self, sheet: &dyn Cells, prepared: &mut Prepared) {
        let (mapping, headers, settings, emails, count_only) = (&self.mapping, &self.headers, &self.settings, &mut self.emails, self.count_only);
        for index in 0..sheet.len() {
            let row = sheet.number(index);
            let value = |key: &str| mapping.value(sheet, index, key);
            let issue = |key: &str, severity: Severity, message: String| Issue::in_field(row, mapping, headers, key, severity, message);
            let mut issues = Vec::new();
            let mut object = Object { fields: Map::new(), built: !count_only };
            // Each mode's arm names the row in its own way, after its checks.
            #[allow(clippy::needless_late_init)]
            let identifier;
            match settings.mode {
                WriteMode::Participants => {
                    match value("name") {
                        Some(n) => {
                            object.put("name", || json!(n));
                        }
                        None => issues.push(issue("name", Severity::Error, "Name is empty: Participant Kit requires the participant's full name.".into())),
                    }
                    match value("email") {
                        Some(e) if is_valid_email(e) => {
                            // A repeat's warning goes here, among the row's issues.
                            emails.note(e, row, prepared.issues.len() + issues.len());
                            object.put("email", || json!(e));
                        }
                        Some(e) => issues.push(issue("email", Severity::Error, format!("\"{e}\" is not a valid e-mail address: correct it."))),
                        None => issues.push(issue("email", Severity::Error, "Email is empty: Participant Kit requires it to send the consent.".into())),
                    }
                    object.put("event_id", || json!(settings.study_id.trim()));
                    identifier = value("email").filter(|_| !count_only).unwrap_or("").to_string();
                }
                WriteMode::DataLinks => {
                    match value("url") {
                        Some(u) if is_absolute_url(u) => {
                            object.put("url", || json!(u));
                        }
                        Some(u) => issues.push(issue("url", Severity::Error, format!("\"{u}\" is not an absolute URL: write it with https://."))),
                        None => issues.push(issue("url", Severity::Error, "URL is empty: a data link needs the address of the data.".into())),
                    }
                    let order = mapping.get("recorded_at").map(|s| mapping.date_reading_of(s)).unwrap_or_default();
                    match value("recorded_at").map(|t| (t, read_date(t, order))) {
                        Some((_, Ok(d))) => {
                            object.put("recorded_at", || json!(format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)));
                        }
                        Some((t, Err(problem))) => issues.push(issue("recorded_at", Severity::Error, problem.message(t, "write it as YYYY-MM-DD"))),
                        None => issues.push(issue("recorded_at", Severity::Error, "Recorded at is empty: give the date the data was collected.".into())),
                    }
                    match value("participant_id") {
                        Some(p) => {
                            object.put("participant_id", || json!(p));
                        }
                        None => issues.push(issue(
                            "participant_id",
                            Severity::Error,
                            "Participant ID is empty: the data link needs the participant it belongs to.".into(),
                        )),
                    }
                    if let Some(t) = value("title") {
                        object.put("title", || json!(t));
                    }
                    identifier = value("participant_id").filter(|_| !count_only).unwrap_or("").to_string();
                }
            }
            let blocked = issues.iter().any(|i| i.severity == Severity::Error);
            prepared.issues.extend(issues);
            if blocked {
                prepared.skipped.push((row, identifier));
            } else {
                prepared.records.push(PreparedRecord { row, identifier, json: Value::Object(object.fields) });
            }
        }
    }
}

fn is_absolute_url(u: &str) -> bool {
    let Some((scheme, rest)) = u.split_once("://") else { return false };
    matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https")
        && rest.split('/').next().is_some_and(|host| !host.is_empty() && host.contains('.') || host.starts_with("localhost"))
        && !u.contains(char::is_whitespace)
}

/// Participant Kit as the send engine sees it: one create request per row.
#[derive(Debug)]
pub struct ParticipantKitProtocol {
    settings: Settings,
    credentials: Credentials,
    records: Records,
}

impl Protocol for ParticipantKitProtocol {
    fn batch_request(&mut self, records: &[usize]) -> HttpRequest {
        let made = self.records.take(&records[..1]);
        let record = &made[0];
        // include=pii: the answer then carries the e-mail and first name the report shows.
        let path = match self.settings.mode {
            WriteMode::Participants => "/v1/participants?include=pii",
            WriteMode::DataLinks => "/v1/data_links",
        };
        HttpRequest {
            method: Method::Post,
            url: self.settings.url(path),
            headers: auth_headers(&self.credentials),
            body: Body::Json(record.json.to_string()),
            opaque_ok: false,
        }
    }

    fn read_answer(&mut self, records: &[usize], response: &HttpResponse, now_ms: f64) -> Verdict {
        let record = records[0];
        match response.status {
            200..=299 => {
                let created = serde_json::from_str::<Value>(&response.body).unwrap_or(Value::Null);
                let id = created.get("id").and_then(Value::as_str).unwrap_or_default();
                let mut id = match created.get("app_url").and_then(Value::as_str) {
                    Some(url) => format!("{id} {url}"),
                    None => id.to_string(),
                };
                let pii: Vec<&str> = ["first_name", "email"].iter().filter_map(|k| created.get(*k).and_then(Value::as_str)).filter(|v| !v.is_empty()).collect();
                if !pii.is_empty() {
                    id.push_str(&format!(" ({})", pii.join(", ")));
                }
                Verdict::Judged { outcomes: vec![(record, Outcome::Sent { id: (!id.trim().is_empty()).then(|| id.trim().to_string()) })], resend: vec![] }
            }
            401 => Verdict::Fatal(format!("{}. Nothing more was sent.", error_text(response))),
            429 | 500..=599 => Verdict::Retry { after_ms: response.retry_after_ms(now_ms), reason: error_text(response) },
            _ => Verdict::Judged { outcomes: vec![(record, Outcome::Rejected { reason: error_text(response) })], resend: vec![] },
        }
    }

    fn row_of(&self, record: usize) -> (usize, String) {
        self.records.row_of(record)
    }

    fn row(&self, record: usize) -> usize {
        self.records.row(record)
    }

    fn vendor(&self) -> &str {
        "Participant Kit"
    }
}

/// A send engine: one request per row, `settings.concurrency` at once.
pub fn engine(
    settings: Settings,
    credentials: Credentials,
    plan: SendPlan,
    policy: Policy,
    already_sent: &BTreeMap<usize, Outcome>,
    seed: u64,
) -> Engine<ParticipantKitProtocol> {
    let policy = Policy { concurrency: settings.concurrency.max(1), ..policy };
    plan.engine(|records, to_send| (ParticipantKitProtocol { settings, credentials, records }, batches_of(to_send, 1)), policy, already_sent, seed)
}

#[cfg(test)]
mod tests;

/// Participant Kit behind the vendor contract.
#[derive(Debug, Clone, Copy)]
pub struct ParticipantKit;

/// The login form: the OAuth2 token.
pub const LOGIN: &[super::LoginField] = &[super::LoginField { key: "token", id: "pk-send-token", label: "OAuth2 token", hint: "", secret: true }];

impl super::Adapter for ParticipantKit {
    type Settings = Settings;
    type Protocol = ParticipantKitProtocol;

    fn vendor(&self) -> &'static super::Vendor {
        &VENDOR
    }
    fn settings_problems(&self, settings: &Settings) -> Vec<super::Problem> {
        settings.problems().into_iter().map(|t| super::Problem::blocking("settings", t)).collect()
    }
    fn login_fields(&self) -> &'static [super::LoginField] {
        LOGIN
    }
    fn fields(&self, settings: &Settings) -> &'static [FieldSpec] {
        settings.fields()
    }
    fn mapping_problems(&self, mapping: &Mapping, settings: &Settings) -> Vec<super::Problem> {
        mapping_problems(mapping, settings).into_iter().map(|t| super::Problem::blocking("mapping", t)).collect()
    }
    fn mapping_warnings(&self, mapping: &Mapping, headers: &[String], settings: &Settings) -> Vec<super::Problem> {
        first_name_as_name(mapping, headers, settings).into_iter().map(|t| super::Problem::warning("name", t)).collect()
    }
    fn prepare_rows(&self, rows: &dyn Cells, headers: &[String], mapping: &Mapping, settings: &Settings) -> Prepared {
        super::contract::prepare_all(Objects::new(mapping, headers, settings), rows)
    }
    fn row_checker(&self, mapping: &Mapping, headers: &[String], settings: &Settings) -> Option<Box<dyn super::RowChecker>> {
        Some(Box::new(super::contract::Counting::new(Objects::new(mapping, headers, settings))))
    }
    fn cross_row_columns(&self, mapping: &Mapping, settings: &Settings) -> Option<Vec<usize>> {
        match settings.mode {
            WriteMode::Participants => super::contract::key_columns(mapping, &["email"]),
            WriteMode::DataLinks => Some(vec![]),
        }
    }
    fn preview(&self, _settings: &Settings, prepared: &Prepared) -> String {
        let first: Vec<Value> = prepared.records.iter().take(2).map(|r| r.json.clone()).collect();
        serde_json::to_string_pretty(&Value::Array(first)).unwrap_or_default()
    }
    fn policy(&self, settings: &Settings) -> Policy {
        Policy { concurrency: settings.concurrency.max(1), ..Policy::default() }
    }
    fn engine(
        &self,
        settings: Settings,
        login: &super::Login,
        plan: super::records::SendPlan,
        policy: Policy,
        already_sent: &BTreeMap<usize, Outcome>,
        seed: u64,
    ) -> Engine<ParticipantKitProtocol> {
        engine(settings, Credentials::from_login(login), plan, policy, already_sent, seed)
    }
    fn receipt_hosts(&self, settings: &Settings, rows_sent: usize) -> Vec<(String, String)> {
        let what = match settings.mode {
            WriteMode::Participants => format!("{} for study {}", crate::text::count(rows_sent, "participant", "participants"), settings.study_id.trim()),
            WriteMode::DataLinks => crate::text::count(rows_sent, "data link", "data links"),
        };
        vec![(crate::report::host_of(&settings.base_url), format!("the OAuth2 token and the mapped fields of {what}"))]
    }
    fn journal_destination(&self, settings: &Settings) -> String {
        format!("{}|{:?}|{}", settings.base_url.trim(), settings.mode, settings.study_id.trim())
    }
}
