//! The vendor contract: everything the page and the worker ask of a vendor, answered by
//! the vendor's own module.
//!
//! A vendor module implements [`Adapter`] with its own typed settings and protocol. The
//! page never sees those types: it holds the settings as JSON and talks to the vendor
//! through [`Contract`], the same questions with the types erased, which every
//! `Typed<A>` answers for its adapter. [`super::REGISTRY`] lists each vendor once.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::records::SendPlan;
use super::{Findings, Prepared, Vendor};
use crate::http::{HttpRequest, HttpResponse};
use crate::mapping::{self, FieldSpec, Mapping};
use crate::report::{Outcome, Receipt};
use crate::send::{Engine, Policy, Prerequisite, Protocol, Verdict};
use crate::sheet::{Cells, Sheet};

/// Something wrong with settings, a login or a mapping, for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Problem {
    /// The setting, login field or mapped field concerned (`"org_slug"`, `"password"`,
    /// `"mapping"`, ...).
    pub field: String,
    /// When true, nothing can be sent until it is put right; otherwise a warning.
    pub blocking: bool,
    /// What is wrong and what to do, in words.
    pub text: String,
}

impl Problem {
    /// A problem that stops the send.
    pub fn blocking(field: &str, text: impl Into<String>) -> Problem {
        Problem { field: field.to_string(), blocking: true, text: text.into() }
    }

    /// A problem to show that does not stop the send.
    pub fn warning(field: &str, text: impl Into<String>) -> Problem {
        Problem { field: field.to_string(), blocking: false, text: text.into() }
    }
}

/// The columns that tie rows together when each of `keys` is mapped to a column or not
/// at all; `None` when one is a fixed value (every row would share it).
pub fn key_columns(mapping: &Mapping, keys: &[&str]) -> Option<Vec<usize>> {
    let mut columns = Vec::new();
    for key in keys {
        match mapping.get(key) {
            None => {}
            Some(crate::mapping::Source::Column(c)) => columns.push(*c),
            Some(crate::mapping::Source::Constant(_)) => return None,
        }
    }
    Some(columns)
}

/// A required login field left empty: blocking, and the page says so by disabling the
/// send rather than by a message.
pub fn empty_field(field: &LoginField) -> Problem {
    Problem { field: field.key.to_string(), blocking: true, text: format!("{} is empty.", field.label) }
}

/// One field of a vendor's login form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginField {
    /// Key in the [`Login`].
    pub key: &'static str,
    /// The input's id on the page.
    pub id: &'static str,
    /// The input's label.
    pub label: &'static str,
    /// A line under the label (empty for none).
    pub hint: &'static str,
    /// Typed as a password (hidden).
    pub secret: bool,
}

/// What the user typed into a vendor's login form. Lives in memory only: it is never
/// serialised, and its `Debug` shows only which fields are filled.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Login {
    values: BTreeMap<String, String>,
}

impl Login {
    /// The value of `key` ("" when not typed).
    pub fn get(&self, key: &str) -> &str {
        self.values.get(key).map_or("", String::as_str)
    }

    /// Sets `key` to `value`.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.values.insert(key.to_string(), value.into());
    }
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let filled: Vec<&str> = self.values.iter().filter(|(_, v)| !v.is_empty()).map(|(k, _)| k.as_str()).collect();
        write!(f, "Login {{ filled: {filled:?} }}")
    }
}

/// What a vendor's asynchronous result (posted to a callback URL) says, read by the vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackResult {
    /// The vendor says the job went well.
    pub ok: bool,
    /// How many rows the result accounts for (`Y` of "X of Y imported"), 0 when unknown.
    pub covered: usize,
    /// The result for people.
    pub summary: String,
}

/// A vendor's check fed rows piece after piece (the rows below the header, in order), with
/// what ties rows together (repeated IDs) kept inside it.
pub trait RowChecker {
    /// Sets aside room for what about `rows` more rows need remembered (the IDs seen):
    /// a table grown a row at a time to a million entries moves every entry about
    /// twenty times, which took as long as the rest of a check.
    fn reserve(&mut self, _rows: usize) {}
    /// Checks the next rows.
    fn check(&mut self, rows: &dyn Cells);
    /// The findings of every row checked.
    fn finish(self: Box<Self>) -> Findings;
}

/// A vendor's check and record builder fed rows piece after piece (the rows below the
/// header, in order), with what ties rows together kept inside it: the one code a vendor's
/// [`Adapter::prepare`] (whole sheet) and its [`Adapter::row_checker`] (pieces) share.
pub trait Preparer {
    /// Checks the next rows, adding their records, issues and held rows to `out`.
    fn push(&mut self, rows: &dyn Cells, out: &mut Prepared);
    /// Sets aside room for what about `rows` more rows need remembered (see
    /// [`RowChecker::reserve`]).
    fn reserve(&mut self, _rows: usize) {}
    /// From now on only counts: each record pushed is a [`PreparedRecord::counted`]
    /// placeholder (the check is the same; building the vendor's JSON is skipped).
    fn count_only(&mut self);
    /// After the last rows: adds to `out` what only all of them tell (the warnings of
    /// repeated values, [`crate::repeats::Repeats`]).
    fn finish(&mut self, _out: &mut Prepared) {}
}

/// Runs `preparer` over a whole sheet (or some of its rows).
pub fn prepare_all(mut preparer: impl Preparer, sheet: &dyn Cells) -> Prepared {
    let mut out = Prepared::default();
    preparer.reserve(sheet.len());
    preparer.push(sheet, &mut out);
    preparer.finish(&mut out);
    out
}

/// A [`RowChecker`] over a [`Preparer`]: keeps the issues and counts the rows, letting
/// each piece's records go as soon as they are counted.
pub struct Counting<P> {
    preparer: P,
    out: Prepared,
    ready: usize,
    held: usize,
}

impl<P: Preparer> Counting<P> {
    /// Counts what `preparer` finds.
    pub fn new(mut preparer: P) -> Counting<P> {
        preparer.count_only();
        Counting { preparer, out: Prepared::default(), ready: 0, held: 0 }
    }
}

impl<P: Preparer> RowChecker for Counting<P> {
    fn reserve(&mut self, rows: usize) {
        self.preparer.reserve(rows);
    }
    fn check(&mut self, rows: &dyn Cells) {
        self.preparer.push(rows, &mut self.out);
        self.ready += self.out.records.len();
        self.held += self.out.skipped.len();
        self.out.records.clear();
        self.out.skipped.clear();
    }
    fn finish(self: Box<Self>) -> Findings {
        let Counting { mut preparer, mut out, ready, held } = *self;
        preparer.finish(&mut out);
        Findings { issues: out.issues, ready, held }
    }
}

/// A vendor module, with its own types. See [`Contract`] for what each answer is for.
pub trait Adapter: Sync + Send + 'static {
    /// Where and how to send; holds nothing secret. Missing fields read as defaults.
    type Settings: Serialize + DeserializeOwned + Default + Clone + fmt::Debug;
    /// The send protocol the engine drives.
    type Protocol: Protocol + 'static;

    /// Name, summary, fields and dynamic field prefix.
    fn vendor(&self) -> &'static Vendor;
    /// What is wrong with the settings.
    fn settings_problems(&self, settings: &Self::Settings) -> Vec<Problem>;
    /// The login form's fields.
    fn login_fields(&self) -> &'static [LoginField];
    /// Fills what the settings imply (e.g. a client id that is usually the organisation).
    fn login_defaults(&self, _settings: &Self::Settings, _login: &mut Login) {}
    /// What is wrong with a login.
    fn login_problems(&self, login: &Login) -> Vec<Problem> {
        self.login_fields().iter().filter(|f| login.get(f.key).trim().is_empty()).map(empty_field).collect()
    }
    /// The fields a record has with these settings.
    fn fields(&self, _settings: &Self::Settings) -> &'static [FieldSpec] {
        self.vendor().fields
    }
    /// A mapping suggested from the file's headers.
    fn suggest(&self, headers: &[String], settings: &Self::Settings) -> Mapping {
        mapping::suggest(headers, self.fields(settings), self.vendor().dynamic_prefix)
    }
    /// What is wrong with the mapping as a whole.
    fn mapping_problems(&self, mapping: &Mapping, settings: &Self::Settings) -> Vec<Problem>;
    /// What the mapping would send that the user may not mean, read from the file's
    /// column names (`headers`): warnings, which do not stop the send. The default: none.
    fn mapping_warnings(&self, _mapping: &Mapping, _headers: &[String], _settings: &Self::Settings) -> Vec<Problem> {
        Vec::new()
    }
    /// `(field label, source column)` of every field read as a date and mapped to a
    /// column: each such column needs a [`crate::datetime::DateOrder`] when its dates
    /// could be read two ways. The default: the fields of kind `DateTime`.
    fn date_columns(&self, mapping: &Mapping, settings: &Self::Settings) -> Vec<(String, usize)> {
        self.fields(settings)
            .iter()
            .filter(|f| f.kind == mapping::FieldKind::DateTime)
            .filter_map(|f| mapping.column(f.key).map(|c| (f.label.to_string(), c)))
            .collect()
    }
    /// Every row checked and made into a record.
    fn prepare(&self, sheet: &Sheet, mapping: &Mapping, settings: &Self::Settings) -> Prepared {
        self.prepare_rows(sheet, &sheet.headers, mapping, settings)
    }
    /// Like [`Adapter::prepare`], for some rows of a sheet with these `headers` (the rows
    /// of a send's batch, whose records are made only when it goes).
    fn prepare_rows(&self, rows: &dyn Cells, headers: &[String], mapping: &Mapping, settings: &Self::Settings) -> Prepared;
    /// Issues and counts only (a vendor may do this faster than [`Adapter::prepare`]).
    fn findings(&self, sheet: &Sheet, mapping: &Mapping, settings: &Self::Settings) -> Findings {
        // The row checker counts records without making them.
        match self.row_checker(mapping, &sheet.headers, settings) {
            Some(mut checker) => {
                checker.reserve(sheet.len());
                checker.check(sheet);
                checker.finish()
            }
            None => Findings::from(&self.prepare(sheet, mapping, settings)),
        }
    }
    /// The source columns whose values tie rows together in the check (a repeated ID is
    /// flagged on its later rows): after an edit, only rows sharing a value in one of
    /// them with the edited row need checking again. `None` when some rule ties rows
    /// another way (then everything is checked again). The default: `None`.
    fn cross_row_columns(&self, _mapping: &Mapping, _settings: &Self::Settings) -> Option<Vec<usize>> {
        None
    }
    /// A check fed rows in pieces, for columns named `headers`; `None` when the vendor
    /// checks whole sheets only. Its findings must equal [`Adapter::findings`] of the
    /// same rows. The default: `None`.
    fn row_checker(&self, _mapping: &Mapping, _headers: &[String], _settings: &Self::Settings) -> Option<Box<dyn RowChecker>> {
        None
    }
    /// What the vendor would receive for the first records, as the page shows it.
    fn preview(&self, settings: &Self::Settings, prepared: &Prepared) -> String;
    /// Requests at once and retry limits.
    fn policy(&self, _settings: &Self::Settings) -> Policy {
        Policy::default()
    }
    /// The send of `plan` with `policy` (this adapter's [`Adapter::policy`], given by
    /// the contract); rows in `already_sent` are reported, not sent.
    fn engine(
        &self,
        settings: Self::Settings,
        login: &Login,
        plan: SendPlan,
        policy: Policy,
        already_sent: &BTreeMap<usize, Outcome>,
        seed: u64,
    ) -> Engine<Self::Protocol>;
    /// Which host received what, for a send of `rows_sent` rows (the receipt's lines).
    fn receipt_hosts(&self, settings: &Self::Settings, rows_sent: usize) -> Vec<(String, String)>;
    /// What names the destination in the resume journal's key (URLs, organisation, list,
    /// format: whatever makes a send go somewhere else).
    fn journal_destination(&self, settings: &Self::Settings) -> String;
    /// The given-name and family-name fields a full name can be split into.
    fn name_fields(&self) -> Option<(&'static str, &'static str)> {
        None
    }
    /// The settings ask for the vendor's result through the proxy's relay.
    fn wants_relay(&self, _settings: &Self::Settings) -> bool {
        false
    }
    /// The settings a send uses, with the relay's callback URL when one was opened.
    fn send_settings(&self, settings: &Self::Settings, _relay_callback: Option<String>) -> Self::Settings {
        settings.clone()
    }
    /// Reads one body posted to the callback URL.
    fn read_callback(&self, _body: &str) -> Option<CallbackResult> {
        None
    }
}

/// The vendor contract with the vendor's types erased: settings travel as JSON, the
/// protocol as a box. Every method names what the page asks; the vendor decides.
pub trait Contract: Sync + Send {
    /// Name, summary, fields and dynamic field prefix.
    fn vendor(&self) -> &'static Vendor;
    /// The default settings.
    fn default_settings(&self) -> Value;
    /// `settings` read as this vendor's settings (unknown or wrong fields become
    /// defaults) and written back: what the page keeps.
    fn normalise_settings(&self, settings: &Value) -> Value;
    /// What is wrong with the settings.
    fn settings_problems(&self, settings: &Value) -> Vec<Problem>;
    /// The login form's fields.
    fn login_fields(&self) -> &'static [LoginField];
    /// Fills what the settings imply into an empty login field.
    fn login_defaults(&self, settings: &Value, login: &mut Login);
    /// What is wrong with a login.
    fn login_problems(&self, login: &Login) -> Vec<Problem>;
    /// The fields a record has with these settings.
    fn fields(&self, settings: &Value) -> &'static [FieldSpec];
    /// The source columns of `mapping` that fill fields of `kind` (each once, in order).
    fn columns_of_kind(&self, mapping: &Mapping, settings: &Value, kind: crate::mapping::FieldKind) -> Vec<usize> {
        let mut columns: Vec<usize> = self.fields(settings).iter().filter(|f| f.kind == kind).filter_map(|f| mapping.column(f.key)).collect();
        columns.sort_unstable();
        columns.dedup();
        columns
    }
    /// A mapping suggested from the file's headers.
    fn suggest(&self, headers: &[String], settings: &Value) -> Mapping;
    /// The key of the user-named field filled from a column named `header` (e.g.
    /// `answers.q1` from `Answers: q1`), when the vendor has user-named fields.
    fn dynamic_key(&self, header: &str) -> Option<String> {
        let prefix = self.vendor().dynamic_prefix?;
        let name = mapping::strip_prefix_loosely(header, prefix).unwrap_or(header).trim();
        Some(format!("{prefix}{name}"))
    }
    /// What is wrong with the mapping as a whole.
    fn mapping_problems(&self, mapping: &Mapping, settings: &Value) -> Vec<Problem>;
    /// What the mapping would send that the user may not mean (warnings), from the
    /// file's column names.
    fn mapping_warnings(&self, mapping: &Mapping, headers: &[String], settings: &Value) -> Vec<Problem>;
    /// Every row checked and made into a record.
    fn prepare(&self, sheet: &Sheet, mapping: &Mapping, settings: &Value) -> Prepared;
    /// The records and issues of some rows of a sheet with these `headers`.
    fn prepare_rows(&self, rows: &dyn Cells, headers: &[String], mapping: &Mapping, settings: &Value) -> Prepared;
    /// Issues and counts only.
    fn findings(&self, sheet: &Sheet, mapping: &Mapping, settings: &Value) -> Findings;
    /// The source columns whose values tie rows together in the check; `None` when an
    /// edit needs everything checked again (see [`super::recheck::RowRecheck`]).
    fn cross_row_columns(&self, mapping: &Mapping, settings: &Value) -> Option<Vec<usize>>;
    /// `(field label, source column)` of the mapped fields read as dates.
    fn date_columns(&self, mapping: &Mapping, settings: &Value) -> Vec<(String, usize)>;
    /// A check fed rows in pieces (see [`super::read_check::ReadCheck`]); `None` when the
    /// vendor checks whole sheets only.
    fn row_checker(&self, mapping: &Mapping, headers: &[String], settings: &Value) -> Option<Box<dyn RowChecker>>;
    /// What the vendor would receive for the first records.
    fn preview(&self, settings: &Value, prepared: &Prepared) -> String;
    /// The send of `plan` (rows in `already_sent` reported, not sent), with the vendor's
    /// own concurrency.
    fn engine(&self, settings: &Value, login: &Login, plan: SendPlan, already_sent: &BTreeMap<usize, Outcome>, seed: u64) -> Engine<Box<dyn Protocol>>;
    /// Where a send's data went.
    /// `rows_sent` rows left the page (the vendor received them), `accepted` of them accepted.
    fn receipt(&self, headers: &[String], mapping: &Mapping, settings: &Value, rows_sent: usize, accepted: usize) -> Receipt;
    /// The resume journal's key.
    fn journal_key(&self, fingerprint: &str, headers: &[String], mapping: &Mapping, settings: &Value) -> String;
    /// The given-name and family-name fields a full name can be split into.
    fn name_fields(&self) -> Option<(&'static str, &'static str)>;
    /// The settings ask for the vendor's result through the proxy's relay.
    fn wants_relay(&self, settings: &Value) -> bool;
    /// The settings a send uses, with the relay's callback URL when one was opened.
    fn send_settings(&self, settings: &Value, relay_callback: Option<String>) -> Value;
    /// Reads one body posted to the callback URL.
    fn read_callback(&self, body: &str) -> Option<CallbackResult>;
}

/// An [`Adapter`] seen through the [`Contract`].
pub struct Typed<A: Adapter>(pub A);

impl<A: Adapter> Typed<A> {
    fn typed(&self, settings: &Value) -> A::Settings {
        A::Settings::deserialize(settings).unwrap_or_default()
    }
}

use serde::Deserialize as _;

impl<A: Adapter> Contract for Typed<A> {
    fn vendor(&self) -> &'static Vendor {
        self.0.vendor()
    }
    fn default_settings(&self) -> Value {
        serde_json::to_value(A::Settings::default()).unwrap_or(Value::Null)
    }
    fn normalise_settings(&self, settings: &Value) -> Value {
        serde_json::to_value(self.typed(settings)).unwrap_or(Value::Null)
    }
    fn settings_problems(&self, settings: &Value) -> Vec<Problem> {
        self.0.settings_problems(&self.typed(settings))
    }
    fn login_fields(&self) -> &'static [LoginField] {
        self.0.login_fields()
    }
    fn login_defaults(&self, settings: &Value, login: &mut Login) {
        self.0.login_defaults(&self.typed(settings), login);
    }
    fn login_problems(&self, login: &Login) -> Vec<Problem> {
        self.0.login_problems(login)
    }
    fn fields(&self, settings: &Value) -> &'static [FieldSpec] {
        self.0.fields(&self.typed(settings))
    }
    fn suggest(&self, headers: &[String], settings: &Value) -> Mapping {
        self.0.suggest(headers, &self.typed(settings))
    }
    fn mapping_problems(&self, mapping: &Mapping, settings: &Value) -> Vec<Problem> {
        self.0.mapping_problems(mapping, &self.typed(settings))
    }
    fn mapping_warnings(&self, mapping: &Mapping, headers: &[String], settings: &Value) -> Vec<Problem> {
        self.0.mapping_warnings(mapping, headers, &self.typed(settings))
    }
    fn prepare(&self, sheet: &Sheet, mapping: &Mapping, settings: &Value) -> Prepared {
        self.0.prepare(sheet, mapping, &self.typed(settings))
    }
    fn prepare_rows(&self, rows: &dyn Cells, headers: &[String], mapping: &Mapping, settings: &Value) -> Prepared {
        self.0.prepare_rows(rows, headers, mapping, &self.typed(settings))
    }
    fn findings(&self, sheet: &Sheet, mapping: &Mapping, settings: &Value) -> Findings {
        self.0.findings(sheet, mapping, &self.typed(settings))
    }
    fn cross_row_columns(&self, mapping: &Mapping, settings: &Value) -> Option<Vec<usize>> {
        self.0.cross_row_columns(mapping, &self.typed(settings))
    }
    fn date_columns(&self, mapping: &Mapping, settings: &Value) -> Vec<(String, usize)> {
        self.0.date_columns(mapping, &self.typed(settings))
    }
    fn row_checker(&self, mapping: &Mapping, headers: &[String], settings: &Value) -> Option<Box<dyn RowChecker>> {
        self.0.row_checker(mapping, headers, &self.typed(settings))
    }
    fn preview(&self, settings: &Value, prepared: &Prepared) -> String {
        self.0.preview(&self.typed(settings), prepared)
    }
    fn engine(&self, settings: &Value, login: &Login, plan: SendPlan, already_sent: &BTreeMap<usize, Outcome>, seed: u64) -> Engine<Box<dyn Protocol>> {
        let settings = self.typed(settings);
        let policy = self.0.policy(&settings);
        self.0.engine(settings, login, plan, policy, already_sent, seed).boxed()
    }
    fn receipt(&self, headers: &[String], mapping: &Mapping, settings: &Value, rows_sent: usize, accepted: usize) -> Receipt {
        let mut receipt = Receipt::from_mapping(headers, mapping);
        receipt.hosts = self.0.receipt_hosts(&self.typed(settings), rows_sent);
        receipt.rows_sent = rows_sent;
        receipt.accepted = accepted;
        receipt
    }
    fn journal_key(&self, fingerprint: &str, headers: &[String], mapping: &Mapping, settings: &Value) -> String {
        let destination = self.0.journal_destination(&self.typed(settings));
        crate::journal::journal_key(fingerprint, self.0.vendor().id, headers, mapping, &destination)
    }
    fn name_fields(&self) -> Option<(&'static str, &'static str)> {
        self.0.name_fields()
    }
    fn wants_relay(&self, settings: &Value) -> bool {
        self.0.wants_relay(&self.typed(settings))
    }
    fn send_settings(&self, settings: &Value, relay_callback: Option<String>) -> Value {
        serde_json::to_value(self.0.send_settings(&self.typed(settings), relay_callback)).unwrap_or(Value::Null)
    }
    fn read_callback(&self, body: &str) -> Option<CallbackResult> {
        self.0.read_callback(body)
    }
}

impl<P: Protocol + ?Sized> Protocol for Box<P> {
    fn prerequisite(&mut self, now_ms: f64) -> Option<HttpRequest> {
        (**self).prerequisite(now_ms)
    }
    fn take_prerequisite(&mut self, response: &HttpResponse, now_ms: f64) -> Result<Prerequisite, String> {
        (**self).take_prerequisite(response, now_ms)
    }
    fn invalidate(&mut self) {
        (**self).invalidate();
    }
    fn batch_request(&mut self, records: &[usize]) -> HttpRequest {
        (**self).batch_request(records)
    }
    fn read_answer(&mut self, records: &[usize], response: &HttpResponse, now_ms: f64) -> Verdict {
        (**self).read_answer(records, response, now_ms)
    }
    fn row_of(&self, record: usize) -> (usize, String) {
        (**self).row_of(record)
    }
    fn row(&self, record: usize) -> usize {
        (**self).row(record)
    }
    fn vendor(&self) -> &str {
        (**self).vendor()
    }
    fn retry_unanswered(&self) -> bool {
        (**self).retry_unanswered()
    }
}
