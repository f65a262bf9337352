//! Goals against what the period shows. A goal's metric is free text; the metrics the
//! strategy templates propose (and their usual wordings) are recognised and measured from
//! what the store holds: the inbox entries that arrived in the period, the story posts
//! published in it with their engagement read back, the own brand's openness counts and
//! the stories first published in it. Anything else is "not measurable yet", never guessed.

use std::collections::{HashMap, HashSet};

use omdomme_core::{SourceKind, Topic, Workspace};
use omdomme_store::{CalendarEntry, Goal, Store};

use crate::model::ReportError;
use crate::period::{Period, PeriodKind};

/// What a goal's metric is recognised as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricKind {
    /// Inquiries answered, of those that arrived, in percent.
    ResponseRate,
    /// Median minutes to the first response.
    MedianResponseMinutes,
    /// Likes, shares and replies per published story post.
    EngagementPerPost,
    SharesPerPost,
    RepliesPerPost,
    /// The own accounts' replies of all their items, in percent.
    DialogShare,
    /// Stories whose first post was published in the month.
    StoriesPerMonth,
}

impl MetricKind {
    /// Whether a higher value is closer to the goal.
    pub fn higher_is_better(self) -> bool {
        self != MetricKind::MedianResponseMinutes
    }
}

/// Why a goal has no figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotMeasured {
    /// The metric is not one the report knows how to measure.
    UnknownMetric,
    /// Known, but nothing in the period to measure it on (no inquiries, no posts with
    /// engagement read back, no own accounts' items).
    NoData,
    /// Counted per month, and the report is of a week.
    MonthlyOnly,
}

/// One goal and its figure in the period.
#[derive(Clone, Debug, PartialEq)]
pub struct GoalActual {
    pub goal: Goal,
    pub kind: Option<MetricKind>,
    pub actual: Result<f64, NotMeasured>,
    /// Stories of this topic only (the metric named it: "engagement per climate post").
    pub topic: Option<Topic>,
}

impl GoalActual {
    /// Whether the figure reaches the target; `None` without either.
    pub fn met(&self) -> Option<bool> {
        let (kind, actual, target) = (self.kind?, self.actual.ok()?, self.goal.draft.target?);
        Some(if kind.higher_is_better() {
            actual >= target
        } else {
            actual <= target
        })
    }
}

/// The kind of metric its words name, and the topic they restrict it to.
pub fn recognise(metric: &str) -> (Option<MetricKind>, Option<Topic>) {
    let m = metric.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| m.contains(w));
    let kind = if has(&["svarprosent", "svarandel", "response rate"]) {
        Some(MetricKind::ResponseRate)
    } else if has(&["svartid", "response time"]) && has(&["median"]) {
        Some(MetricKind::MedianResponseMinutes)
    } else if has(&[
        "andel svar av egne",
        "replies as a share",
        "dialogandel",
        "dialog share",
    ]) {
        Some(MetricKind::DialogShare)
    } else if has(&["engasjement per", "engagement per"]) {
        Some(MetricKind::EngagementPerPost)
    } else if has(&["delinger per", "shares per"]) {
        Some(MetricKind::SharesPerPost)
    } else if has(&["svar per innlegg", "replies per post"]) {
        Some(MetricKind::RepliesPerPost)
    } else if has(&[
        "historier per måned",
        "stories published per month",
        "stories per month",
    ]) {
        Some(MetricKind::StoriesPerMonth)
    } else {
        None
    };
    let topic = if has(&["klima", "climate"]) {
        Some(Topic::Climate)
    } else if has(&["stilling", "job", "arbeidsgiver", "employer"]) {
        Some(Topic::Employer)
    } else {
        None
    };
    (kind, topic)
}

/// Measures every goal of the workspace over `period`.
pub async fn measure(
    store: &dyn Store,
    workspace: &Workspace,
    period: &Period,
    goals: &[Goal],
    published: &[CalendarEntry],
    stories_first_published: usize,
    own_dialog_share: Option<f64>,
) -> Result<Vec<GoalActual>, ReportError> {
    let recognised: Vec<(Option<MetricKind>, Option<Topic>)> =
        goals.iter().map(|g| recognise(&g.draft.metric)).collect();
    let wants = |kinds: &[MetricKind]| {
        recognised
            .iter()
            .any(|(k, _)| k.is_some_and(|k| kinds.contains(&k)))
    };
    let inbox = if wants(&[MetricKind::ResponseRate, MetricKind::MedianResponseMinutes]) {
        store
            .inbox_arrived_between(&workspace.id, period.from, period.to)
            .await?
    } else {
        Vec::new()
    };
    // The period's published posts with their engagement read back: (channel, topic, engagement).
    let mut posts: Vec<(SourceKind, Topic, omdomme_core::Engagement)> = Vec::new();
    if wants(&[
        MetricKind::EngagementPerPost,
        MetricKind::SharesPerPost,
        MetricKind::RepliesPerPost,
    ]) {
        let in_period: HashSet<_> = published.iter().map(|e| e.post).collect();
        let mut topics: HashMap<_, Topic> = HashMap::new();
        for entry in published {
            topics.insert(entry.story, entry.topic);
        }
        for (story, topic) in topics {
            for post in store.story_posts(&workspace.id, story).await? {
                if let (true, Some((engagement, _))) =
                    (in_period.contains(&post.id), post.engagement)
                {
                    posts.push((post.content.channel.kind, topic, engagement));
                }
            }
        }
    }
    Ok(goals
        .iter()
        .zip(recognised)
        .map(|(goal, (kind, topic))| {
            let channel = goal.draft.channel;
            let actual = match kind {
                None => Err(NotMeasured::UnknownMetric),
                Some(kind) => {
                    let entries: Vec<_> = inbox
                        .iter()
                        .filter(|e| channel.is_none_or(|c| c == e.channel))
                        .collect();
                    let posts: Vec<&omdomme_core::Engagement> = posts
                        .iter()
                        .filter(|(c, t, _)| {
                            channel.is_none_or(|want| want == *c)
                                && topic.is_none_or(|want| want == *t)
                        })
                        .map(|(_, _, e)| e)
                        .collect();
                    let per_post = |value: &dyn Fn(&omdomme_core::Engagement) -> u64| {
                        if posts.is_empty() {
                            Err(NotMeasured::NoData)
                        } else {
                            Ok(posts.iter().map(|e| value(e)).sum::<u64>() as f64
                                / posts.len() as f64)
                        }
                    };
                    match kind {
                        MetricKind::ResponseRate => {
                            if entries.is_empty() {
                                Err(NotMeasured::NoData)
                            } else {
                                let answered = entries
                                    .iter()
                                    .filter(|e| e.first_response_at.is_some())
                                    .count();
                                Ok(100.0 * answered as f64 / entries.len() as f64)
                            }
                        }
                        MetricKind::MedianResponseMinutes => {
                            let mut minutes: Vec<f64> = entries
                                .iter()
                                .filter_map(|e| {
                                    e.first_response_at.map(|at| {
                                        at.duration_since(e.arrived_at).as_secs_f64() / 60.0
                                    })
                                })
                                .collect();
                            minutes.sort_by(f64::total_cmp);
                            crate::model::quantile(&minutes, 0.5).ok_or(NotMeasured::NoData)
                        }
                        MetricKind::EngagementPerPost => per_post(&|e| e.total()),
                        MetricKind::SharesPerPost => per_post(&|e| e.shares),
                        MetricKind::RepliesPerPost => per_post(&|e| e.replies),
                        MetricKind::DialogShare => own_dialog_share
                            .map(|s| s * 100.0)
                            .ok_or(NotMeasured::NoData),
                        MetricKind::StoriesPerMonth => match period.kind {
                            PeriodKind::Month => Ok(stories_first_published as f64),
                            PeriodKind::Week => Err(NotMeasured::MonthlyOnly),
                        },
                    }
                }
            };
            GoalActual {
                goal: goal.clone(),
                kind,
                actual,
                topic,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_templates_metrics_are_recognised_in_both_languages() {
        let cases = [
            (
                "engasjement per innlegg",
                Some(MetricKind::EngagementPerPost),
                None,
            ),
            (
                "Engasjement per klimainnlegg",
                Some(MetricKind::EngagementPerPost),
                Some(Topic::Climate),
            ),
            ("response rate (%)", Some(MetricKind::ResponseRate), None),
            ("svarprosent", Some(MetricKind::ResponseRate), None),
            (
                "median svartid (minutter)",
                Some(MetricKind::MedianResponseMinutes),
                None,
            ),
            (
                "andel svar av egne innlegg (%)",
                Some(MetricKind::DialogShare),
                None,
            ),
            (
                "shares per job post",
                Some(MetricKind::SharesPerPost),
                Some(Topic::Employer),
            ),
            ("svar per innlegg", Some(MetricKind::RepliesPerPost), None),
            (
                "publiserte historier per måned",
                Some(MetricKind::StoriesPerMonth),
                None,
            ),
            ("omdømmescore", None, None),
        ];
        for (metric, kind, topic) in cases {
            assert_eq!(recognise(metric), (kind, topic), "{metric}");
        }
    }
}
