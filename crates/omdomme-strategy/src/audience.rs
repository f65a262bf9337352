//! The audience planner: who can be reached on each channel, by age group, and the channels
//! that suit a target group.
//!
//! The defaults come from PRODUCT.md ("The thinking it comes from"): about 2.8 million
//! Norwegians on Facebook; ages 15–29 spend just under an hour a day on social media, 30–44
//! about half an hour, 45–59 a little over 20 minutes. Everything else — the 60+ minutes and
//! the share of each age group on each channel — is our assumption, marked as such and
//! editable per workspace.

use omdomme_core::SourceKind;
use serde::{Deserialize, Serialize};

use crate::Text;

/// The age groups the figures are given for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AgeGroup {
    #[serde(rename = "15-29")]
    From15To29,
    #[serde(rename = "30-44")]
    From30To44,
    #[serde(rename = "45-59")]
    From45To59,
    #[serde(rename = "60+")]
    From60,
}

impl AgeGroup {
    pub const ALL: [AgeGroup; 4] = [
        AgeGroup::From15To29,
        AgeGroup::From30To44,
        AgeGroup::From45To59,
        AgeGroup::From60,
    ];

    /// `15-29`, ...: in forms and links.
    pub fn as_str(self) -> &'static str {
        match self {
            AgeGroup::From15To29 => "15-29",
            AgeGroup::From30To44 => "30-44",
            AgeGroup::From45To59 => "45-59",
            AgeGroup::From60 => "60+",
        }
    }

    /// `15–29 år` / `ages 15–29`.
    pub fn label(self) -> Text {
        match self {
            AgeGroup::From15To29 => Text::new("15–29 år", "ages 15–29"),
            AgeGroup::From30To44 => Text::new("30–44 år", "ages 30–44"),
            AgeGroup::From45To59 => Text::new("45–59 år", "ages 45–59"),
            AgeGroup::From60 => Text::new("60 år og eldre", "ages 60 and over"),
        }
    }

    pub fn parse(code: &str) -> Option<AgeGroup> {
        AgeGroup::ALL.into_iter().find(|a| a.as_str() == code)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A figure and whether it is sourced or our assumption.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub value: f64,
    /// True for a figure nobody sourced: the defaults we chose, until a workspace edits it.
    pub assumed: bool,
}

impl Figure {
    const fn sourced(value: f64) -> Figure {
        Figure {
            value,
            assumed: false,
        }
    }

    const fn assumed(value: f64) -> Figure {
        Figure {
            value,
            assumed: true,
        }
    }
}

/// One channel's audience.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelAudience {
    pub channel: SourceKind,
    /// Norwegian users in all, when known.
    pub users: Option<Figure>,
    /// Percent of each age group on the channel, in [`AgeGroup::ALL`] order.
    pub share_percent: [Figure; 4],
}

/// A workspace's audience figures (stored as JSON, [`omdomme_store::StoredAudience`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AudiencePlan {
    /// Minutes a day on social media, in [`AgeGroup::ALL`] order.
    pub minutes_per_day: [Figure; 4],
    pub channels: Vec<ChannelAudience>,
}

/// Where the sourced defaults come from, as the product states it.
pub const SOURCE: Text = Text::new(
    "PRODUCT.md, «The thinking it comes from»: om lag 2,8 millioner nordmenn på Facebook; 15–29 år bruker i underkant av en time om dagen på sosiale medier, 30–44 år om lag en halvtime, 45–59 år litt over 20 minutter.",
    "PRODUCT.md, \"The thinking it comes from\": about 2.8 million Norwegians on Facebook; ages 15–29 spend just under an hour a day on social media, 30–44 about half an hour, 45–59 a little over 20 minutes.",
);

/// The defaults: PRODUCT.md's figures, and our assumptions for the rest.
pub fn default_plan() -> AudiencePlan {
    let shares = |a, b, c, d| {
        [
            Figure::assumed(a),
            Figure::assumed(b),
            Figure::assumed(c),
            Figure::assumed(d),
        ]
    };
    AudiencePlan {
        minutes_per_day: [
            Figure::sourced(55.0),
            Figure::sourced(30.0),
            Figure::sourced(22.0),
            Figure::assumed(15.0),
        ],
        channels: vec![
            ChannelAudience {
                channel: SourceKind::Facebook,
                users: Some(Figure::sourced(2_800_000.0)),
                share_percent: shares(65.0, 75.0, 72.0, 58.0),
            },
            ChannelAudience {
                channel: SourceKind::X,
                users: None,
                share_percent: shares(18.0, 15.0, 10.0, 5.0),
            },
            ChannelAudience {
                channel: SourceKind::Bluesky,
                users: None,
                share_percent: shares(4.0, 3.0, 1.5, 0.5),
            },
            ChannelAudience {
                channel: SourceKind::Mastodon,
                users: None,
                share_percent: shares(1.5, 2.0, 1.5, 0.5),
            },
        ],
    }
}

/// Most minutes a day there are.
const MINUTES_IN_A_DAY: f64 = 24.0 * 60.0;
/// Most Norwegians a channel can have.
const MAX_USERS: f64 = 10_000_000.0;

impl AudiencePlan {
    /// Reads a stored plan, checking every figure.
    pub fn from_json(json: &str) -> Result<AudiencePlan, String> {
        let plan: AudiencePlan =
            serde_json::from_str(json).map_err(|e| format!("the audience plan: {e}"))?;
        let problems = plan.problems();
        if problems.is_empty() {
            Ok(plan)
        } else {
            Err(problems.join("; "))
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Every figure out of range, in words.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (age, minutes) in AgeGroup::ALL.iter().zip(&self.minutes_per_day) {
            if !(0.0..=MINUTES_IN_A_DAY).contains(&minutes.value) {
                problems.push(format!(
                    "minutes a day for {} must be 0 to {MINUTES_IN_A_DAY}",
                    age.as_str()
                ));
            }
        }
        for (i, channel) in self.channels.iter().enumerate() {
            let name = channel.channel.as_str();
            if self.channels[..i]
                .iter()
                .any(|c| c.channel == channel.channel)
            {
                problems.push(format!("{name} is listed twice"));
            }
            if let Some(users) = channel.users
                && !(0.0..=MAX_USERS).contains(&users.value)
            {
                problems.push(format!("users on {name} must be 0 to {MAX_USERS}"));
            }
            for (age, share) in AgeGroup::ALL.iter().zip(&channel.share_percent) {
                if !(0.0..=100.0).contains(&share.value) {
                    problems.push(format!(
                        "the share of {} on {name} must be 0 to 100 %",
                        age.as_str()
                    ));
                }
            }
        }
        problems
    }

    pub fn minutes(&self, age: AgeGroup) -> f64 {
        self.minutes_per_day[age.index()].value
    }
}

/// A channel suggested for a target group, with what it rests on.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    pub channel: SourceKind,
    /// Minutes of social-media attention a day per person of the target group that the
    /// channel can reach: the mean over the chosen groups of share × minutes.
    pub score: f64,
    /// Per chosen age group: its share on the channel (%) and its minutes a day.
    pub reasons: Vec<(AgeGroup, f64, f64)>,
    /// Any figure behind it is an assumption.
    pub assumed: bool,
}

/// The channels of `plan` ranked for a target group (all ages when `ages` is empty), best
/// first; channels that reach none of it are left out.
pub fn suggest(plan: &AudiencePlan, ages: &[AgeGroup]) -> Vec<Suggestion> {
    let ages: Vec<AgeGroup> = if ages.is_empty() {
        AgeGroup::ALL.to_vec()
    } else {
        let mut chosen = ages.to_vec();
        chosen.sort();
        chosen.dedup();
        chosen
    };
    let mut suggestions: Vec<Suggestion> = plan
        .channels
        .iter()
        .map(|channel| {
            let reasons: Vec<(AgeGroup, f64, f64)> = ages
                .iter()
                .map(|&age| {
                    (
                        age,
                        channel.share_percent[age.index()].value,
                        plan.minutes(age),
                    )
                })
                .collect();
            let score = reasons
                .iter()
                .map(|(_, share, minutes)| share * minutes / 100.0)
                .sum::<f64>()
                / ages.len() as f64;
            let assumed = ages.iter().any(|&age| {
                channel.share_percent[age.index()].assumed
                    || plan.minutes_per_day[age.index()].assumed
            });
            Suggestion {
                channel: channel.channel,
                score,
                reasons,
                assumed,
            }
        })
        .filter(|s| s.score > 0.0)
        .collect();
    suggestions.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.channel.cmp(&b.channel)));
    suggestions
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_carry_product_md_figures_as_sourced_and_the_rest_as_assumed() {
        let plan = default_plan();
        assert!(plan.problems().is_empty());
        assert_eq!(plan.minutes_per_day[0], Figure::sourced(55.0));
        assert!(plan.minutes_per_day[3].assumed);
        let facebook = &plan.channels[0];
        assert_eq!(facebook.users, Some(Figure::sourced(2_800_000.0)));
        assert!(facebook.share_percent.iter().all(|s| s.assumed));
        assert_eq!(AudiencePlan::from_json(&plan.to_json()).unwrap(), plan);
    }

    #[test]
    fn bad_figures_are_refused_by_name() {
        let mut plan = default_plan();
        plan.minutes_per_day[1].value = 2000.0;
        plan.channels[1].share_percent[0].value = 101.0;
        plan.channels.push(plan.channels[0].clone());
        let message = AudiencePlan::from_json(&plan.to_json()).unwrap_err();
        assert!(message.contains("minutes a day for 30-44"), "{message}");
        assert!(message.contains("share of 15-29 on x"), "{message}");
        assert!(message.contains("facebook is listed twice"), "{message}");
        assert!(AudiencePlan::from_json("{}").is_err());
    }

    #[test]
    fn the_young_are_sent_where_the_young_are() {
        let mut plan = default_plan();
        // Make Bluesky the young people's channel in this workspace.
        plan.channels[2].share_percent[0] = Figure::sourced(90.0);
        plan.minutes_per_day[0] = Figure::sourced(60.0);
        let young = suggest(&plan, &[AgeGroup::From15To29]);
        assert_eq!(young[0].channel, SourceKind::Bluesky);
        assert!((young[0].score - 54.0).abs() < 1e-9);
        assert!(!young[0].assumed);
        assert_eq!(young[0].reasons, [(AgeGroup::From15To29, 90.0, 60.0)]);
        let older = suggest(&plan, &[AgeGroup::From45To59, AgeGroup::From60]);
        assert_eq!(older[0].channel, SourceKind::Facebook);
        assert!(older[0].assumed);
        assert_eq!(older[0].reasons.len(), 2);
        // Nobody on the channel: not suggested.
        plan.channels[3].share_percent = [Figure::sourced(0.0); 4];
        assert!(
            suggest(&plan, &[])
                .iter()
                .all(|s| s.channel != SourceKind::Mastodon)
        );
    }
}
