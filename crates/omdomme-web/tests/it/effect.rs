//! The story's measured effect on seeded mentions before and after its first published
//! post: the windows, the figures, the verdict, the fragment for htmx and the full page.

use axum::body::Body;
use axum::http::header::COOKIE;
use axum::http::{Request, StatusCode};
use jiff::Timestamp;
use omdomme_core::{Item, SentimentLabel, SourceKind, Topic};
use omdomme_store::Role;

use crate::calendar::{post_at, publish, story, ws};
use crate::support::{Browser, TestApp, body_text, item, now};

/// Hours from `at` to the test clock's now.
fn hours_ago(at: &str) -> i64 {
    let at: Timestamp = at.parse().unwrap();
    now().duration_since(at).as_hours()
}

/// `per_day` mentions of `brand` on the climate topic at noon UTC of each day, the first
/// `negative` of each day negative.
fn mentions(brand: &str, days: &[&str], per_day: u32, negative: u32, first_n: u32) -> Vec<Item> {
    let mut items = Vec::new();
    let mut n = first_n;
    for day in days {
        for i in 0..per_day {
            let label = if i < negative {
                SentimentLabel::Negative
            } else {
                SentimentLabel::Neutral
            };
            items.push(item(
                n,
                &format!("{brand} og klima"),
                brand,
                label,
                Topic::Climate,
                hours_ago(&format!("{day}T10:00:00Z")),
            ));
            n += 1;
        }
    }
    items
}

async fn effect(app: &TestApp, browser: &Browser, uri: &str, htmx: bool) -> (StatusCode, String) {
    let mut request = Request::get(uri).header(COOKIE, &browser.cookie);
    if htmx {
        request = request.header("hx-request", "true");
    }
    let response = app.send(request.body(Body::empty()).unwrap()).await;
    let status = response.status();
    (status, body_text(response).await)
}

/// The table row of a measure.
fn row<'a>(html: &'a str, measure: &str) -> &'a str {
    let start = html
        .find(&format!("<tr data-measure=\"{measure}\""))
        .unwrap_or_else(|| panic!("no row {measure}: {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</tr>").unwrap()]
}

const BEFORE: [&str; 7] = [
    "2025-06-05",
    "2025-06-06",
    "2025-06-07",
    "2025-06-08",
    "2025-06-09",
    "2025-06-10",
    "2025-06-11",
];
const AFTER: [&str; 3] = ["2025-06-12", "2025-06-13", "2025-06-14"];

#[tokio::test]
async fn the_effect_compares_the_days_before_and_after_the_first_published_post() {
    let app = TestApp::new().await;
    let viewer = app.browser_as(Role::Viewer).await;
    let s = story(&app, "Klimakutt", Topic::Climate, None).await;
    let href = format!("/w/nordlys/stories/{}/effect?days=7", s.id);

    // Not published yet: the fragment says when the effect shows.
    let p = post_at(
        &app,
        &s,
        SourceKind::Mastodon,
        "Vi kutter",
        "2025-06-12T08:00:00Z",
    )
    .await;
    let (status, html) = effect(&app, &viewer, &href, true).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("når et av historiens innlegg er publisert"),
        "{html}"
    );

    // Own brand: 2 a day (1 negative) for the 7 days before, 6 a day (1 negative) after.
    // The competitor: 2 a day throughout (1 negative). The seeded items add a mention of
    // the competitor on 12 June (70 hours before now) and one of the own brand today
    // (not a whole day yet, left out).
    let mut items = mentions("nordlys", &BEFORE, 2, 1, 100);
    items.extend(mentions("nordlys", &AFTER, 6, 1, 200));
    items.extend(mentions("fjordkraft", &BEFORE, 2, 1, 300));
    items.extend(mentions("fjordkraft", &AFTER, 2, 1, 400));
    app.store.put_items(&ws(), &items).await.unwrap();
    publish(&app, &p, "2025-06-12T08:00:00Z").await;

    let (status, html) = effect(&app, &viewer, &href, true).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(!html.contains("<html"), "htmx gets the fragment alone");
    assert!(html.contains("3 av 7 hele dager"), "{html}");
    assert!(html.contains("<svg"), "the chart");
    // Own: 2.0 → 6.0 a day, no spread on either side: the interval is the point.
    let own = row(&html, "volume-own");
    assert!(own.contains(">2,0<") && own.contains(">6,0<"), "{own}");
    assert!(
        own.contains("+4,0 (4,0 til 4,0)") && own.contains("data-verdict=\"up\""),
        "{own}"
    );
    // Competitor: 2, 2, ... → 3, 2, 2 (the seeded mention on 12 June): +0.3.
    let theirs = row(&html, "volume-competitors");
    assert!(
        theirs.contains(">2,0<") && theirs.contains(">2,3<"),
        "{theirs}"
    );
    let did = row(&html, "volume-did");
    assert!(
        did.contains("+3,7") && did.contains("data-verdict=\"up\""),
        "{did}"
    );
    // Negative share: own 50 % → 16.7 %, down.
    let negative = row(&html, "negative-own");
    assert!(
        negative.contains("50,0") && negative.contains("16,7"),
        "{negative}"
    );
    assert!(negative.contains("data-verdict=\"down\""), "{negative}");
    assert!(
        html.contains("data-measure=\"volume\" data-verdict=\"up\""),
        "{html}"
    );
    assert!(html.contains("utover endringen hos konkurrentene"));

    // A plain request gets the whole page with the section the story page would hold.
    let (status, page) = effect(&app, &viewer, &href, false).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<html") && page.contains("id=\"story-effect\""));
    assert!(page.contains("Klimakutt"));

    // Other windows: 14 days has more days before (7 of them empty) and the same after.
    let (status, wide) = effect(
        &app,
        &viewer,
        &format!("/w/nordlys/stories/{}/effect?days=14", s.id),
        true,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(wide.contains("3 av 14 hele dager"), "{wide}");
    assert!(row(&wide, "volume-own").contains(">1,0<"), "{wide}");
}

#[tokio::test]
async fn bad_windows_and_unknown_stories_are_refused() {
    let app = TestApp::new().await;
    let viewer = app.browser_as(Role::Viewer).await;
    let s = story(&app, "Klimakutt", Topic::Climate, None).await;
    let (status, body) = effect(
        &app,
        &viewer,
        &format!("/w/nordlys/stories/{}/effect?days=30", s.id),
        false,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("`days`"), "{body}");
    let (status, _) = effect(&app, &viewer, "/w/nordlys/stories/999/effect", false).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_post_published_today_has_no_whole_day_after_yet() {
    let app = TestApp::new().await;
    let viewer = app.browser_as(Role::Viewer).await;
    let s = story(&app, "<script>alert(1)</script>", Topic::Climate, None).await;
    let p = post_at(
        &app,
        &s,
        SourceKind::Bluesky,
        "i dag",
        "2025-06-15T08:00:00Z",
    )
    .await;
    publish(&app, &p, "2025-06-15T08:00:00Z").await;
    let (status, html) = effect(
        &app,
        &viewer,
        &format!("/w/nordlys/stories/{}/effect", s.id),
        false,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("effekten kan måles fra i morgen"), "{html}");
    assert!(row(&html, "volume-own").contains("for lite data"));
    assert!(html.contains("data-measure=\"volume\" data-verdict=\"unknown\""));
    assert!(!html.contains("<script>alert"));
}
