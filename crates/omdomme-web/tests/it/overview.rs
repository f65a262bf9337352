//! The overview page: charts for every role, the empty states, links that reproduce each
//! chart element in the explorer, spikes, escaping, and a clear 400 for bad filters.

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE};
use axum::http::{Request, StatusCode};
use jiff::SignedDuration;
use omdomme_core::{Brand, BrandId, BrandRole, Item, Workspace, WorkspaceId};
use omdomme_store::Role;

use crate::support::{self, Browser, TestApp, body_text, now};

const OVERVIEW: &str = "/w/nordlys/overview";

/// The HTML with attribute escapes undone, so links read as written.
fn unescaped(html: &str) -> String {
    html.replace("&amp;", "&").replace("&#38;", "&")
}

/// A copy of the first seeded item (about nordlys, positive, climate, Mastodon).
fn nordlys_item(id: &str, hours_ago: i64) -> Item {
    let mut item = support::items().remove(0);
    item.external_id = id.to_owned();
    item.published_at = now()
        .checked_sub(SignedDuration::from_hours(hours_ago))
        .unwrap();
    item.collected_at = item.published_at;
    item
}

async fn viewer(app: &TestApp) -> Browser {
    app.browser_as(Role::Viewer).await
}

#[tokio::test]
async fn every_role_sees_the_charts() {
    let app = TestApp::new().await;
    for role in Role::ALL {
        let browser = app.browser_as(role).await;
        let (status, html) = app.page(OVERVIEW, Some(&browser)).await;
        assert_eq!(status, StatusCode::OK, "{role:?}: {html}");
        assert!(html.contains("id=\"overview\""), "{role:?}");
        for chart in [
            "volume",
            "sentiment",
            "share",
            "topics",
            "topics-trend",
            "channels",
        ] {
            assert!(
                html.contains(&format!("id=\"chart-{chart}\"")),
                "{role:?} misses {chart}"
            );
        }
        assert!(html.matches("<svg").count() >= 6, "{role:?}");
        assert!(html.contains("class=\"chart-table\""), "{role:?}");
        assert!(html.contains("aria-current=\"page\" data-nav=\"overview\""));
        // The KPIs: 3 mentions of the own brand in the last 30 days, 60 % of the brands'.
        assert!(html.contains("Omtaler av Nordlys Energi"), "{html}");
        assert!(html.contains("60\u{a0}%"), "{html}");
    }
}

#[tokio::test]
async fn htmx_gets_the_fragment_only() {
    let app = TestApp::new().await;
    let browser = viewer(&app).await;
    let response = app
        .send(
            Request::get(OVERVIEW)
                .header(COOKIE, &browser.cookie)
                .header("hx-request", "true")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = body_text(response).await;
    assert!(html.starts_with("<div id=\"overview\">") || html.contains("<div id=\"overview\">"));
    assert!(!html.contains("<html"), "{html}");
}

#[tokio::test]
async fn a_workspace_without_items_says_what_to_do() {
    let app = TestApp::new().await;
    let mut empty = support::workspace("Tomt");
    empty.id = WorkspaceId("tomt".into());
    app.store.put_workspace(&empty).await.unwrap();
    let browser = viewer(&app).await;
    let (status, html) = app.page("/w/tomt/overview", Some(&browser)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Ingen omtaler ennå"), "{html}");
    assert!(html.contains("Oppsett → Kilder"), "{html}");
    assert!(html.contains("omdomme import"), "{html}");
    assert!(!html.contains("<svg"), "{html}");

    // With items, a period without any says to widen it instead.
    let (status, html) = app
        .page(
            "/w/nordlys/overview?range=custom&from=2024-01-01&to=2024-02-01",
            Some(&browser),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Ingen omtaler i perioden"), "{html}");
    assert!(html.contains("Velg en lengre periode"), "{html}");
}

#[tokio::test]
async fn chart_links_reproduce_each_element_in_the_explorer() {
    let app = TestApp::new().await;
    let browser = viewer(&app).await;
    // NOW is 15 June 2025 14:00 in Oslo: the last 7 days are 9 to 15 June.
    let (status, html) = app
        .page(
            &format!("{OVERVIEW}?range=7d&source=mastodon"),
            Some(&browser),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let html = unescaped(&html);
    let explorer = "/w/nordlys/explorer?";
    // The own brand's point on 15 June in the volume chart.
    assert!(
        html.contains(&format!(
            "{explorer}brand=nordlys&source=mastodon&from=2025-06-15&to=2025-06-16"
        )),
        "{html}"
    );
    // A sentiment band, a share-of-voice segment, a topic bar and the period's KPI.
    for link in [
        "brand=nordlys&source=mastodon&sentiment=positive&from=2025-06-15&to=2025-06-16",
        "brand=fjordkraft&source=mastodon&sentiment=negative&from=2025-06-09&to=2025-06-16",
        "brand=nordlys&source=mastodon&topic=climate&from=2025-06-09&to=2025-06-16",
        "brand=nordlys&source=mastodon&from=2025-06-09&to=2025-06-16",
    ] {
        assert!(
            html.contains(&format!("{explorer}{link}\"")),
            "{link}: {html}"
        );
    }
    // The top author, with their platform.
    assert!(
        html.contains(&format!(
            "{explorer}brand=nordlys&source=mastodon&author=user1&from=2025-06-09&to=2025-06-16"
        )),
        "{html}"
    );
    // The filters stay in the form.
    assert!(html.contains("<option value=\"7d\" selected>"), "{html}");
    assert!(
        html.contains("<option value=\"mastodon\" selected>"),
        "{html}"
    );

    // Week buckets cut at the period: the first week starts on the period's first day.
    let (status, html) = app
        .page(
            &format!("{OVERVIEW}?range=custom&from=2025-06-11&to=2025-06-16&bucket=week"),
            Some(&browser),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let html = unescaped(&html);
    assert!(
        html.contains(&format!(
            "{explorer}brand=nordlys&from=2025-06-11&to=2025-06-16\""
        )),
        "{html}"
    );
}

#[tokio::test]
async fn spikes_are_marked_and_listed() {
    let app = TestApp::new().await;
    let ws = WorkspaceId("nordlys".into());
    let mut items = Vec::new();
    // 20 mentions a day for three weeks, then 100 three days ago.
    for day in 4..25 {
        for n in 0..20 {
            items.push(nordlys_item(&format!("steady-{day}-{n}"), day * 24));
        }
    }
    for n in 0..100 {
        items.push(nordlys_item(&format!("spike-{n}"), 3 * 24));
    }
    app.store.put_items(&ws, &items).await.unwrap();
    let browser = viewer(&app).await;
    let (status, html) = app
        .page(&format!("{OVERVIEW}?range=30d"), Some(&browser))
        .await;
    assert_eq!(status, StatusCode::OK);
    let spikes: Vec<&str> = html.split("data-spike>").skip(1).collect();
    assert_eq!(spikes.len(), 1, "{html}");
    // 12 June: 100 mentions against 20 the days before.
    assert!(
        spikes[0].starts_with(
            "Topp 12. juni 2025 for Nordlys Energi: 100 omtaler, 5,0× det normale (20)"
        ),
        "{}",
        spikes[0]
    );
    let html = unescaped(&html);
    assert!(
        html.contains(
            "/w/nordlys/explorer?brand=nordlys&from=2025-06-12&to=2025-06-13\">se omtalene"
        ),
        "{html}"
    );
    // The flag on the chart.
    assert!(html.contains("Nordlys Energi: 5,0×"), "{html}");
}

#[tokio::test]
async fn hostile_brand_and_author_names_are_text() {
    let hostile = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "</style><b>x</b>",
    ];
    let app = TestApp::with_workspace_named(hostile[0]).await;
    let ws = Workspace {
        brands: vec![
            Brand {
                id: BrandId("nordlys".into()),
                name: hostile[1].to_owned(),
                role: BrandRole::Own,
                query: "nordlys".into(),
            },
            Brand {
                id: BrandId("fjordkraft".into()),
                name: hostile[2].to_owned(),
                role: BrandRole::Competitor,
                query: "fjordkraft".into(),
            },
        ],
        ..support::workspace(hostile[0])
    };
    app.store.put_workspace(&ws).await.unwrap();
    let mut item = nordlys_item("hostile", 5);
    item.author.handle = hostile[1].to_owned();
    app.store.put_items(&ws.id, &[item]).await.unwrap();
    let browser = viewer(&app).await;
    let (status, html) = app.page(OVERVIEW, Some(&browser)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(!html.contains("</style>"), "{html}");
    assert!(!html.contains("<b>x</b>"), "{html}");
    // Shown, escaped: in the KPI, on the chart and as the top author.
    assert!(
        html.contains("Omtaler av &#34;&#62;&#60;img src=x onerror=alert(1)&#62;"),
        "{html}"
    );
    assert!(
        html.contains("@&#34;&#62;&#60;img src=x onerror=alert(1)&#62;"),
        "{html}"
    );
    assert!(
        html.contains("&lt;/style&gt;&lt;b&gt;x&lt;/b&gt;") || html.contains("&#60;/style&#62;"),
        "{html}"
    );
    // The handle is encoded in the link.
    assert!(
        html.contains("author=%22%3E%3Cimg+src%3Dx+onerror%3Dalert%281%29%3E"),
        "{html}"
    );
}

#[tokio::test]
async fn bad_filters_get_a_clear_400_page() {
    let app = TestApp::new().await;
    let browser = viewer(&app).await;
    for (query, expected) in [
        (
            "from=2025-06-10&to=2025-06-01",
            "`from` must be before `to`",
        ),
        (
            "range=custom&from=2025-06-10&to=2025-06-10",
            "`from` must be before `to`",
        ),
        (
            "topic=weather",
            "parameter `topic`: unknown value `weather`",
        ),
        ("sentiment=happy", "parameter `sentiment`"),
        ("source=fax", "parameter `source`"),
        ("range=1y", "parameter `range`: unknown value `1y`"),
        ("bucket=hour", "parameter `bucket`"),
        ("from=yesterday", "parameter `from`"),
        ("from=2020-01-01&to=2025-01-01", "at most 731"),
        ("brand=nordlys", "unknown query parameter `brand`"),
    ] {
        let response = app
            .send(
                Request::get(format!("{OVERVIEW}?{query}"))
                    .header(COOKIE, &browser.cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert!(
            response.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{query}"
        );
        let html = body_text(response).await.replace("&#96;", "`");
        assert!(html.contains(expected), "{query}: {html}");
    }
}

#[tokio::test]
async fn an_unknown_workspace_is_404() {
    let app = TestApp::new().await;
    let browser = viewer(&app).await;
    let (status, _) = app.page("/w/nowhere/overview", Some(&browser)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
