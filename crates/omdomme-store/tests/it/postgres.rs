//! The PostgreSQL store against a running server: `OMDOMME_TEST_POSTGRES_URL` names it
//! (`postgres://omdomme:omdomme@127.0.0.1:5432/postgres`, a role that may create
//! databases). Each test makes a database of its own with a random name and drops it
//! after. Without the variable the tests say why they skip, except in CI (`CI` set), where
//! a missing server is a failure.

use std::collections::BTreeSet;

use omdomme_core::{
    Author, Brand, BrandId, BrandRole, Engagement, Enrichment, Item, ItemKind, Lang, SourceKey,
    SourceKind, Workspace, WorkspaceId,
};
use omdomme_store::{PostgresOptions, PostgresStore, PutReport, Store, StoreError, conformance};
use tokio_postgres::NoTls;

const URL_VARIABLE: &str = "OMDOMME_TEST_POSTGRES_URL";

/// The conformance cases the PostgreSQL store passes so far; the others are listed by the
/// test (and must fail: a case that starts passing belongs here).
const PASSING: &[&str] = &[
    "upsert_is_idempotent",
    "volume_is_cut_in_the_time_zone",
    "share_of_voice_counts_each_brand",
    "each_brand_counts_the_sentiment_towards_it",
    "rollups_follow_updates_and_rebuilds",
    "users_and_sessions",
    "audit_log_reads_newest_first_with_filters",
    "sources_are_defined_listed_and_deleted",
    "cursor_is_committed_only_with_its_batch",
    "health_and_sealed_credentials",
    "stats_add_up",
    "leases_are_held_by_one_holder_at_a_time",
    "report_schedules_send_each_period_once",
    "alerts_keep_channels_sealed_and_the_cursor_with_their_alerts",
];

/// A database of its own for one test, dropped (with its connections) when this is.
struct TestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// `None` (after saying why) when no server is named outside CI.
    async fn create() -> Option<TestDatabase> {
        let Ok(admin_url) = std::env::var(URL_VARIABLE) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "{URL_VARIABLE} is not set: CI must run the PostgreSQL tests (.ci/run starts \
                 the server and sets it)"
            );
            eprintln!("skipped: set {URL_VARIABLE} to run the PostgreSQL store's tests");
            return None;
        };
        let name = format!("omdomme_test_{:016x}", rand::random::<u64>());
        let (client, connection) = tokio_postgres::connect(&admin_url, NoTls)
            .await
            .unwrap_or_else(|e| panic!("connecting to {URL_VARIABLE} ({admin_url}): {e}"));
        tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        let url = with_database(&admin_url, &name);
        Some(TestDatabase {
            admin_url,
            name,
            url,
        })
    }

    async fn store(&self) -> PostgresStore {
        PostgresStore::connect(&self.url, &PostgresOptions::default())
            .await
            .unwrap()
    }

    async fn client(&self) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(&self.url, NoTls).await.unwrap();
        tokio::spawn(connection);
        client
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop cannot await; a thread with a runtime of its own can, whatever runtime the
        // test ran on.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let (client, connection) = tokio_postgres::connect(&admin_url, NoTls).await?;
                tokio::spawn(connection);
                client.batch_execute(&sql).await
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("dropping test database {}: {e}", self.name);
        }
    }
}

/// `url` with its database replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let base = match base.rsplit_once('/') {
        Some((server, _)) if server.contains("//") && server.len() > "postgres://".len() => server,
        _ => base.trim_end_matches('/'),
    };
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}

#[test]
fn a_url_gets_the_test_database() {
    assert_eq!(
        with_database("postgres://u:p@127.0.0.1:5432/postgres", "t1"),
        "postgres://u:p@127.0.0.1:5432/t1"
    );
    assert_eq!(
        with_database("postgres://u:p@localhost/postgres?sslmode=disable", "t1"),
        "postgres://u:p@localhost/t1?sslmode=disable"
    );
    assert_eq!(with_database("postgres://u@h", "t1"), "postgres://u@h/t1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_store_passes_the_conformance_cases_done_so_far() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let store = db.store().await;
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    for case in conformance::CASES {
        let s = store.clone();
        // A case panics when it fails; each runs in a task so one failure does not hide
        // the rest.
        match tokio::spawn(async move { conformance::run_case(&s, case).await }).await {
            Ok(()) => passed.push(*case),
            Err(_) => failed.push(*case),
        }
    }
    eprintln!("PostgreSQL conformance: passing {passed:?}");
    eprintln!("PostgreSQL conformance: not yet {failed:?}");
    let expected: BTreeSet<&str> = PASSING.iter().copied().collect();
    let got: BTreeSet<&str> = passed.iter().copied().collect();
    assert_eq!(got, expected, "the cases that pass changed: update PASSING");
}

fn workspace(id: &str) -> Workspace {
    Workspace {
        id: WorkspaceId(id.to_owned()),
        name: id.to_owned(),
        synthetic: true,
        brands: vec![Brand {
            id: BrandId("nordlys".into()),
            name: "Nordlys".into(),
            role: BrandRole::Own,
            query: "nordlys".into(),
        }],
    }
}

fn post(external_id: &str, at: &str, lang: Lang, text: &str) -> Item {
    Item {
        source: SourceKey::new(SourceKind::Rss, "nyheter"),
        external_id: external_id.to_owned(),
        kind: ItemKind::Article,
        author: Author {
            handle: "kari".into(),
            name: None,
            followers: Some(5),
            verified: false,
        },
        title: None,
        text: text.to_owned(),
        url: None,
        thread_id: None,
        parent_id: None,
        engagement: Engagement::default(),
        published_at: at.parse().unwrap(),
        collected_at: "2024-06-01T00:00:00Z".parse().unwrap(),
        declared_lang: None,
        enrichment: Enrichment {
            lang,
            brands: vec![BrandId("nordlys".into())],
            ..Enrichment::default()
        },
        synthetic: true,
    }
}

async fn partitions(client: &tokio_postgres::Client) -> Vec<String> {
    client
        .query(
            "SELECT c.relname::text FROM pg_inherits JOIN pg_class c ON c.oid = inhrelid \
             WHERE inhparent = 'items'::regclass ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test]
async fn migrations_run_once_however_many_processes_start_together() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let stores = futures_join(&db).await;
    assert_eq!(stores.len(), 3);
    let client = db.client().await;
    let versions: Vec<i32> = client
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    // Numbered like the embedded store's, with the gap PostgreSQL has not caught up on.
    assert_eq!(versions, [1, 2, 3, 4, 10, 11, 12, 13]);

    // A migration not recorded (as one filling a gap would be) is applied at the next
    // start, whatever its number.
    client
        .batch_execute("DROP TABLE leases; DELETE FROM schema_migrations WHERE version = 13")
        .await
        .unwrap();
    drop(db.store().await);
    let leases: i64 = client
        .query_one("SELECT count(*) FROM leases", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(leases, 0);
    let recorded: i64 = client
        .query_one(
            "SELECT count(*) FROM schema_migrations WHERE version = 13",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(recorded, 1);

    // A database from a newer binary is refused, not misread.
    client
        .execute(
            "INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')",
            &[],
        )
        .await
        .unwrap();
    let err = PostgresStore::connect(&db.url, &PostgresOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::DataDir(_)), "{err}");
    assert!(err.to_string().contains("99"), "{err}");
}

/// Three stores connecting at once, as three processes starting together would.
async fn futures_join(db: &TestDatabase) -> Vec<PostgresStore> {
    let (a, b, c) = tokio::join!(db.store(), db.store(), db.store());
    vec![a, b, c]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_go_to_their_month_and_follow_it() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let store = db.store().await;
    let client = db.client().await;
    store.put_workspace(&workspace("w")).await.unwrap();
    let w = WorkspaceId("w".into());
    let mut items = vec![
        post("a", "2024-01-31T23:30:00Z", Lang::Nb, "Bilene står stille"),
        post(
            "b",
            "2024-02-01T00:30:00Z",
            Lang::En,
            "The cars are running",
        ),
    ];
    store.put_items(&w, &items).await.unwrap();
    assert_eq!(
        partitions(&client).await,
        ["items_y2024m01", "items_y2024m02"]
    );

    // Published again a month later (an edit of the date): one item, in its new month.
    items[0].published_at = "2024-03-02T10:00:00Z".parse().unwrap();
    let report = store.put_items(&w, &items).await.unwrap();
    assert_eq!(
        report,
        PutReport {
            new: 0,
            updated: 1,
            unchanged: 1
        }
    );
    assert_eq!(
        partitions(&client).await,
        ["items_y2024m01", "items_y2024m02", "items_y2024m03"]
    );
    let in_month = |month: &'static str| {
        let client = &client;
        async move {
            let n: i64 = client
                .query_one(&format!("SELECT count(*) FROM {month}"), &[])
                .await
                .unwrap()
                .get(0);
            n
        }
    };
    assert_eq!(in_month("items_y2024m01").await, 0);
    assert_eq!(in_month("items_y2024m03").await, 1);
    let batch = store.items_after(&w, None, 10).await.unwrap();
    assert_eq!(batch.items.len(), 2);
    let a = batch
        .items
        .iter()
        .find(|s| s.item.external_id == "a")
        .unwrap();
    assert_eq!(store.item(a.id).await.unwrap().unwrap().item, items[0]);

    // The rollups moved with it: January is empty, March holds the item.
    let hours: Vec<i64> = client
        .query(
            "SELECT hour FROM rollup_hourly WHERE brand = '*' AND topic = '*' \
             AND source_kind = '*' ORDER BY hour",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let hour = |at: &str| at.parse::<jiff::Timestamp>().unwrap().as_second() / 3600;
    assert_eq!(
        hours,
        [hour("2024-02-01T00:30:00Z"), hour("2024-03-02T10:00:00Z")]
    );
}

#[tokio::test]
async fn full_text_is_stemmed_in_the_items_language() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let store = db.store().await;
    store.put_workspace(&workspace("w")).await.unwrap();
    let w = WorkspaceId("w".into());
    store
        .put_items(
            &w,
            &[
                post("nb", "2024-05-01T12:00:00Z", Lang::Nb, "Bilene står stille"),
                post(
                    "en",
                    "2024-05-01T12:00:00Z",
                    Lang::En,
                    "The cars are running",
                ),
            ],
        )
        .await
        .unwrap();
    let client = db.client().await;
    let matching = |config: &'static str, word: &'static str| {
        let client = &client;
        async move {
            client
                .query(
                    &format!(
                        "SELECT external_id FROM items \
                         WHERE search @@ to_tsquery('{config}', '{word}')"
                    ),
                    &[],
                )
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<_, String>(0))
                .collect::<Vec<_>>()
        }
    };
    // Norwegian stemming finds "bilene" from "bil", English "cars" from "car".
    assert_eq!(matching("norwegian", "bil").await, ["nb"]);
    assert_eq!(matching("english", "car").await, ["en"]);
    // Two rows are cheaper to scan than to look up: ask for the index to see it can serve.
    client
        .batch_execute("SET enable_seqscan = off")
        .await
        .unwrap();
    let plan: Vec<String> = client
        .query(
            "EXPLAIN SELECT id FROM items WHERE search @@ to_tsquery('norwegian', 'bil')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        plan.iter().any(|line| line.contains("Bitmap Index Scan")),
        "the GIN index can answer a search: {plan:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_putting_the_same_items_store_each_once() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let first = db.store().await;
    let second = db.store().await;
    first.put_workspace(&workspace("w")).await.unwrap();
    let w = WorkspaceId("w".into());
    let items: Vec<Item> = (0..200)
        .map(|i| {
            post(
                &format!("p{i}"),
                &format!("2024-05-{:02}T12:00:00Z", 1 + i % 28),
                Lang::Nb,
                "Nordlys svarer",
            )
        })
        .collect();
    let mut reversed = items.clone();
    reversed.reverse();
    let (a, b) = tokio::join!(first.put_items(&w, &items), second.put_items(&w, &reversed));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.new + b.new, 200, "{a:?} {b:?}");
    assert_eq!(a.unchanged + b.unchanged, 200, "{a:?} {b:?}");
    let stats = first.stats().await.unwrap();
    assert_eq!(stats.items, 200);
    let client = db.client().await;
    let counted: i64 = client
        .query_one(
            "SELECT sum(neutral)::bigint FROM rollup_hourly WHERE brand = '*' AND topic = '*' \
             AND source_kind = '*'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(counted, 200, "each item counts once in the rollups");
}

/// Twenty takers racing on one free lease, each through a store (and so a connection) of
/// its own as twenty processes would: exactly one gets it, then, once it has expired,
/// exactly one again, with the next token.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_takers_get_a_lease_once() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let mut stores = Vec::new();
    for _ in 0..20 {
        stores.push(db.store().await);
    }
    let ttl = jiff::SignedDuration::from_secs(30);
    let start: jiff::Timestamp = "2026-11-27T12:00:00Z".parse().unwrap();
    for (round, now) in [start, start + ttl].into_iter().enumerate() {
        let mut takers = tokio::task::JoinSet::new();
        for (i, store) in stores.iter().enumerate() {
            let (store, holder) = (store.clone(), format!("node-{round}-{i}"));
            takers.spawn(async move { store.try_lease("web/publisher", &holder, ttl, now).await });
        }
        let granted: Vec<_> = takers
            .join_all()
            .await
            .into_iter()
            .filter_map(Result::unwrap)
            .collect();
        assert_eq!(granted.len(), 1, "round {round}: {granted:?}");
        assert_eq!(granted[0].token, round as u64 + 1);
    }
}

/// `search`'s first slice: words in each item's language, prefixes, phrases, NOT, field
/// filters, paging with the exact total; words with quotes and tsquery operators are
/// only ever values.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_builds_its_tsquery_from_parameters() {
    use omdomme_core::Query;
    use omdomme_store::{Filters, SearchOrder, SearchRequest};
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let store = db.store().await;
    store.put_workspace(&workspace("w")).await.unwrap();
    let w = WorkspaceId("w".into());
    store
        .put_items(
            &w,
            &[
                post(
                    "nb",
                    "2024-05-01T10:00:00Z",
                    Lang::Nb,
                    "Bilene står stille i Bodø",
                ),
                post(
                    "en",
                    "2024-05-01T11:00:00Z",
                    Lang::En,
                    "The cars are running",
                ),
                post(
                    "nb2",
                    "2024-05-01T12:00:00Z",
                    Lang::Nb,
                    "En bil ble stjålet",
                ),
            ],
        )
        .await
        .unwrap();
    let search = |query: &str, order: SearchOrder, offset: usize, limit: usize| {
        let request = SearchRequest {
            workspace: w.clone(),
            query: Some(Query::parse(query).unwrap()),
            filters: Filters::default(),
            order,
            offset,
            limit,
        };
        let store = &store;
        async move {
            let page = store.search(&request).await.unwrap();
            let ids: Vec<String> = page.items.into_iter().map(|i| i.item.external_id).collect();
            (page.total, ids)
        }
    };
    let newest = SearchOrder::Newest;
    // Norwegian stemming for Norwegian items, English for English.
    assert_eq!(
        search("bil", newest, 0, 10).await,
        (2, vec!["nb2".into(), "nb".into()])
    );
    assert_eq!(search("car", newest, 0, 10).await, (1, vec!["en".into()]));
    assert_eq!(
        search("bi*", SearchOrder::Oldest, 0, 10).await.1,
        ["nb", "nb2"]
    );
    assert_eq!(search("\"står stille\"", newest, 0, 10).await.1, ["nb"]);
    assert_eq!(search("\"stille står\"", newest, 0, 10).await.0, 0);
    assert_eq!(search("bil -stjålet", newest, 0, 10).await.1, ["nb"]);
    assert_eq!(search("car OR bil", newest, 0, 10).await.0, 3);
    assert_eq!(search("lang:en", newest, 0, 10).await.1, ["en"]);
    // Paging keeps the exact total, also past the end.
    assert_eq!(
        search("car OR bil", newest, 1, 1).await,
        (3, vec!["en".into()])
    );
    assert_eq!(search("car OR bil", newest, 5, 1).await, (3, vec![]));
    // Quotes, backslashes and tsquery operators (which the parser never lets through,
    // but a Query may be built by hand) are values, not syntax.
    for odd in ["bil' | !car \\ &", "'); DROP TABLE items; --", "bil:*"] {
        for query in [
            Query::Word {
                word: odd.into(),
                prefix: true,
            },
            Query::Phrase(vec![odd.into(), "bil".into()]),
        ] {
            let request = SearchRequest {
                workspace: w.clone(),
                query: Some(query),
                filters: Filters::default(),
                order: SearchOrder::Relevance,
                offset: 0,
                limit: 10,
            };
            store.search(&request).await.unwrap();
        }
    }
    assert_eq!(search("bil", SearchOrder::Relevance, 0, 10).await.0, 2);
}

/// Twenty processes claiming one period's scheduled report at once: exactly one gets it;
/// once it failed long enough ago, twenty retries at once: exactly one again, the same row.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_senders_claim_a_report_period_once() {
    use omdomme_store::UiLanguage;
    use omdomme_store::report_schedule::NewReportSend;
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let mut stores = Vec::new();
    for _ in 0..20 {
        stores.push(db.store().await);
    }
    stores[0].put_workspace(&workspace("w")).await.unwrap();
    let w = WorkspaceId("w".into());
    let send = NewReportSend {
        period: "2031-W26".into(),
        scheduled: true,
        language: UiLanguage::Nb,
        recipients: vec!["styret@nordlys.no".into()],
        requested_by: "system".into(),
        at: "2031-06-30T05:00:00Z".parse().unwrap(),
        retry_failed_before: "2031-06-30T04:30:00Z".parse().unwrap(),
        max_attempts: 3,
    };
    let race = |send: NewReportSend| {
        let mut claims = tokio::task::JoinSet::new();
        for store in &stores {
            let (store, w, send) = (store.clone(), w.clone(), send.clone());
            claims.spawn(async move { store.begin_report_send(&w, &send).await });
        }
        async move {
            claims
                .join_all()
                .await
                .into_iter()
                .filter_map(Result::unwrap)
                .collect::<Vec<i64>>()
        }
    };
    let first = race(send.clone()).await;
    assert_eq!(first.len(), 1, "{first:?}");
    stores[0]
        .finish_report_send(
            &w,
            first[0],
            Err("SMTP down".into()),
            "2031-06-30T05:00:01Z".parse().unwrap(),
        )
        .await
        .unwrap();
    let retried = race(NewReportSend {
        at: "2031-06-30T06:00:00Z".parse().unwrap(),
        retry_failed_before: "2031-06-30T05:30:00Z".parse().unwrap(),
        ..send
    })
    .await;
    assert_eq!(retried, first);
    let sends = stores[0].report_sends(&w, 10).await.unwrap();
    assert_eq!(sends.len(), 1);
    assert_eq!(sends[0].attempts, 2);
}

/// Twenty processes recording alerts with cursors 1 to 20 at once: whatever the order, the
/// cursor ends at 20, and exactly the recordings that were not refused stored their alert.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_recorders_keep_alerts_with_their_cursor() {
    use omdomme_core::ItemId;
    use omdomme_store::{AlertQuery, NewAlert};
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let mut stores = Vec::new();
    for _ in 0..20 {
        stores.push(db.store().await);
    }
    stores[0].put_workspace(&workspace("w")).await.unwrap();
    let w = WorkspaceId("w".into());
    let at: jiff::Timestamp = "2031-07-20T10:15:00Z".parse().unwrap();
    let mut recorders = tokio::task::JoinSet::new();
    for (i, store) in stores.iter().enumerate() {
        let (store, w) = (store.clone(), w.clone());
        let cursor = ItemId(i as i64 + 1);
        let alert = NewAlert {
            brand: BrandId("nordlys".into()),
            topic: None,
            kind: "spike".into(),
            reason: serde_json::json!({ "recorder": i }),
            at,
            hour: "2031-07-20T10:00:00Z".parse().unwrap(),
            raised_at: at,
            evidence: vec![cursor],
            channels: vec!["vakt".into()],
        };
        recorders.spawn(async move { store.record_alerts(&w, &[alert], cursor).await });
    }
    let mut recorded = 0;
    for outcome in recorders.join_all().await {
        match outcome {
            Ok(ids) => recorded += ids.len(),
            Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert!(recorded >= 1);
    assert_eq!(stores[0].alert_cursor(&w).await.unwrap(), Some(ItemId(20)));
    let stored = stores[0]
        .alerts(&AlertQuery {
            workspace: w.clone(),
            before: None,
            limit: 100,
        })
        .await
        .unwrap();
    assert_eq!(stored.len(), recorded, "a refused recording stores nothing");
    assert_eq!(
        stores[0].pending_alert_deliveries(&w).await.unwrap().len(),
        recorded
    );
}
