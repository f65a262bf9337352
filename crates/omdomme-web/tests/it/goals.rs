//! Goals setup: leaders create, change and delete goals (audited), editors only read; every
//! problem is named by its field; hostile names show as text; the stories serving a goal
//! are listed with it.

use axum::http::StatusCode;
use omdomme_core::Topic;
use omdomme_store::{AuditQuery, Role};

use crate::calendar::{story, ws};
use crate::support::{TestApp, body_text};

const HOSTILE: &str = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>";

async fn goal_actions(app: &TestApp) -> Vec<(String, String)> {
    app.store
        .audit_log(&AuditQuery {
            action_prefix: Some("goal.".to_owned()),
            limit: 100,
            ..AuditQuery::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.entry.action, r.entry.target))
        .collect()
}

#[tokio::test]
async fn leaders_create_edit_and_delete_goals_with_an_audit_trail() {
    let app = TestApp::new().await;
    let leader = app.browser_as(Role::Leader).await;
    let response = app
        .submit(
            "/w/nordlys/setup/goals",
            &leader,
            &[
                ("name", "Flere delinger av klimasaker"),
                ("channel", "mastodon"),
                ("owner", "leader@nordlys.no"),
                ("metric", "delinger per innlegg"),
                ("target", "12,5"),
                ("deadline", "2025-12-31"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = body_text(response).await;
    assert!(html.contains("Målet er opprettet"), "{html}");
    let goals = app.store.goals(&ws()).await.unwrap();
    assert_eq!(goals.len(), 1);
    let goal = &goals[0];
    assert_eq!(goal.draft.target, Some(12.5));
    assert_eq!(goal.draft.deadline.unwrap().to_string(), "2025-12-31");
    assert_eq!(goal.draft.owner.as_deref(), Some("leader@nordlys.no"));
    assert_eq!(goal.draft.channel.unwrap().as_str(), "mastodon");

    // The stories serving it are listed with it.
    let serving = story(&app, "Klimakutt", Topic::Climate, Some(goal.id)).await;
    let (status, html) = app.page("/w/nordlys/setup/goals", Some(&leader)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("/w/nordlys/stories/{}", serving.id)),
        "{html}"
    );
    assert!(html.contains("31. des. 2025") && html.contains("12,5"));

    // Edit: the form is filled in, and saving changes the same goal.
    let (_, form) = app
        .page(
            &format!("/w/nordlys/setup/goals?edit={}", goal.id),
            Some(&leader),
        )
        .await;
    assert!(
        form.contains("value=\"Flere delinger av klimasaker\""),
        "{form}"
    );
    let id = goal.id.to_string();
    let response = app
        .submit(
            "/w/nordlys/setup/goals",
            &leader,
            &[
                ("id", &id),
                ("name", "Flere delinger"),
                ("metric", "delinger"),
                ("target", "1 500"),
                ("deadline", ""),
                ("owner", ""),
                ("channel", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let goals = app.store.goals(&ws()).await.unwrap();
    assert_eq!(goals.len(), 1);
    assert_eq!(goals[0].draft.name, "Flere delinger");
    assert_eq!(goals[0].draft.target, Some(1500.0));
    assert_eq!(
        (goals[0].draft.deadline, goals[0].draft.owner.clone()),
        (None, None)
    );

    let response = app
        .submit("/w/nordlys/setup/goals/delete", &leader, &[("id", &id)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(app.store.goals(&ws()).await.unwrap().is_empty());
    // The story stays, without its goal.
    let kept = app.store.story(&ws(), serving.id).await.unwrap().unwrap();
    assert_eq!(kept.draft.goal, None);
    let target = format!("goal:{id}");
    assert_eq!(
        goal_actions(&app).await,
        [
            ("goal.delete".to_owned(), target.clone()),
            ("goal.update".to_owned(), target.clone()),
            ("goal.create".to_owned(), target),
        ]
    );
    // Deleting it again says so.
    let again = app
        .submit("/w/nordlys/setup/goals/delete", &leader, &[("id", &id)])
        .await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn editors_read_goals_but_cannot_change_them() {
    let app = TestApp::new().await;
    let editor = app.browser_as(Role::Editor).await;
    let (status, html) = app.page("/w/nordlys/setup/goals", Some(&editor)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("id=\"goal\""), "no form for editors");
    let refused = app
        .submit(
            "/w/nordlys/setup/goals",
            &editor,
            &[("name", "Mål"), ("metric", "tall")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(app.store.goals(&ws()).await.unwrap().is_empty());
    let leader = app.browser_as(Role::Leader).await;
    let (_, html) = app.page("/w/nordlys/setup/goals", Some(&leader)).await;
    assert!(html.contains("id=\"goal\""));
}

#[tokio::test]
async fn every_problem_is_named_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let leader = app.browser_as(Role::Leader).await;
    // A viewer cannot own a goal.
    app.browser_as(Role::Viewer).await;
    let response = app
        .submit(
            "/w/nordlys/setup/goals",
            &leader,
            &[
                ("name", ""),
                ("metric", "x"),
                ("target", "mange"),
                ("deadline", "2025-02-30"),
                ("owner", "viewer@nordlys.no"),
                ("channel", "rss"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = body_text(response).await;
    for field in ["name", "target", "deadline", "owner", "channel"] {
        assert!(
            html.contains(&format!("data-field=\"{field}\"")),
            "{field}: {html}"
        );
    }
    assert!(!html.contains("data-field=\"metric\""));
    // What was typed stays in the form.
    assert!(html.contains("value=\"mange\"") && html.contains("value=\"x\""));
    assert!(app.store.goals(&ws()).await.unwrap().is_empty());
    assert!(goal_actions(&app).await.is_empty());
    // A goal id that is not there.
    let response = app
        .submit(
            "/w/nordlys/setup/goals",
            &leader,
            &[("id", "999"), ("name", "Mål"), ("metric", "tall")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app
        .page("/w/nordlys/setup/goals?edit=999", Some(&leader))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn hostile_goal_names_show_as_text() {
    let app = TestApp::new().await;
    let leader = app.browser_as(Role::Leader).await;
    let response = app
        .submit(
            "/w/nordlys/setup/goals",
            &leader,
            &[("name", HOSTILE), ("metric", "</style>")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = body_text(response).await;
    assert!(
        !html.contains("<script>alert") && !html.contains("<img src=x"),
        "{html}"
    );
    assert!(!html.contains("</style>"));
    assert!(html.contains("&#60;script&#62;"));
    assert_eq!(app.store.goals(&ws()).await.unwrap()[0].draft.name, HOSTILE);
}
