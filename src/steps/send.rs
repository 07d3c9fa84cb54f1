//! Step 4: the Engage account (kept in memory only), then the send with progress and cancel.

use std::collections::BTreeMap;

use ferry_core::journal::Journal;
use ferry_core::report::Outcome;
use ferry_core::send::Policy;
use ferry_core::text::thousands;
use ferry_core::vendors::engage::{self, Credentials};
use leptos::prelude::*;

use crate::app::{AppState, Step};
use crate::components::progress_bar::ProgressBar;
use crate::components::text_field::TextField;
use crate::journal_store;
use crate::send_driver::{drive, Controls, JournalSink};

/// Engage bulk requests in flight at once.
const ENGAGE_CONCURRENCY: usize = 2;

/// The journal key of the current file, mapping and destination (none without a file).
fn journal_key(state: &AppState) -> Option<String> {
    let fingerprint = state.fingerprint.get_untracked()?;
    let headers = state.sheet.with_untracked(|s| s.as_ref().map(|s| s.headers.clone()))?;
    let key = state.mapping.with_untracked(|m| state.settings.with_untracked(|s| engage::journal_key(&fingerprint, &headers, m, s)));
    Some(key)
}

/// The send step.
#[component]
pub fn SendStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    // Credentials live in these signals only: never in a URL, storage or a log.
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let client_id = RwSignal::new(state.settings.with_untracked(|s| s.org_slug.clone()));
    let client_secret = RwSignal::new(String::new());
    let credentials = move || Credentials {
        username: username.get(),
        password: password.get(),
        client_id: client_id.get(),
        client_secret: client_secret.get(),
    };
    let sending = RwSignal::new(false);
    let controls = Controls { cancel: RwSignal::new(false), pause: RwSignal::new(false) };
    let done = RwSignal::new(0usize);
    let total = RwSignal::new(0usize);
    let failure = RwSignal::new(None::<String>);
    let storage_warning = RwSignal::new(None::<String>);
    let problems = move || credentials().problems();
    let blocking = move || problems().iter().any(|p| p.ends_with("is empty."));

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
                Err(e) => storage_warning.set(Some(format!("Earlier progress cannot be read in this browser ({e}).") )),
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
        let settings = state.settings.get_untracked();
        let policy = Policy { concurrency: ENGAGE_CONCURRENCY, ..Policy::default() };
        let seed = js_sys::Date::now().to_bits();
        let engine = engage::engine(settings.clone(), credentials(), &prepared, policy, &already, seed);
        let sink = JournalSink { key: key.get_value().unwrap_or_default(), journal, warning: storage_warning };
        let route = state.route();
        failure.set(None);
        controls.cancel.set(false);
        controls.pause.set(false);
        sending.set(true);
        let (d, t) = engine.progress();
        done.set(d);
        total.set(t);
        leptos::task::spawn_local(async move {
            let engine = drive(engine, route, controls, sink, move |e| {
                let (d, t) = e.progress();
                done.set(d);
                total.set(t);
            })
            .await;
            sending.set(false);
            let report = engine.report().clone();
            let headers = state.sheet.with_untracked(|s| s.as_ref().map(|s| s.headers.clone()).unwrap_or_default());
            let mut receipt = state.mapping.with_untracked(|m| engage::receipt(&headers, m, &settings, report.count("sent")));
            receipt.when = String::from(js_sys::Date::new_0().to_iso_string());
            state.receipt.set(Some(receipt));
            state.report.set(Some(report));
            match engine.failure() {
                Some(message) => failure.set(Some(message.to_string())),
                None => state.step.set(Step::Report),
            }
        });
    };
    let show_progress = move || sending.get() || done.get() != 0;

    view! {
        <section class="step" aria-labelledby="send-title">
            <h2 id="send-title">"Send to Engage"</h2>
            <p class="lead">"Sign in with the Engage account that imports. These details stay in this page's memory and are forgotten when you close it."</p>
            <fieldset disabled=move || sending.get()>
                <legend>"Engage account"</legend>
                <div class="grid">
                    <TextField id="username" label="Username" hint="Your Engage login e-mail (not a Gmail account)." value=username on_input=move |v| username.set(v)/>
                    <TextField id="password" label="Password" kind="password" value=password on_input=move |v| password.set(v)/>
                    <TextField id="client-id" label="Client ID" hint="Usually your organisation slug." value=client_id on_input=move |v| client_id.set(v)/>
                    <TextField id="client-secret" label="Client secret" hint="Issued by Longenesis." kind="password" value=client_secret on_input=move |v| client_secret.set(v)/>
                </div>
            </fieldset>
            {move || {
                let p: Vec<String> = problems().into_iter().filter(|p| !p.ends_with("is empty.")).collect();
                (!p.is_empty()).then(|| view! { <div class="notice warn">{p.into_iter().map(|m| view! { <p>{m}</p> }).collect::<Vec<_>>()}</div> })
            }}
            <ResumeChoice earlier=earlier resume=resume resend_unknown=resend_unknown disabled=sending/>
            {move || storage_warning.get().map(|w| view! { <div class="notice warn">{w}</div> })}
            {move || failure.get().map(|f| view! { <div class="notice error" role="alert" id="send-error">{f}</div> })}
            <Show when=show_progress>
                <ProgressBar done=done total=total unit="records answered"/>
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
                        <p>{format!("{} rows were on their way when the page closed: Engage may or may not have them. They are not sent again unless you tick this box.", thousands(unknown))}</p>
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
