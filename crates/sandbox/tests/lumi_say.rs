//! The Lumi Say emulation, driven through the router.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use ferry_sandbox::{app, Sandbox};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const API: &str = "/reactor-webapp/pt/demo-project/pn/lumicompass/api";

async fn call(router: &axum::Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned())))
}

fn form(action: &str, password: &str, doc: &Value) -> Request<Body> {
    form_of("coordinator", action, password, doc)
}

fn form_of(user: &str, action: &str, password: &str, doc: &Value) -> Request<Body> {
    let body = serde_urlencoded::to_string([("user_name", user), ("password", password), ("respondents_json", &doc.to_string())]).unwrap();
    Request::post(format!("{API}/{action}")).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(Body::from(body)).unwrap()
}

fn respondents(list: Value) -> Value {
    json!({"no_password": false, "group_id": "101", "overwrite": false, "respondents": list})
}

async fn held(router: &axum::Router) -> Value {
    call(router, Request::get("/_sandbox/lumi-say/demo-project").body(Body::empty()).unwrap()).await.1
}

#[tokio::test]
async fn imports_finish_asynchronously_then_lists_can_change() {
    let router = app(Sandbox::default());
    let doc = respondents(json!([
        {"username": "anna.b", "phonenumber": "+37122222201", "sample_fields": [{"alias": "age", "value": "34"}, {"alias": "site", "value": "Riga"}]},
        {"username": "jan", "email": "jan@example.org", "sample_fields": [{"alias": "site", "value": "Cesis"}]}
    ]));
    let (status, body) = call(&router, form("add_respondent", "sandbox-password", &doc)).await;
    assert_eq!((status, body["status"].clone(), body["message"].clone()), (StatusCode::OK, json!("ok"), json!("Import started successfully")));
    let names = |held: &Value| held["respondents"].as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&held(&router).await), ["taken.elsewhere"], "not yet (the import is asynchronous): only company 2's respondent");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let h = held(&router).await;
    assert_eq!(h["respondents"]["anna.b"]["sample_fields"]["age"], "34");
    assert_eq!(h["respondents"]["jan"]["lists"], json!(["101"]));

    let names = json!({"group_id": "102", "respondents": [{"username": "anna.b"}, {"username": "jan"}]});
    assert_eq!(
        call(&router, form("copy_respondents_to_list", "sandbox-password", &names)).await.1,
        json!({"status": "ok", "message": "Respondents copied to list 102"})
    );
    let first = json!({"group_id": "101", "respondents": [{"username": "anna.b"}, {"username": "jan"}]});
    assert_eq!(
        call(&router, form("remove_respondents_from_list", "sandbox-password", &first)).await.1,
        json!({"status": "ok", "message": "Respondents removed from list 101"})
    );
    let second = json!({"group_id": "102", "respondents": [{"username": "jan"}]});
    assert_eq!(
        call(&router, form("remove_respondents_from_list", "sandbox-password", &second)).await.1,
        json!({"status": "error", "message": "The following respondents could not be deleted from the list: [jan]"})
    );
    let ghost = json!({"group_id": "102", "respondents": [{"username": "ghost"}]});
    assert_eq!(
        call(&router, form("copy_respondents_to_list", "sandbox-password", &ghost)).await.1["message"],
        "Could not validate respondents. Respondent(s) does not exist! (ghost)"
    );
}

#[tokio::test]
async fn the_documented_errors_come_back_in_the_vendors_words() {
    let router = app(Sandbox::default());
    let error = |body: (StatusCode, Value)| body.1["message"].as_str().unwrap_or_default().to_string();
    let one = |r: Value| respondents(json!([r]));
    assert_eq!(error(call(&router, form("add_respondent", "wrong", &one(json!({"username": "a", "email": "a@b.lv"})))).await), "Authentication failure.");
    // The sandbox's `site` is a required sample field.
    let refused = |r: Value| {
        let router = router.clone();
        async move { error(call(&router, form("add_respondent", "sandbox-password", &one(r))).await) }
    };
    assert_eq!(
        refused(json!({"username": "a", "email": "a@b.lv", "sample_fields": [{"alias": "age", "value": "3"}]})).await,
        "Field cannot be empty.; sample field site"
    );
    assert_eq!(
        error(call(&router, form("add_respondent", "sandbox-password", &one(json!({"username": "bad user", "email": "a@b.lv"})))).await),
        "Import failed, Respondent ID must use only characters 'A-Z a-z 0-9 ._-@'"
    );
    assert_eq!(
        error(call(&router, form("add_respondent", "sandbox-password", &one(json!({"email": "a@b.lv"})))).await),
        "Import failed, Username must be specified."
    );
    assert_eq!(
        error(call(&router, form("add_respondent", "sandbox-password", &one(json!({"username": "a", "phonenumber": "+371 2"})))).await),
        "Import failed, Phone number not valid. (Use only 0-9 and +)."
    );
    assert_eq!(
        error(call(&router, form("add_respondent", "sandbox-password", &one(json!({"username": "a"})))).await),
        "Import failed, Either phone number or e-mail must be specified!"
    );
    assert_eq!(
        error(call(&router, form("add_respondent", "sandbox-password", &one(json!({"username": "a", "email": "nope"})))).await),
        "Import failed, Invalid e-mail!"
    );
    assert_eq!(
        refused(json!({"username": "a", "email": "a@b.lv", "sample_fields": [{"alias": "age", "value": "old"}]})).await,
        "Field contains invalid data.; sample field age"
    );
    let preview = json!({"no_password": false, "group_id": "103", "overwrite": false, "respondents": [
        {"username": "a", "email": "a@b.lv", "sample_fields": [{"alias": "site", "value": "Riga"}]},
        {"username": "b", "email": "b@b.lv", "sample_fields": [{"alias": "site", "value": "Riga"}]},
        {"username": "c", "email": "c@b.lv", "sample_fields": [{"alias": "site", "value": "Riga"}]},
        {"username": "d", "email": "d@b.lv", "sample_fields": [{"alias": "site", "value": "Riga"}]}]});
    assert_eq!(
        error(call(&router, form("add_respondent", "sandbox-password", &preview)).await),
        "Import failed, Too many respondents. A preview group can only contain a maximum of 3 respondents"
    );
    let missing = Request::post(format!("{API}/add_respondent"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("user_name=coordinator"))
        .unwrap();
    assert_eq!(error(call(&router, missing).await), "Error missing required parameter.");
    let not_json = Request::post(format!("{API}/add_respondent"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("user_name=coordinator&password=sandbox-password&respondents_json=%7Bnope"))
        .unwrap();
    assert_eq!(error(call(&router, not_json).await), "Could not parse json parameter as a JSONObject.");
    let (status, body) = call(&router, Request::get(format!("{API}/add_respondent")).body(Body::empty()).unwrap()).await;
    assert_eq!((status, body), (StatusCode::BAD_REQUEST, json!("Action not supported")));
    assert_eq!(held(&router).await["imports_started"], 0, "nothing started");
}

/// Waits for the `n`th callback the sandbox posted (to a URL that answers nothing).
async fn callback(router: &axum::Router, n: usize) -> Value {
    for _ in 0..100 {
        let h = held(router).await;
        if let Some(c) = h["callbacks"].as_array().and_then(|c| c.get(n)) {
            return c["body"].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no callback {n}");
}

#[tokio::test]
async fn company_id_is_needed_by_a_user_of_several_companies_and_usernames_are_unique_across_them() {
    let router = app(Sandbox::default());
    let error = |body: (StatusCode, Value)| body.1["message"].as_str().unwrap_or_default().to_string();
    let doc = |company: Option<&str>, overwrite: bool, list: Value| {
        let mut d = json!({"no_password": false, "group_id": "101", "overwrite": overwrite, "respondents": list});
        if let Some(c) = company {
            d["company_id"] = json!(c);
        }
        d
    };
    let one = json!([{"username": "new.one", "email": "new@example.org", "sample_fields": [{"alias": "site", "value": "Riga"}]}]);
    // Two companies and none named; a company the user cannot reach.
    assert_eq!(
        error(call(&router, form_of("two-companies", "add_respondent", "sandbox-password", &doc(None, false, one.clone()))).await),
        "Authentication failure."
    );
    assert_eq!(error(call(&router, form("add_respondent", "sandbox-password", &doc(Some("2"), false, one.clone()))).await), "Authentication failure.");
    // Company 2 has no sample fields: `site` is unknown there.
    assert_eq!(
        error(call(&router, form_of("two-companies", "add_respondent", "sandbox-password", &doc(Some("2"), false, one.clone()))).await),
        "Field contains invalid data.; sample field site"
    );
    // Named, in company 1, with the callback going nowhere (the sandbox notes the failure).
    let with_callback = |d: Value| {
        let body = serde_urlencoded::to_string([
            ("user_name", "two-companies"),
            ("password", "sandbox-password"),
            ("respondents_json", &d.to_string()),
            ("callback_url", "http://127.0.0.1:9/nowhere"),
        ])
        .unwrap();
        Request::post(format!("{API}/add_respondent")).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(Body::from(body)).unwrap()
    };
    let (_, started) = call(&router, with_callback(doc(Some("1"), false, one.clone()))).await;
    assert_eq!(started["status"], "ok", "{started}");
    assert_eq!(callback(&router, 0).await["message"], "Responent import finished successfully. 1 of 1 respondents imported.");
    let h = held(&router).await;
    assert_eq!(h["respondents"]["new.one"]["company"], "1");
    // Another company's username: skipped without overwrite, the import stops with it.
    let clash = json!([
        {"username": "second", "email": "s@example.org", "sample_fields": [{"alias": "site", "value": "Riga"}]},
        {"username": "taken.elsewhere", "email": "t@example.org", "sample_fields": [{"alias": "site", "value": "Riga"}]},
        {"username": "third", "email": "t3@example.org", "sample_fields": [{"alias": "site", "value": "Riga"}]}
    ]);
    call(&router, with_callback(doc(Some("1"), false, clash.clone()))).await;
    assert_eq!(callback(&router, 1).await["message"], "Responent import finished successfully. 2 of 3 respondents imported.");
    call(&router, with_callback(doc(Some("1"), true, clash))).await;
    let stopped = callback(&router, 2).await;
    assert_eq!(
        (stopped["status"].as_str(), stopped["message"].as_str()),
        (Some("error"), Some("Could not overwrite respondent taken.elsewhere, import stopped."))
    );
    let h = held(&router).await;
    assert_eq!(h["respondents"]["taken.elsewhere"]["company"], "2", "left as it was");
    assert_eq!(h["respondents"]["taken.elsewhere"]["email"], "taken@example.org");
    // Lists act within the company: company 2's respondent is unknown to company 1.
    let copy = json!({"group_id": "102", "respondents": [{"username": "taken.elsewhere"}]});
    assert_eq!(
        error(call(&router, form("copy_respondents_to_list", "sandbox-password", &copy)).await),
        "Could not validate respondents. Respondent(s) does not exist! (taken.elsewhere)"
    );
}
