//! The setup pages: brands and their watch queries (with the live preview and the parser's
//! error under its column), sources and their health, users and roles, the audit log.

use axum::body::Body;
use axum::http::header::COOKIE;
use axum::http::{Request, StatusCode};
use jiff::{SignedDuration, Timestamp};
use omdomme_core::{
    Brand, BrandRole, Query, SourceHealth, SourceKey, SourceKind, Workspace, WorkspaceId,
};
use omdomme_store::{AuditEntry, AuditQuery, Role, SourceDefinition, SourceOrigin};

use crate::support::{Browser, EMAIL, TestApp, body_text, now};

const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "</style>",
];

fn nordlys() -> WorkspaceId {
    WorkspaceId("nordlys".to_owned())
}

async fn brands(app: &TestApp) -> Vec<Brand> {
    app.store
        .workspace(&nordlys())
        .await
        .unwrap()
        .unwrap()
        .brands
}

async fn audit(app: &TestApp, prefix: &str) -> Vec<AuditEntry> {
    app.store
        .audit_log(&AuditQuery {
            action_prefix: Some(prefix.to_owned()),
            limit: 100,
            ..AuditQuery::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.entry)
        .collect()
}

async fn submit(
    app: &TestApp,
    uri: &str,
    browser: &Browser,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let response = app.submit(uri, browser, fields).await;
    let status = response.status();
    (status, body_text(response).await)
}

/// Nothing hostile comes through as markup.
#[track_caller]
fn assert_escaped(html: &str) {
    for raw in ["<script>alert", "<img src=x", "</style>"] {
        assert!(!html.contains(raw), "{raw} unescaped in:\n{html}");
    }
}

#[tokio::test]
async fn brands_are_added_edited_and_deleted_with_an_audit_trail() {
    let app = TestApp::new().await;
    let editor = app.browser_as(Role::Editor).await;
    let (status, html) = app.page("/w/nordlys/setup/brands", Some(&editor)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-brand=\"nordlys\"") && html.contains("Fjordkraft"));
    assert!(html.contains("data-setup=\"brands\" aria-current=\"page\""));
    assert!(html.contains("data-setup=\"sources\""));
    assert!(
        !html.contains("data-setup=\"users\""),
        "editors do not manage users"
    );
    assert!(html.contains("omdomme reindex --enrich"));
    assert!(html.contains("hx-get=\"/w/nordlys/setup/brands/preview\""));

    let (status, html) = submit(
        &app,
        "/w/nordlys/setup/brands",
        &editor,
        &[
            ("id", "vestkraft"),
            ("name", "Vestkraft"),
            ("role", "competitor"),
            ("query", "vestkraft OR \"vest kraft\""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Merkevaren er lagt til: Vestkraft"), "{html}");
    let added = brands(&app).await;
    assert_eq!(added.len(), 3);
    assert_eq!(added[2].role, BrandRole::Competitor);
    assert_eq!(added[2].query, "vestkraft OR \"vest kraft\"");

    // The edit form holds the brand's values.
    let (_, html) = app
        .page("/w/nordlys/setup/brands?edit=vestkraft", Some(&editor))
        .await;
    assert!(
        html.contains("name=\"editing\" value=\"vestkraft\""),
        "{html}"
    );
    assert!(html.contains("value=\"Vestkraft\""));

    let (status, html) = submit(
        &app,
        "/w/nordlys/setup/brands",
        &editor,
        &[
            ("editing", "vestkraft"),
            ("name", "Vestkraft AS"),
            ("role", "competitor"),
            ("query", "vestkraft"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let edited = brands(&app).await;
    assert_eq!(edited[2].name, "Vestkraft AS");
    assert_eq!(edited[2].query, "vestkraft");

    let (status, html) = submit(
        &app,
        "/w/nordlys/setup/brands/delete",
        &editor,
        &[("id", "vestkraft")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(brands(&app).await.len(), 2);

    let log = audit(&app, "brand.").await;
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["brand.delete", "brand.update", "brand.add"]);
    assert!(log.iter().all(|e| e.actor == "editor@nordlys.no"));
    assert_eq!(log[1].target, "vestkraft");
    assert_eq!(
        log[1].detail,
        "name: \"Vestkraft\" → \"Vestkraft AS\"; query: \"vestkraft OR \\\"vest kraft\\\"\" → \"vestkraft\""
    );
    assert_eq!(log[1].workspace, Some(nordlys()));

    // Ids are slugs and unique; names are needed; unknown brands are 404.
    for (fields, problem) in [
        (
            [
                ("id", "Vest Kraft"),
                ("name", "V"),
                ("role", "competitor"),
                ("query", "v"),
            ],
            "Id-en må være",
        ),
        (
            [
                ("id", "fjordkraft"),
                ("name", "F"),
                ("role", "competitor"),
                ("query", "f"),
            ],
            "alt denne id-en",
        ),
        (
            [
                ("id", "ny"),
                ("name", " "),
                ("role", "competitor"),
                ("query", "f"),
            ],
            "Gi merkevaren et navn",
        ),
        (
            [
                ("id", "ny"),
                ("name", "Ny"),
                ("role", "boss"),
                ("query", "f"),
            ],
            "Velg rollen",
        ),
        (
            [
                ("id", "ny"),
                ("name", "Ny"),
                ("role", "competitor"),
                ("query", "  "),
            ],
            "Skriv et søk som",
        ),
    ] {
        let (status, html) = submit(&app, "/w/nordlys/setup/brands", &editor, &fields).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(html.contains(problem), "{problem}: {html}");
    }
    assert_eq!(brands(&app).await.len(), 2);
    let (status, _) = submit(
        &app,
        "/w/nordlys/setup/brands/delete",
        &editor,
        &[("id", "nobody")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_bad_query_is_refused_with_a_caret_under_its_column() {
    let app = TestApp::new().await;
    let editor = app.browser_as(Role::Editor).await;
    // Multi-byte characters before the problem: the column counts characters.
    let query = "bærekraft «grønn» AND (nordlys";
    let error = Query::parse(query).unwrap_err();
    let before: String = query.chars().take(error.column - 1).collect();
    let (status, html) = submit(
        &app,
        "/w/nordlys/setup/brands",
        &editor,
        &[
            ("editing", "fjordkraft"),
            ("name", "Fjordkraft"),
            ("role", "competitor"),
            ("query", query),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("class=\"field-error query-error\""), "{html}");
    assert!(
        html.contains(&format!(
            "<span class=\"query-line\">{query}</span><span class=\"caret-line\"><span class=\"caret-pad\" aria-hidden=\"true\">{before}</span><span class=\"caret\">^</span>"
        )),
        "{html}"
    );
    assert!(
        html.contains(&format!("ved tegn {}: ", error.column)),
        "{html}"
    );
    assert!(html.contains(&error.message));
    // What was typed stays in the form; nothing was saved.
    assert!(html.contains(&format!("value=\"{query}\"")));
    assert_eq!(brands(&app).await[1].query, "fjordkraft");
    assert!(audit(&app, "brand.").await.is_empty());
}

#[tokio::test]
async fn the_preview_shows_matches_or_the_error() {
    let app = TestApp::new().await;
    let editor = app.browser_as(Role::Editor).await;
    let (status, html) = app
        .page(
            "/w/nordlys/setup/brands/preview?query=nordlys",
            Some(&editor),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("<html"), "a fragment: {html}");
    assert!(html.contains("data-count=\"3\""), "{html}");
    assert!(html.contains("Nordlys Energi kutter utslipp"));
    assert!(html.contains("href=\"/w/nordlys/explorer?q=nordlys\""));

    let (_, html) = app
        .page(
            "/w/nordlys/setup/brands/preview?query=vindkraft",
            Some(&editor),
        )
        .await;
    assert!(html.contains("data-count=\"0\""), "{html}");
    assert!(html.contains("Ingen lagrede innlegg treffer"));

    // `nordlys AND (` fails at the parenthesis, column 13.
    let (status, html) = app
        .page(
            "/w/nordlys/setup/brands/preview?query=nordlys%20AND%20(",
            Some(&editor),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let error = Query::parse("nordlys AND (").unwrap_err();
    assert!(
        html.contains(&format!(
            "<span class=\"caret-pad\" aria-hidden=\"true\">{}</span><span class=\"caret\">^</span>",
            "nordlys AND (".chars().take(error.column - 1).collect::<String>()
        )),
        "{html}"
    );
    assert!(html.contains(&format!("ved tegn {}", error.column)));

    let (_, html) = app
        .page("/w/nordlys/setup/brands/preview?query=", Some(&editor))
        .await;
    assert!(html.contains("Skriv et søk"), "{html}");

    // As htmx asks for it while the query is typed.
    let response = app
        .send(
            Request::get("/w/nordlys/setup/brands/preview?query=fjordkraft")
                .header(COOKIE, &editor.cookie)
                .header("hx-request", "true")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = body_text(response).await;
    assert!(html.contains("data-count=\"2\""), "{html}");
    assert!(html.contains("Fjordkraft skuffer kundene") && !html.contains("<body"));
}

#[tokio::test]
async fn a_workspace_keeps_exactly_one_own_brand() {
    let app = TestApp::new().await;
    let editor = app.browser_as(Role::Editor).await;
    // A second own brand takes over; the old one becomes a competitor, and the page says so.
    let (status, html) = submit(
        &app,
        "/w/nordlys/setup/brands",
        &editor,
        &[
            ("id", "nordlys-konsern"),
            ("name", "Nordlys Konsern"),
            ("role", "own"),
            ("query", "\"nordlys konsern\""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Nordlys Energi er nå konkurrent"), "{html}");
    let now = brands(&app).await;
    let own: Vec<&str> = now
        .iter()
        .filter(|b| b.role == BrandRole::Own)
        .map(|b| b.id.0.as_str())
        .collect();
    assert_eq!(own, ["nordlys-konsern"]);
    let updates = audit(&app, "brand.update").await;
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].target, "nordlys");
    assert!(updates[0].detail.contains("role: own → competitor"));

    // The own brand cannot just stop being own, nor be deleted while others remain.
    let (status, html) = submit(
        &app,
        "/w/nordlys/setup/brands",
        &editor,
        &[
            ("editing", "nordlys-konsern"),
            ("name", "Nordlys Konsern"),
            ("role", "competitor"),
            ("query", "\"nordlys konsern\""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("nøyaktig én egen merkevare"), "{html}");
    let (status, html) = submit(
        &app,
        "/w/nordlys/setup/brands/delete",
        &editor,
        &[("id", "nordlys-konsern")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("kan ikke slettes"), "{html}");
    assert_eq!(brands(&app).await, now);

    // An empty workspace starts with its own brand.
    app.store
        .put_workspace(&Workspace {
            id: WorkspaceId("tom".to_owned()),
            name: "Tom".to_owned(),
            synthetic: false,
            brands: Vec::new(),
        })
        .await
        .unwrap();
    let (_, html) = app.page("/w/tom/setup/brands", Some(&editor)).await;
    assert!(html.contains("Ingen merkevarer ennå"), "{html}");
    let (status, html) = submit(
        &app,
        "/w/tom/setup/brands",
        &editor,
        &[
            ("id", "rival"),
            ("name", "Rival"),
            ("role", "competitor"),
            ("query", "rival"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("legg til din egen merkevare først"), "{html}");
}

fn minutes_ago(minutes: i64) -> Timestamp {
    now() - SignedDuration::from_mins(minutes)
}

async fn add_source(
    app: &TestApp,
    kind: SourceKind,
    name: &str,
    origin: SourceOrigin,
) -> SourceKey {
    let key = SourceKey::new(kind, name);
    app.store
        .put_source(
            &nordlys(),
            &SourceDefinition {
                key: key.clone(),
                spec: serde_json::json!({ "kind": kind.as_str(), "name": name }),
                origin,
                enabled: true,
            },
            now(),
        )
        .await
        .unwrap();
    key
}

#[tokio::test]
async fn sources_show_their_health_and_opml_and_ui_ones_can_be_switched() {
    let app = TestApp::new().await;
    let editor = app.browser_as(Role::Editor).await;
    let (_, html) = app.page("/w/nordlys/setup/sources", Some(&editor)).await;
    assert!(html.contains("Ingen kilder ennå"), "{html}");
    assert!(html.contains("[[workspaces.sources]]"));
    assert!(html.contains("omdomme sources import-opml nordlys"));

    let failing = add_source(&app, SourceKind::Mastodon, "social", SourceOrigin::Ui).await;
    let mut health = SourceHealth::default();
    health.record_failure(
        minutes_ago(5),
        "token_expired",
        "the access token was revoked; issue a new one",
    );
    app.store
        .put_source_health(&nordlys(), &failing, &health)
        .await
        .unwrap();
    app.store
        .put_source_credential(&nordlys(), &failing, b"sealed-secret-bytes")
        .await
        .unwrap();

    let working = add_source(&app, SourceKind::Rss, "nrk", SourceOrigin::Opml).await;
    let mut health = SourceHealth::default();
    health.record_success(minutes_ago(1), 3, Some(minutes_ago(11)));
    app.store
        .put_source_health(&nordlys(), &working, &health)
        .await
        .unwrap();

    let quiet = add_source(&app, SourceKind::Rss, "lokalavis", SourceOrigin::Opml).await;
    let mut health = SourceHealth::default();
    health.record_success(minutes_ago(600), 5, Some(minutes_ago(610)));
    health.record_success(minutes_ago(590), 5, None);
    app.store
        .put_source_health(&nordlys(), &quiet, &health)
        .await
        .unwrap();

    let configured = app
        .define_source(SourceKind::Bluesky, "bsky", serde_json::json!({}))
        .await;

    let (status, html) = app.page("/w/nordlys/setup/sources", Some(&editor)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-setup=\"sources\" aria-current=\"page\""));
    for (key, health) in [
        (&failing, "failing"),
        (&working, "ok"),
        (&quiet, "silent"),
        (&configured, "new"),
    ] {
        assert!(
            html.contains(&format!("data-source=\"{key}\" data-health=\"{health}\"")),
            "{key} {health}: {html}"
        );
    }
    assert!(html.contains("badge bad") && html.contains("badge warn") && html.contains("badge ok"));
    assert!(html.contains("the access token was revoked; issue a new one"));
    assert!(
        html.contains("Lag et nytt token hos plattformen"),
        "the hint"
    );
    assert!(html.contains("no new items for"), "the silence warning");
    assert!(html.contains("0,3 innlegg per minutt"), "{html}");
    assert!(html.contains("lagret (vises aldri)"));
    assert!(!html.contains("sealed-secret-bytes"));
    assert!(html.contains("Står i konfigurasjonsfilen"));

    let (status, html) = submit(
        &app,
        "/w/nordlys/setup/sources/enabled",
        &editor,
        &[("source", "rss:nrk"), ("enabled", "false")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("data-enabled=\"false\""));
    let stored = app
        .store
        .source(&nordlys(), &working)
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.enabled);
    assert_eq!(stored.origin, SourceOrigin::Opml);
    assert_eq!(stored.health.items_total, 3, "health survives the switch");
    let (status, _) = submit(
        &app,
        "/w/nordlys/setup/sources/enabled",
        &editor,
        &[("source", "rss:nrk"), ("enabled", "true")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        app.store
            .source(&nordlys(), &working)
            .await
            .unwrap()
            .unwrap()
            .enabled
    );

    // Config sources belong to the file.
    let (status, html) = submit(
        &app,
        "/w/nordlys/setup/sources/enabled",
        &editor,
        &[("source", "bluesky:bsky"), ("enabled", "false")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("overskrevet"), "{html}");
    let (status, _) = submit(
        &app,
        "/w/nordlys/setup/sources/delete",
        &editor,
        &[("source", "bluesky:bsky")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        app.store
            .source(&nordlys(), &configured)
            .await
            .unwrap()
            .unwrap()
            .enabled
    );

    let (status, _) = submit(
        &app,
        "/w/nordlys/setup/sources/delete",
        &editor,
        &[("source", "mastodon:social")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        app.store
            .source(&nordlys(), &failing)
            .await
            .unwrap()
            .is_none()
    );
    for source in ["rss:none", "nonsense", "fax:x"] {
        let (status, _) = submit(
            &app,
            "/w/nordlys/setup/sources/delete",
            &editor,
            &[("source", source)],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{source}");
    }
    let actions: Vec<String> = audit(&app, "source.")
        .await
        .into_iter()
        .map(|e| format!("{} {}", e.action, e.target))
        .collect();
    assert_eq!(
        actions,
        [
            "source.delete mastodon:social",
            "source.enable rss:nrk",
            "source.disable rss:nrk"
        ]
    );
}

#[tokio::test]
async fn admins_add_users_change_roles_reset_passwords_and_delete() {
    let app = TestApp::new().await;
    let admin = app.browser_as(Role::Admin).await;
    let (status, html) = app.page("/setup/users", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(EMAIL) && html.contains("Kari Nordmann"));
    assert!(html.contains("data-setup=\"users\" aria-current=\"page\""));

    let password = "et langt nok passord";
    let short = submit(
        &app,
        "/setup/users",
        &admin,
        &[
            ("email", "ola@nordlys.no"),
            ("name", "Ola"),
            ("role", "editor"),
            ("password", "for kort"),
            ("language", "en"),
        ],
    )
    .await;
    assert_eq!(short.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.1.contains("minst 12 tegn"), "{}", short.1);
    assert!(
        short.1.contains("value=\"ola@nordlys.no\""),
        "the form keeps its values"
    );
    assert!(app.store.user("ola@nordlys.no").await.unwrap().is_none());
    let (status, _) = submit(
        &app,
        "/setup/users",
        &admin,
        &[
            ("email", "ola"),
            ("name", "Ola"),
            ("role", "editor"),
            ("password", password),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, html) = submit(
        &app,
        "/setup/users",
        &admin,
        &[
            ("email", "ola@nordlys.no"),
            ("name", "Ola"),
            ("role", "editor"),
            ("password", password),
            ("language", "en"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let ola = app.store.user("ola@nordlys.no").await.unwrap().unwrap();
    assert_eq!(ola.role, Role::Editor);
    assert_eq!(ola.language, omdomme_store::UiLanguage::En);
    assert!(omdomme_web::auth::verify_password(
        password,
        &ola.password_hash
    ));
    let (status, html) = submit(
        &app,
        "/setup/users",
        &admin,
        &[
            ("email", "OLA@nordlys.no"),
            ("name", "Ola igjen"),
            ("role", "viewer"),
            ("password", password),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("finnes alt en bruker"), "{html}");

    let (status, _) = submit(
        &app,
        "/setup/users/role",
        &admin,
        &[("email", EMAIL), ("role", "leader")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.store.user(EMAIL).await.unwrap().unwrap().role,
        Role::Leader
    );

    // Kari is logged in; a reset ends her sessions.
    let kari = Browser::from_cookie(app.session().await);
    assert_eq!(app.page("/account", Some(&kari)).await.0, StatusCode::OK);
    let (status, _) = submit(
        &app,
        "/setup/users/password",
        &admin,
        &[("email", EMAIL), ("password", "kort")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = submit(
        &app,
        "/setup/users/password",
        &admin,
        &[("email", EMAIL), ("password", "et nytt og langt passord")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let kari_now = app.store.user(EMAIL).await.unwrap().unwrap();
    assert!(omdomme_web::auth::verify_password(
        "et nytt og langt passord",
        &kari_now.password_hash
    ));
    assert_eq!(
        app.page("/account", Some(&kari)).await.0,
        StatusCode::SEE_OTHER
    );

    let kari = Browser::from_cookie(app.session().await);
    let (status, _) = submit(&app, "/setup/users/delete", &admin, &[("email", EMAIL)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(app.store.user(EMAIL).await.unwrap().is_none());
    assert_eq!(
        app.page("/account", Some(&kari)).await.0,
        StatusCode::SEE_OTHER
    );
    let (status, _) = submit(&app, "/setup/users/delete", &admin, &[("email", EMAIL)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let log = audit(&app, "user.").await;
    let entries: Vec<String> = log
        .iter()
        .map(|e| format!("{} {} {}", e.action, e.target, e.detail))
        .collect();
    assert_eq!(
        entries[0],
        format!("user.delete {EMAIL} name \"Kari Nordmann\", role leader")
    );
    assert_eq!(
        entries[1],
        format!("user.password_reset {EMAIL} 1 sessions ended")
    );
    assert_eq!(entries[2], format!("user.role {EMAIL} viewer → leader"));
    assert_eq!(
        entries[3],
        "user.add ola@nordlys.no name \"Ola\", role editor"
    );
    assert!(
        log.iter()
            .all(|e| e.workspace.is_none() && e.actor == "admin@nordlys.no")
    );
    for entry in &log {
        assert!(
            !entry.detail.contains("passord"),
            "no password in {entry:?}"
        );
    }
}

#[tokio::test]
async fn admins_cannot_demote_or_delete_themselves() {
    let app = TestApp::new().await;
    let admin = app.browser_as(Role::Admin).await;
    let (status, html) = submit(
        &app,
        "/setup/users/role",
        &admin,
        &[("email", "admin@nordlys.no"), ("role", "viewer")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Du kan ikke endre din egen rolle"), "{html}");
    let (status, html) = submit(
        &app,
        "/setup/users/delete",
        &admin,
        &[("email", "ADMIN@nordlys.no")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Du kan ikke slette deg selv"), "{html}");
    let me = app.store.user("admin@nordlys.no").await.unwrap().unwrap();
    assert_eq!(me.role, Role::Admin);
    // The page offers neither for the admin's own row.
    let (_, html) = app.page("/setup/users", Some(&admin)).await;
    let own_row = html
        .split("data-user=\"admin@nordlys.no\"")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(!own_row.contains("/setup/users/delete") && !own_row.contains("/setup/users/role"));

    // With a second admin, one may demote the other, but never down to no admin at all.
    app.session_as(Role::Leader).await;
    let (status, _) = submit(
        &app,
        "/setup/users/role",
        &admin,
        &[("email", "leader@nordlys.no"), ("role", "admin")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = submit(
        &app,
        "/setup/users/role",
        &admin,
        &[("email", "leader@nordlys.no"), ("role", "editor")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let admins = app
        .store
        .users()
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.role == Role::Admin)
        .count();
    assert_eq!(admins, 1);
}

async fn log_entry(
    app: &TestApp,
    minutes: i64,
    actor: &str,
    workspace: Option<&str>,
    action: &str,
    detail: &str,
) {
    app.store
        .append_audit(&AuditEntry {
            at: minutes_ago(minutes),
            actor: actor.to_owned(),
            workspace: workspace.map(|w| WorkspaceId(w.to_owned())),
            action: action.to_owned(),
            target: "t".to_owned(),
            detail: detail.to_owned(),
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn the_audit_log_filters_and_pages_newest_first() {
    let app = TestApp::new().await;
    let leader = app.browser_as(Role::Leader).await;
    let (_, html) = app.page("/setup/audit", Some(&leader)).await;
    assert!(html.contains("Ingen endringer er logget ennå"), "{html}");
    assert!(html.contains("data-setup=\"audit\" aria-current=\"page\""));
    assert!(
        html.contains("data-setup=\"brands\""),
        "leaders may edit brands"
    );
    assert!(!html.contains("data-setup=\"users\""));

    for n in 0..55 {
        log_entry(
            &app,
            1000 - n,
            "ola@nordlys.no",
            Some("nordlys"),
            "inbox.assign",
            &format!("entry {n}"),
        )
        .await;
    }
    log_entry(
        &app,
        10,
        "kari@nordlys.no",
        Some("nordlys"),
        "brand.update",
        "query: \"a\" → \"b\"",
    )
    .await;
    log_entry(
        &app,
        5,
        "admin@nordlys.no",
        None,
        "user.add",
        "name \"Per\", role viewer",
    )
    .await;

    let (status, html) = app.page("/setup/audit", Some(&leader)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches("<tr data-audit=").count(), 50);
    let user_add = html.find("user.add").unwrap();
    let brand_update = html.find("brand.update").unwrap();
    assert!(user_add < brand_update, "newest first");
    assert!(
        html.contains("15. juni 2025 kl. 13:55"),
        "Oslo time: {html}"
    );
    let older = html
        .split("href=\"")
        .find(|part| part.contains("data-action=\"older\""))
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&");
    assert!(older.starts_with("/setup/audit?before="), "{older}");
    let (_, html) = app.page(&older, Some(&leader)).await;
    assert_eq!(html.matches("<tr data-audit=").count(), 7);
    assert!(html.contains("entry 0") && !html.contains("entry 7<"));
    assert!(!html.contains("data-action=\"older\""));
    assert!(html.contains("rel=\"first\""));

    let (_, html) = app.page("/setup/audit?action=brand.", Some(&leader)).await;
    assert_eq!(html.matches("<tr data-audit=").count(), 1);
    assert!(html.contains("query: &#34;a&#34; → &#34;b&#34;"), "{html}");
    let (_, html) = app
        .page(
            "/setup/audit?actor=ADMIN%40nordlys.no&workspace=&action=",
            Some(&leader),
        )
        .await;
    assert_eq!(html.matches("<tr data-audit=").count(), 1);
    assert!(html.contains("user.add"));
    let (_, html) = app
        .page(
            "/setup/audit?workspace=nordlys&action=inbox.",
            Some(&leader),
        )
        .await;
    assert_eq!(html.matches("<tr data-audit=").count(), 50);
    assert!(html.contains("<option value=\"nordlys\" selected>"));
    assert!(html.contains("data-action=\"older\""));
    let (_, html) = app
        .page("/setup/audit?action=nothing.", Some(&leader))
        .await;
    assert!(html.contains("Ingen oppføringer passer"), "{html}");
    let (status, _) = app.page("/setup/audit?page=2", Some(&leader)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn hostile_names_queries_and_details_show_as_text() {
    let app = TestApp::new().await;
    let admin = app.browser_as(Role::Admin).await;
    for (n, hostile) in HOSTILE.iter().enumerate() {
        let id = format!("hostile-{n}");
        let query = format!("nordlys OR \"{}\"", hostile.replace('"', ""));
        let (status, html) = submit(
            &app,
            "/w/nordlys/setup/brands",
            &admin,
            &[
                ("id", &id),
                ("name", hostile),
                ("role", "competitor"),
                ("query", &query),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{hostile}: {html}");
        assert_escaped(&html);
        // A query that does not parse is echoed in the form and the caret block.
        let (status, html) = submit(
            &app,
            "/w/nordlys/setup/brands",
            &admin,
            &[
                ("id", "x"),
                ("name", hostile),
                ("role", "competitor"),
                ("query", &format!("{hostile} AND (")),
            ],
        )
        .await;
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY,
            "{hostile}: {status}"
        );
        assert_escaped(&html);
        let (_, html) = app
            .page(
                &format!(
                    "/w/nordlys/setup/brands/preview?query={}",
                    omdomme_web::pages::query_value(hostile)
                ),
                Some(&admin),
            )
            .await;
        assert_escaped(&html);
        let (status, html) = submit(
            &app,
            "/setup/users",
            &admin,
            &[
                ("email", &format!("h{n}@nordlys.no")),
                ("name", hostile),
                ("role", "viewer"),
                ("password", "et langt nok passord"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{hostile}: {html}");
        assert_escaped(&html);
        add_source(&app, SourceKind::Rss, hostile, SourceOrigin::Ui).await;
    }
    let (_, html) = app.page("/w/nordlys/setup/brands", Some(&admin)).await;
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{html}"
    );
    assert_escaped(&html);
    for uri in ["/w/nordlys/setup/sources", "/setup/users", "/setup/audit"] {
        let (status, html) = app.page(uri, Some(&admin)).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(html.contains("&#60;/style&#62;"), "{uri}: {html}");
        assert_escaped(&html);
    }
}

#[tokio::test]
async fn each_setup_page_refuses_the_roles_below_it() {
    let app = TestApp::new().await;
    for (role, brands, users, audit) in [
        (
            Role::Viewer,
            StatusCode::FORBIDDEN,
            StatusCode::FORBIDDEN,
            StatusCode::FORBIDDEN,
        ),
        (
            Role::Responder,
            StatusCode::FORBIDDEN,
            StatusCode::FORBIDDEN,
            StatusCode::FORBIDDEN,
        ),
        (
            Role::Editor,
            StatusCode::OK,
            StatusCode::FORBIDDEN,
            StatusCode::FORBIDDEN,
        ),
        (
            Role::Leader,
            StatusCode::OK,
            StatusCode::FORBIDDEN,
            StatusCode::OK,
        ),
        (Role::Admin, StatusCode::OK, StatusCode::OK, StatusCode::OK),
    ] {
        let browser = app.browser_as(role).await;
        assert_eq!(
            app.page("/w/nordlys/setup/brands", Some(&browser)).await.0,
            brands,
            "{role:?}"
        );
        assert_eq!(
            app.page("/w/nordlys/setup/sources", Some(&browser)).await.0,
            brands,
            "{role:?}"
        );
        assert_eq!(
            app.page("/setup/users", Some(&browser)).await.0,
            users,
            "{role:?}"
        );
        assert_eq!(
            app.page("/setup/audit", Some(&browser)).await.0,
            audit,
            "{role:?}"
        );
    }
    // A refused form changes nothing, even with a valid body.
    let viewer = app.browser_as(Role::Viewer).await;
    let response = app
        .submit(
            "/w/nordlys/setup/brands/delete",
            &viewer,
            &[("id", "fjordkraft")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(brands(&app).await.len(), 2);
    let editor = app.browser_as(Role::Editor).await;
    let response = app
        .submit("/setup/users/delete", &editor, &[("email", EMAIL)])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(app.store.user(EMAIL).await.unwrap().is_some());
}

#[tokio::test]
async fn a_workspace_with_two_own_brands_says_so_and_saving_one_fixes_it() {
    let app = TestApp::new().await;
    let mut workspace = app.store.workspace(&nordlys()).await.unwrap().unwrap();
    workspace.brands[1].role = BrandRole::Own;
    app.store.put_workspace(&workspace).await.unwrap();
    let editor = app.browser_as(Role::Editor).await;
    let (_, html) = app.page("/w/nordlys/setup/brands", Some(&editor)).await;
    assert!(html.contains("flere egne merkevarer"), "{html}");
    let (status, html) = submit(
        &app,
        "/w/nordlys/setup/brands",
        &editor,
        &[
            ("editing", "nordlys"),
            ("name", "Nordlys Energi"),
            ("role", "own"),
            ("query", "nordlys"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Fjordkraft er nå konkurrent"), "{html}");
    assert!(!html.contains("flere egne merkevarer"));
    assert_eq!(brands(&app).await[1].role, BrandRole::Competitor);
}
