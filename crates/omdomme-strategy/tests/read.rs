//! `maturity::read` and `alignment::read` against the SQLite store: what the web page and
//! the leadership report call.
#![allow(clippy::unwrap_used)]

use jiff::Timestamp;
use jiff::tz::TimeZone;
use omdomme_core::{Brand, BrandId, BrandRole, Topic, Workspace, WorkspaceId};
use omdomme_policy::{Policy, RuleKind};
use omdomme_store::{GoalDraft, SqliteStore, Store, StoredPolicy, StoryDraft};
use omdomme_strategy::alignment::{self, Finding};
use omdomme_strategy::maturity::{self, Check};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[tokio::test]
async fn the_maturity_and_alignment_of_a_workspace_are_read_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let ws = WorkspaceId("w".into());
    store
        .put_workspace(&Workspace {
            id: ws.clone(),
            name: "W".into(),
            synthetic: true,
            brands: vec![Brand {
                id: BrandId("w".into()),
                name: "W".into(),
                role: BrandRole::Own,
                query: "w".into(),
            }],
        })
        .await
        .unwrap();
    let now = ts("2026-11-27T12:00:00Z");
    let zone = TimeZone::UTC;

    let before = maturity::read(&store, &ws, now, &zone).await.unwrap();
    let state = |m: &maturity::Maturity, check: Check| {
        m.assessments
            .iter()
            .find(|a| a.check == check)
            .unwrap()
            .in_place
    };
    assert!(!state(&before, Check::PolicyStored));
    assert!(
        state(&before, Check::BlockingRules),
        "the default policy blocks"
    );
    assert!(!state(&before, Check::ConfidentialTerms));
    assert!(!state(&before, Check::GoalsOwned));

    let mut policy = Policy::default();
    for rule in &mut policy.rules {
        if let RuleKind::ConfidentialTerms { terms } = &mut rule.kind {
            *terms = vec!["Prosjekt Fjordlys".into()];
            rule.enabled = true;
        }
    }
    store
        .put_policy(
            &ws,
            &StoredPolicy {
                json: policy.to_json(),
                updated_by: "leder@w.no".into(),
                updated_at: now,
            },
        )
        .await
        .unwrap();
    let goal = store
        .put_goal(
            &ws,
            None,
            &GoalDraft {
                name: "Mål".into(),
                owner: Some("leder@w.no".into()),
                metric: "delinger".into(),
                ..GoalDraft::default()
            },
            now,
        )
        .await
        .unwrap();
    store
        .create_story(
            &ws,
            &StoryDraft {
                title: "Ny historie".into(),
                topic: Topic::Climate,
                summary: "s".into(),
                goal: Some(goal),
                owner: "leder@w.no".into(),
            },
            "leder@w.no",
            ts("2026-11-20T12:00:00Z"),
        )
        .await
        .unwrap();

    let after = maturity::read(&store, &ws, now, &zone).await.unwrap();
    assert!(state(&after, Check::PolicyStored));
    assert!(state(&after, Check::ConfidentialTerms));
    assert!(state(&after, Check::GoalsOwned));
    assert!(
        state(&after, Check::GoalsServed),
        "a story made this week serves it"
    );
    assert!(!state(&after, Check::StoriesPublished));

    let check = alignment::read(&store, &ws, now, &zone).await.unwrap();
    assert!(check.is_aligned(), "{:?}", check.findings);
    // Eight weeks on, the story is old and the goal has no activity.
    let later = alignment::read(&store, &ws, ts("2027-01-22T12:00:00Z"), &zone)
        .await
        .unwrap();
    assert_eq!(
        later.findings,
        [Finding::GoalWithoutActivity {
            goal,
            name: "Mål".into()
        }]
    );
}
