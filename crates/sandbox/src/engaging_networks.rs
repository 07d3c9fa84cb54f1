//! Engaging Networks' bulk import service: `POST /ea-dataservice/import.service`.
//!
//! Multipart `token`, `name`, `formatName`, `upload` (CSV), optional `segmentId` /
//! `segmentName`. Answers plain text with HTTP 200, success or not, in the words the
//! vendor's documents give (vendor-docs/NOTES.md): the job number on success, `Error: …`
//! otherwise. Checks: the token; the reference name; a saved format it knows or
//! `importTransactions`; a header exactly the format's columns (a BOM breaks it); at most
//! 20 MB; one campaign ID per transactional file, dates YYYY-MM-DD and times hh:mm:ss.

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::Value;

use crate::Shared;

/// The transactional template's header, as this sandbox knows it.
pub const TRANSACTIONS_HEADER: [&str; 7] = ["Supporter ID", "Supporter Email", "Campaign ID", "Transaction Date", "Transaction Time", "Amount", "Currency"];
/// The demo private token.
pub const DEMO_TOKEN: &str = "sandbox-en-token";
/// "Files should not exceed 20MB": as strict as the words allow (20,000,000 bytes).
const MAX_BYTES: usize = 20_000_000;
const GENERIC: &str = "Error: Unable to process your import. Please contact support.";
const MISMATCH: &str = "Error: The format you selected does not match the first line of your upload file. Please verify that the header row in the import is exactly the same as the import format fields.";

/// An accepted import job.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    /// The job number.
    pub job: u64,
    /// `name`.
    pub name: String,
    /// `formatName`.
    pub format_name: String,
    /// `segmentId`, if sent.
    pub segment_id: Option<String>,
    /// `segmentName`, if sent.
    pub segment_name: Option<String>,
    /// The file's header.
    pub header: Vec<String>,
    /// The file's rows.
    pub rows: Vec<Vec<String>>,
    /// The uploaded file's size in bytes.
    pub bytes: usize,
}

/// The account: tokens, saved formats, jobs.
#[derive(Debug, Serialize)]
pub struct EnAccount {
    /// Private tokens accepted.
    #[serde(skip)]
    pub tokens: BTreeSet<String>,
    /// Saved supporter formats: name → columns in order.
    pub formats: BTreeMap<String, Vec<String>>,
    /// Jobs scheduled, in order.
    pub jobs: Vec<Job>,
    /// Uploads answered with `Error:`.
    pub errors: Vec<String>,
    next_job: u64,
}

impl Default for EnAccount {
    /// Token `sandbox-en-token`; saved format `ferry-supporters` =
    /// First Name, Last Name, Email Address, PostCode, OPT-IN #1.
    fn default() -> Self {
        let format = ["First Name", "Last Name", "Email Address", "PostCode", "OPT-IN #1"].map(String::from).to_vec();
        EnAccount {
            tokens: BTreeSet::from([DEMO_TOKEN.to_string()]),
            formats: BTreeMap::from([("ferry-supporters".to_string(), format)]),
            jobs: Vec::new(),
            errors: Vec::new(),
            next_job: 131_878,
        }
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-' && s.chars().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

fn is_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 8 && b[2] == b':' && b[5] == b':' && s.chars().enumerate().all(|(i, c)| i == 2 || i == 5 || c.is_ascii_digit())
}

/// `POST /ea-dataservice/import.service`.
pub async fn import(State(shared): State<Shared>, request: Request) -> Response {
    let text = answer(&shared, request).await;
    if text.starts_with("Error:") {
        shared.lock().expect("sandbox state").en.errors.push(text.clone());
    }
    ([(header::CONTENT_TYPE, "text/plain;charset=UTF-8")], text).into_response()
}

async fn answer(shared: &Shared, request: Request) -> String {
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    let mut upload: Option<Bytes> = None;
    let Ok(mut multipart) = Multipart::from_request(request, &()).await else {
        return GENERIC.into();
    };
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                if name == "upload" {
                    match field.bytes().await {
                        Ok(b) => upload = Some(b),
                        Err(_) => return GENERIC.into(),
                    }
                } else {
                    fields.insert(name, field.text().await.unwrap_or_default());
                }
            }
            Ok(None) => break,
            Err(_) => return GENERIC.into(),
        }
    }
    let get = |k: &str| fields.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let mut s = shared.lock().expect("sandbox state");
    let account = &mut s.en;
    if !get("token").is_some_and(|t| account.tokens.contains(&t)) {
        return GENERIC.into();
    }
    let Some(name) = get("name") else {
        return "Error: reference name is a required parameter".into();
    };
    let format_name = get("formatName").unwrap_or_default();
    let transactions = format_name == "importTransactions";
    let columns: Vec<String> = if transactions {
        TRANSACTIONS_HEADER.map(String::from).to_vec()
    } else {
        match account.formats.get(&format_name) {
            Some(c) => c.clone(),
            None => return "Error: Import format parameter not found or is invalid".into(),
        }
    };
    let Some(bytes) = upload else { return GENERIC.into() };
    if bytes.len() > MAX_BYTES {
        return GENERIC.into();
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        // "UTF-8 with BOM" makes the first header cell differ from the format's.
        return MISMATCH.into();
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes.as_ref());
    let mut records = reader.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(r)) => r.iter().map(str::to_string).collect(),
        _ => return MISMATCH.into(),
    };
    if header != columns {
        return MISMATCH.into();
    }
    let mut rows = Vec::new();
    for record in records {
        match record {
            Ok(r) if r.len() == columns.len() => rows.push(r.iter().map(str::to_string).collect::<Vec<_>>()),
            _ => return GENERIC.into(),
        }
    }
    if transactions {
        let at = |n: &str| columns.iter().position(|c| c == n).expect("template column");
        let campaigns: BTreeSet<&String> = rows.iter().map(|r| &r[at("Campaign ID")]).collect();
        let dates_ok = rows.iter().all(|r| r[at("Transaction Date")].is_empty() || is_date(&r[at("Transaction Date")]));
        let times_ok = rows.iter().all(|r| r[at("Transaction Time")].is_empty() || is_time(&r[at("Transaction Time")]));
        // "needs to be the numerical ID of the campaign".
        let numeric = campaigns.iter().all(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()));
        if campaigns.len() > 1 || !numeric || !dates_ok || !times_ok {
            return GENERIC.into();
        }
    }
    let job = account.next_job;
    account.next_job += 1;
    account.jobs.push(Job { job, name, format_name, segment_id: get("segmentId"), segment_name: get("segmentName"), header, rows, bytes: bytes.len() });
    format!("Your file has been uploaded successfully and scheduled for import. Your job # is {job}. You will receive an email when your job is complete.")
}

/// `GET /_sandbox/engaging-networks`: formats, jobs and errors (for tests and demos).
pub async fn inspect(State(shared): State<Shared>) -> Json<Value> {
    let s = shared.lock().expect("sandbox state");
    Json(serde_json::to_value(&s.en).unwrap_or(Value::Null))
}
