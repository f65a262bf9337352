//! Recommended actions: rules over the report's figures, each naming what it saw.

use omdomme_core::Topic;

use crate::model::Report;

/// Unanswered inquiries from the period above this many call for action.
pub const UNANSWERED_LIMIT: u64 = 5;
/// Answered within the SLA below this share calls for action.
pub const SLA_TARGET: f64 = 0.9;
/// A negative theme this much larger than the period before is growing.
const GROWTH: f64 = 1.25;
/// Fewest texts a theme needs before its growth counts.
const GROWING_THEME_MIN: usize = 5;

/// What the leadership group should do, and why.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Inquiries of the period still unanswered.
    AnswerInquiries { unanswered: u64 },
    /// First responses past their SLA.
    MeetSla { met_share: f64, missed: u64 },
    /// A theme of mostly negative feedback that grew.
    NegativeThemeGrowing {
        label: String,
        size: usize,
        before: usize,
    },
    /// A crisis in the period with no story post published after it began.
    CrisisWithoutResponse { crisis: usize },
    /// A CSR topic whose negative mentions are half or more of it.
    NegativeTopic { topic: Topic, negative_share: f64 },
    /// The own brand's share of voice fell by five points or more.
    ShareOfVoiceFell { now: f64, before: f64 },
}

/// The actions the figures call for, most pressing first.
pub fn recommend(report: &Report) -> Vec<Action> {
    let mut actions = Vec::new();
    for (index, crisis) in report.crises.iter().enumerate() {
        if !report.published.iter().any(|p| p.at >= crisis.start) {
            actions.push(Action::CrisisWithoutResponse { crisis: index });
        }
    }
    let responses = &report.responses.now;
    if responses.unanswered > UNANSWERED_LIMIT {
        actions.push(Action::AnswerInquiries {
            unanswered: responses.unanswered,
        });
    }
    if let Some(met_share) = responses.sla_met_share()
        && met_share < SLA_TARGET
    {
        actions.push(Action::MeetSla {
            met_share,
            missed: responses.sla_missed,
        });
    }
    for theme in &report.themes {
        if theme.negative_share() >= 0.5
            && theme.size >= GROWING_THEME_MIN
            && theme.size as f64 > theme.size_before as f64 * GROWTH
        {
            actions.push(Action::NegativeThemeGrowing {
                label: theme.label.clone(),
                size: theme.size,
                before: theme.size_before,
            });
        }
    }
    for topic in &report.topics {
        if topic.topic != Topic::Product && topic.mentions.now >= 10 {
            let negative_share = topic.negative as f64 / topic.mentions.now as f64;
            if negative_share >= 0.5 {
                actions.push(Action::NegativeTopic {
                    topic: topic.topic,
                    negative_share,
                });
            }
        }
    }
    let share = report.own.share;
    if share.before - share.now >= 0.05 {
        actions.push(Action::ShareOfVoiceFell {
            now: share.now,
            before: share.before,
        });
    }
    actions
}
