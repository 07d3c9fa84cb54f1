//! Lumi Say: "Respondent APIs".
//!
//! Three form-encoded POSTs to `https://<instance>/reactor-webapp/pt/<project>/pn/lumicompass/api/…`,
//! each with `user_name`, `password` and `respondents_json` (a JSON *string*):
//! `add_respondent` (optional `callback_url`), `copy_respondents_to_list` and
//! `remove_respondents_from_list`. Answers are `{"status":"ok"|"error","message":…}`;
//! HTTP 400 "Action not supported" (not a POST) and 403 "Not supported" (not HTTPS).
//! The import runs asynchronously: "ok" means *started*; the final
//! `{"status","message","id"}` is POSTed to `callback_url`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::records::{batches_of, Records, SendPlan};
use super::{Prepared, PreparedRecord};
use crate::http::{Body, HttpRequest, HttpResponse, Method};
use crate::issue::{Issue, Severity};
use crate::mapping::{FieldKind, FieldSpec, Mapping};
use crate::repeats::Repeats;
use crate::report::Outcome;
use crate::send::{Engine, Policy, Protocol, Verdict};
use crate::sheet::{Cells, Sheet};
use crate::text::is_valid_email;

/// Lumi Say in the list of targets.
pub const VENDOR: super::Vendor = super::Vendor {
    id: "lumi-say",
    name: "Lumi Say",
    summary: "Respondents added to a list, with their sample fields.",
    fields: FIELDS,
    dynamic_prefix: Some(SAMPLE_PREFIX),
    dynamic_label: "Sample fields",
    dynamic_name: "Sample field alias",
};

/// Prefix of sample fields: `sample.<alias>`.
pub const SAMPLE_PREFIX: &str = "sample.";

/// The respondent's fields, in the document's order.
pub const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "username",
        label: "Username",
        help: "The respondent's username in the app; unique across the instance.",
        kind: FieldKind::Text,
        synonyms: &["user name", "respondent id", "respondent", "login", "participant id", "id"],
    },
    FieldSpec {
        key: "phonenumber",
        label: "Phone number",
        help: "Mobile number with international code, only 0-9 and +.",
        kind: FieldKind::Phone,
        synonyms: &["phone", "phone number", "mobile", "telephone", "tel"],
    },
    FieldSpec {
        key: "email",
        label: "Email",
        help: "Either email or phone number is required.",
        kind: FieldKind::Email,
        synonyms: &["e-mail", "email address", "e-mail address", "mail"],
    },
];

/// The vendor's own words, used for checks before sending so coordinators recognise them.
pub mod messages {
    /// A respondent username is missing.
    pub const USERNAME_MISSING: &str = "Import failed, Username must be specified.";
    /// The username has a character outside `A-Z a-z 0-9 ._-@`.
    pub const USERNAME_CHARACTERS: &str = "Import failed, Respondent ID must use only characters 'A-Z a-z 0-9 ._-@'";
    /// The phone number has a character other than 0-9 and +.
    pub const PHONE_INVALID: &str = "Import failed, Phone number not valid. (Use only 0-9 and +).";
    /// Neither phone nor e-mail.
    pub const CONTACT_MISSING: &str = "Import failed, Either phone number or e-mail must be specified!";
    /// The e-mail is not valid.
    pub const EMAIL_INVALID: &str = "Import failed, Invalid e-mail!";
    /// Wrong dashboard user name or password.
    pub const AUTHENTICATION_FAILURE: &str = "Authentication failure.";
}

/// Where and how to send. Holds nothing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The instance's base URL, e.g. `https://acme.lumisay.com` (the platform is white-labelled).
    pub base_url: String,
    /// The project name in the URL.
    pub project: String,
    /// Only when the user has access to more than one company.
    pub company_id: String,
    /// The list (group) respondents are added to.
    pub group_id: String,
    /// Let respondents set a password (true) or leave it blank.
    pub no_password: bool,
    /// Overwrite conflicting respondents with the new values.
    pub overwrite: bool,
    /// Respondents per call.
    pub batch_size: usize,
    /// The list's preview-group maximum, when it is a preview group.
    pub preview_max: Option<usize>,
    /// Where Lumi Say POSTs the final result (empty: no callback).
    pub callback_url: String,
    /// How the final result comes back (no callback, your own URL, or the proxy's relay).
    pub result_route: ResultRoute,
}

/// How Lumi Say's asynchronous import result comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ResultRoute {
    /// No callback: the result is checked in Lumi Say.
    #[default]
    None,
    /// Posted to the user's own `callback_url`.
    OwnUrl,
    /// Posted to a slot of the Ferry proxy's relay, which the page reads.
    Relay,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            base_url: String::new(),
            project: String::new(),
            company_id: String::new(),
            group_id: String::new(),
            no_password: false,
            overwrite: false,
            batch_size: 500,
            preview_max: None,
            callback_url: String::new(),
            result_route: ResultRoute::None,
        }
    }
}

/// The three respondent APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `add_respondent`.
    Add,
    /// `copy_respondents_to_list`.
    CopyToList,
    /// `remove_respondents_from_list`.
    RemoveFromList,
}

impl Action {
    fn path(self) -> &'static str {
        match self {
            Action::Add => "add_respondent",
            Action::CopyToList => "copy_respondents_to_list",
            Action::RemoveFromList => "remove_respondents_from_list",
        }
    }
}

impl Settings {
    /// The URL of an action.
    pub fn url(&self, action: Action) -> String {
        format!("{}/reactor-webapp/pt/{}/pn/lumicompass/api/{}", self.base_url.trim().trim_end_matches('/'), self.project.trim(), action.path())
    }

    /// What is missing or wrong, in words; empty when ready.
    pub fn problems(&self) -> Vec<String> {
        let mut out = self.instance_problems();
        if self.group_id.trim().is_empty() {
            out.push("List ID is empty: respondents are added to a list (group_id).".into());
        }
        if self.batch_size == 0 {
            out.push("Respondents per call must be at least 1.".into());
        }
        out
    }

    /// What is wrong with the instance's address (every call needs it right).
    pub fn instance_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let base = self.base_url.trim();
        // "must be done over HTTPS": over http:// the dashboard password would go out in
        // clear (and Lumi Say answers 403 "Not supported - Not using HTTPS"). Only a test
        // server on this computer is reached without it.
        if !(base.starts_with("https://") || crate::http::is_loopback_http(base)) {
            out.push(format!(
                "Instance URL must start with https:// (it is \"{base}\"): Lumi Say accepts calls only over HTTPS, and over http:// your dashboard password would travel unencrypted."
            ));
        }
        if self.project.trim().is_empty() {
            out.push("Project name is empty: it is the <project_name> part of your Lumi Say address.".into());
        }
        out
    }
}

/// The dashboard login. Lives in memory only.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Credentials {
    /// Dashboard user name.
    pub user_name: String,
    /// Dashboard password.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("user_name", &self.user_name).finish_non_exhaustive()
    }
}

impl Credentials {
    /// What is missing, in words.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.user_name.trim().is_empty() {
            out.push("Dashboard user name is empty.".into());
        }
        if self.password.is_empty() {
            out.push("Dashboard password is empty.".into());
        }
        out
    }
}

/// What is wrong with the mapping as a whole, in words.
pub fn mapping_problems(mapping: &Mapping) -> Vec<String> {
    let mut out = Vec::new();
    if mapping.get("username").is_none() {
        out.push("Map a column to Username: Lumi Say needs one for every respondent.".into());
    }
    if mapping.get("phonenumber").is_none() && mapping.get("email").is_none() {
        out.push("Map a column to Phone number or Email: Lumi Say needs one of them for every respondent.".into());
    }
    for key in mapping.keys_with_prefix(SAMPLE_PREFIX) {
        if key[SAMPLE_PREFIX.len()..].trim().is_empty() {
            out.push("A sample field has no alias: give it the alias used in Lumi Say.".into());
        }
    }
    out
}

/// Whether `s` uses only `A-Z a-z 0-9 . _ - @`.
fn username_ok(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

/// Checks every row with the vendor's rules and builds the respondents it would accept.
pub fn prepare(sheet: &Sheet, mapping: &Mapping, settings: &Settings) -> Prepared {
    super::contract::prepare_all(Respondents::new(mapping, &sheet.headers, settings), sheet)
}

/// Lumi Say's check, fed pieces of rows: remembers the usernames seen (a repeat is a
/// warning) and how many respondents a preview group has taken.
pub struct Respondents {
    mapping: Mapping,
    headers: Vec<String>,
    preview_max: Option<usize>,
    usernames: Repeats,
    accepted: usize,
    count_only: bool,
}

impl Respondents {
    /// A check of rows under `headers`, mapped by `mapping`, for a send with `settings`.
    pub fn new(mapping: &Mapping, headers: &[String], settings: &Settings) -> Respondents {
        Respondents {
            mapping: mapping.clone(),
            headers: headers.to_vec(),
            preview_max: settings.preview_max,
            usernames: Repeats::default(),
            accepted: 0,
            count_only: false,
        }
    }
}

impl super::contract::Preparer for Respondents {
    fn reserve(&mut self, rows: usize) {
        if self.mapping.get("username").is_some() {
            self.usernames.reserve(rows);
        }
    }
    fn count_only(&mut self) {
        self.count_only = true;
    }
    fn finish(&mut self, out: &mut Prepared) {
        let (mapping, headers) = (&self.mapping, &self.headers);
        std::mem::take(&mut self.usernames).merge_into(&mut out.issues, |repeat| {
            let (u, first) = (&repeat.text, repeat.first);
            let message = format!("Username \"{u}\" is also on row {first}: usernames are unique across the instance, so this row updates (with overwrite) or collides with that respondent.");
            Issue::in_field(repeat.row, mapping, headers, "username", Severity::Warning, message)
        });
    }
    fn push(&mut self, rows: &dyn Cells, prepared: &mut Prepared) {
        let (mapping, headers) = (&self.mapping, &self.headers);
        for index in 0..rows.len() {
            let row = rows.number(index);
            let issue = |key: &str, severity: Severity, message: String| Issue::in_field(row, mapping, headers, key, severity, message);
            let value = |key: &str| mapping.value(rows, index, key);
            let mut issues = Vec::new();
            let username = value("username");
            match username {
                None => issues.push(issue("username", Severity::Error, format!("{} Fill in a username.", messages::USERNAME_MISSING))),
                Some(u) if !username_ok(u) => {
                    let suggestion: String = u.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')).collect();
                    issues.push(issue(
                        "username",
                        Severity::Error,
                        format!("{} \"{u}\" has other characters: use e.g. \"{suggestion}\".", messages::USERNAME_CHARACTERS),
                    ));
                }
                // A repeat's warning goes here, among the row's issues.
                Some(u) => self.usernames.note(u, row, prepared.issues.len() + issues.len()),
            }
            let phone = value("phonenumber");
            if let Some(p) = phone {
                if !p.bytes().all(|b| b.is_ascii_digit() || b == b'+') {
                    let cleaned: String = p.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
                    issues.push(issue("phonenumber", Severity::Error, format!("{} \"{p}\": write it as \"{cleaned}\".", messages::PHONE_INVALID)));
                } else if let Some(problem) = crate::phone::problem(p, self.mapping.phone_region()) {
                    issues.push(issue("phonenumber", Severity::Error, problem));
                }
            }
            let email = value("email");
            if let Some(e) = email {
                if !is_valid_email(e) {
                    issues.push(issue(
                        "email",
                        Severity::Error,
                        format!("{} \"{e}\" is not an e-mail address: correct it or clear it.", messages::EMAIL_INVALID),
                    ));
                }
            }
            if phone.is_none() && email.is_none() {
                issues.push(Issue {
                    row,
                    column: None,
                    column_name: None,
                    field: "respondent".into(),
                    severity: Severity::Error,
                    message: format!("{} Fill in one of them.", messages::CONTACT_MISSING),
                    kind: crate::issue::IssueKind::Missing,
                });
            }
            let identifier = username.unwrap_or("").to_string();
            if issues.iter().any(|i| i.severity == Severity::Error) {
                prepared.issues.extend(issues);
                prepared.skipped.push((row, identifier));
                continue;
            }
            prepared.issues.extend(issues);
            if let Some(max) = self.preview_max.filter(|max| self.accepted >= *max) {
                prepared.issues.push(Issue {
                    row,
                    column: None,
                    column_name: None,
                    field: "group_id".into(),
                    severity: Severity::Error,
                    message: format!("Import failed, Too many respondents. A preview group can only contain a maximum of {max} respondents. This row is beyond the first {max}: send it to another list."),
                    kind: crate::issue::IssueKind::Invalid,
                });
                prepared.skipped.push((row, String::new()));
                continue;
            }
            self.accepted += 1;
            if self.count_only {
                prepared.records.push(PreparedRecord::counted(row));
                continue;
            }
            let sample_fields: Vec<Value> = mapping
                .keys_with_prefix(SAMPLE_PREFIX)
                .filter_map(|key| value(key).map(|v| json!({ "alias": key[SAMPLE_PREFIX.len()..].trim(), "value": v })))
                .collect();
            let mut respondent = json!({ "username": identifier });
            if let Some(p) = phone {
                respondent["phonenumber"] = json!(p);
            }
            if let Some(e) = email {
                respondent["email"] = json!(e);
            }
            respondent["sample_fields"] = Value::Array(sample_fields);
            prepared.records.push(PreparedRecord { row, identifier, json: respondent });
        }
    }
}

/// The `respondents_json` document of an add_respondent call.
pub fn respondents_json(settings: &Settings, records: &[&PreparedRecord]) -> Value {
    let mut doc = json!({
        "no_password": settings.no_password,
        "group_id": settings.group_id.trim(),
        "overwrite": settings.overwrite,
        "respondents": records.iter().map(|r| r.json.clone()).collect::<Vec<_>>(),
    });
    if !settings.company_id.trim().is_empty() {
        doc["company_id"] = json!(settings.company_id.trim());
    }
    doc
}

fn form(credentials: &Credentials, document: &Value) -> Vec<(String, String)> {
    vec![
        ("user_name".into(), credentials.user_name.trim().to_string()),
        ("password".into(), credentials.password.clone()),
        ("respondents_json".into(), document.to_string()),
    ]
}

/// The add_respondent request for `records`.
pub fn add_request(settings: &Settings, credentials: &Credentials, records: &[&PreparedRecord]) -> HttpRequest {
    let mut fields = form(credentials, &respondents_json(settings, records));
    if !settings.callback_url.trim().is_empty() {
        fields.push(("callback_url".into(), settings.callback_url.trim().to_string()));
    }
    HttpRequest {
        method: Method::Post,
        url: settings.url(Action::Add),
        headers: vec![("Accept".into(), "application/json".into())],
        body: Body::Form(fields),
        opaque_ok: false,
    }
}

/// A copy_respondents_to_list or remove_respondents_from_list request.
pub fn list_request(settings: &Settings, credentials: &Credentials, action: Action, group_id: &str, usernames: &[String]) -> HttpRequest {
    let mut doc = json!({
        "group_id": group_id.trim(),
        "respondents": usernames.iter().map(|u| json!({ "username": u })).collect::<Vec<_>>(),
    });
    if !settings.company_id.trim().is_empty() {
        doc["company_id"] = json!(settings.company_id.trim());
    }
    HttpRequest {
        method: Method::Post,
        url: settings.url(action),
        headers: vec![("Accept".into(), "application/json".into())],
        body: Body::Form(form(credentials, &doc)),
        opaque_ok: false,
    }
}

/// A Lumi Say answer, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// `status: ok`, with the message and the id when given.
    Ok {
        /// The vendor's message.
        message: String,
        /// The `id` parameter, if any.
        id: Option<String>,
    },
    /// `status: error`, with the vendor's message.
    Error(String),
    /// HTTP 400 / 403 or a body that is not the documented JSON.
    Http {
        /// Status code.
        status: u16,
        /// What it means, in words.
        message: String,
    },
}

/// Reads any of the three APIs' answers.
pub fn read_answer(response: &HttpResponse) -> Answer {
    #[derive(Deserialize)]
    struct Body {
        status: String,
        #[serde(default)]
        message: String,
        #[serde(default)]
        id: Option<Value>,
    }
    match response.status {
        400 => return Answer::Http { status: 400, message: "Lumi Say answered \"Action not supported\" (HTTP 400): the request was not a POST.".into() },
        403 => {
            return Answer::Http {
                status: 403,
                message: "Lumi Say answered \"Not supported\" (HTTP 403): it only answers over HTTPS. Check that the instance URL starts with https://.".into(),
            }
        }
        _ => {}
    }
    match serde_json::from_str::<Body>(&response.body) {
        Ok(b) if b.status.eq_ignore_ascii_case("ok") => {
            Answer::Ok { message: b.message, id: b.id.filter(|v| !v.is_null()).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)) }
        }
        Ok(b) if b.status.eq_ignore_ascii_case("error") => Answer::Error(b.message),
        _ => Answer::Http {
            status: response.status,
            message: format!("Lumi Say gave an answer Ferry cannot read (HTTP {}): {}", response.status, response.body_excerpt()),
        },
    }
}

/// A list call's error with what to do about it, where the document says why.
pub fn explain(message: &str) -> String {
    if message.starts_with("The following respondents could not be deleted") {
        format!("{message} Respondents have to belong to one list at least: copy them to another list first.")
    } else if let Some(alias) = message.strip_prefix("Field cannot be empty.; sample field ") {
        format!("{message} Your Lumi Say requires the sample field \"{}\" for every respondent: tick the column that holds it under sample fields, named {0}, and fill it on every row.", alias.trim())
    } else if let Some(alias) = message.strip_prefix("Field contains invalid data.; sample field ") {
        format!("{message} The sample field \"{}\" takes another kind of value (usually a whole number): correct that column.", alias.trim())
    } else {
        message.to_string()
    }
}

/// What to say when Lumi Say answers "Authentication failure.": the login, or the
/// company (a user of several companies must name one, and only one they can reach).
pub fn authentication_failed(message: &str, settings: &Settings) -> String {
    let company = match settings.company_id.trim() {
        "" => "If your user has access to more than one company, give the Company ID too.".to_string(),
        id => format!("Check too that your user has access to company {id}, or clear the Company ID if it has only one company."),
    };
    format!("Lumi Say rejected the dashboard user name or password (\"{}\"). Check them and try again. {company}", message.trim())
}

/// The document's reason beside a stopped import's message, and what it means for the
/// rows sent: which may have arrived.
pub fn stopped_hint(message: &str) -> Option<&'static str> {
    let m = message.trim();
    if m.starts_with("Import was canceled by the server") {
        Some("Lumi Say cancelled the import (normally because its server plugins were reloaded): some respondents may not have arrived. Check the list in Lumi Say and send again.")
    } else if m.starts_with("Could not overwrite respondent") {
        Some("Lumi Say could not overwrite that respondent (a username is unique across the instance: it may belong to another company), and the import stopped there: the respondents after it did not arrive.")
    } else if m.starts_with("Could not import respondent") {
        Some("The import stopped at that respondent because of an error in Lumi Say: the respondents after it did not arrive.")
    } else if m.starts_with("Could not flush database write queue") {
        Some("Lumi Say cannot say whether every respondent was imported: check the list in Lumi Say before sending again.")
    } else {
        None
    }
}

/// Usernames a message names: `Respondent(s) does not exist! (r1, r2)` or
/// `could not be deleted from the list: [r1,r2]`.
pub fn named_respondents(message: &str) -> Vec<String> {
    let inner = message
        .rfind('[')
        .and_then(|start| message[start + 1..].find(']').map(|end| &message[start + 1..start + 1 + end]))
        .or_else(|| message.rfind('(').and_then(|start| message[start + 1..].find(')').map(|end| &message[start + 1..start + 1 + end])));
    inner
        .map(|s| s.split(',').map(|u| u.trim().trim_matches(['"', '\'']).to_string()).filter(|u| !u.is_empty() && u != "…" && u != "...").collect())
        .unwrap_or_default()
}

/// The usernames in `column` of `sheet`, each once, in the order they first appear
/// (blank cells left out): what a list call is given from a file's column.
pub fn usernames_in_column(sheet: &Sheet, column: usize) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    (0..sheet.len()).map(|r| sheet.cell(r, column).trim()).filter(|v| !v.is_empty() && seen.insert(*v)).map(str::to_string).collect()
}

/// What stops a list call (copy to / remove from a list), in words: the instance's
/// address and the login.
pub fn list_problems(settings: &Settings, credentials: &Credentials) -> Vec<String> {
    let mut out = settings.instance_problems();
    out.extend(credentials.problems());
    out
}

/// The usernames in pasted text: one per line, or separated by commas, semicolons or
/// tabs (a column copied from a spreadsheet), each once, in the order given. A first
/// line that says `username` (a copied header) is left out.
pub fn usernames_in_text(text: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    text.split(['\n', '\r', ',', ';', '\t'])
        .map(|v| v.trim().trim_matches('"').trim())
        .enumerate()
        .filter(|(i, v)| !(*i == 0 && v.eq_ignore_ascii_case("username")))
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty() && seen.insert(*v))
        .map(str::to_string)
        .collect()
}

/// The final result POSTed to `callback_url`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Callback {
    /// `OK` / `error`.
    #[serde(alias = "Status")]
    pub status: String,
    /// The result message.
    #[serde(default, alias = "Message")]
    pub message: String,
    /// Timestamp of completion.
    #[serde(default)]
    pub id: Value,
}

impl Callback {
    /// Reads a callback body.
    pub fn parse(body: &str) -> Option<Callback> {
        serde_json::from_str(body).ok()
    }

    /// `(X, Y)` from "X of Y respondents imported", when the import finished.
    pub fn imported(&self) -> Option<(usize, usize)> {
        let (before, after) = self.message.split_once(" of ")?;
        let x = before.rsplit(|c: char| !c.is_ascii_digit()).next()?.parse().ok()?;
        let y = after.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()?;
        Some((x, y))
    }

    /// The result for people: "X of Y respondents imported" or the vendor's error.
    pub fn summary(&self) -> String {
        match (self.status.eq_ignore_ascii_case("ok"), self.imported()) {
            (true, Some((x, y))) => format!("{x} of {y} respondents imported."),
            (true, None) => format!("Import finished: {}", self.message),
            (false, _) => match stopped_hint(&self.message) {
                Some(hint) => format!("The import stopped: {} {hint}", self.message.trim()),
                None => format!("The import stopped: {}", self.message.trim()),
            },
        }
    }
}

/// Lumi Say as the send engine sees it: one add_respondent call per batch.
#[derive(Debug)]
pub struct LumiSayProtocol {
    settings: Settings,
    credentials: Credentials,
    records: Records,
}

impl Protocol for LumiSayProtocol {
    fn batch_request(&mut self, records: &[usize]) -> HttpRequest {
        let made = self.records.take(records);
        let chosen: Vec<&PreparedRecord> = made.iter().collect();
        add_request(&self.settings, &self.credentials, &chosen)
    }

    fn read_answer(&mut self, records: &[usize], response: &HttpResponse, now_ms: f64) -> Verdict {
        if response.status == 429 || response.status >= 500 {
            return Verdict::Retry { after_ms: response.retry_after_ms(now_ms), reason: format!("HTTP {}", response.status) };
        }
        let all = |outcome: Outcome| Verdict::Judged { outcomes: records.iter().map(|&r| (r, outcome.clone())).collect(), resend: vec![] };
        match read_answer(response) {
            Answer::Ok { id, .. } => all(Outcome::Sent { id }),
            Answer::Error(message) if message.trim() == messages::AUTHENTICATION_FAILURE => Verdict::Fatal(authentication_failed(&message, &self.settings)),
            Answer::Error(message) if message.starts_with("Could not start bulk import") || message.starts_with("Could not fetch sample fields") => {
                Verdict::Retry { after_ms: None, reason: message }
            }
            Answer::Error(message) => all(Outcome::Rejected { reason: explain(&message) }),
            Answer::Http { message, .. } => Verdict::Fatal(message),
        }
    }

    fn row_of(&self, record: usize) -> (usize, String) {
        self.records.row_of(record)
    }

    fn row(&self, record: usize) -> usize {
        self.records.row(record)
    }

    fn vendor(&self) -> &str {
        "Lumi Say"
    }
}

/// A send engine for Lumi Say over `prepared`; rows skipped for issues and rows in
/// `already_sent` are reported and not sent.
pub fn engine(
    settings: Settings,
    credentials: Credentials,
    plan: SendPlan,
    policy: Policy,
    already_sent: &BTreeMap<usize, Outcome>,
    seed: u64,
) -> Engine<LumiSayProtocol> {
    let batch_size = settings.batch_size;
    plan.engine(|records, to_send| (LumiSayProtocol { settings, credentials, records }, batches_of(to_send, batch_size)), policy, already_sent, seed)
}

#[cfg(test)]
mod tests;

/// Lumi Say behind the vendor contract.
#[derive(Debug, Clone, Copy)]
pub struct LumiSay;

/// Lumi Say imports in flight at once.
pub const CONCURRENCY: usize = 1;

/// The login form: the dashboard account.
pub const LOGIN: &[super::LoginField] = &[
    super::LoginField { key: "user_name", id: "username", label: "Dashboard user name", hint: "", secret: false },
    super::LoginField { key: "password", id: "password", label: "Dashboard password", hint: "", secret: true },
];

impl Credentials {
    /// The account typed into the login form.
    pub fn from_login(login: &super::Login) -> Credentials {
        Credentials { user_name: login.get("user_name").to_string(), password: login.get("password").to_string() }
    }
}

impl Callback {
    /// Lumi Say says the import went well.
    pub fn is_ok(&self) -> bool {
        self.status.eq_ignore_ascii_case("ok")
    }
}

impl super::Adapter for LumiSay {
    type Settings = Settings;
    type Protocol = LumiSayProtocol;

    fn vendor(&self) -> &'static super::Vendor {
        &VENDOR
    }
    fn settings_problems(&self, settings: &Settings) -> Vec<super::Problem> {
        let mut out: Vec<super::Problem> = settings.problems().into_iter().map(|t| super::Problem::blocking("settings", t)).collect();
        if settings.result_route == ResultRoute::OwnUrl && settings.callback_url.trim().is_empty() {
            out.push(super::Problem::blocking(
                "callback_url",
                "Callback URL is empty: give the URL Lumi Say should post the result to, or choose another way to get it.",
            ));
        }
        out
    }
    fn login_fields(&self) -> &'static [super::LoginField] {
        LOGIN
    }
    fn login_problems(&self, login: &super::Login) -> Vec<super::Problem> {
        Credentials::from_login(login)
            .problems()
            .into_iter()
            .map(|t| super::Problem::blocking(if t.starts_with("Dashboard user name") { "user_name" } else { "password" }, t))
            .collect()
    }
    fn mapping_problems(&self, mapping: &Mapping, _settings: &Settings) -> Vec<super::Problem> {
        mapping_problems(mapping).into_iter().map(|t| super::Problem::blocking("mapping", t)).collect()
    }
    fn prepare_rows(&self, rows: &dyn Cells, headers: &[String], mapping: &Mapping, settings: &Settings) -> Prepared {
        super::contract::prepare_all(Respondents::new(mapping, headers, settings), rows)
    }
    fn row_checker(&self, mapping: &Mapping, headers: &[String], settings: &Settings) -> Option<Box<dyn super::RowChecker>> {
        Some(Box::new(super::contract::Counting::new(Respondents::new(mapping, headers, settings))))
    }
    fn cross_row_columns(&self, mapping: &Mapping, settings: &Settings) -> Option<Vec<usize>> {
        // A preview group's limit counts rows: an edit can move any row past it.
        if settings.preview_max.is_some() {
            return None;
        }
        super::contract::key_columns(mapping, &["username"])
    }
    fn preview(&self, settings: &Settings, prepared: &Prepared) -> String {
        let first: Vec<&PreparedRecord> = prepared.records.iter().take(2).collect();
        serde_json::to_string_pretty(&respondents_json(settings, &first)).unwrap_or_default()
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
    ) -> Engine<LumiSayProtocol> {
        engine(settings, Credentials::from_login(login), plan, policy, already_sent, seed)
    }
    fn receipt_hosts(&self, settings: &Settings, rows_sent: usize) -> Vec<(String, String)> {
        let mut hosts = vec![(
            crate::report::host_of(&settings.base_url),
            format!(
                "the dashboard login and the mapped fields of {}, for list {}",
                crate::text::count(rows_sent, "respondent", "respondents"),
                settings.group_id.trim()
            ),
        )];
        if !settings.callback_url.trim().is_empty() {
            hosts.push((crate::report::host_of(&settings.callback_url), "only Lumi Say's import result (sent by Lumi Say, not by this page)".into()));
        }
        hosts
    }
    fn journal_destination(&self, settings: &Settings) -> String {
        format!("{}|{}|{}|{}", settings.url(Action::Add), settings.group_id.trim(), settings.company_id.trim(), settings.overwrite)
    }
    fn wants_relay(&self, settings: &Settings) -> bool {
        settings.result_route == ResultRoute::Relay
    }
    fn send_settings(&self, settings: &Settings, relay_callback: Option<String>) -> Settings {
        let mut out = settings.clone();
        match (settings.result_route, relay_callback) {
            (ResultRoute::Relay, Some(url)) => out.callback_url = url,
            (ResultRoute::OwnUrl, _) => {}
            _ => out.callback_url.clear(),
        }
        out
    }
    fn read_callback(&self, body: &str) -> Option<super::CallbackResult> {
        let callback = Callback::parse(body)?;
        Some(super::CallbackResult { ok: callback.is_ok(), covered: callback.imported().map_or(0, |(_, y)| y), summary: callback.summary() })
    }
}
