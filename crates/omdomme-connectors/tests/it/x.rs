//! The X connector and channel against a local server speaking X API v2.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use omdomme_connectors::x::{self, Outcome, translate, weighted_length};
use omdomme_connectors::{
    Attachment, BuildContext, Connector, ConnectorError, ErrorKind, Http, OutboundPost,
    RetryPolicy, Secret, WatchQuery,
};
use omdomme_core::{BrandId, Query};
use serde_json::{Value, json};

use crate::support::{Reply, Seen, fast_http, fixed_clock, fixture, recording};

const TOKEN: &str = "AAAA-test-bearer-SECRET";
const USER_TOKEN: &str = "user-context-SECRET";

fn watch(brand: &str, query: &str) -> WatchQuery {
    WatchQuery {
        brand: BrandId(brand.to_owned()),
        text: query.to_owned(),
        query: Query::parse(query).unwrap(),
    }
}

fn context(http: Http, watch: Vec<WatchQuery>) -> BuildContext {
    BuildContext {
        http,
        credential: Some(Secret::new(
            json!({ "bearer": TOKEN, "user_token": USER_TOKEN }).to_string(),
        )),
        watch,
    }
}

fn config(base: &str, first_run_pages: u32) -> x::Config {
    x::Config {
        name: "x-search".into(),
        base_url: Some(base.to_owned()),
        interval_secs: None,
        max_results: Some(10),
        first_run_pages: Some(first_run_pages),
        extra_terms: Some("-is:retweet".into()),
        query_limit: None,
    }
}

fn connector(base: &str, first_run_pages: u32) -> Box<dyn Connector> {
    x::connector(
        &config(base, first_run_pages),
        &context(
            fast_http(),
            vec![watch("nordlys", "nordlys OR @nordlysenergi")],
        ),
    )
    .unwrap()
}

fn searched(query: &str) -> (String, Vec<String>) {
    match translate(&Query::parse(query).unwrap()).unwrap() {
        Outcome::Search(t) => (t.query, t.untranslatable),
        Outcome::NothingOnX => panic!("{query} should be searchable"),
    }
}

#[test]
fn watch_queries_in_x_syntax() {
    let cases: &[(&str, &str, usize)] = &[
        ("nordlys energi", "nordlys energi", 0),
        ("nordlys OR nordkraft", "nordlys OR nordkraft", 0),
        (
            "(nordlys OR nordkraft) AND (klima OR utslipp)",
            "(nordlys OR nordkraft) (klima OR utslipp)",
            0,
        ),
        (
            "\"grønn omstilling\" -jobb",
            "\"grønn omstilling\" -jobb",
            0,
        ),
        ("#nordlys", "#nordlys", 0),
        ("@nordlysenergi", "@nordlysenergi OR from:nordlysenergi", 0),
        (
            "nordlys NOT @konkurrent",
            "nordlys -@konkurrent -from:konkurrent",
            0,
        ),
        ("nordlys author:ola", "nordlys from:ola", 0),
        ("nordlys lang:en", "nordlys lang:en", 0),
        ("nordlys lang:nb", "nordlys lang:no", 1),
        ("nordlys lang:other", "nordlys", 1),
        ("nordlys source:x", "nordlys", 0),
        ("nordlys OR source:mastodon", "nordlys", 0),
        ("bærekraft* nordlys", "bærekraft nordlys", 1),
        ("nordlys NOT jobb*", "nordlys -jobb", 1),
        (
            "nordlys NOT (jobb OR stilling)",
            "nordlys -jobb -stilling",
            0,
        ),
    ];
    for (ours, theirs, notes) in cases {
        let (query, untranslatable) = searched(ours);
        assert_eq!(&query, theirs, "{ours}");
        assert_eq!(untranslatable.len(), *notes, "{ours}: {untranslatable:?}");
    }
    let (_, notes) = searched("bærekraft*");
    assert!(notes[0].contains("no wildcard"), "{notes:?}");

    assert_eq!(
        translate(&Query::parse("nordlys source:mastodon").unwrap()).unwrap(),
        Outcome::NothingOnX
    );
    let alone = translate(&Query::parse("lang:nb").unwrap()).unwrap_err();
    assert!(alone.0.contains("lang:"), "{alone}");
}

#[test]
fn untranslatable_and_too_long_queries_name_the_brand() {
    let base = "http://127.0.0.1:9";
    let error = x::connector(
        &config(base, 1),
        &context(fast_http(), vec![watch("nordlys", "lang:nb")]),
    )
    .err()
    .unwrap();
    assert_eq!(error.kind, ErrorKind::Config);
    assert!(error.message.contains("brand nordlys"), "{}", error.message);
    assert!(error.message.contains("lang:nb"), "{}", error.message);

    let long = (0..60)
        .map(|i| format!("ord{i}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let error = x::connector(
        &config(base, 1),
        &context(fast_http(), vec![watch("langmerke", &long)]),
    )
    .err()
    .unwrap();
    assert!(
        error.message.contains("brand langmerke") && error.message.contains("512"),
        "{}",
        error.message
    );
}

/// A tweet id (snowflake) for `seconds` after the test clock's now (negative: before).
fn snowflake(seconds: i64) -> u64 {
    let ms = (1_800_000_000 + seconds) * 1000;
    ((ms - 1_288_834_974_657) as u64) << 22
}

/// X's recent search over `tweets` (newest first), two per page, honouring `since_id`
/// and `next_token`.
fn search_reply(tweets: &[Value], request: &Seen) -> Reply {
    let since: u64 = request.param("since_id").map_or(0, |s| s.parse().unwrap());
    let matching: Vec<&Value> = tweets
        .iter()
        .filter(|t| t["id"].as_str().unwrap().parse::<u64>().unwrap() > since)
        .collect();
    let offset: usize = request
        .param("next_token")
        .map_or(0, |t| t.parse().unwrap());
    let page: Vec<&Value> = matching.iter().skip(offset).take(2).copied().collect();
    let mut meta = json!({ "result_count": page.len() });
    if let Some(first) = matching.first() {
        meta["newest_id"] = first["id"].clone();
    }
    if offset + 2 < matching.len() {
        meta["next_token"] = json!((offset + 2).to_string());
    }
    let mut body = json!({ "meta": meta });
    if !page.is_empty() {
        body["data"] = json!(page);
    }
    (StatusCode::OK, vec![], body.to_string())
}

/// The docs' search example, its tweets given ids `ages` seconds before now.
fn tweets(ages: &[i64]) -> Vec<Value> {
    let example: Value =
        serde_json::from_str(&fixture("x/search_recent_conversation_id_docs.json")).unwrap();
    let template = example["data"].as_array().unwrap();
    ages.iter()
        .enumerate()
        .map(|(i, age)| {
            let mut tweet = template[i % template.len()].clone();
            tweet["id"] = json!(snowflake(-age).to_string());
            tweet["text"] = json!(format!("{} (nr {i})", tweet["text"].as_str().unwrap()));
            tweet
        })
        .collect()
}

#[tokio::test]
async fn pages_with_next_token_then_resumes_with_since_id_without_duplicates() {
    let store: Arc<Mutex<Vec<Value>>> = Arc::new(Mutex::new(tweets(&[100, 200, 300, 400, 500])));
    let served = store.clone();
    let (base, seen) = recording(move |r| search_reply(&served.lock().unwrap(), r)).await;
    let mut connector = connector(&base, 5);

    let mut collected = Vec::new();
    let mut cursor: Option<String> = None;
    let mut calls = 0;
    loop {
        let batch = connector.next_batch(cursor.as_deref()).await.unwrap();
        assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
        collected.extend(batch.items.iter().map(|i| i.external_id.clone()));
        cursor = batch.cursor;
        calls += 1;
        if batch.caught_up {
            break;
        }
    }
    assert_eq!(calls, 3, "five posts, two a page");
    assert_eq!(collected.len(), 5);

    // Three new posts arrive; the next round asks only for what is newer.
    store.lock().unwrap().splice(0..0, tweets(&[10, 20, 30]));
    loop {
        let batch = connector.next_batch(cursor.as_deref()).await.unwrap();
        collected.extend(batch.items.iter().map(|i| i.external_id.clone()));
        cursor = batch.cursor;
        if batch.caught_up {
            break;
        }
    }
    let mut unique = collected.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        collected.len(),
        "no duplicates: {collected:?}"
    );
    assert_eq!(collected.len(), 8);

    let seen = seen.all();
    let first = &seen[0];
    assert_eq!(first.method, "GET");
    assert_eq!(first.path, "/2/tweets/search/recent");
    assert_eq!(
        first.header("authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
    assert_eq!(
        first.param("query"),
        Some("(nordlys OR @nordlysenergi OR from:nordlysenergi) -is:retweet")
    );
    assert_eq!(first.param("max_results"), Some("10"));
    assert!(first.param("tweet.fields").unwrap().contains("note_tweet"));
    assert_eq!(
        first.param("expansions"),
        Some("author_id,referenced_tweets.id")
    );
    assert_eq!(
        first.param("user.fields"),
        Some("username,name,verified,public_metrics")
    );
    assert_eq!(first.param("since_id"), None);
    assert_eq!(seen[1].param("next_token"), Some("2"));
    let newest_of_first_run = snowflake(-100).to_string();
    for later in &seen[3..] {
        assert_eq!(later.param("since_id"), Some(newest_of_first_run.as_str()));
    }
}

#[tokio::test]
async fn a_first_run_reads_a_bounded_number_of_pages_and_a_restart_repeats_the_page() {
    let all = tweets(&[100, 200, 300, 400, 500]);
    let (base, seen) = recording(move |r| search_reply(&all, r)).await;
    let mut connector = connector(&base, 2);
    let first = connector.next_batch(None).await.unwrap();
    assert!(!first.caught_up);
    let second = connector.next_batch(first.cursor.as_deref()).await.unwrap();
    // Storing the second page failed: the runner asks again from the committed cursor.
    let again = connector.next_batch(first.cursor.as_deref()).await.unwrap();
    let ids = |b: &omdomme_connectors::Batch| {
        b.items
            .iter()
            .map(|i| i.external_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&second), ids(&again));
    assert!(second.caught_up, "two pages on a first run, then wait");
    assert_eq!(seen.all().len(), 3);

    // The next round starts after the newest post of the first run.
    let next = connector
        .next_batch(second.cursor.as_deref())
        .await
        .unwrap();
    assert!(next.items.is_empty() && next.caught_up);
}

#[tokio::test]
async fn a_since_id_older_than_seven_days_is_dropped() {
    let (base, seen) = recording(|r| search_reply(&tweets(&[60]), r)).await;
    let mut connector = connector(&base, 1);
    // The docs' ids are from 2010, far outside recent search's seven days.
    let stale = json!({"searches": {"nordlys": {
        "query": "(nordlys OR @nordlysenergi OR from:nordlysenergi) -is:retweet",
        "newest_id": "1234567893"}}})
    .to_string();
    let batch = connector.next_batch(Some(&stale)).await.unwrap();
    assert_eq!(batch.items.len(), 1);
    assert_eq!(seen.all()[0].param("since_id"), None);
}

#[tokio::test]
async fn expansions_become_authors_and_partial_errors_are_rejected() {
    let (base, _) = recording(|_| {
        let mut body: Value = serde_json::from_str(&fixture("x/tweet_lookup_tweet.json")).unwrap();
        body["meta"] = json!({"result_count": 1, "newest_id": "1307025659294674945"});
        body["errors"] = json!([{
            "value": "1234",
            "detail": "Could not find tweet with referenced_tweets.id: [1234].",
            "title": "Not Found Error",
            "resource_type": "tweet",
            "parameter": "referenced_tweets.id",
            "resource_id": "1234",
            "type": "https://api.twitter.com/2/problems/resource-not-found"
        }]);
        (StatusCode::OK, vec![], body.to_string())
    })
    .await;
    let batch = connector(&base, 1).next_batch(None).await.unwrap();
    let reply = batch
        .items
        .iter()
        .find(|i| i.external_id == "1307025659294674945")
        .unwrap();
    assert_eq!(reply.author.handle, "TwitterDev");
    assert_eq!(reply.parent_id.as_deref(), Some("1304102743196356610"));
    assert_eq!(batch.rejected.len(), 1);
    assert!(
        batch.rejected[0].contains("tweet 1234") && batch.rejected[0].contains("Could not find"),
        "{:?}",
        batch.rejected
    );
}

#[tokio::test]
async fn waits_for_the_rate_limit_reset_and_retries_5xx() {
    let calls = Arc::new(Mutex::new(0));
    let counter = calls.clone();
    let (base, _) = recording(move |r| {
        let mut calls = counter.lock().unwrap();
        *calls += 1;
        match *calls {
            1 => (
                StatusCode::TOO_MANY_REQUESTS,
                vec![
                    ("x-rate-limit-remaining", "0".to_owned()),
                    ("x-rate-limit-reset", (1_800_000_001).to_string()),
                ],
                json!({"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}).to_string(),
            ),
            2 => (StatusCode::SERVICE_UNAVAILABLE, vec![], String::new()),
            _ => search_reply(&tweets(&[60]), r),
        }
    })
    .await;
    let started = std::time::Instant::now();
    let batch = connector(&base, 1).next_batch(None).await.unwrap();
    assert_eq!(batch.items.len(), 1);
    assert_eq!(*calls.lock().unwrap(), 3);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited for the reset"
    );
}

#[tokio::test]
async fn timeouts_and_bad_json_are_named() {
    let (base, _) = recording(|_| {
        (
            StatusCode::OK,
            vec![],
            "{\"data\": [{\"id\": \"1\", \"te".to_owned(),
        )
    })
    .await;
    let error = connector(&base, 1).next_batch(None).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::BadPayload);
    assert!(error.message.contains("JSON"), "{}", error.message);

    let (base, _) = recording(|_| {
        (
            StatusCode::OK,
            vec![],
            "<html>maintenance</html>".to_owned(),
        )
    })
    .await;
    let error = connector(&base, 1).next_batch(None).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::BadPayload);

    let slow = axum::Router::new().fallback(|| async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        "{}"
    });
    let base = crate::support::serve(slow).await;
    let http = Http::new(
        RetryPolicy {
            attempts: 2,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(10),
            max_wait: Duration::from_secs(1),
            timeout: Duration::from_millis(200),
        },
        fixed_clock(),
    )
    .unwrap();
    let mut slow_connector = x::connector(
        &config(&base, 1),
        &context(http, vec![watch("nordlys", "nordlys")]),
    )
    .unwrap();
    let error = slow_connector.next_batch(None).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Unavailable);
    assert!(error.message.contains("timed out"), "{}", error.message);
}

/// The connector's error when X answers every request with `status` and `body`.
async fn search_error(status: StatusCode, body: Value) -> (ConnectorError, usize) {
    let (base, seen) = recording(move |_| (status, vec![], body.to_string())).await;
    let error = connector(&base, 1).next_batch(None).await.unwrap_err();
    assert!(!error.message.contains(TOKEN), "{}", error.message);
    let calls = seen.all().len();
    (error, calls)
}

#[tokio::test]
async fn each_error_says_what_to_do() {
    let (error, _) = search_error(
        StatusCode::UNAUTHORIZED,
        json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}),
    )
    .await;
    assert_eq!(error.kind, ErrorKind::TokenExpired);
    assert!(
        error.message.contains("make a new one"),
        "{}",
        error.message
    );

    let (error, _) = search_error(
        StatusCode::FORBIDDEN,
        json!({"client_id": "123", "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project.", "registration_url": "https://developer.twitter.com/en/docs/projects/overview", "title": "Client Forbidden", "required_enrollment": "Appropriate Level of API Access", "reason": "client-not-enrolled", "type": "https://api.twitter.com/2/problems/client-forbidden"}),
    )
    .await;
    assert_eq!(error.kind, ErrorKind::ScopeMissing);
    assert!(
        error.message.contains("attach the app to a Project"),
        "{}",
        error.message
    );

    let (error, calls) = search_error(
        StatusCode::TOO_MANY_REQUESTS,
        json!({"account_id": 1, "product_name": "standard-basic", "title": "UsageCapExceeded", "period": "Monthly", "scope": "Product", "detail": "Usage cap exceeded: Monthly product cap", "type": "https://api.twitter.com/2/problems/usage-capped"}),
    )
    .await;
    assert_eq!(error.kind, ErrorKind::QuotaSpent);
    assert!(
        error.message.contains("monthly post cap is spent"),
        "{}",
        error.message
    );
    assert_eq!(calls, 1, "a spent cap is not retried");

    let (error, _) = search_error(
        StatusCode::GONE,
        json!({"errors": [{"message": "The Twitter REST API v1 is no longer active. Please migrate to API v1.1.", "code": 68}]}),
    )
    .await;
    assert_eq!(error.kind, ErrorKind::EndpointRetired);
    assert!(error.message.contains("base_url"), "{}", error.message);

    let (error, _) = search_error(
        StatusCode::FORBIDDEN,
        json!({"errors": [{"message": "Your account is suspended and is not permitted to access this feature", "code": 64}]}),
    )
    .await;
    assert_eq!(error.kind, ErrorKind::AccountSuspended);

    let (error, _) = search_error(
        StatusCode::BAD_REQUEST,
        json!({"errors": [{"parameters": {"query": ["x"]}, "message": "There were errors processing your request: Ambiguous use of and as a keyword"}], "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.", "type": "https://api.twitter.com/2/problems/invalid-request"}),
    )
    .await;
    assert_eq!(error.kind, ErrorKind::Config);
    assert!(
        error.message.contains("brand nordlys") && error.message.contains("Ambiguous"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn a_token_echoed_by_the_platform_is_redacted() {
    let (error, _) = search_error(
        StatusCode::UNAUTHORIZED,
        json!({"title": "Unauthorized", "detail": format!("token {TOKEN} is not valid")}),
    )
    .await;
    assert!(error.message.contains("[redacted]"), "{}", error.message);
}

fn channel(base: &str) -> Box<dyn omdomme_connectors::Channel> {
    x::channel(&config(base, 1), &context(fast_http(), vec![])).unwrap()
}

fn post(text: &str, attachments: Vec<Attachment>) -> OutboundPost {
    OutboundPost {
        text: text.to_owned(),
        idempotency_key: "k1".into(),
        attachments,
    }
}

#[tokio::test]
async fn posts_replies_and_reads_engagement_as_documented() {
    let (base, seen) = recording(|r| {
        let body = match (r.method.as_str(), r.path.as_str()) {
            ("POST", "/2/media/upload") => json!({"data": {"id": "1880028106020515840", "media_key": "3_1880028106020515840", "expires_after_secs": 86400}}),
            ("POST", "/2/media/metadata") => json!({"data": {"id": "1880028106020515840", "associated_metadata": {"alt_text": {"text": "x"}}}}),
            ("POST", "/2/tweets") => json!({"data": {"id": "1445880548472328192", "text": "hei", "edit_history_tweet_ids": ["1445880548472328192"]}}),
            ("GET", "/2/tweets/1307025659294674945") => {
                let mut body: Value = serde_json::from_str(&fixture("x/tweet_lookup_tweet.json")).unwrap();
                body["data"] = body["data"][0].clone();
                body["data"]["public_metrics"]["impression_count"] = json!(1234);
                body
            }
            _ => return (StatusCode::NOT_FOUND, vec![], String::new()),
        };
        (StatusCode::OK, vec![], body.to_string())
    })
    .await;
    let channel = channel(&base);
    assert_eq!(channel.max_length(), 280);

    let image = Attachment {
        bytes: b"\x89PNG fake image bytes".to_vec(),
        media_type: "image/png".into(),
        alt_text: "Vindmøller i solnedgang".into(),
    };
    let posted = channel
        .publish(&post("Hei fra Nordlys", vec![image]))
        .await
        .unwrap();
    assert_eq!(posted.external_id, "1445880548472328192");
    assert_eq!(
        posted.url.as_deref(),
        Some("https://x.com/i/web/status/1445880548472328192")
    );

    let replied = channel
        .reply("1307025659294674945", &post("Takk!", vec![]))
        .await
        .unwrap();
    assert_eq!(replied.external_id, "1445880548472328192");

    let engagement = channel.engagement("1307025659294674945").await.unwrap();
    assert_eq!(
        (engagement.likes, engagement.shares, engagement.replies),
        (70, 12, 2)
    );
    assert_eq!(engagement.views, Some(1234));

    let seen = seen.all();
    let user = format!("Bearer {USER_TOKEN}");
    assert!(
        seen.iter()
            .all(|r| r.header("authorization") == Some(user.as_str()))
    );

    let upload = &seen[0];
    assert_eq!(
        (upload.method.as_str(), upload.path.as_str()),
        ("POST", "/2/media/upload")
    );
    assert!(
        upload
            .header("content-type")
            .unwrap()
            .starts_with("multipart/form-data; boundary=")
    );
    let form = upload.body_text();
    assert!(
        form.contains("name=\"media\"") && form.contains("PNG fake image bytes"),
        "{form}"
    );
    assert!(
        form.contains("name=\"media_category\"\r\n\r\ntweet_image"),
        "{form}"
    );

    let metadata: Value = serde_json::from_slice(&seen[1].body).unwrap();
    assert_eq!(seen[1].path, "/2/media/metadata");
    assert_eq!(
        metadata,
        json!({"id": "1880028106020515840", "metadata": {"alt_text": {"text": "Vindmøller i solnedgang"}}})
    );

    let tweet: Value = serde_json::from_slice(&seen[2].body).unwrap();
    assert_eq!(seen[2].path, "/2/tweets");
    assert_eq!(
        tweet,
        json!({"text": "Hei fra Nordlys", "media": {"media_ids": ["1880028106020515840"]}})
    );
    let reply: Value = serde_json::from_slice(&seen[3].body).unwrap();
    assert_eq!(
        reply,
        json!({"text": "Takk!", "reply": {"in_reply_to_tweet_id": "1307025659294674945"}})
    );
    assert_eq!(seen[4].method, "GET");
    assert_eq!(
        seen[4].param("tweet.fields"),
        Some("public_metrics,created_at")
    );
}

#[tokio::test]
async fn channel_errors_say_what_to_do() {
    let (base, seen) = recording(|r| match r.path.as_str() {
        "/2/tweets/1" => (
            StatusCode::OK,
            vec![],
            json!({"errors": [{"value": "1", "detail": "User has been suspended: [nordlys].", "title": "Forbidden", "resource_type": "user", "parameter": "id", "resource_id": "1", "type": "https://api.twitter.com/2/problems/resource-not-found"}]}).to_string(),
        ),
        "/2/tweets/2" => (
            StatusCode::OK,
            vec![],
            json!({"errors": [{"value": "2", "detail": "Could not find tweet with id: [2].", "title": "Not Found Error", "resource_type": "tweet", "parameter": "id", "resource_id": "2", "type": "https://api.twitter.com/2/problems/resource-not-found"}]}).to_string(),
        ),
        _ => (
            StatusCode::TOO_MANY_REQUESTS,
            vec![
                ("x-user-limit-24hour-remaining", "0".to_owned()),
                ("x-user-limit-24hour-reset", "1800003600".to_owned()),
                ("date", "Fri, 15 Jan 2027 08:00:00 GMT".to_owned()),
            ],
            json!({"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}).to_string(),
        ),
    })
    .await;
    let channel = channel(&base);
    assert_eq!(
        channel.engagement("1").await.unwrap_err().kind,
        ErrorKind::AccountSuspended
    );
    assert_eq!(
        channel.engagement("2").await.unwrap_err().kind,
        ErrorKind::EndpointRetired
    );

    let error = channel.publish(&post("hei", vec![])).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::QuotaSpent);
    assert!(error.message.contains("24-hour"), "{}", error.message);
    assert_eq!(error.retry_after, Some(Duration::from_secs(3600)));

    let calls = seen.all().len();
    let too_long = post(&"ø".repeat(281), vec![]);
    let error = channel.publish(&too_long).await.unwrap_err();
    assert!(error.message.contains("281"), "{}", error.message);
    assert!(
        channel
            .reply("../2/users", &post("hei", vec![]))
            .await
            .is_err()
    );
    assert_eq!(seen.all().len(), calls, "nothing was sent");
    assert_eq!(weighted_length("ø"), 1);
}

#[tokio::test]
async fn posting_needs_a_user_token() {
    let bearer_only = BuildContext {
        http: fast_http(),
        credential: Some(Secret::new(json!({ "bearer": TOKEN }).to_string())),
        watch: vec![],
    };
    let error = x::channel(&config("http://127.0.0.1:9", 1), &bearer_only)
        .err()
        .unwrap();
    assert_eq!(error.kind, ErrorKind::Config);
    assert!(error.message.contains("user_token"), "{}", error.message);

    let broken = BuildContext {
        credential: Some(Secret::new(format!("{{\"bearer\": {TOKEN}"))),
        ..bearer_only
    };
    let error = x::channel(&config("http://127.0.0.1:9", 1), &broken)
        .err()
        .unwrap();
    assert!(!error.message.contains(TOKEN), "{}", error.message);
}

#[test]
fn configured_as_a_source_spec_with_its_problems_named() {
    let spec: omdomme_connectors::SourceSpec = serde_json::from_value(json!({
        "kind": "x", "name": "x-search", "max_results": 5, "first_run_pages": 0,
        "query_limit": 5000, "extra_terms": "-is:retweet"
    }))
    .unwrap();
    let problems = spec.problems().join("\n");
    for field in ["max_results", "first_run_pages", "query_limit"] {
        assert!(problems.contains(field), "{problems}");
    }
    let unknown = serde_json::from_value::<omdomme_connectors::SourceSpec>(
        json!({"kind": "x", "name": "x", "bearer": "oops"}),
    );
    assert!(unknown.is_err(), "secrets never go in the config file");
}

#[tokio::test]
async fn a_post_whose_answer_never_came_is_found_among_the_accounts_posts() {
    let (base, seen) = recording(|r| {
        let body = match (r.method.as_str(), r.path.as_str()) {
            ("GET", "/2/users/me") => {
                json!({"data": {"id": "2244994945", "name": "Developers", "username": "XDevelopers"}})
            }
            ("GET", "/2/users/2244994945/tweets") if r.param("start_time") > Some("2021") => {
                json!({"meta": {"result_count": 0}})
            }
            ("GET", "/2/users/2244994945/tweets") if r.param("pagination_token").is_none() => {
                json!({
                    "data": [{"id": "1307025659294674999", "text": "Q&amp;A om den nye APIen &lt;i dag&gt;", "created_at": "2020-09-18T19:00:00.000Z"}],
                    "meta": {"result_count": 1, "next_token": "page-2"}
                })
            }
            ("GET", "/2/users/2244994945/tweets") => {
                let mut body: Value =
                    serde_json::from_str(&fixture("x/tweet_lookup_tweet.json")).unwrap();
                body["meta"] = json!({"result_count": 1});
                body
            }
            _ => return (StatusCode::NOT_FOUND, vec![], String::new()),
        };
        (StatusCode::OK, vec![], body.to_string())
    })
    .await;
    let channel = channel(&base);
    let since: jiff::Timestamp = "2020-09-18T18:30:00.5Z".parse().unwrap();

    // X shows the link as t.co.
    let ours = post(
        "Here’s an article that highlights the updates in the new Tweet payload v2 https://dev.to/twitterdev/understanding-the-new-tweet-payload-in-the-twitter-api-v2-1fg5",
        Vec::new(),
    );
    let found = channel.find_published(&ours, since).await.unwrap();
    assert_eq!(
        found,
        Some(omdomme_connectors::Posted {
            external_id: "1307025659294674945".into(),
            url: Some("https://x.com/i/web/status/1307025659294674945".into()),
        })
    );
    let pages = seen.to("/2/users/2244994945/tweets");
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].param("start_time"), Some("2020-09-18T18:30:00Z"));
    assert_eq!(pages[0].param("exclude"), Some("retweets,replies"));
    assert_eq!(
        pages[0].header("authorization"),
        Some(format!("Bearer {USER_TOKEN}").as_str())
    );
    assert_eq!(pages[1].param("pagination_token"), Some("page-2"));

    // X escapes &, < and > in the text it returns.
    let escaped = post("Q&A om den nye APIen <i dag>", Vec::new());
    assert_eq!(
        channel
            .find_published(&escaped, since)
            .await
            .unwrap()
            .map(|p| p.external_id),
        Some("1307025659294674999".into())
    );

    let missing = post("Et innlegg som aldri kom fram", Vec::new());
    assert_eq!(channel.find_published(&missing, since).await.unwrap(), None);
    // No posts since then: X leaves `data` out.
    let later: jiff::Timestamp = "2027-01-15T09:00:00Z".parse().unwrap();
    assert_eq!(channel.find_published(&ours, later).await.unwrap(), None);
}
