//! The report from a seeded store: the PDF's text holds the model's headline figures, its
//! fonts are embedded, and hostile brand names and quotes are escaped in the HTML.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up step should stop the test loudly

use std::process::Command;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use omdomme_core::{
    Author, Brand, BrandId, BrandRole, BrandSentiment, Engagement, Enrichment, Item, ItemKind,
    Lang, Sentiment, SentimentLabel, SourceKey, SourceKind, Topic, TopicSet, Workspace,
    WorkspaceId,
};
use omdomme_report::view::ReportView;
use omdomme_report::{Period, build};
use omdomme_store::{SqliteStore, Store, UiLanguage};

const HOSTILE: &str = "<script>alert(\"x\")</script> & Ørn";

fn workspace() -> Workspace {
    let brand = |id: &str, name: &str, role| Brand {
        id: BrandId(id.into()),
        name: name.into(),
        role,
        query: id.into(),
    };
    Workspace {
        id: WorkspaceId("acme".into()),
        name: "Acme".into(),
        synthetic: true,
        brands: vec![
            brand("nordlys", "Nordlys Energi", BrandRole::Own),
            brand("ornen", HOSTILE, BrandRole::Competitor),
        ],
    }
}

fn item(
    n: usize,
    brand: &str,
    text: &str,
    label: SentimentLabel,
    at: Timestamp,
    kind: SourceKind,
) -> Item {
    let sentiment = Sentiment { label, score: 0.0 };
    let mut topics = TopicSet::new();
    topics.insert(Topic::Product);
    Item {
        source: SourceKey::new(kind, "seed"),
        external_id: format!("{brand}-{n}"),
        kind: ItemKind::Post,
        author: Author {
            handle: format!("person{n}"),
            name: None,
            followers: Some(100),
            verified: false,
        },
        title: (kind == SourceKind::Rss).then(|| format!("Sak {n} om {text}")),
        text: text.into(),
        url: Some(format!("https://example.invalid/{n}")),
        thread_id: None,
        parent_id: None,
        engagement: Engagement {
            likes: n as u64,
            ..Engagement::default()
        },
        published_at: at,
        collected_at: at,
        declared_lang: None,
        enrichment: Enrichment {
            lang: Lang::Nb,
            sentiment,
            topics,
            brands: vec![BrandId(brand.into())],
            brand_sentiment: vec![BrandSentiment {
                brand: BrandId(brand.into()),
                sentiment,
            }],
            model: "test".into(),
            ..Enrichment::default()
        },
        synthetic: true,
    }
}

/// Week 47 of 2026 and the week before, with product feedback and one hostile quote.
async fn seeded() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let ws = workspace();
    store.put_workspace(&ws).await.unwrap();
    let start: Timestamp = "2026-11-09T08:00:00Z".parse().unwrap();
    let texts = [
        (
            "Fakturaen fra Nordlys Energi var feil, dobbelt trekk på fakturaen",
            SentimentLabel::Negative,
        ),
        (
            "Appen til Nordlys Energi er enkel og rask, god app",
            SentimentLabel::Positive,
        ),
        (
            "Kundeservice svarte ikke, lang telefonkø hos kundeservice",
            SentimentLabel::Negative,
        ),
        (
            "<b>Ørn</b> \"quote\" & <img src=x onerror=alert(1)> app",
            SentimentLabel::Neutral,
        ),
    ];
    let mut items = Vec::new();
    for n in 0..140 {
        let at = start
            .checked_add(jiff::SignedDuration::from_hours(n as i64 * 2))
            .unwrap();
        let (text, label) = texts[n % texts.len()];
        let kind = if n % 10 == 0 {
            SourceKind::Rss
        } else {
            SourceKind::Mastodon
        };
        items.push(item(n, "nordlys", text, label, at, kind));
        if n % 3 == 0 {
            items.push(item(
                n,
                "ornen",
                "Ørn har ny app",
                SentimentLabel::Positive,
                at,
                SourceKind::Mastodon,
            ));
        }
    }
    // A storm on Wednesday morning of week 47: thirty negative posts in an hour.
    let storm: Timestamp = "2026-11-18T07:00:00Z".parse().unwrap();
    for n in 0..30 {
        let at = storm
            .checked_add(jiff::SignedDuration::from_mins(n * 2))
            .unwrap();
        items.push(item(
            1000 + n as usize,
            "nordlys",
            "Skandale hos Nordlys Energi",
            SentimentLabel::Negative,
            at,
            SourceKind::Mastodon,
        ));
    }
    store.put_items(&ws.id, &items).await.unwrap();
    store.flush().await.unwrap();
    (dir, store)
}

fn oslo() -> TimeZone {
    TimeZone::get("Europe/Oslo").unwrap()
}

fn now() -> Timestamp {
    "2026-11-25T09:00:00Z".parse().unwrap()
}

fn pdf_text(pdf: &[u8], dir: &std::path::Path) -> String {
    let path = dir.join("report.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success());
    normalise(&String::from_utf8(out.stdout).unwrap())
}

fn normalise(text: &str) -> String {
    text.replace('\u{a0}', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn the_pdf_says_the_models_headline_figures_with_its_fonts_embedded() {
    let (dir, store) = seeded().await;
    let period = Period::parse("2026-W47", now(), &oslo()).unwrap();
    let report = build(&store, &workspace(), &period, now(), "Europe/Oslo")
        .await
        .unwrap();
    assert!(report.own.mentions.now > 0, "the seeded week has mentions");
    assert!(report.own.mentions.before > 0, "and so has the week before");
    for language in [UiLanguage::Nb, UiLanguage::En] {
        let view = ReportView::new(&report, language, &oslo());
        let pdf = omdomme_report::pdf::render(&view).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = pdf_text(&pdf, dir.path());
        assert!(text.contains(&normalise(&view.title)), "{text}");
        for kpi in &view.kpis {
            assert!(
                text.contains(&normalise(&kpi.value)),
                "{} = {} not in: {text}",
                kpi.label,
                kpi.value
            );
            assert!(
                text.contains(&normalise(&kpi.change)),
                "{} change {} not in: {text}",
                kpi.label,
                kpi.change
            );
        }
        for brand in &view.brands {
            assert!(
                text.contains(&normalise(&brand.name)),
                "{} not in: {text}",
                brand.name
            );
            assert!(text.contains(&normalise(&brand.share)), "{}", brand.share);
        }
        let fonts = Command::new("pdffonts")
            .arg(dir.path().join("report.pdf"))
            .output()
            .unwrap();
        let fonts = String::from_utf8(fonts.stdout).unwrap();
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{fonts}");
        for row in rows {
            assert!(
                row.contains("DejaVuSans"),
                "only the vendored fonts: {fonts}"
            );
            let columns: Vec<&str> = row.split_whitespace().collect();
            // name, type (one or two words), encoding, emb, sub, uni, object, id
            assert_eq!(columns[columns.len() - 5], "yes", "embedded: {fonts}");
        }
    }
    // The storm is the week's crisis, from its first post.
    assert_eq!(report.crises.len(), 1, "{:?}", report.crises);
    let crisis = &report.crises[0];
    assert_eq!(crisis.start.to_string(), "2026-11-18T07:00:00Z");
    assert!(crisis.hourly);
    assert_eq!(crisis.first_items[0].item.author.handle, "person1000");
    let view = ReportView::new(&report, UiLanguage::En, &oslo());
    let text = pdf_text(&omdomme_report::pdf::render(&view).unwrap(), dir.path());
    assert!(text.contains(&normalise(&view.crises[0].summary)), "{text}");
    // The headline: mentions of the own brand this week, as the model counted them.
    let view = ReportView::new(&report, UiLanguage::Nb, &oslo());
    assert_eq!(view.kpis[0].value, report.own.mentions.now.to_string());
}

#[tokio::test]
async fn hostile_brand_names_and_quotes_are_escaped_in_the_html() {
    let (_dir, store) = seeded().await;
    let period = Period::parse("2026-W47", now(), &oslo()).unwrap();
    let report = build(&store, &workspace(), &period, now(), "Europe/Oslo")
        .await
        .unwrap();
    let view = ReportView::new(&report, UiLanguage::En, &oslo());
    let html = omdomme_report::html::render(&view).unwrap();
    assert!(!html.contains("<script>alert"), "brand name unescaped");
    assert!(!html.contains("<img src=x"), "quote unescaped");
    assert!(!html.contains("<b>Ørn"), "quote unescaped");
    assert!(
        html.contains("&lt;script&gt;alert"),
        "the brand is shown, escaped"
    );
    // The PDF shows the same hostile text as text.
    let pdf = omdomme_report::pdf::render(&view).unwrap();
    let text = pdf_text(&pdf, _dir.path());
    assert!(text.contains(&normalise(HOSTILE)), "{text}");
}

#[tokio::test]
async fn goals_are_measured_honestly_and_the_index_and_maturity_are_in_the_pdf() {
    let (dir, store) = seeded().await;
    let ws = workspace();
    let goal = |name: &str, metric: &str, target: f64| omdomme_store::GoalDraft {
        name: name.into(),
        metric: metric.into(),
        target: Some(target),
        ..omdomme_store::GoalDraft::default()
    };
    for draft in [
        goal("Flere historier", "publiserte historier per måned", 2.0),
        goal("Omdømme", "omdømmescore", 70.0),
    ] {
        store.put_goal(&ws.id, None, &draft, now()).await.unwrap();
    }
    let month = Period::parse("2026-11", now(), &oslo()).unwrap();
    let report = build(&store, &ws, &month, now(), "Europe/Oslo")
        .await
        .unwrap();
    let actuals: Vec<_> = report
        .goal_actuals
        .iter()
        .map(|a| (a.goal.draft.name.as_str(), a.actual, a.met()))
        .collect();
    assert_eq!(
        actuals,
        vec![
            ("Flere historier", Ok(0.0), Some(false)),
            (
                "Omdømme",
                Err(omdomme_report::goals::NotMeasured::UnknownMetric),
                None
            ),
        ]
    );
    // A week cannot say how many stories a month brings.
    let week = Period::parse("2026-W47", now(), &oslo()).unwrap();
    let weekly = build(&store, &ws, &week, now(), "Europe/Oslo")
        .await
        .unwrap();
    assert_eq!(
        weekly.goal_actuals[0].actual,
        Err(omdomme_report::goals::NotMeasured::MonthlyOnly)
    );
    assert_eq!(report.index.len(), 2, "own brand and the competitor");
    assert_eq!(report.index[0].brand.id.0, "nordlys");
    assert_eq!(report.maturity.assessments.len(), 11);

    let view = ReportView::new(&report, UiLanguage::En, &oslo());
    let text = pdf_text(&omdomme_report::pdf::render(&view).unwrap(), dir.path());
    // Table cells come out of pdftotext column by column: look for each.
    assert_eq!(view.goals[0].actual, "0");
    assert_eq!(view.goals[0].status, "not reached");
    assert_eq!(view.goals[1].actual, "–");
    assert_eq!(view.goals[1].status, "not measurable yet");
    for words in ["Flere historier", "not reached", "not measurable yet"] {
        assert!(text.contains(words), "{words} not in: {text}");
    }
    assert!(text.contains(&normalise(view.t.index)), "{text}");
    // Without registered accounts and with few inquiries, no brand has an index: the
    // report says so rather than showing a number.
    assert_eq!(view.index.len(), 2);
    assert!(view.index.iter().all(|r| r.index == view.t.index_missing));
    assert!(text.contains(view.t.index_missing), "{text}");
    assert!(text.contains(&normalise(&view.maturity_summary)), "{text}");
    // No policy is stored, so the workspace stands at the first stage.
    assert!(
        view.maturity_summary
            .ends_with("of 11 in place. Next stage: Policy."),
        "{}",
        view.maturity_summary
    );
}
