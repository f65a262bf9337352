//! Every page route: who may see it, who is refused, and that every state-changing one
//! refuses a missing or wrong CSRF token. Each section adds its routes to [`ROUTES`].

use axum::body::Body;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{Method, Request, StatusCode};
use omdomme_store::Role;

use crate::support::{Browser, EMAIL, PASSWORD, TestApp, body_text};

/// (method, uri, least role). `{ws}` is the seeded workspace.
pub const ROUTES: &[(Method, &str, Role)] = &[
    (Method::GET, "/", Role::Viewer),
    (Method::GET, "/account", Role::Viewer),
    (Method::POST, "/account/password", Role::Viewer),
    (Method::POST, "/account/language", Role::Viewer),
    (Method::GET, "/w/{ws}/setup/brands", Role::Editor),
    (
        Method::GET,
        "/w/{ws}/setup/brands?edit=fjordkraft",
        Role::Editor,
    ),
    (
        Method::GET,
        "/w/{ws}/setup/brands/preview?query=nordlys",
        Role::Editor,
    ),
    (Method::POST, "/w/{ws}/setup/brands", Role::Editor),
    (Method::POST, "/w/{ws}/setup/brands/delete", Role::Editor),
    (Method::GET, "/w/{ws}/setup/sources", Role::Editor),
    (Method::POST, "/w/{ws}/setup/sources/enabled", Role::Editor),
    (Method::POST, "/w/{ws}/setup/sources/delete", Role::Editor),
    (Method::GET, "/setup/users", Role::Admin),
    (Method::POST, "/setup/users", Role::Admin),
    (Method::POST, "/setup/users/role", Role::Admin),
    (Method::POST, "/setup/users/password", Role::Admin),
    (Method::POST, "/setup/users/delete", Role::Admin),
    (Method::GET, "/setup/audit", Role::Leader),
    (Method::GET, "/w/{ws}/inbox", Role::Responder),
    (
        Method::GET,
        "/w/{ws}/inbox/arrivals?after=0",
        Role::Responder,
    ),
    (Method::GET, "/w/{ws}/inbox/report", Role::Leader),
    (Method::GET, "/w/{ws}/inbox/settings", Role::Leader),
    (Method::POST, "/w/{ws}/inbox/settings", Role::Leader),
    (Method::GET, "/w/{ws}/inbox/saved-replies", Role::Editor),
    (Method::POST, "/w/{ws}/inbox/saved-replies", Role::Editor),
    (Method::POST, "/w/{ws}/inbox/saved-replies/1", Role::Editor),
    (
        Method::POST,
        "/w/{ws}/inbox/saved-replies/1/delete",
        Role::Editor,
    ),
    (Method::GET, "/w/{ws}/inbox/1", Role::Responder),
    (Method::POST, "/w/{ws}/inbox/1/assign", Role::Responder),
    (Method::POST, "/w/{ws}/inbox/1/status", Role::Responder),
    (Method::POST, "/w/{ws}/inbox/1/note", Role::Responder),
    (Method::POST, "/w/{ws}/inbox/1/reply", Role::Responder),
    (Method::GET, "/w/{ws}/inbox/1/reply-box", Role::Responder),
    (Method::GET, "/w/{ws}/overview", Role::Viewer),
    // == calendar, policy, goals, effect ==
    (Method::GET, "/w/{ws}/calendar", Role::Viewer),
    (
        Method::GET,
        "/w/{ws}/calendar?view=month&date=2025-06-15",
        Role::Viewer,
    ),
    (Method::GET, "/w/{ws}/setup/policy", Role::Editor),
    (Method::POST, "/w/{ws}/setup/policy", Role::Leader),
    (Method::POST, "/w/{ws}/setup/policy/json", Role::Leader),
    (Method::POST, "/w/{ws}/setup/policy/reset", Role::Leader),
    (Method::POST, "/w/{ws}/setup/policy/try", Role::Editor),
    (Method::GET, "/w/{ws}/setup/goals", Role::Editor),
    (Method::POST, "/w/{ws}/setup/goals", Role::Leader),
    (Method::POST, "/w/{ws}/setup/goals/delete", Role::Leader),
    (Method::GET, "/w/{ws}/stories/1/effect?days=7", Role::Viewer),
    // == end calendar, policy, goals, effect ==
    // == leadership: strategy, audience, maturity (issue 7) ==
    (Method::GET, "/w/{ws}/strategy", Role::Viewer),
    (Method::POST, "/w/{ws}/strategy/template", Role::Leader),
    (Method::POST, "/w/{ws}/strategy/roles", Role::Leader),
    (Method::POST, "/w/{ws}/strategy/goals", Role::Leader),
    (Method::GET, "/w/{ws}/audience", Role::Viewer),
    (Method::GET, "/w/{ws}/audience?ages=15-29", Role::Viewer),
    (Method::POST, "/w/{ws}/audience", Role::Leader),
    (Method::POST, "/w/{ws}/audience/reset", Role::Leader),
    (Method::GET, "/w/{ws}/maturity", Role::Viewer),
    // == end leadership ==
    // == openness (issue 7) ==
    (Method::GET, "/w/{ws}/index", Role::Viewer),
    (
        Method::GET,
        "/w/{ws}/index/inquiries?brand=nordlys&filter=unanswered&days=30",
        Role::Viewer,
    ),
    // == brand accounts (issue 7) ==
    (Method::GET, "/w/{ws}/setup/accounts", Role::Editor),
    (Method::POST, "/w/{ws}/setup/accounts", Role::Leader),
    (Method::POST, "/w/{ws}/setup/accounts/delete", Role::Leader),
    // == report (issue 7) ==
    (Method::GET, "/w/{ws}/report", Role::Leader),
    (
        Method::GET,
        "/w/{ws}/report?period=2026-W47&lang=en",
        Role::Leader,
    ),
    (Method::GET, "/w/{ws}/report/email", Role::Leader),
    (Method::POST, "/w/{ws}/report/email", Role::Leader),
    (Method::POST, "/w/{ws}/report/email/send", Role::Leader),
    // == end report ==
    // == alerts (issue 7) ==
    (Method::GET, "/w/{ws}/alerts", Role::Viewer),
    (Method::GET, "/w/{ws}/alerts?before=10", Role::Viewer),
    (Method::GET, "/w/{ws}/setup/alerts", Role::Leader),
    (Method::GET, "/w/{ws}/setup/alerts?edit=vakt", Role::Leader),
    (Method::POST, "/w/{ws}/setup/alerts/channel", Role::Admin),
    (
        Method::POST,
        "/w/{ws}/setup/alerts/channel/delete",
        Role::Admin,
    ),
    (
        Method::POST,
        "/w/{ws}/setup/alerts/thresholds",
        Role::Leader,
    ),
    (Method::POST, "/w/{ws}/setup/alerts/test", Role::Leader),
    // == end alerts ==
    (Method::GET, "/w/{ws}/explorer", Role::Viewer),
    (
        Method::GET,
        "/w/{ws}/explorer?q=klima&brand=nordlys&order=newest",
        Role::Viewer,
    ),
    (Method::GET, "/w/{ws}/explorer/export.csv", Role::Viewer),
    (Method::GET, "/w/{ws}/items/1", Role::Viewer),
    (Method::GET, "/w/{ws}/stories", Role::Viewer),
    (Method::GET, "/w/{ws}/stories?by=topic", Role::Viewer),
    (Method::GET, "/w/{ws}/stories/new", Role::Editor),
    (Method::POST, "/w/{ws}/stories", Role::Editor),
    (Method::GET, "/w/{ws}/stories/1", Role::Viewer),
    (Method::GET, "/w/{ws}/stories/1/edit", Role::Editor),
    (Method::POST, "/w/{ws}/stories/1", Role::Editor),
    (Method::POST, "/w/{ws}/stories/1/proof-points", Role::Editor),
    (
        Method::POST,
        "/w/{ws}/stories/1/proof-points/1/delete",
        Role::Editor,
    ),
    (Method::POST, "/w/{ws}/stories/1/posts", Role::Editor),
    (Method::GET, "/w/{ws}/posts/1", Role::Viewer),
    (Method::POST, "/w/{ws}/posts/1", Role::Editor),
    (Method::POST, "/w/{ws}/posts/1/check", Role::Editor),
    (Method::POST, "/w/{ws}/posts/1/step", Role::Editor),
    (Method::POST, "/w/{ws}/posts/1/comments", Role::Editor),
    (Method::POST, "/w/{ws}/posts/1/attachments", Role::Editor),
    (Method::POST, "/w/{ws}/posts/1/attachments/1", Role::Editor),
    (Method::GET, "/w/{ws}/attachments/1", Role::Viewer),
];

fn uri(template: &str) -> String {
    template.replace("{ws}", "nordlys")
}

async fn call(
    app: &TestApp,
    method: &Method,
    uri: &str,
    browser: Option<&Browser>,
    csrf: Option<&str>,
) -> StatusCode {
    if method == Method::GET {
        return app.page(uri, browser).await.0;
    }
    let mut fields = Vec::new();
    if let Some(csrf) = csrf {
        fields.push(("_csrf", csrf));
    }
    app.post_form(uri, browser.map(|b| b.cookie.as_str()), &fields)
        .await
        .status()
}

#[tokio::test]
async fn every_page_sends_anonymous_visitors_to_the_login() {
    let app = TestApp::new().await;
    for (method, template, _) in ROUTES {
        let uri = uri(template);
        let status = call(&app, method, &uri, None, None).await;
        if method == Method::GET {
            assert_eq!(status, StatusCode::SEE_OTHER, "{method} {uri}");
        } else {
            // No session and no token: the CSRF guard refuses before anything else.
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {uri}");
        }
    }
}

#[tokio::test]
async fn every_page_refuses_the_roles_below_its_own_and_admits_its_own() {
    let app = TestApp::new().await;
    for role in Role::ALL {
        let browser = app.browser_as(role).await;
        for (method, template, least) in ROUTES {
            let uri = uri(template);
            let status = call(&app, method, &uri, Some(&browser), Some(&browser.csrf)).await;
            if role < *least {
                assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} {method} {uri}");
            } else {
                assert!(
                    status != StatusCode::FORBIDDEN
                        && status != StatusCode::UNAUTHORIZED
                        && !status.is_server_error(),
                    "{role:?} {method} {uri}: {status}"
                );
            }
        }
    }
}

#[tokio::test]
async fn every_form_refuses_a_missing_or_wrong_csrf_token() {
    let app = TestApp::new().await;
    let admin = app.browser_as(Role::Admin).await;
    let other = app.browser_as(Role::Viewer).await;
    for (method, template, _) in ROUTES.iter().filter(|(m, _, _)| m != Method::GET) {
        let uri = uri(template);
        assert_eq!(
            call(&app, method, &uri, Some(&admin), None).await,
            StatusCode::FORBIDDEN,
            "missing: {uri}"
        );
        assert_eq!(
            call(&app, method, &uri, Some(&admin), Some("0")).await,
            StatusCode::FORBIDDEN,
            "wrong: {uri}"
        );
        // Another session's token is no good either.
        assert_eq!(
            call(&app, method, &uri, Some(&admin), Some(&other.csrf)).await,
            StatusCode::FORBIDDEN,
            "foreign: {uri}"
        );
    }
}

#[tokio::test]
async fn the_csrf_header_works_for_htmx_and_a_foreign_origin_is_refused() {
    let app = TestApp::new().await;
    let browser = app.browser_as(Role::Viewer).await;
    let request = |csrf: &str, origin: Option<&str>| {
        let mut request = Request::post("/account/language")
            .header(COOKIE, &browser.cookie)
            .header("x-csrf-token", csrf)
            .header("host", "app.no")
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request
            .body(Body::from("language=en&next=%2Faccount"))
            .unwrap()
    };
    let ok = app
        .send(request(&browser.csrf, Some("https://app.no")))
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let cross = app
        .send(request(&browser.csrf, Some("https://evil.example")))
        .await;
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let wrong = app.send(request("nope", None)).await;
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
}

/// Logs in through the login form like a browser: GET sets the form's cookie, POST sends it
/// back with the same token.
async fn log_in(app: &TestApp, email: &str, password: &str) -> axum::response::Response {
    let form = app
        .send(Request::get("/login").body(Body::empty()).unwrap())
        .await;
    let cookie = form.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let token = cookie.split_once('=').unwrap().1.to_owned();
    let html = body_text(form).await;
    assert!(html.contains(&token), "the form repeats the cookie's token");
    app.post_form(
        "/login",
        Some(&cookie),
        &[
            ("_csrf", &token),
            ("email", email),
            ("password", password),
            ("next", "/account"),
        ],
    )
    .await
}

#[tokio::test]
async fn the_login_form_logs_in_and_logout_ends_the_session() {
    let app = TestApp::new().await;
    let response = log_in(&app, EMAIL, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/account");
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let browser = Browser::from_cookie(cookie.split(';').next().unwrap().to_owned());
    let (status, html) = app.page("/account", Some(&browser)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(EMAIL));
    let out = app.submit("/logout", &browser, &[]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.page("/account", Some(&browser)).await.0,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn wrong_passwords_are_refused_then_rate_limited() {
    let app = TestApp::new().await;
    for _ in 0..omdomme_web::login_limit::MAX_FAILURES_PER_ACCOUNT {
        let response = log_in(&app, EMAIL, "wrong password!").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(
            body_text(response)
                .await
                .contains("Feil e-post eller passord")
        );
    }
    // Now even the right password waits.
    let response = log_in(&app, EMAIL, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_login_form_refuses_a_token_that_is_not_its_cookie() {
    let app = TestApp::new().await;
    let response = app
        .post_form(
            "/login",
            Some("omdomme_csrf=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            &[
                ("_csrf", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
                ("email", EMAIL),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_password_change_needs_the_current_one_and_ends_other_sessions() {
    let app = TestApp::new().await;
    let browser = Browser::from_cookie(app.session().await);
    let elsewhere = Browser::from_cookie(app.session().await);
    let new = "en helt ny passordfrase";
    let refused = app
        .submit(
            "/account/password",
            &browser,
            &[("current", "feil"), ("new", new), ("repeat", new)],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let short = app
        .submit(
            "/account/password",
            &browser,
            &[("current", PASSWORD), ("new", "kort"), ("repeat", "kort")],
        )
        .await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let changed = app
        .submit(
            "/account/password",
            &browser,
            &[("current", PASSWORD), ("new", new), ("repeat", new)],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(app.page("/account", Some(&browser)).await.0, StatusCode::OK);
    assert_eq!(
        app.page("/account", Some(&elsewhere)).await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        log_in(&app, EMAIL, new).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_language_follows_the_user() {
    let app = TestApp::new().await;
    let browser = Browser::from_cookie(app.session().await);
    let (_, html) = app.page("/account", Some(&browser)).await;
    assert!(html.contains("<html lang=\"nb\">") && html.contains("Bytt passord"));
    let response = app
        .submit(
            "/account/language",
            &browser,
            &[("language", "en"), ("next", "//evil.example")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/", "never off-site");
    let (_, html) = app.page("/account", Some(&browser)).await;
    assert!(html.contains("<html lang=\"en\">") && html.contains("Change password"));
    let bad = app
        .submit("/account/language", &browser, &[("language", "klingon")])
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}
