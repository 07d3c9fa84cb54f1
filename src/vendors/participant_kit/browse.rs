//! Browsing and managing Participant Kit: read any list to its end (with progress and
//! cancel), show it with custom fields under their titles, download it as CSV; create and
//! delete studies, delete data links.

use ferry_core::vendors::participant_kit::{self, Credentials, Resource, Settings};
use ferry_core::vendors::{Login, Target};
use leptos::prelude::*;
use serde_json::Value;

use super::reader::read_all;
use crate::components::connection::Connection;
use crate::components::download::download_text;
use crate::components::text_field::TextField;
use crate::state::AppState;
use crate::transport;
use crate::vendors::SettingsOf;

/// Rows shown on the page; the CSV has all of them.
const SHOWN: usize = 200;

const RESOURCES: [(&str, &str); 8] = [
    ("projects", "Projects"),
    ("studies", "Studies"),
    ("panels", "Panels"),
    ("panellists", "A panel's panellists"),
    ("fields", "Fields"),
    ("participants", "Participants"),
    ("consents", "Consents"),
    ("data_links", "Data links"),
];

/// The browse view.
#[component]
pub fn Browse() -> impl IntoView {
    let state = expect_context::<AppState>();
    let settings = SettingsOf::<Settings>::new(super::PAGE.id);
    // The token typed at the map step when Participant Kit is the target; else its own.
    let chosen = state.target.get_untracked() == Target::from_id(super::PAGE.id).unwrap_or_else(Target::first);
    let login = if chosen { state.login } else { RwSignal::new(Login::default()) };
    let credentials = move || Credentials::from_login(&login.get_untracked());
    let resource = RwSignal::new("studies".to_string());
    let panel = RwSignal::new(String::new());
    let pii = RwSignal::new(false);
    let properties = RwSignal::new(true);
    let status = RwSignal::new(String::new());
    let reading = RwSignal::new(false);
    let cancel = RwSignal::new(false);
    let read = RwSignal::new(0usize);
    let error = RwSignal::new(None::<String>);
    let table = RwSignal::new(None::<(String, Vec<String>, Vec<Vec<String>>)>);
    let fields = RwSignal::new(None::<Vec<Value>>);

    let read_list = move |_| {
        let name = resource.get_untracked();
        let target = resource_named(&name, &panel.get_untracked());
        let mut include = Vec::new();
        if pii.get_untracked() && matches!(name.as_str(), "participants" | "panellists") {
            include.push("pii");
        }
        let with_properties = properties.get_untracked() && name == "panellists";
        if with_properties {
            include.push("properties");
        }
        let include = include.join(",");
        let status_filter = if name == "consents" { status.get_untracked() } else { String::new() };
        reading.set(true);
        cancel.set(false);
        error.set(None);
        read.set(0);
        leptos::task::spawn_local(async move {
            let settings = settings.get_untracked();
            let login = credentials();
            let route = state.route();
            // Field definitions are read once and reused for every panellist list.
            if with_properties && fields.with_untracked(Option::is_none) {
                match read_all(&settings, &login, &route, Resource::Fields, &[], read, cancel).await {
                    Ok(f) => fields.set(Some(f)),
                    Err(e) => {
                        error.set(Some(format!("Field definitions could not be read: {e}")));
                        reading.set(false);
                        return;
                    }
                }
            }
            let query = [("include", include.as_str()), ("status", status_filter.as_str())];
            match read_all(&settings, &login, &route, target, &query, read, cancel).await {
                Ok(items) => {
                    if name == "panels" {
                        if let Some(first) = items.first().and_then(|p| p["id"].as_str()) {
                            if panel.with_untracked(String::is_empty) {
                                panel.set(first.to_string());
                            }
                        }
                    }
                    let (columns, rows) = fields.with_untracked(|f| participant_kit::flatten(&items, f.as_deref().unwrap_or(&[])));
                    table.set(Some((name, columns, rows)));
                }
                Err(e) => error.set(Some(e)),
            }
            reading.set(false);
        });
    };
    let one_id = RwSignal::new(String::new());
    // One object by its id, into the same table (as a list of one).
    let read_one = move |_| {
        let name = resource.get_untracked();
        let target = resource_named(&name, &panel.get_untracked());
        let include = if pii.get_untracked() && name == "participants" { "pii" } else { "" };
        let Some(request) = participant_kit::retrieve_request(&settings.get_untracked(), &credentials(), &target, &one_id.get_untracked(), include) else {
            return;
        };
        let route = state.route();
        reading.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match transport::perform(&request, &route).await {
                Ok(response) => match participant_kit::read_object(&response) {
                    Ok(object) => {
                        let (columns, rows) = fields.with_untracked(|f| participant_kit::flatten(&[object], f.as_deref().unwrap_or(&[])));
                        table.set(Some((name, columns, rows)));
                    }
                    Err(e) => error.set(Some(e)),
                },
                Err(e) => error.set(Some(format!("Participant Kit could not be reached: {e}"))),
            }
            reading.set(false);
        });
    };
    let download = move |_| {
        if let Some((name, columns, rows)) = table.get_untracked() {
            if let Err(e) = download_text(&format!("participant-kit-{name}.csv"), "text/csv;charset=utf-8", &participant_kit::table_csv(&columns, &rows)) {
                error.set(Some(e));
            }
        }
    };
    view! {
        <section class="step" aria-labelledby="browse-title">
            <h2 id="browse-title">"Browse Participant Kit"</h2>
            <p class="lead">"Read a whole list (100 per request, until the last page) or one object by its ID, look at it, download it. The API URL and token are the ones of step 2."</p>
            <Connection/>
            <div class="grid">
                <TextField id="browse-base" label="API base URL" kind="url" value=settings.text(|s| s.base_url.clone()) on_input=settings.setter(|s, v| s.base_url = v)/>
                <TextField id="browse-token" label="OAuth2 token" kind="password" value=Signal::derive(move || login.with(|l| l.get("token").to_string())) on_input=move |v| login.update(|l| l.set("token", v))/>
                <div class="field">
                    <label for="browse-resource">"List"</label>
                    <select id="browse-resource" on:change=move |ev| resource.set(event_target_value(&ev))>
                        {RESOURCES.iter().map(|(value, label)| view! { <option value=*value selected=move || resource.get() == *value>{*label}</option> }).collect::<Vec<_>>()}
                    </select>
                </div>
                <Show when=move || resource.get() == "panellists">
                    <TextField id="browse-panel" label="Panel ID" hint="Starts with pan_; read the panels to fill it in." value=panel on_input=move |v| panel.set(v)/>
                </Show>
                <Show when=move || resource.get() == "consents">
                    <div class="field">
                        <label for="browse-status">"Consents"</label>
                        <select id="browse-status" on:change=move |ev| status.set(event_target_value(&ev))>
                            <option value="">"All"</option>
                            <option value="agreed">"Agreed"</option>
                            <option value="refused">"Refused"</option>
                        </select>
                    </div>
                </Show>
            </div>
            <div class="field" style="margin-top: .9rem">
                <Show when=move || matches!(resource.get().as_str(), "participants" | "panellists")>
                    <label class="check"><input type="checkbox" id="browse-pii" prop:checked=pii on:change=move |ev| pii.set(event_target_checked(&ev))/>"Include names and e-mails (pii)"</label>
                </Show>
                <Show when=move || resource.get() == "panellists">
                    <label class="check"><input type="checkbox" id="browse-properties" prop:checked=properties on:change=move |ev| properties.set(event_target_checked(&ev))/>"Include custom fields (properties), shown under their titles"</label>
                </Show>
            </div>
            <div class="actions">
                <Show when=move || reading.get()>
                    <span aria-live="polite" id="browse-progress">{move || format!("{} objects read…", ferry_core::text::thousands(read.get()))}</span>
                    <button type="button" on:click=move |_| cancel.set(true)>"Cancel"</button>
                </Show>
                <span class="spacer"></span>
                <button class="primary" type="button" id="browse-read" disabled=move || reading.get() on:click=read_list>"Read all"</button>
            </div>
            {move || resource_named(&resource.get(), "").retrievable().then(|| view! {
                <div class="grid">
                    <TextField id="browse-id" label="Or read one by its ID" hint="e.g. par_… for a participant, stu_… for a study." value=one_id on_input=move |v| one_id.set(v)/>
                </div>
                <div class="actions">
                    <span class="spacer"></span>
                    <button type="button" id="browse-read-one" disabled=move || reading.get() || one_id.with(|i| i.trim().is_empty()) on:click=read_one>"Read by ID"</button>
                </div>
            })}
            {move || error.get().map(|e| view! { <div class="notice error" role="alert" id="browse-error">{e}</div> })}
            {move || table.get().map(|(name, columns, rows)| {
                let count = rows.len();
                let head = columns.iter().map(|c| view! { <th scope="col">{c.clone()}</th> }).collect::<Vec<_>>();
                let body = rows.into_iter().take(SHOWN).map(|r| view! { <tr>{r.into_iter().map(|c| view! { <td>{c}</td> }).collect::<Vec<_>>()}</tr> }).collect::<Vec<_>>();
                view! {
                    <h3 id="browse-count">{format!("{} {}", ferry_core::text::thousands(count), name.replace('_', " "))}</h3>
                    <div class="table-wrap" role="region" aria-label="The list read from Participant Kit" tabindex="0"><table id="browse-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>
                    {(count > SHOWN).then(|| view! { <p class="hint">{format!("The first {SHOWN} are shown; the download has all {count}.")}</p> })}
                    <div class="actions"><span class="spacer"></span><button type="button" id="browse-download" on:click=download>"Download as CSV"</button></div>
                }
            })}
            <StudyTools login=login/>
        </section>
    }
}

/// The resource of the list chosen by `name` (`panel` for a panel's panellists).
fn resource_named(name: &str, panel: &str) -> Resource {
    match name {
        "projects" => Resource::Projects,
        "panels" => Resource::Panels,
        "panellists" => Resource::Panellists(panel.trim().to_string()),
        "fields" => Resource::Fields,
        "participants" => Resource::Participants,
        "consents" => Resource::Consents,
        "data_links" => Resource::DataLinks,
        _ => Resource::Studies,
    }
}

/// Create a study in a project; delete a study or a data link, after a confirmation.
#[component]
fn StudyTools(
    /// The token the browse view uses.
    login: RwSignal<Login>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let settings = SettingsOf::<Settings>::new(super::PAGE.id);
    let credentials = move || Credentials::from_login(&login.get_untracked());
    let project = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let delete_kind = RwSignal::new("studies".to_string());
    let delete_id = RwSignal::new(String::new());
    let confirming = RwSignal::new(false);
    let message = RwSignal::new(None::<(bool, String)>);
    let call = move |request: ferry_core::http::HttpRequest, done: fn(&Value) -> String| {
        let route = state.route();
        leptos::task::spawn_local(async move {
            let result = match transport::perform(&request, &route).await {
                Ok(response) => participant_kit::read_object(&response).map(|v| done(&v)),
                Err(e) => Err(format!("Participant Kit could not be reached: {e}")),
            };
            message.set(Some(match result {
                Ok(text) => (true, text),
                Err(text) => (false, text),
            }));
        });
    };
    let create = move |_| {
        let request = participant_kit::create_study_request(&settings.get_untracked(), &credentials(), &project.get_untracked(), &name.get_untracked());
        call(request, |v| {
            format!(
                "Study created: {} ({}) {}",
                v["name"].as_str().unwrap_or_default(),
                v["id"].as_str().unwrap_or_default(),
                v["app_url"].as_str().unwrap_or_default()
            )
        });
    };
    let delete = move |_| {
        confirming.set(false);
        let request = participant_kit::delete_request(&settings.get_untracked(), &credentials(), &delete_kind.get_untracked(), &delete_id.get_untracked());
        call(request, |v| format!("Deleted {}.", v["id"].as_str().unwrap_or("it")));
    };
    view! {
        <h3>"Studies and data links"</h3>
        <div class="grid">
            <TextField id="study-project" label="Project ID" hint="Starts with prj_; read the projects to see them." value=project on_input=move |v| project.set(v)/>
            <TextField id="study-name" label="New study's name" value=name on_input=move |v| name.set(v)/>
        </div>
        <div class="actions">
            <span class="spacer"></span>
            <button type="button" id="create-study" disabled=move || project.with(|p| p.trim().is_empty()) || name.with(|n| n.trim().is_empty()) on:click=create>"Create study"</button>
        </div>
        <div class="grid">
            <div class="field">
                <label for="delete-kind">"Delete a"</label>
                <select id="delete-kind" on:change=move |ev| delete_kind.set(event_target_value(&ev))>
                    <option value="studies">"Study"</option>
                    <option value="data_links">"Data link"</option>
                </select>
            </div>
            <TextField id="delete-id" label="ID" value=delete_id on_input=move |v| { confirming.set(false); delete_id.set(v) }/>
        </div>
        <div class="actions">
            <span class="spacer"></span>
            <Show
                when=move || confirming.get()
                fallback=move || view! {
                    <button type="button" id="delete-object" disabled=move || delete_id.with(|d| d.trim().is_empty()) on:click=move |_| confirming.set(true)>"Delete…"</button>
                }
            >
                <span role="alert">{move || format!("Delete {} for good?", delete_id.get())}</span>
                <button type="button" on:click=move |_| confirming.set(false)>"No, keep it"</button>
                <button type="button" class="primary" id="confirm-delete" on:click=delete>"Yes, delete"</button>
            </Show>
        </div>
        {move || message.get().map(|(ok, text)| view! { <div class=if ok { "notice ok" } else { "notice error" } role="status" id="tools-result">{text}</div> })}
    }
}
