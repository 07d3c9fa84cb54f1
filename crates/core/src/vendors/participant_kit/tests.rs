use super::*;
use crate::mapping::suggest;
use crate::send::State;
use crate::sheet::read_csv;

fn settings() -> Settings {
    Settings { base_url: "https://api.participantkit.example".into(), study_id: "stu_1".into(), ..Settings::default() }
}

fn token() -> Credentials {
    Credentials { token: "tok".into() }
}

#[test]
fn list_requests_page_with_the_documented_parameters() {
    let r = list_request(&settings(), &token(), &Resource::Panellists("pan_1".into()), 2, &[("include", "pii,properties")]);
    assert_eq!(r.url, "https://api.participantkit.example/v1/panels/pan_1/panellists?limit=100&page=2&include=pii,properties");
    assert_eq!(r.header("authorization"), Some("Bearer tok"));
    assert_eq!(Resource::Panellists("../x".into()).path(), "/v1/panels/x/panellists", "ids cannot escape the path");
}

#[test]
fn the_pager_reads_until_an_empty_page_and_stops_on_errors() {
    let mut pager = Pager::new(Resource::Studies, &[]);
    assert!(pager.next_request(&settings(), &token()).unwrap().url.contains("page=1"));
    pager.handle(&HttpResponse::new(503, "busy"), 0.0);
    assert_eq!(pager.take_wait(), Some(1000.0), "a 5xx asks for the same page again later");
    assert!(pager.next_request(&settings(), &token()).unwrap().url.contains("page=1"));
    pager.handle(&HttpResponse::new(200, r#"{"data":[{"id":"stu_1"},{"id":"stu_2"}]}"#), 0.0);
    assert!(pager.next_request(&settings(), &token()).unwrap().url.contains("page=2"));
    pager.handle(&HttpResponse::new(200, r#"{"data":[]}"#), 0.0);
    assert!(pager.is_done() && pager.next_request(&settings(), &token()).is_none());
    assert_eq!(pager.items().len(), 2);
    let mut failing = Pager::new(Resource::Studies, &[]);
    failing.handle(&HttpResponse::new(401, r#"{"error":{"message":"Invalid token"}}"#), 0.0);
    assert_eq!(failing.error(), Some("Participant Kit rejected the token (401): check it or get a new one: Invalid token"));
    let mut garbage = Pager::new(Resource::Studies, &[]);
    garbage.handle(&HttpResponse::new(200, "<html>"), 0.0);
    assert!(garbage.error().unwrap().contains("no data array"));
}

#[test]
fn properties_are_shown_under_field_titles_and_lists_joined() {
    let fields = vec![json!({"id": "f_dob", "title": "Date of birth"}), json!({"id": "f_int", "title": "Interests"})];
    let items = vec![
        json!({"id": "ppl_1", "opted_in_at": "2024-01-01", "properties": [{"field_id": "f_dob", "value": "1990-02-03"}, {"field_id": "f_int", "value": ["cycling", "=cmd"]}]}),
    ];
    let (columns, rows) = flatten(&items, &fields);
    assert_eq!(columns, ["id", "Date of birth", "Interests", "opted_in_at"]);
    assert_eq!(rows[0], ["ppl_1", "1990-02-03", "cycling; =cmd", "2024-01-01"]);
    let csv = table_csv(&columns, &rows);
    assert!(csv.contains("cycling; =cmd"), "a cell starting with text is kept");
    let (_, study) = flatten(&[json!({"id": "par_1", "study": {"id": "stu_1", "object": "study"}})], &[]);
    assert_eq!(study[0], ["par_1", "stu_1"]);
}

#[test]
fn participants_need_name_and_a_valid_email() {
    let sheet = read_csv(b"Full name,E-mail\nAnna Berzina,anna@example.org\n,jan@example.org\nMarta,not-mail\n").unwrap();
    let mapping = suggest(&sheet.headers, PARTICIPANT_FIELDS, None);
    let p = prepare(&sheet, &mapping, &settings());
    assert_eq!(p.records.len(), 1);
    assert_eq!(p.records[0].json, json!({"name": "Anna Berzina", "email": "anna@example.org", "event_id": "stu_1"}));
    let messages: Vec<String> = p.issues.iter().map(|i| i.to_string()).collect();
    assert!(messages[0].starts_with("row 3, column \"Full name\" (A): Name is empty"), "{messages:?}");
    assert!(messages[1].contains("\"not-mail\" is not a valid e-mail address"));
}

#[test]
fn data_links_need_an_absolute_url_a_real_date_and_a_participant() {
    let s = Settings { mode: WriteMode::DataLinks, ..settings() };
    let sheet =
        read_csv(b"url,recorded_at,participant_id,title\nhttps://files.example.org/a.pdf,01.09.2024,par_1,Scan\nfiles/a.pdf,2024-02-30,par_2,\n").unwrap();
    let mut mapping = suggest(&sheet.headers, DATA_LINK_FIELDS, None);
    let ambiguous = prepare(&sheet, &mapping, &s);
    assert!(ambiguous.issues.iter().any(|i| i.row == 2 && i.message.starts_with("\"01.09.2024\" could be 1 September or January 9")), "{:?}", ambiguous.issues);
    mapping.set_date_order(1, Some(crate::datetime::DateOrder::DayFirst));
    let p = prepare(&sheet, &mapping, &s);
    assert_eq!(p.records[0].json, json!({"url": "https://files.example.org/a.pdf", "recorded_at": "2024-09-01", "participant_id": "par_1", "title": "Scan"}));
    let messages: Vec<&str> = p.issues.iter().map(|i| i.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.starts_with("\"files/a.pdf\" is not an absolute URL")));
    assert!(messages.iter().any(|m| m.starts_with("\"2024-02-30\" is not a date Ferry can read")));
}

#[test]
fn one_request_per_row_with_ids_retries_and_a_fatal_401() {
    let sheet = read_csv(b"name,email\nA,a@example.org\nB,b@example.org\nC,c@example.org\n").unwrap();
    let mapping = suggest(&sheet.headers, PARTICIPANT_FIELDS, None);
    let p = prepare(&sheet, &mapping, &settings());
    let mut e = engine(Settings { concurrency: 2, ..settings() }, token(), p.clone().into_plan(), Policy::default(), &BTreeMap::new(), 3);
    let started = e.poll(0.0);
    assert_eq!(started.len(), 2, "bounded concurrency");
    assert!(started[0].1.url.ends_with("/v1/participants?include=pii"), "the answer names whom it created");
    e.handle(
        started[0].0,
        Ok(HttpResponse::new(201, r#"{"id":"par_9","object":"participant","app_url":"https://app.example/p/9","first_name":"A","email":"a@example.org"}"#)),
        1.0,
    );
    let mut busy = HttpResponse::new(429, "");
    busy.retry_after = Some("2".into());
    e.handle(started[1].0, Ok(busy), 1.0);
    let (t, _) = e.poll(1.0).pop().unwrap();
    e.handle(t, Ok(HttpResponse::new(400, r#"{"error":{"message":"email is invalid"}}"#)), 2.0);
    assert!(e.poll(2.0).is_empty(), "the throttled row waits");
    let wake = e.next_wakeup().unwrap();
    assert!(wake >= 2_001.0, "{wake}");
    let (t, _) = e.poll(wake).pop().unwrap();
    e.handle(t, Ok(HttpResponse::new(401, "")), wake);
    assert_eq!(e.state(), State::Finished);
    let outcomes: Vec<String> = e.report().rows.iter().map(|r| format!("{} {}", r.outcome.label(), r.outcome.message())).collect();
    assert_eq!(e.report().rows[0].outcome, Outcome::Sent { id: Some("par_9 https://app.example/p/9 (A, a@example.org)".into()) });
    assert!(outcomes[2].starts_with("rejected Participant Kit refused it (400, validation error): email is invalid"), "{outcomes:?}");
    assert!(e.failure().unwrap().starts_with("Participant Kit rejected the token (401)"));
}

#[test]
fn one_object_is_read_by_id_where_the_document_has_a_retrieve_endpoint() {
    let request = retrieve_request(&settings(), &token(), &Resource::Participants, " par_1 ", "pii").unwrap();
    assert_eq!(request.method, Method::Get);
    assert!(request.url.ends_with("/v1/participants/par_1?include=pii"), "{}", request.url);
    assert!(retrieve_request(&settings(), &token(), &Resource::Studies, "stu_demo", "").unwrap().url.ends_with("/v1/studies/stu_demo"));
    assert!(retrieve_request(&settings(), &token(), &Resource::DataLinks, "dl_1", "").is_none(), "no retrieve endpoint in the document");
}

/// An e-mail on an earlier row too, in any case of its ASCII letters, is a warning on the
/// later row, among that row's issues in field order; the record is still made. Checked
/// in pieces, the same issues come.
#[test]
fn a_repeated_email_is_a_warning_on_its_later_row_in_any_letter_case() {
    let csv = "Full name,E-mail,Phone\nAnna,anna@example.org,\nJan,ANNA@Example.ORG,\n,anna@example.org,\nĀda,āda@example.org,\nAda,Āda@example.org,\n";
    let sheet = read_csv(csv.as_bytes()).unwrap();
    let mapping = suggest(&sheet.headers, PARTICIPANT_FIELDS, None);
    let p = prepare(&sheet, &mapping, &settings());
    let messages: Vec<String> = p.issues.iter().map(|i| i.to_string()).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].starts_with("row 3, column \"E-mail\" (B): \"ANNA@Example.ORG\" is on an earlier row too"), "{messages:?}");
    assert!(messages[1].starts_with("row 4, column \"Full name\" (A): Name is empty"), "{messages:?}");
    assert!(messages[2].starts_with("row 4, column \"E-mail\" (B): \"anna@example.org\" is on an earlier row too"), "{messages:?}");
    assert_eq!(p.issues[0].severity, Severity::Warning);
    assert_eq!(p.records.iter().map(|r| r.row).collect::<Vec<_>>(), [2, 3, 5, 6], "Ā is not an ASCII letter: āda and Āda differ");
    let contract = crate::vendors::Target::from_id("participant-kit").unwrap().contract();
    let settings = serde_json::to_value(settings()).unwrap();
    let mut checker = contract.row_checker(&mapping, &sheet.headers, &settings).unwrap();
    for indices in [vec![0, 1], vec![2, 3, 4]] {
        checker.check(&crate::sheet::Picked { rows: &sheet, indices: &indices });
    }
    assert_eq!(checker.finish().issues, p.issues);
}

#[test]
fn a_first_name_sent_as_the_full_name_is_said_when_the_file_has_last_names() {
    let headers = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    let with_last = headers(&["E-mail", "First name", "Last name"]);
    let mapping = suggest(&with_last, PARTICIPANT_FIELDS, None);
    assert_eq!(mapping.column("name"), Some(1), "Name is suggested from the first names");
    let said = first_name_as_name(&mapping, &with_last, &settings()).expect("a warning");
    assert!(said.starts_with("Name comes from \"First name\" alone") && said.contains("\"Last name\" would not be sent"), "{said}");
    // Through the contract: a warning, which does not stop the send.
    let problems = crate::vendors::Target::from_id("participant-kit").unwrap().contract().mapping_warnings(
        &mapping,
        &with_last,
        &serde_json::to_value(settings()).unwrap(),
    );
    assert_eq!(problems.len(), 1);
    assert!(!problems[0].blocking);
    // Latvian headers, other spellings.
    let latvian = headers(&["Vārds", "Uzvārds", "First_Name"]);
    let mut chosen = crate::mapping::Mapping::default();
    chosen.set("name", Some(crate::mapping::Source::Column(2)));
    assert!(first_name_as_name(&chosen, &latvian, &settings()).is_some());
    // Nothing to say: full names, no last names, or data links.
    for names in [&["Full name", "Last name"][..], &["First name", "E-mail"][..]] {
        let h = headers(names);
        let m = suggest(&h, PARTICIPANT_FIELDS, None);
        assert_eq!(first_name_as_name(&m, &h, &settings()), None, "{names:?}");
    }
    let links = Settings { mode: WriteMode::DataLinks, ..settings() };
    assert_eq!(first_name_as_name(&mapping, &with_last, &links), None);
}
