//! Puts the scenario's stories into the demo's store the way a team would have made them:
//! through the workflow, written by one person and approved by another, published through
//! the outbox (recorded, since the demo's accounts are synthetic), with engagement read back.

use std::sync::Arc;

use anyhow::Context as _;
use jiff::{SignedDuration, Timestamp};
use omdomme_core::{Action, SourceKey, SourceKind, WorkspaceId};
use omdomme_demo::stories::{APPROVER, DemoPerson, DemoStage, WRITER};
use omdomme_policy::{Policy, RuleKind};
use omdomme_store::{
    GoalDraft, NewPost, PostStep, ProofPointDraft, PublishOutcome, Published, Role,
    SourceDefinition, SourceOrigin, Store, StoredPolicy, StoryDraft, UiLanguage, UserRecord,
};

/// Adds the demo's people, the own brand's (disabled, synthetic) accounts as channels, the
/// goal and the stories with their posts. `end` is the scenario window's end.
pub async fn seed(
    store: &Arc<dyn Store>,
    workspace: &WorkspaceId,
    end: Timestamp,
) -> anyhow::Result<()> {
    for (person, role) in [(WRITER, Role::Editor), (APPROVER, Role::Leader)] {
        add_person(store, person, role).await?;
    }
    let created = end - SignedDuration::from_hours(24 * 95);
    for kind in [
        SourceKind::Mastodon,
        SourceKind::Bluesky,
        SourceKind::X,
        SourceKind::Facebook,
    ] {
        store
            .put_source(workspace, &channel_source(kind), created)
            .await
            .with_context(|| format!("adding the demo's {} account", kind.as_str()))?;
    }
    store
        .put_policy(
            workspace,
            &StoredPolicy {
                json: demo_policy().to_json(),
                updated_by: APPROVER.email.to_owned(),
                updated_at: created,
            },
        )
        .await
        .context("storing the demo's policy")?;
    let plan = omdomme_demo::stories::goal();
    let goal = store
        .put_goal(
            workspace,
            None,
            &GoalDraft {
                name: plan.name.to_owned(),
                channel: None,
                owner: Some(APPROVER.email.to_owned()),
                metric: plan.metric.to_owned(),
                target: Some(plan.target),
                deadline: Some(
                    (end + SignedDuration::from_hours(24 * plan.deadline_days))
                        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                        .date(),
                ),
            },
            created,
        )
        .await?;
    for (n, story) in omdomme_demo::stories::stories(end).into_iter().enumerate() {
        let made = first_time(&story.posts) - SignedDuration::from_hours(24 * 7);
        let stored = store
            .create_story(
                workspace,
                &StoryDraft {
                    title: story.title.to_owned(),
                    topic: story.topic,
                    summary: story.summary.to_owned(),
                    goal: story.serves_goal.then_some(goal),
                    owner: APPROVER.email.to_owned(),
                },
                WRITER.email,
                made,
            )
            .await
            .with_context(|| format!("adding the demo story {n}"))?;
        for (statement, link) in &story.proof_points {
            store
                .add_proof_point(
                    workspace,
                    stored.id,
                    &ProofPointDraft {
                        statement: (*statement).to_owned(),
                        source_url: Some((*link).to_owned()),
                        document: None,
                    },
                    WRITER.email,
                    made,
                )
                .await?;
        }
        for post in story.posts {
            add_post(store, workspace, stored.id, post, made).await?;
        }
    }
    Ok(())
}

/// The default policy with the company's unreleased store concept as a confidential term.
fn demo_policy() -> Policy {
    let mut policy = Policy::default();
    for rule in &mut policy.rules {
        if let RuleKind::ConfidentialTerms { terms } = &mut rule.kind {
            *terms = omdomme_demo::stories::CONFIDENTIAL_TERMS
                .iter()
                .map(|t| (*t).to_owned())
                .collect();
            rule.enabled = true;
        }
    }
    policy
}

async fn add_person(store: &Arc<dyn Store>, person: DemoPerson, role: Role) -> anyhow::Result<()> {
    // Nobody logs in as them (the password is never shown); they stand for the team.
    let password = super::generate_password();
    store
        .put_user(&UserRecord {
            email: person.email.to_owned(),
            name: person.name.to_owned(),
            role,
            password_hash: omdomme_web::hash_password(&password)?,
            language: UiLanguage::Nb,
        })
        .await
        .with_context(|| format!("adding the demo user {}", person.email))
}

/// The own brand's account on `kind`, switched off: it stands for the account the demo's
/// posts go out from, and is never polled.
fn channel_source(kind: SourceKind) -> SourceDefinition {
    let handle = omdomme_demo::stories::own_handle();
    let spec = match kind {
        SourceKind::Mastodon => serde_json::json!({
            "kind": "mastodon", "name": handle, "instance": "https://mastodon.example",
            "accounts": [handle],
        }),
        SourceKind::Bluesky => serde_json::json!({
            "kind": "bluesky", "name": handle, "handle": format!("{handle}.bsky.example"),
        }),
        SourceKind::X => serde_json::json!({ "kind": "x", "name": handle }),
        _ => serde_json::json!({
            "kind": "facebook", "name": handle, "page_id": "100000000000001",
        }),
    };
    SourceDefinition {
        key: SourceKey::new(kind, handle),
        spec,
        origin: SourceOrigin::Ui,
        enabled: false,
    }
}

fn first_time(posts: &[omdomme_demo::stories::DemoPost]) -> Timestamp {
    posts
        .iter()
        .map(|p| match p.stage {
            DemoStage::Published(at, _)
            | DemoStage::Scheduled(at)
            | DemoStage::InReview(at)
            | DemoStage::Draft(at) => at,
        })
        .min()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

async fn add_post(
    store: &Arc<dyn Store>,
    workspace: &WorkspaceId,
    story: i64,
    post: omdomme_demo::stories::DemoPost,
    made: Timestamp,
) -> anyhow::Result<()> {
    let planned = match post.stage {
        DemoStage::InReview(at) | DemoStage::Draft(at) => Some(at),
        DemoStage::Published(..) | DemoStage::Scheduled(_) => None,
    };
    let mut stored = store
        .create_post(
            workspace,
            &NewPost {
                story,
                channel: SourceKey::new(post.channel, omdomme_demo::stories::own_handle()),
                text: post.text,
                attachments: Vec::new(),
                planned_at: planned,
            },
            WRITER.email,
            made,
        )
        .await?;
    let step = |action: Action, at: Timestamp, revision: i64| PostStep {
        action,
        content: None,
        comment: None,
        expected_revision: revision,
        at,
    };
    let (going_out, engagement) = match post.stage {
        DemoStage::Draft(_) => return Ok(()),
        DemoStage::InReview(_) => {
            let submit = step(
                Action::Submit {
                    by: WRITER.email.into(),
                },
                made,
                stored.revision,
            );
            store.step_post(workspace, stored.id, &submit).await?;
            return Ok(());
        }
        DemoStage::Scheduled(at) => (at, None),
        DemoStage::Published(at, engagement) => (at, Some(engagement)),
    };
    for action in [
        Action::Submit {
            by: WRITER.email.into(),
        },
        Action::Approve {
            by: APPROVER.email.into(),
        },
        Action::Schedule {
            by: WRITER.email.into(),
            at: going_out,
        },
    ] {
        stored = store
            .step_post(workspace, stored.id, &step(action, made, stored.revision))
            .await?;
    }
    let Some(engagement) = engagement else {
        return Ok(());
    };
    let key = format!("post-{}-v{}", stored.id, stored.workflow.version);
    store
        .begin_publish(workspace, stored.id, &key, going_out)
        .await?;
    let published = Published {
        at: going_out,
        external_id: format!("recorded:{key}"),
        url: None,
    };
    store
        .finish_publish(
            workspace,
            stored.id,
            &key,
            &PublishOutcome::Sent(published),
            going_out,
        )
        .await?;
    store
        .put_post_engagement(
            workspace,
            stored.id,
            &engagement,
            going_out + SignedDuration::from_hours(48),
        )
        .await?;
    Ok(())
}
