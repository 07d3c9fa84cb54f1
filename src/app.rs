//! The page frame, the state every step shares, and the step indicator.

use ferry_core::mapping::{suggest, Mapping};
use ferry_core::report::{Receipt, Report};
use ferry_core::sheet::Sheet;
use std::rc::Rc;

use ferry_core::vendors::{engage, engaging_networks, lumi_say, participant_kit, Findings, Prepared, Target};
use leptos::prelude::*;

use crate::browse::Browse;
use crate::check_job::{CheckJob, CheckRequest};
use crate::components::step_indicator::StepIndicator;
use crate::steps::{map::MapStep, report::ReportStep, review::ReviewStep, send::SendStep, upload::UploadStep};
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

/// The two parts of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The import wizard.
    Import,
    /// Reading and managing Participant Kit objects.
    Browse,
}

/// State shared by the steps (provided as context). Holds no credential: those stay
/// inside the send step.
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
    /// Engage settings (URLs, organisation, activity, batch size).
    pub engage: RwSignal<engage::Settings>,
    /// Lumi Say settings (instance, project, list, options).
    pub lumi: RwSignal<lumi_say::Settings>,
    /// Engaging Networks settings (server, import name, format and its columns, segment).
    pub en: RwSignal<engaging_networks::Settings>,
    /// Participant Kit settings (API URL, participants or data links, study).
    pub pk: RwSignal<participant_kit::Settings>,
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
    /// The Engage login, in memory only (never stored, logged or put in a URL).
    pub engage_login: RwSignal<engage::Credentials>,
    /// The Lumi Say dashboard login, in memory only.
    pub lumi_login: RwSignal<lumi_say::Credentials>,
    /// The Engaging Networks private token, in memory only.
    pub en_login: RwSignal<engaging_networks::Credentials>,
    /// The Participant Kit bearer token, in memory only.
    pub pk_login: RwSignal<participant_kit::Credentials>,
    /// Which part of the page is open.
    pub view: RwSignal<View>,
    /// The relay slot of the last Lumi Say import, when the user chose the relay.
    pub relay: RwSignal<Option<String>>,
    /// Import results that came back from Lumi Say through the callback.
    pub callbacks: RwSignal<Vec<lumi_say::Callback>>,
    /// Records and issues for the current sheet, mapping and settings (worked out when
    /// read: review reads [`AppState::findings`], the send step this).
    pub prepared: Memo<Option<Prepared>>,
    /// Issues and counts for review: worked out here for small sheets, in the import
    /// worker for large ones (`None` while that runs).
    pub findings: Memo<Option<Findings>>,
    /// A large sheet is being checked in the worker.
    pub checking: RwSignal<bool>,
    /// Why the worker's check of a large sheet did not finish (it is not redone on the
    /// page: a million rows there would stop the page for seconds).
    pub check_failed: RwSignal<Option<String>>,
}

/// The signals that decide what a row becomes.
#[derive(Clone, Copy)]
struct Settings {
    target: RwSignal<Target>,
    mapping: RwSignal<Mapping>,
    engage: RwSignal<engage::Settings>,
    lumi: RwSignal<lumi_say::Settings>,
    en: RwSignal<engaging_networks::Settings>,
    pk: RwSignal<participant_kit::Settings>,
}

impl Settings {
    /// The records and issues of `s` for the current target, mapping and settings.
    fn prepare(&self, s: &Sheet) -> Prepared {
        self.mapping.with(|m| match self.target.get() {
            Target::Engage => self.engage.with(|st| engage::prepare(s, m, st)),
            Target::LumiSay => self.lumi.with(|st| lumi_say::prepare(s, m, st)),
            Target::EngagingNetworks => self.en.with(|st| engaging_networks::prepare(s, m, st)),
            Target::ParticipantKit => self.pk.with(|st| participant_kit::prepare(s, m, st)),
        })
    }
}

/// Sheets of at least this many rows are checked in the worker, so edits and mapping
/// changes never hold up the page.
pub const LARGE_SHEET: usize = 50_000;

impl AppState {
    /// Fresh state with Engage's documented defaults.
    pub fn new() -> AppState {
        let sheet = RwSignal::new(None::<Sheet>);
        let mapping = RwSignal::new(Mapping::default());
        let target = RwSignal::new(Target::Engage);
        let engage = RwSignal::new(engage::Settings::default());
        let lumi = RwSignal::new(lumi_say::Settings::default());
        let en = RwSignal::new(engaging_networks::Settings::default());
        let pk = RwSignal::new(participant_kit::Settings::default());
        let settings = Settings { target, mapping, engage, lumi, en, pk };
        let prepared = Memo::new(move |_| sheet.with(|s| s.as_ref().map(|s| settings.prepare(s))));
        let from_worker = RwSignal::new(None::<Findings>);
        let checking = RwSignal::new(false);
        let check_failed = RwSignal::new(None::<String>);
        let rows = Memo::new(move |_| sheet.with(|s| s.as_ref().map(Sheet::len)));
        let findings = Memo::new(move |_| match rows.get() {
            None => None,
            Some(n) if n < LARGE_SHEET => prepared.with(|p| p.as_ref().map(Findings::from)),
            Some(_) => from_worker.get(),
        });
        let job = StoredValue::new_local(None::<Rc<CheckJob>>);
        Effect::new(move |_| {
            let large = rows.get().is_some_and(|n| n >= LARGE_SHEET);
            sheet.track();
            let request = large.then(|| {
                let target = target.get();
                let settings = match target {
                    Target::Engage => engage.with(serde_json::to_string),
                    Target::LumiSay => lumi.with(serde_json::to_string),
                    Target::EngagingNetworks => en.with(serde_json::to_string),
                    Target::ParticipantKit => pk.with(serde_json::to_string),
                };
                CheckRequest { target, mapping: mapping.get(), settings: settings.unwrap_or_default() }
            });
            if let Some(previous) = job.get_value() {
                previous.cancel();
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
            engage,
            lumi,
            en,
            pk,
            mapping,
            proxy_url: RwSignal::new(String::new()),
            notice: RwSignal::new(None),
            report: RwSignal::new(None),
            receipt: RwSignal::new(None),
            fingerprint: RwSignal::new(None),
            file: RwSignal::new_local(None),
            file_kind: RwSignal::new(None),
            engage_login: RwSignal::new(engage::Credentials::default()),
            lumi_login: RwSignal::new(lumi_say::Credentials::default()),
            en_login: RwSignal::new(engaging_networks::Credentials::default()),
            pk_login: RwSignal::new(participant_kit::Credentials::default()),
            view: RwSignal::new(View::Import),
            relay: RwSignal::new(None),
            callbacks: RwSignal::new(Vec::new()),
            prepared,
            findings,
            checking,
            check_failed,
        }
    }

    /// The records and issues of `sheet` (e.g. a preview's first rows) for the current
    /// target, mapping and settings.
    pub fn prepare(&self, sheet: &Sheet) -> Prepared {
        Settings { target: self.target, mapping: self.mapping, engage: self.engage, lumi: self.lumi, en: self.en, pk: self.pk }.prepare(sheet)
    }

    /// Takes a freshly read file: suggests a mapping and forgets the previous report.
    /// `fingerprint` is the SHA-256 of the file's bytes.
    pub fn load(&self, name: String, fingerprint: String, sheet: Sheet) {
        self.fingerprint.set(Some(fingerprint));
        self.receipt.set(None);
        self.mapping.set(self.suggestion(&sheet.headers));
        self.file_name.set(Some(name));
        self.sheet.set(Some(sheet));
        self.report.set(None);
    }

    /// Switches the target and suggests a mapping for its fields.
    pub fn choose_target(&self, target: Target) {
        if self.target.get_untracked() == target {
            return;
        }
        self.target.set(target);
        self.suggest_mapping();
    }

    /// The suggested mapping of `headers` for the current target.
    fn suggestion(&self, headers: &[String]) -> Mapping {
        match self.target.get_untracked() {
            Target::EngagingNetworks => self.en.with_untracked(|s| engaging_networks::suggest(headers, s)),
            target => suggest(headers, self.fields(), target.vendor().dynamic_prefix),
        }
    }

    /// The target's fixed fields (Participant Kit's depend on what is sent).
    pub fn fields(&self) -> &'static [ferry_core::mapping::FieldSpec] {
        match self.target.get_untracked() {
            Target::ParticipantKit => self.pk.with_untracked(|s| s.fields()),
            target => target.vendor().fields,
        }
    }

    /// Replaces the mapping with a fresh suggestion (after the target or its fields change).
    pub fn suggest_mapping(&self) {
        let mapping = self.sheet.with_untracked(|s| s.as_ref().map(|s| self.suggestion(&s.headers)));
        self.mapping.set(mapping.unwrap_or_default());
    }

    /// Problems with the current target's settings and mapping, in words.
    pub fn setup_problems(&self) -> Vec<String> {
        let (mut problems, mapping) = match self.target.get() {
            Target::Engage => (self.engage.with(engage::Settings::problems), self.mapping.with(engage::mapping_problems)),
            Target::LumiSay => (self.lumi.with(lumi_say::Settings::problems), self.mapping.with(lumi_say::mapping_problems)),
            Target::EngagingNetworks => self.en.with(|s| (s.problems(), self.mapping.with(|m| engaging_networks::mapping_problems(m, s)))),
            Target::ParticipantKit => self.pk.with(|s| (s.problems(), self.mapping.with(|m| participant_kit::mapping_problems(m, s)))),
        };
        problems.extend(mapping);
        problems
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

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    leptos::task::spawn_local(async move {
        if let Some(config) = crate::page_config::load().await {
            if let Some(proxy) = config.proxy_url {
                state.proxy_url.set(proxy);
            }
            if let Some(engage) = config.engage {
                state.engage.set(engage);
            }
            if let Some(lumi) = config.lumi_say {
                state.lumi.set(lumi);
            }
            if let Some(en) = config.engaging_networks {
                state.en.set(en);
            }
            if let Some(pk) = config.participant_kit {
                state.pk.set(pk);
            }
            state.notice.set(config.notice);
        }
    });
    let step_view = move || match state.step.get() {
        Step::Upload => view! { <UploadStep/> }.into_any(),
        Step::Map => view! { <MapStep/> }.into_any(),
        Step::Review => view! { <ReviewStep/> }.into_any(),
        Step::Send => view! { <SendStep/> }.into_any(),
        Step::Report => view! { <ReportStep/> }.into_any(),
    };
    view! {
        <header class="top">
            <div class="inner">
                <h1>"Ferry"</h1>
                <p>"Move a participant spreadsheet into a research platform. Your file is read in this browser and goes only to the platform you choose."</p>
            </div>
        </header>
        <main>
            {move || state.notice.get().map(|n| view! { <p class="notice info">{n}</p> })}
            <nav class="views" aria-label="Ferry">
                <button type="button" class:active=move || state.view.get() == View::Import aria-pressed=move || (state.view.get() == View::Import).to_string() on:click=move |_| state.view.set(View::Import)>"Import a file"</button>
                <button type="button" id="open-browse" class:active=move || state.view.get() == View::Browse aria-pressed=move || (state.view.get() == View::Browse).to_string() on:click=move |_| state.view.set(View::Browse)>"Browse Participant Kit"</button>
            </nav>
            <Show when=move || state.view.get() == View::Import fallback=|| view! { <Browse/> }>
                <StepIndicator current=state.step/>
                {step_view}
            </Show>
        </main>
        <footer>"Ferry keeps no copy of your data: nothing is stored in this browser or on a server of ours."</footer>
    }
}
