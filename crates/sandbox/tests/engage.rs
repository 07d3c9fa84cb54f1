//! The Keycloak and Engage emulations, driven through the router as the page would.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use ferry_sandbox::{app, Sandbox};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const TOKEN: &str = "/realms/curator-engage/protocol/openid-connect/token";

async fn call(router: &axum::Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn form(path: &str, body: &str) -> Request<Body> {
    Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(Body::from(body.to_string())).unwrap()
}

fn json_post(path: &str, token: &str, body: &Value) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(body.to_string()))
        .unwrap()
}

const LOGIN: &str = "username=coordinator%40example.org&password=sandbox-password&grant_type=password&client_id=demo-org&client_secret=sandbox-secret";

async fn token(router: &axum::Router) -> String {
    let (status, body) = call(router, form(TOKEN, LOGIN)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn token_endpoint_answers_like_keycloak() {
    let router = app(Sandbox::default());
    let (status, body) = call(&router, form(TOKEN, LOGIN)).await;
    assert_eq!(status, StatusCode::OK);
    for key in ["access_token", "expires_in", "refresh_expires_in", "refresh_token", "not-before-policy", "session_state", "scope"] {
        assert!(body.get(key).is_some(), "{key} in {body}");
    }
    assert_eq!(body["token_type"], "Bearer");

    let wrong_password = LOGIN.replace("sandbox-password", "nope");
    assert_eq!(
        call(&router, form(TOKEN, &wrong_password)).await,
        (StatusCode::UNAUTHORIZED, json!({"error":"invalid_grant","error_description":"Invalid user credentials"}))
    );
    let wrong_secret = LOGIN.replace("sandbox-secret", "nope");
    assert_eq!(
        call(&router, form(TOKEN, &wrong_secret)).await,
        (StatusCode::UNAUTHORIZED, json!({"error":"unauthorized_client","error_description":"Invalid client or Invalid client credentials"}))
    );
    let refresh = "grant_type=refresh_token&refresh_token=bogus&client_id=demo-org&client_secret=sandbox-secret";
    assert_eq!(
        call(&router, form(TOKEN, refresh)).await,
        (StatusCode::BAD_REQUEST, json!({"error":"invalid_grant","error_description":"Invalid refresh token"}))
    );
    let (status, _) =
        call(&router, Request::post(TOKEN).header(header::CONTENT_TYPE, "application/json").body(Body::from(r#"{"grant_type":"password"}"#)).unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "JSON is not a form");
    let (status, _) = call(&router, form("/realms/other/protocol/openid-connect/token", LOGIN)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn refresh_token_grant_works_once() {
    let router = app(Sandbox::default());
    let (_, body) = call(&router, form(TOKEN, LOGIN)).await;
    let refresh = format!("grant_type=refresh_token&refresh_token={}&client_id=demo-org&client_secret=sandbox-secret", body["refresh_token"].as_str().unwrap());
    assert_eq!(call(&router, form(TOKEN, &refresh)).await.0, StatusCode::OK);
    assert_eq!(call(&router, form(TOKEN, &refresh)).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn bulk_post_stores_participants_submissions_and_versions() {
    let router = app(Sandbox::default());
    let t = token(&router).await;
    let records = json!({"records": [
        {"participant": {"participant_id": "P-1", "email": "anna@example.org", "given_name": "Anna"},
         "submission": {"activity_slug": "baseline", "partner_item_id": "d-1", "created_at": "2024-09-01 10:10:00", "answers": {"q1": "abc"}}},
        {"participant": {"email": "jan@example.org"},
         "submission": {"activity_slug": "baseline", "partner_item_id": "d-1"}}
    ]});
    let (status, body) = call(&router, json_post("/submissions/demo-org/bulk_post", &t, &records)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let generated = body["records"][1]["participant_id"].as_str().unwrap();
    assert!(generated.starts_with("P-") && generated.len() == 8, "{generated}");
    assert_eq!(body["records"][1]["version"], 2);

    let (_, held) = call(&router, Request::get("/_sandbox/engage/demo-org").body(Body::empty()).unwrap()).await;
    assert_eq!(held["participants"].as_array().unwrap().len(), 2);
    assert_eq!(held["participants"][0]["profile"]["given_name"], "Anna");
    assert_eq!(held["submissions"][0]["answers"]["q1"], "abc");
    assert_eq!(held["submissions"][1]["version"], 2);
}

#[tokio::test]
async fn a_record_without_identifier_refuses_the_request_and_stores_nothing() {
    let router = app(Sandbox::default());
    let t = token(&router).await;
    let records = json!({"records": [
        {"participant": {"email": "ok@example.org"}, "submission": {"activity_slug": "a"}},
        {"participant": {"given_name": "Nobody"}, "submission": {"activity_slug": "a", "created_at": "2024-09-01 10:100"}}
    ]});
    let (status, body) = call(&router, json_post("/submissions/demo-org/bulk_post", &t, &records)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let locs: Vec<&Value> = body["detail"].as_array().unwrap().iter().map(|d| &d["loc"]).collect();
    assert_eq!(locs, [&json!(["body", "records", 1, "participant"]), &json!(["body", "records", 1, "submission", "created_at"])]);
    let (_, held) = call(&router, Request::get("/_sandbox/engage/demo-org").body(Body::empty()).unwrap()).await;
    assert_eq!(held["participants"], json!([]));
}

/// The record holds only the keys the document shows: a misspelled one is refused (it
/// would land nowhere), and nothing is stored.
#[tokio::test]
async fn unknown_record_keys_are_refused() {
    let router = app(Sandbox::default());
    let t = token(&router).await;
    let records = json!({"records": [
        {"participant": {"email": "ok@example.org", "givenname": "Anna"}, "submission": {"activity_slug": "a", "answer": {"q1": "x"}}, "note": "?"}
    ]});
    let (status, body) = call(&router, json_post("/submissions/demo-org/bulk_post", &t, &records)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let locs: Vec<&Value> = body["detail"].as_array().unwrap().iter().map(|d| &d["loc"]).collect();
    assert_eq!(
        locs,
        [
            &json!(["body", "records", 0, "note"]),
            &json!(["body", "records", 0, "participant", "givenname"]),
            &json!(["body", "records", 0, "submission", "answer"])
        ]
    );
    assert!(body["detail"].as_array().unwrap().iter().all(|d| d["type"] == "extra_forbidden" && d["msg"] == "Extra inputs are not permitted"));
    let (_, held) = call(&router, Request::get("/_sandbox/engage/demo-org").body(Body::empty()).unwrap()).await;
    assert_eq!(held["participants"], json!([]));
    // Every key the document shows is taken.
    let full = json!({"records": [{"participant": {"participant_id": "P1", "national_id": "1", "email": "a@example.org", "given_name": "A", "family_name": "B", "phone": "+371 2", "update_profile": true, "text": "t"},
        "submission": {"activity_slug": "a", "partner_item_id": "i", "created_at": "2024-09-01 10:10", "answers": {"q": "1"}}}]});
    assert_eq!(call(&router, json_post("/submissions/demo-org/bulk_post", &t, &full)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn bearer_and_permissions_are_checked() {
    let router = app(Sandbox::default());
    let body = json!({"records": []});
    assert_eq!(call(&router, json_post("/submissions/demo-org/bulk_post", "made-up", &body)).await.0, StatusCode::UNAUTHORIZED);
    let viewer = LOGIN.replace("coordinator", "viewer");
    let (_, v) = call(&router, form(TOKEN, &viewer)).await;
    let (status, _) = call(&router, json_post("/submissions/demo-org/bulk_post", v["access_token"].as_str().unwrap(), &body)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let t = token(&router).await;
    assert_eq!(call(&router, json_post("/submissions/other-org/bulk_post", &t, &body)).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    let router = app(Sandbox::with_token_ttl(std::time::Duration::ZERO));
    let t = token(&router).await;
    let (status, body) = call(&router, json_post("/submissions/demo-org/bulk_post", &t, &json!({"records": []}))).await;
    assert_eq!((status, body), (StatusCode::UNAUTHORIZED, json!({"detail": "Invalid or expired token"})));
}

#[tokio::test]
async fn bulk_upload_takes_the_records_as_a_json_file() {
    let router = app(Sandbox::default());
    let t = token(&router).await;
    let document = json!({"records": [{"participant": {"national_id": "123456-11111"}, "submission": {"activity_slug": "a"}}]});
    let boundary = "XyZ";
    let multipart = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"records.json\"\r\nContent-Type: application/json\r\n\r\n{document}\r\n--{boundary}--\r\n");
    let request = Request::post("/submissions/demo-org/bulk_upload")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(header::AUTHORIZATION, format!("Bearer {t}"))
        .body(Body::from(multipart))
        .unwrap();
    let (status, body) = call(&router, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = call(&router, json_post("/submissions/demo-org/bulk_upload", &t, &document)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "JSON body is not an upload: {body}");
}

#[tokio::test]
async fn the_optional_rate_limit_answers_429_with_retry_after() {
    let mut sandbox = Sandbox::default();
    sandbox.rate_limit_per_sec = Some(1);
    let router = app(sandbox);
    let t = token(&router).await;
    let body = json!({"records": [{"participant": {"email": "a@example.org"}, "submission": {"activity_slug": "a"}}]});
    assert_eq!(call(&router, json_post("/submissions/demo-org/bulk_post", &t, &body)).await.0, StatusCode::OK);
    let response = router.clone().oneshot(json_post("/submissions/demo-org/bulk_post", &t, &body)).await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["retry-after"], "1");
    let (_, held) = call(&router, Request::get("/_sandbox/engage/demo-org").body(Body::empty()).unwrap()).await;
    assert_eq!((held["throttled_requests"].as_u64(), held["participants"].as_array().unwrap().len()), (Some(1), 1));
}

#[tokio::test]
async fn participants_are_found_by_id_national_id_or_email_across_many_records() {
    let router = app(Sandbox::default());
    let token = token(&router).await;
    let record = |participant: Value, item: &str| json!({"participant": participant, "submission": {"activity_slug": "baseline", "partner_item_id": item}});
    let post = |records: Vec<Value>| json_post("/submissions/demo-org/bulk_post", &token, &json!({ "records": records }));
    // Many participants first, so a lookup that scanned them would still be right but slow:
    // what matters here is which participant each later record lands on.
    let many: Vec<Value> =
        (0..2000).map(|i| record(json!({"participant_id": format!("P-{i}"), "email": format!("p{i}@example.org")}), &format!("I-{i}"))).collect();
    let (status, _) = call(&router, post(many)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = call(
        &router,
        post(vec![
            // A new id with an e-mail already held: a new participant (the id decides).
            record(json!({"participant_id": "P-new", "email": "p7@example.org"}), "I-7"),
            // Only the e-mail: the first participant holding it.
            record(json!({"email": "p7@example.org"}), "I-7"),
            // The profile's e-mail changes; the old one no longer finds it, the new one does.
            record(json!({"participant_id": "P-9", "email": "nine@example.org", "update_profile": true}), "I-9"),
            record(json!({"email": "p9@example.org"}), "I-x"),
            record(json!({"email": "nine@example.org"}), "I-y"),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ids: Vec<&str> = body["records"].as_array().unwrap().iter().map(|r| r["participant_id"].as_str().unwrap()).collect();
    assert_eq!(ids[..3], ["P-new", "P-7", "P-9"]);
    assert!(ids[3].starts_with("P-") && !["P-9", "P-new"].contains(&ids[3]), "the old e-mail makes a new participant: {ids:?}");
    assert_eq!(ids[4], "P-9");
    let versions: Vec<u64> = body["records"].as_array().unwrap().iter().map(|r| r["version"].as_u64().unwrap()).collect();
    assert_eq!(versions, [2, 3, 2, 1, 1], "each partner item id counts its own versions");
}
