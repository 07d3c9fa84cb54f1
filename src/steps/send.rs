//! Step 4: the vendor account (kept in memory only), then the send with progress, pause
//! and cancel, resuming an earlier unfinished send of the same file when there is one.

use std::collections::BTreeMap;

use ferry_core::journal::Journal;
use ferry_core::report::Outcome;
use ferry_core::send::{Engine, Protocol};
use ferry_core::text::thousands;
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::components::progress_bar::ProgressBar;
use crate::journal_store;
use crate::send_driver::{drive, sleep_ms, Controls, JournalSink};
use crate::state::{AppState, Step};
use crate::transport::Route;
use crate::vendors::page_of;

/// The journal key of the current file, mapping, target and destination.
fn journal_key(state: &AppState) -> Option<String> {
    let fingerprint = state.fingerprint.get_untracked()?;
    let headers = state.sheet.with_untracked(|s| s.as_ref().map(|s| s.headers.clone()))?;
    let contract = state.contract();
    Some(state.mapping.with_untracked(|m| state.settings.with_untracked(|s| contract.journal_key(&fingerprint, &headers, m, s))))
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

impl Progress {
    /// Shows `(done, total)`; the bar is drawn again only when they changed.
    fn show(&self, (done, total): (usize, usize)) {
        if self.done.get_untracked() != done {
            self.done.set(done);
        }
        if self.total.get_untracked() != total {
            self.total.set(total);
        }
    }
}

/// How often a running send's progress is shown, at most, in milliseconds: five times a
/// second reads as smooth, where every answer (80 a second) redrew the bar for nothing.
const PROGRESS_EVERY_MS: f64 = 200.0;

/// Drives `engine` to the end, then hands its report and receipt to the page.
async fn run<P: Protocol + 'static>(
    state: AppState,
    settings: serde_json::Value,
    engine: Engine<P>,
    route: Route,
    controls: Controls,
    sink: JournalSink,
    progress: Progress,
) {
    progress.show(engine.progress());
    let shown_at = std::cell::Cell::new(f64::NEG_INFINITY);
    let engine = drive(engine, route, controls, sink, move |e| {
        let now = js_sys::Date::now();
        if now - shown_at.get() >= PROGRESS_EVERY_MS {
            shown_at.set(now);
            progress.show(e.progress());
        }
    })
    .await;
    progress.show(engine.progress());
    progress.sending.set(false);
    let failure = engine.failure().map(str::to_string);
    let report = engine.into_report();
    let headers = state.sheet.with_untracked(|s| s.as_ref().map(|s| s.headers.clone()).unwrap_or_default());
    // What left the page counts, accepted or refused: the platform received it either way.
    let counts = report.counts();
    let accepted = counts.sent;
    let left = accepted + counts.rejected;
    let contract = state.contract();
    let mut receipt = state.mapping.with_untracked(|m| contract.receipt(&headers, m, &settings, left, accepted));
    receipt.note_proxy(&state.proxy_url.get_untracked());
    receipt.when = readable_now();
    state.receipt.set(Some(receipt));
    state.report.set(Some(report));
    match failure {
        Some(message) => progress.failure.set(Some(message)),
        None => state.step.set(Step::Report),
    }
    if let Some(collect_url) = state.relay.get_untracked() {
        if accepted == 0 {
            // Nothing was accepted, so no import started and no result will come.
            crate::relay::close(&collect_url).await;
            state.relay.set(None);
        } else {
            await_callbacks(state, collect_url, accepted).await;
        }
    }
}

/// Now, as people read a date and time in this browser's language ("1 December 2026 at
/// 10:06"); ISO if the browser cannot say it so.
fn readable_now() -> String {
    let now = js_sys::Date::new_0();
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"long".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).unwrap_or(JsValue::UNDEFINED);
    let language = js_sys::Reflect::get(&navigator, &"language".into()).ok().and_then(|l| l.as_string()).unwrap_or_else(|| "en-GB".into());
    let text = String::from(now.to_locale_string(&language, &options));
    if text.is_empty() {
        String::from(now.to_iso_string())
    } else {
        text
    }
}

/// Polls the relay until the target's results for `expected` rows are in, or 15 minutes pass.
async fn await_callbacks(state: AppState, collect_url: String, expected: usize) {
    let started = js_sys::Date::now();
    let contract = state.contract();
    while js_sys::Date::now() - started < 15.0 * 60_000.0 {
        match crate::relay::collect(&collect_url).await {
            Ok(bodies) => {
                let parsed: Vec<_> = bodies.iter().filter_map(|b| contract.read_callback(b)).collect();
                if !parsed.is_empty() {
                    state.callbacks.update(|c| c.extend(parsed));
                }
            }
            Err(_) => break,
        }
        let covered: usize = state.callbacks.with_untracked(|c| c.iter().map(|cb| cb.covered).sum());
        let stopped = state.callbacks.with_untracked(|c| c.iter().any(|cb| !cb.ok));
        if covered >= expected || stopped {
            break;
        }
        sleep_ms(1500).await;
    }
    crate::relay::close(&collect_url).await;
    state.relay.set(None);
}

/// The send step.
#[component]
pub fn SendStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    let target = state.target.get_untracked();
    let contract = target.contract();
    let controls = Controls { cancel: RwSignal::new(false), pause: RwSignal::new(false) };
    let progress = Progress {
        sending: RwSignal::new(false),
        done: RwSignal::new(0),
        total: RwSignal::new(0),
        failure: RwSignal::new(None),
        storage_warning: RwSignal::new(None),
    };
    let credential_problems = move || state.login_problems();
    let blocking = move || credential_problems().iter().any(|p| p.blocking);

    // An earlier, unfinished send of the same file, mapping and destination.
    let key = StoredValue::new(journal_key(&state));
    let earlier = RwSignal::new(None::<Journal>);
    let resume = RwSignal::new(true);
    let resend_unknown = RwSignal::new(false);
    if let Some(key) = key.get_value() {
        leptos::task::spawn_local(async move {
            match journal_store::load(&key).await {
                Ok(Some((state, parts))) => earlier.set(Some(Journal::from_parts(&state, &parts)).filter(|j| j.offer().is_some())),
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
    let ready_count = Memo::new(move |_| state.rows_to_send(&settled()));
    let ready = move || ready_count.get();

    let start = move |_| {
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
        let settings = state.settings.get_untracked();
        let login = state.login.get_untracked();
        leptos::task::spawn_local(async move {
            let relay_callback = if contract.wants_relay(&settings) {
                let Route::Proxy(proxy) = &route else {
                    progress.sending.set(false);
                    progress.failure.set(Some(
                        "Nothing was sent: the relay needs the Ferry proxy. Set the proxy URL in step 2, or choose another way to get the result.".into(),
                    ));
                    return;
                };
                match crate::relay::open(proxy).await {
                    Ok((collect_url, callback_url)) => {
                        state.relay.set(Some(collect_url));
                        Some(callback_url)
                    }
                    Err(e) => {
                        progress.sending.set(false);
                        progress.failure.set(Some(format!("Nothing was sent: {e}.")));
                        return;
                    }
                }
            } else {
                None
            };
            let Some(plan) = state.send_plan().await else {
                progress.sending.set(false);
                return;
            };
            // The engine is set up in a turn of its own.
            sleep_ms(0).await;
            let settings = contract.send_settings(&settings, relay_callback);
            let engine = contract.engine(&settings, &login, plan, &already, seed);
            run(state, settings, engine, route, controls, sink, progress).await;
        });
    };
    let show_progress = move || progress.sending.get() || progress.done.get() != 0;
    let sending = progress.sending;

    view! {
        <section class="step" aria-labelledby="send-title">
            <h2 id="send-title">{format!("Send to {}", target.vendor().name)}</h2>
            <p class="lead">"Sign in with the account that imports. These details stay in this page's memory and are forgotten when you close it."</p>
            <fieldset disabled=move || sending.get()>
                {(page_of(target).login)()}
            </fieldset>
            {move || {
                let p: Vec<String> = credential_problems().into_iter().filter(|p| !p.blocking).map(|p| p.text).collect();
                (!p.is_empty()).then(|| view! { <div class="notice warn">{p.into_iter().map(|m| view! { <p>{m}</p> }).collect::<Vec<_>>()}</div> })
            }}
            <ResumeChoice earlier=earlier resume=resume resend_unknown=resend_unknown disabled=sending key=key/>
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
                            {move || match ready() {
                                0 if earlier.with(Option::is_some) => "Nothing left to send".to_string(),
                                n => format!("Send {}", ferry_core::text::count(n, "record", "records")),
                            }}
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
    /// Where the journal is kept in this browser.
    key: StoredValue<Option<String>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let total = move || state.rows_to_send(&BTreeMap::new());
    let forget_failed = RwSignal::new(None::<String>);
    // The journal is forgotten in this browser; the offer goes, and the send starts over.
    let forget = move |_| {
        let Some(key) = key.get_value() else { return };
        leptos::task::spawn_local(async move {
            match journal_store::forget(&key).await {
                Ok(()) => {
                    resume.set(false);
                    earlier.set(None);
                }
                Err(e) => forget_failed.set(Some(format!("This browser did not forget it ({e})."))),
            }
        });
    };
    move || {
        earlier.get().and_then(|j| j.offer()).map(|offer| {
            let unknown = offer.unknown;
            let complete = unknown == 0 && offer.sent >= total();
            let (legend, told, keep) = if complete {
                (
                    "This file was sent before",
                    format!("All {} sent, with the same columns and destination: nothing is left to send.", ferry_core::text::count(offer.sent, "row was", "rows were")),
                    "Leave it: send nothing again",
                )
            } else {
                (
                    "This file was partly sent before",
                    format!("Resume: {} of {} rows already sent, with the same columns and destination.", thousands(offer.sent), thousands(total())),
                    "Resume: send only the rows not sent yet",
                )
            };
            view! {
                <fieldset class="notice info" id="resume-offer" disabled=move || disabled.get()>
                    <legend>{legend}</legend>
                    <p>{told}</p>
                    <label class="check">
                        <input type="radio" name="resume" id="resume-yes" prop:checked=move || resume.get() on:change=move |_| resume.set(true)/>
                        {keep}
                    </label>
                    <label class="check">
                        <input type="radio" name="resume" id="resume-no" prop:checked=move || !resume.get() on:change=move |_| resume.set(false)/>
                        "Start over: send every row again (rows already sent arrive twice)"
                    </label>
                    {(unknown > 0).then(|| view! {
                        <p>{format!("{} on their way when the page closed: the platform may or may not have them. They are not sent again unless you tick this box.", ferry_core::text::count(unknown, "row was", "rows were"))}</p>
                        <label class="check">
                            <input type="checkbox" id="resend-unknown" prop:checked=move || resend_unknown.get() on:change=move |ev| resend_unknown.set(event_target_checked(&ev))/>
                            {if unknown == 1 { "Send that row again too".to_string() } else { format!("Send those {} rows again too", thousands(unknown)) }}
                        </label>
                    })}
                    <p class="hint">"This browser keeps which row numbers of this file were sent, under a code made from the file, so a send can resume; never a cell's value or a password."</p>
                    <button type="button" id="forget-history" on:click=forget>"Forget this file's send history"</button>
                    {move || forget_failed.get().map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
                </fieldset>
            }
        })
    }
}
