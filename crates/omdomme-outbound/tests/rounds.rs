//! The publisher's and the engagement reader's rounds against a real store and a fake
//! platform that answers as each test tells it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use omdomme_connectors::{
    Channel, ConnectorError, ConnectorResult, ErrorKind, OutboundPost, Posted, SecretKey,
};
use omdomme_core::{
    Action, Engagement, PostStatus, SourceKey, SourceKind, Topic, Workspace, WorkspaceId,
};
use omdomme_outbound::engagement::collect_round;
use omdomme_outbound::publisher::outbox_key;
use omdomme_outbound::{ChannelDirectory, PublishSettings, Publisher, StoreChannels};
use omdomme_policy::{Policy, Rule, RuleKind, Severity};
use omdomme_store::{
    NewAttachment, NewPost, Post, PostStep, SourceDefinition, SourceOrigin, Store, StoredPolicy,
    StoryDraft,
};

const AUTHOR: &str = "ola@nordlys.no";
const REVIEWER: &str = "kari@nordlys.no";

fn at(minutes: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000).unwrap() + SignedDuration::from_mins(minutes)
}

fn workspace() -> WorkspaceId {
    WorkspaceId("nordlys".to_owned())
}

fn account() -> SourceKey {
    SourceKey::new(SourceKind::Mastodon, "nordlys")
}

/// A platform that answers `publish` from a script (then with new ids) and has, for
/// `find_published`, what the test put there.
#[derive(Default)]
struct FakePlatform {
    answers: Mutex<VecDeque<ConnectorResult<Posted>>>,
    published: Mutex<Vec<OutboundPost>>,
    has: Mutex<Option<Posted>>,
    searches: Mutex<Vec<Timestamp>>,
    engagement: Mutex<Option<ConnectorResult<Engagement>>>,
}

impl FakePlatform {
    fn answer(&self, answer: ConnectorResult<Posted>) {
        self.answers.lock().unwrap().push_back(answer);
    }

    fn published(&self) -> Vec<OutboundPost> {
        self.published.lock().unwrap().clone()
    }
}

fn posted(id: &str) -> Posted {
    Posted {
        external_id: id.to_owned(),
        url: Some(format!("https://social.example/@nordlys/{id}")),
    }
}

#[async_trait]
impl Channel for FakePlatform {
    fn kind(&self) -> SourceKind {
        SourceKind::Mastodon
    }

    fn max_length(&self) -> usize {
        500
    }

    async fn publish(&self, post: &OutboundPost) -> ConnectorResult<Posted> {
        let answer = self.answers.lock().unwrap().pop_front();
        let answer = answer.unwrap_or_else(|| {
            let n = self.published.lock().unwrap().len() + 1;
            Ok(posted(&format!("1100{n}")))
        });
        if answer.is_ok() {
            self.published.lock().unwrap().push(post.clone());
        }
        answer
    }

    async fn reply(&self, _to: &str, post: &OutboundPost) -> ConnectorResult<Posted> {
        self.publish(post).await
    }

    async fn engagement(&self, _external_id: &str) -> ConnectorResult<Engagement> {
        self.engagement
            .lock()
            .unwrap()
            .clone()
            .unwrap_or(Ok(Engagement::default()))
    }

    async fn find_published(
        &self,
        _post: &OutboundPost,
        since: Timestamp,
    ) -> ConnectorResult<Option<Posted>> {
        self.searches.lock().unwrap().push(since);
        Ok(self.has.lock().unwrap().clone())
    }
}

struct FakeDirectory(Arc<FakePlatform>);

#[async_trait]
impl ChannelDirectory for FakeDirectory {
    async fn channel(
        &self,
        _workspace: &WorkspaceId,
        _source: &SourceKey,
    ) -> ConnectorResult<Option<Arc<dyn Channel>>> {
        Ok(Some(self.0.clone()))
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    platform: Arc<FakePlatform>,
}

impl Setup {
    async fn new(synthetic: bool) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(omdomme_store::SqliteStore::open(dir.path()).unwrap());
        store
            .put_workspace(&Workspace {
                id: workspace(),
                name: "Nordlys".to_owned(),
                synthetic,
                brands: Vec::new(),
            })
            .await
            .unwrap();
        Setup {
            _dir: dir,
            store,
            platform: Arc::default(),
        }
    }

    fn publisher(&self, settings: PublishSettings, started_at: Timestamp) -> Publisher {
        Publisher::new(
            self.store.clone(),
            Arc::new(FakeDirectory(self.platform.clone())),
            settings,
            started_at,
        )
    }

    /// A post written by one person, approved by another and scheduled at `at(0)`.
    async fn scheduled_post(&self, text: &str) -> Post {
        self.scheduled_post_with(text, Vec::new()).await
    }

    async fn scheduled_post_with(&self, text: &str, attachments: Vec<i64>) -> Post {
        let ws = workspace();
        let story = self
            .store
            .create_story(
                &ws,
                &StoryDraft {
                    title: "Elektriske ferjer".to_owned(),
                    topic: Topic::Climate,
                    summary: "Alle ferjene går på strøm fra 2026.".to_owned(),
                    goal: None,
                    owner: AUTHOR.to_owned(),
                },
                AUTHOR,
                at(-60),
            )
            .await
            .unwrap();
        let mut post = self
            .store
            .create_post(
                &ws,
                &NewPost {
                    story: story.id,
                    channel: account(),
                    text: text.to_owned(),
                    attachments,
                    planned_at: None,
                },
                AUTHOR,
                at(-60),
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
                at: at(0),
            },
        ] {
            post = self.step(&post, action).await;
        }
        assert_eq!(post.workflow.status, PostStatus::Scheduled);
        post
    }

    async fn step(&self, post: &Post, action: Action) -> Post {
        self.store
            .step_post(
                &workspace(),
                post.id,
                &PostStep {
                    action,
                    content: None,
                    comment: None,
                    expected_revision: post.revision,
                    at: at(-30),
                },
            )
            .await
            .unwrap()
    }

    async fn post(&self, id: i64) -> Post {
        self.store.post(&workspace(), id).await.unwrap().unwrap()
    }
}

fn unavailable(message: &str) -> ConnectorError {
    ConnectorError::new(ErrorKind::Unavailable, message)
}

const TEXT: &str = "Fra i dag går alle ferjene våre på strøm. https://nordlys.no/ferjer";

#[tokio::test]
async fn a_due_post_is_published_once() {
    let setup = Setup::new(false).await;
    let post = setup.scheduled_post(TEXT).await;
    let publisher = setup.publisher(PublishSettings::default(), at(0));

    // Not before its time.
    let early = publisher.publish_round(at(-1)).await.unwrap();
    assert_eq!(early.sent, 0);
    assert!(setup.platform.published().is_empty());

    let report = publisher.publish_round(at(1)).await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    let sent = setup.platform.published();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].text, TEXT);
    assert_eq!(sent[0].idempotency_key, format!("post-{}-v1", post.id));
    assert!(
        setup.platform.searches.lock().unwrap().is_empty(),
        "a first attempt has nothing to look for"
    );

    let stored = setup.post(post.id).await;
    assert_eq!(stored.workflow.status, PostStatus::Published);
    let published = stored.published.unwrap();
    assert_eq!(published.external_id, "11001");
    assert!(
        published.at >= at(1) && published.at < at(2),
        "published when the platform answered: {}",
        published.at
    );

    let again = publisher.publish_round(at(60)).await.unwrap();
    assert_eq!(again.sent, 0, "a published post is not due again");
    assert_eq!(setup.platform.published().len(), 1);
}

#[tokio::test]
async fn images_go_out_with_their_bytes_and_alt_text() {
    let setup = Setup::new(false).await;
    let image = setup
        .store
        .put_attachment(
            &workspace(),
            &NewAttachment {
                filename: "ferje.png".to_owned(),
                media_type: "image/png".to_owned(),
                alt_text: "Den elektriske ferja ved kaia i Bodø".to_owned(),
                bytes: b"\x89PNG ferje".to_vec(),
            },
            AUTHOR,
            at(-90),
        )
        .await
        .unwrap();
    setup.scheduled_post_with(TEXT, vec![image.id]).await;
    let publisher = setup.publisher(PublishSettings::default(), at(0));
    assert_eq!(publisher.publish_round(at(1)).await.unwrap().sent, 1);
    let sent = setup.platform.published();
    assert_eq!(
        sent[0].attachments,
        vec![omdomme_connectors::Attachment {
            bytes: b"\x89PNG ferje".to_vec(),
            media_type: "image/png".to_owned(),
            alt_text: "Den elektriske ferja ved kaia i Bodø".to_owned(),
        }]
    );
}

#[tokio::test]
async fn a_failed_attempt_is_retried_later_after_looking_on_the_platform() {
    let setup = Setup::new(false).await;
    let post = setup.scheduled_post(TEXT).await;
    setup.platform.answer(Err(unavailable(
        "social.example answered 503 (gave up after 5 attempts)",
    )));
    let publisher = setup.publisher(PublishSettings::default(), at(0));

    let first = publisher.publish_round(at(1)).await.unwrap();
    assert_eq!(first.retrying, 1, "{first:?}");
    let waiting = setup.post(post.id).await;
    assert_eq!(waiting.workflow.status, PostStatus::Scheduled);
    assert!(
        waiting
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("503"),
        "{:?}",
        waiting.last_error
    );

    // The backoff: not again at once, but within the first retry's doubled wait.
    let soon = publisher.publish_round(at(1)).await.unwrap();
    assert_eq!(soon, Default::default(), "the retry waits for its time");
    let later = publisher.publish_round(at(3)).await.unwrap();
    assert_eq!(later.sent, 1, "{later:?}");

    let searches = setup.platform.searches.lock().unwrap().clone();
    assert_eq!(
        searches.len(),
        1,
        "the platform is asked before sending again"
    );
    assert!(
        searches[0] <= at(0),
        "searched from before the first attempt"
    );
    assert_eq!(setup.platform.published().len(), 1);
    assert_eq!(
        setup.post(post.id).await.workflow.status,
        PostStatus::Published
    );
}

#[tokio::test]
async fn retries_run_out_into_a_failed_post_with_the_platforms_words() {
    let setup = Setup::new(false).await;
    let post = setup.scheduled_post(TEXT).await;
    for _ in 0..3 {
        setup.platform.answer(Err(unavailable(
            "the instance is down for maintenance (503)",
        )));
    }
    let settings = PublishSettings {
        max_attempts: 3,
        ..PublishSettings::default()
    };
    let publisher = setup.publisher(settings, at(0));
    let mut failed = 0;
    for minutes in [1, 10, 100, 1000] {
        failed += publisher.publish_round(at(minutes)).await.unwrap().failed;
    }
    assert_eq!(failed, 1);
    let stored = setup.post(post.id).await;
    assert_eq!(stored.workflow.status, PostStatus::Failed);
    let error = stored.last_error.unwrap();
    assert!(
        error.contains("the instance is down for maintenance (503)")
            && error.contains("3 attempts"),
        "{error}"
    );
    assert!(setup.platform.published().is_empty());

    // Scheduled again, it gets a new round of attempts, the first after a look on the
    // platform (the last attempt may have reached it after all).
    let failed_post = setup.post(post.id).await;
    setup
        .step(
            &failed_post,
            Action::Schedule {
                by: REVIEWER.to_owned(),
                at: at(2000),
            },
        )
        .await;
    setup.platform.answer(Err(unavailable(
        "the instance is down for maintenance (503)",
    )));
    let searched = setup.platform.searches.lock().unwrap().len();
    let again = publisher.publish_round(at(2001)).await.unwrap();
    assert_eq!(again.retrying, 1, "{again:?}");
    assert_eq!(setup.platform.searches.lock().unwrap().len(), searched + 1);
}

#[tokio::test]
async fn a_refusal_waiting_cannot_fix_fails_at_once() {
    let setup = Setup::new(false).await;
    let post = setup.scheduled_post(TEXT).await;
    setup.platform.answer(Err(ConnectorError::new(
        ErrorKind::TokenExpired,
        "Mastodon refused the access token (401)",
    )));
    let publisher = setup.publisher(PublishSettings::default(), at(0));
    let report = publisher.publish_round(at(1)).await.unwrap();
    assert_eq!(report.failed, 1, "{report:?}");
    let stored = setup.post(post.id).await;
    assert_eq!(stored.workflow.status, PostStatus::Failed);
    assert_eq!(
        stored.last_error.as_deref(),
        Some("Mastodon refused the access token (401)")
    );
}

#[tokio::test]
async fn the_policy_is_checked_again_at_sending() {
    let setup = Setup::new(false).await;
    let post = setup
        .scheduled_post("Prosjekt Havørn er klart: snart går ferjene på strøm.")
        .await;
    // The policy changed after the approval.
    let policy = Policy {
        rules: vec![Rule {
            id: "confidential.codenames".to_owned(),
            severity: Severity::Block,
            enabled: true,
            kind: RuleKind::ConfidentialTerms {
                terms: vec!["Prosjekt Havørn".to_owned()],
            },
        }],
    };
    setup
        .store
        .put_policy(
            &workspace(),
            &StoredPolicy {
                json: policy.to_json(),
                updated_by: "leder@nordlys.no".to_owned(),
                updated_at: at(-5),
            },
        )
        .await
        .unwrap();
    let publisher = setup.publisher(PublishSettings::default(), at(0));
    let report = publisher.publish_round(at(1)).await.unwrap();
    assert_eq!(report.failed, 1, "{report:?}");
    assert!(setup.platform.published().is_empty());
    let stored = setup.post(post.id).await;
    assert_eq!(stored.workflow.status, PostStatus::Failed);
    let error = stored.last_error.unwrap();
    assert!(
        error.starts_with("policy: confidential.codenames") && error.contains("Havørn"),
        "{error}"
    );
}

#[tokio::test]
async fn an_attempt_whose_fate_is_unknown_is_found_on_the_platform_not_sent_again() {
    let setup = Setup::new(false).await;
    let post = setup.scheduled_post(TEXT).await;
    // A publisher began sending at 1 and died.
    let earlier = setup
        .store
        .begin_publish(&workspace(), post.id, &outbox_key(&post), at(1))
        .await
        .unwrap();
    assert!(earlier.is_none());
    *setup.platform.has.lock().unwrap() = Some(posted("109876"));

    // Restarted at 3: well within the time another publisher's attempt could last, but
    // that one began before this process did, so it is not ours in flight.
    let publisher = setup.publisher(PublishSettings::default(), at(3));
    let report = publisher.publish_round(at(3)).await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    assert!(
        setup.platform.published().is_empty(),
        "not sent a second time"
    );
    let stored = setup.post(post.id).await;
    assert_eq!(stored.workflow.status, PostStatus::Published);
    assert_eq!(stored.published.unwrap().external_id, "109876");
}

#[tokio::test]
async fn an_attempt_whose_fate_is_unknown_and_that_never_arrived_is_sent_once() {
    let setup = Setup::new(false).await;
    let post = setup.scheduled_post(TEXT).await;
    setup
        .store
        .begin_publish(&workspace(), post.id, &outbox_key(&post), at(1))
        .await
        .unwrap();

    // A publisher running since before the attempt leaves it alone until it is stale.
    let running = setup.publisher(PublishSettings::default(), at(0));
    assert_eq!(
        running.publish_round(at(3)).await.unwrap(),
        Default::default()
    );

    let restarted = setup.publisher(PublishSettings::default(), at(3));
    let report = restarted.publish_round(at(3)).await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    assert_eq!(setup.platform.searches.lock().unwrap().len(), 1);
    assert_eq!(setup.platform.published().len(), 1);
}

#[tokio::test]
async fn a_post_of_the_demo_is_recorded_not_sent() {
    let setup = Setup::new(true).await;
    let post = setup.scheduled_post(TEXT).await;
    // Even with a real-looking source defined in the demo's workspace.
    setup
        .store
        .put_source(
            &workspace(),
            &SourceDefinition {
                key: account(),
                spec: serde_json::json!({"kind": "mastodon", "name": "nordlys", "instance": "https://social.example", "hashtags": ["nordlys"]}),
                origin: SourceOrigin::Ui,
                enabled: true,
            },
            at(-60),
        )
        .await
        .unwrap();
    let channels = StoreChannels::new(setup.store.clone(), None, Arc::new(|| at(0))).unwrap();
    let publisher = Publisher::new(
        setup.store.clone(),
        Arc::new(channels),
        PublishSettings::default(),
        at(0),
    );
    let report = publisher.publish_round(at(1)).await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    let stored = setup.post(post.id).await;
    assert_eq!(stored.workflow.status, PostStatus::Published);
    assert_eq!(
        stored.published.unwrap().external_id,
        format!("recorded:post-{}-v1", post.id)
    );
}

#[tokio::test]
async fn a_source_without_its_credential_fails_the_post_saying_what_to_do() {
    let setup = Setup::new(false).await;
    let post = setup.scheduled_post(TEXT).await;
    setup
        .store
        .put_source(
            &workspace(),
            &SourceDefinition {
                key: account(),
                spec: serde_json::json!({"kind": "mastodon", "name": "nordlys", "instance": "http://127.0.0.1:9", "hashtags": ["nordlys"]}),
                origin: SourceOrigin::Ui,
                enabled: true,
            },
            at(-60),
        )
        .await
        .unwrap();
    let key = SecretKey::from_base64(&SecretKey::generate_base64()).unwrap();
    let channels = StoreChannels::new(setup.store.clone(), Some(key), Arc::new(|| at(0))).unwrap();
    let publisher = Publisher::new(
        setup.store.clone(),
        Arc::new(channels),
        PublishSettings::default(),
        at(0),
    );
    let report = publisher.publish_round(at(1)).await.unwrap();
    assert_eq!(report.failed, 1, "{report:?}");
    let error = setup.post(post.id).await.last_error.unwrap();
    assert!(
        error.contains("access token") && error.contains("omdomme sources credential set"),
        "{error}"
    );
}

#[tokio::test]
async fn engagement_is_read_back_and_no_post_holds_up_the_others() {
    let setup = Setup::new(false).await;
    let first = setup.scheduled_post(TEXT).await;
    let second = setup
        .scheduled_post("Ferjene sparer 4000 tonn CO2 i året.")
        .await;
    let publisher = setup.publisher(PublishSettings::default(), at(0));
    assert_eq!(publisher.publish_round(at(1)).await.unwrap().sent, 2);
    let directory = FakeDirectory(setup.platform.clone());

    let counts = Engagement {
        likes: 12,
        shares: 3,
        replies: 2,
        views: None,
    };
    *setup.platform.engagement.lock().unwrap() = Some(Ok(counts));
    let report = collect_round(setup.store.as_ref(), &directory, at(20))
        .await
        .unwrap();
    assert_eq!(report.read, 2, "{report:?}");
    for id in [first.id, second.id] {
        let (engagement, read_at) = setup.post(id).await.engagement.unwrap();
        assert_eq!(engagement, counts);
        assert_eq!(read_at, at(20));
    }

    // The platform stops answering: the posts keep their reading and are marked read, so
    // the next round within the quarter has nothing to do.
    *setup.platform.engagement.lock().unwrap() = Some(Err(unavailable("social.example is down")));
    let failing = collect_round(setup.store.as_ref(), &directory, at(40))
        .await
        .unwrap();
    assert_eq!(failing.failed, 2, "{failing:?}");
    assert_eq!(
        setup.post(first.id).await.engagement.unwrap(),
        (counts, at(40))
    );
    let quiet = collect_round(setup.store.as_ref(), &directory, at(41))
        .await
        .unwrap();
    assert_eq!(quiet, Default::default());
}

#[tokio::test]
async fn a_recorded_post_is_marked_read_without_asking_anyone() {
    let setup = Setup::new(true).await;
    let post = setup.scheduled_post(TEXT).await;
    let channels =
        Arc::new(StoreChannels::new(setup.store.clone(), None, Arc::new(|| at(0))).unwrap());
    let publisher = Publisher::new(
        setup.store.clone(),
        channels.clone(),
        PublishSettings::default(),
        at(0),
    );
    assert_eq!(publisher.publish_round(at(1)).await.unwrap().sent, 1);
    let report = collect_round(setup.store.as_ref(), channels.as_ref(), at(20))
        .await
        .unwrap();
    assert_eq!(report.recorded, 1, "{report:?}");
    assert_eq!(
        setup.post(post.id).await.engagement,
        Some((Engagement::default(), at(20)))
    );
    let again = collect_round(setup.store.as_ref(), channels.as_ref(), at(21))
        .await
        .unwrap();
    assert_eq!(again, Default::default());
}
