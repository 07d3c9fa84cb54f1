//! Lumi Say's respondent APIs: `add_respondent`, `copy_respondents_to_list` and
//! `remove_respondents_from_list` under `/reactor-webapp/pt/{project}/pn/lumicompass/api/`.
//!
//! Form fields `user_name`, `password`, `respondents_json` (a JSON string) and, for
//! imports, `callback_url`. Answers `{"status":"ok"|"error","message":…}` with the
//! document's messages; a non-POST gets HTTP 400 "Action not supported". (The sandbox
//! listens on plain HTTP on loopback, so it cannot refuse non-HTTPS calls with 403 as
//! the real service does.) Imports finish asynchronously and POST the documented
//! `{"status","message","id"}` to `callback_url`.
//!
//! Companies: each has its own sample fields, and a dashboard user has access to some of
//! them. `company_id` is needed "only if you have access to more than one company": a
//! user with several who names none, or names one they cannot reach, gets
//! "Authentication failure." (the user lacks "the right permissions and company
//! access"). Usernames are "unique across the instance": importing with `overwrite` a
//! username that belongs to another company stops the import, and the callback says
//! "Could not overwrite respondent X, import stopped." (without `overwrite` it is
//! skipped, and the count says so).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};

use crate::Shared;

/// A sample field the demo company defines.
#[derive(Debug, Clone, Serialize)]
pub struct SampleField {
    /// Its alias.
    pub alias: String,
    /// Whether values must be whole numbers.
    pub integer: bool,
    /// Whether every respondent must have a value ("Field cannot be empty.; sample field X").
    pub required: bool,
}

/// A dashboard user of the project.
#[derive(Debug, Clone)]
pub struct DashboardUser {
    /// Their user name.
    pub name: String,
    /// Their password.
    pub password: String,
    /// The companies they have access to.
    pub companies: Vec<String>,
}

/// A respondent as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Respondent {
    /// Unique across the instance.
    pub username: String,
    /// The company the respondent is under.
    pub company: String,
    /// As received.
    pub phonenumber: Option<String>,
    /// As received.
    pub email: Option<String>,
    /// Alias → value.
    pub sample_fields: BTreeMap<String, String>,
    /// Lists (group ids) the respondent belongs to.
    pub lists: BTreeSet<String>,
}

/// One project's respondents, lists and the callbacks the sandbox sent.
#[derive(Debug, Serialize)]
pub struct LumiProject {
    /// The dashboard users allowed to use the APIs.
    #[serde(skip)]
    pub users: Vec<DashboardUser>,
    /// Each company's sample fields, by company id.
    pub companies: BTreeMap<String, Vec<SampleField>>,
    /// Known lists (group ids) and, for preview groups, their maximum size.
    pub lists: BTreeMap<String, Option<usize>>,
    /// Respondents by username.
    pub respondents: BTreeMap<String, Respondent>,
    /// Callback bodies POSTed, with the URL's status answer.
    pub callbacks: Vec<Value>,
    /// Import calls that started.
    pub imports_started: u32,
}

/// The demo project.
pub const DEMO_PROJECT: &str = "demo-project";

impl Default for LumiProject {
    /// Company 1 with sample fields `age` (integer) and `site` (required), lists 101 and
    /// 102 and preview group 103 (at most 3); company 2 with no sample fields, list 201 and
    /// one respondent, `taken.elsewhere`. Dashboard users (password `sandbox-password`):
    /// `coordinator` (company 1) and `two-companies` (companies 1 and 2).
    fn default() -> Self {
        let user = |name: &str, companies: &[&str]| DashboardUser {
            name: name.into(),
            password: crate::state::DEMO_PASSWORD.into(),
            companies: companies.iter().map(|c| c.to_string()).collect(),
        };
        let elsewhere = Respondent {
            username: "taken.elsewhere".into(),
            company: "2".into(),
            phonenumber: None,
            email: Some("taken@example.org".into()),
            sample_fields: BTreeMap::new(),
            lists: BTreeSet::from(["201".to_string()]),
        };
        LumiProject {
            users: vec![user("coordinator", &["1"]), user("two-companies", &["1", "2"])],
            companies: BTreeMap::from([
                (
                    "1".to_string(),
                    vec![
                        SampleField { alias: "age".into(), integer: true, required: false },
                        SampleField { alias: "site".into(), integer: false, required: true },
                    ],
                ),
                ("2".to_string(), Vec::new()),
            ]),
            lists: BTreeMap::from([("101".into(), None), ("102".into(), None), ("103".into(), Some(3)), ("201".into(), None)]),
            respondents: BTreeMap::from([(elsewhere.username.clone(), elsewhere)]),
            callbacks: Vec::new(),
            imports_started: 0,
        }
    }
}

fn answer(status: &str, message: &str) -> Response {
    Json(json!({ "status": status, "message": message })).into_response()
}

fn error(message: &str) -> Response {
    answer("error", message)
}

/// Anything but POST on an API path.
pub async fn not_a_post() -> Response {
    (StatusCode::BAD_REQUEST, "Action not supported").into_response()
}

/// A call that passed [`login`].
struct Call {
    /// Its form fields.
    form: Vec<(String, String)>,
    /// `respondents_json`, read.
    document: Value,
    /// The company it acts in.
    company: String,
}

/// A call's form, its JSON document and the company it acts in: checked for the three
/// required parameters, the login and the user's access to the company.
fn login(shared: &Shared, project: &str, headers: &HeaderMap, body: &Bytes) -> Result<Call, Response> {
    let is_form = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let form: Vec<(String, String)> = if is_form { serde_urlencoded::from_bytes(body).unwrap_or_default() } else { Vec::new() };
    let get = |k: &str| form.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let (Some(user), Some(password), Some(json_text)) = (get("user_name"), get("password"), get("respondents_json")) else {
        return Err(error("Error missing required parameter."));
    };
    let s = shared.lock().expect("sandbox state");
    let Some(p) = s.lumi.get(project) else {
        return Err((StatusCode::NOT_FOUND, "Unknown project").into_response());
    };
    let Some(account) = p.users.iter().find(|u| u.name == user && u.password == password).cloned() else {
        return Err(error("Authentication failure."));
    };
    drop(s);
    let document: Value = match serde_json::from_str::<Value>(&json_text) {
        Ok(v) if v.is_object() => v,
        _ => return Err(error("Could not parse json parameter as a JSONObject.")),
    };
    let named = document.get("company_id").and_then(text).map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
    let company = match named {
        Some(c) if account.companies.contains(&c) => c,
        None if account.companies.len() == 1 => account.companies[0].clone(),
        // A company the user cannot reach, or none named by a user of several.
        _ => return Err(error("Authentication failure.")),
    };
    Ok(Call { form, document, company })
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn flag(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// `POST …/api/add_respondent`.
pub async fn add_respondent(State(shared): State<Shared>, Path(project): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let Call { form, document: doc, company } = match login(&shared, &project, &headers, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let callback_url = form.iter().find(|(k, _)| k == "callback_url").map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
    let (Some(no_password), Some(overwrite)) = (flag(doc.get("no_password")), flag(doc.get("overwrite"))) else {
        return error("Could not parse json parameter as a JSONObject.");
    };
    let _ = no_password;
    let group = doc.get("group_id").and_then(text).unwrap_or_default();
    let Some(list) = doc.get("respondents").and_then(Value::as_array).cloned() else {
        return error("Could not parse json parameter as a JSONObject.");
    };
    let mut s = shared.lock().expect("sandbox state");
    let p = s.lumi.get_mut(&project).expect("checked at login");
    let Some(preview_max) = p.lists.get(&group).copied() else {
        return error("Could not start bulk import from API call.");
    };
    let sample_fields = p.companies.get(&company).cloned().unwrap_or_default();
    let mut respondents = Vec::new();
    for r in &list {
        let username = r.get("username").and_then(text).unwrap_or_default();
        if username.trim().is_empty() {
            return error("Import failed, Username must be specified.");
        }
        if !username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')) {
            return error("Import failed, Respondent ID must use only characters 'A-Z a-z 0-9 ._-@'");
        }
        let phone = r.get("phonenumber").and_then(text).filter(|v| !v.is_empty());
        let email = r.get("email").and_then(text).filter(|v| !v.is_empty());
        if let Some(ph) = &phone {
            if !ph.chars().all(|c| c.is_ascii_digit() || c == '+') {
                return error("Import failed, Phone number not valid. (Use only 0-9 and +).");
            }
        }
        if phone.is_none() && email.is_none() {
            return error("Import failed, Either phone number or e-mail must be specified!");
        }
        if let Some(e) = &email {
            let valid = e.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.ends_with('.') && !e.contains(' '));
            if !valid {
                return error("Import failed, Invalid e-mail!");
            }
        }
        let mut fields = BTreeMap::new();
        for f in r.get("sample_fields").and_then(Value::as_array).into_iter().flatten() {
            let alias = f.get("alias").and_then(text).unwrap_or_default();
            let value = f.get("value").and_then(text).unwrap_or_default();
            let Some(def) = sample_fields.iter().find(|d| d.alias == alias) else {
                return error(&format!("Field contains invalid data.; sample field {alias}"));
            };
            if def.integer && !value.is_empty() && value.parse::<i64>().is_err() {
                return error(&format!("Field contains invalid data.; sample field {alias}"));
            }
            fields.insert(alias, value);
        }
        if let Some(empty) = sample_fields.iter().find(|d| d.required && fields.get(&d.alias).is_none_or(|v| v.trim().is_empty())) {
            return error(&format!("Field cannot be empty.; sample field {}", empty.alias));
        }
        respondents.push(Respondent {
            username,
            company: company.clone(),
            phonenumber: phone,
            email,
            sample_fields: fields,
            lists: BTreeSet::from([group.clone()]),
        });
    }
    if let Some(max) = preview_max {
        let already = p.respondents.values().filter(|r| r.lists.contains(&group)).count();
        if already + respondents.len() > max {
            return error(&format!("Import failed, Too many respondents. A preview group can only contain a maximum of {max} respondents"));
        }
    }
    p.imports_started += 1;
    let id = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis()).to_string();
    let task_shared = shared.clone();
    drop(s);
    tokio::spawn(finish_import(task_shared, project, respondents, overwrite, callback_url));
    Json(json!({ "status": "ok", "message": "Import started successfully", "id": id })).into_response()
}

/// The asynchronous part: store, then POST the documented result to the callback URL.
async fn finish_import(shared: Shared, project: String, respondents: Vec<Respondent>, overwrite: bool, callback_url: Option<String>) {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let total = respondents.len();
    let result = {
        let mut s = shared.lock().expect("sandbox state");
        let p = s.lumi.get_mut(&project).expect("project exists");
        let mut imported = 0;
        let mut stopped = None;
        for mut r in respondents {
            match p.respondents.get_mut(&r.username) {
                // Unique across the instance: another company's respondent cannot be
                // overwritten, and the import stops there.
                Some(existing) if existing.company != r.company && overwrite => {
                    stopped = Some(format!("Could not overwrite respondent {}, import stopped.", r.username));
                    break;
                }
                Some(existing) if overwrite => {
                    existing.phonenumber = r.phonenumber.take();
                    existing.email = r.email.take();
                    existing.sample_fields = std::mem::take(&mut r.sample_fields);
                    existing.lists.extend(r.lists);
                    imported += 1;
                }
                Some(_) => {}
                None => {
                    p.respondents.insert(r.username.clone(), r);
                    imported += 1;
                }
            }
        }
        let id = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis()).to_string();
        match stopped {
            Some(message) => json!({ "status": "error", "message": message, "id": id }),
            None => json!({
                "status": "ok",
                "message": format!("Responent import finished successfully. {imported} of {total} respondents imported."),
                "id": id
            }),
        }
    };
    let Some(url) = callback_url else { return };
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).redirect(reqwest::redirect::Policy::none()).build();
    let delivered = match client {
        Ok(c) => c
            .post(&url)
            .header("Content-Type", "application/json; charset=UTF-8")
            .body(result.to_string())
            .send()
            .await
            .map(|r| r.status().as_u16())
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let mut s = shared.lock().expect("sandbox state");
    if let Some(p) = s.lumi.get_mut(&project) {
        p.callbacks.push(json!({ "url": url, "body": result, "delivered": format!("{delivered:?}") }));
    }
}

fn usernames(doc: &Value) -> Option<Vec<String>> {
    let list = doc.get("respondents").and_then(Value::as_array)?;
    let names: Vec<String> = list.iter().filter_map(|r| r.get("username").and_then(text)).filter(|u| !u.is_empty()).collect();
    (!names.is_empty()).then_some(names)
}

/// A copy/remove call, logged in, with every username known: its usernames and list.
fn list_call(shared: &Shared, project: &str, headers: &HeaderMap, body: &Bytes) -> Result<(Vec<String>, String), Response> {
    let Call { document: doc, company, .. } = login(shared, project, headers, body)?;
    let doc = &doc;
    let Some(names) = usernames(doc) else {
        return Err(error("Could not parse json parameter as a JSONObject. No respondents found!"));
    };
    let group = doc.get("group_id").and_then(text).unwrap_or_default();
    let s = shared.lock().expect("sandbox state");
    let p = s.lumi.get(project).expect("checked at login");
    let missing: Vec<&str> = names.iter().filter(|n| p.respondents.get(*n).is_none_or(|r| r.company != company)).map(String::as_str).collect();
    if !missing.is_empty() {
        return Err(error(&format!("Could not validate respondents. Respondent(s) does not exist! ({})", missing.join(", "))));
    }
    Ok((names, group))
}

/// `POST …/api/copy_respondents_to_list`.
pub async fn copy_to_list(State(shared): State<Shared>, Path(project): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let (names, group) = match list_call(&shared, &project, &headers, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mut s = shared.lock().expect("sandbox state");
    let p = s.lumi.get_mut(&project).expect("checked at login");
    let Some(preview_max) = p.lists.get(&group).copied() else {
        return error("Unable to assign respondents.");
    };
    if let Some(max) = preview_max {
        let after: BTreeSet<&String> = p.respondents.values().filter(|r| r.lists.contains(&group)).map(|r| &r.username).chain(names.iter()).collect();
        if after.len() > max {
            return error(&format!("Too many respondents. A preview group can only contain a maximum of {max} respondents"));
        }
    }
    for n in &names {
        if let Some(r) = p.respondents.get_mut(n) {
            r.lists.insert(group.clone());
        }
    }
    answer("ok", &format!("Respondents copied to list {group}"))
}

/// `POST …/api/remove_respondents_from_list`.
pub async fn remove_from_list(State(shared): State<Shared>, Path(project): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let (names, group) = match list_call(&shared, &project, &headers, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mut s = shared.lock().expect("sandbox state");
    let p = s.lumi.get_mut(&project).expect("checked at login");
    let last_list: Vec<&String> = names.iter().filter(|n| p.respondents.get(*n).is_some_and(|r| r.lists.len() == 1 && r.lists.contains(&group))).collect();
    if !last_list.is_empty() {
        let list = last_list.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",");
        return error(&format!("The following respondents could not be deleted from the list: [{list}]"));
    }
    for n in &names {
        if let Some(r) = p.respondents.get_mut(n) {
            r.lists.remove(&group);
        }
    }
    answer("ok", &format!("Respondents removed from list {group}"))
}

/// `GET /_sandbox/lumi-say/{project}`: respondents, lists and callbacks (for tests).
pub async fn inspect(State(shared): State<Shared>, Path(project): Path<String>) -> Response {
    let s = shared.lock().expect("sandbox state");
    match s.lumi.get(&project) {
        Some(p) => Json(serde_json::to_value(p).unwrap_or(Value::Null)).into_response(),
        None => (StatusCode::NOT_FOUND, "Unknown project").into_response(),
    }
}
