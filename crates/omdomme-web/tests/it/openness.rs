//! The openness index page and its drill-down: figures from inquiries and a brand
//! account's answers, hostile brand names and handles escaped, bad parameters named.

use axum::body::Body;
use axum::http::header::COOKIE;
use axum::http::{Request, StatusCode};
use omdomme_core::{BrandId, Item, SentimentLabel, SourceKind, Topic};
use omdomme_store::{BrandAccount, Role};

use crate::support::{Browser, TestApp, body_text, item, workspace};

const HOSTILE: &str = "<script>alert(1)</script> & \"Fjord\"";

async fn get(app: &TestApp, browser: &Browser, uri: &str) -> (StatusCode, String) {
    let response = app
        .send(
            Request::get(uri)
                .header(COOKIE, &browser.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let status = response.status();
    (status, body_text(response).await)
}

/// 12 inquiries about nordlys over the last days, the first 6 answered by its account 30
/// minutes later.
fn conversation() -> Vec<Item> {
    let mut items = Vec::new();
    for k in 0..12u32 {
        // Odd numbers: Mastodon items.
        let n = 101 + 2 * k;
        let hours_ago = 10 + i64::from(k) * 24;
        let mut q = item(
            n,
            "Hvorfor er regningen så høy, Nordlys?",
            "nordlys",
            SentimentLabel::Negative,
            Topic::Product,
            hours_ago,
        );
        q.enrichment.inquiry = true;
        q.author.handle = format!("kunde{k}");
        if k < 6 {
            let mut answer = item(
                n + 1000,
                "Vi ser på saken, send oss en melding",
                "nordlys",
                SentimentLabel::Neutral,
                Topic::Product,
                hours_ago,
            );
            answer.published_at = q.published_at + jiff::SignedDuration::from_mins(30);
            answer.parent_id = Some(q.external_id.clone());
            answer.author.handle = "<b>nordlys</b>".to_owned();
            items.push(answer);
        }
        items.push(q);
    }
    items
}

async fn seeded() -> TestApp {
    let app = TestApp::new().await;
    let mut ws = workspace("Nordlys");
    ws.brands[1].name = HOSTILE.to_owned();
    app.store.put_workspace(&ws).await.unwrap();
    app.store
        .put_brand_accounts(
            &ws.id,
            &BrandId("nordlys".to_owned()),
            &[BrandAccount {
                brand: BrandId("nordlys".to_owned()),
                kind: SourceKind::Mastodon,
                handle: "<b>nordlys</b>".to_owned(),
            }],
        )
        .await
        .unwrap();
    app.store.put_items(&ws.id, &conversation()).await.unwrap();
    app
}

fn section<'a>(html: &'a str, marker: &str) -> &'a str {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker}: {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

fn component<'a>(html: &'a str, key: &str) -> &'a str {
    let start = html
        .find(&format!("<tr data-component=\"{key}\""))
        .unwrap_or_else(|| panic!("no row {key}: {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</tr>").unwrap()]
}

#[tokio::test]
async fn the_index_shows_each_brand_with_its_components_and_escapes_names() {
    let app = seeded().await;
    let viewer = app.browser_as(Role::Viewer).await;
    let (status, html) = get(&app, &viewer, "/w/nordlys/index?days=30").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("data-nav=\"index\""), "{html}");
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<b>nordlys"), "{html}");
    assert!(html.contains("&#60;script&#62;"), "{html}");
    let own = section(&html, "<section class=\"card\" id=\"brand-nordlys\"");
    // 6 of 12 answered, after 30 minutes: 50 on the rate, 100 on both times; dialog share
    // (6 own items) and the rest too few: (30*50 + 15*100 + 10*100) / 55 = 72.7.
    assert!(own.contains("<h2>Nordlys Energi: 73</h2>"), "{own}");
    let rate = component(own, "response_rate");
    assert!(rate.contains("data-score>50<"), "{rate}");
    assert!(rate.contains("filter=unanswered"), "{rate}");
    assert!(
        component(own, "median_response").contains("data-score>100<"),
        "{own}"
    );
    let dialog = component(own, "dialog_share");
    assert!(
        dialog.contains("for få (6 av 10)") || dialog.contains("too few (6 of 10)"),
        "{dialog}"
    );
    // The account's link to the explorer, its handle escaped.
    assert!(
        dialog.contains("author=%3Cb%3Enordlys%3C%2Fb%3E"),
        "{dialog}"
    );
    assert!(dialog.contains("@&#60;b&#62;nordlys"), "{dialog}");
    // The competitor has no data: no index, and says it has no accounts.
    let other = section(&html, "<section class=\"card\" id=\"brand-fjordkraft\"");
    assert!(other.contains("role=\"note\""), "{other}");
    let ranking = section(&html, "id=\"openness-ranking\"");
    let first = ranking.find("data-brand=\"nordlys\"").unwrap();
    let second = ranking.find("data-brand=\"fjordkraft\"").unwrap();
    assert!(first < second, "{ranking}");
}

#[tokio::test]
async fn the_drill_down_lists_the_inquiries_behind_a_component() {
    let app = seeded().await;
    let viewer = app.browser_as(Role::Viewer).await;
    let (status, html) = get(
        &app,
        &viewer,
        "/w/nordlys/index/inquiries?brand=nordlys&filter=unanswered&days=30",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let list = section(&html, "id=\"openness-inquiries\"");
    assert_eq!(list.matches("<tr><td>").count(), 6, "{list}");
    for k in 6..12 {
        assert!(list.contains(&format!("@kunde{k}<")), "{k}: {list}");
    }
    let (_, html) = get(
        &app,
        &viewer,
        "/w/nordlys/index/inquiries?brand=nordlys&filter=answered&days=30",
    )
    .await;
    let list = section(&html, "id=\"openness-inquiries\"");
    assert_eq!(list.matches("<tr><td>").count(), 6, "{list}");
    for (uri, needle) in [
        ("/w/nordlys/index/inquiries?brand=equinor", "`brand`"),
        (
            "/w/nordlys/index/inquiries?brand=nordlys&filter=some",
            "`filter`",
        ),
        ("/w/nordlys/index?days=7", "`days`"),
    ] {
        let (status, html) = get(&app, &viewer, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(html.contains(needle), "{uri}: {html}");
    }
}
