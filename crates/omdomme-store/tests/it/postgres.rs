//! The PostgreSQL store against a running server: `OMDOMME_TEST_POSTGRES_URL` names it
//! (`postgres://omdomme:omdomme@127.0.0.1:5432/postgres`, a role that may create
//! databases). Each test makes a database of its own with a random name and drops it
//! after. Without the variable the tests say why they skip, except in CI (`CI` set), where
//! a missing server is a failure.

use omdomme_core::openness::OpennessCounts;
use omdomme_core::{
    Author, Brand, BrandId, BrandRole, Engagement, Enrichment, Item, ItemKind, Lang, SourceKey,
    SourceKind, Topic, Workspace, WorkspaceId,
};
use omdomme_store::openness::{BrandAccount, OpennessRequest};
use omdomme_store::{PostgresOptions, PostgresStore, PutReport, Store, StoreError, conformance};
use tokio_postgres::NoTls;

const URL_VARIABLE: &str = "OMDOMME_TEST_POSTGRES_URL";

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
async fn the_postgres_store_passes_every_conformance_case() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let store = db.store().await;
    let mut failed = Vec::new();
    for case in conformance::CASES {
        let s = store.clone();
        // A case panics when it fails; each runs in a task so one failure does not hide
        // the rest.
        if tokio::spawn(async move { conformance::run_case(&s, case).await })
            .await
            .is_err()
        {
            failed.push(*case);
        }
    }
    assert!(
        failed.is_empty(),
        "conformance cases failing on PostgreSQL: {failed:?}"
    );
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
    // Numbered like the embedded store's, every one applied.
    assert_eq!(versions, (1..=14).collect::<Vec<i32>>());

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

/// Publishers in several processes beginning the same post's attempt at once: the post's
/// row lock makes them take turns, so exactly one begins a new attempt and every other is
/// shown it as already being sent (and must look at the platform before sending).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_publishers_begin_a_post_once() {
    use omdomme_core::{Action, Topic};
    use omdomme_store::{NewPost, OutboxState, PostStep, StoryDraft};
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let mut stores = Vec::new();
    for _ in 0..8 {
        stores.push(db.store().await);
    }
    let store = &stores[0];
    store.put_workspace(&workspace("w")).await.unwrap();
    let w = WorkspaceId("w".into());
    let at: jiff::Timestamp = "2031-07-01T10:00:00Z".parse().unwrap();
    let story = store
        .create_story(
            &w,
            &StoryDraft {
                title: "Utslipp".into(),
                topic: Topic::Climate,
                summary: String::new(),
                goal: None,
                owner: "leder@nordlys.no".into(),
            },
            "forfatter@nordlys.no",
            at,
        )
        .await
        .unwrap();
    let mut post = store
        .create_post(
            &w,
            &NewPost {
                story: story.id,
                channel: SourceKey::new(SourceKind::Mastodon, "nordlys"),
                text: "Vi kutter utslipp".into(),
                attachments: vec![],
                planned_at: None,
            },
            "forfatter@nordlys.no",
            at,
        )
        .await
        .unwrap();
    for action in [
        Action::Submit {
            by: "forfatter@nordlys.no".into(),
        },
        Action::Approve {
            by: "leder@nordlys.no".into(),
        },
        Action::Schedule {
            by: "forfatter@nordlys.no".into(),
            at,
        },
    ] {
        let step = PostStep {
            action,
            content: None,
            comment: None,
            expected_revision: post.revision,
            at,
        };
        post = store.step_post(&w, post.id, &step).await.unwrap();
    }
    let mut publishers = tokio::task::JoinSet::new();
    for store in &stores {
        let (store, w, id) = (store.clone(), w.clone(), post.id);
        publishers.spawn(async move { store.begin_publish(&w, id, "post-v1", at).await });
    }
    let earlier: Vec<_> = publishers
        .join_all()
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let new_attempts = earlier.iter().filter(|e| e.is_none()).count();
    assert_eq!(new_attempts, 1, "{earlier:?}");
    assert!(
        earlier
            .iter()
            .flatten()
            .all(|e| e.state == OutboxState::Sending && e.post == post.id),
        "{earlier:?}"
    );
    let rows: i64 = db
        .client()
        .await
        .query_one(
            "SELECT count(*) FROM outbox WHERE post_id = $1",
            &[&post.id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
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

/// Derived data is rebuilt from the items: the author rows with the rollups (not doubled),
/// and the search vectors (missing for items stored before 0007_explorer) by `reindex`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn author_rows_and_search_vectors_are_rebuilt_from_the_items() {
    use omdomme_core::Query;
    use omdomme_store::{Filters, SearchOrder, SearchRequest, TopAuthorsRequest};
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let store = db.store().await;
    store.put_workspace(&workspace("w")).await.unwrap();
    let w = WorkspaceId("w".into());
    let mut items = vec![
        post("a", "2024-05-01T10:00:00Z", Lang::Nb, "Nordlys bygger"),
        post("b", "2024-05-02T10:00:00Z", Lang::Nb, "Nordlys bygger mer"),
        post("c", "2024-05-02T11:00:00Z", Lang::Nb, "Nordlys svarer"),
    ];
    items[2].author.handle = "ola".into();
    store.put_items(&w, &items).await.unwrap();
    let top = TopAuthorsRequest {
        workspace: w.clone(),
        brand: BrandId("nordlys".into()),
        source: None,
        from: "2024-05-01T00:00:00Z".parse().unwrap(),
        to: "2024-06-01T00:00:00Z".parse().unwrap(),
        limit: 10,
    };
    let before = store.top_authors(&top).await.unwrap();
    let counts: Vec<(String, u64)> = before
        .by_items
        .iter()
        .map(|a| (a.handle.clone(), a.items))
        .collect();
    assert_eq!(counts, [("kari".to_owned(), 2), ("ola".to_owned(), 1)]);
    store.rebuild_rollups().await.unwrap();
    assert_eq!(store.top_authors(&top).await.unwrap(), before);

    let search = SearchRequest {
        workspace: w.clone(),
        query: Some(Query::parse("bygger").unwrap()),
        filters: Filters::default(),
        order: SearchOrder::Oldest,
        offset: 0,
        limit: 10,
    };
    assert_eq!(store.search(&search).await.unwrap().total, 2);
    let client = db.client().await;
    client
        .batch_execute("UPDATE items SET search = NULL")
        .await
        .unwrap();
    assert_eq!(store.search(&search).await.unwrap().total, 0);
    assert_eq!(store.reindex(&|_, _| {}).await.unwrap(), 3);
    assert_eq!(store.search(&search).await.unwrap().total, 2);
}

/// A top list whose candidates tie reads them page after page (keyset on the totals'
/// index) and keeps the best by engagement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_authors_read_candidates_past_the_first_page() {
    use omdomme_store::TopAuthorsRequest;
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let store = db.store().await;
    store.put_workspace(&workspace("w")).await.unwrap();
    let w = WorkspaceId("w".into());
    let items: Vec<Item> = (0..250u64)
        .map(|i| {
            let mut item = post(
                &format!("p{i}"),
                "2024-05-01T10:00:00Z",
                Lang::Nb,
                "Nordlys",
            );
            item.author.handle = format!("author{i:03}");
            item.engagement.likes = i;
            item
        })
        .collect();
    store.put_items(&w, &items).await.unwrap();
    let top = store
        .top_authors(&TopAuthorsRequest {
            workspace: w,
            brand: BrandId("nordlys".into()),
            source: None,
            from: "2024-05-01T00:00:00Z".parse().unwrap(),
            to: "2024-06-01T00:00:00Z".parse().unwrap(),
            limit: 100,
        })
        .await
        .unwrap();
    let handles: Vec<String> = top.by_items.iter().map(|a| a.handle.clone()).collect();
    let want: Vec<String> = (150..250).rev().map(|i| format!("author{i:03}")).collect();
    assert_eq!(handles, want);
}

/// `n` questions to the workspace's own brand, on RSS, published a minute apart from 12:00.
fn questions(n: usize) -> Vec<Item> {
    (0..n)
        .map(|i| {
            let mut item = post(
                &format!("q{i}"),
                &format!("2024-05-01T12:{i:02}:00Z"),
                Lang::Nb,
                "Når kommer strømmen tilbake, Nordlys?",
            );
            item.enrichment.inquiry = true;
            item
        })
        .collect()
}

async fn entries_by_status(client: &tokio_postgres::Client) -> Vec<(String, i64)> {
    client
        .query(
            "SELECT status, count(*) FROM inbox_entries GROUP BY status ORDER BY status",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

async fn counted_by_status(client: &tokio_postgres::Client) -> Vec<(String, i64)> {
    client
        .query(
            "SELECT status, sum(entries)::bigint FROM inbox_counts WHERE entries <> 0 \
             GROUP BY status ORDER BY status",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// A database whose items were stored before schema 5 (its tables dropped and the
/// migration unrecorded): the processes connecting next give the inquiries their entries,
/// once between them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inquiries_stored_before_the_inbox_get_their_entries_once() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let w = WorkspaceId("w".into());
    {
        let store = db.store().await;
        store.put_workspace(&workspace("w")).await.unwrap();
        let mut items = questions(3);
        items.push(post("chatter", "2024-05-01T13:00:00Z", Lang::Nb, "Hei"));
        store.put_items(&w, &items).await.unwrap();
    }
    let client = db.client().await;
    client
        .batch_execute(
            "DROP TABLE inbox_entries, inbox_counts, inbox_notes, inbox_replies, \
             inbox_saved_replies, inbox_sla, inbox_backfill_pending; \
             DELETE FROM schema_migrations WHERE version = 5",
        )
        .await
        .unwrap();
    let stores = futures_join(&db).await;
    let counts = stores[0].inbox_counts(&w).await.unwrap();
    assert_eq!(counts.open(None), 3, "{counts:?}");
    assert_eq!(entries_by_status(&client).await, [("new".to_owned(), 3)]);
    let pending: i64 = client
        .query_one("SELECT count(*) FROM inbox_backfill_pending", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(pending, 0);
}

/// Two processes changing the same entries at once: the counts stay those of the entries,
/// a reply key is recorded once, and each due entry is escalated once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_change_the_inbox_without_losing_counts_or_doubling_work() {
    use omdomme_store::inbox::{InboxChange, NewReply, SlaPolicy};
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let (first, second) = (db.store().await, db.store().await);
    first.put_workspace(&workspace("w")).await.unwrap();
    let w = WorkspaceId("w".into());
    let items = questions(20);
    // Both processes store the batch: one entry per item all the same.
    let (a, b) = tokio::join!(first.put_items(&w, &items), second.put_items(&w, &items));
    assert_eq!(a.unwrap().new + b.unwrap().new, 20);
    let client = db.client().await;
    assert_eq!(entries_by_status(&client).await, [("new".to_owned(), 20)]);
    let ids: Vec<omdomme_core::ItemId> = first
        .items_after(&w, None, 100)
        .await
        .unwrap()
        .items
        .iter()
        .map(|i| i.id)
        .collect();
    let now: jiff::Timestamp = "2024-05-01T13:00:00Z".parse().unwrap();

    // One assigns every entry while the other takes them away again.
    let change = |store: PostgresStore, assignee: Option<&'static str>| {
        let (w, ids) = (w.clone(), ids.clone());
        tokio::spawn(async move {
            for id in ids {
                let change = InboxChange::Assign(assignee.map(str::to_owned));
                store
                    .update_inbox_entry(&w, id, &change, now)
                    .await
                    .unwrap();
            }
        })
    };
    let (a, b) = tokio::join!(
        change(first.clone(), Some("ola@x.no")),
        change(second.clone(), None)
    );
    a.unwrap();
    b.unwrap();
    assert_eq!(
        counted_by_status(&client).await,
        entries_by_status(&client).await
    );

    // The same reply key from both: one records it, the other is told it exists.
    let reply = NewReply {
        key: "double-click".into(),
        text: "Snart!".into(),
        author: "ola@x.no".into(),
        at: now,
    };
    let (a, b) = tokio::join!(
        first.begin_inbox_reply(&w, ids[0], &reply),
        second.begin_inbox_reply(&w, ids[0], &reply)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.is_none() != b.is_none(), "{a:?} {b:?}");
    let thread = first.inbox_thread(&w, ids[0]).await.unwrap().unwrap();
    assert_eq!(thread.entry.reply_seq, 1);

    // Every entry is due for escalation; both processes escalate at once.
    first
        .put_sla_policy(
            &w,
            &SlaPolicy {
                escalate_after_mins: Some(10),
                escalate_to: Some("leder@x.no".into()),
                ..SlaPolicy::default_for(SourceKind::Rss)
            },
        )
        .await
        .unwrap();
    let (a, b) = tokio::join!(first.escalate_inbox(now), second.escalate_inbox(now));
    let mut escalated: Vec<i64> = a
        .unwrap()
        .into_iter()
        .chain(b.unwrap())
        .map(|e| e.entry)
        .collect();
    escalated.sort_unstable();
    escalated.dedup();
    assert_eq!(escalated.len(), 20);
    let audited: i64 = client
        .query_one(
            "SELECT count(*) FROM audit_log WHERE action = 'inbox.escalate'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(audited, 20);
    assert!(first.escalate_inbox(now).await.unwrap().is_empty());
    assert_eq!(
        counted_by_status(&client).await,
        entries_by_status(&client).await
    );
}

/// Emails match without case and free text keeps U+0000, which PostgreSQL's `text` cannot
/// hold as it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbox_texts_round_trip_and_emails_match_without_case() {
    use omdomme_store::inbox::{
        AssigneeFilter, InboxChange, InboxNote, InboxQuery, SavedReply, StatusFilter,
    };
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let store = db.store().await;
    store.put_workspace(&workspace("w")).await.unwrap();
    let w = WorkspaceId("w".into());
    store.put_items(&w, &questions(2)).await.unwrap();
    let ids: Vec<omdomme_core::ItemId> = store
        .items_after(&w, None, 10)
        .await
        .unwrap()
        .items
        .iter()
        .map(|i| i.id)
        .collect();
    let now: jiff::Timestamp = "2024-05-01T12:30:00Z".parse().unwrap();
    store
        .update_inbox_entry(
            &w,
            ids[1],
            &InboxChange::Assign(Some("Ola@X.no".into())),
            now,
        )
        .await
        .unwrap();
    let query = |assignee: AssigneeFilter, responder: Option<&str>| InboxQuery {
        workspace: w.clone(),
        status: StatusFilter::Open,
        channel: None,
        assignee: Some(assignee),
        responder: responder.map(str::to_owned),
        sla: None,
        from: None,
        to: None,
        now,
        after: None,
        limit: 10,
    };
    let page = store
        .inbox(&query(
            AssigneeFilter::Person("ola@x.NO".into()),
            Some("OLA@x.no"),
        ))
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 1);
    assert_eq!(page.rows[0].entry.assignee.as_deref(), Some("Ola@X.no"));
    let unassigned = store
        .inbox(&query(AssigneeFilter::Unassigned, None))
        .await
        .unwrap();
    assert_eq!(unassigned.rows.len(), 1);
    assert_eq!(unassigned.rows[0].item.id, ids[0]);

    let note = InboxNote {
        author: "ola@x.no".into(),
        at: now,
        text: "odd \0 note \u{E000}".into(),
    };
    store.add_inbox_note(&w, ids[1], &note).await.unwrap();
    let thread = store.inbox_thread(&w, ids[1]).await.unwrap().unwrap();
    assert_eq!(thread.notes, [note]);
    let saved = SavedReply {
        id: None,
        title: "Brudd\0".into(),
        text: "Vi jobber med saken.".into(),
        language: Lang::Nb,
    };
    let id = store.put_saved_reply(&w, &saved).await.unwrap();
    assert_eq!(
        store.saved_replies(&w).await.unwrap(),
        [SavedReply {
            id: Some(id),
            ..saved
        }]
    );
}

/// The inbox's queries can be answered from its indexes, as SQLite's are.
#[tokio::test]
async fn the_inbox_queue_is_read_from_its_indexes() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    drop(db.store().await);
    let client = db.client().await;
    client
        .batch_execute("SET enable_seqscan = off")
        .await
        .unwrap();
    for (query, index) in [
        (
            "SELECT id FROM inbox_entries WHERE workspace_id = 1 AND is_open \
             ORDER BY due_at, id LIMIT 50",
            "inbox_queue",
        ),
        (
            "SELECT id FROM inbox_entries WHERE workspace_id = 1 \
             AND lower(assignee) = lower('Ola@x.no') AND is_open ORDER BY due_at, id LIMIT 50",
            "inbox_by_assignee",
        ),
        (
            "SELECT id FROM inbox_entries WHERE escalate_at IS NOT NULL \
             AND escalated_at IS NULL AND first_response_at IS NULL \
             AND escalate_at <= now() AND is_open ORDER BY escalate_at LIMIT 1000",
            "inbox_escalation_due",
        ),
    ] {
        let plan: Vec<String> = client
            .query(&format!("EXPLAIN {query}"), &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert!(
            plan.iter().any(|line| line.contains(index)),
            "{index}: {plan:#?}"
        );
    }
}

/// Everything an inbox answer says, without the ids each store numbers its own way.
type Shown = Vec<String>;

fn shown(rows: &[omdomme_store::inbox::InboxRow]) -> Shown {
    rows.iter()
        .map(|r| {
            let e = &r.entry;
            format!(
                "{} {} {} {:?} {} {} {} {:?} {:?} {:?} {:?} {:?} {}",
                r.item.item.external_id,
                e.channel.as_str(),
                e.status.as_str(),
                e.assignee,
                e.arrived_at,
                e.response_due_at,
                e.resolution_due_at,
                e.first_response_at,
                e.first_responder,
                e.resolved_at,
                e.escalated_at,
                e.escalated_to,
                e.reply_seq
            )
        })
        .collect()
}

/// The same inbox work done in the embedded store and in PostgreSQL lists the same entries
/// under every filter, also those the conformance case does not try.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_answers_as_the_embedded_store_does() {
    use omdomme_store::inbox::{
        AssigneeFilter, InboxChange, InboxQuery, InboxStatus, NewReply, ReplyOutcome, SlaFilter,
        SlaPolicy, StatusFilter,
    };
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let embedded = omdomme_store::SqliteStore::open(dir.path()).unwrap();
    let server = db.store().await;
    let w = WorkspaceId("w".into());
    let mut items = questions(8);
    for item in &mut items[4..] {
        item.source = SourceKey::new(SourceKind::X, "x");
    }
    items[7].enrichment.brands.clear();
    let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
    let now = at("2024-05-01T12:40:00Z");
    let stores: [&dyn Store; 2] = [&embedded, &server];
    for store in stores {
        store.put_workspace(&workspace("w")).await.unwrap();
        store.put_items(&w, &items).await.unwrap();
        let id = |external: &str| {
            let store = &store;
            let w = &w;
            let external = external.to_owned();
            async move {
                store
                    .items_after(w, None, 100)
                    .await
                    .unwrap()
                    .items
                    .into_iter()
                    .find(|i| i.item.external_id == external)
                    .unwrap()
                    .id
            }
        };
        store
            .put_sla_policy(
                &w,
                &SlaPolicy {
                    channel: SourceKind::X,
                    first_response_mins: 15,
                    resolution_mins: 120,
                    escalate_after_mins: Some(10),
                    escalate_to: Some("leder@x.no".into()),
                },
            )
            .await
            .unwrap();
        let change = |item, change: InboxChange, at| {
            let (store, w) = (&store, &w);
            async move {
                store
                    .update_inbox_entry(w, item, &change, at)
                    .await
                    .unwrap()
            }
        };
        change(
            id("q1").await,
            InboxChange::Assign(Some("Ola@x.no".into())),
            at("2024-05-01T12:05:00Z"),
        )
        .await;
        change(
            id("q2").await,
            InboxChange::Status(InboxStatus::Waiting),
            at("2024-05-01T12:06:00Z"),
        )
        .await;
        for (external, outcome, when) in [
            ("q3", ReplyOutcome::Recorded, "2024-05-01T12:20:00Z"),
            ("q4", ReplyOutcome::Recorded, "2024-05-01T12:30:00Z"),
            (
                "q5",
                ReplyOutcome::Failed {
                    error: "nede".into(),
                },
                "2024-05-01T12:10:00Z",
            ),
            (
                "q6",
                ReplyOutcome::Sent {
                    external_id: "svar-1".into(),
                    url: None,
                },
                "2024-05-01T12:25:00Z",
            ),
        ] {
            let item = id(external).await;
            let reply = NewReply {
                key: format!("{external}-1"),
                text: "Snart!".into(),
                author: "kari@x.no".into(),
                at: at(when),
            };
            store.begin_inbox_reply(&w, item, &reply).await.unwrap();
            store
                .finish_inbox_reply(&w, item, &reply.key, &outcome, at(when))
                .await
                .unwrap();
        }
        change(
            id("q4").await,
            InboxChange::Status(InboxStatus::Closed),
            at("2024-05-01T12:35:00Z"),
        )
        .await;
        store.escalate_inbox(now).await.unwrap();
    }
    let mut statuses = vec![StatusFilter::Open, StatusFilter::All];
    statuses.extend(InboxStatus::ALL.map(StatusFilter::Only));
    let mut compared = 0;
    for status in statuses {
        for sla in std::iter::once(None).chain(SlaFilter::ALL.map(Some)) {
            for channel in [None, Some(SourceKind::X)] {
                for assignee in [
                    None,
                    Some(AssigneeFilter::Unassigned),
                    Some(AssigneeFilter::Person("ola@X.no".into())),
                ] {
                    let query = InboxQuery {
                        workspace: w.clone(),
                        status,
                        channel,
                        assignee,
                        responder: None,
                        sla,
                        from: None,
                        to: None,
                        now,
                        after: None,
                        limit: 3,
                    };
                    let mut answers = Vec::new();
                    for store in stores {
                        // Page by page, so the paging is compared too.
                        let mut all = Vec::new();
                        let mut query = query.clone();
                        loop {
                            let page = store
                                .inbox(&query)
                                .await
                                .unwrap_or_else(|e| panic!("{query:?}: {e}"));
                            all.extend(shown(&page.rows));
                            match page.next {
                                Some(next) => query.after = Some(next),
                                None => break,
                            }
                        }
                        answers.push(all);
                    }
                    assert_eq!(answers[0], answers[1], "{query:?}");
                    compared += usize::from(!answers[0].is_empty());
                }
            }
        }
    }
    assert!(compared > 20, "most filters find something: {compared}");
    for responder in ["KARI@x.no", "ola@x.no", "leder@x.no"] {
        let query = InboxQuery {
            workspace: w.clone(),
            status: StatusFilter::All,
            channel: None,
            assignee: None,
            responder: Some(responder.into()),
            sla: None,
            from: Some(at("2024-05-01T12:01:00Z")),
            to: Some(at("2024-05-01T12:06:00Z")),
            now,
            after: None,
            limit: 50,
        };
        let (a, b) = (
            embedded.inbox(&query).await.unwrap(),
            server.inbox(&query).await.unwrap(),
        );
        assert_eq!(shown(&a.rows), shown(&b.rows), "{responder}");
    }
    let (a, b) = (
        embedded.inbox_counts(&w).await.unwrap(),
        server.inbox_counts(&w).await.unwrap(),
    );
    assert_eq!(a.by_channel, b.by_channel);
    let (a, b) = (
        embedded.inbox_arrivals(&w, 0, 50).await.unwrap(),
        server.inbox_arrivals(&w, 0, 50).await.unwrap(),
    );
    assert_eq!((a.0, shown(&a.1)), (b.0, shown(&b.1)));
}

/// An inquiry about nordlys by kari, on a CSR topic or product.
fn inquiry(external_id: &str, at: &str, csr: bool) -> Item {
    let mut item = post(external_id, at, Lang::Nb, "Når svarer dere?");
    item.enrichment.inquiry = true;
    item.enrichment.topics = [if csr { Topic::Climate } else { Topic::Product }]
        .into_iter()
        .collect();
    item
}

/// nordlys's account answering `parent`.
fn answer(external_id: &str, at: &str, parent: &str) -> Item {
    let mut item = post(external_id, at, Lang::Nb, "Vi ser på saken");
    item.author.handle = "NordlysAS".into();
    item.parent_id = Some(parent.into());
    item.enrichment.brands = Vec::new();
    item
}

async fn nordlys_counts(store: &PostgresStore, w: &WorkspaceId) -> OpennessCounts {
    let brands = store
        .openness(&OpennessRequest {
            workspace: w.clone(),
            from: "2024-04-01T00:00:00Z".parse().unwrap(),
            to: "2024-07-01T00:00:00Z".parse().unwrap(),
        })
        .await
        .unwrap();
    brands.into_iter().next().unwrap().total
}

/// Two processes storing an inquiry and its answer at the same moment each see only their
/// own row until they commit; the answer must be found all the same, every time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inquiry_and_its_answer_stored_at_once_meet() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let first = db.store().await;
    let second = db.store().await;
    first.put_workspace(&workspace("w")).await.unwrap();
    let w = WorkspaceId("w".into());
    let nordlys = BrandId("nordlys".into());
    first
        .put_brand_accounts(
            &w,
            &nordlys,
            &[BrandAccount {
                brand: nordlys.clone(),
                kind: SourceKind::Rss,
                handle: "@nordlysas".into(),
            }],
        )
        .await
        .unwrap();
    const ROUNDS: u64 = 30;
    for round in 0..ROUNDS {
        let question = format!("q{round}");
        let asked = [inquiry(&question, "2024-05-01T10:00:00Z", round % 2 == 0)];
        let answered = [answer(
            &format!("r{round}"),
            "2024-05-01T10:20:00Z",
            &question,
        )];
        let (a, b) = tokio::join!(first.put_items(&w, &asked), second.put_items(&w, &answered));
        a.unwrap();
        b.unwrap();
    }
    let counts = nordlys_counts(&first, &w).await;
    assert_eq!(counts.inquiries, ROUNDS);
    assert_eq!(counts.answered, ROUNDS, "{counts:?}");
    assert_eq!(counts.csr_answered, ROUNDS / 2);
    assert_eq!(counts.own_replies, ROUNDS);
    // What the writes kept is what a count from scratch gives.
    first.rebuild_rollups().await.unwrap();
    assert_eq!(nordlys_counts(&second, &w).await, counts);
}

/// A database that held items before migration 0009 (as one migrated before the PostgreSQL
/// store counted openness would) gets their inquiries counted by the migration, as the
/// puts count them.
#[tokio::test]
async fn the_openness_migration_counts_the_items_stored_before_it() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let store = db.store().await;
    store.put_workspace(&workspace("w")).await.unwrap();
    let w = WorkspaceId("w".into());
    let mut again = inquiry("q1", "2024-05-01T10:00:00Z", true);
    again.source = SourceKey::new(SourceKind::Rss, "another feed");
    store
        .put_items(
            &w,
            &[
                inquiry("q1", "2024-05-01T10:00:00Z", true),
                // The same platform item through a second source counts once.
                again,
                inquiry("q2", "2024-05-01T23:59:00Z", false),
                inquiry("q3", "2024-06-03T00:00:00Z", false),
                post("plain", "2024-05-01T10:00:00Z", Lang::Nb, "Nordlys"),
            ],
        )
        .await
        .unwrap();
    let counted = nordlys_counts(&store, &w).await;
    assert_eq!(
        (counted.inquiries, counted.csr_inquiries),
        (3, 1),
        "{counted:?}"
    );
    drop(store);
    db.client()
        .await
        .batch_execute(
            "DROP TABLE brand_accounts, openness_inquiries, openness_daily, \
             openness_response_daily; DELETE FROM schema_migrations WHERE version = 9",
        )
        .await
        .unwrap();
    let store = db.store().await;
    assert_eq!(nordlys_counts(&store, &w).await, counted);
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
