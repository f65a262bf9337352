//! The content calendar: Norwegian days and weeks (a post at 23:30 on a Sunday in Oslo is
//! that Sunday's), months with their whole weeks (February of a leap year), clock-change
//! weeks, filters, statuses, the empty state and bad dates. Also the story helpers the
//! effect tests share.

use axum::body::Body;
use axum::http::header::COOKIE;
use axum::http::{Request, StatusCode};
use jiff::Timestamp;
use omdomme_core::{Action, SourceKey, SourceKind, Topic, WorkspaceId};
use omdomme_store::{
    GoalDraft, NewPost, Post, PostStep, PublishOutcome, Published, Role, Story, StoryDraft,
};

use crate::support::{Browser, TestApp, body_text};

pub const AUTHOR: &str = "editor@nordlys.no";
pub const REVIEWER: &str = "leader@nordlys.no";

pub fn ws() -> WorkspaceId {
    WorkspaceId("nordlys".to_owned())
}

pub fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub async fn story(app: &TestApp, title: &str, topic: Topic, goal: Option<i64>) -> Story {
    app.store
        .create_story(
            &ws(),
            &StoryDraft {
                title: title.to_owned(),
                topic,
                summary: "Fakta om tiltaket".to_owned(),
                goal,
                owner: AUTHOR.to_owned(),
            },
            AUTHOR,
            ts("2025-01-01T00:00:00Z"),
        )
        .await
        .unwrap()
}

/// A draft on `kind` planned at `at`.
pub async fn post_at(app: &TestApp, story: &Story, kind: SourceKind, text: &str, at: &str) -> Post {
    app.store
        .create_post(
            &ws(),
            &NewPost {
                story: story.id,
                channel: SourceKey::new(kind, "nordlys"),
                text: text.to_owned(),
                attachments: Vec::new(),
                planned_at: Some(ts(at)),
            },
            AUTHOR,
            ts("2025-01-01T00:00:00Z"),
        )
        .await
        .unwrap()
}

async fn step(app: &TestApp, post: &Post, action: Action) -> Post {
    app.store
        .step_post(
            &ws(),
            post.id,
            &PostStep {
                action,
                content: None,
                comment: None,
                expected_revision: post.revision,
                at: ts("2025-01-02T00:00:00Z"),
            },
        )
        .await
        .unwrap()
}

/// Takes a draft through review, approval and scheduling to published at `at`.
pub async fn publish(app: &TestApp, post: &Post, at: &str) -> Post {
    let post = step(app, post, Action::Submit { by: AUTHOR.into() }).await;
    let post = step(
        app,
        &post,
        Action::Approve {
            by: REVIEWER.into(),
        },
    )
    .await;
    let post = step(
        app,
        &post,
        Action::Schedule {
            by: REVIEWER.into(),
            at: ts(at),
        },
    )
    .await;
    let key = format!("post-{}", post.id);
    app.store
        .begin_publish(&ws(), post.id, &key, ts(at))
        .await
        .unwrap();
    app.store
        .finish_publish(
            &ws(),
            post.id,
            &key,
            &PublishOutcome::Sent(Published {
                at: ts(at),
                external_id: format!("ext-{}", post.id),
                url: None,
            }),
            ts(at),
        )
        .await
        .unwrap()
}

async fn calendar(app: &TestApp, browser: &Browser, query: &str) -> String {
    let (status, html) = app
        .page(&format!("/w/nordlys/calendar?{query}"), Some(browser))
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    html
}

/// The HTML of one day's cell.
fn day<'a>(html: &'a str, date: &str) -> &'a str {
    let start = html
        .find(&format!("data-date=\"{date}\""))
        .unwrap_or_else(|| panic!("no day {date}"));
    let rest = &html[start..];
    let end = rest.find("</td>").unwrap();
    &rest[..end]
}

fn shows(html: &str, post: &Post) -> bool {
    html.contains(&format!("data-post=\"{}\"", post.id))
}

#[tokio::test]
async fn a_post_at_half_past_eleven_on_sunday_evening_belongs_to_that_week() {
    let app = TestApp::new().await;
    let viewer = app.browser_as(Role::Viewer).await;
    let s = story(&app, "Klimakutt", Topic::Climate, None).await;
    // Summer time: Oslo is UTC+2. 21:30Z is 23:30 on Sunday 15 June; 22:30Z is Monday.
    let sunday = post_at(
        &app,
        &s,
        SourceKind::Mastodon,
        "søndag",
        "2025-06-15T21:30:00Z",
    )
    .await;
    let monday = post_at(
        &app,
        &s,
        SourceKind::Mastodon,
        "mandag",
        "2025-06-15T22:30:00Z",
    )
    .await;
    let week = calendar(&app, &viewer, "date=2025-06-15").await;
    assert!(week.contains("id=\"calendar\""));
    assert!(shows(day(&week, "2025-06-15"), &sunday), "{week}");
    assert!(!shows(&week, &monday));
    assert!(
        week.contains("data-date=\"2025-06-09\"") && !week.contains("data-date=\"2025-06-16\"")
    );
    assert!(week.contains("data-week=\"24\""));
    assert!(day(&week, "2025-06-15").contains("<time>23:30</time>"));
    let next = calendar(&app, &viewer, "date=2025-06-16").await;
    assert!(shows(day(&next, "2025-06-16"), &monday) && !shows(&next, &sunday));
    // The entry links to its post and says what it is.
    let entry = day(&week, "2025-06-15");
    assert!(entry.contains(&format!("href=\"/w/nordlys/posts/{}\"", sunday.id)));
    assert!(entry.contains("data-status=\"planned\"") && entry.contains("Klimakutt"));
    assert!(entry.contains("mastodon: nordlys") && entry.contains("søndag"));
    // Today's week by default (the clock says Sunday 15 June).
    let default = calendar(&app, &viewer, "").await;
    assert!(shows(&default, &sunday) && default.contains("aria-current=\"date\""));
}

#[tokio::test]
async fn weeks_with_a_clock_change_keep_their_seven_norwegian_days() {
    let app = TestApp::new().await;
    let viewer = app.browser_as(Role::Viewer).await;
    let s = story(&app, "Vår", Topic::Climate, None).await;
    // Summer time starts on Sunday 30 March 2025 at 02:00. Monday 24 March 00:30 (CET) is
    // 23:30Z on the 23rd; Sunday 30 March 23:30 (CEST) is 21:30Z.
    let first = post_at(
        &app,
        &s,
        SourceKind::Bluesky,
        "mandag",
        "2025-03-23T23:30:00Z",
    )
    .await;
    let last = post_at(
        &app,
        &s,
        SourceKind::Bluesky,
        "søndag",
        "2025-03-30T21:30:00Z",
    )
    .await;
    let before = post_at(&app, &s, SourceKind::Bluesky, "før", "2025-03-23T22:30:00Z").await;
    let after = post_at(
        &app,
        &s,
        SourceKind::Bluesky,
        "etter",
        "2025-03-30T22:30:00Z",
    )
    .await;
    let week = calendar(&app, &viewer, "view=week&date=2025-03-27").await;
    assert!(shows(day(&week, "2025-03-24"), &first), "{week}");
    assert!(shows(day(&week, "2025-03-30"), &last));
    assert!(!shows(&week, &before) && !shows(&week, &after));
    // Winter time returns on Sunday 26 October: 22:30Z on the 26th is 23:30 that Sunday.
    let autumn = post_at(&app, &s, SourceKind::X, "høst", "2025-10-26T22:30:00Z").await;
    let week = calendar(&app, &viewer, "date=2025-10-20").await;
    assert!(shows(day(&week, "2025-10-26"), &autumn), "{week}");
}

#[tokio::test]
async fn a_month_of_a_leap_year_shows_its_whole_weeks() {
    let app = TestApp::new().await;
    let viewer = app.browser_as(Role::Viewer).await;
    let s = story(&app, "Skuddår", Topic::Community, None).await;
    let leap_day = post_at(
        &app,
        &s,
        SourceKind::Facebook,
        "29. februar",
        "2024-02-29T11:00:00Z",
    )
    .await;
    let march = post_at(
        &app,
        &s,
        SourceKind::Facebook,
        "mars",
        "2024-03-04T11:00:00Z",
    )
    .await;
    let month = calendar(&app, &viewer, "view=month&date=2024-02-10").await;
    // Thursday 1 February to Thursday 29 February: Monday 29 January to Sunday 3 March.
    assert_eq!(month.matches("data-week=").count(), 5, "{month}");
    assert!(
        month.contains("data-date=\"2024-01-29\"") && month.contains("data-date=\"2024-03-03\"")
    );
    assert!(!month.contains("data-date=\"2024-03-04\""));
    assert!(shows(day(&month, "2024-02-29"), &leap_day) && !shows(&month, &march));
    assert!(month.contains("class=\"calendar-day outside\" data-date=\"2024-01-29\""));
    assert!(month.contains("februar 2024"));
    // Paging keeps the view and the filters.
    let filtered = calendar(&app, &viewer, "view=month&date=2024-02-10&topic=community").await;
    assert!(
        filtered.contains("view=month&#38;date=2024-03-10&#38;topic=community"),
        "{filtered}"
    );
    assert!(filtered.contains("view=month&#38;date=2024-01-10&#38;topic=community"));
    assert!(filtered.contains("data-view=\"week\""));
}

#[tokio::test]
async fn filters_narrow_the_calendar_by_story_topic_goal_and_channel() {
    let app = TestApp::new().await;
    let viewer = app.browser_as(Role::Viewer).await;
    let goal = app
        .store
        .put_goal(
            &ws(),
            None,
            &GoalDraft {
                name: "Flere delinger".into(),
                metric: "delinger".into(),
                ..GoalDraft::default()
            },
            ts("2025-01-01T00:00:00Z"),
        )
        .await
        .unwrap();
    let climate = story(&app, "Klima", Topic::Climate, Some(goal)).await;
    let labour = story(&app, "Arbeid", Topic::Labour, None).await;
    let a = post_at(
        &app,
        &climate,
        SourceKind::Mastodon,
        "a",
        "2025-06-11T08:00:00Z",
    )
    .await;
    let b = post_at(
        &app,
        &climate,
        SourceKind::Bluesky,
        "b",
        "2025-06-12T08:00:00Z",
    )
    .await;
    let c = post_at(
        &app,
        &labour,
        SourceKind::Mastodon,
        "c",
        "2025-06-13T08:00:00Z",
    )
    .await;
    let all = calendar(&app, &viewer, "date=2025-06-12").await;
    assert!(shows(&all, &a) && shows(&all, &b) && shows(&all, &c));
    let only = |html: &str, want: &[&Post]| {
        for p in [&a, &b, &c] {
            assert_eq!(shows(html, p), want.iter().any(|w| w.id == p.id), "{html}");
        }
    };
    only(
        &calendar(&app, &viewer, "date=2025-06-12&topic=labour").await,
        &[&c],
    );
    only(
        &calendar(
            &app,
            &viewer,
            &format!("date=2025-06-12&story={}", climate.id),
        )
        .await,
        &[&a, &b],
    );
    only(
        &calendar(&app, &viewer, &format!("date=2025-06-12&goal={goal}")).await,
        &[&a, &b],
    );
    only(
        &calendar(&app, &viewer, "date=2025-06-12&channel=mastodon").await,
        &[&a, &c],
    );
    only(
        &calendar(
            &app,
            &viewer,
            "date=2025-06-12&channel=bluesky&topic=labour",
        )
        .await,
        &[],
    );
    // The form sends every field, empty ones too.
    only(
        &calendar(
            &app,
            &viewer,
            "view=week&date=2025-06-12&story=&topic=&goal=&channel=",
        )
        .await,
        &[&a, &b, &c],
    );
    let empty = calendar(&app, &viewer, "date=2025-06-12&channel=x").await;
    assert!(empty.contains("Ingen innlegg passer filtrene"), "{empty}");
}

#[tokio::test]
async fn statuses_show_as_badges_and_hostile_titles_as_text() {
    let app = TestApp::new().await;
    let viewer = app.browser_as(Role::Viewer).await;
    let s = story(&app, "<script>alert(1)</script>", Topic::Climate, None).await;
    let draft = post_at(
        &app,
        &s,
        SourceKind::Mastodon,
        "\"><img src=x onerror=alert(1)>",
        "2025-06-10T08:00:00Z",
    )
    .await;
    let out = post_at(
        &app,
        &s,
        SourceKind::Mastodon,
        "ute",
        "2025-06-11T08:00:00Z",
    )
    .await;
    let out = publish(&app, &out, "2025-06-12T09:00:00Z").await;
    let html = calendar(&app, &viewer, "date=2025-06-12").await;
    assert!(day(&html, "2025-06-10").contains("data-status=\"planned\""));
    // A published post sits at its publishing time.
    assert!(shows(day(&html, "2025-06-12"), &out), "{html}");
    assert!(day(&html, "2025-06-12").contains("data-status=\"published\""));
    assert!(shows(&html, &draft));
    assert!(!html.contains("<script>alert") && !html.contains("<img src=x"));
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{html}"
    );
}

#[tokio::test]
async fn an_empty_calendar_says_what_to_do_and_bad_dates_are_named() {
    let app = TestApp::new().await;
    let viewer = app.browser_as(Role::Viewer).await;
    let html = calendar(&app, &viewer, "view=month").await;
    assert!(html.contains("Ingen innlegg i denne perioden"));
    assert!(html.contains("/w/nordlys/stories"));
    for (query, word) in [
        ("date=2025-02-30", "`date`"),
        ("date=i%20morgen", "`date`"),
        ("view=year", "`view`"),
        ("story=abc", "`story`"),
        ("channel=rss", "`channel`"),
        ("topic=weather", "`topic`"),
        ("colour=blue", "colour"),
    ] {
        let response = app
            .send(
                Request::get(format!("/w/nordlys/calendar?{query}"))
                    .header(COOKIE, &viewer.cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        let body = body_text(response).await;
        assert!(body.contains(word), "{query}: {body}");
    }
}
