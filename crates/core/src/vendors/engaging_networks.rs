//! Engaging Networks: "Bulk Import API overview".
//!
//! A multipart POST to `https://{ca|us}.engagingnetworks.app/ea-dataservice/import.service`
//! with `token`, `name`, `formatName` and `upload` (a CSV file), optionally `segmentId` and
//! `segmentName`. Supporter imports use a saved format (its columns, in order, must be the
//! file's header exactly); transactional imports use `formatName=importTransactions`, one
//! campaign ID per file, dates `YYYY-MM-DD`, times `hh:mm:ss`. Files: CSV, UTF-8 without
//! BOM, at most 20 MB. The service answers plain text, usually HTTP 200 even on failure:
//! success names a job number, failure starts with `Error:` (vendor-docs/NOTES.md).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::records::{Records, SendPlan};
use super::{Prepared, PreparedRecord};
use crate::datetime::{parse_datetime, read_date, DateReading};
use crate::http::{Body, HttpRequest, HttpResponse, Method, Part};
use crate::issue::{Issue, Severity};
use crate::mapping::{Mapping, Source};
use crate::report::Outcome;
use crate::send::{Engine, Policy, Protocol, Verdict};
use crate::sheet::{Cells, Sheet};
use crate::text::{is_valid_email, normalise_name};

/// Engaging Networks in the list of targets. Its fields are the saved format's columns,
/// which the user gives in the settings.
pub const VENDOR: super::Vendor = super::Vendor {
    id: "engaging-networks",
    name: "Engaging Networks",
    summary: "Supporters or transactions, uploaded as a CSV file in your import format.",
    fields: &[],
    dynamic_prefix: None,
    dynamic_label: "Format columns",
    dynamic_name: "Format column",
};

/// The fixed formatName of transactional imports.
pub const TRANSACTIONS_FORMAT: &str = "importTransactions";
/// The largest file the service takes: "Files should not exceed 20MB", read as the
/// smaller of its two meanings (20,000,000 bytes, not 20 MiB), so no file Ferry makes is
/// one the service could refuse.
pub const MAX_FILE_BYTES: usize = 20_000_000;
/// Prefix of mapping keys: `column.<format column>`.
pub const COLUMN_PREFIX: &str = "column.";
/// Words every risky-character issue carries (so the page can count and fix them).
pub const RISKY_MARKER: &str = "reported to break Engaging Networks uploads";
/// Characters reported to break dashboard uploads, with what Ferry replaces them by.
pub const RISKY_CHARACTERS: [(char, &str); 4] = [('|', "/"), ('"', "'"), ('\\', "/"), ('!', ".")];

/// Supporter data or transactional data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ImportKind {
    /// A saved supporter format.
    #[default]
    Supporters,
    /// `importTransactions`.
    Transactions,
}

/// Where and how to upload. Holds nothing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// `ca`, `us`, or the base URL of another host (e.g. an older e-activist.com one).
    pub server: String,
    /// A reference name for the import.
    pub import_name: String,
    /// Supporters or transactions.
    pub kind: ImportKind,
    /// The saved format's name (supporter imports).
    pub format_name: String,
    /// The format's columns, in order: the uploaded file's header, exactly.
    pub columns: Vec<String>,
    /// Optional CRM segment id.
    pub segment_id: String,
    /// Optional CRM segment name.
    pub segment_name: String,
    /// Largest file per upload (the vendor's 20 MB unless lowered).
    pub max_file_bytes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            server: "us".into(),
            import_name: String::new(),
            kind: ImportKind::Supporters,
            format_name: String::new(),
            columns: Vec::new(),
            segment_id: String::new(),
            segment_name: String::new(),
            max_file_bytes: MAX_FILE_BYTES,
        }
    }
}

/// What a format column holds, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The supporter's e-mail address.
    Email,
    /// The supporter's ID.
    SupporterId,
    /// The numeric campaign ID (transactions).
    CampaignId,
    /// A date, written YYYY-MM-DD.
    Date,
    /// A time, written hh:mm:ss.
    Time,
    /// Anything else, sent as is.
    Plain,
}

/// The role of a format column named `name`.
pub fn role(name: &str) -> Role {
    let n = normalise_name(name);
    if n.contains("email") {
        Role::Email
    } else if n.contains("supporterid") {
        Role::SupporterId
    } else if n.contains("campaignid") || n == "campaign" {
        Role::CampaignId
    } else if n.contains("date") {
        Role::Date
    } else if n.contains("time") {
        Role::Time
    } else {
        Role::Plain
    }
}

/// Splits typed or pasted format columns (one per line, or separated by commas or tabs).
pub fn parse_columns(text: &str) -> Vec<String> {
    let separator = if text.contains('\n') {
        '\n'
    } else if text.contains('\t') {
        '\t'
    } else {
        ','
    };
    text.split(separator).map(|c| c.trim().trim_matches('"').trim().to_string()).filter(|c| !c.is_empty()).collect()
}

/// The columns of a sample file's header row (its first line): UTF-8 (a BOM is dropped),
/// separated by commas, semicolons, tabs or `|` (the most frequent of them), quotes
/// allowed. Reads the first line only, so the page needs no file reader for it.
pub fn columns_of_sample(bytes: &[u8]) -> Result<Vec<String>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = std::str::from_utf8(line)
        .map_err(|e| format!("The sample file's header is not UTF-8 text (at byte {}): save it as CSV in UTF-8, or type the columns.", e.valid_up_to() + 1))?;
    let line = line.trim_end_matches('\r');
    let delimiter = [b',', b';', b'\t', b'|'].into_iter().max_by_key(|d| line.bytes().filter(|b| b == d).count()).unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new().has_headers(false).delimiter(delimiter).from_reader(line.as_bytes());
    let columns: Vec<String> = match reader.records().next() {
        Some(Ok(record)) => record.iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect(),
        Some(Err(e)) => return Err(format!("The sample file's header cannot be read: {e}.")),
        None => Vec::new(),
    };
    if columns.is_empty() {
        return Err("The sample file has no header row: its first line is empty.".into());
    }
    Ok(columns)
}

impl Settings {
    /// The import.service URL of the chosen server.
    pub fn url(&self) -> String {
        let base = match self.server.trim() {
            "ca" => "https://ca.engagingnetworks.app".to_string(),
            "us" | "" => "https://us.engagingnetworks.app".to_string(),
            other => other.trim_end_matches('/').to_string(),
        };
        format!("{base}/ea-dataservice/import.service")
    }

    /// The formatName sent: the saved format, or `importTransactions`.
    pub fn format(&self) -> &str {
        match self.kind {
            ImportKind::Supporters => self.format_name.trim(),
            ImportKind::Transactions => TRANSACTIONS_FORMAT,
        }
    }

    /// What is missing or wrong, in words; empty when ready.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let server = self.server.trim();
        if !(matches!(server, "ca" | "us") || server.starts_with("https://") || server.starts_with("http://")) {
            out.push(format!("Server must be ca, us or a URL starting with https:// (it is \"{server}\")."));
        }
        if self.import_name.trim().is_empty() {
            out.push("Import name is empty: Engaging Networks needs a reference name for every import.".into());
        }
        if self.kind == ImportKind::Supporters && self.format_name.trim().is_empty() {
            out.push("Format name is empty: give the name of the saved import format in your Engaging Networks account.".into());
        }
        if self.columns.is_empty() {
            out.push("The format's columns are missing: type or paste them in order, or take them from a sample file's header.".into());
        }
        let roles: Vec<Role> = self.columns.iter().map(|c| role(c)).collect();
        match self.kind {
            ImportKind::Supporters if !self.columns.is_empty() && !roles.contains(&Role::Email) => {
                out.push("The format has no e-mail column: Engaging Networks always requires one (it may be blank on some rows).".into())
            }
            ImportKind::Transactions if !self.columns.is_empty() => {
                if !roles.contains(&Role::CampaignId) {
                    out.push("The transactional format has no campaign ID column.".into());
                }
                if !roles.contains(&Role::Email) && !roles.contains(&Role::SupporterId) {
                    out.push("The transactional format has neither an e-mail nor a supporter ID column: supporters are referenced by one of them.".into());
                }
            }
            _ => {}
        }
        out
    }
}

/// The dashboard user's private token. Lives in memory only.
pub type Credentials = super::TokenCredentials;

/// Suggests a source column for every format column: the same name (ignoring case and
/// punctuation), else, for e-mail, supporter ID, campaign ID, date and time columns, the
/// one header of the same role. Each source column is used once.
pub fn suggest(headers: &[String], settings: &Settings) -> Mapping {
    let mut mapping = Mapping::default();
    let mut used = vec![false; headers.len()];
    let normalised: Vec<String> = headers.iter().map(|h| normalise_name(h)).collect();
    let mut pending = Vec::new();
    for column in &settings.columns {
        let wanted = normalise_name(column);
        match (0..headers.len()).find(|&i| !used[i] && normalised[i] == wanted) {
            Some(i) => {
                used[i] = true;
                mapping.set(&format!("{COLUMN_PREFIX}{column}"), Some(Source::Column(i)));
            }
            None => pending.push(column),
        }
    }
    for column in pending {
        let r = role(column);
        if r == Role::Plain {
            continue;
        }
        let candidates: Vec<usize> = (0..headers.len()).filter(|&i| !used[i] && role(&headers[i]) == r).collect();
        if let [i] = candidates[..] {
            used[i] = true;
            mapping.set(&format!("{COLUMN_PREFIX}{column}"), Some(Source::Column(i)));
        }
    }
    mapping
}

/// What is wrong with the mapping as a whole, in words.
pub fn mapping_problems(mapping: &Mapping, settings: &Settings) -> Vec<String> {
    let key = |c: &str| format!("{COLUMN_PREFIX}{c}");
    let mut out = Vec::new();
    if settings.kind == ImportKind::Transactions {
        if let Some(c) = settings.columns.iter().find(|c| role(c) == Role::CampaignId) {
            if mapping.get(&key(c)).is_none() {
                out.push(format!("Map a column to \"{c}\": every transaction needs its campaign ID."));
            }
        }
        let refs: Vec<&String> = settings.columns.iter().filter(|c| matches!(role(c), Role::Email | Role::SupporterId)).collect();
        if !refs.is_empty() && refs.iter().all(|c| mapping.get(&key(c)).is_none()) {
            out.push("Map a column to the supporter's e-mail or supporter ID: transactions reference an existing supporter.".into());
        }
    }
    out
}

/// The cell with risky characters replaced.
pub fn replace_risky(text: &str) -> String {
    text.chars().map(|c| RISKY_CHARACTERS.iter().find(|(r, _)| *r == c).map_or_else(|| c.to_string(), |(_, w)| w.to_string())).collect()
}

/// Checks every row and writes each as the format's cells, converted where the format asks.
pub fn prepare(sheet: &Sheet, mapping: &Mapping, settings: &Settings) -> Prepared {
    super::contract::prepare_all(Rows::new(mapping, &sheet.headers, settings), sheet)
}

/// Engaging Networks' check, fed pieces of rows (each row stands alone).
pub struct Rows {
    headers: Vec<String>,
    settings: Settings,
    /// Each of the format's columns, resolved once: where its text comes from and its role.
    columns: Vec<FormatColumn>,
    count_only: bool,
}

/// One column of the saved format, as the check reads it on every row.
struct FormatColumn {
    /// Where its text comes from, when it is mapped.
    source: Option<Source>,
    role: Role,
    /// How its `d/m/y` dates are read, when its column has an order.
    date_order: DateReading,
}

impl Rows {
    /// A check of rows under `headers`, mapped by `mapping`, for a send with `settings`.
    pub fn new(mapping: &Mapping, headers: &[String], settings: &Settings) -> Rows {
        let columns = settings
            .columns
            .iter()
            .map(|column| {
                let source = mapping.get(&format!("{COLUMN_PREFIX}{column}")).cloned();
                let date_order = source.as_ref().map(|s| mapping.date_reading_of(s)).unwrap_or_default();
                FormatColumn { source, role: role(column), date_order }
            })
            .collect();
        Rows { headers: headers.to_vec(), settings: settings.clone(), columns, count_only: false }
    }
}

/// Whether `text` holds any of [`RISKY_CHARACTERS`] (one pass over its bytes).
fn has_risky(text: &str) -> bool {
    text.bytes().any(|b| matches!(b, b'|' | b'"' | b'\\' | b'!'))
}

impl super::contract::Preparer for Rows {
    fn count_only(&mut self) {
        self.count_only = true;
    }
    fn push(&mut self, sheet: &dyn Cells, prepared: &mut Prepared) {
        let (headers, settings) = (&self.headers, &self.settings);
        for index in 0..sheet.len() {
            let row = sheet.number(index);
            let mut issues = Vec::new();
            let mut cells = Vec::with_capacity(if self.count_only { 0 } else { settings.columns.len() });
            let mut email = None;
            let mut supporter_id = None;
            for (column, format) in settings.columns.iter().zip(&self.columns) {
                let source = match format.source {
                    Some(Source::Column(c)) => Some(c),
                    _ => None,
                };
                let issue = |severity, message: String| Issue {
                    row,
                    column: source,
                    column_name: source.and_then(|c| headers.get(c).cloned()),
                    field: column.clone(),
                    severity,
                    message,
                    kind: crate::issue::IssueKind::Invalid,
                };
                let text = match &format.source {
                    Some(Source::Column(c)) => sheet.cell(index, *c).trim(),
                    Some(Source::Constant(constant)) => constant.trim(),
                    None => "",
                };
                if let Some((c, with)) = has_risky(text).then(|| RISKY_CHARACTERS.iter().find(|(c, _)| text.contains(*c))).flatten() {
                    issues.push(Issue {
                        kind: crate::issue::IssueKind::RiskyCharacters,
                        ..issue(
                            Severity::Error,
                            format!("\"{text}\" contains {c:?}, which is {RISKY_MARKER}: replace it (\"Replace them\" turns it into \"{with}\")."),
                        )
                    });
                }
                let transactions = settings.kind == ImportKind::Transactions;
                let value = match format.role {
                    Role::Email if !text.is_empty() && !is_valid_email(text) => {
                        issues.push(issue(Severity::Error, format!("\"{text}\" is not a valid e-mail address: correct it or clear it.")));
                        Cow::Borrowed(text)
                    }
                    Role::Email => {
                        email = (!text.is_empty()).then(|| text.to_string());
                        Cow::Borrowed(text)
                    }
                    Role::SupporterId => {
                        supporter_id = (!text.is_empty()).then(|| text.to_string());
                        Cow::Borrowed(text)
                    }
                    Role::CampaignId if transactions && (text.is_empty() || !text.bytes().all(|c| c.is_ascii_digit())) => {
                        issues.push(issue(
                            Severity::Error,
                            format!("Campaign ID \"{text}\" is not a number: use the numeric ID of the campaign in Engaging Networks."),
                        ));
                        Cow::Borrowed(text)
                    }
                    Role::Date if transactions && !text.is_empty() => match read_date(text, format.date_order) {
                        Ok(d) => Cow::Owned(format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)),
                        Err(problem) => {
                            issues.push(issue(Severity::Error, problem.message(text, "write it as YYYY-MM-DD")));
                            Cow::Borrowed(text)
                        }
                    },
                    Role::Time if transactions && !text.is_empty() => match parse_datetime(&format!("2000-01-01 {text}")) {
                        Some(d) => Cow::Owned(format!("{:02}:{:02}:{:02}", d.hour, d.minute, d.second)),
                        None => {
                            issues.push(issue(Severity::Error, format!("\"{text}\" is not a time Ferry can read: write it as hh:mm:ss.")));
                            Cow::Borrowed(text)
                        }
                    },
                    _ => Cow::Borrowed(text),
                };
                if !self.count_only {
                    cells.push(Value::String(value.into_owned()));
                }
            }
            if settings.kind == ImportKind::Transactions && email.is_none() && supporter_id.is_none() {
                issues.push(Issue {
                    row,
                    column: None,
                    column_name: None,
                    field: "supporter".into(),
                    severity: Severity::Error,
                    message: "No supporter e-mail or supporter ID: a transaction must reference an existing supporter. Fill one in.".into(),
                    kind: crate::issue::IssueKind::Missing,
                });
            }
            let identifier = email.or(supporter_id).unwrap_or_default();
            let blocked = issues.iter().any(|i| i.severity == Severity::Error);
            prepared.issues.extend(issues);
            if blocked {
                prepared.skipped.push((row, identifier));
            } else {
                prepared.records.push(PreparedRecord { row, identifier, json: Value::Array(cells) });
            }
        }
    }
}

fn cells(record: &PreparedRecord) -> Vec<String> {
    record.json.as_array().map(|a| a.iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect()).unwrap_or_default()
}

/// The CSV file of `records`: the format's columns as header, UTF-8 without BOM.
pub fn csv_file(settings: &Settings, records: &[&PreparedRecord]) -> String {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let _ = w.write_record(&settings.columns);
    for r in records {
        let _ = w.write_record(cells(r));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// One file to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The campaign ID all its rows share (transactions).
    pub campaign: Option<String>,
    /// Indices into the prepared records.
    pub records: Vec<usize>,
    /// The import name sent with it (unique per upload).
    pub name: String,
}

/// Cuts the records into files: one campaign per file (transactions), each file under the
/// size limit with the header repeated and no row cut in half.
pub fn plan_uploads(all: &Records, settings: &Settings, records: &[usize]) -> Vec<Upload> {
    let campaign_index = settings.columns.iter().position(|c| role(c) == Role::CampaignId);
    let header_bytes = csv_file(settings, &[]).len();
    // Each record's campaign and size in the file, made a piece at a time (a million
    // records are never held at once).
    let mut groups: BTreeMap<Option<String>, Vec<(usize, usize)>> = BTreeMap::new();
    for piece in records.chunks(PLAN_PIECE) {
        for (&i, record) in piece.iter().zip(all.take(piece)) {
            let campaign = match (settings.kind, campaign_index) {
                (ImportKind::Transactions, Some(c)) => cells(&record).get(c).cloned(),
                _ => None,
            };
            let bytes = csv_file(settings, &[&record]).len() - header_bytes;
            groups.entry(campaign).or_default().push((i, bytes));
        }
    }
    let limit = settings.max_file_bytes.max(header_bytes + 1);
    let mut uploads = Vec::new();
    for (campaign, members) in groups {
        let mut current: Vec<usize> = Vec::new();
        let mut size = header_bytes;
        let mut parts = Vec::new();
        for (i, row_bytes) in members {
            if !current.is_empty() && size + row_bytes > limit {
                parts.push(std::mem::take(&mut current));
                size = header_bytes;
            }
            current.push(i);
            size += row_bytes;
        }
        if !current.is_empty() {
            parts.push(current);
        }
        let count = parts.len();
        for (k, records) in parts.into_iter().enumerate() {
            let mut name = settings.import_name.trim().to_string();
            if let Some(c) = &campaign {
                name.push_str(&format!(" - campaign {c}"));
            }
            if count > 1 {
                name.push_str(&format!(" - part {} of {count}", k + 1));
            }
            uploads.push(Upload { campaign: campaign.clone(), records, name });
        }
    }
    uploads
}

/// Records made at once while uploads are planned.
const PLAN_PIECE: usize = 10_000;

/// The import.service request for one upload.
pub fn upload_request(settings: &Settings, credentials: &Credentials, upload: &Upload, records: &[&PreparedRecord]) -> HttpRequest {
    let field = |name: &str, value: &str| Part { name: name.into(), filename: None, content_type: None, data: value.to_string() };
    let safe_name: String = upload.name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    let mut parts = vec![
        field("token", credentials.token.trim()),
        field("name", &upload.name),
        field("formatName", settings.format()),
        Part { name: "upload".into(), filename: Some(format!("{safe_name}.csv")), content_type: Some("text/csv".into()), data: csv_file(settings, records) },
    ];
    if !settings.segment_id.trim().is_empty() {
        parts.push(field("segmentId", settings.segment_id.trim()));
    }
    if !settings.segment_name.trim().is_empty() {
        parts.push(field("segmentName", settings.segment_name.trim()));
    }
    HttpRequest { method: Method::Post, url: settings.url(), headers: vec![], body: Body::Multipart(parts), opaque_ok: true }
}

/// What import.service said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Scheduled, with the job number.
    Job(String),
    /// A text starting with `Error:`, verbatim.
    Error(String),
    /// Direct mode: the service took the file but its reply cannot be read here.
    Unreadable,
    /// Something else, with the start of it.
    Unknown(String),
}

/// Reads import.service's plain-text answer — by its words, not its status code.
pub fn read_answer(response: &HttpResponse) -> Answer {
    if response.status == 0 {
        return Answer::Unreadable;
    }
    let text = response.body.trim();
    if text.starts_with("Error:") {
        return Answer::Error(text.to_string());
    }
    if let Some(rest) = text.split("job #").nth(1).or_else(|| text.split("job#").nth(1)) {
        // "Your job # is 131878." — the first number after "job #".
        let number: String = rest.chars().skip_while(|c| !c.is_ascii_digit()).take_while(char::is_ascii_digit).collect();
        if !number.is_empty() {
            return Answer::Job(number);
        }
    }
    Answer::Unknown(response.body_excerpt())
}

/// The document's troubleshooting advice for each of the three error texts it names.
pub fn hint_for(error: &str) -> Option<&'static str> {
    if error.starts_with("Error: reference name is a required parameter") {
        Some("The document's advice: give a valid saved import name (Format name); saved imports are created in the dashboard under Data & Reports > Import.")
    } else if error.starts_with("Error: The format you selected does not match the first line of your upload file") {
        Some("The document's advice: the file's header must be exactly the format's columns, in order (Ferry writes them so: check the format's columns in the settings). From Excel, save as \"Comma Separated Values (.csv)\", not \"CSV UTF-8\"; from a text editor, UTF-8 without BOM.")
    } else if error.starts_with("Error: Import format parameter not found or is invalid") {
        Some("The document's advice: check the format name; it is created in the dashboard's import process (Data & Reports > Import) when the fields are mapped.")
    } else {
        None
    }
}

/// Engaging Networks as the send engine sees it: one upload per batch.
#[derive(Debug)]
pub struct EngagingNetworksProtocol {
    settings: Settings,
    credentials: Credentials,
    records: Records,
    uploads: Vec<Upload>,
}

impl Protocol for EngagingNetworksProtocol {
    fn batch_request(&mut self, records: &[usize]) -> HttpRequest {
        let upload = self.uploads.iter().find(|u| u.records.first() == records.first()).cloned().unwrap_or(Upload {
            campaign: None,
            records: records.to_vec(),
            name: self.settings.import_name.trim().to_string(),
        });
        let made = self.records.take(records);
        let chosen: Vec<&PreparedRecord> = made.iter().collect();
        upload_request(&self.settings, &self.credentials, &upload, &chosen)
    }

    fn read_answer(&mut self, records: &[usize], response: &HttpResponse, now_ms: f64) -> Verdict {
        let all = |outcome: Outcome| Verdict::Judged { outcomes: records.iter().map(|&r| (r, outcome.clone())).collect(), resend: vec![] };
        match read_answer(response) {
            Answer::Job(number) => all(Outcome::Sent { id: Some(format!("job {number}")) }),
            Answer::Error(text) => {
                let reason = match hint_for(&text) {
                    Some(hint) => format!("{text} {hint}"),
                    None => text,
                };
                all(Outcome::Rejected { reason })
            }
            Answer::Unreadable => all(Outcome::Sent { id: Some("sent; reply not readable in direct mode: use the proxy to see the job number".into()) }),
            Answer::Unknown(text) if response.status == 429 || response.status >= 500 => {
                Verdict::Retry { after_ms: response.retry_after_ms(now_ms), reason: format!("HTTP {}: {text}", response.status) }
            }
            Answer::Unknown(text) => all(Outcome::NotSent {
                reason: format!(
                    "Engaging Networks gave an answer Ferry cannot read (HTTP {}): {text}. Check the jobs monitor before uploading again.",
                    response.status
                ),
            }),
        }
    }

    fn row_of(&self, record: usize) -> (usize, String) {
        self.records.row_of(record)
    }

    fn row(&self, record: usize) -> usize {
        self.records.row(record)
    }

    fn vendor(&self) -> &str {
        "Engaging Networks"
    }

    /// An upload that got no answer may have become a job already: never sent twice.
    fn retry_unanswered(&self) -> bool {
        false
    }
}

/// A send engine over `prepared`, one upload per planned file.
pub fn engine(
    settings: Settings,
    credentials: Credentials,
    plan: SendPlan,
    policy: Policy,
    already_sent: &BTreeMap<usize, Outcome>,
    seed: u64,
) -> Engine<EngagingNetworksProtocol> {
    plan.engine(
        |records, to_send| {
            let uploads = plan_uploads(&records, &settings, &to_send);
            let batches = uploads.iter().map(|u| u.records.clone()).collect();
            (EngagingNetworksProtocol { settings, credentials, records, uploads }, batches)
        },
        policy,
        already_sent,
        seed,
    )
}

#[cfg(test)]
mod tests;

/// Engaging Networks behind the vendor contract.
#[derive(Debug, Clone, Copy)]
pub struct EngagingNetworks;

/// Engaging Networks uploads in flight at once.
pub const CONCURRENCY: usize = 1;

/// The login form: the private token.
pub const LOGIN: &[super::LoginField] = &[super::LoginField {
    key: "token",
    id: "en-token",
    label: "Private token",
    hint: "From Hello <your name> > Account settings > Tokens in your dashboard.",
    secret: true,
}];

impl super::Adapter for EngagingNetworks {
    type Settings = Settings;
    type Protocol = EngagingNetworksProtocol;

    fn vendor(&self) -> &'static super::Vendor {
        &VENDOR
    }
    fn settings_problems(&self, settings: &Settings) -> Vec<super::Problem> {
        settings.problems().into_iter().map(|t| super::Problem::blocking("settings", t)).collect()
    }
    fn login_fields(&self) -> &'static [super::LoginField] {
        LOGIN
    }
    fn suggest(&self, headers: &[String], settings: &Settings) -> Mapping {
        suggest(headers, settings)
    }
    fn mapping_problems(&self, mapping: &Mapping, settings: &Settings) -> Vec<super::Problem> {
        mapping_problems(mapping, settings).into_iter().map(|t| super::Problem::blocking("mapping", t)).collect()
    }
    fn prepare_rows(&self, rows: &dyn Cells, headers: &[String], mapping: &Mapping, settings: &Settings) -> Prepared {
        super::contract::prepare_all(Rows::new(mapping, headers, settings), rows)
    }
    fn row_checker(&self, mapping: &Mapping, headers: &[String], settings: &Settings) -> Option<Box<dyn super::RowChecker>> {
        Some(Box::new(super::contract::Counting::new(Rows::new(mapping, headers, settings))))
    }
    fn date_columns(&self, mapping: &Mapping, settings: &Settings) -> Vec<(String, usize)> {
        // Dates are read (and rewritten as YYYY-MM-DD) in transaction imports only.
        if settings.kind != ImportKind::Transactions {
            return Vec::new();
        }
        settings
            .columns
            .iter()
            .filter(|c| role(c) == Role::Date)
            .filter_map(|c| mapping.column(&format!("{COLUMN_PREFIX}{c}")).map(|source| (c.clone(), source)))
            .collect()
    }
    fn cross_row_columns(&self, _mapping: &Mapping, _settings: &Settings) -> Option<Vec<usize>> {
        // Each row is checked on its own (campaigns split the files, not the checks).
        Some(vec![])
    }
    fn preview(&self, settings: &Settings, prepared: &Prepared) -> String {
        let lines: Vec<&PreparedRecord> = prepared.records.iter().take(5).collect();
        csv_file(settings, &lines)
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
    ) -> Engine<EngagingNetworksProtocol> {
        engine(settings, Credentials::from_login(login), plan, policy, already_sent, seed)
    }
    fn receipt_hosts(&self, settings: &Settings, rows_sent: usize) -> Vec<(String, String)> {
        vec![(
            crate::report::host_of(&settings.url()),
            format!("the private token and CSV files of {} in format \"{}\"", crate::text::count(rows_sent, "row", "rows"), settings.format()),
        )]
    }
    fn journal_destination(&self, settings: &Settings) -> String {
        format!("{}|{}|{}|{}", settings.url(), settings.format(), settings.columns.join("\u{1f}"), settings.segment_id.trim())
    }
}
