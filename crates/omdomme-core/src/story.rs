//! A story's posts and their approval workflow, as a pure state machine:
//! draft -> in review -> approved -> scheduled -> published, or failed.
//!
//! Four eyes: every person who wrote any of a post's text is one of its authors, and only
//! someone who is not may approve it. An approval holds for the text it saw: any edit sends
//! the post back to draft and clears it, and publishing checks again that the approved
//! text is the one going out. The web app checks roles; this module checks people and order.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Where a post is in its workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostStatus {
    Draft,
    InReview,
    Approved,
    Scheduled,
    Published,
    Failed,
}

impl PostStatus {
    pub const ALL: [PostStatus; 6] = [
        PostStatus::Draft,
        PostStatus::InReview,
        PostStatus::Approved,
        PostStatus::Scheduled,
        PostStatus::Published,
        PostStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PostStatus::Draft => "draft",
            PostStatus::InReview => "in_review",
            PostStatus::Approved => "approved",
            PostStatus::Scheduled => "scheduled",
            PostStatus::Published => "published",
            PostStatus::Failed => "failed",
        }
    }

    pub fn parse(name: &str) -> Option<PostStatus> {
        PostStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// The workflow state of one post: what the state machine needs and nothing else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workflow {
    pub status: PostStatus,
    /// Counts edits of the post's content (text, channel, attachments); starts at 1.
    pub version: u32,
    /// Everyone who wrote any version of the content.
    pub authors: BTreeSet<String>,
    /// Who approved, and the version they approved; cleared by every edit.
    pub approval: Option<Approval>,
    /// When it goes out, once scheduled.
    pub scheduled_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub by: String,
    pub version: u32,
}

/// Something a person (or the scheduler) does to a post.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Changes the content; from any state but published (and not while it is being sent).
    Edit { by: String },
    /// Draft or failed -> in review.
    Submit { by: String },
    /// In review -> approved, by someone who is not one of the authors.
    Approve { by: String },
    /// In review -> draft, with the reviewer's comment.
    RequestChanges { by: String },
    /// Approved (or failed) -> scheduled at `at`.
    Schedule { by: String, at: Timestamp },
    /// Scheduled -> approved.
    Unschedule { by: String },
    /// Scheduled -> published: only the scheduler, once the platform took the post.
    Published,
    /// Scheduled -> failed: the platform refused it or the policy blocked it at sending.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("a {from} post cannot be {action}")]
    NotNow {
        from: &'static str,
        action: &'static str,
    },
    #[error("{by} wrote this post, so someone else must approve it (four eyes)")]
    OwnPost { by: String },
    #[error("the approval is for an earlier version of the post; it must be reviewed again")]
    StaleApproval,
}

impl Workflow {
    /// A new draft written by `author`.
    pub fn new(author: &str) -> Workflow {
        Workflow {
            status: PostStatus::Draft,
            version: 1,
            authors: BTreeSet::from([author.to_owned()]),
            approval: None,
            scheduled_at: None,
        }
    }

    /// Whether the approval stands for the current text and was given by a non-author.
    pub fn approved_by_other(&self) -> bool {
        self.approval
            .as_ref()
            .is_some_and(|a| a.version == self.version && !self.authors.contains(&a.by))
    }

    /// The state after `action`, or why it cannot happen now.
    pub fn apply(&self, action: &Action) -> Result<Workflow, WorkflowError> {
        use PostStatus::*;
        let not_now = |action: &'static str| WorkflowError::NotNow {
            from: self.status.as_str(),
            action,
        };
        let mut next = self.clone();
        match (action, self.status) {
            (Action::Edit { .. }, Published) => return Err(not_now("edited")),
            (Action::Edit { by }, _) => {
                next.status = Draft;
                next.version += 1;
                next.authors.insert(by.clone());
                next.approval = None;
                next.scheduled_at = None;
            }
            (Action::Submit { .. }, Draft | Failed) => next.status = InReview,
            (Action::Submit { .. }, _) => return Err(not_now("sent for review")),
            (Action::Approve { by }, InReview) => {
                if self.authors.contains(by) {
                    return Err(WorkflowError::OwnPost { by: by.clone() });
                }
                next.status = Approved;
                next.approval = Some(Approval {
                    by: by.clone(),
                    version: self.version,
                });
            }
            (Action::Approve { .. }, _) => return Err(not_now("approved")),
            (Action::RequestChanges { .. }, InReview) => next.status = Draft,
            (Action::RequestChanges { .. }, _) => return Err(not_now("sent back")),
            (Action::Schedule { at, .. }, Approved | Failed) => {
                if !self.approved_by_other() {
                    return Err(WorkflowError::StaleApproval);
                }
                next.status = Scheduled;
                next.scheduled_at = Some(*at);
            }
            (Action::Schedule { .. }, _) => return Err(not_now("scheduled")),
            (Action::Unschedule { .. }, Scheduled) => {
                next.status = Approved;
                next.scheduled_at = None;
            }
            (Action::Unschedule { .. }, _) => return Err(not_now("unscheduled")),
            (Action::Published, Scheduled) => {
                if !self.approved_by_other() {
                    return Err(WorkflowError::StaleApproval);
                }
                next.status = Published;
            }
            (Action::Published, _) => return Err(not_now("published")),
            (Action::Failed, Scheduled) => next.status = Failed,
            (Action::Failed, _) => return Err(not_now("failed")),
        }
        Ok(next)
    }
}

impl Action {
    /// The audit log's name for it: `post.submit`, `post.approve`, ...
    pub fn audit_name(&self) -> &'static str {
        match self {
            Action::Edit { .. } => "post.edit",
            Action::Submit { .. } => "post.submit",
            Action::Approve { .. } => "post.approve",
            Action::RequestChanges { .. } => "post.request_changes",
            Action::Schedule { .. } => "post.schedule",
            Action::Unschedule { .. } => "post.unschedule",
            Action::Published => "post.publish",
            Action::Failed => "post.fail",
        }
    }

    /// Who did it; `system` for the scheduler.
    pub fn actor(&self) -> &str {
        match self {
            Action::Edit { by }
            | Action::Submit { by }
            | Action::Approve { by }
            | Action::RequestChanges { by }
            | Action::Schedule { by, .. }
            | Action::Unschedule { by } => by,
            Action::Published | Action::Failed => "system",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PEOPLE: [&str; 3] = ["ane@havbris.no", "bo@havbris.no", "cato@havbris.no"];

    fn action() -> impl Strategy<Value = Action> {
        let person = (0..PEOPLE.len()).prop_map(|i| PEOPLE[i].to_owned());
        prop_oneof![
            person.clone().prop_map(|by| Action::Edit { by }),
            person.clone().prop_map(|by| Action::Submit { by }),
            person.clone().prop_map(|by| Action::Approve { by }),
            person.clone().prop_map(|by| Action::RequestChanges { by }),
            person.clone().prop_map(|by| Action::Schedule {
                by,
                at: Timestamp::UNIX_EPOCH
            }),
            person.prop_map(|by| Action::Unschedule { by }),
            Just(Action::Published),
            Just(Action::Failed),
        ]
    }

    proptest! {
        /// Whatever anyone does in whatever order, a post is published only as the version
        /// someone who wrote none of it approved.
        #[test]
        fn nothing_is_published_without_another_persons_approval(
            first in 0..PEOPLE.len(),
            actions in prop::collection::vec(action(), 0..40),
        ) {
            let mut post = Workflow::new(PEOPLE[first]);
            for action in &actions {
                if let Ok(next) = post.apply(action) {
                    if next.status == PostStatus::Published {
                        let approval = next.approval.as_ref().expect("published without approval");
                        prop_assert!(!next.authors.contains(&approval.by));
                        prop_assert_eq!(approval.version, next.version);
                    }
                    post = next;
                }
            }
        }
    }

    #[test]
    fn the_author_cannot_approve_but_a_colleague_can() {
        let post = Workflow::new("ane@havbris.no")
            .apply(&Action::Submit {
                by: "ane@havbris.no".into(),
            })
            .unwrap();
        assert_eq!(
            post.apply(&Action::Approve {
                by: "ane@havbris.no".into()
            }),
            Err(WorkflowError::OwnPost {
                by: "ane@havbris.no".into()
            })
        );
        let approved = post
            .apply(&Action::Approve {
                by: "bo@havbris.no".into(),
            })
            .unwrap();
        assert_eq!(approved.status, PostStatus::Approved);
        let scheduled = approved
            .apply(&Action::Schedule {
                by: "ane@havbris.no".into(),
                at: Timestamp::UNIX_EPOCH,
            })
            .unwrap();
        // The approver edits the scheduled post: it is theirs now too and back to draft.
        let edited = scheduled
            .apply(&Action::Edit {
                by: "bo@havbris.no".into(),
            })
            .unwrap();
        assert_eq!(
            (edited.status, edited.approval.clone()),
            (PostStatus::Draft, None)
        );
        let again = edited
            .apply(&Action::Submit {
                by: "bo@havbris.no".into(),
            })
            .unwrap();
        assert!(
            again
                .apply(&Action::Approve {
                    by: "bo@havbris.no".into()
                })
                .is_err()
        );
        assert!(
            again
                .apply(&Action::Approve {
                    by: "cato@havbris.no".into()
                })
                .is_ok()
        );
        assert_eq!(
            scheduled
                .apply(&Action::Published)
                .unwrap()
                .apply(&Action::Edit {
                    by: "ane@havbris.no".into()
                }),
            Err(WorkflowError::NotNow {
                from: "published",
                action: "edited"
            })
        );
    }
}
