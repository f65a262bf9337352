//! The Engagement & Openness index: how a brand talks with the public, from public data.
//!
//! Six components, each mapped to 0–100 between two anchors, weighted into one index
//! (docs/engagement-openness-index.md explains every number):
//!
//! | component | raw value | 0 at | 100 at | weight |
//! |---|---|---|---|---|
//! | response rate | answered inquiries / inquiries | 0 % | 100 % | 30 |
//! | median response time | of the answered inquiries | ≥ 24 h | ≤ 1 h (log) | 15 |
//! | p90 response time | of the answered inquiries | ≥ 72 h | ≤ 4 h (log) | 10 |
//! | CSR questions answered | answered CSR inquiries / CSR inquiries | 0 % | 100 % | 15 |
//! | dialog share | replies / (replies + broadcast posts) | 0 | ≥ 0.75 | 15 |
//! | engagement rate | engagement / followers, per post | ≤ 0.01 % | ≥ 1 % (log) | 15 |
//!
//! A component without enough data (fewer than its minimum sample) is missing, never 0:
//! the index is the weighted mean of the components present, and there is no index when
//! those weigh less than half of the whole.
//!
//! Response times come as a histogram over [`RESPONSE_BUCKET_MINUTES`] (kept on write in
//! the store, so a year reads a few hundred rows); quantiles interpolate linearly inside
//! the bucket that holds them.
//!
//! Pure: the web page and the leadership report compute the same index from the same counts.

use serde::{Deserialize, Serialize};

/// Where each response-time bucket starts, in minutes; bucket `i` is
/// `[RESPONSE_BUCKET_MINUTES[i], RESPONSE_BUCKET_MINUTES[i + 1])`, the last one open-ended.
/// Steps of at most 1.5x above an hour: a quantile is off by less than half a step.
pub const RESPONSE_BUCKET_MINUTES: [u32; 28] = [
    0, 1, 2, 3, 5, 7, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 960, 1440, 2160,
    2880, 4320, 5760, 10080, 20160, 43200,
];

/// The bucket a response time of `seconds` falls in (negative times, clock skew between
/// platforms, count as 0).
pub fn response_bucket(seconds: i64) -> usize {
    let minutes = seconds.max(0) / 60;
    RESPONSE_BUCKET_MINUTES
        .partition_point(|start| i64::from(*start) <= minutes)
        .saturating_sub(1)
}

/// Answered inquiries per response-time bucket: `counts[i]` for bucket `i`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseTimes {
    pub counts: [u64; RESPONSE_BUCKET_MINUTES.len()],
}

impl ResponseTimes {
    /// Adds `n` responses to bucket `bucket` (ignored beyond the last).
    pub fn add(&mut self, bucket: usize, n: u64) {
        if let Some(c) = self.counts.get_mut(bucket) {
            *c += n;
        }
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The `q`-quantile (0 < q ≤ 1) in minutes: the bucket holding rank `q·n`, interpolated
    /// linearly inside it; the open last bucket gives its start. `None` when empty.
    pub fn quantile_minutes(&self, q: f64) -> Option<f64> {
        let n = self.total();
        if n == 0 {
            return None;
        }
        let target = q.clamp(0.0, 1.0) * n as f64;
        let mut before = 0u64;
        for (i, &count) in self.counts.iter().enumerate() {
            if count == 0 {
                continue;
            }
            if (before + count) as f64 >= target {
                let lo = f64::from(RESPONSE_BUCKET_MINUTES[i]);
                let Some(hi) = RESPONSE_BUCKET_MINUTES.get(i + 1) else {
                    return Some(lo);
                };
                let within = (target - before as f64) / count as f64;
                return Some(lo + (f64::from(*hi) - lo) * within.clamp(0.0, 1.0));
            }
            before += count;
        }
        None
    }
}

/// The raw counts of one brand over one period, as the store keeps them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpennessCounts {
    /// Public inquiries about the brand (`Enrichment::inquiry`, naming the brand).
    pub inquiries: u64,
    /// Of those, the ones a brand account answered in public.
    pub answered: u64,
    /// Time to the first answer of each answered inquiry.
    pub response_times: ResponseTimes,
    /// Inquiries on a CSR topic (any topic but product).
    pub csr_inquiries: u64,
    pub csr_answered: u64,
    /// Items by the brand's accounts that answer something (have a parent).
    pub own_replies: u64,
    /// Items by the brand's accounts that answer nothing: broadcast posts.
    pub own_posts: u64,
    /// Likes, shares and replies of the broadcast posts.
    pub own_post_engagement: u64,
    /// Broadcast posts whose account's follower count was known.
    pub posts_with_followers: u64,
    /// Engagement of those posts only.
    pub engagement_with_followers: u64,
    /// The follower counts of those posts, summed.
    pub followers: u64,
}

impl OpennessCounts {
    /// Sums two periods' counts.
    pub fn add(&mut self, other: &OpennessCounts) {
        self.inquiries += other.inquiries;
        self.answered += other.answered;
        for (a, b) in self
            .response_times
            .counts
            .iter_mut()
            .zip(other.response_times.counts)
        {
            *a += b;
        }
        self.csr_inquiries += other.csr_inquiries;
        self.csr_answered += other.csr_answered;
        self.own_replies += other.own_replies;
        self.own_posts += other.own_posts;
        self.own_post_engagement += other.own_post_engagement;
        self.posts_with_followers += other.posts_with_followers;
        self.engagement_with_followers += other.engagement_with_followers;
        self.followers += other.followers;
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    ResponseRate,
    MedianResponse,
    P90Response,
    CsrAnswered,
    DialogShare,
    EngagementRate,
}

impl Component {
    pub const ALL: [Component; 6] = [
        Component::ResponseRate,
        Component::MedianResponse,
        Component::P90Response,
        Component::CsrAnswered,
        Component::DialogShare,
        Component::EngagementRate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Component::ResponseRate => "response_rate",
            Component::MedianResponse => "median_response",
            Component::P90Response => "p90_response",
            Component::CsrAnswered => "csr_answered",
            Component::DialogShare => "dialog_share",
            Component::EngagementRate => "engagement_rate",
        }
    }

    /// Its weight in the index; the six sum to 100.
    pub fn weight(self) -> f64 {
        match self {
            Component::ResponseRate => 30.0,
            Component::MedianResponse => 15.0,
            Component::P90Response => 10.0,
            Component::CsrAnswered => 15.0,
            Component::DialogShare => 15.0,
            Component::EngagementRate => 15.0,
        }
    }

    /// The least sample it is computed from, and what that sample counts.
    pub fn min_sample(self) -> u64 {
        match self {
            Component::ResponseRate => 10,
            Component::MedianResponse | Component::P90Response => 5,
            Component::CsrAnswered => 5,
            Component::DialogShare => 10,
            Component::EngagementRate => 5,
        }
    }
}

/// Why a component has no score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Missing {
    /// Fewer than the minimum sample: `have` of `need`.
    TooFew { have: u64, need: u64 },
}

/// One component: its raw value (a share, minutes or a rate), its sample, and its score or
/// why it has none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComponentScore {
    pub component: Component,
    /// Shares and rates as fractions, times in minutes; `None` without any sample.
    pub raw: Option<f64>,
    /// What the raw value was computed from (inquiries, answers, items, posts).
    pub sample: u64,
    /// 0 to 100; `None` when missing.
    pub score: Option<f64>,
    pub missing: Option<Missing>,
}

/// The index of one brand over one period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpennessIndex {
    /// In [`Component::ALL`] order.
    pub components: Vec<ComponentScore>,
    /// 0 to 100: the weighted mean of the components present; `None` when they weigh less
    /// than [`MIN_PRESENT_WEIGHT`].
    pub index: Option<f64>,
    /// The weight of the components present, of 100.
    pub present_weight: f64,
}

impl OpennessIndex {
    pub fn component(&self, component: Component) -> Option<&ComponentScore> {
        self.components.iter().find(|c| c.component == component)
    }
}

/// Below this weight of present components (of 100) there is no index: it would rest on
/// too little of what it claims to measure.
pub const MIN_PRESENT_WEIGHT: f64 = 50.0;

/// Linear: 0 at `zero`, 100 at `full`, clamped.
fn linear(value: f64, zero: f64, full: f64) -> f64 {
    (100.0 * (value - zero) / (full - zero)).clamp(0.0, 100.0)
}

/// Linear in the logarithm: 0 at `zero`, 100 at `full` (either order), clamped.
fn logarithmic(value: f64, zero: f64, full: f64) -> f64 {
    if value <= 0.0 {
        return if full < zero { 100.0 } else { 0.0 };
    }
    (100.0 * (value / zero).ln() / (full / zero).ln()).clamp(0.0, 100.0)
}

/// Response times scored: 100 at or under an hour (median) or four hours (p90), 0 at a
/// day (median) or three days (p90), logarithmic between.
pub const MEDIAN_FULL_MINUTES: f64 = 60.0;
pub const MEDIAN_ZERO_MINUTES: f64 = 24.0 * 60.0;
pub const P90_FULL_MINUTES: f64 = 4.0 * 60.0;
pub const P90_ZERO_MINUTES: f64 = 72.0 * 60.0;
/// Dialog share scoring 100: three replies for every broadcast post.
pub const DIALOG_FULL: f64 = 0.75;
/// Engagement per post per follower scoring 0 and 100.
pub const ENGAGEMENT_ZERO: f64 = 0.0001;
pub const ENGAGEMENT_FULL: f64 = 0.01;

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn component(
    component: Component,
    raw: Option<f64>,
    sample: u64,
    score: impl Fn(f64) -> f64,
) -> ComponentScore {
    let need = component.min_sample();
    let (score, missing) = match raw {
        Some(raw) if sample >= need => (Some(score(raw)), None),
        _ => (None, Some(Missing::TooFew { have: sample, need })),
    };
    ComponentScore {
        component,
        raw,
        sample,
        score,
        missing,
    }
}

/// Scores each component of `counts` and weighs them into the index.
pub fn compute(counts: &OpennessCounts) -> OpennessIndex {
    let answered_times = counts.response_times.total();
    let own_items = counts.own_replies + counts.own_posts;
    let components = vec![
        component(
            Component::ResponseRate,
            share(counts.answered, counts.inquiries),
            counts.inquiries,
            |r| linear(r, 0.0, 1.0),
        ),
        component(
            Component::MedianResponse,
            counts.response_times.quantile_minutes(0.5),
            answered_times,
            |m| logarithmic(m.max(1.0), MEDIAN_ZERO_MINUTES, MEDIAN_FULL_MINUTES),
        ),
        component(
            Component::P90Response,
            counts.response_times.quantile_minutes(0.9),
            answered_times,
            |m| logarithmic(m.max(1.0), P90_ZERO_MINUTES, P90_FULL_MINUTES),
        ),
        component(
            Component::CsrAnswered,
            share(counts.csr_answered, counts.csr_inquiries),
            counts.csr_inquiries,
            |r| linear(r, 0.0, 1.0),
        ),
        component(
            Component::DialogShare,
            share(counts.own_replies, own_items),
            own_items,
            |r| linear(r, 0.0, DIALOG_FULL),
        ),
        component(
            Component::EngagementRate,
            share(counts.engagement_with_followers, counts.followers),
            counts.posts_with_followers,
            |r| logarithmic(r, ENGAGEMENT_ZERO, ENGAGEMENT_FULL),
        ),
    ];
    let present_weight: f64 = components
        .iter()
        .filter(|c| c.score.is_some())
        .map(|c| c.component.weight())
        .sum();
    let weighted: f64 = components
        .iter()
        .filter_map(|c| c.score.map(|s| s * c.component.weight()))
        .sum();
    let index = (present_weight >= MIN_PRESENT_WEIGHT).then(|| weighted / present_weight);
    OpennessIndex {
        components,
        index,
        present_weight,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket_of(minutes: u32) -> usize {
        RESPONSE_BUCKET_MINUTES
            .iter()
            .position(|m| *m == minutes)
            .unwrap_or(usize::MAX)
    }

    /// The worked example of docs/engagement-openness-index.md.
    fn worked_example() -> OpennessCounts {
        let mut times = ResponseTimes::default();
        times.add(bucket_of(30), 40);
        times.add(bucket_of(60), 30);
        times.add(bucket_of(120), 30);
        times.add(bucket_of(240), 30);
        times.add(bucket_of(480), 20);
        OpennessCounts {
            inquiries: 200,
            answered: 150,
            response_times: times,
            csr_inquiries: 40,
            csr_answered: 24,
            own_replies: 90,
            own_posts: 60,
            own_post_engagement: 6_000,
            posts_with_followers: 60,
            engagement_with_followers: 6_000,
            followers: 3_000_000,
        }
    }

    fn score(index: &OpennessIndex, c: Component) -> f64 {
        index.component(c).and_then(|c| c.score).unwrap_or(f64::NAN)
    }

    fn raw(index: &OpennessIndex, c: Component) -> f64 {
        index.component(c).and_then(|c| c.raw).unwrap_or(f64::NAN)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 0.01
    }

    #[test]
    fn the_worked_example_scores_as_computed_by_hand() {
        let index = compute(&worked_example());
        // 150 / 200 answered.
        assert!(close(raw(&index, Component::ResponseRate), 0.75));
        assert!(close(score(&index, Component::ResponseRate), 75.0));
        // Rank 75 of 150 is the 5th of the 30 in [120, 180): 120 + 60 * 5/30 = 130 min.
        assert!(close(raw(&index, Component::MedianResponse), 130.0));
        // 100 * (1 - ln(130/60) / ln(24)) = 75.67.
        assert!(close(score(&index, Component::MedianResponse), 75.67));
        // Rank 135 is the 5th of the 20 in [480, 720): 480 + 240 * 5/20 = 540 min.
        assert!(close(raw(&index, Component::P90Response), 540.0));
        // 100 * (1 - ln(540/240) / ln(18)) = 71.94.
        assert!(close(score(&index, Component::P90Response), 71.94));
        assert!(close(score(&index, Component::CsrAnswered), 60.0));
        // 90 / 150 = 0.6, of 0.75.
        assert!(close(score(&index, Component::DialogShare), 80.0));
        // 6,000 / 3,000,000 = 0.2 %: 100 * ln(20) / ln(100) = 65.05.
        assert!(close(score(&index, Component::EngagementRate), 65.05));
        // (30*75 + 15*75.67 + 10*71.94 + 15*60 + 15*80 + 15*65.05) / 100.
        let expected = (30.0 * 75.0
            + 15.0 * 75.6707
            + 10.0 * 71.9438
            + 15.0 * 60.0
            + 15.0 * 80.0
            + 15.0 * 65.0515)
            / 100.0;
        assert!(
            close(index.index.unwrap_or(f64::NAN), expected),
            "{index:?}"
        );
        assert!(close(expected, 71.80));
        assert!(close(index.present_weight, 100.0));
    }

    #[test]
    fn a_missing_component_is_left_out_and_the_rest_reweighted() {
        let mut counts = worked_example();
        counts.posts_with_followers = 0;
        counts.engagement_with_followers = 0;
        counts.followers = 0;
        let index = compute(&counts);
        let engagement = index.component(Component::EngagementRate);
        assert_eq!(engagement.and_then(|c| c.score), None);
        assert_eq!(
            engagement.and_then(|c| c.missing),
            Some(Missing::TooFew { have: 0, need: 5 })
        );
        // (7180.3 - 15 * 65.05) / 85.
        assert!(close(index.present_weight, 85.0));
        assert!(close(index.index.unwrap_or(f64::NAN), 72.99), "{index:?}");
    }

    #[test]
    fn too_little_data_gives_no_index_rather_than_zero() {
        let counts = OpennessCounts {
            inquiries: 4,
            answered: 1,
            own_replies: 3,
            own_posts: 2,
            ..OpennessCounts::default()
        };
        let index = compute(&counts);
        assert_eq!(index.index, None);
        assert!(index.components.iter().all(|c| c.score.is_none()));
        let rate = index.component(Component::ResponseRate);
        assert_eq!(
            rate.and_then(|c| c.missing),
            Some(Missing::TooFew { have: 4, need: 10 })
        );
        // The raw value is still shown.
        assert!(close(rate.and_then(|c| c.raw).unwrap_or(0.0), 0.25));
    }

    #[test]
    fn silence_scores_zero_when_there_were_enough_questions() {
        let counts = OpennessCounts {
            inquiries: 50,
            csr_inquiries: 10,
            own_posts: 20,
            ..OpennessCounts::default()
        };
        let index = compute(&counts);
        assert_eq!(score(&index, Component::ResponseRate), 0.0);
        assert_eq!(score(&index, Component::CsrAnswered), 0.0);
        assert_eq!(score(&index, Component::DialogShare), 0.0);
        // Times and engagement are missing: 30 + 15 + 15 = 60 of 100 present.
        assert!(close(index.present_weight, 60.0));
        assert_eq!(index.index, Some(0.0));
    }

    #[test]
    fn anchors_clamp_and_times_are_logarithmic() {
        let mut times = ResponseTimes::default();
        times.add(response_bucket(10 * 60), 10);
        let counts = OpennessCounts {
            inquiries: 10,
            answered: 10,
            response_times: times,
            ..OpennessCounts::default()
        };
        let index = compute(&counts);
        assert_eq!(score(&index, Component::MedianResponse), 100.0);
        assert_eq!(score(&index, Component::P90Response), 100.0);
        // Two days: past the median's zero, not yet the p90's.
        let mut slow = ResponseTimes::default();
        slow.add(response_bucket(2 * 24 * 3600), 10);
        let index = compute(&OpennessCounts {
            response_times: slow,
            ..counts
        });
        assert_eq!(score(&index, Component::MedianResponse), 0.0);
        let p90 = score(&index, Component::P90Response);
        assert!(p90 > 0.0 && p90 < 30.0, "{p90}");
    }

    #[test]
    fn response_times_fall_in_their_buckets() {
        assert_eq!(response_bucket(-5), 0);
        assert_eq!(response_bucket(59), 0);
        assert_eq!(response_bucket(60), 1);
        assert_eq!(response_bucket(89 * 60 + 59), bucket_of(60));
        assert_eq!(response_bucket(90 * 60), bucket_of(90));
        assert_eq!(
            response_bucket(365 * 24 * 3600),
            RESPONSE_BUCKET_MINUTES.len() - 1
        );
        let mut last = ResponseTimes::default();
        last.add(RESPONSE_BUCKET_MINUTES.len() - 1, 3);
        assert_eq!(last.quantile_minutes(0.5), Some(43_200.0));
        assert_eq!(ResponseTimes::default().quantile_minutes(0.5), None);
    }
}
