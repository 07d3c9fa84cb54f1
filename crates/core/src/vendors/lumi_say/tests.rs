use super::*;
use crate::http::form_urldecode;
use crate::mapping::{suggest, Source};
use crate::send::State;
use crate::sheet::read_csv;

const CSV: &str = "Username,Phone,E-mail,sample.age,sample.site\n\
anna.b,+37122222201,anna@example.org,34,Riga\n\
bad user!,,x@example.org,40,Riga\n\
jan,+371 2222 2203,,29,Cesis\n\
nobody,,,50,Riga\n\
marta,,not-mail,31,\n\
liga,+37122222206,,45,Valmiera\n";

fn settings() -> Settings {
    Settings { base_url: "https://acme.lumisay.com".into(), project: "study".into(), group_id: "101".into(), ..Settings::default() }
}

fn creds() -> Credentials {
    Credentials { user_name: "coordinator".into(), password: "pw&=".into() }
}

fn prepared(settings: &Settings) -> Prepared {
    let sheet = read_csv(CSV.as_bytes()).unwrap();
    let mapping = suggest(&sheet.headers, FIELDS, Some(SAMPLE_PREFIX));
    assert_eq!(mapping.get("sample.site"), Some(&Source::Column(4)));
    prepare(&sheet, &mapping, settings)
}

#[test]
fn checks_use_the_vendors_own_words_with_the_row_and_column() {
    let p = prepared(&settings());
    let by_row = |row: usize| p.issues.iter().filter(|i| i.row == row).map(|i| i.to_string()).collect::<Vec<_>>();
    assert!(
        by_row(3)[0].starts_with("row 3, column \"Username\" (A): Import failed, Respondent ID must use only characters 'A-Z a-z 0-9 ._-@'"),
        "{:?}",
        by_row(3)
    );
    assert!(
        by_row(4)[0].contains("Import failed, Phone number not valid. (Use only 0-9 and +). \"+371 2222 2203\": write it as \"+37122222203\"."),
        "{:?}",
        by_row(4)
    );
    assert!(by_row(5)[0].contains("Import failed, Either phone number or e-mail must be specified!"), "{:?}", by_row(5));
    assert!(by_row(6)[0].contains("Import failed, Invalid e-mail!"), "{:?}", by_row(6));
    let rows: Vec<usize> = p.records.iter().map(|r| r.row).collect();
    assert_eq!(rows, [2, 7]);
}

#[test]
fn the_request_is_a_form_with_respondents_json_as_a_string() {
    let p = prepared(&Settings { callback_url: "https://relay.example/_relay/abc".into(), company_id: "7".into(), ..settings() });
    let records: Vec<&PreparedRecord> = p.records.iter().collect();
    let request = add_request(&Settings { callback_url: "https://relay.example/_relay/abc".into(), company_id: "7".into(), ..settings() }, &creds(), &records);
    assert_eq!(request.url, "https://acme.lumisay.com/reactor-webapp/pt/study/pn/lumicompass/api/add_respondent");
    let Body::Form(pairs) = &request.body else { panic!("form") };
    let encoded = crate::http::form_urlencode(pairs);
    let decoded = form_urldecode(&encoded);
    let get = |k: &str| decoded.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap();
    assert_eq!(get("user_name"), "coordinator");
    assert_eq!(get("password"), "pw&=");
    assert_eq!(get("callback_url"), "https://relay.example/_relay/abc");
    let doc: Value = serde_json::from_str(&get("respondents_json")).unwrap();
    assert_eq!(
        doc,
        json!({
            "no_password": false, "group_id": "101", "overwrite": false, "company_id": "7",
            "respondents": [
                {"username": "anna.b", "phonenumber": "+37122222201", "email": "anna@example.org", "sample_fields": [{"alias": "age", "value": "34"}, {"alias": "site", "value": "Riga"}]},
                {"username": "liga", "phonenumber": "+37122222206", "sample_fields": [{"alias": "age", "value": "45"}, {"alias": "site", "value": "Valmiera"}]}
            ]
        })
    );
}

#[test]
fn a_preview_group_maximum_flags_the_rows_beyond_it() {
    let p = prepared(&Settings { preview_max: Some(1), ..settings() });
    assert_eq!(p.records.len(), 1);
    assert!(p
        .issues
        .iter()
        .any(|i| i.row == 7 && i.message.starts_with("Import failed, Too many respondents. A preview group can only contain a maximum of 1 respondents.")));
}

#[test]
fn answers_and_callbacks_are_read() {
    assert_eq!(
        read_answer(&HttpResponse::new(200, r#"{"status":"ok","message":"Import started successfully","id":"42"}"#)),
        Answer::Ok { message: "Import started successfully".into(), id: Some("42".into()) }
    );
    assert_eq!(
        read_answer(&HttpResponse::new(200, r#"{"status":"error","message":"Authentication failure."}"#)),
        Answer::Error("Authentication failure.".into())
    );
    assert!(matches!(read_answer(&HttpResponse::new(403, "Not supported")), Answer::Http { status: 403, .. }));
    assert!(matches!(read_answer(&HttpResponse::new(200, "<html>")), Answer::Http { status: 200, .. }));
    let cb = Callback::parse(r#"{"status":"ok","message":"Responent import finished successfully. 2 of 3 respondents imported.","id":"1732300000"}"#).unwrap();
    assert_eq!(cb.imported(), Some((2, 3)));
    assert_eq!(cb.summary(), "2 of 3 respondents imported.");
    let failed = Callback::parse(r#"{"status":"error","message":"Could not overwrite respondent r7, import stopped.","id":""}"#).unwrap();
    assert_eq!(
        failed.summary(),
        "The import stopped: Could not overwrite respondent r7, import stopped. Lumi Say could not overwrite that respondent \
         (a username is unique across the instance: it may belong to another company), and the import stopped there: the \
         respondents after it did not arrive."
    );
    let unknown = Callback::parse(r#"{"status":"error","message":"Something new.","id":""}"#).unwrap();
    assert_eq!(unknown.summary(), "The import stopped: Something new.");
    assert_eq!(named_respondents("Could not validate respondents. Respondent(s) does not exist! (r1, r2)"), ["r1", "r2"]);
    assert_eq!(named_respondents("The following respondents could not be deleted from the list: [r1,r2]"), ["r1", "r2"]);
    assert!(explain("The following respondents could not be deleted from the list: [r1]")
        .ends_with("Respondents have to belong to one list at least: copy them to another list first."));
    assert_eq!(explain("Respondents copied to list 7"), "Respondents copied to list 7");
    assert!(explain("Field cannot be empty.; sample field site").contains("requires the sample field \"site\" for every respondent"));
}

#[test]
fn a_wrong_password_stops_the_send() {
    let p = prepared(&Settings { batch_size: 1, ..settings() });
    let mut e = engine(Settings { batch_size: 1, ..settings() }, creds(), p.clone().into_plan(), Policy::default(), &BTreeMap::new(), 1);
    let (t, _) = e.poll(0.0).pop().unwrap();
    e.handle(t, Ok(HttpResponse::new(200, r#"{"status":"error","message":"Authentication failure."}"#)), 0.0);
    assert_eq!(e.state(), State::Finished);
    assert!(e.failure().unwrap().starts_with("Lumi Say rejected the dashboard user name or password"));
    assert!(e.failure().unwrap().ends_with("If your user has access to more than one company, give the Company ID too."));
    assert_eq!(e.report().count(crate::report::OutcomeKind::NotSent), 2);
    let named = Settings { company_id: "7".into(), ..settings() };
    assert!(authentication_failed("Authentication failure.", &named).contains("has access to company 7"));
}

#[test]
fn an_ok_answer_marks_the_batch_sent_and_an_error_rejects_it_in_the_vendors_words() {
    let p = prepared(&Settings { batch_size: 1, ..settings() });
    let mut e = engine(Settings { batch_size: 1, ..settings() }, creds(), p.clone().into_plan(), Policy::default(), &BTreeMap::new(), 1);
    let (t, _) = e.poll(0.0).pop().unwrap();
    e.handle(t, Ok(HttpResponse::new(200, r#"{"status":"ok","message":"Import started successfully","id":"9"}"#)), 0.0);
    let (t, _) = e.poll(0.0).pop().unwrap();
    e.handle(t, Ok(HttpResponse::new(200, r#"{"status":"error","message":"Field contains invalid data.; sample field age"}"#)), 0.0);
    // The vendor's words first, then what to do.
    let refused = e.report().rows.iter().find(|r| r.row == 7).unwrap().outcome.clone();
    assert_eq!(refused.kind(), crate::report::OutcomeKind::Rejected);
    assert!(refused.message().starts_with("Field contains invalid data.; sample field age The sample field \"age\" takes"), "{refused:?}");
    assert_eq!(e.report().count(crate::report::OutcomeKind::Sent), 1);
    assert_eq!(e.report().count(crate::report::OutcomeKind::Skipped), 4);
}

#[test]
fn list_requests_name_the_list_and_usernames() {
    let r = list_request(&settings(), &creds(), Action::RemoveFromList, "101", &["anna.b".into(), "liga".into()]);
    assert!(r.url.ends_with("/api/remove_respondents_from_list"));
    let Body::Form(pairs) = &r.body else { panic!() };
    let doc: Value = serde_json::from_str(&pairs[2].1).unwrap();
    assert_eq!(doc, json!({"group_id": "101", "respondents": [{"username": "anna.b"}, {"username": "liga"}]}));
}

#[test]
fn usernames_from_a_column_are_each_listed_once_in_order() {
    let sheet = crate::sheet::read_csv(b"username\nbea\nanna\nbea\n\n anna \ncarl\n").unwrap();
    assert_eq!(usernames_in_column(&sheet, 0), ["bea", "anna", "carl"]);
}

/// "Must be done over HTTPS": an http:// instance is refused (the password would go out
/// in clear), except a test server on this computer.
#[test]
fn an_http_instance_is_refused_except_on_this_computer() {
    let mut s = settings();
    s.base_url = "http://acme.lumisay.com".into();
    let problems = s.problems();
    assert!(problems.iter().any(|p| p.contains("must start with https://") && p.contains("unencrypted")), "{problems:?}");
    s.base_url = "http://127.0.0.1:9000".into();
    assert!(s.problems().is_empty(), "{:?}", s.problems());
    s.base_url = "https://acme.lumisay.com".into();
    assert!(s.problems().is_empty());
}

#[test]
fn pasted_usernames_are_read_once_each_in_order() {
    assert_eq!(usernames_in_text("Username\r\nanna.b\r\njan\r\n\r\nanna.b\n liga \n"), ["anna.b", "jan", "liga"]);
    assert_eq!(usernames_in_text("anna.b, jan;\"liga\"\tpeter"), ["anna.b", "jan", "liga", "peter"]);
    assert!(usernames_in_text(" \n,\t").is_empty());
}

/// A username on an earlier row too (compared exactly) is a warning on the later row,
/// naming the first, among that row's issues in field order.
#[test]
fn a_repeated_username_is_a_warning_naming_the_first_row() {
    let csv = "Username,Phone,E-mail\nanna.b,+37122222201,\nAnna.B,+37122222202,\nanna.b,12ab,\nanna.b,+37122222204,\n";
    let sheet = read_csv(csv.as_bytes()).unwrap();
    let mapping = suggest(&sheet.headers, FIELDS, Some(SAMPLE_PREFIX));
    let p = prepare(&sheet, &mapping, &settings());
    let messages: Vec<String> = p.issues.iter().map(|i| i.to_string()).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].starts_with("row 4, column \"Username\" (A): Username \"anna.b\" is also on row 2"), "{messages:?}");
    assert!(messages[1].starts_with("row 4, column \"Phone\" (B): Import failed, Phone number not valid"), "{messages:?}");
    assert!(messages[2].starts_with("row 5, column \"Username\" (A): Username \"anna.b\" is also on row 2"), "{messages:?}");
    assert_eq!(p.records.iter().map(|r| r.row).collect::<Vec<_>>(), [2, 3, 5]);
}
