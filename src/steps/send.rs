//! Step 4: the Engage account (kept in memory only), then the send with progress and cancel.

use ferry_core::vendors::engage::{self, Credentials};
use leptos::prelude::*;

use crate::app::{AppState, Step};
use crate::components::progress_bar::ProgressBar;
use crate::components::text_field::TextField;
use crate::transport;

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
    let cancel = RwSignal::new(false);
    let done = RwSignal::new(0usize);
    let total = RwSignal::new(0usize);
    let failure = RwSignal::new(None::<String>);
    let ready = move || state.prepared.with(|p| p.as_ref().map_or(0, |p| p.records.len()));
    let problems = move || credentials().problems();
    let blocking = move || problems().iter().any(|p| p.ends_with("is empty."));

    let show_progress = move || sending.get() || done.get() != 0;

    let start = move |_| {
        let Some(prepared) = state.prepared.get_untracked() else { return };
        let mut job = engage::Send::new(state.settings.get_untracked(), credentials(), &prepared);
        let route = state.route();
        failure.set(None);
        cancel.set(false);
        sending.set(true);
        let (d, t) = job.progress();
        done.set(d);
        total.set(t);
        leptos::task::spawn_local(async move {
            while let Some(request) = job.next_request(js_sys::Date::now()) {
                let answer = transport::perform(&request, &route).await;
                job.handle(answer, js_sys::Date::now());
                let (d, _) = job.progress();
                done.set(d);
                if cancel.get_untracked() {
                    job.cancel();
                    break;
                }
            }
            sending.set(false);
            state.report.set(Some(job.report().clone()));
            match job.failure() {
                Some(message) => failure.set(Some(message.to_string())),
                None => state.step.set(Step::Report),
            }
        });
    };

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
                            {move || format!("Send {} records", ready())}
                        </button>
                    }
                >
                    <button type="button" id="cancel-button" disabled=move || cancel.get() on:click=move |_| cancel.set(true)>
                        {move || if cancel.get() { "Cancelling after this request…" } else { "Cancel" }}
                    </button>
                </Show>
            </div>
        </section>
    }
}
