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
    assert!(
        html.contains("data-leadership=\"index\" aria-current=\"page\""),
        "{html}"
    );
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

// == brand accounts setup (issue 7) ==

type Fields<'a> = &'a [(&'a str, &'a str)];

async fn account_actions(app: &TestApp) -> Vec<(String, String, String)> {
    app.store
        .audit_log(&omdomme_store::AuditQuery {
            action_prefix: Some("brand_account.".to_owned()),
            limit: 100,
            ..omdomme_store::AuditQuery::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.entry.action, r.entry.target, r.entry.detail))
        .collect()
}

/// The conversation stored before any account is known: the answers count once a leader
/// names the account that wrote them, the past included.
#[tokio::test]
async fn a_leader_adds_and_removes_accounts_and_the_index_recounts() {
    let app = TestApp::new().await;
    let mut ws = workspace("Nordlys");
    ws.brands[1].name = HOSTILE.to_owned();
    app.store.put_workspace(&ws).await.unwrap();
    app.store.put_items(&ws.id, &conversation()).await.unwrap();
    let leader = app.browser_as(Role::Leader).await;
    let (_, html) = get(&app, &leader, "/w/nordlys/index?days=30").await;
    let own = section(&html, "<section class=\"card\" id=\"brand-nordlys\"");
    assert!(own.contains("role=\"note\""), "no accounts yet: {own}");
    assert!(
        component(own, "response_rate").contains("data-score>0<"),
        "{own}"
    );
    assert!(html.contains("data-link=\"accounts\""), "{html}");

    let response = app
        .submit(
            "/w/nordlys/setup/accounts",
            &leader,
            &[
                ("brand", "nordlys"),
                ("platform", "mastodon"),
                ("handle", "@<B>nordlys</b>"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = body_text(response).await;
    assert!(html.contains("role=\"status\""), "{html}");
    assert!(!html.contains("<b>nordlys"), "{html}");
    assert!(
        html.contains("data-account=\"mastodon:&#60;b&#62;nordlys&#60;/b&#62;\""),
        "{html}"
    );
    assert!(!html.contains("<script>alert"), "{html}");
    let (_, html) = get(&app, &leader, "/w/nordlys/index?days=30").await;
    let own = section(&html, "<section class=\"card\" id=\"brand-nordlys\"");
    assert!(!own.contains("role=\"note\""), "{own}");
    assert!(
        component(own, "response_rate").contains("data-score>50<"),
        "{own}"
    );

    let response = app
        .submit(
            "/w/nordlys/setup/accounts/delete",
            &leader,
            &[
                ("brand", "nordlys"),
                ("platform", "mastodon"),
                ("handle", "<b>nordlys</b>"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(app.store.brand_accounts(&ws.id).await.unwrap().is_empty());
    let (_, html) = get(&app, &leader, "/w/nordlys/index?days=30").await;
    let own = section(&html, "<section class=\"card\" id=\"brand-nordlys\"");
    assert!(
        component(own, "response_rate").contains("data-score>0<"),
        "{own}"
    );

    assert_eq!(
        account_actions(&app).await,
        [
            (
                "brand_account.remove".to_owned(),
                "brand:nordlys".to_owned(),
                "mastodon @<b>nordlys</b>".to_owned()
            ),
            (
                "brand_account.add".to_owned(),
                "brand:nordlys".to_owned(),
                "mastodon @<b>nordlys</b>".to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn account_problems_are_named_by_their_field_and_nothing_is_stored() {
    let app = seeded().await;
    let leader = app.browser_as(Role::Leader).await;
    // (form fields, the field refused, words of its message)
    let cases: &[(Fields, &str, &str)] = &[
        (
            &[
                ("brand", "nordlys"),
                ("platform", "x"),
                ("handle", "two words"),
            ],
            "handle",
            "ett ord uten mellomrom",
        ),
        (
            &[
                ("brand", "equinor"),
                ("platform", "x"),
                ("handle", "equinor"),
            ],
            "brand",
            "merkevarene i listen",
        ),
        (
            &[("brand", "nordlys"), ("platform", "rss"), ("handle", "nrk")],
            "platform",
            "plattformene i listen",
        ),
        (
            &[("brand", "nordlys"), ("platform", "x"), ("handle", "")],
            "handle",
            "ett ord uten mellomrom",
        ),
        // Already nordlys's (compared as the store keeps handles): the message names it.
        (
            &[
                ("brand", "fjordkraft"),
                ("platform", "mastodon"),
                ("handle", "@<B>NORDLYS</B>"),
            ],
            "handle",
            "en annen merkevare: Nordlys Energi",
        ),
        (
            &[
                ("brand", "nordlys"),
                ("platform", "mastodon"),
                ("handle", "<b>nordlys</b>"),
            ],
            "handle",
            "har allerede denne kontoen",
        ),
    ];
    let before = app.store.brand_accounts(&workspace("x").id).await.unwrap();
    for (fields, field, needle) in cases {
        let response = app
            .submit("/w/nordlys/setup/accounts", &leader, fields)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{fields:?}"
        );
        let html = body_text(response).await;
        let marker = format!("data-field=\"{field}\">");
        let start = html
            .find(&marker)
            .unwrap_or_else(|| panic!("{fields:?}: {html}"));
        let message = &html[start..start + html[start..].find("</p>").unwrap()];
        // The test users read bokmål.
        assert!(message.contains(needle), "{fields:?}: {message}");
    }
    assert_eq!(
        app.store.brand_accounts(&workspace("x").id).await.unwrap(),
        before
    );
    assert!(account_actions(&app).await.is_empty());
    // A hostile competitor name is text on the page, in the table and the form.
    let (status, html) = get(&app, &leader, "/w/nordlys/setup/accounts").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains("&#60;script&#62;"), "{html}");
    // Removing what is not there says so.
    let response = app
        .submit(
            "/w/nordlys/setup/accounts/delete",
            &leader,
            &[
                ("brand", "nordlys"),
                ("platform", "x"),
                ("handle", "nobody"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn editors_see_the_accounts_without_the_forms() {
    let app = seeded().await;
    let editor = app.browser_as(Role::Editor).await;
    let (status, html) = get(&app, &editor, "/w/nordlys/setup/accounts").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("data-setup=\"accounts\""), "{html}");
    assert!(html.contains("data-account=\"mastodon:"), "{html}");
    assert!(!html.contains("id=\"account-form\""), "{html}");
    assert!(!html.contains("remove-account"), "{html}");
}
