//! The maturity view: PRODUCT.md's path, policy → protection → opportunity, as checks on
//! what the workspace holds, each in place or missing with the next step.
//!
//! [`assess`] is pure over a [`Snapshot`]; [`read`] gathers the snapshot from the store with
//! bounded reads (the policy, the SLA policies, the sources, the inbox entries of the last
//! 30 days, the goals and stories, the window's posts, the post tally).

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use omdomme_core::{HealthStatus, WorkspaceId};
use omdomme_policy::{Policy, RuleKind, Severity};
use omdomme_store::{EngagementGrouping, SlaPolicy, Store, StoreResult, UiLanguage};

use crate::{Text, alignment};

/// Days of inbox history the SLA check reads.
pub const SLA_DAYS: i64 = 30;
/// Share of answered-in-time inquiries that counts as meeting the SLA.
pub const SLA_TARGET: f64 = 0.9;

/// What the maturity view is computed from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// A policy was stored for the workspace (not only the defaults).
    pub policy_stored: bool,
    /// Posts approved by someone who wrote none of them.
    pub approved_posts: u64,
    /// Published posts with no approval on record.
    pub unapproved_published: u64,
    /// Enabled blocking rules of the policy in force.
    pub blocking_rules: usize,
    /// The workspace's own confidential terms in enabled rules (the default policy's
    /// patterns are generic, so they do not count).
    pub confidential_terms: usize,
    /// Channels whose SLA differs from the default.
    pub sla_policies_set: usize,
    /// Channels that escalate unanswered inquiries to someone.
    pub escalations: usize,
    /// Enabled listening sources, and those of them working now.
    pub sources_enabled: usize,
    pub sources_healthy: usize,
    /// Inquiries of the last [`SLA_DAYS`] days whose first-response time is decided
    /// (answered, or past due), and those answered in time.
    pub inquiries_due: u64,
    pub inquiries_in_time: u64,
    pub goals: usize,
    pub goals_owned: usize,
    pub goals_served: usize,
    pub stories_published: usize,
}

/// The three stages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Policy,
    Protection,
    Opportunity,
}

impl Stage {
    pub const ALL: [Stage; 3] = [Stage::Policy, Stage::Protection, Stage::Opportunity];

    pub fn title(self) -> Text {
        match self {
            Stage::Policy => Text::new("Policy", "Policy"),
            Stage::Protection => Text::new("Beskyttelse", "Protection"),
            Stage::Opportunity => Text::new("Muligheter", "Opportunity"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Policy => "policy",
            Stage::Protection => "protection",
            Stage::Opportunity => "opportunity",
        }
    }
}

/// One check of the view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    PolicyStored,
    ApprovalEnforced,
    BlockingRules,
    ConfidentialTerms,
    SlaPolicies,
    Escalation,
    Listening,
    SlaMet,
    GoalsOwned,
    GoalsServed,
    StoriesPublished,
}

impl Check {
    pub fn stage(self) -> Stage {
        match self {
            Check::PolicyStored | Check::ApprovalEnforced => Stage::Policy,
            Check::BlockingRules
            | Check::ConfidentialTerms
            | Check::SlaPolicies
            | Check::Escalation => Stage::Protection,
            _ => Stage::Opportunity,
        }
    }

    /// Stable name: `policy-stored`, ... (for tests and `data-` attributes).
    pub fn as_str(self) -> &'static str {
        match self {
            Check::PolicyStored => "policy-stored",
            Check::ApprovalEnforced => "approval-enforced",
            Check::BlockingRules => "blocking-rules",
            Check::ConfidentialTerms => "confidential-terms",
            Check::SlaPolicies => "sla-policies",
            Check::Escalation => "escalation",
            Check::Listening => "listening",
            Check::SlaMet => "sla-met",
            Check::GoalsOwned => "goals-owned",
            Check::GoalsServed => "goals-served",
            Check::StoriesPublished => "stories-published",
        }
    }

    pub fn title(self) -> Text {
        match self {
            Check::PolicyStored => Text::new(
                "Sosiale medier-policyen er vedtatt og lagret",
                "The social-media policy is adopted and stored",
            ),
            Check::ApprovalEnforced => Text::new(
                "Fire øyne: innlegg godkjennes av en annen enn den som skrev",
                "Four eyes: posts are approved by someone other than the writer",
            ),
            Check::BlockingRules => Text::new(
                "Policysjekken stopper brudd før publisering",
                "The policy check stops breaches before publishing",
            ),
            Check::ConfidentialTerms => Text::new(
                "Forretningshemmeligheter er listet som fortrolige ord",
                "Business secrets are listed as confidential terms",
            ),
            Check::SlaPolicies => Text::new(
                "Svartider er satt per kanal",
                "Response times are set per channel",
            ),
            Check::Escalation => Text::new(
                "Ubesvarte henvendelser eskaleres til noen",
                "Unanswered inquiries are escalated to someone",
            ),
            Check::Listening => Text::new(
                "Lyttingen går: kildene er i drift",
                "Listening is live: the sources are working",
            ),
            Check::SlaMet => Text::new(
                "Svartidene holdes (siste 30 dager)",
                "Response times are met (last 30 days)",
            ),
            Check::GoalsOwned => Text::new(
                "Målene har en eier i ledergruppen",
                "The goals have an owner in the leadership group",
            ),
            Check::GoalsServed => {
                Text::new("Aktiviteten tjener målene", "Activity serves the goals")
            }
            Check::StoriesPublished => Text::new("Historier er publisert", "Stories are published"),
        }
    }

    /// What to do when it is missing.
    pub fn next_step(self) -> Text {
        match self {
            Check::PolicyStored => Text::new(
                "Gå gjennom standardpolicyen, tilpass den og lagre den.",
                "Review the default policy, adapt it and save it.",
            ),
            Check::ApprovalEnforced => Text::new(
                "Send et innlegg til godkjenning og la en kollega godkjenne det.",
                "Send a post for review and have a colleague approve it.",
            ),
            Check::BlockingRules => Text::new(
                "Slå på minst én regel som blokkerer (for eksempel personopplysninger).",
                "Switch on at least one blocking rule (for example personal data).",
            ),
            Check::ConfidentialTerms => Text::new(
                "Legg inn prosjektnavn og partnere under taushetsplikt som fortrolige ord.",
                "Add project code names and partners under NDA as confidential terms.",
            ),
            Check::SlaPolicies => Text::new(
                "Sett svartid for kanalene dere svarer i.",
                "Set the response time for the channels you answer on.",
            ),
            Check::Escalation => Text::new(
                "Velg hvem ubesvarte henvendelser skal eskaleres til, og når.",
                "Choose who unanswered inquiries are escalated to, and when.",
            ),
            Check::Listening => Text::new(
                "Legg til en kilde, eller rett feilen på kilden som feiler.",
                "Add a source, or fix the one that is failing.",
            ),
            Check::SlaMet => Text::new(
                "Se svartidsrapporten og fordel henvendelsene i innboksen.",
                "Look at the response-time report and assign the inquiries in the inbox.",
            ),
            Check::GoalsOwned => Text::new(
                "Gi hvert mål en eier blant lederne.",
                "Give each goal an owner among the leaders.",
            ),
            Check::GoalsServed => Text::new(
                "Knytt historiene til målene, eller planlegg innlegg for målene uten aktivitet.",
                "Link the stories to the goals, or plan posts for the goals without activity.",
            ),
            Check::StoriesPublished => Text::new(
                "Skriv en historie om et tiltak, få den godkjent og publiser den.",
                "Write a story about an initiative, have it approved and publish it.",
            ),
        }
    }

    /// Where the next step is taken: a path inside the workspace (`setup/policy`).
    pub fn next_step_path(self) -> &'static str {
        match self {
            Check::PolicyStored | Check::BlockingRules | Check::ConfidentialTerms => "setup/policy",
            Check::ApprovalEnforced | Check::StoriesPublished => "stories",
            Check::SlaPolicies | Check::Escalation => "inbox/settings",
            Check::Listening => "setup/sources",
            Check::SlaMet => "inbox/report",
            Check::GoalsOwned => "setup/goals",
            Check::GoalsServed => "strategy",
        }
    }
}

/// One check's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Assessment {
    pub check: Check,
    pub in_place: bool,
    /// The figures behind it: `3 av 4` / `3 of 4`, ...
    pub evidence: (String, String),
}

impl Assessment {
    pub fn evidence(&self, language: UiLanguage) -> &str {
        match language {
            UiLanguage::Nb => &self.evidence.0,
            UiLanguage::En => &self.evidence.1,
        }
    }
}

/// The view: every check in stage order, and how many are in place.
#[derive(Clone, Debug, PartialEq)]
pub struct Maturity {
    pub assessments: Vec<Assessment>,
}

impl Maturity {
    pub fn in_place(&self) -> usize {
        self.assessments.iter().filter(|a| a.in_place).count()
    }

    pub fn of(&self, stage: Stage) -> impl Iterator<Item = &Assessment> {
        self.assessments
            .iter()
            .filter(move |a| a.check.stage() == stage)
    }

    /// The first stage not complete: where the workspace stands on the path.
    pub fn current_stage(&self) -> Option<Stage> {
        Stage::ALL
            .into_iter()
            .find(|&stage| self.of(stage).any(|a| !a.in_place))
    }
}

fn of(part: impl std::fmt::Display, whole: impl std::fmt::Display) -> (String, String) {
    (format!("{part} av {whole}"), format!("{part} of {whole}"))
}

fn count(n: impl std::fmt::Display, nb: &str, en: &str) -> (String, String) {
    (format!("{n} {nb}"), format!("{n} {en}"))
}

/// The maturity of a workspace from its snapshot.
pub fn assess(s: &Snapshot) -> Maturity {
    let yes_no = |ok: bool| {
        if ok {
            ("ja".to_owned(), "yes".to_owned())
        } else {
            ("nei".to_owned(), "no".to_owned())
        }
    };
    let sla_share = if s.inquiries_due == 0 {
        None
    } else {
        Some(s.inquiries_in_time as f64 / s.inquiries_due as f64)
    };
    let assessments = vec![
        Assessment {
            check: Check::PolicyStored,
            in_place: s.policy_stored,
            evidence: yes_no(s.policy_stored),
        },
        Assessment {
            check: Check::ApprovalEnforced,
            in_place: s.approved_posts > 0 && s.unapproved_published == 0,
            evidence: if s.unapproved_published > 0 {
                count(
                    s.unapproved_published,
                    "publisert uten godkjenning",
                    "published without approval",
                )
            } else {
                count(s.approved_posts, "godkjente innlegg", "approved posts")
            },
        },
        Assessment {
            check: Check::BlockingRules,
            in_place: s.blocking_rules > 0,
            evidence: count(s.blocking_rules, "blokkerende regler", "blocking rules"),
        },
        Assessment {
            check: Check::ConfidentialTerms,
            in_place: s.confidential_terms > 0,
            evidence: count(s.confidential_terms, "fortrolige ord", "confidential terms"),
        },
        Assessment {
            check: Check::SlaPolicies,
            in_place: s.sla_policies_set > 0,
            evidence: count(s.sla_policies_set, "kanaler satt", "channels set"),
        },
        Assessment {
            check: Check::Escalation,
            in_place: s.escalations > 0,
            evidence: count(s.escalations, "kanaler eskalerer", "channels escalate"),
        },
        Assessment {
            check: Check::Listening,
            in_place: s.sources_enabled > 0 && s.sources_healthy == s.sources_enabled,
            evidence: of(s.sources_healthy, s.sources_enabled),
        },
        Assessment {
            check: Check::SlaMet,
            in_place: sla_share.is_some_and(|share| share >= SLA_TARGET),
            evidence: match sla_share {
                None => ("ingen henvendelser".to_owned(), "no inquiries".to_owned()),
                Some(share) => {
                    let percent = (share * 100.0).round();
                    (
                        format!(
                            "{percent} % i tide ({} av {})",
                            s.inquiries_in_time, s.inquiries_due
                        ),
                        format!(
                            "{percent}% in time ({} of {})",
                            s.inquiries_in_time, s.inquiries_due
                        ),
                    )
                }
            },
        },
        Assessment {
            check: Check::GoalsOwned,
            in_place: s.goals > 0 && s.goals_owned == s.goals,
            evidence: of(s.goals_owned, s.goals),
        },
        Assessment {
            check: Check::GoalsServed,
            in_place: s.goals > 0 && s.goals_served == s.goals,
            evidence: of(s.goals_served, s.goals),
        },
        Assessment {
            check: Check::StoriesPublished,
            in_place: s.stories_published > 0,
            evidence: count(s.stories_published, "historier", "stories"),
        },
    ];
    Maturity { assessments }
}

/// Blocking rules switched on, and the confidential terms they hold.
pub fn policy_protection(policy: &Policy) -> (usize, usize) {
    let enabled = policy.rules.iter().filter(|r| r.enabled);
    let blocking = enabled
        .clone()
        .filter(|r| r.severity == Severity::Block)
        .count();
    let terms = enabled
        .map(|r| match &r.kind {
            RuleKind::ConfidentialTerms { terms } => terms.len(),
            _ => 0,
        })
        .sum();
    (blocking, terms)
}

/// Reads the snapshot of a workspace at `now`.
pub async fn read_snapshot(
    store: &dyn Store,
    workspace: &WorkspaceId,
    now: Timestamp,
    time_zone: &TimeZone,
) -> StoreResult<Snapshot> {
    let stored = store.policy(workspace).await?;
    // A stored policy that no longer reads is treated as none: the policy page says why.
    let policy = stored
        .as_ref()
        .and_then(|p| Policy::from_json(&p.json).ok())
        .unwrap_or_default();
    let (blocking_rules, confidential_terms) = policy_protection(&policy);
    let tally = store.post_tally(workspace).await?;
    let slas = store.sla_policies(workspace).await?;
    let sources = store.sources(workspace).await?;
    let enabled: Vec<_> = sources.iter().filter(|s| s.enabled).collect();
    let entries = store
        .inbox_arrived_between(
            workspace,
            now - SignedDuration::from_hours(SLA_DAYS * 24),
            now,
        )
        .await?;
    let mut inquiries_due = 0;
    let mut inquiries_in_time = 0;
    for entry in &entries {
        match entry.first_response_at {
            Some(at) => {
                inquiries_due += 1;
                if at <= entry.response_due_at {
                    inquiries_in_time += 1;
                }
            }
            None if entry.response_due_at <= now => inquiries_due += 1,
            None => {}
        }
    }
    let alignment = alignment::read(store, workspace, now, time_zone).await?;
    let goals = store.goals(workspace).await?;
    let published = store
        .engagement_rollup(workspace, EngagementGrouping::Story)
        .await?;
    Ok(Snapshot {
        policy_stored: stored.is_some(),
        approved_posts: tally.approved,
        unapproved_published: tally.published_unapproved,
        blocking_rules,
        confidential_terms,
        sla_policies_set: slas
            .iter()
            .filter(|p| **p != SlaPolicy::default_for(p.channel))
            .count(),
        escalations: slas
            .iter()
            .filter(|p| p.escalate_after_mins.is_some() && p.escalate_to.is_some())
            .count(),
        sources_enabled: enabled.len(),
        sources_healthy: enabled
            .iter()
            .filter(|s| s.health.status(now) == HealthStatus::Ok)
            .count(),
        inquiries_due,
        inquiries_in_time,
        goals: goals.len(),
        goals_owned: goals
            .iter()
            .filter(|g| {
                g.draft
                    .owner
                    .as_deref()
                    .is_some_and(|o| !o.trim().is_empty())
            })
            .count(),
        goals_served: goals
            .iter()
            .filter(|g| alignment.served.contains_key(&g.id))
            .count(),
        stories_published: published.iter().filter(|r| r.posts > 0).count(),
    })
}

/// The maturity of a workspace at `now`, read from the store.
pub async fn read(
    store: &dyn Store,
    workspace: &WorkspaceId,
    now: Timestamp,
    time_zone: &TimeZone,
) -> StoreResult<Maturity> {
    Ok(assess(
        &read_snapshot(store, workspace, now, time_zone).await?,
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn states(m: &Maturity) -> Vec<(&'static str, bool)> {
        m.assessments
            .iter()
            .map(|a| (a.check.as_str(), a.in_place))
            .collect()
    }

    #[test]
    fn an_empty_workspace_has_nothing_in_place_and_starts_at_policy() {
        let m = assess(&Snapshot::default());
        assert_eq!(m.in_place(), 0);
        assert_eq!(m.current_stage(), Some(Stage::Policy));
        assert_eq!(m.assessments.len(), 11);
        let sla = m
            .assessments
            .iter()
            .find(|a| a.check == Check::SlaMet)
            .unwrap();
        assert_eq!(sla.evidence(UiLanguage::En), "no inquiries");
        // The stages come in the path's order.
        let stages: Vec<Stage> = m.assessments.iter().map(|a| a.check.stage()).collect();
        let mut sorted = stages.clone();
        sorted.sort_by_key(|s| Stage::ALL.iter().position(|x| x == s));
        assert_eq!(stages, sorted);
    }

    #[test]
    fn a_mature_workspace_has_everything_in_place() {
        let s = Snapshot {
            policy_stored: true,
            approved_posts: 12,
            unapproved_published: 0,
            blocking_rules: 4,
            confidential_terms: 2,
            sla_policies_set: 2,
            escalations: 1,
            sources_enabled: 3,
            sources_healthy: 3,
            inquiries_due: 100,
            inquiries_in_time: 90,
            goals: 2,
            goals_owned: 2,
            goals_served: 2,
            stories_published: 3,
        };
        let m = assess(&s);
        assert_eq!(m.in_place(), 11, "{:?}", states(&m));
        assert_eq!(m.current_stage(), None);
        let sla = m
            .assessments
            .iter()
            .find(|a| a.check == Check::SlaMet)
            .unwrap();
        assert_eq!(sla.evidence(UiLanguage::Nb), "90 % i tide (90 av 100)");
    }

    #[test]
    fn each_gap_is_missing_on_its_own() {
        let good = Snapshot {
            policy_stored: true,
            approved_posts: 1,
            blocking_rules: 1,
            confidential_terms: 1,
            sla_policies_set: 1,
            escalations: 1,
            sources_enabled: 1,
            sources_healthy: 1,
            inquiries_due: 10,
            inquiries_in_time: 9,
            goals: 1,
            goals_owned: 1,
            goals_served: 1,
            stories_published: 1,
            ..Snapshot::default()
        };
        let cases: [(Snapshot, Check); 6] = [
            (
                Snapshot {
                    unapproved_published: 1,
                    ..good.clone()
                },
                Check::ApprovalEnforced,
            ),
            (
                Snapshot {
                    sources_healthy: 0,
                    ..good.clone()
                },
                Check::Listening,
            ),
            (
                Snapshot {
                    inquiries_in_time: 8,
                    ..good.clone()
                },
                Check::SlaMet,
            ),
            (
                Snapshot {
                    goals_owned: 0,
                    ..good.clone()
                },
                Check::GoalsOwned,
            ),
            (
                Snapshot {
                    goals_served: 0,
                    ..good.clone()
                },
                Check::GoalsServed,
            ),
            (
                Snapshot {
                    confidential_terms: 0,
                    ..good.clone()
                },
                Check::ConfidentialTerms,
            ),
        ];
        assert_eq!(assess(&good).in_place(), 11);
        for (snapshot, missing) in cases {
            let m = assess(&snapshot);
            let off: Vec<Check> = m
                .assessments
                .iter()
                .filter(|a| !a.in_place)
                .map(|a| a.check)
                .collect();
            assert_eq!(off, [missing]);
            assert_eq!(m.current_stage(), Some(missing.stage()));
        }
    }

    #[test]
    fn the_default_policy_blocks_but_lists_no_secrets() {
        let (blocking, terms) = policy_protection(&Policy::default());
        assert!(blocking > 0);
        assert_eq!(terms, 0);
        let mut policy = Policy::default();
        for rule in &mut policy.rules {
            rule.enabled = false;
        }
        assert_eq!(policy_protection(&policy), (0, 0));
    }
}
