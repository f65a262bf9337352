//! Several web nodes on one store (issue 8): nothing about a login lives in a node, so a
//! load balancer may send each request to any node.

use std::sync::Arc;

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{Request, StatusCode};
use axum::response::Response;
use omdomme_web::{AppState, router};
use serde_json::json;
use tower::ServiceExt;

use crate::support::{EMAIL, PASSWORD, TestApp, assert_error, body_text, json};

/// A second node on the app's store: its own caches, as another process would have.
fn other_node(app: &TestApp) -> AppState {
    AppState {
        overview_figures: Arc::new(omdomme_web::pages::overview::figure_cache()),
        ..app.state()
    }
}

async fn send(node: &AppState, request: Request<Body>) -> Response {
    router(node.clone()).oneshot(request).await.unwrap()
}

fn session_cookie(response: &Response) -> String {
    response.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn two_nodes_on_one_store_share_logins_and_logouts() {
    let app = TestApp::new().await;
    let (a, b) = (app.state(), other_node(&app));

    // Logged in through node a's API, known to node b.
    let login = send(
        &a,
        Request::post("/api/session")
            .header(CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({ "email": EMAIL, "password": PASSWORD }).to_string(),
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(login.status(), StatusCode::OK);
    let cookie = session_cookie(&login);
    let me = send(
        &b,
        Request::get("/api/session")
            .header(COOKIE, &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(json(me).await["email"], EMAIL);

    // The login form served by node b is accepted by node a (its token is in a cookie,
    // not in b's memory), and the pages' CSRF token works on either node.
    let form = send(&b, Request::get("/login").body(Body::empty()).unwrap()).await;
    let form_cookie = session_cookie(&form);
    let token = form_cookie.split_once('=').unwrap().1.to_owned();
    assert!(body_text(form).await.contains(&token));
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("_csrf", &token)
        .append_pair("email", EMAIL)
        .append_pair("password", PASSWORD)
        .append_pair("next", "/account")
        .finish();
    let logged_in = send(
        &a,
        Request::post("/login")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(COOKIE, &form_cookie)
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(logged_in.status(), StatusCode::SEE_OTHER);
    let second = session_cookie(&logged_in);
    let account = send(
        &b,
        Request::get("/account")
            .header(COOKIE, &second)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(account.status(), StatusCode::OK);

    // Logged out through node b: node a refuses the session at once.
    let logout = send(
        &b,
        Request::delete("/api/session")
            .header(COOKIE, &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let refused = send(
        &a,
        Request::get("/api/search")
            .header(COOKIE, &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let status = refused.status();
    assert_error(
        status,
        &json(refused).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    // The other login stays.
    let still = send(
        &a,
        Request::get("/account")
            .header(COOKIE, &second)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(still.status(), StatusCode::OK);
}

#[tokio::test]
async fn failed_logins_count_across_nodes() {
    let app = TestApp::new().await;
    let (a, b) = (app.state(), other_node(&app));
    let attempt = |password: &str| {
        Request::post("/api/session")
            .header(CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({ "email": EMAIL, "password": password }).to_string(),
            ))
            .unwrap()
    };
    // The account's failures spread over both nodes, as a load balancer would send them.
    for n in 0..omdomme_web::login_limit::MAX_FAILURES_PER_ACCOUNT {
        let node = if n % 2 == 0 { &a } else { &b };
        let refused = send(node, attempt("wrong password!")).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    }
    // Each node now refuses even the right password until the window ends.
    for node in [&a, &b] {
        let limited = send(node, attempt(PASSWORD)).await;
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    }
}
