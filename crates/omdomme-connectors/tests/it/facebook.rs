//! The Facebook connector and channel against a local server speaking the Graph API.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use omdomme_connectors::facebook::{self, usage};
use omdomme_connectors::{
    Attachment, BuildContext, Clock, ConnectorError, ErrorKind, Http, OutboundPost, RetryPolicy,
    Secret,
};
use serde_json::{Value, json};

use crate::support::{Seen, fixture, recording};

const TOKEN: &str = "EAAB-page-token-SECRET";
const FOLLOWED_POST: &str = "4_10113477241177441";

/// 2021-07-05T00:00:00Z: the SDK's captured posts are days old.
fn clock() -> Clock {
    Arc::new(|| jiff::Timestamp::from_second(1_625_443_200).unwrap())
}

fn http() -> Http {
    Http::new(
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            max_wait: Duration::from_secs(3),
            timeout: Duration::from_secs(2),
        },
        clock(),
    )
    .unwrap()
}

fn config(base: &str) -> facebook::Config {
    facebook::Config {
        name: "fb-page".into(),
        page_id: "4".into(),
        base_url: Some(base.to_owned()),
        api_version: None,
        interval_secs: None,
        comments: None,
        comment_days: None,
        page_size: None,
        first_run_pages: Some(5),
        reach_metric: None,
    }
}

fn context() -> BuildContext {
    BuildContext {
        http: http(),
        credential: Some(Secret::new(TOKEN)),
        watch: vec![],
    }
}

/// The page's feed and the comments on one post, from the fixtures, ignoring `since` as a
/// careless server might.
fn graph(request: &Seen) -> crate::support::Reply {
    let body = match request.path.as_str() {
        "/v24.0/4/feed" if request.param("after").is_some() => json!({"data": []}).to_string(),
        "/v24.0/4/feed" if request.param("__paging_token").is_some() => {
            fixture("facebook/page_feed_docs_sample.json")
        }
        "/v24.0/4/feed" => fixture("facebook/pyfacebook_posts_feed_fields_p1.json"),
        path if path == format!("/v24.0/{FOLLOWED_POST}/comments") => {
            if request.param("after").is_some() {
                fixture("facebook/pyfacebook_comments_comments_p2.json")
            } else {
                fixture("facebook/pyfacebook_comments_comments_p1.json")
            }
        }
        path if path.ends_with("/comments") => json!({"data": []}).to_string(),
        _ => return (StatusCode::NOT_FOUND, vec![], String::new()),
    };
    (StatusCode::OK, vec![], body)
}

#[tokio::test]
async fn feed_and_comments_page_through_and_resume_without_duplicates() {
    let (base, seen) = recording(graph).await;
    let mut connector = facebook::connector(&config(&base), &context()).unwrap();
    let mut cursor: Option<String> = None;
    let mut collected = Vec::new();
    let mut rounds = 0;
    let mut calls = 0;
    while rounds < 2 {
        let batch = connector.next_batch(cursor.as_deref()).await.unwrap();
        assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
        collected.extend(batch.items);
        cursor = batch.cursor;
        calls += 1;
        if batch.caught_up {
            rounds += 1;
            if rounds == 1 {
                assert_eq!(
                    collected.len(),
                    5 + 3 + 10 + 5,
                    "posts and comments of round one"
                );
            }
        }
        assert!(calls < 30, "a round ends");
    }
    let mut ids: Vec<&str> = collected.iter().map(|i| i.external_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(
        ids.len(),
        collected.len(),
        "the second round found nothing new"
    );

    let reply = collected
        .iter()
        .find(|i| i.external_id == "10158407654328553_10158409983033553")
        .unwrap();
    assert_eq!(reply.thread_id.as_deref(), Some(FOLLOWED_POST));
    assert_eq!(
        reply.parent_id.as_deref(),
        Some("10158407654328553_10158407903973553")
    );

    let seen = seen.all();
    assert!(
        seen.iter()
            .all(|r| r.header("authorization") == Some(&*format!("Bearer {TOKEN}")))
    );
    assert!(
        seen.iter().all(|r| r.param("access_token").is_none()),
        "never in a URL"
    );
    let first = &seen[0];
    assert_eq!(
        (first.method.as_str(), first.path.as_str()),
        ("GET", "/v24.0/4/feed")
    );
    assert!(
        first
            .param("fields")
            .unwrap()
            .contains("reactions.summary(total_count)")
    );
    assert_eq!(first.param("since"), None);
    // The second page follows `paging.next` (time-based here): its `until` and token.
    assert_eq!(seen[1].param("until"), Some("1624385168"));
    assert_eq!(seen[1].param("__paging_token"), Some("__paging_token"));
    let comments = seen.iter().find(|r| r.path.ends_with("/comments")).unwrap();
    assert_eq!(comments.param("filter"), Some("stream"));
    assert_eq!(comments.param("order"), Some("reverse_chronological"));
    // Round two asks for what is newer than the newest post seen (2021-07-04T19:50:58Z).
    let round_two = seen
        .iter()
        .filter(|r| r.path == "/v24.0/4/feed")
        .nth(3)
        .unwrap();
    assert_eq!(round_two.param("since"), Some("1625428258"));
}

/// The connector's error when the Graph API answers with `status`, `headers` and `body`.
async fn graph_error(
    status: StatusCode,
    headers: Vec<(&'static str, String)>,
    body: Value,
) -> ConnectorError {
    let (base, _) = recording(move |_| (status, headers.clone(), body.to_string())).await;
    let mut connector = facebook::connector(&config(&base), &context()).unwrap();
    let error = connector.next_batch(None).await.unwrap_err();
    assert!(!error.message.contains(TOKEN), "{}", error.message);
    error
}

fn fb_error(message: &str, kind: &str, code: i64, subcode: Option<i64>) -> Value {
    let mut error = json!({"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEf"});
    if let Some(subcode) = subcode {
        error["error_subcode"] = json!(subcode);
    }
    json!({ "error": error })
}

#[tokio::test]
async fn each_graph_error_says_what_to_do() {
    let error = graph_error(
        StatusCode::BAD_REQUEST,
        vec![],
        fb_error(
            "Error validating access token: Session has expired on Sunday, 04-Jul-21 10:00:00 PDT.",
            "OAuthException",
            190,
            Some(463),
        ),
    )
    .await;
    assert_eq!(error.kind, ErrorKind::TokenExpired);
    assert!(error.message.contains("expired"), "{}", error.message);

    let error = graph_error(
        StatusCode::FORBIDDEN,
        vec![],
        fb_error("(#10) This endpoint requires the 'pages_read_engagement' permission or the 'Page Public Content Access' feature.", "OAuthException", 10, None),
    )
    .await;
    assert_eq!(error.kind, ErrorKind::ScopeMissing);
    assert!(
        error.message.contains("grant pages_read_engagement"),
        "{}",
        error.message
    );

    let error = graph_error(
        StatusCode::FORBIDDEN,
        vec![(
            "x-business-use-case-usage",
            json!({"4": [{"type": "pages", "call_count": 100, "total_cputime": 20, "total_time": 30, "estimated_time_to_regain_access": 7}]}).to_string(),
        )],
        fb_error("(#32) Page request limit reached", "OAuthException", 32, None),
    )
    .await;
    assert_eq!(error.kind, ErrorKind::RateLimited);
    assert_eq!(error.retry_after, Some(Duration::from_secs(7 * 60)));

    let error = graph_error(
        StatusCode::BAD_REQUEST,
        vec![],
        fb_error("It looks like you were misusing this feature by going too fast. You've been temporarily blocked from using it.", "OAuthException", 368, Some(1390008)),
    )
    .await;
    assert_eq!(error.kind, ErrorKind::AccountSuspended);

    let error = graph_error(
        StatusCode::BAD_REQUEST,
        vec![],
        fb_error("(#2635) You are calling a deprecated version of the Graph API. Please update to the latest version: v24.0.", "OAuthException", 2635, None),
    )
    .await;
    assert_eq!(error.kind, ErrorKind::EndpointRetired);
    assert!(error.message.contains("api_version"), "{}", error.message);

    let error = graph_error(
        StatusCode::BAD_REQUEST,
        vec![],
        fb_error("Unsupported get request. Object with ID '4' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", "GraphMethodException", 100, Some(33)),
    )
    .await;
    assert_eq!(error.kind, ErrorKind::EndpointRetired);
    assert!(error.message.contains("page_id"), "{}", error.message);

    let error = graph_error(
        StatusCode::BAD_REQUEST,
        vec![],
        fb_error(
            &format!("Malformed access token {TOKEN}"),
            "OAuthException",
            190,
            None,
        ),
    )
    .await;
    assert!(error.message.contains("[redacted]"), "{}", error.message);
}

#[tokio::test]
async fn server_failures_and_bad_json() {
    let error = graph_error(StatusCode::INTERNAL_SERVER_ERROR, vec![], json!({"error": {"message": "An unknown error occurred", "type": "OAuthException", "code": 1, "is_transient": true}})).await;
    assert_eq!(error.kind, ErrorKind::Unavailable);
    assert!(error.message.contains("3 attempts"), "{}", error.message);

    let (base, _) = recording(|_| {
        (
            StatusCode::OK,
            vec![],
            "{\"data\": [{\"id\": \"4_1\", \"mess".to_owned(),
        )
    })
    .await;
    let mut connector = facebook::connector(&config(&base), &context()).unwrap();
    let error = connector.next_batch(None).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::BadPayload);

    let (base, _) = recording(|_| {
        (StatusCode::OK, vec![], json!({"data": [{"id": "4_1", "message": "no time"}, {"id": "4_2", "message": "ok", "created_time": "2021-07-04T10:00:00+0000"}]}).to_string())
    })
    .await;
    let mut connector = facebook::connector(&config(&base), &context()).unwrap();
    let batch = connector.next_batch(None).await.unwrap();
    assert_eq!(batch.items.len(), 1);
    assert!(
        batch.rejected[0].contains("created_time"),
        "{:?}",
        batch.rejected
    );
}

#[tokio::test]
async fn a_nearly_spent_budget_makes_the_next_request_wait() {
    let (base, seen) = recording(|_| {
        (
            StatusCode::OK,
            vec![(
                "x-business-use-case-usage",
                json!({"4": [{"type": "pages", "call_count": 96, "total_cputime": 10, "total_time": 10, "estimated_time_to_regain_access": 10}]}).to_string(),
            )],
            json!({"data": []}).to_string(),
        )
    })
    .await;
    let mut connector = facebook::connector(&config(&base), &context()).unwrap();
    let batch = connector.next_batch(None).await.unwrap();
    let error = connector
        .next_batch(batch.cursor.as_deref())
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::RateLimited);
    let wait = error.retry_after.unwrap().as_secs();
    assert!((595..=600).contains(&wait), "Facebook's 10 minutes: {wait}");
    assert_eq!(seen.all().len(), 1, "the second request was not sent");

    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "x-app-usage",
        r#"{"call_count":28,"total_time":91,"total_cputime":25}"#
            .parse()
            .unwrap(),
    );
    assert_eq!(usage(&headers).percent, 91.0);
}

#[tokio::test]
async fn posts_photos_replies_and_reads_reach_as_documented() {
    let (base, seen) = recording(|r| {
        let body = match (r.method.as_str(), r.path.as_str()) {
            ("POST", "/v24.0/4/photos") => json!({"id": "555"}),
            ("POST", "/v24.0/4/feed") => json!({"id": "4_777"}),
            ("POST", "/v24.0/4_777/comments") => json!({"id": "777_888"}),
            ("GET", "/v24.0/4_777") => json!({"id": "4_777", "created_time": "2021-07-04T19:50:58+0000", "shares": {"count": 3}, "reactions": {"data": [], "summary": {"total_count": 40}}, "comments": {"data": [], "summary": {"order": "ranked", "total_count": 6, "can_comment": true}}}),
            ("GET", "/v24.0/4_777/insights") => json!({"data": [{"name": "post_total_media_view_unique", "period": "lifetime", "values": [{"value": 1234}], "title": "Lifetime Post Total Media View Unique", "id": "4_777/insights/post_total_media_view_unique/lifetime"}], "paging": {}}),
            ("GET", "/v24.0/777_888") => json!({"id": "777_888", "created_time": "2021-07-04T20:00:00+0000", "like_count": 2, "comment_count": 1}),
            _ => return (StatusCode::NOT_FOUND, vec![], String::new()),
        };
        (StatusCode::OK, vec![], body.to_string())
    })
    .await;
    let channel = facebook::channel(&config(&base), &context()).unwrap();
    assert_eq!(channel.max_length(), 63_206);
    let photo = Attachment {
        bytes: b"\xff\xd8 fake jpeg".to_vec(),
        media_type: "image/jpeg".into(),
        alt_text: "Montører på en vindturbin".into(),
    };
    let post = |text: &str, attachments| OutboundPost {
        text: text.to_owned(),
        idempotency_key: "k".into(),
        attachments,
    };
    let posted = channel
        .publish(&post("Hei & velkommen", vec![photo.clone()]))
        .await
        .unwrap();
    assert_eq!(posted.external_id, "4_777");
    let replied = channel
        .reply("4_777", &post("Takk!", vec![]))
        .await
        .unwrap();
    assert_eq!(replied.external_id, "777_888");
    assert!(
        channel
            .reply("4_777", &post("bilde", vec![photo]))
            .await
            .is_err()
    );

    let engagement = channel.engagement("4_777").await.unwrap();
    assert_eq!(
        (
            engagement.likes,
            engagement.shares,
            engagement.replies,
            engagement.views
        ),
        (40, 3, 6, Some(1234))
    );
    let comment = channel.engagement("777_888").await.unwrap();
    assert_eq!(
        (comment.likes, comment.replies, comment.views),
        (2, 1, None)
    );

    let seen = seen.all();
    assert!(
        seen.iter()
            .all(|r| r.header("authorization") == Some(&*format!("Bearer {TOKEN}")))
    );
    let upload = seen[0].body_text();
    assert!(
        seen[0]
            .header("content-type")
            .unwrap()
            .starts_with("multipart/form-data")
    );
    assert!(
        upload.contains("name=\"source\"") && upload.contains("fake jpeg"),
        "{upload}"
    );
    assert!(
        upload.contains("name=\"published\"\r\n\r\nfalse"),
        "{upload}"
    );
    assert!(
        upload.contains("name=\"alt_text_custom\"\r\n\r\nMontører på en vindturbin"),
        "{upload}"
    );
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&seen[1].body)
        .into_owned()
        .collect();
    assert_eq!(
        seen[1].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        form,
        vec![
            ("message".to_owned(), "Hei & velkommen".to_owned()),
            (
                "attached_media[0]".to_owned(),
                "{\"media_fbid\":\"555\"}".to_owned()
            ),
        ]
    );
    assert_eq!(seen[2].path, "/v24.0/4_777/comments");
    assert_eq!(seen[2].body_text(), "message=Takk%21");
    assert_eq!(
        seen[4].param("metric"),
        Some("post_total_media_view_unique")
    );
}

#[test]
fn config_problems_name_their_field() {
    let mut bad = config("ftp://example");
    bad.api_version = Some("21".into());
    bad.page_id = "../me".into();
    bad.page_size = Some(500);
    let problems = bad.problems().join("\n");
    for field in ["base_url", "api_version", "page_id", "page_size"] {
        assert!(problems.contains(field), "{problems}");
    }
}

#[tokio::test]
async fn a_post_whose_answer_never_came_is_found_among_the_pages_posts() {
    let (base, seen) = recording(|request| {
        let body = match request.path.as_str() {
            "/v24.0/4/posts" if request.param("__paging_token").is_some() => {
                json!({"data": []}).to_string()
            }
            "/v24.0/4/posts" => {
                let mut page: Value =
                    serde_json::from_str(&fixture("facebook/pyfacebook_posts_feed_fields_p1.json"))
                        .unwrap();
                page["data"][1]["permalink_url"] =
                    json!("https://www.facebook.com/4/posts/10113449068715281");
                page.to_string()
            }
            _ => return (StatusCode::NOT_FOUND, vec![], String::new()),
        };
        (StatusCode::OK, vec![], body)
    })
    .await;
    let channel = facebook::channel(&config(&base), &context()).unwrap();
    let since = jiff::Timestamp::from_second(1_625_180_000).unwrap(); // 2021-07-01T22:53:20Z

    let ours = OutboundPost {
        text: "Some good news reading: teams at the Chan Zuckerberg Initiative and Biohub have been building IDseq -- an open source infectious disease genetic sequencing tool that can serve as an early warning system around the world. We were building it when Covid hit, and in Cambodia it was used to confirm the country's first case and inform their prevention efforts.".into(),
        idempotency_key: "post-1-v1".into(),
        attachments: vec![],
    };
    let found = channel.find_published(&ours, since).await.unwrap();
    assert_eq!(
        found,
        Some(omdomme_connectors::Posted {
            external_id: "4_10113449068715281".into(),
            url: Some("https://www.facebook.com/4/posts/10113449068715281".into()),
        })
    );
    let asked = &seen.to("/v24.0/4/posts")[0];
    assert_eq!(asked.param("since"), Some("1625180000"));
    assert_eq!(
        asked.param("fields"),
        Some("message,created_time,permalink_url")
    );
    assert_eq!(
        asked.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );

    let missing = OutboundPost {
        text: "Et innlegg som aldri kom fram".into(),
        ..ours.clone()
    };
    assert_eq!(channel.find_published(&missing, since).await.unwrap(), None);
    let pages = seen.to("/v24.0/4/posts");
    assert_eq!(pages.len(), 3, "both pages of the second search");
    assert!(
        pages[2].param("access_token").is_none(),
        "the token stays in the header"
    );

    // A server that ignores `since` still does not make an older post the attempt's.
    let later = jiff::Timestamp::from_second(1_625_400_000).unwrap();
    assert_eq!(channel.find_published(&ours, later).await.unwrap(), None);
}
