//! Publishing exactly once across a crash: the real `omdomme serve` publishing a scheduled
//! post to a local Mastodon, killed (SIGKILL) at the worst moments and started again.

use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use jiff::Timestamp;
use omdomme_connectors::{Secret, SecretKey};
use omdomme_core::{Action, PostStatus, SourceKey, SourceKind, Topic, WorkspaceId};
use omdomme_store::{
    NewPost, Post, PostStep, SourceDefinition, SourceOrigin, SqliteStore, Store, StoryDraft,
};
use serde_json::{Value, json};

use crate::support::{Scratch, fixture};

const TEXT: &str = "Fra i dag går alle ferjene våre på strøm. Les mer: https://nordlys.no/ferjer";
const AUTHOR: &str = "ola@nordlys.no";
const REVIEWER: &str = "kari@nordlys.no";
/// When the post was due: in the past, so the server publishes it as soon as it starts.
const SCHEDULED_AT: &str = "2026-01-15T08:00:00Z";
/// How long a test waits for the server to do something before it gives up.
const PATIENCE: Duration = Duration::from_secs(90);

fn workspace() -> WorkspaceId {
    WorkspaceId("test".to_owned())
}

fn account() -> SourceKey {
    SourceKey::new(SourceKind::Mastodon, "nordlys")
}

fn scheduled_at() -> Timestamp {
    SCHEDULED_AT.parse().unwrap()
}

/// A Mastodon instance holding the statuses posted to it. While `hang` is set it takes a
/// post and never answers, as an instance does whose answer is lost.
#[derive(Clone, Default)]
struct Instance {
    statuses: Arc<Mutex<Vec<Value>>>,
    hang: Arc<Mutex<bool>>,
}

impl Instance {
    fn statuses(&self) -> Vec<Value> {
        self.statuses.lock().unwrap().clone()
    }

    fn router(&self) -> Router {
        Router::new()
            .route(
                "/api/v1/accounts/verify_credentials",
                get(|| async {
                    axum::Json(json!({"id": "7", "username": "nordlys", "acct": "nordlys"}))
                }),
            )
            .route(
                "/api/v1/accounts/7/statuses",
                get(|State(instance): State<Instance>| async move {
                    let mut newest_first = instance.statuses();
                    newest_first.reverse();
                    axum::Json(newest_first)
                }),
            )
            .route(
                "/api/v1/statuses",
                axum::routing::post(
                    |State(instance): State<Instance>,
                     headers: HeaderMap,
                     axum::Json(body): axum::Json<Value>| async move {
                        let status = instance.take(&body, &headers);
                        if *instance.hang.lock().unwrap() {
                            std::future::pending::<()>().await;
                        }
                        axum::Json(status)
                    },
                ),
            )
            .with_state(self.clone())
    }

    /// Keeps a posted status, shaped like the documentation's status entity.
    fn take(&self, body: &Value, headers: &HeaderMap) -> Value {
        let mut statuses = self.statuses.lock().unwrap();
        let mut status: Value = serde_json::from_str(
            &std::fs::read_to_string(fixture("mastodon/status_entity_example.json")).unwrap(),
        )
        .unwrap();
        let id = format!("{}", 113_000_000_000_000_000u64 + statuses.len() as u64 + 1);
        let text = body["status"].as_str().unwrap_or_default();
        status["id"] = json!(id);
        status["created_at"] = json!("2026-01-15T08:00:05.000Z");
        status["content"] = json!(format!("<p>{text}</p>"));
        status["url"] = json!(format!("http://mastodon.test/@nordlys/{id}"));
        status["reblog"] = Value::Null;
        status["idempotency_key"] = json!(
            headers
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
        );
        statuses.push(status.clone());
        status
    }
}

/// Serves the instance on a free loopback port; returns its address.
async fn serve_instance(instance: &Instance) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = instance.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}")
}

/// The data folder with a workspace, the Mastodon account at `instance` and its token
/// sealed with `key`, and a post written by one person, approved by another and scheduled
/// in the past. Returns the post.
async fn prepare(data_dir: &Path, instance: &str, key: &str) -> Post {
    let key = SecretKey::from_base64(key).unwrap();
    let store = SqliteStore::open(data_dir).unwrap();
    let ws = workspace();
    store
        .put_workspace(&omdomme_core::Workspace {
            id: ws.clone(),
            name: "Test AS".to_owned(),
            synthetic: false,
            brands: Vec::new(),
        })
        .await
        .unwrap();
    store
        .put_source(
            &ws,
            &SourceDefinition {
                key: account(),
                spec: json!({"kind": "mastodon", "name": "nordlys", "instance": instance, "hashtags": ["nordlys"]}),
                origin: SourceOrigin::Ui,
                enabled: true,
            },
            scheduled_at(),
        )
        .await
        .unwrap();
    let sealed = key.seal(
        &Secret::new("mastodon-token"),
        &omdomme::collector::credential_context(&ws, &account()),
    );
    store
        .put_source_credential(&ws, &account(), &sealed)
        .await
        .unwrap();
    let story = store
        .create_story(
            &ws,
            &StoryDraft {
                title: "Elektriske ferjer".to_owned(),
                topic: Topic::Climate,
                summary: "Alle ferjene går på strøm.".to_owned(),
                goal: None,
                owner: AUTHOR.to_owned(),
            },
            AUTHOR,
            scheduled_at(),
        )
        .await
        .unwrap();
    let mut post = store
        .create_post(
            &ws,
            &NewPost {
                story: story.id,
                channel: account(),
                text: TEXT.to_owned(),
                attachments: Vec::new(),
                planned_at: None,
            },
            AUTHOR,
            scheduled_at(),
        )
        .await
        .unwrap();
    for action in [
        Action::Submit {
            by: AUTHOR.to_owned(),
        },
        Action::Approve {
            by: REVIEWER.to_owned(),
        },
        Action::Schedule {
            by: REVIEWER.to_owned(),
            at: scheduled_at(),
        },
    ] {
        post = store
            .step_post(
                &ws,
                post.id,
                &PostStep {
                    action,
                    content: None,
                    comment: None,
                    expected_revision: post.revision,
                    at: scheduled_at(),
                },
            )
            .await
            .unwrap();
    }
    assert_eq!(post.workflow.status, PostStatus::Scheduled);
    post
}

/// `omdomme serve` on the scratch folder with `key`, its log in `log`.
fn serve(scratch: &Scratch, key: &str, log: &str) -> Child {
    scratch
        .command()
        .env("OMDOMME_SECRET_KEY", key)
        .args(["serve", "--no-collect", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(scratch.path(log)).unwrap())
        .spawn()
        .expect("start omdomme serve")
}

/// Waits until `done` holds, checking every few hundred milliseconds; panics with `what`
/// and the server's log after [`PATIENCE`].
async fn wait_for(scratch: &Scratch, log: &str, what: &str, mut done: impl FnMut() -> bool) {
    let mut waited = Duration::ZERO;
    while !done() {
        assert!(
            waited < PATIENCE,
            "{what} did not happen; the server's log:\n{}",
            std::fs::read_to_string(scratch.path(log)).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        waited += Duration::from_millis(200);
    }
}

/// The post's status and external id as the database has them, read beside the running
/// server (which holds the search index, so the store itself cannot be opened).
fn stored(data_dir: &Path, post: i64) -> (String, Option<String>) {
    let db = rusqlite::Connection::open(data_dir.join(omdomme_store::DATABASE_FILE)).unwrap();
    db.query_row(
        "SELECT status, external_id FROM posts WHERE id = ?1",
        [post],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .unwrap()
}

fn kill(mut server: Child) {
    // SIGKILL: no shutdown handler runs, as in a crash or an OOM kill.
    server.kill().unwrap();
    server.wait().unwrap();
}

/// Waits until the server has published the post; then checks that the instance holds it
/// once and the store points at that status.
async fn published_exactly_once(scratch: &Scratch, log: &str, instance: &Instance, post: i64) {
    let data_dir = scratch.data_dir();
    wait_for(scratch, log, "publishing the post", || {
        stored(&data_dir, post).0 == "published"
    })
    .await;
    let statuses = instance.statuses();
    assert_eq!(
        statuses.len(),
        1,
        "the instance got the post once: {statuses:#?}"
    );
    assert_eq!(statuses[0]["idempotency_key"], format!("post-{post}-v1"));
    let (_, external_id) = stored(&data_dir, post);
    assert_eq!(external_id.as_deref(), statuses[0]["id"].as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_after_the_platform_took_the_post_it_is_not_sent_again() {
    let scratch = Scratch::new();
    let instance = Instance::default();
    *instance.hang.lock().unwrap() = true;
    let base = serve_instance(&instance).await;
    let key = SecretKey::generate_base64();
    let post = prepare(&scratch.data_dir(), &base, &key).await;

    let first = serve(&scratch, &key, "first.log");
    wait_for(
        &scratch,
        "first.log",
        "the post reaching the instance",
        || !instance.statuses().is_empty(),
    )
    .await;
    kill(first);
    // The instance has the post; the store only knows that it was being sent.
    assert_eq!(
        stored(&scratch.data_dir(), post.id),
        ("scheduled".to_owned(), None)
    );

    *instance.hang.lock().unwrap() = false;
    let second = serve(&scratch, &key, "second.log");
    published_exactly_once(&scratch, "second.log", &instance, post.id).await;
    kill(second);

    let store = SqliteStore::open(&scratch.data_dir()).unwrap();
    let published = store.post(&workspace(), post.id).await.unwrap().unwrap();
    assert_eq!(published.workflow.status, PostStatus::Published);
    let url = published.published.unwrap().url;
    assert_eq!(
        url,
        instance.statuses()[0]["url"].as_str().map(str::to_owned)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_after_sending_began_but_before_the_platform_got_it_it_is_sent_once() {
    let scratch = Scratch::new();
    let instance = Instance::default();
    let base = serve_instance(&instance).await;
    let key = SecretKey::generate_base64();
    let post = prepare(&scratch.data_dir(), &base, &key).await;
    {
        // A server that marked the attempt and died before its request left.
        let store = SqliteStore::open(&scratch.data_dir()).unwrap();
        let earlier = store
            .begin_publish(
                &workspace(),
                post.id,
                &format!("post-{}-v{}", post.id, post.workflow.version),
                scheduled_at(),
            )
            .await
            .unwrap();
        assert!(earlier.is_none());
    }

    let server = serve(&scratch, &key, "server.log");
    published_exactly_once(&scratch, "server.log", &instance, post.id).await;
    kill(server);
}
