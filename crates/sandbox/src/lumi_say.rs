//! Lumi Say's respondent APIs: `add_respondent`, `copy_respondents_to_list` and
//! `remove_respondents_from_list` under `/reactor-webapp/pt/{project}/pn/lumicompass/api/`.
//!
//! Form fields `user_name`, `password`, `respondents_json` (a JSON string) and, for
//! imports, `callback_url`. Answers `{"status":"ok"|"error","message":…}` with the
//! document's messages; a non-POST gets HTTP 400 "Action not supported". (The sandbox
//! listens on plain HTTP on loopback, so it cannot refuse non-HTTPS calls with 403 as
//! the real service does.) Imports finish asynchronously and POST the documented
//! `{"status","message","id"}` to `callback_url`.

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

/// A respondent as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Respondent {
    /// Unique across the instance.
    pub username: String,
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
    /// The dashboard user allowed to use the APIs.
    #[serde(skip)]
    pub user: (String, String),
    /// Sample fields of the company.
    pub sample_fields: Vec<SampleField>,
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
    /// Lists 101 and 102, preview group 103 (at most 3), sample fields `age` (integer) and
    /// `site` (required); dashboard user `coordinator` / `sandbox-password`.
    fn default() -> Self {
        LumiProject {
            user: ("coordinator".into(), crate::state::DEMO_PASSWORD.into()),
            sample_fields: vec![
                SampleField { alias: "age".into(), integer: true, required: false },
                SampleField { alias: "site".into(), integer: false, required: true },
            ],
            lists: BTreeMap::from([("101".into(), None), ("102".into(), None), ("103".into(), Some(3))]),
            respondents: BTreeMap::new(),
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

/// The form of a call, checked for the three required parameters and the login.
fn login(shared: &Shared, project: &str, headers: &HeaderMap, body: &Bytes) -> Result<(Vec<(String, String)>, Value), Response> {
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
    if p.user.0 != user || p.user.1 != password {
        return Err(error("Authentication failure."));
    }
    drop(s);
    let document: Value = match serde_json::from_str::<Value>(&json_text) {
        Ok(v) if v.is_object() => v,
        _ => return Err(error("Could not parse json parameter as a JSONObject.")),
    };
    Ok((form, document))
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
    let (form, doc) = match login(&shared, &project, &headers, &body) {
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
            let Some(def) = p.sample_fields.iter().find(|d| d.alias == alias) else {
                return error(&format!("Field contains invalid data.; sample field {alias}"));
            };
            if def.integer && !value.is_empty() && value.parse::<i64>().is_err() {
                return error(&format!("Field contains invalid data.; sample field {alias}"));
            }
            fields.insert(alias, value);
        }
        if let Some(empty) = p.sample_fields.iter().find(|d| d.required && fields.get(&d.alias).is_none_or(|v| v.trim().is_empty())) {
            return error(&format!("Field cannot be empty.; sample field {}", empty.alias));
        }
        respondents.push(Respondent { username, phonenumber: phone, email, sample_fields: fields, lists: BTreeSet::from([group.clone()]) });
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
        for mut r in respondents {
            match p.respondents.get_mut(&r.username) {
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
        json!({
            "status": "ok",
            "message": format!("Responent import finished successfully. {imported} of {total} respondents imported."),
            "id": id
        })
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
    let (_, doc) = login(shared, project, headers, body)?;
    let doc = &doc;
    let Some(names) = usernames(doc) else {
        return Err(error("Could not parse json parameter as a JSONObject. No respondents found!"));
    };
    let group = doc.get("group_id").and_then(text).unwrap_or_default();
    let s = shared.lock().expect("sandbox state");
    let p = s.lumi.get(project).expect("checked at login");
    let missing: Vec<&str> = names.iter().filter(|n| !p.respondents.contains_key(*n)).map(String::as_str).collect();
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
