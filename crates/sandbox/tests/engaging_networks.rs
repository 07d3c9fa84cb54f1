//! The Engaging Networks import service emulation.

use axum::body::Body;
use axum::http::{header, Request};
use ferry_sandbox::{app, Sandbox};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

fn multipart(fields: &[(&str, &str)], file: Option<&str>) -> Request<Body> {
    let b = "BOUNDARYxyz";
    let mut body = String::new();
    for (k, v) in fields {
        body.push_str(&format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"));
    }
    if let Some(f) = file {
        body.push_str(&format!("--{b}\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"x.csv\"\r\nContent-Type: text/csv\r\n\r\n{f}\r\n"));
    }
    body.push_str(&format!("--{b}--\r\n"));
    Request::post("/ea-dataservice/import.service").header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={b}")).body(Body::from(body)).unwrap()
}

async fn text(router: &axum::Router, request: Request<Body>) -> String {
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200, "HTTP 200 whatever happened");
    String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
}

const SUPPORTERS: &str = "First Name,Last Name,Email Address,PostCode,OPT-IN #1\r\nSupporter,One,sam@example.org,123ABC,Y\r\nSupporter,Two,,456DEF,N\r\n";

#[tokio::test]
async fn a_supporter_file_in_the_saved_format_becomes_a_job() {
    let router = app(Sandbox::default());
    let fields = [("token", "sandbox-en-token"), ("name", "Spring"), ("formatName", "ferry-supporters"), ("segmentId", "SEG-1")];
    let answer = text(&router, multipart(&fields, Some(SUPPORTERS))).await;
    assert_eq!(
        answer,
        "Your file has been uploaded successfully and scheduled for import. Your job # is 131878. You will receive an email when your job is complete."
    );
    let held: Value = serde_json::from_slice(
        &router
            .clone()
            .oneshot(Request::get("/_sandbox/engaging-networks").body(Body::empty()).unwrap())
            .await
            .unwrap()
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes(),
    )
    .unwrap();
    assert_eq!(held["jobs"][0]["rows"].as_array().unwrap().len(), 2);
    assert_eq!(held["jobs"][0]["segment_id"], "SEG-1");
}

#[tokio::test]
async fn every_failure_is_an_error_text_with_http_200() {
    let router = app(Sandbox::default());
    let ok = [("token", "sandbox-en-token"), ("name", "Spring"), ("formatName", "ferry-supporters")];
    assert_eq!(
        text(&router, multipart(&[("token", "sandbox-en-token"), ("formatName", "ferry-supporters")], Some(SUPPORTERS))).await,
        "Error: reference name is a required parameter"
    );
    assert_eq!(
        text(&router, multipart(&[("token", "sandbox-en-token"), ("name", "x"), ("formatName", "nope")], Some(SUPPORTERS))).await,
        "Error: Import format parameter not found or is invalid"
    );
    let mismatch = text(&router, multipart(&ok, Some("First Name,Email Address\r\nA,a@b.lv\r\n"))).await;
    assert!(mismatch.starts_with("Error: The format you selected does not match the first line of your upload file."));
    let bom = format!("\u{FEFF}{SUPPORTERS}");
    assert!(text(&router, multipart(&ok, Some(&bom))).await.starts_with("Error: The format you selected does not match"), "a BOM breaks the header");
    assert!(text(&router, multipart(&[("token", "wrong"), ("name", "x"), ("formatName", "ferry-supporters")], Some(SUPPORTERS))).await.starts_with("Error:"));
    let two_campaigns = "Supporter ID,Supporter Email,Campaign ID,Transaction Date,Transaction Time,Amount,Currency\r\n,a@b.lv,101,2024-09-01,10:00:00,5,EUR\r\n,b@b.lv,202,2024-09-01,,5,EUR\r\n";
    let tx = [("token", "sandbox-en-token"), ("name", "Gifts"), ("formatName", "importTransactions")];
    assert!(text(&router, multipart(&tx, Some(two_campaigns))).await.starts_with("Error:"), "one campaign per file");
    let bad_date = "Supporter ID,Supporter Email,Campaign ID,Transaction Date,Transaction Time,Amount,Currency\r\n,a@b.lv,101,01.09.2024,,5,EUR\r\n";
    assert!(text(&router, multipart(&tx, Some(bad_date))).await.starts_with("Error:"));
    // "needs to be the numerical ID of the campaign".
    let named_campaign =
        "Supporter ID,Supporter Email,Campaign ID,Transaction Date,Transaction Time,Amount,Currency\r\n,a@b.lv,Campaign ABC,2024-09-01,,5,EUR\r\n";
    assert!(text(&router, multipart(&tx, Some(named_campaign))).await.starts_with("Error:"), "a campaign named, not numbered");
    // "Files should not exceed 20MB": a file over 20,000,000 bytes (though under 20 MiB).
    let rows = (20_000_000 - SUPPORTERS.len()) / "A,B,c@d.lv,1,Y\r\n".len() + 1;
    let big = format!("{SUPPORTERS}{}", "A,B,c@d.lv,1,Y\r\n".repeat(rows));
    assert!(big.len() > 20_000_000 && big.len() < 20 * 1024 * 1024, "{}", big.len());
    assert!(text(&router, multipart(&ok, Some(&big))).await.starts_with("Error:"), "over 20 MB");
}
