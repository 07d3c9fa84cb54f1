//! The page frame, the state every step shares, and the step indicator.

use ferry_core::mapping::{suggest, Mapping};
use ferry_core::report::{Receipt, Report};
use ferry_core::sheet::Sheet;
use ferry_core::vendors::{engage, engaging_networks, lumi_say, participant_kit, Prepared, Target};
use leptos::prelude::*;

use crate::browse::Browse;
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
    /// The chosen file's bytes, kept to read it again with other choices (encoding, sheet).
    pub file_bytes: RwSignal<Option<js_sys::ArrayBuffer>, LocalStorage>,
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
    /// Records and issues for the current sheet, mapping and settings.
    pub prepared: Memo<Option<Prepared>>,
}

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
        let prepared = Memo::new(move |_| {
            sheet.with(|s| {
                s.as_ref().map(|s| {
                    mapping.with(|m| match target.get() {
                        Target::Engage => engage.with(|st| engage::prepare(s, m, st)),
                        Target::LumiSay => lumi.with(|st| lumi_say::prepare(s, m, st)),
                        Target::EngagingNetworks => en.with(|st| engaging_networks::prepare(s, m, st)),
                        Target::ParticipantKit => pk.with(|st| participant_kit::prepare(s, m, st)),
                    })
                })
            })
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
            file_bytes: RwSignal::new_local(None),
            file_kind: RwSignal::new(None),
            engage_login: RwSignal::new(engage::Credentials::default()),
            lumi_login: RwSignal::new(lumi_say::Credentials::default()),
            en_login: RwSignal::new(engaging_networks::Credentials::default()),
            pk_login: RwSignal::new(participant_kit::Credentials::default()),
            view: RwSignal::new(View::Import),
            relay: RwSignal::new(None),
            callbacks: RwSignal::new(Vec::new()),
            prepared,
        }
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
