//! The state every step shares: the file, the one chosen target with its settings and
//! its in-memory login, the mapping, and what the core worked out of them.
//!
//! Vendor-agnostic: every question about the target goes to its
//! [`Contract`](ferry_core::vendors::Contract); settings are held as the JSON the
//! contract reads.

use std::collections::BTreeMap;
use std::rc::Rc;

use ferry_core::date_columns::{self, DateColumn, KnownEvidence};
use ferry_core::mapping::{FieldSpec, Mapping};
use ferry_core::phone;
use ferry_core::report::{Receipt, Report};
use ferry_core::sheet::Sheet;
use ferry_core::vendors::read_check::CheckedAtRead;
use ferry_core::vendors::recheck::TiedRows;
use ferry_core::vendors::records::{self, SendPlan};
use ferry_core::vendors::{CallbackResult, Contract, Findings, Login, Prepared, Problem, Target};
use leptos::prelude::*;
use serde_json::Value;

use crate::check_job::{CheckJob, CheckRequest};
use crate::page_config::PageConfig;
use crate::transport::Route;

/// The wizard's steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// Choose a file.
    Upload,
    /// Target settings and column mapping.
    Map,
    /// Issues and payload preview.
    Review,
    /// Credentials, progress, cancel.
    Send,
    /// One line per row.
    Report,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 5] = [Step::Upload, Step::Map, Step::Review, Step::Send, Step::Report];

    /// The step's name in the indicator.
    pub fn label(self) -> &'static str {
        match self {
            Step::Upload => "File",
            Step::Map => "Target & columns",
            Step::Review => "Review",
            Step::Send => "Send",
            Step::Report => "Report",
        }
    }
}

/// The parts of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The import wizard.
    Import,
    /// A vendor's own view (e.g. browsing its objects), by the vendor's id.
    Vendor(&'static str),
}

/// Sheets of at least this many rows are checked in the worker, so edits and mapping
/// changes never hold up the page.
pub const LARGE_SHEET: usize = 50_000;

/// Rows an edit's recheck looks at before the page takes its turn (a few milliseconds).
const RECHECK_PIECE: usize = 100_000;

/// Where review's findings come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FindingsFrom {
    /// There is no sheet.
    Nowhere,
    /// A small sheet, checked on the page.
    Page,
    /// A large sheet (or one needing the numbering plans), checked in the worker.
    Worker,
}

/// Review's findings, read where they are: a small sheet's from the page's own check (a
/// memo), a large sheet's from the worker's, kept up to date after each edit. A memo
/// of the worker's (tens of thousands of issues for a million-row file) cloned and
/// compared them all at every edit.
#[derive(Clone, Copy)]
pub struct FindingsView {
    source: Memo<FindingsFrom>,
    here: Memo<Option<Findings>>,
    from_worker: RwSignal<Option<Findings>>,
}

impl FindingsView {
    /// Reads the findings (tracked).
    pub fn with<R>(&self, read: impl FnOnce(&Option<Findings>) -> R) -> R {
        match self.source.get() {
            FindingsFrom::Nowhere => read(&None),
            FindingsFrom::Page => self.here.with(read),
            FindingsFrom::Worker => self.from_worker.with(read),
        }
    }

    /// Reads the findings (not tracked).
    pub fn with_untracked<R>(&self, read: impl FnOnce(&Option<Findings>) -> R) -> R {
        match self.source.get_untracked() {
            FindingsFrom::Nowhere => read(&None),
            FindingsFrom::Page => self.here.with_untracked(read),
            FindingsFrom::Worker => self.from_worker.with_untracked(read),
        }
    }
}

/// State shared by the steps (provided as context). The login lives here in memory only:
/// it is never stored, logged or put in a URL, and is forgotten when the target changes.
#[derive(Clone, Copy)]
pub struct AppState {
    /// Where the user is.
    pub step: RwSignal<Step>,
    /// The chosen file's name, as given by the browser (shown as text only).
    pub file_name: RwSignal<Option<String>>,
    /// The rows read from the file.
    pub sheet: RwSignal<Option<Sheet>>,
    /// Where the rows go.
    pub target: RwSignal<Target>,
    /// The chosen target's settings, as the JSON its contract reads.
    pub settings: RwSignal<Value>,
    /// Settings of the targets not chosen (site defaults, or what the user typed before
    /// switching), by vendor id, so switching back loses nothing.
    pub other_settings: RwSignal<BTreeMap<&'static str, Value>>,
    /// The chosen target's login, in memory only.
    pub login: RwSignal<Login>,
    /// Target field ← source column.
    pub mapping: RwSignal<Mapping>,
    /// Proxy base URL; empty for direct calls.
    pub proxy_url: RwSignal<String>,
    /// A line from the site's config, shown at the top.
    pub notice: RwSignal<Option<String>>,
    /// The last send's report.
    pub report: RwSignal<Option<Report>>,
    /// Where the last send's data went.
    pub receipt: RwSignal<Option<Receipt>>,
    /// The chosen file (a handle: its bytes stay where they are), kept to read it again
    /// with other choices (encoding, sheet, header row).
    pub file: RwSignal<Option<web_sys::Blob>, LocalStorage>,
    /// How the file was read (encoding, or workbook and sheet).
    pub file_kind: RwSignal<Option<ferry_core::FileKind>>,
    /// SHA-256 of the chosen file (keys the resume journal).
    pub fingerprint: RwSignal<Option<String>>,
    /// Which part of the page is open.
    pub view: RwSignal<View>,
    /// The relay slot of the last send, when the target's result comes back through it.
    pub relay: RwSignal<Option<String>>,
    /// Results the target posted back through the relay, as its contract read them.
    pub callbacks: RwSignal<Vec<CallbackResult>>,
    /// Issues and counts for review: worked out here for small sheets, in the import
    /// worker for large ones (`None` while that runs).
    pub findings: FindingsView,
    /// A large sheet is being checked in the worker.
    pub checking: RwSignal<bool>,
    /// Why the worker's check of a large sheet did not finish (it is not redone on the
    /// page: a million rows there would stop the page for seconds).
    pub check_failed: RwSignal<Option<String>>,
    /// The worker's findings for a large sheet, kept up to date after each edit.
    worker_findings: RwSignal<Option<Findings>>,
    /// Checks of every row of a large sheet started so far (an edit that can be
    /// rechecked by rows starts none).
    pub full_checks: RwSignal<u32>,
    /// Set by [`AppState::edit_cell`] when it has already brought the findings up to date
    /// for the sheet change it makes, with the mapping and settings they hold for.
    rechecked: StoredValue<Option<(Mapping, Value)>>,
    /// Cell edits made so far (a recheck by rows gives up when another edit follows).
    edits_made: StoredValue<u64>,
    /// An edit's tied rows are being looked for and checked again: the counts are about
    /// to change.
    pub rechecking: RwSignal<bool>,
    /// What the date columns tell, by column, as worked out when the sheet was loaded
    /// (by the import worker as it read, or here): kept until the sheet's cells change
    /// ([`AppState::change_sheet`]), so `dates` need not read their first rows again.
    read_dates: StoredValue<KnownEvidence>,
    /// The mapped columns read as dates: their cells are read once per change of the
    /// sheet, target, mapping or settings, whoever asks.
    dates: Memo<Vec<DateColumn>>,
    /// Where focus goes when the step changes next (a CSS selector), instead of the new
    /// step's heading: the control a "Change" button pointed at.
    pub focus_next: StoredValue<Option<String>>,
}

impl AppState {
    /// Fresh state: the registry's first target with its default settings.
    pub fn new() -> AppState {
        let sheet = RwSignal::new(None::<Sheet>);
        let mapping = RwSignal::new(Mapping::default());
        let target = RwSignal::new(Target::first());
        let settings = RwSignal::new(Target::first().contract().default_settings());
        let read_dates = StoredValue::new(KnownEvidence::new());
        let dates = Memo::new(move |_| {
            let contract = target.get().contract();
            sheet.with(|sheet| {
                let Some(sheet) = sheet else { return Vec::new() };
                mapping.with(|m| {
                    settings.with(|s| read_dates.with_value(|known| date_columns::date_columns_knowing(contract, sheet, &sheet.headers, m, s, known)))
                })
            })
        });
        let from_worker = RwSignal::new(None::<Findings>);
        let full_checks = RwSignal::new(0u32);
        let rechecked = StoredValue::new(None::<(Mapping, Value)>);
        let checking = RwSignal::new(false);
        let check_failed = RwSignal::new(None::<String>);
        let rows = Memo::new(move |_| sheet.with(|s| s.as_ref().map(Sheet::len)));
        // Phones without a country code are read by the numbering plans, which only the
        // worker carries: such a sheet is checked there, whatever its size.
        let plan_needed = Memo::new(move |_| {
            sheet.with(|s| s.as_ref().is_some_and(|s| mapping.with(|m| settings.with(|st| phone::needs_plan(target.get().contract(), s, m, st)))))
        });
        let source = Memo::new(move |_| match rows.get() {
            None => FindingsFrom::Nowhere,
            Some(n) if n < LARGE_SHEET && !plan_needed.get() => FindingsFrom::Page,
            Some(_) => FindingsFrom::Worker,
        });
        // Checked here, counting records without making them.
        let here = Memo::new(move |_| {
            (source.get() == FindingsFrom::Page)
                .then(|| sheet.with(|s| s.as_ref().map(|s| mapping.with(|m| settings.with(|st| target.get().contract().findings(s, m, st))))))
                .flatten()
        });
        let findings = FindingsView { source, here, from_worker };
        let job = StoredValue::new_local(None::<Rc<CheckJob>>);
        Effect::new(move |_| {
            let large = rows.get().is_some_and(|n| n >= LARGE_SHEET) || plan_needed.get();
            sheet.track();
            let request = large.then(|| CheckRequest { target: target.get(), mapping: mapping.get(), settings: settings.with(Value::to_string) });
            if let Some(previous) = job.get_value() {
                previous.cancel();
            }
            // Findings already up to date for this sheet, mapping and settings (an edit
            // rechecked by rows, or the rows checked as the file was read): nothing to do.
            if let Some((m, st)) = rechecked.try_update_value(|r| r.take()).flatten() {
                if request.as_ref().is_some_and(|r| r.mapping == m) && settings.with_untracked(|now| *now == st) && from_worker.with_untracked(Option::is_some)
                {
                    job.set_value(None);
                    checking.set(false);
                    check_failed.set(None);
                    return;
                }
            }
            let Some(request) = request else {
                job.set_value(None);
                checking.set(false);
                check_failed.set(None);
                return;
            };
            from_worker.set(None);
            check_failed.set(None);
            checking.set(true);
            full_checks.update(|n| *n += 1);
            let this = Rc::new(CheckJob::start(sheet, request.clone()));
            job.set_value(Some(this.clone()));
            leptos::task::spawn_local(async move {
                let result = this.finish().await;
                if !job.with_value(|j| j.as_ref().is_some_and(|j| Rc::ptr_eq(j, &this))) {
                    return; // a newer check took over
                }
                job.set_value(None);
                checking.set(false);
                match result {
                    Ok(findings) => from_worker.set(Some(findings)),
                    Err(message) => check_failed.set(Some(message)),
                }
            });
        });
        AppState {
            step: RwSignal::new(Step::Upload),
            file_name: RwSignal::new(None),
            sheet,
            target,
            settings,
            other_settings: RwSignal::new(BTreeMap::new()),
            login: RwSignal::new(Login::default()),
            mapping,
            proxy_url: RwSignal::new(String::new()),
            notice: RwSignal::new(None),
            report: RwSignal::new(None),
            receipt: RwSignal::new(None),
            fingerprint: RwSignal::new(None),
            file: RwSignal::new_local(None),
            file_kind: RwSignal::new(None),
            view: RwSignal::new(View::Import),
            relay: RwSignal::new(None),
            callbacks: RwSignal::new(Vec::new()),
            findings,
            checking,
            check_failed,
            worker_findings: from_worker,
            full_checks,
            rechecked,
            edits_made: StoredValue::new(0),
            rechecking: RwSignal::new(false),
            read_dates,
            dates,
            focus_next: StoredValue::new(None),
        }
    }

    /// Takes the findings the import worker worked out while reading, when they hold for
    /// the sheet as loaded (same headers, target, mapping and settings) and the sheet is
    /// large (a small one is checked here anyway): review then starts no check of its own.
    pub fn take_findings(&self, checked: CheckedAtRead) {
        let fits = self.sheet.with_untracked(|s| {
            s.as_ref().is_some_and(|s| {
                s.len() >= LARGE_SHEET
                    && self.mapping.with_untracked(|m| self.settings.with_untracked(|st| checked.fits(self.target.get_untracked(), &s.headers, m, st)))
            })
        });
        if fits {
            self.rechecked.set_value(Some((checked.mapping, checked.settings)));
            self.worker_findings.set(Some(checked.findings));
        }
    }

    /// Writes `value` into row `index` (0-based), column `column` of the sheet. For a
    /// large sheet whose rows the worker has checked, only the rows the edit can affect
    /// are checked again, here, and the findings updated; otherwise the usual check runs.
    /// The rows tied to the edit are looked for a piece of the sheet at a time, with the
    /// page's turn in between, so an edit of a million-row sheet never stops the page.
    pub fn edit_cell(&self, index: usize, column: usize, value: &str) {
        // Writing what is there already is no edit (Enter in the grid, then the blur's
        // change event): nothing to check again.
        if self.sheet.with_untracked(|s| s.as_ref().is_some_and(|s| index < s.len() && s.cell(index, column) == value)) {
            return;
        }
        let contract = self.contract();
        // One recheck by rows at a time: an edit made while another is being rechecked
        // has the whole sheet checked again.
        let edit = self.edits_made.get_value() + 1;
        let tied = if self.worker_findings.with_untracked(Option::is_some) && !self.rechecking.get_untracked() {
            self.sheet.with_untracked(|s| {
                s.as_ref()
                    .filter(|s| s.len() >= LARGE_SHEET)
                    .and_then(|s| self.mapping.with_untracked(|m| self.settings.with_untracked(|st| TiedRows::begin(contract, s, m, st, index, column, value))))
            })
        } else {
            None
        };
        let (mapping, settings) = (self.mapping.get_untracked(), self.settings.get_untracked());
        self.edits_made.set_value(edit);
        self.rechecked.set_value(tied.is_some().then(|| (mapping.clone(), settings.clone())));
        if tied.is_some() {
            self.rechecking.set(true);
        }
        self.change_sheet(|s| s.set_cell(index, column, value));
        let Some(tied) = tied else { return };
        leptos::task::spawn_local(self.recheck_rows(edit, tied, mapping, settings));
    }

    /// Finds the rows tied to edit number `edit` a piece at a time and applies their
    /// recheck to the worker's findings; has the whole sheet checked again when that
    /// cannot be done by rows ([`TiedRows::after_edit`] says when). Gives up when anything
    /// else changed the findings meanwhile.
    async fn recheck_rows(self, edit: u64, mut tied: TiedRows, mapping: Mapping, settings: Value) {
        let full_checks = self.full_checks.get_untracked();
        let current = move || {
            self.edits_made.get_value() == edit && self.full_checks.get_untracked() == full_checks && self.worker_findings.with_untracked(Option::is_some)
        };
        let scanned = loop {
            crate::send_driver::sleep_ms(crate::inbox::YIELD_MS).await;
            if !current() {
                break false;
            }
            match self.sheet.with_untracked(|s| s.as_ref().map(|s| tied.scan(s, RECHECK_PIECE))) {
                Some(true) => break true,
                Some(false) => {}
                None => break false,
            }
        };
        // The last piece scanned and the findings applied (which redraws what shows them)
        // in turns of their own.
        if scanned {
            crate::send_driver::sleep_ms(crate::inbox::YIELD_MS).await;
        }
        if scanned && current() {
            self.apply_recheck(tied, &mapping, &settings);
        }
        self.rechecking.set(false);
    }

    /// Applies the recheck of the rows `tied` found to the worker's findings, or has the
    /// whole sheet checked again when that cannot be done by rows.
    fn apply_recheck(&self, tied: TiedRows, mapping: &Mapping, settings: &Value) {
        let contract = self.contract();
        match self.sheet.with_untracked(|s| s.as_ref().and_then(|s| tied.after_edit(contract, s, mapping, settings))) {
            Some(recheck) => self.worker_findings.update(|findings| {
                if let Some(findings) = findings.as_mut() {
                    self.sheet.with_untracked(|s| {
                        if let Some(s) = s.as_ref() {
                            recheck.apply(contract, s, mapping, settings, findings);
                        }
                    });
                }
            }),
            None => {
                // Checked in full after all: the sheet's change is announced again, with
                // nothing claimed up to date.
                self.rechecked.set_value(None);
                self.sheet.update(|_| {});
            }
        }
    }

    /// The chosen target's contract (not tracked).
    pub fn contract(&self) -> &'static dyn Contract {
        self.target.get_untracked().contract()
    }

    /// Takes the site's defaults: the proxy, each vendor's settings, the notice.
    pub fn apply_config(&self, config: PageConfig) {
        if let Some(proxy) = &config.proxy_url {
            self.proxy_url.set(proxy.clone());
        }
        for target in Target::all() {
            if let Some(defaults) = config.settings_for(target) {
                let settings = target.contract().normalise_settings(defaults);
                self.set_settings_of(target, settings);
            }
        }
        self.notice.set(config.notice.clone());
        if let Some(target) = config.default_target() {
            self.choose_target(target);
        }
    }

    /// The settings of `target` (tracked), chosen or not.
    pub fn settings_of(&self, target: Target) -> Value {
        if self.target.get() == target {
            self.settings.get()
        } else {
            self.other_settings.with(|o| o.get(target.id()).cloned()).unwrap_or_else(|| target.contract().default_settings())
        }
    }

    /// Replaces the settings of `target`, chosen or not.
    pub fn set_settings_of(&self, target: Target, settings: Value) {
        if self.target.get_untracked() == target {
            self.settings.set(settings);
        } else {
            self.other_settings.update(|o| {
                o.insert(target.id(), settings);
            });
        }
    }

    /// Takes a freshly read file: suggests a mapping and forgets the previous report.
    /// `fingerprint` is the SHA-256 of the file's bytes.
    pub fn load(&self, name: String, fingerprint: String, sheet: Sheet) {
        self.load_suggested(name, fingerprint, sheet, None);
    }

    /// Loads a sheet the import worker read, with what it checked while reading: its
    /// suggested mapping is the page's own (the same rule over the same first rows, see
    /// [`ferry_core::vendors::read_check`]), so when it was made for this target,
    /// settings and headers the page takes it instead of reading the date columns' first
    /// rows again, and then takes the findings.
    pub fn load_read(&self, name: String, sheet: Sheet, checked: Option<CheckedAtRead>) {
        let suggested = checked.as_ref().filter(|c| self.settings.with_untracked(|s| c.made_for(self.target.get_untracked(), &sheet.headers, s)));
        self.load_suggested(name, String::new(), sheet, suggested.map(|c| (c.mapping.clone(), c.dates.clone())));
        if let Some(checked) = checked {
            self.take_findings(checked);
        }
    }

    /// Loads `sheet` with the mapping suggested for it and what its date columns tell,
    /// or works them out here.
    fn load_suggested(&self, name: String, fingerprint: String, sheet: Sheet, suggested: Option<(Mapping, KnownEvidence)>) {
        self.fingerprint.set(Some(fingerprint));
        self.receipt.set(None);
        let (mapping, dates) =
            suggested.unwrap_or_else(|| self.settings.with_untracked(|s| date_columns::suggest_with_evidence(self.contract(), &sheet, &sheet.headers, s)));
        self.read_dates.set_value(dates);
        self.mapping.set(mapping);
        self.file_name.set(Some(name));
        self.sheet.set(Some(sheet));
        self.report.set(None);
    }

    /// Changes the sheet's cells (an edit, a fix of a whole column), when there is a
    /// sheet; what was known of its date columns as read is forgotten first.
    pub fn change_sheet<R>(&self, change: impl FnOnce(&mut Sheet) -> R) -> Option<R> {
        self.read_dates.set_value(Vec::new());
        let mut result = None;
        self.sheet.update(|s| result = s.as_mut().map(change));
        result
    }

    /// Forgets the file's table after it could not be read (again): nothing stale is
    /// shown, and no step goes on with it. The file itself stays, to read it another way.
    pub fn unload(&self) {
        self.read_dates.set_value(Vec::new());
        self.sheet.set(None);
        self.file_kind.set(None);
        self.fingerprint.set(None);
        self.report.set(None);
        self.receipt.set(None);
    }

    /// Switches the target: keeps the old one's settings aside, takes the new one's,
    /// forgets the login, and suggests a mapping for the new fields.
    pub fn choose_target(&self, target: Target) {
        let old = self.target.get_untracked();
        if old == target {
            return;
        }
        let mut kept = self.other_settings.get_untracked();
        kept.insert(old.id(), self.settings.get_untracked());
        let settings = kept.remove(target.id()).unwrap_or_else(|| target.contract().default_settings());
        self.other_settings.set(kept);
        self.login.set(Login::default());
        self.settings.set(settings);
        self.target.set(target);
        self.suggest_mapping();
    }

    /// The chosen target's fields with the current settings (not tracked).
    pub fn fields(&self) -> &'static [FieldSpec] {
        self.settings.with_untracked(|s| self.contract().fields(s))
    }

    /// Replaces the mapping with a fresh suggestion (after the target or its fields change).
    pub fn suggest_mapping(&self) {
        let contract = self.contract();
        let mapping = self.sheet.with_untracked(|s| s.as_ref().map(|s| self.settings.with_untracked(|st| date_columns::suggest(contract, s, &s.headers, st))));
        self.mapping.set(mapping.unwrap_or_default());
    }

    /// The records and issues of `sheet` (e.g. a preview's first rows) for the current
    /// target, mapping and settings (tracked).
    pub fn prepare(&self, sheet: &Sheet) -> Prepared {
        let contract = self.target.get().contract();
        self.mapping.with(|m| self.settings.with(|s| contract.prepare(sheet, m, s)))
    }

    /// What a send sends (not tracked): the rows the findings hold no error in, each
    /// batch's records made from the sheet only when the batch goes (a million-row send
    /// never holds a million records), and the rows held back with their reasons (named a
    /// thousand at a time, with the page's turn between).
    pub async fn send_plan(&self) -> Option<SendPlan> {
        let contract = self.contract();
        let (mapping, settings) = (self.mapping.get_untracked(), self.settings.get_untracked());
        // The findings are read where they are (a million-row file's are tens of
        // thousands of issues: a copy of them is a pause of its own).
        let (ready, rows, mut skipped) = self.findings.with_untracked(|findings| {
            let findings = findings.as_ref()?;
            self.sheet.with_untracked(|s| {
                let s = s.as_ref()?;
                let (ready, skipped) = records::SkippedRows::split(s, findings);
                let rows = ready.iter().map(|&i| s.number(i) as u32).collect();
                Some((ready, rows, skipped))
            })
        })?;
        // Naming a held row for the report makes its record: a thousand at a time, the
        // page answering before each (fifteen thousand at once stopped it for 0.3 s).
        loop {
            crate::send_driver::sleep_ms(0).await;
            let more = self.sheet.with_untracked(|s| s.as_ref().is_some_and(|s| skipped.name_next(1_000, contract, s, &mapping, &settings)));
            if !more {
                break;
            }
        }
        crate::send_driver::sleep_ms(0).await;
        let skipped = self.findings.with_untracked(|findings| findings.as_ref().map(|f| skipped.finish(f)))?;
        let sheet = self.sheet;
        let make: records::Make = Box::new(move |wanted| {
            let indices: Vec<usize> = wanted.iter().map(|&w| ready[w]).collect();
            sheet.with_untracked(|s| s.as_ref().map(|s| records::make_records(contract, s, &indices, &mapping, &settings)).unwrap_or_default())
        });
        Some(SendPlan { records: records::Records::made(rows, make), skipped })
    }

    /// How many rows a send sends, leaving out those in `settled` (tracked).
    pub fn rows_to_send(&self, settled: &BTreeMap<usize, ferry_core::report::Outcome>) -> usize {
        self.findings.with(|f| {
            self.sheet.with(|s| match (f, s) {
                (Some(f), Some(_)) if settled.is_empty() => f.ready,
                (Some(f), Some(s)) => records::ready_rows(s, f).into_iter().filter(|&i| !settled.contains_key(&s.number(i))).count(),
                _ => 0,
            })
        })
    }

    /// What is wrong with the chosen target's settings and mapping (tracked), with the
    /// date orders still to choose.
    pub fn setup_problems(&self) -> Vec<Problem> {
        let contract = self.target.get().contract();
        let mut problems = self.settings.with(|s| {
            let mut problems = contract.settings_problems(s);
            problems.extend(self.mapping.with(|m| contract.mapping_problems(m, s)));
            problems.extend(self.sheet.with(|sheet| {
                let headers = sheet.as_ref().map_or(&[][..], |sheet| &sheet.headers[..]);
                self.mapping.with(|m| contract.mapping_warnings(m, headers, s))
            }));
            problems
        });
        problems.extend(self.dates.with(|d| d.iter().filter_map(DateColumn::problem).collect::<Vec<_>>()));
        problems
    }

    /// The mapped columns read as dates, with what their cells say (tracked).
    pub fn date_columns(&self) -> Vec<DateColumn> {
        self.dates.get()
    }

    /// What is wrong with the login (tracked).
    pub fn login_problems(&self) -> Vec<Problem> {
        let contract = self.target.get().contract();
        self.login.with(|l| contract.login_problems(l))
    }

    /// How requests leave the page, from the proxy setting.
    pub fn route(&self) -> Route {
        let proxy = self.proxy_url.get_untracked();
        if proxy.trim().is_empty() {
            Route::Direct
        } else {
            Route::Proxy(proxy.trim().to_string())
        }
    }
}

impl Default for AppState {
    fn default() -> Self {
        AppState::new()
    }
}
