use super::*;
use crate::sheet::read_csv;

fn supporters() -> Settings {
    Settings {
        import_name: "Spring".into(),
        format_name: "ferry-supporters".into(),
        columns: parse_columns("First Name\nLast Name\nEmail Address\nPostCode"),
        segment_id: "2014-07-01-SEGMENT".into(),
        ..Settings::default()
    }
}

fn transactions() -> Settings {
    Settings {
        import_name: "Gifts".into(),
        kind: ImportKind::Transactions,
        columns: parse_columns("Supporter Email,Campaign ID,Transaction Date,Transaction Time,Amount"),
        ..Settings::default()
    }
}

fn prepared(csv: &str, settings: &Settings) -> (Sheet, Prepared) {
    let sheet = read_csv(csv.as_bytes()).unwrap();
    let mapping = suggest(&sheet.headers, settings);
    let p = prepare(&sheet, &mapping, settings);
    (sheet, p)
}

#[test]
fn columns_are_typed_pasted_or_comma_separated() {
    assert_eq!(parse_columns("A, B ,C"), ["A", "B", "C"]);
    assert_eq!(parse_columns("A\tB"), ["A", "B"]);
    assert_eq!(parse_columns("A\r\n\"B, b\"\n"), ["A", "B, b"]);
    assert_eq!(role("Email Address"), Role::Email);
    assert_eq!(role("Campaign ID"), Role::CampaignId);
}

#[test]
fn supporter_file_has_the_format_header_exactly_and_blank_emails_are_allowed() {
    let (_, p) = prepared("email address,first name,last name,postcode,notes\nsam@example.org,Sam,One,123ABC,x\n,Off,Line,456DEF,y\n", &supporters());
    assert!(p.issues.is_empty(), "{:?}", p.issues);
    let records: Vec<&PreparedRecord> = p.records.iter().collect();
    let file = csv_file(&supporters(), &records);
    assert_eq!(file, "First Name,Last Name,Email Address,PostCode\r\nSam,One,sam@example.org,123ABC\r\nOff,Line,,456DEF\r\n");
    assert!(!file.starts_with('\u{FEFF}'));
}

#[test]
fn risky_characters_are_flagged_and_replaceable() {
    let (_, p) = prepared("First Name,Last Name,Email Address,PostCode\nSam!,\"O\"\"Neil\",sam@example.org,1|2\n", &supporters());
    assert_eq!(p.records.len(), 0);
    let messages: Vec<String> = p.issues.iter().map(|i| i.to_string()).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].starts_with("row 2, column \"First Name\" (A): \"Sam!\" contains '!'"), "{messages:?}");
    assert_eq!(replace_risky("O\"Neil | A\\B!"), "O'Neil / A/B.");
}

#[test]
fn transactions_convert_dates_and_times_and_split_by_campaign() {
    let csv = "Supporter Email,Campaign ID,Transaction Date,Transaction Time,Amount\n\
a@example.org,101,13.09.2024,9:05,10\n\
b@example.org,202,2024/09/02,10:00:00,20\n\
c@example.org,101,2024-09-03,23:59,30\n\
d@example.org,abc,2024-09-03,,40\n\
e@example.org,101,31.02.2024,,50\n\
,101,2024-09-03,,60\n";
    let (_, p) = prepared(csv, &transactions());
    assert_eq!(p.records.len(), 3);
    assert_eq!(p.records[0].json, serde_json::json!(["a@example.org", "101", "2024-09-13", "09:05:00", "10"]));
    let problems: Vec<(usize, &str)> = p.issues.iter().map(|i| (i.row, i.message.as_str())).collect();
    assert!(problems.iter().any(|(r, m)| *r == 5 && m.starts_with("Campaign ID \"abc\" is not a number")));
    assert!(problems.iter().any(|(r, m)| *r == 6 && m.starts_with("\"31.02.2024\" is not a date")));
    assert!(problems.iter().any(|(r, m)| *r == 7 && m.starts_with("No supporter e-mail or supporter ID")));
    let all: Vec<usize> = (0..p.records.len()).collect();
    let uploads = plan_uploads(&crate::vendors::records::Records::held(p.records.clone()), &transactions(), &all);
    let shape: Vec<(Option<&str>, usize, &str)> = uploads.iter().map(|u| (u.campaign.as_deref(), u.records.len(), u.name.as_str())).collect();
    assert_eq!(shape, [(Some("101"), 2, "Gifts - campaign 101"), (Some("202"), 1, "Gifts - campaign 202")]);
}

#[test]
fn large_files_are_cut_under_the_limit_with_the_header_and_whole_rows() {
    let mut csv = String::from("First Name,Last Name,Email Address,PostCode\n");
    for i in 0..100 {
        csv.push_str(&format!("Name{i},Family{i},p{i}@example.org,{i:05}\n"));
    }
    let settings = Settings { max_file_bytes: 400, ..supporters() };
    let (_, p) = prepared(&csv, &settings);
    let all: Vec<usize> = (0..p.records.len()).collect();
    let uploads = plan_uploads(&crate::vendors::records::Records::held(p.records.clone()), &settings, &all);
    assert!(uploads.len() > 5);
    let mut seen = Vec::new();
    for u in &uploads {
        let records: Vec<&PreparedRecord> = u.records.iter().map(|&i| &p.records[i]).collect();
        let file = csv_file(&settings, &records);
        assert!(file.len() <= 400, "{}", file.len());
        assert!(file.starts_with("First Name,Last Name,Email Address,PostCode\r\n"));
        seen.extend(u.records.iter().copied());
    }
    assert_eq!(seen, all, "every row once, in order");
    assert!(uploads[1].name.starts_with("Spring - part 2 of "));
}

#[test]
fn the_request_is_multipart_with_the_documented_fields() {
    let (_, p) = prepared("First Name,Last Name,Email Address,PostCode\nSam,One,sam@example.org,1\n", &supporters());
    let upload = Upload { campaign: None, records: vec![0], name: "Spring".into() };
    let r = upload_request(&supporters(), &Credentials { token: "tok".into() }, &upload, &[&p.records[0]]);
    assert_eq!(r.url, "https://us.engagingnetworks.app/ea-dataservice/import.service");
    assert!(r.opaque_ok);
    let Body::Multipart(parts) = &r.body else { panic!() };
    let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["token", "name", "formatName", "upload", "segmentId"]);
    assert_eq!(parts[2].data, "ferry-supporters");
    assert_eq!(parts[3].filename.as_deref(), Some("Spring.csv"));
    assert_eq!(Settings { server: "ca".into(), ..supporters() }.url(), "https://ca.engagingnetworks.app/ea-dataservice/import.service");
    assert_eq!(Settings { server: "https://www.e-activist.com/".into(), ..supporters() }.url(), "https://www.e-activist.com/ea-dataservice/import.service");
}

#[test]
fn answers_are_read_by_their_words_not_their_status() {
    let ok = "Your file has been uploaded successfully and scheduled for import. Your job # is 131878. You will receive an email when your job is complete.";
    assert_eq!(read_answer(&HttpResponse::new(200, ok)), Answer::Job("131878".into()));
    let err = "Error: The format you selected does not match the first line of your upload file. Please verify that the header row in the import is exactly the same as the import format fields.";
    assert_eq!(read_answer(&HttpResponse::new(200, err)), Answer::Error(err.into()));
    assert_eq!(read_answer(&HttpResponse::new(0, "")), Answer::Unreadable);
    assert!(matches!(read_answer(&HttpResponse::new(200, "<html>Maintenance</html>")), Answer::Unknown(_)));
}

#[test]
fn problems_name_what_the_format_lacks() {
    let mut s = supporters();
    s.columns = parse_columns("First Name,Last Name");
    assert!(s.problems().iter().any(|p| p.starts_with("The format has no e-mail column")));
    let mut t = transactions();
    t.columns = parse_columns("Amount");
    let problems = t.problems();
    assert!(problems.iter().any(|p| p.contains("no campaign ID column")) && problems.iter().any(|p| p.contains("neither an e-mail nor a supporter ID")));
}

#[test]
fn suggestions_match_names_then_roles() {
    let headers: Vec<String> = ["E-mail", "Campaign", "Date", "Time", "Amount"].iter().map(|s| s.to_string()).collect();
    let m = suggest(&headers, &transactions());
    assert_eq!(m.column("column.Supporter Email"), Some(0));
    assert_eq!(m.column("column.Campaign ID"), Some(1));
    assert_eq!(m.column("column.Transaction Date"), Some(2));
    assert_eq!(m.column("column.Transaction Time"), Some(3));
    assert_eq!(m.column("column.Amount"), Some(4));
}

#[test]
fn an_upload_without_an_answer_is_not_sent_again() {
    let (_, p) = prepared("First Name,Last Name,Email Address,PostCode\nSam,One,sam@example.org,1\n", &supporters());
    let mut e = engine(supporters(), Credentials { token: "t".into() }, p.clone().into_plan(), Policy::default(), &BTreeMap::new(), 1);
    let (t, _) = e.poll(0.0).pop().unwrap();
    e.handle(t, Err(crate::http::TransportError("timed out".into())), 1.0);
    assert!(e.poll(1_000_000.0).is_empty(), "no second upload");
    assert!(e.report().rows[0].outcome.message().contains("may or may not have taken this row"));
}

/// Each error text the document names comes with the document's own advice, after the
/// vendor's words (kept verbatim).
#[test]
fn the_documents_three_errors_come_with_its_advice() {
    for (error, advice) in [
        ("Error: reference name is a required parameter", "Data & Reports > Import"),
        (
            "Error: The format you selected does not match the first line of your upload file. Please verify that the header row in the import is exactly the same as the import format fields.",
            "Comma Separated Values (.csv)",
        ),
        ("Error: Import format parameter not found or is invalid", "check the format name"),
    ] {
        assert!(hint_for(error).is_some_and(|h| h.contains(advice)), "{error}");
    }
    assert_eq!(hint_for("Error: Unable to process your import. Please contact support."), None);
}

/// A sample file's header gives the format's columns: the first line only, in UTF-8,
/// with its own separator and quotes.
#[test]
fn a_sample_files_header_gives_the_columns() {
    assert_eq!(
        columns_of_sample(b"\xEF\xBB\xBFFirst Name,Last Name,\"Email Address\"\r\nA,B,c@d.lv\r\n").unwrap(),
        ["First Name", "Last Name", "Email Address"]
    );
    assert_eq!(columns_of_sample(b"Supporter Email;Campaign ID;\"Amount; EUR\"\n").unwrap(), ["Supporter Email", "Campaign ID", "Amount; EUR"]);
    assert_eq!(columns_of_sample(b"Email Address\tOPT-IN #1").unwrap(), ["Email Address", "OPT-IN #1"]);
    assert!(columns_of_sample(b"\nA,B").unwrap_err().contains("no header row"));
    assert!(columns_of_sample(b"Stra\xDFe,Ort\n").unwrap_err().contains("not UTF-8"));
}
