use omdomme_core::{
    Author, Engagement, Enrichment, Item, ItemKind, Lang, Query, SourceKey, SourceKind, Workspace,
    WorkspaceId,
};
use omdomme_store::{
    Filters, SearchOrder, SearchRequest, SourceDefinition, SourceOrigin, SqliteStore, Store,
    StoreError, conformance,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_store_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    conformance::run_all(&store).await;
}

#[tokio::test]
async fn the_suite_runs_on_a_current_thread_runtime_too() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    conformance::run_all(&store).await;
}

fn post(i: usize, text: &str) -> Item {
    let at: jiff::Timestamp = "2024-05-01T12:00:00Z".parse().unwrap();
    Item {
        source: SourceKey::new(SourceKind::File, "import.jsonl"),
        external_id: format!("post-{i}"),
        kind: ItemKind::Post,
        author: Author {
            handle: format!("user{}", i % 100),
            ..Author::default()
        },
        title: None,
        text: text.to_owned(),
        url: None,
        thread_id: None,
        parent_id: None,
        engagement: Engagement::default(),
        published_at: at + jiff::SignedDuration::from_secs(i as i64),
        collected_at: at,
        declared_lang: None,
        enrichment: Enrichment {
            lang: Lang::Nb,
            model: "test".into(),
            ..Enrichment::default()
        },
        synthetic: false,
    }
}

fn find(workspace: &WorkspaceId, word: &str) -> SearchRequest {
    SearchRequest {
        workspace: workspace.clone(),
        query: Some(Query::Word {
            word: word.into(),
            prefix: false,
        }),
        filters: Filters::default(),
        order: SearchOrder::Newest,
        offset: 0,
        limit: 10,
    }
}

async fn workspace(store: &SqliteStore) -> WorkspaceId {
    let id = WorkspaceId("w".into());
    store
        .put_workspace(&Workspace {
            id: id.clone(),
            name: "W".into(),
            synthetic: false,
            brands: vec![],
        })
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn a_store_dropped_without_flush_catches_its_index_up_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let w = {
        let store = SqliteStore::open(dir.path()).unwrap();
        let w = workspace(&store).await;
        store
            .put_items(&w, &[post(1, "første melding")])
            .await
            .unwrap();
        store.flush().await.unwrap();
        let items: Vec<Item> = (2..500).map(|i| post(i, "uflushet melding")).collect();
        store.put_items(&w, &items).await.unwrap();
        // Changed after the last commit too: the catch-up must replace, not duplicate.
        store
            .put_items(&w, &[post(1, "første melding, endret")])
            .await
            .unwrap();
        w
        // Dropped like a killed process: the index never committed the rest.
    };
    let store = SqliteStore::open(dir.path()).unwrap();
    let page = store.search(&find(&w, "uflushet")).await.unwrap();
    assert_eq!(page.total, 498);
    let page = store.search(&find(&w, "endret")).await.unwrap();
    assert_eq!(page.total, 1);
    let page = store.search(&find(&w, "første")).await.unwrap();
    assert_eq!(
        page.total, 1,
        "the old version of post 1 is gone from the index"
    );
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.items, stats.indexed), (499, 499));
}

/// A failure in the middle of the transaction (here a trigger refusing the second item, as
/// a full disk or a crash would) leaves neither the first item nor the cursor behind.
#[tokio::test]
async fn a_batch_failing_midway_commits_neither_items_nor_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let w = workspace(&store).await;
    let source = SourceKey::new(SourceKind::File, "import.jsonl");
    let definition = SourceDefinition {
        key: source.clone(),
        spec: serde_json::json!({ "kind": "file" }),
        origin: SourceOrigin::Ui,
        enabled: true,
    };
    let at = "2025-01-01T00:00:00Z".parse().unwrap();
    store.put_source(&w, &definition, at).await.unwrap();
    store
        .put_items_at_cursor(&w, &[post(1, "først")], &source, Some("c1"))
        .await
        .unwrap();
    let conn = rusqlite::Connection::open(dir.path().join(omdomme_store::DATABASE_FILE)).unwrap();
    conn.execute_batch(
        "CREATE TRIGGER refuse_post_3 BEFORE INSERT ON items WHEN NEW.external_id = 'post-3' \
         BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END;",
    )
    .unwrap();
    let batch = [post(2, "andre"), post(3, "tredje")];
    let err = store
        .put_items_at_cursor(&w, &batch, &source, Some("c2"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("disk full"), "{err}");
    assert_eq!(
        store.source_cursor(&w, &source).await.unwrap().as_deref(),
        Some("c1")
    );
    let stored = store.items_after(&w, None, 10).await.unwrap().items;
    assert_eq!(stored.len(), 1, "post 2 was rolled back with the batch");

    conn.execute_batch("DROP TRIGGER refuse_post_3").unwrap();
    let report = store
        .put_items_at_cursor(&w, &batch, &source, Some("c2"))
        .await
        .unwrap();
    assert_eq!(report.new, 2);
    assert_eq!(
        store.source_cursor(&w, &source).await.unwrap().as_deref(),
        Some("c2")
    );
    store.flush().await.unwrap();
    assert_eq!(store.search(&find(&w, "andre")).await.unwrap().total, 1);
}

/// What takes a database from each schema version back to the one before; newest first.
const UNDO_SCHEMA: &[(i64, &str)] = &[
    (14, "DROP TABLE login_failures;"),
    (13, "DROP TABLE leases;"),
    (12, "DROP TABLE report_schedules; DROP TABLE report_sends;"),
    (
        11,
        "DROP TABLE alert_channels; DROP TABLE alert_settings; DROP TABLE alert_cursors; \
         DROP TABLE alerts; DROP TABLE alert_deliveries;",
    ),
    (
        10,
        "DROP TABLE strategies; DROP TABLE channel_roles; DROP TABLE audience_plans;",
    ),
    (
        9,
        "DROP TABLE brand_accounts; DROP TABLE openness_inquiries; DROP TABLE openness_daily; \
         DROP TABLE openness_response_daily; DROP TABLE openness_rebuild_pending;",
    ),
    (
        8,
        "DROP TABLE goals; DROP TABLE stories; DROP TABLE proof_points; DROP TABLE attachments; \
         DROP TABLE posts; DROP TABLE post_attachments; DROP TABLE post_comments; \
         DROP TABLE policies; DROP TABLE outbox; DROP INDEX audit_by_target;",
    ),
    (7, "DROP INDEX items_by_thread; DROP INDEX items_by_parent;"),
    (6, "DROP TABLE author_daily; DROP TABLE author_totals;"),
    (
        5,
        "DROP TABLE inbox_entries; DROP TABLE inbox_counts; DROP TABLE inbox_notes; \
         DROP TABLE inbox_replies; DROP TABLE inbox_saved_replies; DROP TABLE inbox_sla; \
         DROP TABLE inbox_backfill_pending;",
    ),
    (
        4,
        "DROP TABLE audit_log; ALTER TABLE users DROP COLUMN language;",
    ),
    (
        3,
        "ALTER TABLE sources DROP COLUMN spec; \
         ALTER TABLE sources DROP COLUMN origin; ALTER TABLE sources DROP COLUMN enabled; \
         ALTER TABLE sources DROP COLUMN cursor; ALTER TABLE sources DROP COLUMN health; \
         ALTER TABLE sources DROP COLUMN credential; ALTER TABLE sources DROP COLUMN created_at; \
         ALTER TABLE sources DROP COLUMN updated_at;",
    ),
    (2, "ALTER TABLE items DROP COLUMN brand_sentiment;"),
];

/// Takes the database of a closed store back to schema `version`, as an older Omdømme
/// left it.
fn downgrade(dir: &std::path::Path, version: i64) {
    let conn = rusqlite::Connection::open(dir.join(omdomme_store::DATABASE_FILE)).unwrap();
    for (from, sql) in UNDO_SCHEMA {
        if *from > version {
            conn.execute_batch(sql).unwrap();
        }
    }
    conn.pragma_update(None, "user_version", version).unwrap();
}

#[tokio::test]
async fn a_schema_2_database_gets_the_source_columns_and_keeps_its_sources() {
    let dir = tempfile::tempdir().unwrap();
    let w = {
        let store = SqliteStore::open(dir.path()).unwrap();
        let w = workspace(&store).await;
        store.put_items(&w, &[post(1, "hei")]).await.unwrap();
        w
    };
    downgrade(dir.path(), 2);
    let store = SqliteStore::open(dir.path()).unwrap();
    assert!(store.sources(&w).await.unwrap().is_empty());
    let report = store.put_items(&w, &[post(1, "hei")]).await.unwrap();
    assert_eq!(report.unchanged, 1, "the item keeps its source");
}

#[tokio::test]
async fn a_lost_index_is_rebuilt_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let w = {
        let store = SqliteStore::open(dir.path()).unwrap();
        let w = workspace(&store).await;
        store.put_items(&w, &[post(1, "hei")]).await.unwrap();
        store.flush().await.unwrap();
        w
    };
    std::fs::remove_dir_all(dir.path().join(omdomme_store::INDEX_DIR)).unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(store.search(&find(&w, "hei")).await.unwrap().total, 1);
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(SqliteStore::open(dir.path()).unwrap());
    let conn = rusqlite::Connection::open(dir.path().join(omdomme_store::DATABASE_FILE)).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let err = SqliteStore::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::DataDir(_)), "{err}");
    assert!(err.to_string().contains("999"), "{err}");
}

#[tokio::test]
async fn a_schema_1_database_is_migrated_with_its_items_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<Item> = (1..=3).map(|i| post(i, "før migreringen")).collect();
    let w = {
        let store = SqliteStore::open(dir.path()).unwrap();
        let w = workspace(&store).await;
        store.put_items(&w, &items).await.unwrap();
        w
    };
    // Back to schema 1: a database written before the sentiment per brand was stored.
    downgrade(dir.path(), 1);
    let store = SqliteStore::open(dir.path()).unwrap();
    let stored = store.items_after(&w, None, 10).await.unwrap().items;
    assert_eq!(
        stored.into_iter().map(|s| s.item).collect::<Vec<_>>(),
        items
    );
    let report = store.put_items(&w, &items).await.unwrap();
    assert_eq!(report.unchanged, 3, "{report:?}");
}

#[tokio::test]
async fn a_data_folder_in_use_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _open = SqliteStore::open(dir.path()).unwrap();
    let err = SqliteStore::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::DataDir(_)), "{err}");
}

/// Throughput of `put_items` for 5,000-item batches of ~200-byte posts. Timing only, never
/// asserted: `cargo test --release -p omdomme-store --test it -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn put_items_throughput() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let w = workspace(&store).await;
    let text = "Nordlys Energi satser på bærekraftige løsninger i nord, og kundene merker det \
                på strømregningen. #nordlys @nordlysenergi https://nordlys.no/klima er verdt \
                et besøk for alle som lurer på omstillingen.";
    let batches = 40;
    let size = 5_000;
    let all: Vec<Vec<Item>> = (0..batches)
        .map(|b| (0..size).map(|i| post(b * size + i, text)).collect())
        .collect();
    let started = std::time::Instant::now();
    for batch in &all {
        store.put_items(&w, batch).await.unwrap();
    }
    store.flush().await.unwrap();
    let elapsed = started.elapsed();
    let n = (batches * size) as f64;
    println!(
        "put_items + index: {n} items in {elapsed:?}: {:.0} items/s",
        n / elapsed.as_secs_f64()
    );
    let started = std::time::Instant::now();
    for batch in &all {
        store.put_items(&w, batch).await.unwrap();
    }
    let elapsed = started.elapsed();
    println!(
        "put_items unchanged: {:.0} items/s",
        n / elapsed.as_secs_f64()
    );
    let mut latencies = Vec::new();
    for word in [
        "nordlys",
        "bærekraft",
        "strømregningen",
        "omstilling",
        "kunde",
    ] {
        let started = std::time::Instant::now();
        let page = store.search(&find(&w, word)).await.unwrap();
        latencies.push((word, page.total, started.elapsed()));
    }
    println!("search: {latencies:?}");
}

#[tokio::test]
async fn inquiries_stored_before_the_inbox_get_their_entries_once() {
    let dir = tempfile::tempdir().unwrap();
    let w = WorkspaceId("inbox".to_owned());
    {
        let store = SqliteStore::open(dir.path()).unwrap();
        store
            .put_workspace(&Workspace {
                id: w.clone(),
                name: "Inbox".to_owned(),
                synthetic: false,
                brands: vec![omdomme_core::Brand {
                    id: omdomme_core::BrandId("nordlys".to_owned()),
                    name: "Nordlys".to_owned(),
                    role: omdomme_core::BrandRole::Own,
                    query: "nordlys".to_owned(),
                }],
            })
            .await
            .unwrap();
        let mut question = post(1, "nordlys?");
        question.enrichment.inquiry = true;
        question.enrichment.brands = vec![omdomme_core::BrandId("nordlys".to_owned())];
        store
            .put_items(&w, &[question, post(2, "hei")])
            .await
            .unwrap();
    }
    downgrade(dir.path(), 4);
    for _ in 0..2 {
        let store = SqliteStore::open(dir.path()).unwrap();
        let counts = store.inbox_counts(&w).await.unwrap();
        assert_eq!(counts.open(None), 1, "{counts:?}");
    }
}

#[tokio::test]
async fn a_schema_5_database_gets_author_rows_from_its_items() {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<Item> = (1..=5)
        .map(|i| {
            let mut item = post(i % 3, "om merkevaren");
            item.external_id = format!("post-{i}");
            item.author.followers = Some(100 * i as u64);
            item.engagement.likes = i as u64;
            item.enrichment.brands = vec![omdomme_core::BrandId("b".into())];
            item
        })
        .collect();
    let request = |w: &WorkspaceId| omdomme_store::TopAuthorsRequest {
        workspace: w.clone(),
        brand: omdomme_core::BrandId("b".into()),
        source: None,
        from: "2024-05-01T00:00:00Z".parse().unwrap(),
        to: "2024-05-02T00:00:00Z".parse().unwrap(),
        limit: 10,
    };
    let (w, written) = {
        let store = SqliteStore::open(dir.path()).unwrap();
        let w = workspace(&store).await;
        store.put_items(&w, &items).await.unwrap();
        let written = store.top_authors(&request(&w)).await.unwrap();
        (w, written)
    };
    assert_eq!(written.by_items.len(), 3, "{written:?}");
    // Back to schema 5: a database written before the author rows were kept.
    downgrade(dir.path(), 5);
    let store = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(store.top_authors(&request(&w)).await.unwrap(), written);
}

#[tokio::test]
async fn a_schema_7_database_gets_stories_and_keeps_its_audit_log() {
    use omdomme_core::Topic;
    use omdomme_store::{AuditEntry, AuditQuery, NewPost, StoryDraft};
    let dir = tempfile::tempdir().unwrap();
    let at: jiff::Timestamp = "2031-01-01T09:00:00Z".parse().unwrap();
    let w = {
        let store = SqliteStore::open(dir.path()).unwrap();
        let w = workspace(&store).await;
        store
            .append_audit(&AuditEntry {
                at,
                actor: "kari@nordlys.no".into(),
                workspace: Some(w.clone()),
                action: "brand.update".into(),
                target: "nordlys".into(),
                detail: String::new(),
            })
            .await
            .unwrap();
        w
    };
    downgrade(dir.path(), 7);
    let store = SqliteStore::open(dir.path()).unwrap();
    let story = store
        .create_story(
            &w,
            &StoryDraft {
                title: "Etter migreringen".into(),
                topic: Topic::Climate,
                summary: String::new(),
                goal: None,
                owner: "kari@nordlys.no".into(),
            },
            "kari@nordlys.no",
            at,
        )
        .await
        .unwrap();
    let post = store
        .create_post(
            &w,
            &NewPost {
                story: story.id,
                channel: SourceKey::new(SourceKind::Mastodon, "nordlys"),
                text: "Hei".into(),
                attachments: vec![],
                planned_at: None,
            },
            "kari@nordlys.no",
            at,
        )
        .await
        .unwrap();
    let log = |target: &str| {
        let query = AuditQuery {
            workspace: Some(w.clone()),
            target: Some(target.to_owned()),
            limit: 10,
            ..AuditQuery::default()
        };
        let store = store.clone();
        async move { store.audit_log(&query).await.unwrap() }
    };
    assert_eq!(log("nordlys").await.len(), 1, "the old entry is kept");
    let history = log(&format!("post:{}", post.id)).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].entry.action, "post.create");
}
