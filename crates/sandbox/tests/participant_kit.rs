//! The Participant Kit emulation.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use ferry_sandbox::{app, Sandbox};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

async fn call(router: &axum::Router, method: &str, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(path).header(header::AUTHORIZATION, format!("Bearer {token}"));
    if body.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    let request = request.body(body.map_or_else(Body::empty, |b| Body::from(b.to_string()))).unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

const T: &str = "sandbox-pk-token";

#[tokio::test]
async fn lists_page_until_empty_and_pii_and_properties_are_opt_in() {
    let router = app(Sandbox::default());
    let (_, first) = call(&router, "GET", "/v1/panels/pan_demo/panellists", T, None).await;
    assert_eq!(first["data"].as_array().unwrap().len(), 20, "default limit");
    assert!(first["data"][0].get("email").is_none() && first["data"][0].get("properties").is_none());
    let (_, capped) = call(&router, "GET", "/v1/panels/pan_demo/panellists?limit=500&include=pii,properties", T, None).await;
    assert_eq!(capped["data"].as_array().unwrap().len(), 100, "capped at 100");
    assert_eq!(capped["data"][0]["email"], "panellist1@example.org");
    assert_eq!(capped["data"][0]["properties"][1]["field_id"], "f_interests");
    assert!(capped["data"][0]["properties"][1]["value"].is_array(), "multiple_options as a list");
    let (_, second) = call(&router, "GET", "/v1/panels/pan_demo/panellists?limit=100&page=2", T, None).await;
    assert_eq!(second["data"].as_array().unwrap().len(), 50);
    let (_, past) = call(&router, "GET", "/v1/panels/pan_demo/panellists?limit=100&page=3", T, None).await;
    assert_eq!(past["data"], json!([]));
    let (_, refused) = call(&router, "GET", "/v1/consents?status=refused", T, None).await;
    assert_eq!(refused["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn creates_validate_and_errors_are_400_401_404() {
    let router = app(Sandbox::default());
    assert_eq!(call(&router, "GET", "/v1/studies", "wrong", None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(call(&router, "GET", "/v1/studies/stu_nope", T, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(call(&router, "POST", "/v1/participants", T, Some(json!({"name": "A", "event_id": "stu_demo"}))).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(
        call(&router, "POST", "/v1/participants", T, Some(json!({"name": "A", "email": "a@example.org", "event_id": "stu_x"}))).await.0,
        StatusCode::BAD_REQUEST
    );
    let (status, created) =
        call(&router, "POST", "/v1/participants", T, Some(json!({"name": "Anna B", "email": "a@example.org", "event_id": "stu_demo"}))).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(created.get("email").is_none(), "no pii unless asked");
    let id = created["id"].as_str().unwrap();
    assert!(created["app_url"].as_str().unwrap().ends_with(id));
    let (_, listed) = call(&router, "GET", "/v1/participants?include=pii", T, None).await;
    assert_eq!(listed["data"][0]["email"], "a@example.org");
    let (status, _) =
        call(&router, "POST", "/v1/data_links", T, Some(json!({"url": "https://x.example/a", "recorded_at": "01.09.2024", "participant_id": id}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "recorded_at must be YYYY-MM-DD");
    let (status, link) =
        call(&router, "POST", "/v1/data_links", T, Some(json!({"url": "https://x.example/a", "recorded_at": "2024-09-01", "participant_id": id}))).await;
    assert_eq!(status, StatusCode::CREATED);
    let path = format!("/v1/data_links/{}", link["id"].as_str().unwrap());
    assert_eq!(call(&router, "DELETE", &path, T, None).await.1["deleted"], true);
    assert_eq!(call(&router, "DELETE", &path, T, None).await.0, StatusCode::NOT_FOUND);
    let (status, study) = call(&router, "POST", "/v1/studies", T, Some(json!({"project_id": "prj_demo", "name": "Wave 2"}))).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(call(&router, "DELETE", &format!("/v1/studies/{}", study["id"].as_str().unwrap()), T, None).await.1["deleted"], true);
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let mut sandbox = Sandbox::default();
    sandbox.rate_limit_per_sec = Some(2);
    let router = app(sandbox);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(call(&router, "GET", "/v1/projects", T, None).await.0);
    }
    assert_eq!(statuses, [StatusCode::OK, StatusCode::OK, StatusCode::TOO_MANY_REQUESTS, StatusCode::TOO_MANY_REQUESTS]);
}

#[tokio::test]
async fn a_create_with_form_fields_instead_of_json_is_refused_and_nothing_is_made() {
    let router = app(Sandbox::default());
    let form = Request::builder()
        .method("POST")
        .uri("/v1/participants")
        .header(header::AUTHORIZATION, format!("Bearer {T}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("name=Anna+B&email=a%40example.org&event_id=stu_demo"))
        .unwrap();
    let response = router.clone().oneshot(form).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let answer: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(answer["error"]["type"], "invalid_request_error", "{answer}");
    let (_, listed) = call(&router, "GET", "/v1/participants?include=pii", T, None).await;
    assert_eq!(listed["data"], json!([]), "nothing was created");
}
