//! Step 4: the vendor account (kept in memory only), then the send with progress, pause
//! and cancel, resuming an earlier unfinished send of the same file when there is one.

use std::collections::BTreeMap;

use ferry_core::journal::Journal;
use ferry_core::report::Outcome;
use ferry_core::send::{Engine, Policy, Protocol};
use ferry_core::text::thousands;
use ferry_core::vendors::{engage, engaging_networks, lumi_say, participant_kit, Target};
use leptos::prelude::*;

use crate::app::{AppState, Step};
use crate::components::progress_bar::ProgressBar;
use crate::components::text_field::TextField;
use crate::journal_store;
use crate::send_driver::{drive, sleep_ms, Controls, JournalSink};
use crate::transport::Route;

/// Engage bulk requests in flight at once.
const ENGAGE_CONCURRENCY: usize = 2;
/// Lumi Say imports in flight at once.
const LUMI_SAY_CONCURRENCY: usize = 1;
/// Engaging Networks uploads in flight at once.
const EN_CONCURRENCY: usize = 1;

/// The journal key of the current file, mapping, target and destination.
fn journal_key(state: &AppState) -> Option<String> {
    let fingerprint = state.fingerprint.get_untracked()?;
    let headers = state.sheet.with_untracked(|s| s.as_ref().map(|s| s.headers.clone()))?;
    let key = state.mapping.with_untracked(|m| match state.target.get_untracked() {
        Target::Engage => state.engage.with_untracked(|s| engage::journal_key(&fingerprint, &headers, m, s)),
        Target::LumiSay => state.lumi.with_untracked(|s| lumi_say::journal_key(&fingerprint, &headers, m, s)),
        Target::EngagingNetworks => state.en.with_untracked(|s| engaging_networks::journal_key(&fingerprint, &headers, m, s)),
        Target::ParticipantKit => state.pk.with_untracked(|s| participant_kit::journal_key(&fingerprint, &headers, m, s)),
    });
    Some(key)
}

/// What a running send reports to the page.
#[derive(Clone, Copy)]
struct Progress {
    sending: RwSignal<bool>,
    done: RwSignal<usize>,
    total: RwSignal<usize>,
    failure: RwSignal<Option<String>>,
    storage_warning: RwSignal<Option<String>>,
}

/// Drives `engine` to the end, then hands its report and receipt to the page.
async fn run<P: Protocol + 'static>(state: AppState, engine: Engine<P>, route: Route, controls: Controls, sink: JournalSink, progress: Progress) {
    let (d, t) = engine.progress();
    progress.done.set(d);
    progress.total.set(t);
    let engine = drive(engine, route, controls, sink, move |e| {
        let (d, t) = e.progress();
        progress.done.set(d);
        progress.total.set(t);
    })
    .await;
    progress.sending.set(false);
    let report = engine.report().clone();
    let headers = state.sheet.with_untracked(|s| s.as_ref().map(|s| s.headers.clone()).unwrap_or_default());
    let sent = report.count("sent");
    let mut receipt = state.mapping.with_untracked(|m| match state.target.get_untracked() {
        Target::Engage => state.engage.with_untracked(|s| engage::receipt(&headers, m, s, sent)),
        Target::LumiSay => state.lumi.with_untracked(|s| lumi_say::receipt(&headers, m, s, sent)),
        Target::EngagingNetworks => state.en.with_untracked(|s| engaging_networks::receipt(&headers, m, s, sent)),
        Target::ParticipantKit => state.pk.with_untracked(|s| participant_kit::receipt(&headers, m, s, sent)),
    });
    receipt.when = String::from(js_sys::Date::new_0().to_iso_string());
    state.receipt.set(Some(receipt));
    state.report.set(Some(report));
    match engine.failure() {
        Some(message) => progress.failure.set(Some(message.to_string())),
        None => state.step.set(Step::Report),
    }
    if let Some(collect_url) = state.relay.get_untracked() {
        await_callbacks(state, collect_url, engine.progress().0).await;
    }
}

/// Polls the relay until Lumi Say's results for `expected` respondents are in, or 15 minutes pass.
async fn await_callbacks(state: AppState, collect_url: String, expected: usize) {
    let started = js_sys::Date::now();
    while js_sys::Date::now() - started < 15.0 * 60_000.0 {
        match crate::relay::collect(&collect_url).await {
            Ok(bodies) => {
                let parsed: Vec<lumi_say::Callback> = bodies.iter().filter_map(|b| lumi_say::Callback::parse(b)).collect();
                if !parsed.is_empty() {
                    state.callbacks.update(|c| c.extend(parsed));
                }
            }
            Err(_) => break,
        }
        let covered: usize = state.callbacks.with_untracked(|c| c.iter().map(|cb| cb.imported().map_or(0, |(_, y)| y)).sum());
        let stopped = state.callbacks.with_untracked(|c| c.iter().any(|cb| !cb.status.eq_ignore_ascii_case("ok")));
        if covered >= expected || stopped {
            break;
        }
        sleep_ms(1500).await;
    }
    state.relay.set(None);
}

/// How Lumi Say's final result comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallbackMode {
    None,
    OwnUrl,
    Relay,
}

/// The send step.
#[component]
pub fn SendStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    let target = state.target.get_untracked();
    let controls = Controls { cancel: RwSignal::new(false), pause: RwSignal::new(false) };
    let progress = Progress {
        sending: RwSignal::new(false),
        done: RwSignal::new(0),
        total: RwSignal::new(0),
        failure: RwSignal::new(None),
        storage_warning: RwSignal::new(None),
    };
    let callback_mode = RwSignal::new(CallbackMode::None);
    let credential_problems = move || match target {
        Target::Engage => state.engage_login.with(engage::Credentials::problems),
        Target::LumiSay => state.lumi_login.with(lumi_say::Credentials::problems),
        Target::EngagingNetworks => state.en_login.with(engaging_networks::Credentials::problems),
        Target::ParticipantKit => state.pk_login.with(participant_kit::Credentials::problems),
    };
    let blocking = move || credential_problems().iter().any(|p| p.ends_with("is empty."));

    // An earlier, unfinished send of the same file, mapping and destination.
    let key = StoredValue::new(journal_key(&state));
    let earlier = RwSignal::new(None::<Journal>);
    let resume = RwSignal::new(true);
    let resend_unknown = RwSignal::new(false);
    if let Some(key) = key.get_value() {
        leptos::task::spawn_local(async move {
            match journal_store::load(&key).await {
                Ok(Some(json)) => earlier.set(Some(Journal::from_json(&json)).filter(|j| j.offer().is_some())),
                Ok(None) => {}
                Err(e) => progress.storage_warning.set(Some(format!("Earlier progress cannot be read in this browser ({e})."))),
            }
        });
    }
    let settled = move || -> BTreeMap<usize, Outcome> {
        match (resume.get(), earlier.get()) {
            (true, Some(journal)) => journal.settled(resend_unknown.get()),
            _ => BTreeMap::new(),
        }
    };
    let ready = move || {
        let settled = settled();
        state.prepared.with(|p| p.as_ref().map_or(0, |p| p.records.iter().filter(|r| !settled.contains_key(&r.row)).count()))
    };

    let start = move |_| {
        let Some(prepared) = state.prepared.get_untracked() else { return };
        let already = settled();
        let journal = if resume.get_untracked() { earlier.get_untracked().unwrap_or_default() } else { Journal::default() };
        let sink = JournalSink { key: key.get_value().unwrap_or_default(), journal, warning: progress.storage_warning };
        let route = state.route();
        let seed = js_sys::Date::now().to_bits();
        progress.failure.set(None);
        controls.cancel.set(false);
        controls.pause.set(false);
        progress.sending.set(true);
        state.callbacks.set(Vec::new());
        state.relay.set(None);
        match target {
            Target::Engage => {
                let policy = Policy { concurrency: ENGAGE_CONCURRENCY, ..Policy::default() };
                let engine = engage::engine(state.engage.get_untracked(), state.engage_login.get_untracked(), &prepared, policy, &already, seed);
                leptos::task::spawn_local(run(state, engine, route, controls, sink, progress));
            }
            Target::ParticipantKit => {
                let engine = participant_kit::engine(state.pk.get_untracked(), state.pk_login.get_untracked(), &prepared, Policy::default(), &already, seed);
                leptos::task::spawn_local(run(state, engine, route, controls, sink, progress));
            }
            Target::EngagingNetworks => {
                let policy = Policy { concurrency: EN_CONCURRENCY, ..Policy::default() };
                let engine = engaging_networks::engine(state.en.get_untracked(), state.en_login.get_untracked(), &prepared, policy, &already, seed);
                leptos::task::spawn_local(run(state, engine, route, controls, sink, progress));
            }
            Target::LumiSay => {
                let mode = callback_mode.get_untracked();
                leptos::task::spawn_local(async move {
                    let mut settings = state.lumi.get_untracked();
                    match (mode, &route) {
                        (CallbackMode::Relay, Route::Proxy(proxy)) => match crate::relay::open(proxy).await {
                            Ok((collect_url, callback_url)) => {
                                settings.callback_url = callback_url;
                                state.relay.set(Some(collect_url));
                            }
                            Err(e) => {
                                progress.sending.set(false);
                                progress.failure.set(Some(format!("Nothing was sent: {e}.")));
                                return;
                            }
                        },
                        (CallbackMode::Relay, Route::Direct) => {
                            progress.sending.set(false);
                            progress.failure.set(Some("Nothing was sent: the relay needs the Ferry proxy. Set the proxy URL in step 2, or choose another way to get the result.".into()));
                            return;
                        }
                        (CallbackMode::None, _) => settings.callback_url.clear(),
                        (CallbackMode::OwnUrl, _) => {}
                    }
                    let policy = Policy { concurrency: LUMI_SAY_CONCURRENCY, ..Policy::default() };
                    let engine = lumi_say::engine(settings, state.lumi_login.get_untracked(), &prepared, policy, &already, seed);
                    run(state, engine, route, controls, sink, progress).await;
                });
            }
        }
    };
    let show_progress = move || progress.sending.get() || progress.done.get() != 0;
    let sending = progress.sending;

    view! {
        <section class="step" aria-labelledby="send-title">
            <h2 id="send-title">{format!("Send to {}", target.vendor().name)}</h2>
            <p class="lead">"Sign in with the account that imports. These details stay in this page's memory and are forgotten when you close it."</p>
            <fieldset disabled=move || sending.get()>
                {match target {
                    Target::Engage => view! { <EngageLogin/> }.into_any(),
                    Target::LumiSay => view! { <LumiSayLogin/><LumiSayCallback mode=callback_mode/> }.into_any(),
                    Target::EngagingNetworks => view! { <EngagingNetworksLogin/> }.into_any(),
                    Target::ParticipantKit => view! {
                        <legend>"Participant Kit"</legend>
                        <div class="grid">
                            <TextField id="pk-send-token" label="OAuth2 token" kind="password"
                                value=Signal::derive(move || state.pk_login.with(|l| l.token.clone())) on_input=move |v| state.pk_login.update(|l| l.token = v)/>
                        </div>
                    }.into_any(),
                }}
            </fieldset>
            {move || {
                let p: Vec<String> = credential_problems().into_iter().filter(|p| !p.ends_with("is empty.")).collect();
                (!p.is_empty()).then(|| view! { <div class="notice warn">{p.into_iter().map(|m| view! { <p>{m}</p> }).collect::<Vec<_>>()}</div> })
            }}
            <ResumeChoice earlier=earlier resume=resume resend_unknown=resend_unknown disabled=sending/>
            {move || progress.storage_warning.get().map(|w| view! { <div class="notice warn">{w}</div> })}
            {move || progress.failure.get().map(|f| view! { <div class="notice error" role="alert" id="send-error">{f}</div> })}
            <Show when=show_progress>
                <ProgressBar done=progress.done total=progress.total unit="records answered"/>
            </Show>
            <div class="actions">
                <button type="button" disabled=move || sending.get() on:click=move |_| state.step.set(Step::Review)>"Back"</button>
                <span class="spacer"></span>
                <Show
                    when=move || sending.get()
                    fallback=move || view! {
                        <button class="primary" type="button" id="send-button" disabled=move || blocking() || ready() == 0 on:click=start>
                            {move || format!("Send {} records", thousands(ready()))}
                        </button>
                    }
                >
                    <button type="button" id="pause-button" on:click=move |_| controls.pause.update(|p| *p = !*p)>
                        {move || if controls.pause.get() { "Resume sending" } else { "Pause" }}
                    </button>
                    <button type="button" id="cancel-button" disabled=move || controls.cancel.get() on:click=move |_| controls.cancel.set(true)>
                        {move || if controls.cancel.get() { "Cancelling after the requests in flight…" } else { "Cancel" }}
                    </button>
                </Show>
            </div>
        </section>
    }
}

/// Engage's four login fields.
#[component]
fn EngageLogin() -> impl IntoView {
    let state = expect_context::<AppState>();
    let login = state.engage_login;
    if login.with_untracked(|l| l.client_id.is_empty()) {
        let org = state.engage.with_untracked(|s| s.org_slug.clone());
        login.update(|l| l.client_id = org);
    }
    let field = move |get: fn(&engage::Credentials) -> String| Signal::derive(move || login.with(get));
    let set = move |apply: fn(&mut engage::Credentials, String)| move |v: String| login.update(|l| apply(l, v));
    view! {
        <legend>"Engage account"</legend>
        <div class="grid">
            <TextField id="username" label="Username" hint="Your Engage login e-mail (not a Gmail account)." value=field(|l| l.username.clone()) on_input=set(|l, v| l.username = v)/>
            <TextField id="password" label="Password" kind="password" value=field(|l| l.password.clone()) on_input=set(|l, v| l.password = v)/>
            <TextField id="client-id" label="Client ID" hint="Usually your organisation slug." value=field(|l| l.client_id.clone()) on_input=set(|l, v| l.client_id = v)/>
            <TextField id="client-secret" label="Client secret" hint="Issued by Longenesis." kind="password" value=field(|l| l.client_secret.clone()) on_input=set(|l, v| l.client_secret = v)/>
        </div>
    }
}

/// The Engaging Networks private token.
#[component]
fn EngagingNetworksLogin() -> impl IntoView {
    let state = expect_context::<AppState>();
    let login = state.en_login;
    view! {
        <legend>"Engaging Networks"</legend>
        <div class="grid">
            <TextField id="en-token" label="Private token" hint="From Hello <your name> > Account settings > Tokens in your dashboard." kind="password"
                value=Signal::derive(move || login.with(|l| l.token.clone())) on_input=move |v| login.update(|l| l.token = v)/>
        </div>
        <p class="hint">"The job status arrives by e-mail from Engaging Networks; Ferry shows the job numbers."</p>
    }
}

/// Lumi Say's dashboard login.
#[component]
fn LumiSayLogin() -> impl IntoView {
    let state = expect_context::<AppState>();
    let login = state.lumi_login;
    view! {
        <legend>"Lumi Say dashboard account"</legend>
        <p class="hint">"The respondent APIs sign in with your dashboard login; this may end your open dashboard session."</p>
        <div class="grid">
            <TextField id="username" label="Dashboard user name" value=Signal::derive(move || login.with(|l| l.user_name.clone())) on_input=move |v| login.update(|l| l.user_name = v)/>
            <TextField id="password" label="Dashboard password" kind="password" value=Signal::derive(move || login.with(|l| l.password.clone())) on_input=move |v| login.update(|l| l.password = v)/>
        </div>
    }
}

/// How the asynchronous import result comes back.
#[component]
fn LumiSayCallback(mode: RwSignal<CallbackMode>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let option = move |value: CallbackMode, id: &'static str, label: &'static str| {
        view! {
            <label class="check">
                <input type="radio" name="callback" id=id prop:checked=move || mode.get() == value on:change=move |_| mode.set(value)/>
                {label}
            </label>
        }
    };
    view! {
        <div class="field" style="margin-top: 1rem">
            <span class="hint">"Lumi Say imports in the background: its answer only means the import started. The final result (\"X of Y respondents imported\") is sent to a callback URL."</span>
            {option(CallbackMode::None, "callback-none", "No callback: check the result in Lumi Say")}
            {option(CallbackMode::OwnUrl, "callback-own", "Send the result to my own URL")}
            <Show when=move || mode.get() == CallbackMode::OwnUrl>
                <TextField id="callback-url" label="Callback URL" kind="url" value=Signal::derive(move || state.lumi.with(|s| s.callback_url.clone())) on_input=move |v| state.lumi.update(|s| s.callback_url = v)/>
            </Show>
            {option(CallbackMode::Relay, "callback-relay", "Show the result here, through the Ferry proxy's relay (it keeps only the result, for at most 15 minutes)")}
        </div>
    }
}

/// The offer to resume an earlier, unfinished send of the same file.
#[component]
fn ResumeChoice(
    /// The earlier send's journal, once read.
    earlier: RwSignal<Option<Journal>>,
    /// Resume (true) or start over.
    resume: RwSignal<bool>,
    /// Also send rows whose fate is unknown.
    resend_unknown: RwSignal<bool>,
    /// While a send runs.
    disabled: RwSignal<bool>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let total = move || state.prepared.with(|p| p.as_ref().map_or(0, |p| p.records.len()));
    move || {
        earlier.get().and_then(|j| j.offer()).map(|offer| {
            let unknown = offer.unknown;
            view! {
                <fieldset class="notice info" id="resume-offer" disabled=move || disabled.get()>
                    <legend>"This file was partly sent before"</legend>
                    <p>{format!("Resume: {} of {} rows already sent, with the same columns and destination.", thousands(offer.sent), thousands(total()))}</p>
                    <label class="check">
                        <input type="radio" name="resume" id="resume-yes" prop:checked=move || resume.get() on:change=move |_| resume.set(true)/>
                        "Resume: send only the rows not sent yet"
                    </label>
                    <label class="check">
                        <input type="radio" name="resume" id="resume-no" prop:checked=move || !resume.get() on:change=move |_| resume.set(false)/>
                        "Start over: send every row again (rows already sent arrive twice)"
                    </label>
                    {(unknown > 0).then(|| view! {
                        <p>{format!("{} rows were on their way when the page closed: the platform may or may not have them. They are not sent again unless you tick this box.", thousands(unknown))}</p>
                        <label class="check">
                            <input type="checkbox" id="resend-unknown" prop:checked=move || resend_unknown.get() on:change=move |ev| resend_unknown.set(event_target_checked(&ev))/>
                            {format!("Send those {} rows again too", thousands(unknown))}
                        </label>
                    })}
                </fieldset>
            }
        })
    }
}
