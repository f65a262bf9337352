//! The alignment check: does daily activity serve the goals? Activity is a story made in the
//! window or a post planned, scheduled or published in it (the last and next
//! [`WINDOW_WEEKS`] weeks). It lists activity with no goal, goals with no activity, goals
//! with no owner and goals past their deadline.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use omdomme_core::WorkspaceId;
use omdomme_store::{
    CalendarEntry, CalendarQuery, Goal, GoalId, Store, StoreResult, Story, StoryId,
};

/// Weeks before and after now the check looks at; the calendar reads at most 100 days.
pub const WINDOW_WEEKS: i64 = 4;

/// What the check is given.
#[derive(Clone, Copy, Debug)]
pub struct AlignmentInput<'a> {
    pub goals: &'a [Goal],
    pub stories: &'a [Story],
    /// The posts whose calendar time falls in [`AlignmentInput::from`, `to`).
    pub posts: &'a [CalendarEntry],
    pub from: Timestamp,
    pub to: Timestamp,
    /// Today in the workspace's time zone: a goal is past its deadline after it.
    pub today: Date,
}

/// One thing to fix.
#[derive(Clone, Debug, PartialEq)]
pub enum Finding {
    /// A story made, or with posts, in the window that serves no goal.
    ActivityWithoutGoal {
        story: StoryId,
        title: String,
        posts: usize,
    },
    /// A running goal no story served in the window.
    GoalWithoutActivity {
        goal: GoalId,
        name: String,
    },
    GoalWithoutOwner {
        goal: GoalId,
        name: String,
    },
    GoalPastDeadline {
        goal: GoalId,
        name: String,
        deadline: Date,
    },
}

/// The check's result.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Alignment {
    /// Activity first, then goals, each in the order given.
    pub findings: Vec<Finding>,
    /// Goals served in the window, with how many posts did so.
    pub served: BTreeMap<GoalId, usize>,
}

impl Alignment {
    pub fn is_aligned(&self) -> bool {
        self.findings.is_empty()
    }
}

/// The check on plain data.
pub fn check(input: &AlignmentInput<'_>) -> Alignment {
    let in_window = |at: Timestamp| at >= input.from && at < input.to;
    let mut posts_by_story: BTreeMap<StoryId, usize> = BTreeMap::new();
    for post in input.posts.iter().filter(|p| in_window(p.at)) {
        *posts_by_story.entry(post.story).or_default() += 1;
    }
    let known_goals: BTreeSet<GoalId> = input.goals.iter().map(|g| g.id).collect();
    let mut findings = Vec::new();
    let mut served: BTreeMap<GoalId, usize> = BTreeMap::new();
    for story in input.stories {
        let posts = posts_by_story.get(&story.id).copied().unwrap_or(0);
        if posts == 0 && !in_window(story.created_at) {
            continue;
        }
        match story.draft.goal.filter(|g| known_goals.contains(g)) {
            Some(goal) => *served.entry(goal).or_default() += posts,
            None => findings.push(Finding::ActivityWithoutGoal {
                story: story.id,
                title: story.draft.title.clone(),
                posts,
            }),
        }
    }
    for goal in input.goals {
        let name = goal.draft.name.clone();
        match goal.draft.deadline {
            Some(deadline) if deadline < input.today => {
                findings.push(Finding::GoalPastDeadline {
                    goal: goal.id,
                    name: name.clone(),
                    deadline,
                });
            }
            _ if !served.contains_key(&goal.id) => {
                findings.push(Finding::GoalWithoutActivity {
                    goal: goal.id,
                    name: name.clone(),
                });
            }
            _ => {}
        }
        if goal
            .draft
            .owner
            .as_deref()
            .is_none_or(|o| o.trim().is_empty())
        {
            findings.push(Finding::GoalWithoutOwner {
                goal: goal.id,
                name,
            });
        }
    }
    Alignment { findings, served }
}

/// Reads what the check needs for the window around `now` and runs it: the goals, the
/// stories, and the window's posts from the calendar index.
pub async fn read(
    store: &dyn Store,
    workspace: &WorkspaceId,
    now: Timestamp,
    time_zone: &TimeZone,
) -> StoreResult<Alignment> {
    let span = SignedDuration::from_hours(WINDOW_WEEKS * 7 * 24);
    let (from, to) = (now - span, now + span);
    let goals = store.goals(workspace).await?;
    let stories = store.stories(workspace).await?;
    let posts = store
        .calendar(&CalendarQuery {
            workspace: workspace.clone(),
            from,
            to,
            story: None,
            topic: None,
            goal: None,
            channel: None,
        })
        .await?;
    Ok(check(&AlignmentInput {
        goals: &goals,
        stories: &stories,
        posts: &posts,
        from,
        to,
        today: now.to_zoned_datetime(time_zone.clone()).date(),
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use omdomme_core::{PostStatus, SourceKey, SourceKind, Topic};
    use omdomme_store::{GoalDraft, StoryDraft};

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn goal(id: GoalId, owner: Option<&str>, deadline: Option<&str>) -> Goal {
        Goal {
            id,
            workspace: WorkspaceId("w".into()),
            draft: GoalDraft {
                name: format!("goal {id}"),
                channel: None,
                owner: owner.map(str::to_owned),
                metric: "m".into(),
                target: None,
                deadline: deadline.map(|d| d.parse().unwrap()),
            },
            created_at: ts("2026-01-01T00:00:00Z"),
        }
    }

    fn story(id: StoryId, goal: Option<GoalId>, created: &str) -> Story {
        Story {
            id,
            workspace: WorkspaceId("w".into()),
            draft: StoryDraft {
                title: format!("story {id}"),
                topic: Topic::Climate,
                summary: String::new(),
                goal,
                owner: "o@x.no".into(),
            },
            proof_points: vec![],
            created_by: "o@x.no".into(),
            created_at: ts(created),
            updated_at: ts(created),
        }
    }

    fn post(story: StoryId, at: &str) -> CalendarEntry {
        CalendarEntry {
            post: 1,
            story,
            story_title: String::new(),
            topic: Topic::Climate,
            goal: None,
            channel: SourceKey::new(SourceKind::Facebook, "x"),
            status: PostStatus::Scheduled,
            at: ts(at),
            excerpt: String::new(),
        }
    }

    fn run(goals: &[Goal], stories: &[Story], posts: &[CalendarEntry]) -> Alignment {
        check(&AlignmentInput {
            goals,
            stories,
            posts,
            from: ts("2026-11-01T00:00:00Z"),
            to: ts("2026-12-27T00:00:00Z"),
            today: "2026-11-27".parse().unwrap(),
        })
    }

    #[test]
    fn nothing_to_fix_when_every_goal_is_served_and_owned() {
        let result = run(
            &[goal(1, Some("leder@x.no"), Some("2027-01-01"))],
            &[story(10, Some(1), "2026-06-01T00:00:00Z")],
            &[post(10, "2026-12-01T09:00:00Z")],
        );
        assert!(result.is_aligned(), "{:?}", result.findings);
        assert_eq!(result.served.get(&1), Some(&1));
    }

    #[test]
    fn activity_without_a_goal_is_listed_but_old_quiet_stories_are_not() {
        let result = run(
            &[],
            &[
                story(10, None, "2026-06-01T00:00:00Z"),
                story(11, None, "2026-11-20T00:00:00Z"),
                story(12, None, "2026-06-01T00:00:00Z"),
            ],
            &[
                post(10, "2026-11-10T09:00:00Z"),
                post(10, "2026-11-12T09:00:00Z"),
            ],
        );
        assert_eq!(
            result.findings,
            [
                Finding::ActivityWithoutGoal {
                    story: 10,
                    title: "story 10".into(),
                    posts: 2
                },
                Finding::ActivityWithoutGoal {
                    story: 11,
                    title: "story 11".into(),
                    posts: 0
                },
            ]
        );
    }

    #[test]
    fn goals_without_activity_owner_or_time_left_are_listed() {
        let result = run(
            &[
                goal(1, None, Some("2027-01-01")),
                goal(2, Some("l@x.no"), Some("2026-11-26")),
                goal(3, Some(" "), None),
            ],
            // A post outside the window serves nothing; a story of an unknown goal is
            // activity without one.
            &[
                story(10, Some(1), "2026-06-01T00:00:00Z"),
                story(11, Some(99), "2026-06-01T00:00:00Z"),
            ],
            &[
                post(10, "2026-10-01T09:00:00Z"),
                post(11, "2026-11-02T09:00:00Z"),
            ],
        );
        assert_eq!(
            result.findings,
            [
                Finding::ActivityWithoutGoal {
                    story: 11,
                    title: "story 11".into(),
                    posts: 1
                },
                Finding::GoalWithoutActivity {
                    goal: 1,
                    name: "goal 1".into()
                },
                Finding::GoalWithoutOwner {
                    goal: 1,
                    name: "goal 1".into()
                },
                Finding::GoalPastDeadline {
                    goal: 2,
                    name: "goal 2".into(),
                    deadline: "2026-11-26".parse().unwrap()
                },
                Finding::GoalWithoutActivity {
                    goal: 3,
                    name: "goal 3".into()
                },
                Finding::GoalWithoutOwner {
                    goal: 3,
                    name: "goal 3".into()
                },
            ]
        );
    }
}
