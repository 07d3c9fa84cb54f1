//! Lumi Say list membership: copy respondents to a list or remove them from one, taking
//! the usernames from the rows just imported, a file column, or a pasted list. After an
//! import it sits on the report; on its own it is the "Lumi Say lists" view.

use ferry_core::mapping::Source;
use ferry_core::report::OutcomeKind;
use ferry_core::vendors::lumi_say::{self, Action, Answer, Credentials, Settings};
use ferry_core::vendors::{Login, Target};
use leptos::prelude::*;

use crate::components::connection::Connection;
use crate::components::text_field::TextField;
use crate::state::AppState;
use crate::transport;
use crate::vendors::SettingsOf;

/// What the last list call said, with the rows it points at.
#[derive(Clone, Debug, PartialEq)]
struct ListResult {
    ok: bool,
    message: String,
    rows: Vec<(String, Option<usize>)>,
}

/// Where the usernames come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Usernames {
    /// The rows the last send imported.
    Imported,
    /// A column of the loaded file.
    Column(usize),
    /// Typed or pasted into the page.
    Pasted,
}

/// The list services on their own, with the instance and the login they need: no file
/// or import first.
#[component]
pub fn ListsView() -> impl IntoView {
    let state = expect_context::<AppState>();
    // The login typed at the send step when Lumi Say is the target; else its own.
    let chosen = state.target.get_untracked() == Target::from_id(super::PAGE.id).unwrap_or_else(Target::first);
    let login = if chosen { state.login } else { RwSignal::new(Login::default()) };
    let field = move |key: &'static str| Signal::derive(move || login.with(|l| l.get(key).to_string()));
    view! {
        <section class="step" aria-labelledby="lumi-lists-title">
            <h2 id="lumi-lists-title">"Lumi Say lists"</h2>
            <p class="lead">"Copy respondents to a list, or remove them from one, by their usernames: pasted here, or from a file's column once a file is loaded."</p>
            <Connection/>
            <fieldset>
                <legend>"Lumi Say instance and login"</legend>
                <div class="grid">
                    <super::InstanceFields/>
                    <TextField id="lists-username" label="Dashboard username" value=field("user_name") on_input=move |v| login.update(|l| l.set("user_name", v))/>
                    <TextField id="lists-password" label="Dashboard password" kind="password" value=field("password") on_input=move |v| login.update(|l| l.set("password", v))/>
                </div>
            </fieldset>
            <LumiSayLists login=login standalone=true/>
        </section>
    }
}

/// Copy to / remove from a list, with `login`; `standalone` when no import came first.
#[component]
pub fn LumiSayLists(login: RwSignal<Login>, #[prop(optional)] standalone: bool) -> impl IntoView {
    let state = expect_context::<AppState>();
    let settings = SettingsOf::<Settings>::new(super::PAGE.id);
    let action = RwSignal::new(Action::CopyToList);
    let group = RwSignal::new(String::new());
    let source = RwSignal::new(if standalone { Usernames::Pasted } else { Usernames::Imported });
    let pasted = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let result = RwSignal::new(None::<ListResult>);
    let headers = move || state.sheet.with(|s| s.as_ref().map(|s| s.headers.clone()).unwrap_or_default());
    let usernames = move || -> Vec<String> {
        match source.get() {
            Usernames::Imported => state.report.with(|r| {
                r.as_ref()
                    .map(|r| {
                        r.rows.iter().filter(|l| l.outcome.kind() == OutcomeKind::Sent && !l.identifier.is_empty()).map(|l| l.identifier.clone()).collect()
                    })
                    .unwrap_or_default()
            }),
            Usernames::Column(column) => state.sheet.with(|s| s.as_ref().map(|s| lumi_say::usernames_in_column(s, column)).unwrap_or_default()),
            Usernames::Pasted => pasted.with(|t| lumi_say::usernames_in_text(t)),
        }
    };
    let row_of = move |username: &str| -> Option<usize> {
        let column = match source.get_untracked() {
            Usernames::Pasted => return None,
            Usernames::Column(c) => Some(c),
            Usernames::Imported => state.mapping.with_untracked(|m| match m.get("username") {
                Some(Source::Column(c)) => Some(*c),
                _ => None,
            }),
        }?;
        state.sheet.with_untracked(|s| s.as_ref().and_then(|s| (0..s.len()).find(|&r| s.cell(r, column) == username).map(|r| s.number(r))))
    };
    let submit = move |_| {
        let names = usernames();
        let list = group.get_untracked();
        let act = action.get_untracked();
        let settings = settings.get_untracked();
        if let Some(problem) = lumi_say::list_problems(&settings, &Credentials::from_login(&login.get_untracked())).into_iter().next() {
            result.set(Some(ListResult { ok: false, message: problem, rows: vec![] }));
            return;
        }
        let request = lumi_say::list_request(&settings, &Credentials::from_login(&login.get_untracked()), act, &list, &names);
        let route = state.route();
        busy.set(true);
        result.set(None);
        leptos::task::spawn_local(async move {
            let outcome = match transport::perform(&request, &route).await {
                Ok(response) => match lumi_say::read_answer(&response) {
                    Answer::Ok { message, .. } => ListResult { ok: true, message, rows: vec![] },
                    Answer::Error(message) => {
                        let rows = lumi_say::named_respondents(&message)
                            .into_iter()
                            .map(|u| {
                                let r = row_of(&u);
                                (u, r)
                            })
                            .collect();
                        ListResult { ok: false, message: lumi_say::explain(&message), rows }
                    }
                    Answer::Http { message, .. } => ListResult { ok: false, message, rows: vec![] },
                },
                Err(e) => ListResult { ok: false, message: format!("Lumi Say could not be reached: {e}"), rows: vec![] },
            };
            result.set(Some(outcome));
            busy.set(false);
        });
    };
    let verb = move || match action.get() {
        Action::RemoveFromList => "Remove",
        _ => "Copy",
    };
    let choose_source = move |ev| {
        let value = event_target_value(&ev);
        source.set(match value.as_str() {
            "imported" => Usernames::Imported,
            "pasted" => Usernames::Pasted,
            v => v.parse().map_or(Usernames::Pasted, Usernames::Column),
        });
    };
    view! {
        <section class="lists" aria-labelledby="lists-title">
            <h3 id="lists-title">"List membership"</h3>
            <div class="grid">
                <div class="field">
                    <label for="list-action">"Action"</label>
                    <select id="list-action" on:change=move |ev| action.set(if event_target_value(&ev) == "remove" { Action::RemoveFromList } else { Action::CopyToList })>
                        <option value="copy" selected=move || action.get() == Action::CopyToList>"Copy respondents to a list"</option>
                        <option value="remove" selected=move || action.get() == Action::RemoveFromList>"Remove respondents from a list"</option>
                    </select>
                </div>
                <TextField id="list-group" label="List ID" value=group on_input=move |v| group.set(v)/>
                <div class="field">
                    <label for="list-source">"Usernames from"</label>
                    <select id="list-source" on:change=choose_source>
                        {(!standalone).then(|| view! { <option value="imported" selected=move || source.get() == Usernames::Imported>"The rows just imported"</option> })}
                        {move || headers().into_iter().enumerate().map(|(i, h)| view! { <option value=i.to_string() selected=move || source.get() == Usernames::Column(i)>{format!("Column {h}")}</option> }).collect::<Vec<_>>()}
                        <option value="pasted" selected=move || source.get() == Usernames::Pasted>"A list pasted below"</option>
                    </select>
                </div>
            </div>
            <Show when=move || source.get() == Usernames::Pasted>
                <div class="field" style="margin-top: .9rem">
                    <label for="list-usernames">"Usernames"</label>
                    <textarea id="list-usernames" rows="6" aria-describedby="list-usernames-hint" prop:value=pasted on:input=move |ev| pasted.set(event_target_value(&ev))></textarea>
                    <span class="hint" id="list-usernames-hint">"One per line, or separated by commas or tabs (a column copied from a spreadsheet). Each is sent once."</span>
                </div>
            </Show>
            <div class="actions">
                <span class="spacer"></span>
                <button type="button" id="list-submit" disabled=move || busy.get() || group.with(|g| g.trim().is_empty()) || usernames().is_empty() on:click=submit>
                    {move || format!("{} {}", verb(), ferry_core::text::count(usernames().len(), "respondent", "respondents"))}
                </button>
            </div>
            {move || result.get().map(|r| {
                let class = if r.ok { "notice ok" } else { "notice error" };
                let rows = r.rows.into_iter().map(|(u, row)| view! {
                    <li>{match row { Some(n) => format!("{u}: row {n}"), None => u }}</li>
                }).collect::<Vec<_>>();
                view! { <div class=class role="status" id="list-result"><p>{r.message}</p><ul>{rows}</ul></div> }
            })}
        </section>
    }
}
