//! The explorer: search with each filter, a query that does not parse, the item page with
//! its thread, workspaces kept apart, the CSV export, and hostile content on both pages.

use axum::body::Body;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE};
use axum::http::{Request, StatusCode};
use jiff::SignedDuration;
use omdomme_core::{
    Author, Brand, BrandId, BrandRole, Engagement, Enrichment, Item, ItemKind, Lang, Sentiment,
    SentimentLabel, SourceKey, SourceKind, StoredItem, Workspace, WorkspaceId,
};
use omdomme_store::Role;

use crate::support::{Browser, TestApp, body_text, now};

const EXPLORER: &str = "/w/nordlys/explorer";

fn nordlys() -> WorkspaceId {
    WorkspaceId("nordlys".to_owned())
}

/// The ids of the items a results page lists, in order.
fn listed(html: &str) -> Vec<i64> {
    html.split("<li class=\"item\" data-item=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().parse().unwrap())
        .collect()
}

/// The seeded item with this external id.
async fn stored(app: &TestApp, workspace: &WorkspaceId, external_id: &str) -> StoredItem {
    app.store
        .items_after(workspace, None, 1000)
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|i| i.item.external_id == external_id)
        .unwrap()
}

/// Ids of the seeded items by their number (`ext-<n>`).
async fn seeded(app: &TestApp, numbers: &[u32]) -> Vec<i64> {
    let mut ids = Vec::new();
    for n in numbers {
        ids.push(stored(app, &nordlys(), &format!("ext-{n}")).await.id.0);
    }
    ids
}

async fn search(app: &TestApp, browser: &Browser, query: &str) -> Vec<i64> {
    let (status, html) = app
        .page(&format!("{EXPLORER}?{query}"), Some(browser))
        .await;
    assert_eq!(status, StatusCode::OK, "{query}: {html}");
    listed(&html)
}

fn post(external_id: &str, text: &str, minutes_ago: i64) -> Item {
    let at = now()
        .checked_sub(SignedDuration::from_mins(minutes_ago))
        .unwrap();
    Item {
        source: SourceKey::new(SourceKind::Mastodon, "test"),
        external_id: external_id.to_owned(),
        kind: ItemKind::Post,
        author: Author {
            handle: format!("author-{external_id}"),
            name: Some("Ola".to_owned()),
            followers: Some(1234),
            verified: false,
        },
        title: None,
        text: text.to_owned(),
        url: Some(format!("https://example.invalid/{external_id}")),
        thread_id: None,
        parent_id: None,
        engagement: Engagement::default(),
        published_at: at,
        collected_at: at,
        declared_lang: None,
        enrichment: Enrichment {
            lang: Lang::Nb,
            sentiment: Sentiment {
                label: SentimentLabel::Neutral,
                score: 0.0,
            },
            model: "test-v0".to_owned(),
            ..Enrichment::default()
        },
        synthetic: true,
    }
}

#[tokio::test]
async fn each_filter_narrows_the_search() {
    let app = TestApp::new().await;
    let b = app.browser_as(Role::Viewer).await;
    let (status, html) = app.page(EXPLORER, Some(&b)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<form id=\"search\""), "{html}");
    assert!(html.contains("name=\"q\""));
    assert!(html.contains("class=\"item-link\""));
    assert!(html.contains("hx-get=\"/w/nordlys/explorer\""));
    assert!(html.contains("data-total=\"5\""), "{html}");
    // Relevance without words is newest first.
    assert_eq!(listed(&html), seeded(&app, &[1, 2, 3, 4, 5]).await);

    let cases: &[(&str, &[u32])] = &[
        ("q=klima&order=newest", &[1, 4]),
        ("q=klima+AND+NOT+fjordkraft", &[1]),
        ("brand=fjordkraft", &[4, 5]),
        ("source=rss", &[2, 4]),
        ("sentiment=negative", &[2, 5]),
        ("topic=employer", &[3]),
        ("lang=nb", &[1, 2, 3, 4, 5]),
        ("lang=en", &[]),
        ("author=%40user3", &[3]),
        // 2025-06-14 starts at 2025-06-13T22:00Z in Oslo: items 2 h and 30 h old.
        ("from=2025-06-14", &[1, 2]),
        ("to=2025-06-14", &[3, 4, 5]),
        (
            "from=2025-06-13T00%3A00%3A00Z&to=2025-06-14T00%3A00%3A00Z",
            &[3],
        ),
        ("order=oldest", &[5, 4, 3, 2, 1]),
        ("order=newest&brand=nordlys&sentiment=positive", &[1]),
        // Empty parameters, as a form sends them, are no filter.
        (
            "q=&brand=&source=&sentiment=&topic=&lang=&author=&from=&to=&order=&page=",
            &[1, 2, 3, 4, 5],
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(
            search(&app, &b, query).await,
            seeded(&app, expected).await,
            "{query}"
        );
    }
    let (_, html) = app.page(&format!("{EXPLORER}?q=klima"), Some(&b)).await;
    assert!(html.contains("satser på <mark>klima</mark>"), "{html}");
    let (_, html) = app.page(&format!("{EXPLORER}?lang=en"), Some(&b)).await;
    assert!(html.contains("Ingen treff"), "an empty state: {html}");
}

#[tokio::test]
async fn pages_hold_25_or_50_and_link_to_the_next() {
    let app = TestApp::new().await;
    let items: Vec<Item> = (0..60)
        .map(|n| post(&format!("p{n}"), "side", 200 + n))
        .collect();
    app.store.put_items(&nordlys(), &items).await.unwrap();
    app.store.flush().await.unwrap();
    let b = app.browser_as(Role::Viewer).await;
    let (_, html) = app.page(&format!("{EXPLORER}?q=side"), Some(&b)).await;
    assert_eq!(listed(&html).len(), 25);
    assert!(html.contains("data-total=\"60\""));
    assert!(
        html.contains("href=\"/w/nordlys/explorer?q=side&#38;page=2\""),
        "{html}"
    );
    let third = search(&app, &b, "q=side&page=3").await;
    assert_eq!(third.len(), 10);
    assert_eq!(search(&app, &b, "q=side&per=50").await.len(), 50);
    let (status, html) = app.page(&format!("{EXPLORER}?per=33"), Some(&b)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("`per`"), "{html}");
    let (status, _) = app.page(&format!("{EXPLORER}?page=0"), Some(&b)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_query_that_does_not_parse_shows_the_column() {
    let app = TestApp::new().await;
    let b = app.browser_as(Role::Viewer).await;
    let (status, html) = app.page(&format!("{EXPLORER}?q=klima+AND"), Some(&b)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("<form id=\"search\""),
        "the page, to fix it in: {html}"
    );
    assert!(html.contains("data-column=\"7\""), "{html}");
    assert!(html.contains("klima AND\n      ^</pre>"), "{html}");
    assert!(html.contains("aria-invalid=\"true\""));

    // Through htmx: the fragment (htmx swaps only successes) with the same message.
    let response = app
        .send(
            Request::get(format!("{EXPLORER}?q=%22open"))
                .header(COOKIE, &b.cookie)
                .header("hx-request", "true")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = body_text(response).await;
    assert!(!html.contains("<html"), "a fragment: {html}");
    assert!(html.contains("data-column=\"1\""), "{html}");

    let (status, html) = app
        .page(&format!("{EXPLORER}?from=yesterday"), Some(&b))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("`from`"), "{html}");
    let (status, html) = app.page(&format!("{EXPLORER}?brand=tesla"), Some(&b)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("fjordkraft"),
        "names the brands there are: {html}"
    );
}

#[tokio::test]
async fn htmx_gets_only_the_results() {
    let app = TestApp::new().await;
    let b = app.browser_as(Role::Viewer).await;
    let response = app
        .send(
            Request::get(format!("{EXPLORER}?brand=fjordkraft"))
                .header(COOKIE, &b.cookie)
                .header("hx-request", "true")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = body_text(response).await;
    assert!(!html.contains("<html") && !html.contains("form id=\"search\""));
    assert_eq!(listed(&html), seeded(&app, &[4, 5]).await);
}

#[tokio::test]
async fn the_item_page_shows_the_enrichment_and_the_thread() {
    let app = TestApp::new().await;
    let mut root = post("root", "Hvorfor er strømmen så dyr?", 60);
    root.enrichment.inquiry = true;
    let mut reply = post("reply", "Vi ser på saken", 50);
    reply.thread_id = Some("root".to_owned());
    reply.parent_id = Some("root".to_owned());
    let mut answer = post("answer", "Takk!", 40);
    answer.thread_id = Some("root".to_owned());
    answer.parent_id = Some("reply".to_owned());
    let alone = post("alone", "Helt alene", 30);
    app.store
        .put_items(&nordlys(), &[root, reply, answer, alone])
        .await
        .unwrap();
    let b = app.browser_as(Role::Viewer).await;
    let reply = stored(&app, &nordlys(), "reply").await;
    let (status, html) = app
        .page(&format!("/w/nordlys/items/{}", reply.id.0), Some(&b))
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("id=\"item-detail\""));
    assert!(html.contains("test-v0"), "the model: {html}");
    assert!(html.contains("rel=\"noopener noreferrer nofollow\""));
    assert!(html.contains("href=\"https://example.invalid/reply\""));
    assert!(html.contains("1\u{a0}234 følgere"), "{html}");
    let thread = html.split("id=\"thread\"").nth(1).unwrap();
    let order: Vec<usize> = ["Hvorfor er strømmen", "Vi ser på saken", "Takk!"]
        .iter()
        .map(|t| thread.find(t).unwrap_or_else(|| panic!("{t} in {thread}")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "oldest first");
    assert!(thread.contains(&format!(
        "<li class=\"item current\" data-item=\"{}\" aria-current=\"true\"",
        reply.id.0
    )));
    assert!(!thread.contains("Helt alene"));

    let alone = stored(&app, &nordlys(), "alone").await;
    let (_, html) = app
        .page(&format!("/w/nordlys/items/{}", alone.id.0), Some(&b))
        .await;
    assert!(html.contains("ikke del av en samtale"), "{html}");
}

#[tokio::test]
async fn an_item_of_another_workspace_is_not_found() {
    let app = TestApp::new().await;
    let other = Workspace {
        id: WorkspaceId("other".to_owned()),
        name: "Other".to_owned(),
        synthetic: true,
        brands: Vec::new(),
    };
    app.store.put_workspace(&other).await.unwrap();
    app.store
        .put_items(&other.id, &[post("secret", "Hemmelig", 10)])
        .await
        .unwrap();
    let secret = stored(&app, &other.id, "secret").await;
    let b = app.browser_as(Role::Viewer).await;
    for uri in [
        format!("/w/nordlys/items/{}", secret.id.0),
        "/w/nordlys/items/999999".to_owned(),
        "/w/nordlys/items/abc".to_owned(),
        "/w/nowhere/items/1".to_owned(),
    ] {
        let (status, html) = app.page(&uri, Some(&b)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(!html.contains("Hemmelig"), "{uri}");
    }
    // And the other workspace's items never show in this one's search.
    assert!(search(&app, &b, "q=hemmelig").await.is_empty());
}

async fn export(app: &TestApp, browser: &Browser, query: &str) -> (StatusCode, String, String) {
    let response = app
        .send(
            Request::get(format!("/w/nordlys/explorer/export.csv?{query}"))
                .header(COOKIE, &browser.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let status = response.status();
    let disposition = response
        .headers()
        .get(CONTENT_DISPOSITION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    if status == StatusCode::OK {
        assert_eq!(
            response.headers().get(CONTENT_TYPE).unwrap(),
            "text/csv; charset=utf-8"
        );
    }
    (status, disposition, body_text(response).await)
}

#[tokio::test]
async fn the_export_is_the_whole_result_as_safe_csv() {
    let app = TestApp::new().await;
    // More than a page of the explorer and more than one step of the export.
    let mut items: Vec<Item> = (0..1203)
        .map(|n| post(&format!("bulk{n}"), "mange innlegg", 300 + n))
        .collect();
    items[0].text = "=HYPERLINK(\"http://evil.example\",\"klikk\")".to_owned();
    items[1].author.name = Some("@SUM(1+1)".to_owned());
    items[2].text = "-2+3 og mange innlegg".to_owned();
    items[3].text = "Ærlig talt, «søt» økning på første linje\nog andre".to_owned();
    app.store.put_items(&nordlys(), &items).await.unwrap();
    app.store.flush().await.unwrap();
    let b = app.browser_as(Role::Viewer).await;

    let (status, disposition, csv) = export(&app, &b, "").await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert_eq!(
        disposition,
        "attachment; filename=\"omdomme-nordlys-2025-06-15.csv\""
    );
    assert!(csv.starts_with('\u{feff}'), "a BOM for Excel");
    let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "id",
            "published_at",
            "published_local",
            "source",
            "source_name",
            "author_handle",
            "author_name",
            "followers",
            "text",
            "url",
            "lang",
            "sentiment",
            "sentiment_score",
            "topics",
            "brands",
            "stakeholder",
            "inquiry",
            "likes",
            "shares",
            "replies",
            "views"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1203 + 5, "every item, not one page");
    let mut ids: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), rows.len(), "no item twice");
    let text = |needle: &str| {
        rows.iter()
            .find(|r| r[8].contains(needle) || r[6].contains(needle))
            .unwrap_or_else(|| panic!("{needle}"))
            .clone()
    };
    assert_eq!(
        &text("HYPERLINK")[8],
        "'=HYPERLINK(\"http://evil.example\",\"klikk\")"
    );
    assert_eq!(&text("SUM")[6], "'@SUM(1+1)");
    assert_eq!(&text("-2+3")[8], "'-2+3 og mange innlegg");
    let norwegian = text("Ærlig");
    assert_eq!(
        &norwegian[8],
        "Ærlig talt, «søt» økning på første linje\nog andre"
    );
    assert_eq!(&norwegian[7], "1234");
    let first = text("Nordlys Energi kutter");
    assert_eq!(&first[1], "2025-06-15T10:00:00Z");
    assert_eq!(&first[2], "2025-06-15 12:00:00", "Oslo summer time");
    assert_eq!(&first[11], "positive");
    assert_eq!(&first[12], "0.700");
    assert_eq!(&first[13], "climate");
    assert_eq!(&first[14], "nordlys");

    let audit = app
        .store
        .audit_log(&omdomme_store::AuditQuery {
            action_prefix: Some("explorer.export".to_owned()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1, "who took a copy is on record");
    assert_eq!(audit[0].entry.detail, "1208 items; ");

    // Filters and the query apply as in the explorer.
    let (_, _, csv) = export(&app, &b, "q=klima&sentiment=neutral").await;
    let rows = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .count();
    assert_eq!(rows, 1, "{csv}");
    let (_, _, csv) = export(&app, &b, "q=innlegg&order=oldest").await;
    assert_eq!(
        csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes())
            .records()
            .count(),
        1201,
        "all but the two whose text was replaced"
    );

    let (status, _, body) = export(&app, &b, "q=klima+AND").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("column 7"), "{body}");
}

#[tokio::test]
async fn hostile_content_is_shown_as_text_on_both_pages() {
    let app = TestApp::new().await;
    let script = "<script>alert(1)</script>";
    let img = "\"><img src=x onerror=alert(1)>";
    let style = "</style>";
    let mut ws = crate::support::workspace("Nordlys Energi (demo)");
    ws.brands.push(Brand {
        id: BrandId("evil".to_owned()),
        name: format!("{style}{script}"),
        role: BrandRole::Competitor,
        query: "evil".to_owned(),
    });
    app.store.put_workspace(&ws).await.unwrap();
    let mut hostile = post("hostile", &format!("farlig {img} {script} {style}"), 5);
    hostile.author.name = Some(script.to_owned());
    hostile.author.handle = format!("x{img}");
    hostile.title = Some(style.to_owned());
    hostile.url = Some("javascript:alert(1)".to_owned());
    hostile.source.name = img.to_owned();
    hostile.enrichment.brands = vec![BrandId("evil".to_owned())];
    app.store.put_items(&nordlys(), &[hostile]).await.unwrap();
    app.store.flush().await.unwrap();
    let b = app.browser_as(Role::Viewer).await;
    let id = stored(&app, &nordlys(), "hostile").await.id.0;
    for uri in [
        format!("{EXPLORER}?q=farlig"),
        format!("{EXPLORER}?q=farlig&brand=evil"),
        format!("/w/nordlys/items/{id}"),
    ] {
        let (status, html) = app.page(&uri, Some(&b)).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(html.contains("farlig"), "{uri}: {html}");
        for raw in [script, img, style, "<img", "javascript:"] {
            assert!(!html.contains(raw), "{uri} holds {raw:?} unescaped");
        }
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{uri}: shown as text"
        );
    }
}
