//! The leadership report page: the report for leaders in their language, its PDF as a
//! download, bad periods named, hostile workspace text escaped.

use axum::body::Body;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE};
use axum::http::{Request, StatusCode};
use omdomme_alerts::testing::SmtpSink;
use omdomme_store::Role;
use tower::ServiceExt;

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

/// The report's body is laid out by the report crate's template but rendered by the page's
/// askama (see the web crate's askama.toml): a competitor, a goal and its metric with markup
/// in them come out as text, and the only raw markup is the charts crate's.
#[tokio::test]
async fn hostile_brand_and_goal_texts_are_escaped_through_the_page() {
    const HOSTILE: &str = "<img src=x onerror=alert(1)>\"'&";
    let app = TestApp::new().await;
    let mut ws = crate::support::workspace("Nordlys Energi (demo)");
    ws.brands[1].name = HOSTILE.to_owned();
    app.store.put_workspace(&ws).await.unwrap();
    app.store
        .put_goal(
            &ws.id,
            None,
            &omdomme_store::GoalDraft {
                name: HOSTILE.to_owned(),
                metric: format!("svarprosent {HOSTILE}"),
                target: Some(90.0),
                ..omdomme_store::GoalDraft::default()
            },
            crate::support::now(),
        )
        .await
        .unwrap();
    let leader = app.browser_as(Role::Leader).await;
    let (status, html) = app
        .page("/w/nordlys/report?period=last-week&lang=en", Some(&leader))
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(
        html.contains("&#60;img src=x onerror=alert(1)&#62;&#34;&#39;&#38;"),
        "{html}"
    );
    assert!(html.contains("id=\"report-goals\""), "{html}");
    assert!(html.contains("id=\"report-index\""), "{html}");
    assert!(html.contains("id=\"report-maturity\""), "{html}");
}

// == The report by e-mail ==

/// The attachments of a received message, written to `dir` by Python's e-mail parser:
/// (file name, content type, path).
fn attachments(
    message: &std::path::Path,
    dir: &std::path::Path,
) -> Vec<(String, String, std::path::PathBuf)> {
    let script = r#"
import email, os, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'))
for part in m.walk():
    name = part.get_filename()
    if name:
        path = os.path.join(sys.argv[2], name)
        open(path, 'wb').write(part.get_payload(decode=True))
        print(name + '\t' + part.get_content_type() + '\t' + path)
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(message)
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let mut cells = line.split('\t');
            (
                cells.next().unwrap().to_owned(),
                cells.next().unwrap().to_owned(),
                cells.next().unwrap().into(),
            )
        })
        .collect()
}

/// The plain-text part of a received message, decoded.
fn plain_part(message: &std::path::Path) -> String {
    let script = r#"
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
print(m['subject'])
print(m.get_body(('plain',)).get_content())
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(message)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn pdf_text(path: &std::path::Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn weekly_to(addresses: &[&str]) -> omdomme_store::ReportSchedule {
    omdomme_store::ReportSchedule {
        cadence: omdomme_store::Cadence::Weekly,
        language: omdomme_store::UiLanguage::En,
        to_leaders: true,
        addresses: addresses.iter().map(|a| a.to_string()).collect(),
        updated_by: "leader@nordlys.no".to_owned(),
        updated_at: crate::support::now(),
    }
}

#[tokio::test]
async fn the_scheduled_report_reaches_the_leaders_once_with_its_pdf() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = TestApp::new().await;
    app.session_as(Role::Leader).await;
    let ws = omdomme_core::WorkspaceId("nordlys".to_owned());
    app.store
        .put_report_schedule(&ws, &weekly_to(&["styret@example.no"]), "test")
        .await
        .unwrap();
    let mut state = app.state();
    state.mailer = Some(sink.mailer("Omdømme <rapport@example.no>"));

    // Sunday noon (support::NOW): week 24 is not over, nothing is due.
    omdomme_web::report_mail::send_due(&state, crate::support::now())
        .await
        .unwrap();
    assert!(sink.messages().is_empty());

    // Monday 16 June 2025, 07:00 in Oslo (05:00 UTC): last week goes out.
    let monday: jiff::Timestamp = "2025-06-16T05:00:00Z".parse().unwrap();
    omdomme_web::report_mail::send_due(&state, monday)
        .await
        .unwrap();
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let raw = std::fs::read_to_string(&messages[0]).unwrap();
    assert!(raw.contains("leader@nordlys.no"), "{raw}");
    assert!(raw.contains("styret@example.no"), "{raw}");
    let text = plain_part(&messages[0]);
    assert!(
        text.starts_with("Leadership report week 24 2025 · Nordlys Energi (demo)\n"),
        "{text}"
    );
    assert!(
        text.contains("http://127.0.0.1:8080/w/nordlys/report?period=2025-W24&lang=en"),
        "{text}"
    );
    assert!(text.contains("Headline figures"), "{text}");
    let dir = tempfile::tempdir().unwrap();
    let files = attachments(&messages[0], dir.path());
    assert_eq!(files.len(), 1, "{files:?}");
    let (name, content_type, path) = &files[0];
    assert_eq!(name, "omdomme-nordlys-2025-W24-en.pdf");
    assert_eq!(content_type, "application/pdf");
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let text = pdf_text(path);
    assert!(text.contains("Leadership report week 24 2025"), "{text}");
    assert!(text.contains("Headline figures"), "{text}");

    // A minute later, and after a restart (a new state on the same store): not again.
    let later = monday
        .checked_add(jiff::SignedDuration::from_mins(1))
        .unwrap();
    omdomme_web::report_mail::send_due(&app.state(), later)
        .await
        .unwrap();
    omdomme_web::report_mail::send_due(&state, later)
        .await
        .unwrap();
    assert_eq!(sink.messages().len(), 1, "each period goes out once");
    let sends = app.store.report_sends(&ws, 10).await.unwrap();
    assert_eq!(sends.len(), 1);
    assert_eq!(sends[0].state, omdomme_store::SendState::Sent);
    assert_eq!(sends[0].period, "2025-W24");
}

#[tokio::test]
async fn send_now_without_a_mailer_is_recorded_as_failed_with_the_reason() {
    let app = TestApp::new().await;
    let leader = app.browser_as(Role::Leader).await;
    let (status, html) = app.page("/w/nordlys/report/email", Some(&leader)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("data-test=\"no-mailer\""), "{html}");
    let response = app
        .submit(
            "/w/nordlys/report/email/send",
            &leader,
            &[("period", "2025-W24"), ("language", "nb")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = body_text(response).await;
    assert!(
        html.contains("Ikke sendt: e-mail is not configured"),
        "{html}"
    );
    assert!(html.contains("data-state=\"error\""), "{html}");
    let sends = app
        .store
        .report_sends(&omdomme_core::WorkspaceId("nordlys".to_owned()), 10)
        .await
        .unwrap();
    assert_eq!(sends.len(), 1);
    assert_eq!(sends[0].state, omdomme_store::SendState::Failed);
    assert!(!sends[0].scheduled);
    assert_eq!(sends[0].requested_by, "leader@nordlys.no");
}

#[tokio::test]
async fn send_now_through_the_page_delivers_to_the_sink() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = TestApp::new().await;
    let leader = app.browser_as(Role::Leader).await;
    let mut state = app.state();
    state.mailer = Some(sink.mailer("Omdømme <rapport@example.no>"));
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("_csrf", leader.csrf.as_str()),
            ("period", "2025-W24"),
            ("language", "nb"),
        ])
        .finish();
    let response = omdomme_web::router(state)
        .oneshot(
            Request::post("/w/nordlys/report/email/send")
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(COOKIE, &leader.cookie)
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = body_text(response).await;
    assert!(html.contains("Sendt til 1 mottakere."), "{html}");
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn the_schedule_is_saved_and_a_hostile_address_refused_and_escaped() {
    let app = TestApp::new().await;
    let leader = app.browser_as(Role::Leader).await;
    let response = app
        .submit(
            "/w/nordlys/report/email",
            &leader,
            &[
                ("cadence", "monthly"),
                ("language", "en"),
                ("to_leaders", "on"),
                (
                    "addresses",
                    "Styret@Example.no\nstyret@example.no, ceo@example.no",
                ),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = body_text(response).await;
    assert!(html.contains("Lagret."), "{html}");
    let stored = app
        .store
        .report_schedule(&omdomme_core::WorkspaceId("nordlys".to_owned()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.cadence, omdomme_store::Cadence::Monthly);
    assert_eq!(
        stored.addresses,
        vec!["styret@example.no", "ceo@example.no"]
    );

    let hostile = "<script>alert(1)</script>@x.no";
    let response = app
        .submit(
            "/w/nordlys/report/email",
            &leader,
            &[
                ("cadence", "weekly"),
                ("language", "nb"),
                ("addresses", hostile),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = body_text(response).await;
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(html.contains("Ikke en e-postadresse"), "{html}");
    assert!(html.contains("&#60;script&#62;alert(1)"), "{html}");
    let kept = app
        .store
        .report_schedule(&omdomme_core::WorkspaceId("nordlys".to_owned()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept, stored, "a refused form changes nothing");

    let response = app
        .submit(
            "/w/nordlys/report/email",
            &leader,
            &[("cadence", "hourly"), ("language", "nb")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}
