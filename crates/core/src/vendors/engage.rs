//! Longenesis Engage: "Create participants and submissions with API".
//!
//! Two requests: a token from the Longenesis Auth service (Keycloak, OAuth2 password
//! grant, form-encoded), then `POST /submissions/{org_slug}/bulk_post` with
//! `{"records": [{"participant": {...}, "submission": {...}}]}` and the bearer token, or
//! `/bulk_upload` with the same records as an uploaded JSON file.
//!
//! Rules from the document: a participant is identified by `participant_id`,
//! `national_id` or `email` — at least one must be present; `partner_item_id` repeated
//! makes a new version of that submission; `created_at` is a datetime.
//! From NOTES: the bulk answer's shape is unknown, so any 2xx accepts the whole batch
//! unless the body lists per-record errors; any other body is shown verbatim.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::datetime::read_date;
use crate::http::{Body, HttpRequest, HttpResponse, Method, Part};
use crate::issue::{Issue, Severity};
use crate::mapping::{FieldKind, FieldSpec, Mapping, Source};
use crate::repeats::Repeats;
use crate::report::Outcome;
use crate::send::{Engine, Policy, Prerequisite, Protocol, Verdict};
use crate::sheet::{Cells, Sheet};
use crate::text::{is_valid_email, write_json_string};

/// Engage in the list of targets.
pub const VENDOR: super::Vendor = super::Vendor {
    id: "engage",
    name: "Longenesis Engage",
    summary: "Participants and their survey submissions, imported in bulk.",
    fields: FIELDS,
    dynamic_prefix: Some(ANSWERS_PREFIX),
    dynamic_label: "Survey answers",
    dynamic_name: "Question ID",
};

/// Prefix of answer fields: `answers.<question id>` as in the Engage survey.
pub const ANSWERS_PREFIX: &str = "answers.";

/// The three fields that identify a participant; at least one is required.
pub const IDENTIFIERS: [&str; 3] = ["participant.participant_id", "participant.national_id", "participant.email"];

/// The field that gives a row's own `activity_slug` (each record carries one in the
/// document); the send's setting fills it where the cell is empty.
pub const ACTIVITY_FIELD: &str = "submission.activity_slug";

/// The record's fields, in the document's order.
pub const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "participant.participant_id",
        label: "Participant ID",
        help: "Your own ID for the participant; Engage makes one (P-xxxxxx) when none is given.",
        kind: FieldKind::Text,
        synonyms: &["participant id", "subject id", "patient id", "pid", "id"],
    },
    FieldSpec {
        key: "participant.national_id",
        label: "National ID",
        help: "Personal identification code, e.g. 123456-11111.",
        kind: FieldKind::Text,
        synonyms: &["personal code", "personas kods", "national identification number", "ssn", "personal id"],
    },
    FieldSpec {
        key: "participant.email",
        label: "Email",
        help: "The participant's e-mail address.",
        kind: FieldKind::Email,
        synonyms: &["e-mail", "email address", "e-mail address", "mail"],
    },
    FieldSpec { key: "participant.given_name", label: "Given name", help: "Optional.", kind: FieldKind::Text, synonyms: crate::mapping::FIRST_NAME_HEADERS },
    FieldSpec { key: "participant.family_name", label: "Family name", help: "Optional.", kind: FieldKind::Text, synonyms: crate::mapping::LAST_NAME_HEADERS },
    FieldSpec {
        key: "participant.phone",
        label: "Phone",
        help: "Optional, e.g. +371 22222222.",
        kind: FieldKind::Phone,
        synonyms: &["phone number", "mobile", "telephone", "tel", "tālrunis"],
    },
    FieldSpec {
        key: "participant.update_profile",
        label: "Update profile",
        help: "Optional: true to update an existing participant's profile.",
        kind: FieldKind::Boolean,
        synonyms: &[],
    },
    FieldSpec {
        key: "participant.text",
        label: "Comment",
        help: "Optional comment shown on the participant's profile.",
        kind: FieldKind::Text,
        synonyms: &["comment", "note", "notes"],
    },
    FieldSpec {
        key: "submission.partner_item_id",
        label: "Partner item ID",
        help: "Optional: your ID for this submission; the same ID again makes a new version.",
        kind: FieldKind::Text,
        synonyms: &["item id", "submission id", "record id"],
    },
    FieldSpec {
        key: ACTIVITY_FIELD,
        label: "Activity slug",
        help: "Optional: each row's activity (survey), when rows go to different ones; empty cells take the send's activity slug.",
        kind: FieldKind::Text,
        synonyms: &["activity", "activity slug", "survey slug"],
    },
    FieldSpec {
        key: "submission.created_at",
        label: "Created at",
        help: "Optional: when the submission was made; now when empty.",
        kind: FieldKind::DateTime,
        synonyms: &["date", "created", "timestamp", "submitted at", "submission date", "completed at"],
    },
];

/// How records travel to Engage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum UploadMode {
    /// `/bulk_post`: JSON in the request body.
    #[default]
    BulkPost,
    /// `/bulk_upload`: the same JSON as an uploaded file (multipart).
    BulkUpload,
}

/// Where and how to send. Holds nothing secret. Missing fields read as the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Base URL of the Longenesis Auth service.
    pub auth_base: String,
    /// Keycloak realm.
    pub realm: String,
    /// Base URL of the Engage API.
    pub api_base: String,
    /// The organisation's slug in Engage.
    pub org_slug: String,
    /// The activity (survey) the submissions belong to.
    pub activity_slug: String,
    /// Records per request.
    pub batch_size: usize,
    /// bulk_post or bulk_upload.
    pub mode: UploadMode,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            auth_base: "https://auth.longenesis.com".into(),
            realm: "curator-engage".into(),
            api_base: "https://engage-openapi.longenesis.com".into(),
            org_slug: String::new(),
            activity_slug: String::new(),
            batch_size: 100,
            mode: UploadMode::BulkPost,
        }
    }
}

impl Settings {
    /// The token endpoint's URL.
    pub fn token_url(&self) -> String {
        format!("{}/realms/{}/protocol/openid-connect/token", trim_base(&self.auth_base), self.realm.trim())
    }

    /// The bulk endpoint's URL for the chosen mode.
    pub fn bulk_url(&self) -> String {
        let endpoint = match self.mode {
            UploadMode::BulkPost => "bulk_post",
            UploadMode::BulkUpload => "bulk_upload",
        };
        format!("{}/submissions/{}/{endpoint}", trim_base(&self.api_base), self.org_slug.trim())
    }

    /// What is missing or wrong in the settings, in words; empty when ready.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (value, what) in [(&self.auth_base, "Auth service URL"), (&self.api_base, "Engage API URL")] {
            if !(value.starts_with("https://") || value.starts_with("http://")) {
                out.push(format!("{what} must start with https:// (it is \"{value}\")."));
            }
        }
        if self.realm.trim().is_empty() {
            out.push("Realm is empty: Longenesis uses \"curator-engage\".".into());
        }
        if self.org_slug.trim().is_empty() {
            out.push("Organisation slug is empty: it is your organisation's short name in Engage (ask Longenesis Support if unsure).".into());
        }
        if self.batch_size == 0 {
            out.push("Batch size must be at least 1.".into());
        }
        out
    }
}

fn trim_base(url: &str) -> &str {
    url.trim().trim_end_matches('/')
}

/// The Engage account used for the import. Lives in memory only.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Credentials {
    /// The Engage login e-mail.
    pub username: String,
    /// The Engage password.
    pub password: String,
    /// Longenesis-issued client id (usually the organisation slug).
    pub client_id: String,
    /// Longenesis-issued client secret.
    pub client_secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

impl Credentials {
    /// What is missing, and what the document warns about (Gmail accounts), in words.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (value, what) in
            [(&self.username, "Username"), (&self.password, "Password"), (&self.client_id, "Client ID"), (&self.client_secret, "Client secret")]
        {
            if value.trim().is_empty() {
                out.push(format!("{what} is empty."));
            }
        }
        if self.username.trim().to_ascii_lowercase().ends_with("@gmail.com") {
            out.push("Engage does not accept Gmail accounts for API use: use an account registered with a non-Gmail address.".into());
        }
        out
    }
}

pub use super::records::{batches_of, Records, SendPlan};
use super::{Prepared, PreparedRecord};

/// What is wrong with the mapping as a whole (no identifier mapped, ...), in words.
pub fn mapping_problems(mapping: &Mapping, settings: &Settings) -> Vec<String> {
    let mut out = Vec::new();
    if settings.activity_slug.trim().is_empty() && mapping.column(ACTIVITY_FIELD).is_none() {
        out.push(
            "Activity slug is empty: it names the Engage activity (survey) the submissions belong to. Give it, or map a column that holds each row's.".into(),
        );
    }
    if IDENTIFIERS.iter().all(|k| mapping.get(k).is_none()) {
        out.push("Map at least one of Participant ID, National ID or Email: Engage identifies every participant by one of them.".into());
    }
    for key in mapping.keys_with_prefix(ANSWERS_PREFIX) {
        if key[ANSWERS_PREFIX.len()..].trim().is_empty() {
            out.push("An answer has no question ID: give it the question's ID from your Engage survey.".into());
        }
    }
    out
}

/// The rows Engage would accept and the issues found: what review shows, computed without
/// building any record (a million rows are checked in one pass, with no allocation for a
/// row that has no issue).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checked {
    /// Every issue, in row order.
    pub issues: Vec<Issue>,
    /// Rows not sent because of errors: spreadsheet row number and identifier.
    pub skipped: Vec<(usize, String)>,
    /// Sheet indices of the rows without errors, in order.
    pub valid: Vec<usize>,
}

/// The mapping resolved once for a pass over the rows.
struct Plan<'a> {
    /// `(field, source)` in [`FIELDS`] order, mapped ones only.
    fields: Vec<(&'static FieldSpec, &'a Source)>,
    /// `(field, source, "name":)` of the participant and submission objects (the name
    /// written out as JSON once, not for every record).
    mapping: &'a Mapping,
    participant: Vec<(&'static FieldSpec, &'a Source, Vec<u8>)>,
    submission: Vec<(&'static FieldSpec, &'a Source, Vec<u8>)>,
    identifiers: Vec<&'a Source>,
    partner_item: Option<&'a Source>,
    /// Where each row's own activity slug comes from, if mapped.
    activity: Option<&'a Source>,
    /// `("question id":, source)`.
    answers: Vec<(Vec<u8>, &'a Source)>,
}

impl<'a> Plan<'a> {
    fn new(mapping: &'a Mapping) -> Plan<'a> {
        let fields: Vec<(&'static FieldSpec, &'a Source)> = FIELDS.iter().filter_map(|f| mapping.get(f.key).map(|s| (f, s))).collect();
        let part = |prefix: &str| {
            fields
                .iter()
                .filter(|(f, _)| f.key != ACTIVITY_FIELD)
                .filter_map(|(f, s)| f.key.strip_prefix(prefix).map(|name| (*f, *s, json_key(name))))
                .collect()
        };
        Plan {
            mapping,
            participant: part("participant."),
            submission: part("submission."),
            fields,
            identifiers: IDENTIFIERS.iter().filter_map(|k| mapping.get(k)).collect(),
            partner_item: mapping.get("submission.partner_item_id"),
            activity: mapping.get(ACTIVITY_FIELD),
            answers: mapping.fields.iter().filter_map(|(k, s)| k.strip_prefix(ANSWERS_PREFIX).map(|q| (json_key(q.trim()), s))).collect(),
        }
    }
}

/// `name` as a JSON object key, with its colon: `"name":`.
fn json_key(name: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(name.len() + 3);
    write_json_string(&mut key, name);
    key.push(b':');
    key
}

/// The trimmed text of `source` on row `row`; `None` when blank.
fn text_of<'s, C: Cells + ?Sized>(sheet: &'s C, row: usize, source: &'s Source) -> Option<&'s str> {
    let text = match source {
        Source::Column(c) => sheet.cell(row, *c),
        Source::Constant(s) => s.as_str(),
    };
    // Cells are stored trimmed; only look further when an end is white space.
    let text = match (text.as_bytes().first(), text.as_bytes().last()) {
        (None, _) => return None,
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => text,
        _ => text.trim(),
    };
    (!text.is_empty()).then_some(text)
}

/// Checks every row against Engage's rules (identifier, e-mail, dates, booleans; a
/// repeated partner item ID is a warning).
pub fn check(sheet: &Sheet, mapping: &Mapping) -> Checked {
    let mut checker = Checker::new(mapping, &sheet.headers);
    checker.reserve(sheet.len());
    checker.check(sheet);
    checker.finish()
}

/// Checks rows against Engage's rules as they come, piece after piece in sheet order (a
/// whole sheet is one piece), remembering what a later row needs (the partner item IDs
/// seen), so a sheet arriving in pieces is never held whole.
pub struct Checker {
    mapping: Mapping,
    headers: Vec<String>,
    /// The partner item IDs, noted with how many issues came before each: a repeat is a
    /// warning only, so repeats are found once, when the check finishes.
    partner_items: Repeats,
    checked: Checked,
    /// Rows checked so far: the sheet index of the next row.
    seen: usize,
    /// Whether the send has an activity slug for rows whose activity cell is empty.
    activity_fallback: bool,
}

impl Checker {
    /// A checker for sheets with these `headers` (for naming columns in issues).
    pub fn new(mapping: &Mapping, headers: &[String]) -> Checker {
        Checker {
            mapping: mapping.clone(),
            headers: headers.to_vec(),
            partner_items: Repeats::default(),
            checked: Checked::default(),
            seen: 0,
            activity_fallback: true,
        }
    }

    /// A checker for a send with `settings`: a row whose activity cell is empty needs the
    /// send's activity slug.
    pub fn for_send(mapping: &Mapping, headers: &[String], settings: &Settings) -> Checker {
        Checker { activity_fallback: !settings.activity_slug.trim().is_empty(), ..Checker::new(mapping, headers) }
    }

    /// Sets aside room for about `rows` more rows.
    pub fn reserve(&mut self, rows: usize) {
        self.reserve_ids(rows);
        self.checked.valid.reserve(rows);
    }

    /// Sets aside room for the partner item IDs of about `rows` more rows.
    fn reserve_ids(&mut self, rows: usize) {
        if self.mapping.get("submission.partner_item_id").is_some() {
            self.partner_items.reserve(rows);
        }
    }

    /// Checks the next rows; returns where the ones found valid sit in [`Checker::valid`].
    pub fn check<C: Cells + ?Sized>(&mut self, rows: &C) -> std::ops::Range<usize> {
        let plan = Plan::new(&self.mapping);
        let (mapping, headers, checked) = (&self.mapping, &self.headers, &mut self.checked);
        let valid_from = checked.valid.len();
        for row in 0..rows.len() {
            let row_number = rows.number(row);
            let first_issue = checked.issues.len();
            let issue = |key: &str, severity: Severity, message: String| Issue::in_field(row_number, mapping, headers, key, severity, message);
            for (field, source) in &plan.fields {
                let Some(text) = text_of(rows, row, source) else { continue };
                let problem = match field.kind {
                    FieldKind::Email if !is_valid_email(text) => {
                        Some(format!("\"{text}\" is not a valid e-mail address: correct it, or clear the cell if the row has a participant ID or national ID."))
                    }
                    FieldKind::Boolean if parse_bool(text).is_none() => Some(format!("\"{text}\" is not true or false: write true, false, yes or no.")),
                    FieldKind::Phone => crate::phone::problem(text, mapping.phone_region()),
                    FieldKind::DateTime => {
                        read_date(text, mapping.date_reading_of(source)).err().map(|p| p.message(text, "write it as YYYY-MM-DD HH:MM, e.g. 2024-09-01 10:10"))
                    }
                    _ => None,
                };
                if let Some(message) = problem {
                    checked.issues.push(issue(field.key, Severity::Error, message));
                }
            }
            let identifier = plan.identifiers.iter().find_map(|s| text_of(rows, row, s));
            if identifier.is_none() {
                checked.issues.push(Issue {
                    row: row_number,
                    column: None,
                    column_name: None,
                    field: "participant".into(),
                    severity: Severity::Error,
                    message: "No participant ID, national ID or email: Engage needs at least one of them to identify the participant. Fill one in.".into(),
                    kind: crate::issue::IssueKind::Missing,
                });
            }
            if let Some(source) = plan.activity.filter(|_| !self.activity_fallback) {
                if text_of(rows, row, source).is_none() {
                    checked.issues.push(Issue {
                        kind: crate::issue::IssueKind::Missing,
                        ..issue(ACTIVITY_FIELD, Severity::Error, "Activity slug is empty: fill it in, or give the send an activity slug for such rows.".into())
                    });
                }
            }
            if checked.issues[first_issue..].iter().any(|i| i.severity == Severity::Error) {
                checked.skipped.push((row_number, identifier.unwrap_or("").to_string()));
            } else {
                checked.valid.push(self.seen + row);
            }
            // Its repeat warning, if any, goes after the row's other issues.
            if let Some(item) = plan.partner_item.and_then(|s| text_of(rows, row, s)) {
                self.partner_items.note(item, row_number, checked.issues.len());
            }
        }
        self.seen += rows.len();
        valid_from..checked.valid.len()
    }

    /// Sheet indices of the rows found valid so far, in order.
    pub fn valid(&self) -> &[usize] {
        &self.checked.valid
    }

    /// Rows checked so far.
    pub fn rows(&self) -> usize {
        self.seen
    }

    /// What was found.
    pub fn finish(self) -> Checked {
        let Checker { mapping, headers, partner_items, mut checked, .. } = self;
        partner_items.merge_into(&mut checked.issues, |repeat| {
            let message =
                format!("Partner item ID \"{}\" is also on row {}: Engage will store this row as a new version of that submission.", repeat.text, repeat.first);
            Issue::in_field(repeat.row, &mapping, &headers, "submission.partner_item_id", Severity::Warning, message)
        });
        checked
    }
}

/// The identifier Engage will know row `index` by (participant ID, national ID or e-mail).
pub fn identifier<C: Cells + ?Sized>(sheet: &C, mapping: &Mapping, index: usize) -> String {
    IDENTIFIERS.iter().find_map(|k| mapping.get(k).and_then(|s| text_of(sheet, index, s))).unwrap_or("").to_string()
}

/// Writes the record of row `index` (a row [`check`] found valid) as Engage's JSON:
/// `{"participant": {...}, "submission": {"activity_slug": ..., ..., "answers": {...}}}`.
pub fn write_record(out: &mut Vec<u8>, sheet: &Sheet, mapping: &Mapping, settings: &Settings, index: usize) {
    write_planned(out, sheet, &Plan::new(mapping), settings.activity_slug.trim(), index);
}

fn write_planned<C: Cells + ?Sized>(out: &mut Vec<u8>, sheet: &C, plan: &Plan, activity: &str, index: usize) {
    let string = write_json_string;
    let object = |out: &mut Vec<u8>, fields: &[(&FieldSpec, &Source, Vec<u8>)], first: &mut bool| {
        for (field, source, key) in fields {
            let Some(text) = text_of(sheet, index, source) else { continue };
            if !std::mem::take(first) {
                out.push(b',');
            }
            out.extend_from_slice(key);
            match field.kind {
                FieldKind::Boolean => out.extend_from_slice(if parse_bool(text) == Some(true) { b"true" } else { b"false" }),
                FieldKind::DateTime => {
                    out.push(b'"');
                    if let Ok(d) = read_date(text, plan.mapping.date_reading_of(source)) {
                        d.write_canonical(out);
                    }
                    out.push(b'"');
                }
                _ => string(out, text),
            }
        }
    };
    out.extend_from_slice(b"{\"participant\":{");
    object(out, &plan.participant, &mut true);
    out.extend_from_slice(b"},\"submission\":{\"activity_slug\":");
    string(out, plan.activity.and_then(|s| text_of(sheet, index, s)).unwrap_or(activity));
    object(out, &plan.submission, &mut false);
    out.extend_from_slice(b",\"answers\":{");
    let mut first = true;
    for (key, source) in &plan.answers {
        let Some(text) = text_of(sheet, index, source) else { continue };
        if !std::mem::take(&mut first) {
            out.push(b',');
        }
        out.extend_from_slice(key);
        string(out, text);
    }
    out.extend_from_slice(b"}}}");
}

/// The body of one `bulk_post` request for these rows (sheet indices of valid rows):
/// `{"records": [...]}`, as UTF-8 JSON.
pub fn batch_body(sheet: &Sheet, mapping: &Mapping, settings: &Settings, rows: &[usize]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows.len() * 256);
    write_batch(&mut out, sheet, &Plan::new(mapping), settings.activity_slug.trim(), rows);
    out
}

fn write_batch(out: &mut Vec<u8>, sheet: &Sheet, plan: &Plan, activity: &str, rows: &[usize]) {
    out.extend_from_slice(b"{\"records\":[");
    for (n, &index) in rows.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        write_planned(out, sheet, plan, activity, index);
    }
    out.extend_from_slice(b"]}");
}

/// Calls `each` with the body of every batch of `checked.valid` rows, in order (what a
/// send would post, cut in `settings.batch_size`): for measuring and for downloads.
pub fn each_batch_body(sheet: &Sheet, mapping: &Mapping, settings: &Settings, checked: &Checked, mut each: impl FnMut(&[u8])) {
    let mut writer = BatchWriter::new(mapping, settings);
    writer.push_rows(sheet, checked.valid.iter().copied(), &mut each);
    writer.finish(each);
}

/// Writes `bulk_post` bodies as valid rows come (piece after piece, as a [`Checker`] finds
/// them), handing out each body once it holds `settings.batch_size` records.
pub struct BatchWriter {
    mapping: Mapping,
    activity: String,
    size: usize,
    out: Vec<u8>,
    records: usize,
}

impl BatchWriter {
    /// A writer for records of `mapping`, in batches of `settings.batch_size`.
    pub fn new(mapping: &Mapping, settings: &Settings) -> BatchWriter {
        BatchWriter {
            mapping: mapping.clone(),
            activity: settings.activity_slug.trim().to_string(),
            size: settings.batch_size.max(1),
            out: Vec::new(),
            records: 0,
        }
    }

    /// Adds the records of rows `indices` of `rows` (valid ones), calling `full` with each
    /// body that fills up.
    pub fn push_rows<C: Cells + ?Sized>(&mut self, rows: &C, indices: impl IntoIterator<Item = usize>, mut full: impl FnMut(&[u8])) {
        let plan = Plan::new(&self.mapping);
        for index in indices {
            self.out.extend_from_slice(if self.records == 0 { b"{\"records\":[" } else { b"," });
            write_planned(&mut self.out, rows, &plan, &self.activity, index);
            self.records += 1;
            if self.records == self.size {
                self.out.extend_from_slice(b"]}");
                full(&self.out);
                self.out.clear();
                self.records = 0;
            }
        }
    }

    /// Hands out the last body, when it has any record.
    pub fn finish(mut self, mut last: impl FnMut(&[u8])) {
        if self.records > 0 {
            self.out.extend_from_slice(b"]}");
            last(&self.out);
        }
    }
}

/// Checks every row and builds the records of the rows that Engage would accept.
pub fn prepare(sheet: &Sheet, mapping: &Mapping, settings: &Settings) -> Prepared {
    prepare_rows(sheet, &sheet.headers, mapping, settings)
}

/// Like [`prepare`], for some rows of a sheet with these `headers` (a send's batch).
pub fn prepare_rows<C: Cells + ?Sized>(sheet: &C, headers: &[String], mapping: &Mapping, settings: &Settings) -> Prepared {
    let mut checker = Checker::for_send(mapping, headers, settings);
    checker.reserve(sheet.len());
    checker.check(sheet);
    let checked = checker.finish();
    let plan = Plan::new(mapping);
    let mut out = Vec::new();
    let records = checked
        .valid
        .iter()
        .map(|&index| {
            out.clear();
            write_planned(&mut out, sheet, &plan, settings.activity_slug.trim(), index);
            PreparedRecord {
                row: sheet.number(index),
                identifier: identifier(sheet, mapping, index),
                json: serde_json::from_slice(&out).expect("Ferry writes valid JSON"),
            }
        })
        .collect();
    Prepared { records, issues: checked.issues, skipped: checked.skipped }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "t" | "on" | "jā" | "ja" => Some(true),
        "false" | "no" | "n" | "0" | "f" | "off" | "nē" | "ne" => Some(false),
        _ => None,
    }
}

/// The JSON document Engage receives for these records: `{"records": [...]}`.
pub fn payload(records: &[&PreparedRecord]) -> Value {
    json!({ "records": records.iter().map(|r| r.json.clone()).collect::<Vec<_>>() })
}

/// The token request: OAuth2 password grant, form-encoded, as in the document.
pub fn token_request(settings: &Settings, credentials: &Credentials) -> HttpRequest {
    HttpRequest {
        method: Method::Post,
        url: settings.token_url(),
        headers: vec![("Accept".into(), "application/json".into())],
        body: Body::Form(vec![
            ("username".into(), credentials.username.trim().to_string()),
            ("password".into(), credentials.password.clone()),
            ("grant_type".into(), "password".into()),
            ("client_id".into(), credentials.client_id.trim().to_string()),
            ("client_secret".into(), credentials.client_secret.trim().to_string()),
        ]),
        opaque_ok: false,
    }
}

/// An access token and when it stops working.
#[derive(Clone, PartialEq)]
pub struct Token {
    /// The bearer token.
    pub access_token: String,
    /// Milliseconds since the epoch (the caller's clock) after which it is not used.
    pub expires_at_ms: f64,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token").field("expires_at_ms", &self.expires_at_ms).finish_non_exhaustive()
    }
}

impl Token {
    /// Whether the token may still be used at `now_ms` (with a 30-second margin).
    pub fn is_fresh(&self, now_ms: f64) -> bool {
        now_ms + 30_000.0 < self.expires_at_ms
    }
}

/// Why Engage gave no token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// Keycloak's `invalid_grant` / "Invalid user credentials".
    BadUserCredentials,
    /// Keycloak's `unauthorized_client` or `invalid_client`.
    BadClient,
    /// Another Keycloak error, with its own words.
    Keycloak {
        /// HTTP status.
        status: u16,
        /// `error`.
        error: String,
        /// `error_description`.
        description: String,
    },
    /// An answer that is not Keycloak's.
    Unreadable {
        /// HTTP status.
        status: u16,
        /// The start of the body.
        excerpt: String,
    },
}

impl std::fmt::Display for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthError::BadUserCredentials => write!(f, "Engage rejected the username or password (\"Invalid user credentials\"). Check them and try again; nothing was sent."),
            AuthError::BadClient => write!(f, "Engage rejected the client ID or client secret (\"Invalid client or Invalid client credentials\"). Check them with Longenesis; nothing was sent."),
            AuthError::Keycloak { status, error, description } => write!(f, "The Longenesis Auth service refused the login (HTTP {status}, {error}: {description}). Nothing was sent."),
            AuthError::Unreadable { status, excerpt } => write!(f, "The Longenesis Auth service gave an answer Ferry cannot read (HTTP {status}): {excerpt}. Check the Auth service URL and realm; nothing was sent."),
        }
    }
}

impl std::error::Error for AuthError {}

/// Reads the token answer. `now_ms` is the caller's clock when the answer arrived.
pub fn read_token(response: &HttpResponse, now_ms: f64) -> Result<Token, AuthError> {
    #[derive(Deserialize)]
    struct Success {
        access_token: String,
        expires_in: Option<f64>,
    }
    #[derive(Deserialize)]
    struct Failure {
        error: String,
        #[serde(default)]
        error_description: String,
    }
    if response.is_success() {
        if let Ok(ok) = serde_json::from_str::<Success>(&response.body) {
            if !ok.access_token.is_empty() {
                return Ok(Token { access_token: ok.access_token, expires_at_ms: now_ms + ok.expires_in.unwrap_or(60.0) * 1000.0 });
            }
        }
    } else if let Ok(err) = serde_json::from_str::<Failure>(&response.body) {
        return Err(match err.error.as_str() {
            "invalid_grant" if err.error_description.contains("user credentials") => AuthError::BadUserCredentials,
            "unauthorized_client" | "invalid_client" => AuthError::BadClient,
            _ => AuthError::Keycloak { status: response.status, error: err.error, description: err.error_description },
        });
    }
    Err(AuthError::Unreadable { status: response.status, excerpt: response.body_excerpt() })
}

/// The bulk request carrying `records`, by bulk_post or bulk_upload.
pub fn bulk_request(settings: &Settings, token: &Token, records: &[&PreparedRecord]) -> HttpRequest {
    let document = payload(records).to_string();
    let body = match settings.mode {
        UploadMode::BulkPost => Body::Json(document),
        UploadMode::BulkUpload => Body::Multipart(vec![Part {
            name: "file".into(),
            filename: Some("records.json".into()),
            content_type: Some("application/json".into()),
            data: document,
        }]),
    };
    HttpRequest {
        method: Method::Post,
        url: settings.bulk_url(),
        headers: vec![("Authorization".into(), format!("Bearer {}", token.access_token)), ("Accept".into(), "application/json".into())],
        body,
        opaque_ok: false,
    }
}

/// What a bulk answer says about the batch's records (indices into the batch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkAnswer {
    /// 2xx: accepted, with per-record ids (when listed) and per-record errors (when listed).
    Accepted {
        /// `(batch index, id)` for records the answer gave an id for.
        ids: Vec<(usize, String)>,
        /// `(batch index, message)` for records the answer says failed.
        errors: Vec<(usize, String)>,
    },
    /// 401: the token is not (or no longer) accepted.
    Unauthorized(String),
    /// 4xx naming records: those are refused, the others were not judged.
    RecordsRefused(Vec<(usize, String)>),
    /// 4xx for the whole batch, with the body verbatim.
    BatchRefused(String),
    /// 5xx or a gateway error: nothing was judged.
    ServerFailed(String),
}

/// Reads a bulk_post / bulk_upload answer for a batch of `count` records.
pub fn read_bulk_answer(response: &HttpResponse, count: usize) -> BulkAnswer {
    let body: Option<Value> = serde_json::from_str(&response.body).ok();
    let verbatim = format!("HTTP {}: {}", response.status, response.body_excerpt());
    match response.status {
        200..=299 => {
            let (ids, errors) = body.as_ref().map(|b| per_record_results(b, count)).unwrap_or_default();
            BulkAnswer::Accepted { ids, errors }
        }
        401 => BulkAnswer::Unauthorized(verbatim),
        400..=499 => {
            let named = body.as_ref().map(|b| fastapi_record_errors(b, count)).unwrap_or_default();
            if named.is_empty() {
                BulkAnswer::BatchRefused(verbatim)
            } else {
                BulkAnswer::RecordsRefused(named)
            }
        }
        _ => BulkAnswer::ServerFailed(verbatim),
    }
}

/// FastAPI validation errors: `{"detail": [{"loc": ["body","records",3,...], "msg": ...}]}`.
fn fastapi_record_errors(body: &Value, count: usize) -> Vec<(usize, String)> {
    let Some(details) = body.get("detail").and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut out: Vec<(usize, String)> = Vec::new();
    for detail in details {
        let loc = detail.get("loc").and_then(Value::as_array).cloned().unwrap_or_default();
        let Some(pos) = loc.iter().position(|v| v == "records") else { continue };
        let Some(index) = loc.get(pos + 1).and_then(Value::as_u64).map(|i| i as usize).filter(|&i| i < count) else {
            continue;
        };
        let path: Vec<String> = loc[pos + 2..].iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect();
        let msg = detail.get("msg").and_then(Value::as_str).unwrap_or("invalid");
        let text = if path.is_empty() { msg.to_string() } else { format!("{}: {msg}", path.join(".")) };
        match out.iter_mut().find(|(i, _)| *i == index) {
            Some((_, existing)) => {
                existing.push_str("; ");
                existing.push_str(&text);
            }
            None => out.push((index, text)),
        }
    }
    out
}

/// `(record index, text)`: an id Engage gave a record, or its error.
type RecordNote = (usize, String);

/// Per-record results in a 2xx body, when it lists them: an array (or `records` /
/// `results` array) with one entry per record, each with an id or an error.
fn per_record_results(body: &Value, count: usize) -> (Vec<RecordNote>, Vec<RecordNote>) {
    let list = body.as_array().or_else(|| body.get("records").and_then(Value::as_array)).or_else(|| body.get("results").and_then(Value::as_array));
    let mut ids = Vec::new();
    let mut errors = Vec::new();
    if let Some(list) = list.filter(|l| l.len() == count) {
        for (i, item) in list.iter().enumerate() {
            let error = ["error", "errors", "detail"].iter().find_map(|k| item.get(k)).filter(|v| !v.is_null());
            if let Some(e) = error {
                errors.push((i, e.as_str().map_or_else(|| e.to_string(), str::to_string)));
            } else if let Some(id) = item
                .get("participant_id")
                .or_else(|| item.get("participant").and_then(|p| p.get("participant_id")))
                .or_else(|| item.get("id"))
                .and_then(Value::as_str)
            {
                ids.push((i, id.to_string()));
            }
        }
    }
    (ids, errors)
}

/// Engage as the send engine sees it: a token first, then bulk requests.
#[derive(Debug)]
pub struct EngageProtocol {
    settings: Settings,
    credentials: Credentials,
    records: Records,
    token: Option<Token>,
}

impl EngageProtocol {
    /// The protocol for `records`.
    pub fn new(settings: Settings, credentials: Credentials, records: Records) -> EngageProtocol {
        EngageProtocol { settings, credentials, records, token: None }
    }

    /// The records, by index.
    pub fn records(&self) -> &Records {
        &self.records
    }
}

/// A send engine for Engage over `prepared`, with the rows skipped for issues (and the
/// rows in `already_sent`, from an earlier session) reported and not sent.
pub fn engine(
    settings: Settings,
    credentials: Credentials,
    plan: SendPlan,
    policy: Policy,
    already_sent: &BTreeMap<usize, Outcome>,
    seed: u64,
) -> Engine<EngageProtocol> {
    let batch_size = settings.batch_size;
    plan.engine(|records, to_send| (EngageProtocol::new(settings, credentials, records), batches_of(to_send, batch_size)), policy, already_sent, seed)
}

impl Protocol for EngageProtocol {
    fn prerequisite(&mut self, now_ms: f64) -> Option<HttpRequest> {
        match &self.token {
            Some(token) if token.is_fresh(now_ms) => None,
            _ => Some(token_request(&self.settings, &self.credentials)),
        }
    }

    fn take_prerequisite(&mut self, response: &HttpResponse, now_ms: f64) -> Result<Prerequisite, String> {
        if response.status == 429 || response.status >= 500 {
            return Ok(Prerequisite::Retry { after_ms: response.retry_after_ms(now_ms), reason: format!("HTTP {}", response.status) });
        }
        let token = read_token(response, now_ms).map_err(|e| e.to_string())?;
        self.token = Some(token);
        Ok(Prerequisite::Ready)
    }

    fn invalidate(&mut self) {
        self.token = None;
    }

    fn batch_request(&mut self, records: &[usize]) -> HttpRequest {
        let token = self.token.clone().unwrap_or(Token { access_token: String::new(), expires_at_ms: 0.0 });
        let made = self.records.take(records);
        let chosen: Vec<&PreparedRecord> = made.iter().collect();
        bulk_request(&self.settings, &token, &chosen)
    }

    fn read_answer(&mut self, records: &[usize], response: &HttpResponse, now_ms: f64) -> Verdict {
        if response.status == 429 {
            return Verdict::Retry { after_ms: response.retry_after_ms(now_ms), reason: format!("HTTP 429: {}", response.body_excerpt()) };
        }
        // The whole organisation is out of reach: no later batch can do better, so the send
        // stops with one message instead of refusing every batch in turn.
        let org = self.settings.org_slug.trim();
        match response.status {
            403 => {
                return Verdict::Fatal(format!(
                    "Engage refused access to the organisation \"{org}\" (HTTP 403: {}). Importing needs at least the Manage Submissions and Manage Participants permissions, at the organisation level or for the project: ask the organisation's administrator or Longenesis Support (support@longenesis.com), then send again.",
                    response.body_excerpt()
                ))
            }
            404 => {
                return Verdict::Fatal(format!(
                    "Engage does not know the organisation \"{org}\" (HTTP 404: {}). Check the organisation slug (it typically matches your organisation's slug in Engage) and the API address, then send again.",
                    response.body_excerpt()
                ))
            }
            _ => {}
        }
        match read_bulk_answer(response, records.len()) {
            BulkAnswer::Accepted { ids, errors } => Verdict::Judged {
                outcomes: records
                    .iter()
                    .enumerate()
                    .map(|(i, &record)| {
                        let outcome = match errors.iter().find(|(e, _)| *e == i) {
                            Some((_, message)) => Outcome::Rejected { reason: message.clone() },
                            None => Outcome::Sent { id: ids.iter().find(|(e, _)| *e == i).map(|(_, id)| id.clone()) },
                        };
                        (record, outcome)
                    })
                    .collect(),
                resend: Vec::new(),
            },
            BulkAnswer::Unauthorized(message) => Verdict::Unauthorised(message),
            BulkAnswer::RecordsRefused(named) => {
                let mut outcomes = Vec::new();
                let mut resend = Vec::new();
                for (i, &record) in records.iter().enumerate() {
                    match named.iter().find(|(n, _)| *n == i) {
                        Some((_, message)) => outcomes.push((record, Outcome::Rejected { reason: message.clone() })),
                        None => resend.push(record),
                    }
                }
                Verdict::Judged { outcomes, resend }
            }
            BulkAnswer::BatchRefused(message) => Verdict::Judged {
                outcomes: records.iter().map(|&r| (r, Outcome::Rejected { reason: format!("Engage refused the batch: {message}") })).collect(),
                resend: Vec::new(),
            },
            BulkAnswer::ServerFailed(message) => Verdict::Retry { after_ms: response.retry_after_ms(now_ms), reason: message },
        }
    }

    fn row_of(&self, record: usize) -> (usize, String) {
        self.records.row_of(record)
    }

    fn row(&self, record: usize) -> usize {
        self.records.row(record)
    }

    fn vendor(&self) -> &str {
        "Engage"
    }
}

#[cfg(test)]
mod tests;

/// Engage behind the vendor contract.
#[derive(Debug, Clone, Copy)]
pub struct Engage;

/// Engage bulk requests in flight at once.
pub const CONCURRENCY: usize = 2;

/// The login form: the account and the Longenesis-issued client.
pub const LOGIN: &[super::LoginField] = &[
    super::LoginField { key: "username", id: "username", label: "Username", hint: "Your Engage login e-mail (not a Gmail account).", secret: false },
    super::LoginField { key: "password", id: "password", label: "Password", hint: "", secret: true },
    super::LoginField { key: "client_id", id: "client-id", label: "Client ID", hint: "Usually your organisation slug.", secret: false },
    super::LoginField { key: "client_secret", id: "client-secret", label: "Client secret", hint: "Issued by Longenesis.", secret: true },
];

impl Credentials {
    /// The account typed into the login form.
    pub fn from_login(login: &super::Login) -> Credentials {
        Credentials {
            username: login.get("username").to_string(),
            password: login.get("password").to_string(),
            client_id: login.get("client_id").to_string(),
            client_secret: login.get("client_secret").to_string(),
        }
    }
}

impl super::Adapter for Engage {
    type Settings = Settings;
    type Protocol = EngageProtocol;

    fn vendor(&self) -> &'static super::Vendor {
        &VENDOR
    }
    fn settings_problems(&self, settings: &Settings) -> Vec<super::Problem> {
        settings.problems().into_iter().map(|t| super::Problem::blocking("settings", t)).collect()
    }
    fn login_fields(&self) -> &'static [super::LoginField] {
        LOGIN
    }
    fn login_defaults(&self, settings: &Settings, login: &mut super::Login) {
        if login.get("client_id").is_empty() {
            login.set("client_id", settings.org_slug.trim());
        }
    }
    fn login_problems(&self, login: &super::Login) -> Vec<super::Problem> {
        let mut out: Vec<super::Problem> = LOGIN.iter().filter(|f| login.get(f.key).trim().is_empty()).map(super::contract::empty_field).collect();
        if login.get("username").trim().to_ascii_lowercase().ends_with("@gmail.com") {
            out.push(super::Problem::warning(
                "username",
                "Engage does not accept Gmail accounts for API use: use an account registered with a non-Gmail address.",
            ));
        }
        out
    }
    fn mapping_problems(&self, mapping: &Mapping, settings: &Settings) -> Vec<super::Problem> {
        mapping_problems(mapping, settings).into_iter().map(|t| super::Problem::blocking("mapping", t)).collect()
    }
    fn prepare_rows(&self, rows: &dyn Cells, headers: &[String], mapping: &Mapping, settings: &Settings) -> Prepared {
        prepare_rows(rows, headers, mapping, settings)
    }
    fn row_checker(&self, mapping: &Mapping, headers: &[String], settings: &Settings) -> Option<Box<dyn super::RowChecker>> {
        Some(Box::new(Counted::new(Checker::for_send(mapping, headers, settings))))
    }
    fn cross_row_columns(&self, mapping: &Mapping, _settings: &Settings) -> Option<Vec<usize>> {
        super::contract::key_columns(mapping, &["submission.partner_item_id"])
    }
    fn preview(&self, _settings: &Settings, prepared: &Prepared) -> String {
        let first: Vec<&PreparedRecord> = prepared.records.iter().take(2).collect();
        serde_json::to_string_pretty(&payload(&first)).unwrap_or_default()
    }
    fn policy(&self, _settings: &Settings) -> Policy {
        Policy { concurrency: CONCURRENCY, ..Policy::default() }
    }
    fn engine(
        &self,
        settings: Settings,
        login: &super::Login,
        plan: super::records::SendPlan,
        policy: Policy,
        already_sent: &BTreeMap<usize, Outcome>,
        seed: u64,
    ) -> Engine<EngageProtocol> {
        engine(settings, Credentials::from_login(login), plan, policy, already_sent, seed)
    }
    fn receipt_hosts(&self, settings: &Settings, rows_sent: usize) -> Vec<(String, String)> {
        vec![
            (crate::report::host_of(&settings.auth_base), "the Engage login (username, password, client ID and secret); no participant data".into()),
            (
                crate::report::host_of(&settings.api_base),
                format!("the mapped fields of {}, for organisation {}", crate::text::count(rows_sent, "row", "rows"), settings.org_slug.trim()),
            ),
        ]
    }
    fn journal_destination(&self, settings: &Settings) -> String {
        format!("{}|{}|{}|{:?}", settings.bulk_url(), settings.activity_slug.trim(), settings.realm.trim(), settings.mode)
    }
    fn name_fields(&self) -> Option<(&'static str, &'static str)> {
        Some(("participant.given_name", "participant.family_name"))
    }
}

/// Engage's check as a [`super::RowChecker`]: the valid rows are counted, not listed (a
/// million indices are 4 MB of the worker's memory that findings never read).
struct Counted {
    checker: Checker,
    ready: usize,
}

impl Counted {
    fn new(checker: Checker) -> Counted {
        Counted { checker, ready: 0 }
    }
}

impl super::RowChecker for Counted {
    fn reserve(&mut self, rows: usize) {
        self.checker.reserve_ids(rows);
    }
    fn check(&mut self, rows: &dyn Cells) {
        self.ready += self.checker.check(rows).len();
        self.checker.checked.valid.clear();
    }
    fn finish(self: Box<Self>) -> super::Findings {
        let checked = self.checker.finish();
        super::Findings { ready: self.ready, held: checked.skipped.len(), issues: checked.issues }
    }
}
