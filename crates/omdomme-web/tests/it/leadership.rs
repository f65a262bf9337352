//! The leadership pages (issue 7): templates applied without overwriting the team's roles or
//! goals, proposed goals accepted once, the alignment check with its links, the audience
//! planner's suggestions and edits, the maturity view; every change audited, hostile text
//! shown as text.

use axum::http::StatusCode;
use omdomme_core::{SourceKind, Topic};
use omdomme_store::{AuditQuery, BusinessType, ChannelRole, GoalDraft, Role, Strategy};

use crate::calendar::{post_at, story, ws};
use crate::support::{TestApp, body_text, now};

const HOSTILE: &str = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>";

async fn actions(app: &TestApp, prefix: &str) -> Vec<(String, String, String)> {
    app.store
        .audit_log(&AuditQuery {
            action_prefix: Some(prefix.to_owned()),
            limit: 100,
            ..AuditQuery::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.entry.action, r.entry.actor, r.entry.detail))
        .collect()
}

fn escaped(html: &str) {
    assert!(
        !html.contains("<script>alert") && !html.contains("<img src=x"),
        "{html}"
    );
}

#[tokio::test]
async fn a_template_fills_the_empty_roles_and_its_goals_are_accepted_once() {
    let app = TestApp::new().await;
    let leader = app.browser_as(Role::Leader).await;
    // The team's own words for Facebook, and a goal of their own, come first.
    app.store
        .put_strategy(
            &ws(),
            &Strategy {
                business_type: None,
                roles: vec![ChannelRole {
                    channel: SourceKind::Facebook,
                    purpose: "Vår egen rolle".into(),
                }],
                updated_by: "leader@nordlys.no".into(),
                updated_at: now(),
            },
            "setup",
        )
        .await
        .unwrap();
    let response = app
        .submit(
            "/w/nordlys/strategy/template",
            &leader,
            &[("business_type", "consumer_goods")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = body_text(response).await;
    assert!(html.contains("Malen er brukt: Forbruksvarer"), "{html}");
    let strategy = app.store.strategy(&ws()).await.unwrap().unwrap();
    assert_eq!(strategy.business_type, Some(BusinessType::ConsumerGoods));
    assert_eq!(strategy.roles.len(), 4);
    let role = |c| {
        strategy
            .roles
            .iter()
            .find(|r| r.channel == c)
            .unwrap()
            .purpose
            .clone()
    };
    assert_eq!(role(SourceKind::Facebook), "Vår egen rolle");
    assert_eq!(role(SourceKind::X), "Presse og samfunnskontakt");
    // Applying creates no goal: they are proposals.
    assert!(app.store.goals(&ws()).await.unwrap().is_empty());
    assert!(
        html.contains("data-proposal=\"product-engagement\""),
        "{html}"
    );

    let accept = |key: &'static str| {
        let app = &app;
        let leader = &leader;
        async move {
            app.submit("/w/nordlys/strategy/goals", leader, &[("key", key)])
                .await
        }
    };
    let response = accept("product-engagement").await;
    assert_eq!(response.status(), StatusCode::OK);
    let goals = app.store.goals(&ws()).await.unwrap();
    assert_eq!(goals.len(), 1);
    assert_eq!(
        goals[0].draft.name,
        "Mer engasjement rundt produktene på Facebook"
    );
    assert_eq!(goals[0].draft.owner.as_deref(), Some("leader@nordlys.no"));
    assert_eq!(goals[0].draft.channel, Some(SourceKind::Facebook));
    assert!(goals[0].draft.deadline.is_some());
    // Twice: refused, no twin.
    let response = accept("product-engagement").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.store.goals(&ws()).await.unwrap().len(), 1);
    let response = accept("no-such-goal").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .submit(
            "/w/nordlys/strategy/template",
            &leader,
            &[("business_type", "bakery")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let strategy_log = actions(&app, "strategy.").await;
    assert_eq!(strategy_log.len(), 2, "{strategy_log:?}");
    assert!(
        strategy_log[0].2.contains("consumer_goods"),
        "{strategy_log:?}"
    );
    let goal_log = actions(&app, "goal.").await;
    assert_eq!(goal_log.len(), 1);
    assert!(goal_log[0].2.contains("product-engagement"), "{goal_log:?}");
}

#[tokio::test]
async fn roles_are_edited_by_leaders_and_shown_as_text_to_viewers() {
    let app = TestApp::new().await;
    let leader = app.browser_as(Role::Leader).await;
    let response = app
        .submit(
            "/w/nordlys/strategy/roles",
            &leader,
            &[
                ("role_facebook", HOSTILE),
                ("role_x", "  "),
                ("role_mastodon", "Fagmiljø"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    escaped(&body_text(response).await);
    let strategy = app.store.strategy(&ws()).await.unwrap().unwrap();
    assert_eq!(strategy.roles.len(), 2);
    assert_eq!(strategy.roles[1].purpose, HOSTILE);
    let viewer = app.browser_as(Role::Viewer).await;
    let (status, html) = app.page("/w/nordlys/strategy", Some(&viewer)).await;
    assert_eq!(status, StatusCode::OK);
    escaped(&html);
    assert!(html.contains("&#60;script&#62;"), "{html}");
    assert!(
        !html.contains("strategy/roles"),
        "viewers get no form: {html}"
    );
    let too_long = "x".repeat(301);
    let response = app
        .submit(
            "/w/nordlys/strategy/roles",
            &leader,
            &[("role_facebook", too_long.as_str())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .submit("/w/nordlys/strategy/roles", &leader, &[("role_rss", "x")])
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(actions(&app, "strategy.").await.len(), 1);
}

#[tokio::test]
async fn the_alignment_check_lists_what_to_fix_with_links() {
    let app = TestApp::new().await;
    let served = app
        .store
        .put_goal(
            &ws(),
            None,
            &GoalDraft {
                name: "Betjent mål".into(),
                owner: Some("leader@nordlys.no".into()),
                metric: "delinger".into(),
                ..GoalDraft::default()
            },
            now(),
        )
        .await
        .unwrap();
    app.store
        .put_goal(
            &ws(),
            None,
            &GoalDraft {
                name: HOSTILE.into(),
                metric: "m".into(),
                deadline: Some("2025-01-01".parse().unwrap()),
                ..GoalDraft::default()
            },
            now(),
        )
        .await
        .unwrap();
    let with_goal = story(&app, "Med mål", Topic::Climate, Some(served)).await;
    post_at(
        &app,
        &with_goal,
        SourceKind::Mastodon,
        "a",
        "2025-06-20T09:00:00Z",
    )
    .await;
    let without = story(&app, "Uten mål", Topic::Climate, None).await;
    post_at(
        &app,
        &without,
        SourceKind::Mastodon,
        "b",
        "2025-06-10T09:00:00Z",
    )
    .await;

    let viewer = app.browser_as(Role::Viewer).await;
    let (status, html) = app.page("/w/nordlys/strategy", Some(&viewer)).await;
    assert_eq!(status, StatusCode::OK);
    escaped(&html);
    assert!(
        html.contains("data-finding=\"activity-without-goal\""),
        "{html}"
    );
    assert!(
        html.contains(&format!("/w/nordlys/stories/{}/edit", without.id)),
        "{html}"
    );
    assert!(
        html.contains("data-finding=\"goal-past-deadline\""),
        "{html}"
    );
    assert!(
        html.contains("data-finding=\"goal-without-owner\""),
        "{html}"
    );
    assert!(
        !html.contains("data-finding=\"goal-without-activity\""),
        "{html}"
    );
}

#[tokio::test]
async fn the_audience_planner_suggests_cites_and_is_edited_by_leaders() {
    let app = TestApp::new().await;
    let viewer = app.browser_as(Role::Viewer).await;
    let (status, html) = app
        .page("/w/nordlys/audience?ages=60%2B", Some(&viewer))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("PRODUCT.md"), "{html}");
    assert!(html.contains("2\u{a0}800\u{a0}000"), "{html}");
    assert!(html.contains("data-assumed=\"true\""), "{html}");
    let first = html.find("data-suggestion=").unwrap();
    assert!(
        html[first..].starts_with("data-suggestion=\"Facebook\""),
        "{html}"
    );
    assert!(!html.contains("audience-editor"), "{html}");
    let (status, _) = app
        .page("/w/nordlys/audience?ages=10-14", Some(&viewer))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A leader makes Mastodon the channel of the young.
    let leader = app.browser_as(Role::Leader).await;
    let (_, html) = app.page("/w/nordlys/audience", Some(&leader)).await;
    let mut fields: Vec<(String, String)> = Vec::new();
    for part in html
        .split("<input type=\"text\" inputmode=\"decimal\" name=\"")
        .skip(1)
    {
        let name = part.split('"').next().unwrap().to_owned();
        let value = part
            .split("value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        fields.push((name, value));
    }
    assert_eq!(fields.len(), 4 + 1 + 4 * 4, "{fields:?}");
    for (name, value) in &mut fields {
        if name == "share_mastodon_15-29" {
            *value = "95".into();
        }
    }
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let response = app.submit("/w/nordlys/audience", &leader, &borrowed).await;
    assert_eq!(response.status(), StatusCode::OK);
    let (_, html) = app
        .page("/w/nordlys/audience?ages=15-29", Some(&viewer))
        .await;
    let first = html.find("data-suggestion=").unwrap();
    assert!(
        html[first..].starts_with("data-suggestion=\"Mastodon\""),
        "{html}"
    );

    let mut bad = borrowed.clone();
    bad[0].1 = "mye";
    let response = app.submit("/w/nordlys/audience", &leader, &bad).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = app.submit("/w/nordlys/audience/reset", &leader, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let log = actions(&app, "audience.").await;
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0].2, "reset to the defaults");
}

#[tokio::test]
async fn the_maturity_view_shows_what_is_missing_with_next_steps() {
    let app = TestApp::new().await;
    let viewer = app.browser_as(Role::Viewer).await;
    let (status, html) = app.page("/w/nordlys/maturity", Some(&viewer)).await;
    assert_eq!(status, StatusCode::OK);
    for stage in ["policy", "protection", "opportunity"] {
        assert!(html.contains(&format!("data-stage=\"{stage}\"")), "{html}");
    }
    assert!(
        html.contains("data-check=\"policy-stored\" data-state=\"missing\""),
        "{html}"
    );
    assert!(
        html.contains("data-check=\"blocking-rules\" data-state=\"in-place\""),
        "{html}"
    );
    assert!(html.contains("/w/nordlys/setup/policy"), "{html}");
    assert!(
        html.contains("data-nav=\"leadership\" aria-current=\"page\"")
            || html.contains("aria-current=\"page\" data-nav=\"leadership\""),
        "{html}"
    );
}

#[tokio::test]
async fn the_leadership_pages_speak_english_too() {
    let app = TestApp::new().await;
    let leader = app.browser_as(Role::Leader).await;
    let response = app
        .submit(
            "/account/language",
            &leader,
            &[("language", "en"), ("next", "/")],
        )
        .await;
    assert!(response.status().is_redirection(), "{}", response.status());
    app.submit(
        "/w/nordlys/strategy/template",
        &leader,
        &[("business_type", "engineering")],
    )
    .await;
    let strategy = app.store.strategy(&ws()).await.unwrap().unwrap();
    assert!(
        strategy
            .roles
            .iter()
            .any(|r| r.purpose == "Recruiting young engineers"),
        "{strategy:?}"
    );
    for (path, words) in [
        ("strategy", "Employer branding: stories from the workplace"),
        ("audience", "ages 15–29"),
        ("maturity", "The social-media policy is adopted and stored"),
    ] {
        let (status, html) = app.page(&format!("/w/nordlys/{path}"), Some(&leader)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains(words), "{path}: {html}");
        assert!(html.contains(">Leadership<"), "{path}: {html}");
    }
}
