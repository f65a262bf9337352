//! The leadership report page: the report for leaders in their language, its PDF as a
//! download, bad periods named, hostile workspace text escaped.

use axum::body::Body;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE};
use axum::http::{Request, StatusCode};
use omdomme_store::Role;

use crate::support::{TestApp, body_text};

#[tokio::test]
async fn leaders_read_the_report_and_download_its_pdf() {
    let app = TestApp::new().await;
    let leader = app.browser_as(Role::Leader).await;
    let (status, html) = app
        .page("/w/nordlys/report?period=last-week&lang=en", Some(&leader))
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Leadership report week"), "{html}");
    assert!(html.contains("id=\"report-headline\""), "{html}");
    assert!(html.contains("Mentions of Nordlys Energi"), "{html}");
    assert!(html.contains("format=pdf"), "{html}");

    let response = app
        .send(
            Request::get("/w/nordlys/report?period=last-week&lang=nb&format=pdf")
                .header(COOKIE, &leader.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/pdf");
    let disposition = response.headers()[CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"omdomme-nordlys-"),
        "{disposition}"
    );
    assert!(disposition.ends_with("-nb.pdf\""), "{disposition}");
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert!(body.starts_with(b"%PDF-"));
}

#[tokio::test]
async fn a_bad_period_is_named() {
    let app = TestApp::new().await;
    let leader = app.browser_as(Role::Leader).await;
    let response = app
        .send(
            Request::get("/w/nordlys/report?period=2027-W53")
                .header(COOKIE, &leader.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let text = body_text(response).await;
    assert!(text.contains("2027 has no week 53"), "{text}");
}

#[tokio::test]
async fn a_hostile_workspace_name_is_escaped() {
    let app = TestApp::with_workspace_named("<script>alert(1)</script>").await;
    let leader = app.browser_as(Role::Leader).await;
    let (status, html) = app.page("/w/nordlys/report", Some(&leader)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(
        html.contains("class=\"report-meta\">&#60;script&#62;alert(1)"),
        "{html}"
    );
}
