//! Stories, posts and their workflow through the pages, as the people who use them: two
//! editors (four eyes), a viewer, and someone from another workspace.

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE, LOCATION};
use axum::http::{Request, StatusCode};
use axum::response::Response;
use http_body_util::BodyExt;
use omdomme_core::{Engagement, SourceKey, SourceKind, Topic, WorkspaceId};
use omdomme_store::stories::{
    MAX_ATTACHMENT_BYTES, NewPost, PublishOutcome, Published, StoredPolicy, StoryDraft,
};
use omdomme_store::{
    AuditQuery, Role, SessionRecord, SourceDefinition, SourceOrigin, UiLanguage, UserRecord,
};
use omdomme_web::auth;

use crate::support::{Browser, TestApp, body_text, now};

const HOSTILE: &str = "<script>alert(1)</script>\"><img src=x onerror=alert(1)></style>";
/// A fødselsnummer with valid check digits (born 1 January 1970).
const NATIONAL_ID: &str = "01017012343";
/// The smallest PNG signature and a few bytes: what the upload looks at.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR fake image body";

/// A browser for a user of our own naming (the support makes one user per role).
async fn browser_for(app: &TestApp, email: &str, role: Role) -> Browser {
    app.store
        .put_user(&UserRecord {
            email: email.to_owned(),
            name: email.split('@').next().unwrap().to_owned(),
            role,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
            language: UiLanguage::En,
        })
        .await
        .unwrap();
    let token = auth::new_session_token();
    app.store
        .put_session(&SessionRecord {
            token_hash: auth::token_hash(&token),
            email: email.to_owned(),
            expires_at: now().checked_add(app.config.session_ttl).unwrap(),
        })
        .await
        .unwrap();
    Browser::from_cookie(format!("{}={token}", auth::SESSION_COOKIE))
}

fn location(response: &Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .unwrap_or_else(|| panic!("no Location: {}", response.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

/// The number at the end of a redirect's target: `/w/nordlys/posts/7` -> 7.
fn id_of(response: &Response) -> i64 {
    location(response)
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The value of the first `name="<field>" value="..."` on the page.
fn field_value(html: &str, field: &str) -> String {
    let marker = format!("name=\"{field}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {field} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

struct Fixture {
    app: TestApp,
    ane: Browser,
    bo: Browser,
    story: i64,
    post: i64,
}

async fn with_a_post() -> Fixture {
    let app = TestApp::new().await;
    app.define_source(
        SourceKind::Mastodon,
        "nordlys",
        serde_json::json!({"kind": "mastodon", "name": "nordlys", "instance": "https://mastodon.social"}),
    )
    .await;
    let ane = browser_for(&app, "ane@nordlys.no", Role::Editor).await;
    let bo = browser_for(&app, "bo@nordlys.no", Role::Editor).await;
    let created = app
        .submit(
            "/w/nordlys/stories",
            &ane,
            &[
                ("title", "Elektriske servicebiler"),
                ("topic", "climate"),
                ("summary", "Alle 40 servicebilene går på strøm fra 2025."),
                ("goal", ""),
                ("owner", "ane@nordlys.no"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let story = id_of(&created);
    let post = app
        .submit(
            &format!("/w/nordlys/stories/{story}/posts"),
            &ane,
            &[("channel", "mastodon:nordlys")],
        )
        .await;
    assert_eq!(post.status(), StatusCode::SEE_OTHER);
    assert!(location(&post).starts_with("/w/nordlys/posts/"));
    let post = id_of(&post);
    Fixture {
        app,
        ane,
        bo,
        story,
        post,
    }
}

impl Fixture {
    fn post_uri(&self, rest: &str) -> String {
        format!("/w/nordlys/posts/{}{rest}", self.post)
    }

    async fn page(&self, browser: &Browser) -> String {
        let (status, html) = self.app.page(&self.post_uri(""), Some(browser)).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        html
    }

    async fn revision(&self, browser: &Browser) -> String {
        field_value(&self.page(browser).await, "revision")
    }

    async fn save(&self, browser: &Browser, text: &str) -> Response {
        let revision = self.revision(browser).await;
        self.app
            .submit(
                &self.post_uri(""),
                browser,
                &[("revision", &revision), ("text", text), ("planned_at", "")],
            )
            .await
    }

    async fn step(&self, browser: &Browser, fields: &[(&str, &str)]) -> Response {
        let revision = self.revision(browser).await;
        let mut all = vec![("revision", revision.as_str())];
        all.extend_from_slice(fields);
        self.app
            .submit(&self.post_uri("/step"), browser, &all)
            .await
    }

    /// Posts a multipart form with the CSRF token as htmx sends it (header) unless
    /// `csrf_header` is false; `file` is (field, filename, bytes).
    async fn upload(
        &self,
        uri: &str,
        browser: &Browser,
        csrf_header: bool,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, &[u8])>,
    ) -> Response {
        let boundary = "----omdommeTestBoundary7MA4YWxk";
        let mut body = Vec::new();
        let mut all = vec![("_csrf", browser.csrf.as_str())];
        all.extend_from_slice(fields);
        for (name, value) in all {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        if let Some((name, filename, bytes)) = file {
            // As browsers write it: a quote in the name becomes %22.
            let filename = filename.replace('"', "%22");
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut request = Request::post(uri).header(COOKIE, &browser.cookie).header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        );
        if csrf_header {
            request = request.header("x-csrf-token", &browser.csrf);
        }
        self.app.send(request.body(Body::from(body)).unwrap()).await
    }
}

#[tokio::test]
async fn a_post_is_written_reviewed_by_another_editor_and_scheduled() {
    let f = with_a_post().await;
    let saved = f
        .save(
            &f.ane,
            "Alle servicebilene våre går nå på strøm. #klima\nLes mer: https://nordlys.no/bil",
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);

    let html = f.page(&f.ane).await;
    assert!(html.contains("id=\"post\""), "{html}");
    assert!(html.contains("data-post-status=\"draft\""), "{html}");
    assert!(html.contains("class=\"preview\""), "{html}");
    assert!(
        html.contains("<span class=\"hashtag\">#klima</span>"),
        "{html}"
    );
    assert!(
        html.contains("<span class=\"link\">https://nordlys.no/bil</span>"),
        "{html}"
    );
    assert!(html.contains("@nordlys@mastodon.social"), "{html}");
    // Mastodon counts the link as 23.
    let text = "Alle servicebilene våre går nå på strøm. #klima\nLes mer: ";
    let used = text.chars().count() + 23;
    assert!(
        html.contains(&format!("data-used=\"{used}\" data-limit=\"500\"")),
        "{html}"
    );
    assert!(html.contains("data-action=\"submit\""), "{html}");

    assert_eq!(
        f.step(&f.ane, &[("action", "submit")]).await.status(),
        StatusCode::SEE_OTHER
    );
    let html = f.page(&f.ane).await;
    assert!(html.contains("data-post-status=\"in_review\""), "{html}");
    // The author sees no approve button, and the store refuses them anyway.
    assert!(!html.contains("data-action=\"approve\""), "{html}");
    let refused = f.step(&f.ane, &[("action", "approve")]).await;
    let status = refused.status();
    let body = body_text(refused).await;
    assert!(
        status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::FORBIDDEN,
        "{status}"
    );
    assert!(body.contains("four eyes"), "{body}");
    assert!(body.contains("data-post-status=\"in_review\""), "{body}");

    // The other editor approves and schedules; the time is Norwegian and must be ahead.
    let html = f.page(&f.bo).await;
    assert!(html.contains("data-action=\"approve\""), "{html}");
    assert!(html.contains("data-action=\"request-changes\""), "{html}");
    assert_eq!(
        f.step(&f.bo, &[("action", "approve")]).await.status(),
        StatusCode::SEE_OTHER
    );
    let past = f
        .step(&f.bo, &[("action", "schedule"), ("at", "2025-06-15T13:59")])
        .await;
    assert_eq!(past.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(past).await.contains("in the future"));
    let scheduled = f
        .step(&f.bo, &[("action", "schedule"), ("at", "2025-06-20T10:00")])
        .await;
    assert_eq!(scheduled.status(), StatusCode::SEE_OTHER);
    let html = f.page(&f.bo).await;
    assert!(html.contains("data-post-status=\"scheduled\""), "{html}");
    assert!(html.contains("20 Jun 2025, 10:00"), "{html}");
    assert!(html.contains("data-action=\"unschedule\""), "{html}");

    // Every step is in the history, with who did it.
    let log = f
        .app
        .store
        .audit_log(&AuditQuery {
            target: Some(format!("post:{}", f.post)),
            limit: 50,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let steps: Vec<(&str, &str)> = log
        .iter()
        .rev()
        .map(|r| (r.entry.action.as_str(), r.entry.actor.as_str()))
        .collect();
    for step in [
        ("post.submit", "ane@nordlys.no"),
        ("post.approve", "bo@nordlys.no"),
        ("post.schedule", "bo@nordlys.no"),
    ] {
        assert!(steps.contains(&step), "{step:?} not in {steps:?}");
    }
    assert!(html.contains("class=\"history\""), "{html}");

    // Shown on the story and in the list.
    let (_, story) = f
        .app
        .page(&format!("/w/nordlys/stories/{}", f.story), Some(&f.bo))
        .await;
    assert!(story.contains("id=\"story\""), "{story}");
    assert!(story.contains("data-post-status=\"scheduled\""), "{story}");
    assert!(story.contains("id=\"story-effect\""), "{story}");
    assert!(
        story.contains(&format!("/w/nordlys/stories/{}/effect", f.story)),
        "{story}"
    );
    let (_, list) = f.app.page("/w/nordlys/stories", Some(&f.bo)).await;
    assert!(list.contains("class=\"story-link\""), "{list}");
    assert!(list.contains("Elektriske servicebiler"), "{list}");
}

#[tokio::test]
async fn a_published_post_shows_its_link_and_engagement_and_counts_in_the_rollups() {
    let f = with_a_post().await;
    f.save(&f.ane, "Elbilene er i drift. https://nordlys.no/bil")
        .await;
    f.step(&f.ane, &[("action", "submit")]).await;
    f.step(&f.bo, &[("action", "approve")]).await;
    f.step(&f.bo, &[("action", "schedule"), ("at", "2025-06-15T15:00")])
        .await;
    let ws = WorkspaceId("nordlys".to_owned());
    let at = now();
    f.app
        .store
        .begin_publish(&ws, f.post, "test-key", at)
        .await
        .unwrap();
    f.app
        .store
        .finish_publish(
            &ws,
            f.post,
            "test-key",
            &PublishOutcome::Sent(Published {
                at,
                external_id: "109".to_owned(),
                url: Some("https://mastodon.social/@nordlys/109".to_owned()),
            }),
            at,
        )
        .await
        .unwrap();
    f.app
        .store
        .put_post_engagement(
            &ws,
            f.post,
            &Engagement {
                likes: 1200,
                shares: 30,
                replies: 4,
                views: None,
            },
            at,
        )
        .await
        .unwrap();
    let html = f.page(&f.ane).await;
    assert!(html.contains("data-post-status=\"published\""), "{html}");
    assert!(
        html.contains("href=\"https://mastodon.social/@nordlys/109\""),
        "{html}"
    );
    assert!(
        html.contains("1\u{a0}200 likes · 30 shares · 4 replies"),
        "{html}"
    );
    assert!(
        !html.contains("id=\"post-edit\""),
        "published posts are read only"
    );
    let (_, list) = f.app.page("/w/nordlys/stories", Some(&f.ane)).await;
    assert!(list.contains("1\u{a0}234"), "{list}");
    let (_, by_topic) = f
        .app
        .page("/w/nordlys/stories?by=topic", Some(&f.ane))
        .await;
    assert!(
        by_topic.contains("<td>Climate &#38; environment</td>"),
        "{by_topic}"
    );
}

#[tokio::test]
async fn requesting_changes_needs_a_comment_and_comments_are_kept() {
    let f = with_a_post().await;
    f.save(&f.ane, "Et utkast").await;
    f.step(&f.ane, &[("action", "submit")]).await;
    let bare = f.step(&f.bo, &[("action", "request-changes")]).await;
    assert_eq!(bare.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let sent_back = f
        .step(
            &f.bo,
            &[
                ("action", "request-changes"),
                ("comment", "Nevn tallet 40."),
            ],
        )
        .await;
    assert_eq!(sent_back.status(), StatusCode::SEE_OTHER);
    let comment = f
        .app
        .submit(&f.post_uri("/comments"), &f.ane, &[("body", "Fikser det.")])
        .await;
    assert_eq!(comment.status(), StatusCode::SEE_OTHER);
    let empty = f
        .app
        .submit(&f.post_uri("/comments"), &f.ane, &[("body", "  ")])
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = f.page(&f.ane).await;
    assert!(html.contains("data-post-status=\"draft\""), "{html}");
    assert!(html.contains("Nevn tallet 40."), "{html}");
    assert!(html.contains("Fikser det."), "{html}");
    assert!(html.contains("id=\"comment\""), "{html}");
}

#[tokio::test]
async fn a_stale_revision_is_a_conflict_that_keeps_both_texts() {
    let f = with_a_post().await;
    let seen = f.revision(&f.ane).await;
    assert_eq!(
        f.save(&f.bo, "Bos versjon").await.status(),
        StatusCode::SEE_OTHER
    );
    let late = f
        .app
        .submit(
            &f.post_uri(""),
            &f.ane,
            &[
                ("revision", &seen),
                ("text", "Anes versjon"),
                ("planned_at", ""),
            ],
        )
        .await;
    assert_eq!(late.status(), StatusCode::CONFLICT);
    let html = body_text(late).await;
    assert!(html.contains("changed by someone else"), "{html}");
    // The current version in the editor, the unsaved one beside it.
    assert!(html.contains(">Bos versjon</textarea>"), "{html}");
    assert!(html.contains("Anes versjon"), "{html}");

    // A workflow step on a stale page is refused the same way.
    let stale = f
        .app
        .submit(
            &f.post_uri("/step"),
            &f.ane,
            &[("revision", &seen), ("action", "submit")],
        )
        .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_blocking_finding_is_marked_and_stops_approval_and_scheduling() {
    let f = with_a_post().await;
    let text = format!("Kunden med fødselsnummer {NATIONAL_ID} vant konkurransen!");
    f.save(&f.ane, &text).await;
    let html = f.page(&f.ane).await;
    assert!(html.contains("class=\"policy-findings\""), "{html}");
    assert!(html.contains("data-severity=\"block\""), "{html}");
    assert!(
        html.contains(
            "class=\"finding\" data-rule=\"personal-data.national-id\" data-severity=\"block\""
        ),
        "{html}"
    );
    assert!(html.contains("data-severity=\"block\" title="), "{html}");
    assert!(html.contains(&format!(">{NATIONAL_ID}</mark>")), "{html}");
    f.step(&f.ane, &[("action", "submit")]).await;
    let refused = f.step(&f.bo, &[("action", "approve")]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = body_text(refused).await;
    assert!(body.contains("findings the policy blocks on"), "{body}");
    assert!(body.contains("data-post-status=\"in_review\""), "{body}");

    // The live check shows the same for what is being typed, and clears when it is fixed.
    let check = f
        .app
        .submit(
            &f.post_uri("/check"),
            &f.ane,
            &[("revision", "0"), ("text", &text), ("planned_at", "")],
        )
        .await;
    assert_eq!(check.status(), StatusCode::OK);
    let fragment = body_text(check).await;
    assert!(fragment.starts_with("<div id=\"post-check\""), "{fragment}");
    assert!(fragment.contains("data-severity=\"block\""), "{fragment}");
    let fixed = f
        .app
        .submit(
            &f.post_uri("/check"),
            &f.ane,
            &[
                ("text", "En vinner er kåret!"),
                ("revision", "0"),
                ("planned_at", ""),
            ],
        )
        .await;
    assert!(!body_text(fixed).await.contains("data-severity=\"block\""));
}

#[tokio::test]
async fn a_policy_that_blocks_after_approval_stops_scheduling() {
    let f = with_a_post().await;
    f.save(&f.ane, "Snart lanserer vi Fjordlys for alle kunder.")
        .await;
    f.step(&f.ane, &[("action", "submit")]).await;
    assert_eq!(
        f.step(&f.bo, &[("action", "approve")]).await.status(),
        StatusCode::SEE_OTHER
    );
    // The team adds the code name to the policy after the approval.
    let mut policy = omdomme_policy::Policy::default();
    policy.rules.push(omdomme_policy::Rule {
        id: "confidential.codenames".to_owned(),
        severity: omdomme_policy::Severity::Block,
        enabled: true,
        kind: omdomme_policy::RuleKind::ConfidentialTerms {
            terms: vec!["Fjordlys".to_owned()],
        },
    });
    f.app
        .store
        .put_policy(
            &WorkspaceId("nordlys".to_owned()),
            &StoredPolicy {
                json: policy.to_json(),
                updated_by: "leader@nordlys.no".to_owned(),
                updated_at: now(),
            },
        )
        .await
        .unwrap();
    let refused = f
        .step(&f.bo, &[("action", "schedule"), ("at", "2025-06-20T10:00")])
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = body_text(refused).await;
    assert!(
        html.contains("data-rule=\"confidential.codenames\" data-severity=\"block\""),
        "{html}"
    );
    assert!(html.contains("data-post-status=\"approved\""), "{html}");
}

#[tokio::test]
async fn a_climate_claim_needs_a_sourced_proof_point_before_approval() {
    let f = with_a_post().await;
    f.save(&f.ane, "Fra i dag er hele servicedriften klimanøytral.")
        .await;
    f.step(&f.ane, &[("action", "submit")]).await;
    let html = f.page(&f.bo).await;
    assert!(
        html.contains("data-rule=\"claims.absolute\" data-severity=\"block\""),
        "{html}"
    );
    assert!(html.contains(">klimanøytral</mark>"), "{html}");
    let refused = f.step(&f.bo, &[("action", "approve")]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A proof point without a source proves nothing; one with a link does.
    let proof_uri = format!("/w/nordlys/stories/{}/proof-points", f.story);
    let statement = "Servicedriften er klimanøytral ifølge revisjonen for 2024";
    f.app
        .submit(&proof_uri, &f.ane, &[("statement", statement)])
        .await;
    assert!(
        f.page(&f.bo)
            .await
            .contains("data-rule=\"claims.absolute\"")
    );
    f.app
        .submit(
            &proof_uri,
            &f.ane,
            &[
                ("statement", statement),
                ("source_url", "https://nordlys.no/revisjon-2024.pdf"),
            ],
        )
        .await;
    assert!(
        !f.page(&f.bo)
            .await
            .contains("data-rule=\"claims.absolute\"")
    );
    let approved = f.step(&f.bo, &[("action", "approve")]).await;
    assert_eq!(approved.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn hostile_text_shows_as_text_everywhere() {
    let f = with_a_post().await;
    let title = format!("Tittel {HOSTILE}");
    let created = f
        .app
        .submit(
            "/w/nordlys/stories",
            &f.ane,
            &[
                ("title", &title),
                ("topic", "community"),
                ("summary", HOSTILE),
                ("owner", "ane@nordlys.no"),
            ],
        )
        .await;
    let story = id_of(&created);
    let proof = f
        .app
        .submit(
            &format!("/w/nordlys/stories/{story}/proof-points"),
            &f.ane,
            &[
                ("statement", HOSTILE),
                ("source_url", "https://nordlys.no/?q=\"><script>"),
            ],
        )
        .await;
    assert_eq!(proof.status(), StatusCode::SEE_OTHER);
    f.save(&f.ane, &format!("#tag {HOSTILE} @ola https://x.no/\"><b>"))
        .await;
    f.app
        .submit(&f.post_uri("/comments"), &f.ane, &[("body", HOSTILE)])
        .await;
    let uploaded = f
        .upload(
            &f.post_uri("/attachments"),
            &f.ane,
            true,
            &[("alt", HOSTILE), ("revision", &f.revision(&f.ane).await)],
            Some(("file", "\"><img src=x onerror=alert(1)>.png", PNG)),
        )
        .await;
    assert_eq!(uploaded.status(), StatusCode::SEE_OTHER);
    for uri in [
        "/w/nordlys/stories".to_owned(),
        format!("/w/nordlys/stories/{story}"),
        format!("/w/nordlys/stories/{story}/edit"),
        f.post_uri(""),
    ] {
        let (status, html) = f.app.page(&uri, Some(&f.ane)).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(!html.contains("<script>alert"), "{uri}: {html}");
        assert!(!html.contains("<img src=x"), "{uri}: {html}");
        assert!(!html.contains("</style>"), "{uri}: {html}");
        assert!(!html.contains("\"><b>"), "{uri}: {html}");
        assert!(html.contains("&#60;script&#62;alert(1)"), "{uri}: {html}");
    }
}

#[tokio::test]
async fn images_need_alt_text_a_known_type_a_size_limit_and_the_csrf_header() {
    let f = with_a_post().await;
    let uri = f.post_uri("/attachments");
    let revision = f.revision(&f.ane).await;
    let fields = [
        ("alt", "Servicebil ved ladestasjon"),
        ("revision", revision.as_str()),
    ];

    let no_alt = f
        .upload(
            &uri,
            &f.ane,
            true,
            &[("alt", " "), ("revision", &revision)],
            Some(("file", "bil.png", PNG)),
        )
        .await;
    assert_eq!(no_alt.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(no_alt).await.contains("alt text"));

    let not_an_image = f
        .upload(
            &uri,
            &f.ane,
            true,
            &fields,
            Some(("file", "bil.png", b"<svg onload=alert(1)>")),
        )
        .await;
    assert_eq!(not_an_image.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let mut huge = PNG.to_vec();
    huge.resize(MAX_ATTACHMENT_BYTES + 1, 0);
    let too_large = f
        .upload(
            &uri,
            &f.ane,
            true,
            &fields,
            Some(("file", "bil.png", &huge)),
        )
        .await;
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    huge.resize(MAX_ATTACHMENT_BYTES + 200_000, 0);
    let far_too_large = f
        .upload(
            &uri,
            &f.ane,
            true,
            &fields,
            Some(("file", "bil.png", &huge)),
        )
        .await;
    assert_eq!(far_too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // A multipart post carries the token in the header (htmx); the field alone is refused.
    let no_header = f
        .upload(&uri, &f.ane, false, &fields, Some(("file", "bil.png", PNG)))
        .await;
    assert_eq!(no_header.status(), StatusCode::FORBIDDEN);

    let viewer = f.app.browser_as(Role::Viewer).await;
    let as_viewer = f
        .upload(&uri, &viewer, true, &fields, Some(("file", "bil.png", PNG)))
        .await;
    assert_eq!(as_viewer.status(), StatusCode::FORBIDDEN);

    let ok = f
        .upload(
            &uri,
            &f.ane,
            true,
            &fields,
            Some(("file", "C:\\bilder\\bil 1.png", PNG)),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let html = f.page(&f.ane).await;
    assert!(
        html.contains("alt=\"Servicebil ved ladestasjon\""),
        "{html}"
    );
    let attachment = field_value(
        &html.replace("data-attachment=\"", "name=\"attachment\" value=\""),
        "attachment",
    );

    // Served to the workspace's users only, as the type its bytes are, never sniffed.
    let download = format!("/w/nordlys/attachments/{attachment}");
    let response = f
        .app
        .send(
            Request::get(&download)
                .header(COOKIE, &viewer.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert_eq!(headers[CONTENT_TYPE], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["content-disposition"],
        "inline; filename=\"bil_1.png\""
    );
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&bytes[..], PNG);
    let anonymous = f.app.page(&download, None).await.0;
    assert_eq!(anonymous, StatusCode::SEE_OTHER);

    // Reordering and removing are edits like any other.
    let second = f
        .upload(
            &uri,
            &f.ane,
            true,
            &[
                ("alt", "Nummer to"),
                ("revision", &f.revision(&f.ane).await),
            ],
            Some(("file", "to.png", PNG)),
        )
        .await;
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    let revision = f.revision(&f.ane).await;
    let moved = f
        .app
        .submit(
            &f.post_uri(&format!("/attachments/{attachment}")),
            &f.ane,
            &[("op", "down"), ("revision", &revision)],
        )
        .await;
    assert_eq!(moved.status(), StatusCode::SEE_OTHER);
    let html = f.page(&f.ane).await;
    assert!(
        html.find("alt=\"Nummer to\"").unwrap()
            < html.find("alt=\"Servicebil ved ladestasjon\"").unwrap()
    );
    let revision = f.revision(&f.ane).await;
    let removed = f
        .app
        .submit(
            &f.post_uri(&format!("/attachments/{attachment}")),
            &f.ane,
            &[("op", "remove"), ("revision", &revision)],
        )
        .await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    assert!(
        !f.page(&f.ane)
            .await
            .contains("alt=\"Servicebil ved ladestasjon\"")
    );
}

#[tokio::test]
async fn proof_points_take_http_links_and_documents() {
    let f = with_a_post().await;
    let uri = format!("/w/nordlys/stories/{}/proof-points", f.story);
    let bad = f
        .app
        .submit(
            &uri,
            &f.ane,
            &[
                ("statement", "40 elbiler"),
                ("source_url", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = body_text(bad).await;
    assert!(html.contains("http://"), "{html}");
    assert!(html.contains("40 elbiler"), "the statement is kept: {html}");
    let with_document = f
        .upload(
            &uri,
            &f.ane,
            true,
            &[
                ("statement", "Bærekraftsrapporten 2024, side 12"),
                ("source_url", ""),
            ],
            Some(("document", "rapport 2024.pdf", b"%PDF-1.7 fake")),
        )
        .await;
    assert_eq!(with_document.status(), StatusCode::SEE_OTHER);
    let (_, html) = f
        .app
        .page(&format!("/w/nordlys/stories/{}", f.story), Some(&f.ane))
        .await;
    assert!(html.contains("Bærekraftsrapporten 2024, side 12"), "{html}");
    let marker = "class=\"proof-document\"";
    assert!(html.contains(marker), "{html}");
    let href_start = html.find("/w/nordlys/attachments/").unwrap();
    let href = html[href_start..].split('"').next().unwrap();
    let response = f
        .app
        .send(
            Request::get(href)
                .header(COOKIE, &f.bo.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.headers()[CONTENT_TYPE], "application/pdf");
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"rapport_2024.pdf\""
    );
    let log = f
        .app
        .store
        .audit_log(&AuditQuery {
            target: Some(format!("story:{}", f.story)),
            limit: 50,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|r| r.entry.action.as_str()).collect();
    assert!(
        actions.contains(&"story.create") && actions.contains(&"story.proof_add"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn story_forms_name_their_problems_and_edits_are_audited() {
    let f = with_a_post().await;
    let (status, form) = f.app.page("/w/nordlys/stories/new", Some(&f.ane)).await;
    assert_eq!(status, StatusCode::OK);
    for field in [
        "name=\"title\"",
        "name=\"topic\"",
        "name=\"summary\"",
        "name=\"goal\"",
        "name=\"owner\"",
        "id=\"story\"",
    ] {
        assert!(form.contains(field), "{field}: {form}");
    }
    let missing = f
        .app
        .submit(
            "/w/nordlys/stories",
            &f.ane,
            &[
                ("title", ""),
                ("topic", "climate"),
                ("owner", "ane@nordlys.no"),
            ],
        )
        .await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(missing).await.contains("Write a title"));
    let stranger = f
        .app
        .submit(
            "/w/nordlys/stories",
            &f.ane,
            &[
                ("title", "X"),
                ("topic", "climate"),
                ("owner", "nobody@evil.example"),
            ],
        )
        .await;
    assert_eq!(stranger.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let edited = f
        .app
        .submit(
            &format!("/w/nordlys/stories/{}", f.story),
            &f.bo,
            &[
                ("title", "Elbiler i hele flåten"),
                ("topic", "climate"),
                ("summary", ""),
                ("goal", ""),
                ("owner", "bo@nordlys.no"),
            ],
        )
        .await;
    assert_eq!(edited.status(), StatusCode::SEE_OTHER);
    let (_, html) = f
        .app
        .page(&format!("/w/nordlys/stories/{}", f.story), Some(&f.ane))
        .await;
    assert!(html.contains("Elbiler i hele flåten"), "{html}");
    let log = f
        .app
        .store
        .audit_log(&AuditQuery {
            action_prefix: Some("story.update".to_owned()),
            limit: 5,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(log[0].entry.actor, "bo@nordlys.no");
    assert!(log[0].entry.detail.contains("title") && log[0].entry.detail.contains("owner"));
}

#[tokio::test]
async fn viewers_read_but_do_not_write() {
    let f = with_a_post().await;
    let viewer = f.app.browser_as(Role::Viewer).await;
    let (status, html) = f
        .app
        .page(&format!("/w/nordlys/stories/{}", f.story), Some(&viewer))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains("id=\"new-post\"") && !html.contains("id=\"proof-point\""),
        "{html}"
    );
    let html = f.page(&viewer).await;
    assert!(
        !html.contains("id=\"post-edit\"") && !html.contains("data-action=\"submit\""),
        "{html}"
    );
    let refused = f
        .app
        .submit(
            &format!("/w/nordlys/stories/{}/posts", f.story),
            &viewer,
            &[("channel", "mastodon:nordlys")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let refused = f
        .app
        .submit(
            &f.post_uri(""),
            &viewer,
            &[("revision", "1"), ("text", "x")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_new_post_form_offers_only_accounts_that_can_post() {
    let app = TestApp::new().await;
    app.define_source(
        SourceKind::Rss,
        "nyheter",
        serde_json::json!({"kind": "rss"}),
    )
    .await;
    let editor = app.browser_as(Role::Editor).await;
    let story = app
        .submit(
            "/w/nordlys/stories",
            &editor,
            &[
                ("title", "Lærlinger"),
                ("topic", "employer"),
                ("owner", "editor@nordlys.no"),
            ],
        )
        .await;
    let story = id_of(&story);
    let (_, html) = app
        .page(&format!("/w/nordlys/stories/{story}"), Some(&editor))
        .await;
    assert!(!html.contains("id=\"new-post\""), "{html}");
    assert!(html.contains("/w/nordlys/setup/sources"), "{html}");
    let refused = app
        .submit(
            &format!("/w/nordlys/stories/{story}/posts"),
            &editor,
            &[("channel", "rss:nyheter")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.define_source(
        SourceKind::Bluesky,
        "nordlys",
        serde_json::json!({"kind": "bluesky", "name": "nordlys", "handle": "nordlys.bsky.social"}),
    )
    .await;
    let (_, html) = app
        .page(&format!("/w/nordlys/stories/{story}"), Some(&editor))
        .await;
    assert!(
        html.contains("<option value=\"bluesky:nordlys\">"),
        "{html}"
    );
    assert!(!html.contains("rss:nyheter"), "{html}");
}

#[tokio::test]
async fn another_workspaces_stories_posts_and_files_are_not_found() {
    let f = with_a_post().await;
    let mut other = crate::support::workspace("Andre AS");
    other.id = WorkspaceId("andre".to_owned());
    f.app.store.put_workspace(&other).await.unwrap();
    let theirs = f
        .app
        .store
        .create_story(
            &other.id,
            &StoryDraft {
                title: "Hemmelig".to_owned(),
                topic: Topic::Governance,
                summary: String::new(),
                goal: None,
                owner: "ane@nordlys.no".to_owned(),
            },
            "ane@nordlys.no",
            now(),
        )
        .await
        .unwrap();
    let source = SourceKey::new(SourceKind::Mastodon, "andre");
    f.app
        .store
        .put_source(
            &other.id,
            &SourceDefinition {
                key: source.clone(),
                spec: serde_json::json!({"kind": "mastodon"}),
                origin: SourceOrigin::Config,
                enabled: true,
            },
            now(),
        )
        .await
        .unwrap();
    let post = f
        .app
        .store
        .create_post(
            &other.id,
            &NewPost {
                story: theirs.id,
                channel: source,
                text: "Hemmelig tekst".to_owned(),
                attachments: Vec::new(),
                planned_at: None,
            },
            "ane@nordlys.no",
            now(),
        )
        .await
        .unwrap();
    for uri in [
        format!("/w/nordlys/stories/{}", theirs.id),
        format!("/w/nordlys/stories/{}/edit", theirs.id),
    ] {
        let (status, html) = f.app.page(&uri, Some(&f.ane)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(!html.contains("Hemmelig"), "{html}");
    }
    let (status, _) = f
        .app
        .page(&format!("/w/nordlys/posts/{}", post.id), Some(&f.ane))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let step = f
        .app
        .submit(
            &format!("/w/nordlys/posts/{}/step", post.id),
            &f.ane,
            &[("action", "submit"), ("revision", "1")],
        )
        .await;
    assert_eq!(step.status(), StatusCode::NOT_FOUND);
    let proof = f
        .app
        .submit(
            &format!("/w/nordlys/stories/{}/proof-points", theirs.id),
            &f.ane,
            &[("statement", "x")],
        )
        .await;
    assert_eq!(proof.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_list_says_what_to_do_when_empty_and_groups_engagement() {
    let app = TestApp::new().await;
    let editor = app.browser_as(Role::Editor).await;
    let (status, html) = app.page("/w/nordlys/stories", Some(&editor)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"stories\""), "{html}");
    assert!(html.contains("/w/nordlys/stories/new"), "{html}");
    for by in ["story", "topic", "goal"] {
        let (status, html) = app
            .page(&format!("/w/nordlys/stories?by={by}"), Some(&editor))
            .await;
        assert_eq!(status, StatusCode::OK, "{by}");
        assert!(
            html.contains(&format!("data-group=\"{by}\" aria-current")),
            "{html}"
        );
    }
    let (status, _) = app
        .page("/w/nordlys/stories?by=colour", Some(&editor))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
