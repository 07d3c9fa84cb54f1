//! Lumi Say list membership, after an import: copy respondents to a list or remove them
//! from one, taking the usernames from the rows just imported or from a file column.

use ferry_core::mapping::Source;
use ferry_core::report::OutcomeKind;
use ferry_core::vendors::lumi_say::{self, Action, Answer, Credentials, Settings};
use leptos::prelude::*;

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

/// Copy to / remove from a list.
#[component]
pub fn LumiSayLists() -> impl IntoView {
    let state = expect_context::<AppState>();
    let settings = SettingsOf::<Settings>::new(super::PAGE.id);
    let action = RwSignal::new(Action::CopyToList);
    let group = RwSignal::new(String::new());
    let source = RwSignal::new(None::<usize>);
    let busy = RwSignal::new(false);
    let result = RwSignal::new(None::<ListResult>);
    let headers = move || state.sheet.with(|s| s.as_ref().map(|s| s.headers.clone()).unwrap_or_default());
    let usernames = move || -> Vec<String> {
        match source.get() {
            None => state.report.with(|r| {
                r.as_ref()
                    .map(|r| {
                        r.rows.iter().filter(|l| l.outcome.kind() == OutcomeKind::Sent && !l.identifier.is_empty()).map(|l| l.identifier.clone()).collect()
                    })
                    .unwrap_or_default()
            }),
            Some(column) => state.sheet.with(|s| s.as_ref().map(|s| lumi_say::usernames_in_column(s, column)).unwrap_or_default()),
        }
    };
    let row_of = move |username: &str| -> Option<usize> {
        let column = state.mapping.with_untracked(|m| match m.get("username") {
            Some(Source::Column(c)) => Some(*c),
            _ => None,
        })?;
        state.sheet.with_untracked(|s| s.as_ref().and_then(|s| (0..s.len()).find(|&r| s.cell(r, column) == username).map(|r| s.number(r))))
    };
    let submit = move |_| {
        let names = usernames();
        let list = group.get_untracked();
        let act = action.get_untracked();
        let request = lumi_say::list_request(&settings.get_untracked(), &Credentials::from_login(&state.login.get_untracked()), act, &list, &names);
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
                    <select id="list-source" on:change=move |ev| source.set(event_target_value(&ev).parse().ok())>
                        <option value="" selected=move || source.get().is_none()>"The rows just imported"</option>
                        {move || headers().into_iter().enumerate().map(|(i, h)| view! { <option value=i.to_string() selected=move || source.get() == Some(i)>{format!("Column {h}")}</option> }).collect::<Vec<_>>()}
                    </select>
                </div>
            </div>
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
