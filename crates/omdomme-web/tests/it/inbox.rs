//! The inbox: entries made with the items, assignment, status, notes, replies through a
//! recording, a fake and a failing channel, SLA colours, escalation, the report with its
//! drill-downs, saved replies, roles and hostile content.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::http::StatusCode;
use jiff::SignedDuration;
use omdomme_connectors::{
    Channel, ConnectorError, ConnectorResult, ErrorKind, OutboundPost, Posted,
};
use omdomme_core::{
    Author, BrandId, Engagement, Enrichment, Item, ItemId, ItemKind, Lang, SourceKey, SourceKind,
    WorkspaceId,
};
use omdomme_store::{AuditQuery, InboxStatus, ReplyOutcome, Role, UiLanguage, UserRecord};
use omdomme_web::Clock;
use omdomme_web::pages::inbox::{ChannelDirectory, escalate_due};

use crate::support::{Browser, TestApp, body_text, now};

fn ws() -> WorkspaceId {
    WorkspaceId("nordlys".to_owned())
}

/// An inquiry about the own brand, written `minutes_ago` before the test's now.
fn inquiry(n: u32, kind: SourceKind, text: &str, minutes_ago: i64) -> Item {
    let published_at = now()
        .checked_sub(SignedDuration::from_mins(minutes_ago))
        .unwrap();
    Item {
        source: SourceKey::new(kind, "kundeservice"),
        external_id: format!("q-{n}"),
        kind: ItemKind::Post,
        author: Author {
            handle: format!("kunde{n}"),
            name: Some(format!("Kunde {n}")),
            followers: Some(5),
            verified: false,
        },
        title: None,
        text: text.to_owned(),
        url: Some(format!("https://example.invalid/q/{n}")),
        thread_id: None,
        parent_id: None,
        engagement: Engagement::default(),
        published_at,
        collected_at: published_at,
        declared_lang: Some("nb".to_owned()),
        enrichment: Enrichment {
            lang: Lang::Nb,
            brands: vec![BrandId("nordlys".to_owned())],
            inquiry: true,
            model: "test-v0".to_owned(),
            ..Enrichment::default()
        },
        synthetic: true,
    }
}

/// Stores `items` and returns the id of the first.
async fn store(app: &TestApp, items: &[Item]) -> i64 {
    app.store.put_items(&ws(), items).await.unwrap();
    let counts = app.store.inbox_counts(&ws()).await.unwrap();
    let (_, rows) = app.store.inbox_arrivals(&ws(), 0, 200).await.unwrap();
    assert!(counts.latest_id > 0, "no entry was made");
    let first = &items[0];
    rows.iter()
        .find(|r| r.item.item.external_id == first.external_id)
        .map(|r| r.item.id.0)
        .expect("the first item has an entry")
}

fn entry_uri(item: i64) -> String {
    format!("/w/nordlys/inbox/{item}")
}

async fn entry(app: &TestApp, item: i64) -> omdomme_store::InboxThread {
    app.store
        .inbox_thread(&ws(), ItemId(item))
        .await
        .unwrap()
        .unwrap()
}

/// The reply key the entry page of `item` carries.
fn reply_key(html: &str) -> String {
    let at = html.find("name=\"key\" value=\"").unwrap() + "name=\"key\" value=\"".len();
    html[at..].split('"').next().unwrap().to_owned()
}

async fn reply(app: &TestApp, b: &Browser, item: i64, text: &str) -> (StatusCode, String) {
    let (_, page) = app.page(&entry_uri(item), Some(b)).await;
    let key = reply_key(&page);
    let response = app
        .submit(
            &format!("{}/reply", entry_uri(item)),
            b,
            &[("text", text), ("key", &key)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    app.page(&entry_uri(item), Some(b)).await
}

#[tokio::test]
async fn an_inquiry_enters_the_inbox_as_new_once() {
    let app = TestApp::new().await;
    let b = app.browser_as(Role::Responder).await;
    let (status, html) = app.page("/w/nordlys/inbox", Some(&b)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Ingen henvendelser her"),
        "empty state: {html}"
    );

    let mut competitor_only = inquiry(2, SourceKind::X, "Hvorfor er Fjordkraft så dyre?", 5);
    competitor_only.enrichment.brands = vec![BrandId("fjordkraft".to_owned())];
    let mut not_a_question = inquiry(3, SourceKind::X, "Nordlys er grei", 5);
    not_a_question.enrichment.inquiry = false;
    let mut page_comment = inquiry(4, SourceKind::Facebook, "Når kommer regningen?", 5);
    page_comment.kind = ItemKind::Comment;
    page_comment.enrichment.brands = Vec::new();
    let question = inquiry(
        1,
        SourceKind::Mastodon,
        "Nordlys, når er strømmen tilbake?",
        5,
    );
    let id = store(
        &app,
        &[
            question.clone(),
            competitor_only,
            not_a_question,
            page_comment,
        ],
    )
    .await;
    let (_, html) = app.page("/w/nordlys/inbox", Some(&b)).await;
    assert!(
        html.contains("class=\"inbox-row\" data-status=\"new\""),
        "{html}"
    );
    assert!(html.contains(&format!(
        "class=\"inbox-link\" href=\"/w/nordlys/inbox/{id}\""
    )));
    assert!(html.contains("Kunde 1"));
    assert!(
        html.contains("Kunde 4"),
        "a comment on the own page belongs in the inbox"
    );
    assert!(
        !html.contains("Kunde 2") && !html.contains("Kunde 3"),
        "{html}"
    );

    // Stored again, changed or not: still one entry, still new after being assigned.
    let responder = app
        .store
        .user("responder@nordlys.no")
        .await
        .unwrap()
        .unwrap();
    let r = app
        .submit(
            &format!("{}/assign", entry_uri(id)),
            &b,
            &[("assignee", &responder.email)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mut again = question.clone();
    again.engagement.likes = 10;
    app.store
        .put_items(&ws(), &[question, again])
        .await
        .unwrap();
    app.store.rebuild_rollups().await.unwrap();
    let counts = app.store.inbox_counts(&ws()).await.unwrap();
    assert_eq!(counts.open(None), 2, "{counts:?}");
    assert_eq!(counts.count(None, Some(InboxStatus::Assigned)), 1);
    assert_eq!(entry(&app, id).await.entry.status, InboxStatus::Assigned);
}

#[tokio::test]
async fn assign_status_note_and_a_recorded_reply() {
    let app = TestApp::new().await;
    let b = app.browser_as(Role::Responder).await;
    let id = store(
        &app,
        &[inquiry(1, SourceKind::Rss, "Nordlys svarer aldri?", 10)],
    )
    .await;
    let (status, html) = app.page(&entry_uri(id), Some(&b)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"inbox-item\""));
    assert!(html.contains("data-status=\"new\""));
    assert!(
        html.contains("<form method=\"post\" action=\"/w/nordlys/inbox/")
            && html.contains("id=\"assign\"")
    );
    assert!(
        html.contains("<option value=\"responder@nordlys.no\""),
        "responders to pick"
    );
    assert!(
        !html.contains("<option value=\"kari@nordlys.no\""),
        "a viewer cannot answer"
    );

    let r = app
        .submit(
            &format!("{}/assign", entry_uri(id)),
            &b,
            &[("assignee", "responder@nordlys.no")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app
        .submit(
            &format!("{}/assign", entry_uri(id)),
            &b,
            &[("assignee", "kari@nordlys.no")],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "viewers cannot be assigned"
    );
    let r = app
        .submit(
            &format!("{}/status", entry_uri(id)),
            &b,
            &[("status", "waiting")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app
        .submit(
            &format!("{}/note", entry_uri(id)),
            &b,
            &[("text", "Sjekk med driftssenteret")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page(&entry_uri(id), Some(&b)).await;
    assert!(html.contains("data-status=\"waiting\""));
    assert!(html.contains("Sjekk med driftssenteret"));

    app.clock.advance(SignedDuration::from_mins(5));
    let (_, html) = reply(&app, &b, id, "Hei! Strømmen er tilbake kl. 14.").await;
    assert!(html.contains("data-outcome=\"recorded\""), "{html}");
    assert!(html.contains("lagret, ikke sendt"));
    assert!(html.contains("data-status=\"answered\""));
    let thread = entry(&app, id).await;
    assert_eq!(thread.entry.first_response_at, Some(app.clock.now()));
    assert_eq!(
        thread.entry.first_responder.as_deref(),
        Some("responder@nordlys.no")
    );
    assert_eq!(thread.replies[0].outcome, ReplyOutcome::Recorded);

    app.clock.advance(SignedDuration::from_mins(5));
    let r = app
        .submit(
            &format!("{}/status", entry_uri(id)),
            &b,
            &[("status", "closed")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let thread = entry(&app, id).await;
    assert_eq!(thread.entry.status, InboxStatus::Closed);
    assert_eq!(thread.entry.resolved_at, Some(app.clock.now()));

    let audit = app
        .store
        .audit_log(&AuditQuery {
            action_prefix: Some("inbox.".to_owned()),
            limit: 50,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.entry.action.as_str()).collect();
    for action in ["inbox.assign", "inbox.status", "inbox.note", "inbox.reply"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    // Empty texts are refused with a message.
    let r = app
        .submit(&format!("{}/note", entry_uri(id)), &b, &[("text", "  ")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// A platform that takes replies, or refuses them all with `fail`.
struct FakePlatform {
    sent: Mutex<Vec<(String, String, String)>>,
    fail: Option<ConnectorError>,
}

#[async_trait]
impl Channel for FakePlatform {
    fn kind(&self) -> SourceKind {
        SourceKind::Mastodon
    }

    fn max_length(&self) -> usize {
        500
    }

    async fn publish(&self, _post: &OutboundPost) -> ConnectorResult<Posted> {
        unreachable!("the inbox only replies")
    }

    async fn reply(&self, to: &str, post: &OutboundPost) -> ConnectorResult<Posted> {
        if let Some(error) = &self.fail {
            return Err(error.clone());
        }
        let mut sent = self.sent.lock().unwrap();
        sent.push((
            to.to_owned(),
            post.text.clone(),
            post.idempotency_key.clone(),
        ));
        Ok(Posted {
            external_id: format!("reply-{}", sent.len()),
            url: Some(format!("https://social.example/@nordlys/{}", sent.len())),
        })
    }

    async fn engagement(&self, _external_id: &str) -> ConnectorResult<Engagement> {
        Ok(Engagement::default())
    }

    async fn find_published(
        &self,
        _post: &OutboundPost,
        _since: jiff::Timestamp,
    ) -> ConnectorResult<Option<Posted>> {
        // Replies are never retried through the outbox, so nothing asks.
        Ok(None)
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

fn with_platform(app: &mut TestApp, fail: Option<ConnectorError>) -> Arc<FakePlatform> {
    let platform = Arc::new(FakePlatform {
        sent: Mutex::new(Vec::new()),
        fail,
    });
    app.channels = Arc::new(FakeDirectory(platform.clone()));
    platform
}

#[tokio::test]
async fn a_reply_goes_out_through_the_channel_once_even_when_sent_twice() {
    let mut app = TestApp::new().await;
    let platform = with_platform(&mut app, None);
    let b = app.browser_as(Role::Responder).await;
    let id = store(&app, &[inquiry(1, SourceKind::Mastodon, "Nordlys?", 1)]).await;
    let (_, page) = app.page(&entry_uri(id), Some(&b)).await;
    let key = reply_key(&page);
    for _ in 0..2 {
        let r = app
            .submit(
                &format!("{}/reply", entry_uri(id)),
                &b,
                &[("text", "Vi ser på saken!"), ("key", &key)],
            )
            .await;
        assert!(
            r.status().is_success() || r.status().is_redirection(),
            "{}",
            r.status()
        );
    }
    let sent = platform.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1, "a double click posts once: {sent:?}");
    assert_eq!(sent[0].0, "q-1", "the reply answers the item");
    assert_eq!(sent[0].2, key);
    let (_, html) = app.page(&entry_uri(id), Some(&b)).await;
    assert!(html.contains("data-outcome=\"sent\""));
    assert!(html.contains("https://social.example/@nordlys/1"));
    // The next reply gets a new key and goes out.
    reply(&app, &b, id, "Strømmen er tilbake.").await;
    assert_eq!(platform.sent.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_failing_channel_shows_the_error_and_leaves_the_entry_unanswered() {
    let mut app = TestApp::new().await;
    with_platform(
        &mut app,
        Some(ConnectorError::new(
            ErrorKind::TokenExpired,
            "the Mastodon token expired: issue a new one and store it with `omdomme sources credential set`",
        )),
    );
    let b = app.browser_as(Role::Responder).await;
    let id = store(&app, &[inquiry(1, SourceKind::Mastodon, "Nordlys?", 1)]).await;
    let (_, html) = reply(&app, &b, id, "Hei!").await;
    assert!(html.contains("data-outcome=\"failed\""), "{html}");
    assert!(html.contains("the Mastodon token expired: issue a new one"));
    let thread = entry(&app, id).await;
    assert_eq!(thread.entry.status, InboxStatus::New);
    assert_eq!(thread.entry.first_response_at, None);
}

#[tokio::test]
async fn a_defined_source_without_a_credential_says_what_to_do() {
    let app = TestApp::new().await;
    // A real company's workspace: the demo's (synthetic) one never reaches a platform.
    let mut real = crate::support::workspace("Nordlys Energi");
    real.synthetic = false;
    app.store.put_workspace(&real).await.unwrap();
    app.define_source(
        SourceKind::Mastodon,
        "kundeservice",
        serde_json::json!({"kind": "mastodon", "name": "kundeservice",
            "instance": "https://mastodon.example", "hashtags": ["nordlys"]}),
    )
    .await;
    let b = app.browser_as(Role::Responder).await;
    let id = store(&app, &[inquiry(1, SourceKind::Mastodon, "Nordlys?", 1)]).await;
    let (_, html) = reply(&app, &b, id, "Hei!").await;
    assert!(html.contains("data-outcome=\"failed\""), "{html}");
    assert!(html.contains("posting needs an access token"), "{html}");
    assert!(entry(&app, id).await.entry.first_response_at.is_none());
}

fn clock_class(html: &str) -> &str {
    let at = html.find("class=\"sla-clock ").unwrap() + "class=\"sla-clock ".len();
    html[at..].split('"').next().unwrap()
}

#[tokio::test]
async fn the_sla_clock_changes_colour_at_75_percent_and_at_the_deadline() {
    let app = TestApp::new().await;
    let b = app.browser_as(Role::Responder).await;
    // Mastodon: one hour to the first answer by default.
    store(&app, &[inquiry(1, SourceKind::Mastodon, "Nordlys?", 0)]).await;
    app.clock.advance(SignedDuration::from_secs(44 * 60 + 59));
    let (_, html) = app.page("/w/nordlys/inbox", Some(&b)).await;
    assert_eq!(clock_class(&html), "sla-ok");
    app.clock.advance(SignedDuration::from_secs(1));
    let (_, html) = app.page("/w/nordlys/inbox", Some(&b)).await;
    assert_eq!(clock_class(&html), "sla-warn");
    let (_, filtered) = app.page("/w/nordlys/inbox?sla=at_risk", Some(&b)).await;
    assert!(filtered.contains("inbox-row"));
    app.clock.advance(SignedDuration::from_mins(15));
    let (_, html) = app.page("/w/nordlys/inbox", Some(&b)).await;
    assert_eq!(clock_class(&html), "sla-breach");
    let (_, filtered) = app.page("/w/nordlys/inbox?sla=breached", Some(&b)).await;
    assert!(filtered.contains("inbox-row"));
    let (_, filtered) = app.page("/w/nordlys/inbox?sla=ok", Some(&b)).await;
    assert!(!filtered.contains("class=\"inbox-row\""));
}

#[tokio::test]
async fn escalation_assigns_and_flags_once() {
    let app = TestApp::new().await;
    let leader = app.browser_as(Role::Leader).await;
    let b = app.browser_as(Role::Responder).await;
    let r = app
        .submit(
            "/w/nordlys/inbox/settings",
            &leader,
            &[
                ("channel", "mastodon"),
                ("first_response_mins", "60"),
                ("resolution_mins", "600"),
                ("escalate_after_mins", "30"),
                ("escalate_to", "leader@nordlys.no"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", body_text(r).await);
    let id = store(&app, &[inquiry(1, SourceKind::Mastodon, "Nordlys?", 0)]).await;
    let answered = store(
        &app,
        &[inquiry(2, SourceKind::Mastodon, "Nordlys igjen?", 0)],
    )
    .await;
    reply(&app, &b, answered, "Svart!").await;

    app.clock.advance(SignedDuration::from_mins(29));
    assert!(
        escalate_due(&app.state(), app.clock.now())
            .await
            .unwrap()
            .is_empty()
    );
    app.clock.advance(SignedDuration::from_mins(2));
    let escalated = escalate_due(&app.state(), app.clock.now()).await.unwrap();
    assert_eq!(escalated.len(), 1, "{escalated:?}");
    assert_eq!(escalated[0].item, ItemId(id));
    assert_eq!(escalated[0].to, "leader@nordlys.no");
    app.clock.advance(SignedDuration::from_mins(10));
    assert!(
        escalate_due(&app.state(), app.clock.now())
            .await
            .unwrap()
            .is_empty()
    );

    let thread = entry(&app, id).await;
    assert_eq!(thread.entry.assignee.as_deref(), Some("leader@nordlys.no"));
    assert_eq!(thread.entry.status, InboxStatus::Assigned);
    let audit = app
        .store
        .audit_log(&AuditQuery {
            action_prefix: Some("inbox.escalate".to_owned()),
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].entry.actor, "system");
    let (_, html) = app.page("/w/nordlys/inbox", Some(&b)).await;
    assert!(html.contains("Eskalert til leader"), "{html}");
}

#[tokio::test]
async fn the_report_gives_percentages_and_links_to_the_entries_behind_them() {
    let app = TestApp::new().await;
    let b = app.browser_as(Role::Responder).await;
    let leader = app.browser_as(Role::Leader).await;
    let fast = store(&app, &[inquiry(1, SourceKind::Mastodon, "Rask?", 10)]).await;
    let slow = store(&app, &[inquiry(2, SourceKind::Mastodon, "Treg?", 120)]).await;
    reply(&app, &b, fast, "Raskt svar").await;
    reply(&app, &b, slow, "Sent svar").await;

    let (status, html) = app
        .page(
            "/w/nordlys/inbox/report?from=2025-06-01&to=2025-06-16",
            Some(&leader),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("50\u{a0}%"), "{html}");
    assert!(html.contains("<svg"), "a chart");
    let met = "/w/nordlys/inbox?status=all&amp;channel=mastodon&amp;sla=met&amp;from=2025-06-01&amp;to=2025-06-16";
    assert!(html.contains(met), "{html}");
    let responder =
        "/w/nordlys/inbox?status=all&amp;responder=responder%40nordlys.no&amp;sla=missed";
    assert!(html.contains(responder), "{html}");

    let (status, list) = app.page(&met.replace("&amp;", "&"), Some(&b)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains(&format!("/w/nordlys/inbox/{fast}\"")));
    assert!(!list.contains(&format!("/w/nordlys/inbox/{slow}\"")));
    let (_, list) = app
        .page(
            &"/w/nordlys/inbox?status=all&amp;channel=mastodon&amp;sla=missed&amp;from=2025-06-01&amp;to=2025-06-16".replace("&amp;", "&"),
            Some(&b),
        )
        .await;
    assert!(list.contains(&format!("/w/nordlys/inbox/{slow}\"")));
    assert!(!list.contains(&format!("/w/nordlys/inbox/{fast}\"")));

    let (status, _) = app.page("/w/nordlys/inbox/report", Some(&b)).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "responders do not see the report"
    );
}

#[tokio::test]
async fn saved_replies_are_created_edited_inserted_and_deleted() {
    let app = TestApp::new().await;
    let editor = app.browser_as(Role::Editor).await;
    let responder = app.browser_as(Role::Responder).await;
    let r = app
        .submit(
            "/w/nordlys/inbox/saved-replies",
            &editor,
            &[
                ("title", "Strømbrudd"),
                ("text", "Vi jobber med saken."),
                ("language", "nb"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let saved = app.store.saved_replies(&ws()).await.unwrap();
    assert_eq!(saved.len(), 1);
    let sid = saved[0].id.unwrap();
    let r = app
        .submit(
            &format!("/w/nordlys/inbox/saved-replies/{sid}"),
            &editor,
            &[
                ("title", "Strømbrudd"),
                ("text", "Vi jobber med saken nå."),
                ("language", "nb"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app
        .submit(
            "/w/nordlys/inbox/saved-replies",
            &editor,
            &[("title", ""), ("text", "x"), ("language", "nb")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let id = store(&app, &[inquiry(1, SourceKind::Rss, "Nordlys?", 1)]).await;
    let (_, html) = app.page(&entry_uri(id), Some(&responder)).await;
    assert!(html.contains("Strømbrudd"));
    let (status, fragment) = app
        .page(
            &format!("{}/reply-box?saved={sid}", entry_uri(id)),
            Some(&responder),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(fragment.contains("id=\"reply-text\"") && fragment.contains("Vi jobber med saken nå."));
    assert!(!fragment.contains("<html"), "a fragment");

    let (status, _) = app
        .page("/w/nordlys/inbox/saved-replies", Some(&responder))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let r = app
        .submit(
            &format!("/w/nordlys/inbox/saved-replies/{sid}/delete"),
            &editor,
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(app.store.saved_replies(&ws()).await.unwrap().is_empty());
}

#[tokio::test]
async fn viewers_are_refused_everywhere_in_the_inbox() {
    let app = TestApp::new().await;
    let viewer = app.browser_as(Role::Viewer).await;
    let id = store(&app, &[inquiry(1, SourceKind::Rss, "Nordlys?", 1)]).await;
    for uri in [
        "/w/nordlys/inbox".to_owned(),
        entry_uri(id),
        "/w/nordlys/inbox/report".to_owned(),
        "/w/nordlys/inbox/settings".to_owned(),
        "/w/nordlys/inbox/saved-replies".to_owned(),
    ] {
        let (status, _) = app.page(&uri, Some(&viewer)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
    }
    let r = app
        .submit(
            &format!("{}/reply", entry_uri(id)),
            &viewer,
            &[("text", "hei"), ("key", "1-1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(entry(&app, id).await.replies.is_empty());
}

#[tokio::test]
async fn new_arrivals_show_up_in_the_polled_fragment() {
    let app = TestApp::new().await;
    let b = app.browser_as(Role::Responder).await;
    store(&app, &[inquiry(1, SourceKind::X, "Nordlys?", 1)]).await;
    let (_, html) = app.page("/w/nordlys/inbox", Some(&b)).await;
    assert!(html.contains("hx-trigger=\"every 1s\""));
    let at = html.find("/w/nordlys/inbox/arrivals?after=").unwrap();
    let link: String = html[at..].split('"').next().unwrap().to_owned();
    let (_, fragment) = app.page(&link, Some(&b)).await;
    assert!(!fragment.contains("inbox-row"), "nothing new yet");
    store(&app, &[inquiry(2, SourceKind::X, "Nordlys, hallo?", 0)]).await;
    let (status, fragment) = app.page(&link, Some(&b)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        fragment.contains("Kunde 2") && !fragment.contains("Kunde 1"),
        "{fragment}"
    );
    assert!(
        fragment.contains("hx-trigger=\"every 1s\""),
        "keeps polling"
    );
}

#[tokio::test]
async fn hostile_content_is_shown_as_text() {
    let app = TestApp::new().await;
    let hostile = "<script>alert(1)</script>\"><img src=x onerror=alert(1)></style>";
    app.store
        .put_user(&UserRecord {
            email: "evil@nordlys.no".to_owned(),
            name: hostile.to_owned(),
            role: Role::Responder,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
            language: UiLanguage::En,
        })
        .await
        .unwrap();
    let b = app.browser_as(Role::Leader).await;
    let mut item = inquiry(1, SourceKind::Rss, hostile, 1);
    item.author.name = Some(hostile.to_owned());
    item.author.handle = hostile.to_owned();
    let id = store(&app, &[item]).await;
    app.submit(
        &format!("{}/assign", entry_uri(id)),
        &b,
        &[("assignee", "evil@nordlys.no")],
    )
    .await;
    app.submit(&format!("{}/note", entry_uri(id)), &b, &[("text", hostile)])
        .await;
    reply(&app, &b, id, hostile).await;
    app.submit(
        "/w/nordlys/inbox/saved-replies",
        &b,
        &[("title", hostile), ("text", hostile), ("language", "en")],
    )
    .await;
    for uri in [
        "/w/nordlys/inbox".to_owned(),
        entry_uri(id),
        "/w/nordlys/inbox/report".to_owned(),
        "/w/nordlys/inbox/settings".to_owned(),
        "/w/nordlys/inbox/saved-replies".to_owned(),
        "/w/nordlys/inbox/arrivals?after=0".to_owned(),
    ] {
        let (status, html) = app.page(&uri, Some(&b)).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(!html.contains("<script>alert"), "{uri}");
        assert!(!html.contains("<img src=x"), "{uri}");
        assert!(!html.contains("</style>"), "{uri}");
    }
    let (_, html) = app.page(&entry_uri(id), Some(&b)).await;
    assert!(html.contains("&#60;script&#62;alert(1)"), "{html}");
}
