use super::*;
use crate::mapping::{suggest, Source};
use crate::send::State;
use crate::sheet::read_csv;

const CSV: &str = "Participant ID,E-mail,First name,Surname,Phone,Update profile,Visit date,answers.q1,answers.q2\n\
P-1,anna@example.org,Anna,Bērziņa,+371 22222222,yes,01.09.2024 10:10,abc,3\n\
,,Nobody,Noid,,,,x,\n\
P-3,not-an-email,Bad,Mail,,maybe,31/31/2024,,\n\
,jan@example.org,Jan,Kalns,,,2024-09-02,,5\n";

fn settings() -> Settings {
    Settings { org_slug: "demo-org".into(), activity_slug: "baseline".into(), batch_size: 2, ..Settings::default() }
}

fn creds() -> Credentials {
    Credentials { username: "c@example.org".into(), password: "pw".into(), client_id: "demo-org".into(), client_secret: "s3cret".into() }
}

fn prepared() -> (Sheet, Mapping, Prepared) {
    let sheet = read_csv(CSV.as_bytes()).unwrap();
    let mut mapping = suggest(&sheet.headers, FIELDS, Some(ANSWERS_PREFIX));
    mapping.set("submission.created_at", Some(Source::Column(6)));
    mapping.set_date_order(6, Some(crate::datetime::DateOrder::DayFirst));
    let prepared = prepare(&sheet, &mapping, &settings());
    (sheet, mapping, prepared)
}

fn ok(body: &str) -> HttpResponse {
    HttpResponse::new(200, body)
}

#[test]
fn suggestion_maps_the_example_headers() {
    let (sheet, mapping, _) = prepared();
    let col = |name: &str| Some(Source::Column(sheet.column_index(name).unwrap()));
    assert_eq!(mapping.get("participant.participant_id").cloned(), col("Participant ID"));
    assert_eq!(mapping.get("participant.email").cloned(), col("E-mail"));
    assert_eq!(mapping.get("participant.family_name").cloned(), col("Surname"));
    assert_eq!(mapping.get("participant.update_profile").cloned(), col("Update profile"));
    assert_eq!(mapping.get("answers.q2").cloned(), col("answers.q2"));
    assert!(mapping_problems(&mapping, &settings()).is_empty());
}

#[test]
fn records_follow_the_document_shape() {
    let (_, _, p) = prepared();
    assert_eq!(p.records.len(), 2);
    assert_eq!(
        p.records[0].json,
        json!({
            "participant": {"participant_id": "P-1", "email": "anna@example.org", "given_name": "Anna", "family_name": "Bērziņa", "phone": "+371 22222222", "update_profile": true},
            "submission": {"activity_slug": "baseline", "created_at": "2024-09-01 10:10:00", "answers": {"q1": "abc", "q2": "3"}}
        })
    );
    assert_eq!(p.records[1].row, 5);
    assert_eq!(p.records[1].identifier, "jan@example.org");
}

#[test]
fn issues_name_row_column_and_what_to_do() {
    let (_, _, p) = prepared();
    let no_id = p.issues.iter().find(|i| i.row == 3).unwrap();
    assert_eq!(no_id.severity, Severity::Error);
    assert!(no_id.message.contains("participant ID, national ID or email"), "{}", no_id.message);
    let row4: Vec<String> = p.issues.iter().filter(|i| i.row == 4).map(|i| i.to_string()).collect();
    assert_eq!(row4.len(), 3, "{row4:?}");
    assert!(row4[0].starts_with("row 4, column \"E-mail\" (B): \"not-an-email\" is not a valid e-mail address"), "{}", row4[0]);
    assert!(row4.iter().any(|m| m.contains("\"maybe\" is not true or false")));
    assert!(row4.iter().any(|m| m.contains("\"31/31/2024\" is not a date")));
    assert_eq!(p.skipped, vec![(3, String::new()), (4, "P-3".to_string())]);
}

#[test]
fn mapping_without_identifier_is_refused() {
    let mut m = Mapping::default();
    m.set("participant.given_name", Some(Source::Column(0)));
    m.set("answers. ", Some(Source::Column(1)));
    let problems = mapping_problems(&m, &settings());
    assert_eq!(problems.len(), 2);
    assert!(problems[0].starts_with("Map at least one of Participant ID, National ID or Email"));
}

#[test]
fn repeated_partner_item_id_warns_about_versions() {
    let sheet = read_csv(b"email,item\na@b.lv,D-1\nc@d.lv,D-1\n").unwrap();
    let mut m = Mapping::default();
    m.set("participant.email", Some(Source::Column(0)));
    m.set("submission.partner_item_id", Some(Source::Column(1)));
    let p = prepare(&sheet, &m, &settings());
    assert_eq!(p.records.len(), 2, "a warning does not block");
    assert_eq!(p.issues.len(), 1);
    assert!(p.issues[0].message.contains("also on row 2"));
}

#[test]
fn token_request_is_a_form_encoded_password_grant() {
    let r = token_request(&settings(), &creds());
    assert_eq!(r.url, "https://auth.longenesis.com/realms/curator-engage/protocol/openid-connect/token");
    assert_eq!(r.method, Method::Post);
    let Body::Form(pairs) = &r.body else { panic!("form body") };
    let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["username", "password", "grant_type", "client_id", "client_secret"]);
    assert_eq!(pairs[2].1, "password");
    assert!(!r.url.contains("s3cret") && !format!("{:?}", creds()).contains("s3cret"));
}

#[test]
fn keycloak_errors_are_told_apart() {
    let answer = |status, body: &str| HttpResponse::new(status, body);
    assert_eq!(
        read_token(&answer(401, r#"{"error":"invalid_grant","error_description":"Invalid user credentials"}"#), 0.0),
        Err(AuthError::BadUserCredentials)
    );
    assert_eq!(
        read_token(&answer(401, r#"{"error":"unauthorized_client","error_description":"Invalid client or Invalid client credentials"}"#), 0.0),
        Err(AuthError::BadClient)
    );
    assert!(matches!(
        read_token(&answer(400, r#"{"error":"invalid_grant","error_description":"Invalid refresh token"}"#), 0.0),
        Err(AuthError::Keycloak { status: 400, .. })
    ));
    assert!(matches!(read_token(&answer(502, "<html>Bad gateway</html>"), 0.0), Err(AuthError::Unreadable { status: 502, .. })));
    assert!(AuthError::BadUserCredentials.to_string().starts_with("Engage rejected the username or password"));
    let token = read_token(&answer(200, r#"{"access_token":"abc","expires_in":300,"token_type":"Bearer"}"#), 1000.0).unwrap();
    assert_eq!(token.expires_at_ms, 301_000.0);
    assert!(token.is_fresh(200_000.0) && !token.is_fresh(280_000.0));
}

#[test]
fn bulk_upload_sends_the_same_json_as_a_file() {
    let (_, _, p) = prepared();
    let token = Token { access_token: "t".into(), expires_at_ms: 1e12 };
    let records: Vec<&PreparedRecord> = p.records.iter().collect();
    let post = bulk_request(&settings(), &token, &records);
    let upload = bulk_request(&Settings { mode: UploadMode::BulkUpload, ..settings() }, &token, &records);
    assert_eq!(post.url, "https://engage-openapi.longenesis.com/submissions/demo-org/bulk_post");
    assert_eq!(upload.url, "https://engage-openapi.longenesis.com/submissions/demo-org/bulk_upload");
    assert_eq!(post.header("authorization"), Some("Bearer t"));
    let (Body::Json(json), Body::Multipart(parts)) = (&post.body, &upload.body) else { panic!() };
    assert_eq!(&parts[0].data, json);
    assert_eq!(parts[0].filename.as_deref(), Some("records.json"));
}

#[test]
fn fastapi_validation_errors_point_at_records() {
    let body = r#"{"detail":[{"loc":["body","records",1,"participant","email"],"msg":"value is not a valid email address","type":"value_error"},{"loc":["body","records",9],"msg":"out of range"}]}"#;
    let answer = read_bulk_answer(&HttpResponse::new(422, body), 2);
    assert_eq!(answer, BulkAnswer::RecordsRefused(vec![(1, "participant.email: value is not a valid email address".into())]));
    let plain = read_bulk_answer(&HttpResponse::new(403, "Forbidden"), 2);
    assert_eq!(plain, BulkAnswer::BatchRefused("HTTP 403: Forbidden".into()));
}

fn engine_for(p: &Prepared, batch_size: usize) -> Engine<EngageProtocol> {
    engine(Settings { batch_size, ..settings() }, creds(), p.clone().into_plan(), Policy::default(), &BTreeMap::new(), 7)
}

/// The one request the engine starts now.
fn one(engine: &mut Engine<EngageProtocol>, now: f64) -> (u64, HttpRequest) {
    let mut started = engine.poll(now);
    assert_eq!(started.len(), 1, "{started:?}");
    started.remove(0)
}

#[test]
fn send_gets_a_token_then_posts_batches_and_reports_every_row() {
    let (_, _, p) = prepared();
    let mut send = engine_for(&p, 2);
    let (t, first) = one(&mut send, 0.0);
    assert!(first.url.ends_with("/token"));
    assert!(send.poll(0.0).is_empty(), "nothing else until the token is there");
    send.handle(t, Ok(ok(r#"{"access_token":"t1","expires_in":300}"#)), 0.0);
    let (t, bulk) = one(&mut send, 1.0);
    assert!(bulk.url.ends_with("/bulk_post"));
    send.handle(t, Ok(ok(r#"{"records":[{"participant_id":"P-1"},{"participant_id":"P-000042"}]}"#)), 2.0);
    assert!(send.poll(3.0).is_empty());
    assert_eq!(send.state(), State::Finished);
    assert_eq!(send.progress(), (2, 2));
    let lines: Vec<(usize, &str)> = send.report().rows.iter().map(|r| (r.row, r.outcome.label())).collect();
    assert_eq!(lines, [(2, "sent"), (3, "skipped"), (4, "skipped"), (5, "sent")]);
    assert_eq!(send.report().rows[3].outcome, Outcome::Sent { id: Some("P-000042".into()) });
}

#[test]
fn a_401_refreshes_the_token_once() {
    let (_, _, p) = prepared();
    let mut send = engine_for(&p, 2);
    let (t, _) = one(&mut send, 0.0);
    send.handle(t, Ok(ok(r#"{"access_token":"t1","expires_in":300}"#)), 0.0);
    let (t, _) = one(&mut send, 0.0);
    send.handle(t, Ok(HttpResponse::new(401, r#"{"detail":"expired"}"#)), 0.0);
    let (t, again) = one(&mut send, 0.0);
    assert!(again.url.ends_with("/token"), "asks for a new token");
    send.handle(t, Ok(ok(r#"{"access_token":"t2","expires_in":300}"#)), 0.0);
    let (t, retry) = one(&mut send, 0.0);
    assert_eq!(retry.header("Authorization"), Some("Bearer t2"));
    send.handle(t, Ok(HttpResponse::new(401, "{}")), 0.0);
    assert!(send.poll(0.0).is_empty(), "no second refresh");
    assert_eq!(send.report().count(crate::report::OutcomeKind::NotSent), 2);
}

#[test]
fn an_expired_token_is_renewed_before_use() {
    let (_, _, p) = prepared();
    let mut send = engine_for(&p, 1);
    let (t, _) = one(&mut send, 0.0);
    send.handle(t, Ok(ok(r#"{"access_token":"t1","expires_in":60}"#)), 0.0);
    let (t, _) = one(&mut send, 1.0);
    send.handle(t, Ok(ok("{}")), 1.0);
    let (_, next) = one(&mut send, 59_000.0);
    assert!(next.url.ends_with("/token"));
}

#[test]
fn bad_login_sends_nothing() {
    let (_, _, p) = prepared();
    let mut send = engine_for(&p, 2);
    let (t, _) = one(&mut send, 0.0);
    send.handle(t, Ok(HttpResponse::new(401, r#"{"error":"invalid_grant","error_description":"Invalid user credentials"}"#)), 0.0);
    assert!(send.poll(0.0).is_empty());
    assert_eq!(send.state(), State::Finished);
    assert!(send.failure().unwrap().starts_with("Engage rejected the username or password"));
    assert_eq!(send.report().count(crate::report::OutcomeKind::NotSent), 2);
    assert_eq!(send.report().count(crate::report::OutcomeKind::Sent), 0);
}

#[test]
fn refused_records_are_reported_and_the_rest_resent() {
    let (_, _, p) = prepared();
    let mut send = engine_for(&p, 2);
    let (t, _) = one(&mut send, 0.0);
    send.handle(t, Ok(ok(r#"{"access_token":"t","expires_in":300}"#)), 0.0);
    let (t, _) = one(&mut send, 0.0);
    let refusal = r#"{"detail":[{"loc":["body","records",0,"submission","activity_slug"],"msg":"unknown activity"}]}"#;
    send.handle(t, Ok(HttpResponse::new(422, refusal)), 0.0);
    let (t, resend) = one(&mut send, 0.0);
    let Body::Json(json) = resend.body else { panic!() };
    assert!(json.contains("jan@example.org") && !json.contains("anna@"), "only the unrefused record");
    send.handle(t, Ok(ok("{}")), 0.0);
    assert_eq!(send.report().rows[0].outcome, Outcome::Rejected { reason: "submission.activity_slug: unknown activity".into() });
    assert_eq!(send.report().rows[3].outcome.label(), "sent");
}

#[test]
fn a_429_waits_for_retry_after_and_5xx_backs_off() {
    let (_, _, p) = prepared();
    let mut send = engine_for(&p, 2);
    let (t, _) = one(&mut send, 0.0);
    send.handle(t, Ok(ok(r#"{"access_token":"t","expires_in":3000}"#)), 0.0);
    let (t, _) = one(&mut send, 0.0);
    let mut busy = HttpResponse::new(429, r#"{"detail":"Too Many Requests"}"#);
    busy.retry_after = Some("3".into());
    send.handle(t, Ok(busy), 100.0);
    assert!(send.poll(3_000.0).is_empty(), "waits the 3 s asked for");
    let woke = send.next_wakeup().unwrap();
    assert!((3_100.0..=4_600.0).contains(&woke), "{woke}");
    let (t, _) = one(&mut send, woke);
    send.handle(t, Ok(HttpResponse::new(503, "down")), woke);
    let wake = send.next_wakeup().unwrap();
    assert!((woke + 250.0..=woke + 500.0).contains(&wake), "a first failure backs off 0.25–0.5 s: {}", wake - woke);
    let (t, _) = one(&mut send, wake);
    send.handle(t, Ok(ok("{}")), wake);
    assert_eq!(send.report().count(crate::report::OutcomeKind::Sent), 2);
}

#[test]
fn earlier_sent_rows_are_reported_and_not_sent_again() {
    let (_, _, p) = prepared();
    let earlier = BTreeMap::from([(2, Outcome::Sent { id: None })]);
    let mut send = engine(settings(), creds(), p.clone().into_plan(), Policy::default(), &earlier, 7);
    let (t, _) = one(&mut send, 0.0);
    send.handle(t, Ok(ok(r#"{"access_token":"t","expires_in":300}"#)), 0.0);
    let (_, bulk) = one(&mut send, 0.0);
    let Body::Json(json) = bulk.body else { panic!() };
    assert!(!json.contains("anna@") && json.contains("jan@"), "{json}");
    assert_eq!(send.report().rows[0].outcome.label(), "sent");
    assert_eq!(send.progress(), (0, 1));
}

/// A 403 or a 404 stops the send at once with one message (the permissions the document
/// names, or the unknown organisation), instead of refusing every batch in turn.
#[test]
fn a_403_or_404_stops_the_send_with_one_message() {
    for (status, body, words) in [
        (403, r#"{"detail":"Not enough permissions"}"#, "Manage Submissions and Manage Participants permissions"),
        (404, r#"{"detail":"Organization not found"}"#, "does not know the organisation"),
    ] {
        let (_, _, p) = prepared();
        let mut send = engine_for(&p, 1);
        let (t, _) = one(&mut send, 0.0);
        send.handle(t, Ok(ok(r#"{"access_token":"t","expires_in":300}"#)), 0.0);
        let (t, _) = one(&mut send, 0.0);
        send.handle(t, Ok(HttpResponse::new(status, body)), 0.0);
        assert!(send.poll(0.0).is_empty(), "{status}: no further batch");
        assert_eq!(send.state(), State::Finished);
        let failure = send.failure().unwrap_or_default().to_string();
        assert!(failure.contains(words) && failure.contains(&format!("HTTP {status}")), "{failure}");
        assert_eq!(send.report().count(crate::report::OutcomeKind::Sent), 0);
    }
}

#[test]
fn a_date_that_reads_two_ways_is_held_until_its_column_has_an_order() {
    let (sheet, mut mapping, _) = prepared();
    mapping.set_date_order(6, None);
    let held = prepare(&sheet, &mapping, &settings());
    let row2: Vec<&str> = held.issues.iter().filter(|i| i.row == 2).map(|i| i.message.as_str()).collect();
    assert!(row2.iter().any(|m| m.starts_with("\"01.09.2024 10:10\" could be 1 September or January 9")), "{row2:?}");
    assert!(held.records.iter().all(|r| r.row != 2));
    mapping.set_date_order(6, Some(crate::datetime::DateOrder::MonthFirst));
    let month_first = prepare(&sheet, &mapping, &settings());
    let record = month_first.records.iter().find(|r| r.row == 2).unwrap();
    assert_eq!(record.json["submission"]["created_at"], "2024-01-09 10:10:00");
}

#[test]
fn each_row_can_carry_its_own_activity_and_empty_cells_take_the_sends() {
    let sheet = read_csv("Participant ID,Activity\nP-1,wave-2\nP-2,\n".as_bytes()).unwrap();
    let mapping = suggest(&sheet.headers, FIELDS, Some(ANSWERS_PREFIX));
    assert_eq!(mapping.get(ACTIVITY_FIELD), Some(&Source::Column(1)));
    let p = prepare(&sheet, &mapping, &settings());
    let activity: Vec<&Value> = p.records.iter().map(|r| &r.json["submission"]["activity_slug"]).collect();
    assert_eq!(activity, [&json!("wave-2"), &json!("baseline")]);
    assert!(p.records.iter().all(|r| r.json["submission"].as_object().unwrap().keys().filter(|k| *k == "activity_slug").count() == 1));
    // Without the send's own, the empty cell is held, and the mapping asks for nothing more.
    let none = Settings { activity_slug: String::new(), ..settings() };
    assert!(mapping_problems(&mapping, &none).is_empty());
    let held = prepare(&sheet, &mapping, &none);
    assert_eq!(held.records.len(), 1);
    assert!(held.issues.iter().any(|i| i.row == 3 && i.message.starts_with("Activity slug is empty")), "{:?}", held.issues);
    // Unmapped, the send's activity slug is required.
    assert!(mapping_problems(&Mapping::default(), &none).iter().any(|m| m.starts_with("Activity slug is empty")));
}

/// Repeats are found when the check finishes, but each warning still sits with its row:
/// after the row's own errors, before the next row's issues, naming the first row.
#[test]
fn repeat_warnings_sit_with_their_rows_after_their_errors() {
    let sheet = read_csv(b"email,item\na@b.lv,D-1\nnot-mail,D-1\nc@d.lv,D-2\nx,\ne@f.lv,D-1\nbad,D-2\n").unwrap();
    let mut m = Mapping::default();
    m.set("participant.email", Some(Source::Column(0)));
    m.set("submission.partner_item_id", Some(Source::Column(1)));
    let p = prepare(&sheet, &m, &settings());
    let seen: Vec<(usize, Severity, bool)> = p.issues.iter().map(|i| (i.row, i.severity, i.message.contains("also on row"))).collect();
    assert_eq!(
        seen,
        [
            (3, Severity::Error, false),
            (3, Severity::Warning, true),
            (5, Severity::Error, false),
            (6, Severity::Warning, true),
            (7, Severity::Error, false),
            (7, Severity::Warning, true),
        ],
        "{:#?}",
        p.issues
    );
    assert!(p.issues[1].message.contains("\"D-1\" is also on row 2"), "{}", p.issues[1].message);
    assert!(p.issues[3].message.contains("\"D-1\" is also on row 2"), "{}", p.issues[3].message);
    assert!(p.issues[5].message.contains("\"D-2\" is also on row 4"), "{}", p.issues[5].message);
    assert_eq!(p.records.len(), 3, "warnings do not block");
}
