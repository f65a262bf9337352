//! `[store] url` (every command on PostgreSQL) and `omdomme bench pipeline`, against the
//! server `OMDOMME_TEST_POSTGRES_URL` names (skipped without it, except in CI).

use omdomme_core::WorkspaceId;
use omdomme_queue::testing::Nats;
use omdomme_store::{PostgresOptions, PostgresStore, Store};
use tokio_postgres::NoTls;

use crate::support::Scratch;

const URL_VARIABLE: &str = "OMDOMME_TEST_POSTGRES_URL";

/// A fresh database, dropped when this is.
pub struct TestDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl TestDatabase {
    /// `None` (the test skipped) when no server is named, except in CI.
    pub async fn create() -> Option<TestDatabase> {
        let Ok(admin_url) = std::env::var(URL_VARIABLE) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "{URL_VARIABLE} is not set: CI must run the PostgreSQL tests"
            );
            eprintln!("skipped: set {URL_VARIABLE} to run the PostgreSQL tests");
            return None;
        };
        let name = format!("omdomme_cli_{:016x}", rand::random::<u64>());
        let (client, connection) = tokio_postgres::connect(&admin_url, NoTls).await.unwrap();
        tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        let base = admin_url.rsplit_once('/').expect("a database in the url").0;
        let url = format!("{base}/{name}");
        Some(TestDatabase {
            admin_url,
            name,
            url,
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // A runtime of its own: drop may run inside the test's.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async {
                if let Ok((client, connection)) = tokio_postgres::connect(&admin_url, NoTls).await {
                    tokio::spawn(connection);
                    let _ = client
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                }
            });
        })
        .join();
    }
}

#[tokio::test]
async fn with_a_store_url_commands_use_postgresql_and_not_the_data_folder() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let scratch = Scratch::new();
    let output = scratch
        .command()
        .env("OMDOMME_STORE_URL", &database.url)
        .arg("stats")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(
        !scratch.data_dir().exists(),
        "the embedded store was opened too"
    );
    let store = PostgresStore::connect(&database.url, &PostgresOptions::default())
        .await
        .unwrap();
    let workspace = store
        .workspace(&WorkspaceId("test".to_owned()))
        .await
        .unwrap();
    assert!(
        workspace.is_some(),
        "the config's workspace is in PostgreSQL"
    );
}

#[test]
fn a_bad_store_url_is_refused_naming_the_key() {
    let scratch = Scratch::new();
    for (url, key) in [
        ("mysql://db/x", "store.url"),
        ("postgres://h:port/x", "store.url"),
    ] {
        let output = scratch
            .command()
            .env("OMDOMME_STORE_URL", url)
            .arg("stats")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success());
        assert!(stderr.contains(key), "{stderr}");
    }
}

#[tokio::test]
async fn bench_pipeline_stores_every_item_through_worker_processes() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let nats = Nats::start();
    let scratch = Scratch::bare();
    let output = scratch.run(&[
        "bench",
        "pipeline",
        "--workers",
        "2",
        "--store-url",
        &database.url,
        "--queue-url",
        &nats.url(),
        "--items",
        "300",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("pipeline: workers 2, ") && last.contains(" items/s, latency p50 "),
        "{last}"
    );
    assert!(last.ends_with(" ms"), "{last}");
    let store = PostgresStore::connect(&database.url, &PostgresOptions::default())
        .await
        .unwrap();
    assert_eq!(store.stats().await.unwrap().items, 300);
}

#[tokio::test]
async fn migrate_moves_the_embedded_store_and_both_answer_alike() {
    use omdomme_core::{Lang, SentimentLabel};
    use omdomme_store::{Bucket, Filters, SearchOrder, SearchRequest, SqliteStore, VolumeRequest};

    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let scratch = Scratch::bare();
    scratch.ok(&["demo", "--items", "3000", "--no-serve"]);
    let embedded_stats = scratch.stats();

    let stdout = scratch.ok(&["migrate", "--to", &database.url]);
    assert!(stdout.contains("items"), "{stdout}");
    assert!(stdout.contains("counts checked"), "{stdout}");
    let again = scratch.run(&["migrate", "--to", &database.url]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(!again.status.success());
    assert!(stderr.contains("already holds data (in "), "{stderr}");
    assert!(stderr.contains("items"), "{stderr}");

    let output = scratch
        .command()
        .env("OMDOMME_STORE_URL", &database.url)
        .args(["stats", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let migrated_stats: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(migrated_stats, embedded_stats);

    let embedded = SqliteStore::open(&scratch.data_dir()).unwrap();
    let migrated = PostgresStore::connect(&database.url, &PostgresOptions::default())
        .await
        .unwrap();
    let workspace = omdomme_demo::workspace().id;
    for filters in [
        Filters::default(),
        Filters {
            lang: Some(Lang::En),
            ..Filters::default()
        },
        Filters {
            sentiment: Some(SentimentLabel::Negative),
            brand: omdomme_demo::workspace()
                .brands
                .first()
                .map(|b| b.id.clone()),
            ..Filters::default()
        },
    ] {
        let search = SearchRequest {
            workspace: workspace.clone(),
            query: None,
            filters: filters.clone(),
            order: SearchOrder::Newest,
            offset: 0,
            limit: 50,
        };
        assert_eq!(
            migrated.search(&search).await.unwrap(),
            embedded.search(&search).await.unwrap(),
            "{filters:?}"
        );
        let volume = VolumeRequest {
            workspace: workspace.clone(),
            filters: filters.clone(),
            bucket: Bucket::Day,
            time_zone: "Europe/Oslo".into(),
        };
        assert_eq!(
            migrated.volume(&volume).await.unwrap(),
            embedded.volume(&volume).await.unwrap(),
            "{filters:?}"
        );
    }
    // The sequences moved past the copied ids: a new item gets a new one.
    let stored = embedded.stats().await.unwrap().items;
    let mut item = migrated
        .search(&SearchRequest {
            workspace: workspace.clone(),
            query: None,
            filters: Filters::default(),
            order: SearchOrder::Newest,
            offset: 0,
            limit: 1,
        })
        .await
        .unwrap()
        .items
        .remove(0)
        .item;
    item.external_id = "after-the-migration".into();
    migrated.put_items(&workspace, &[item]).await.unwrap();
    assert_eq!(migrated.stats().await.unwrap().items, stored + 1);
}
