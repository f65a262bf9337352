//! Strategy templates: PRODUCT.md's "no single recipe" made concrete. A consumer-goods
//! company builds engagement around its products, a service provider focuses on customer
//! service and dialog, an engineering company on employer branding. Each template says what
//! every posting channel is for and proposes goals; applying one fills the channel roles not
//! yet set (never replacing the team's own words), and its goals stay proposals until a
//! leader accepts each as a goal of the workspace.

use jiff::civil::Date;
use omdomme_core::SourceKind;
use omdomme_store::{BusinessType, ChannelRole, Goal, GoalDraft, UiLanguage};

use crate::Text;

/// The channels a template gives a role: those a post can go out on.
pub const CHANNELS: [SourceKind; 4] = [
    SourceKind::Facebook,
    SourceKind::X,
    SourceKind::Mastodon,
    SourceKind::Bluesky,
];

/// A goal a template proposes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProposedGoal {
    /// Stable within its template: what the accept form sends.
    pub key: &'static str,
    pub name: Text,
    /// `None` for all channels.
    pub channel: Option<SourceKind>,
    pub metric: Text,
    pub target: f64,
    /// The deadline, in days from the day it is accepted.
    pub deadline_days: i64,
}

impl ProposedGoal {
    /// The goal as it is created when a leader accepts it on `today`, owned by `owner`.
    pub fn draft(&self, language: UiLanguage, owner: &str, today: Date) -> GoalDraft {
        GoalDraft {
            name: self.name.get(language).to_owned(),
            channel: self.channel,
            owner: Some(owner.to_owned()),
            metric: self.metric.get(language).to_owned(),
            target: Some(self.target),
            deadline: today
                .checked_add(jiff::Span::new().days(self.deadline_days))
                .ok(),
        }
    }

    /// Whether a goal of the workspace already is this proposal: the same name in either
    /// language, ignoring case. Accepting it again would make a twin.
    pub fn accepted_as<'a>(&self, goals: &'a [Goal]) -> Option<&'a Goal> {
        goals.iter().find(|g| {
            let name = g.draft.name.trim().to_lowercase();
            name == self.name.nb.to_lowercase() || name == self.name.en.to_lowercase()
        })
    }
}

/// One business type's recipe.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Template {
    pub business_type: BusinessType,
    pub name: Text,
    /// The thinking behind it, in a sentence.
    pub summary: Text,
    /// What each of [`CHANNELS`] is for.
    pub roles: [(SourceKind, Text); 4],
    pub goals: &'static [ProposedGoal],
}

impl Template {
    /// The channel roles in `language`.
    pub fn channel_roles(&self, language: UiLanguage) -> Vec<ChannelRole> {
        self.roles
            .iter()
            .map(|(channel, purpose)| ChannelRole {
                channel: *channel,
                purpose: purpose.get(language).to_owned(),
            })
            .collect()
    }

    pub fn goal(&self, key: &str) -> Option<&'static ProposedGoal> {
        self.goals.iter().find(|g| g.key == key)
    }
}

/// The template of a business type.
pub fn template(business_type: BusinessType) -> &'static Template {
    match business_type {
        BusinessType::ConsumerGoods => &CONSUMER_GOODS,
        BusinessType::ServiceProvider => &SERVICE_PROVIDER,
        BusinessType::Engineering => &ENGINEERING,
    }
}

/// The roles after applying `template` over `existing`: every channel keeps a role the team
/// set; channels without one get the template's. Sorted by channel.
pub fn merge_roles(
    existing: &[ChannelRole],
    template: &Template,
    language: UiLanguage,
) -> Vec<ChannelRole> {
    let mut roles = existing.to_vec();
    for role in template.channel_roles(language) {
        if !roles.iter().any(|r| r.channel == role.channel) {
            roles.push(role);
        }
    }
    roles.sort_by_key(|r| r.channel);
    roles
}

pub static CONSUMER_GOODS: Template = Template {
    business_type: BusinessType::ConsumerGoods,
    name: Text::new("Forbruksvarer", "Consumer goods"),
    summary: Text::new(
        "Bygg engasjement rundt produktene: historier om råvarer, opprinnelse og ansvar, og dialog der kundene er.",
        "Build engagement around the products: stories of ingredients, origin and responsibility, and dialog where the customers are.",
    ),
    roles: [
        (
            SourceKind::Facebook,
            Text::new(
                "Engasjement rundt produktene og kundedialog",
                "Engagement around the products and customer dialog",
            ),
        ),
        (
            SourceKind::X,
            Text::new("Presse og samfunnskontakt", "Press and public affairs"),
        ),
        (
            SourceKind::Mastodon,
            Text::new(
                "Åpen dialog om bærekraft med engasjerte forbrukere",
                "Open dialog on sustainability with engaged consumers",
            ),
        ),
        (
            SourceKind::Bluesky,
            Text::new(
                "Produktnyheter og kampanjer for et yngre publikum",
                "Product news and campaigns for a younger audience",
            ),
        ),
    ],
    goals: &[
        ProposedGoal {
            key: "product-engagement",
            name: Text::new(
                "Mer engasjement rundt produktene på Facebook",
                "More engagement around the products on Facebook",
            ),
            channel: Some(SourceKind::Facebook),
            metric: Text::new("engasjement per innlegg", "engagement per post"),
            target: 150.0,
            deadline_days: 90,
        },
        ProposedGoal {
            key: "answer-customers",
            name: Text::new(
                "Svar på kundenes spørsmål om produktene",
                "Answer the customers' questions about the products",
            ),
            channel: Some(SourceKind::Facebook),
            metric: Text::new("svarprosent", "response rate (%)"),
            target: 95.0,
            deadline_days: 60,
        },
        ProposedGoal {
            key: "press-responsibility",
            name: Text::new(
                "Ansvarshistorier som pressen deler",
                "Responsibility stories the press shares",
            ),
            channel: Some(SourceKind::X),
            metric: Text::new("delinger per innlegg", "shares per post"),
            target: 20.0,
            deadline_days: 120,
        },
    ],
};

pub static SERVICE_PROVIDER: Template = Template {
    business_type: BusinessType::ServiceProvider,
    name: Text::new("Tjenesteleverandør", "Service provider"),
    summary: Text::new(
        "Kundeservice og dialog først: rask respons, gode svar og åpenhet når noe går galt.",
        "Customer service and dialog first: fast response, good answers and openness when something goes wrong.",
    ),
    roles: [
        (
            SourceKind::Facebook,
            Text::new("Kundeservice og dialog", "Customer service and dialog"),
        ),
        (
            SourceKind::X,
            Text::new(
                "Driftsmeldinger, presse og samfunnskontakt",
                "Service updates, press and public affairs",
            ),
        ),
        (
            SourceKind::Mastodon,
            Text::new(
                "Dialog med fagfolk og engasjerte kunder",
                "Dialog with experts and engaged customers",
            ),
        ),
        (
            SourceKind::Bluesky,
            Text::new(
                "Kundeservice og nyheter om tjenestene",
                "Customer service and news about the services",
            ),
        ),
    ],
    goals: &[
        ProposedGoal {
            key: "response-time",
            name: Text::new(
                "Svar innen en time i alle kanaler",
                "Answer within an hour on every channel",
            ),
            channel: None,
            metric: Text::new(
                "median svartid (minutter)",
                "median response time (minutes)",
            ),
            target: 60.0,
            deadline_days: 60,
        },
        ProposedGoal {
            key: "response-rate",
            name: Text::new(
                "Svar på alle henvendelser på Facebook",
                "Answer every inquiry on Facebook",
            ),
            channel: Some(SourceKind::Facebook),
            metric: Text::new("svarprosent", "response rate (%)"),
            target: 98.0,
            deadline_days: 90,
        },
        ProposedGoal {
            key: "dialog-share",
            name: Text::new("Mer dialog enn kringkasting", "More dialog than broadcast"),
            channel: None,
            metric: Text::new(
                "andel svar av egne innlegg (%)",
                "replies as a share of own posts (%)",
            ),
            target: 60.0,
            deadline_days: 120,
        },
    ],
};

pub static ENGINEERING: Template = Template {
    business_type: BusinessType::Engineering,
    name: Text::new("Ingeniørselskap", "Engineering company"),
    summary: Text::new(
        "Arbeidsgiverprofil: vis fagmiljøet og menneskene, så de rette søker seg til dere og blir.",
        "Employer branding: show the expertise and the people, so the right ones apply and stay.",
    ),
    roles: [
        (
            SourceKind::Facebook,
            Text::new(
                "Arbeidsgiverprofil: historier fra arbeidsplassen",
                "Employer branding: stories from the workplace",
            ),
        ),
        (
            SourceKind::X,
            Text::new(
                "Presse, fagdebatt og samfunnskontakt",
                "Press, professional debate and public affairs",
            ),
        ),
        (
            SourceKind::Mastodon,
            Text::new(
                "Fagmiljø, åpen kildekode og faglig dialog",
                "Expertise, open source and professional dialog",
            ),
        ),
        (
            SourceKind::Bluesky,
            Text::new(
                "Rekruttering av unge ingeniører",
                "Recruiting young engineers",
            ),
        ),
    ],
    goals: &[
        ProposedGoal {
            key: "workplace-stories",
            name: Text::new(
                "Historier fra arbeidsplassen hver uke",
                "Stories from the workplace every week",
            ),
            channel: Some(SourceKind::Facebook),
            metric: Text::new(
                "publiserte historier per måned",
                "stories published per month",
            ),
            target: 4.0,
            deadline_days: 90,
        },
        ProposedGoal {
            key: "recruiting-reach",
            name: Text::new(
                "Stillingsinnlegg som blir delt",
                "Job posts that get shared",
            ),
            channel: Some(SourceKind::Bluesky),
            metric: Text::new("delinger per stillingsinnlegg", "shares per job post"),
            target: 25.0,
            deadline_days: 120,
        },
        ProposedGoal {
            key: "expert-dialog",
            name: Text::new(
                "Faglig dialog med fagmiljøet",
                "Professional dialog with the expert community",
            ),
            channel: Some(SourceKind::Mastodon),
            metric: Text::new("svar per innlegg", "replies per post"),
            target: 10.0,
            deadline_days: 120,
        },
    ],
};

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use omdomme_core::WorkspaceId;

    fn goal(name: &str) -> Goal {
        Goal {
            id: 1,
            workspace: WorkspaceId("w".into()),
            draft: GoalDraft {
                name: name.into(),
                metric: "m".into(),
                ..GoalDraft::default()
            },
            created_at: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn every_template_gives_each_posting_channel_one_role_and_proposes_goals() {
        for business in BusinessType::ALL {
            let t = template(business);
            assert_eq!(t.business_type, business);
            let mut channels: Vec<_> = t.roles.iter().map(|(c, _)| *c).collect();
            channels.sort();
            let mut expected = CHANNELS.to_vec();
            expected.sort();
            assert_eq!(channels, expected, "{business:?}");
            assert!(!t.goals.is_empty());
            for g in t.goals {
                assert!(t.goal(g.key).is_some());
                assert!(!g.name.nb.is_empty() && !g.name.en.is_empty());
                assert_ne!(g.name.nb, g.name.en, "{}", g.key);
            }
        }
    }

    #[test]
    fn applying_keeps_the_roles_the_team_wrote() {
        let own = ChannelRole {
            channel: SourceKind::Facebook,
            purpose: "Vår egen formulering".into(),
        };
        let roles = merge_roles(std::slice::from_ref(&own), &CONSUMER_GOODS, UiLanguage::Nb);
        assert_eq!(roles.len(), 4);
        let facebook = roles
            .iter()
            .find(|r| r.channel == SourceKind::Facebook)
            .unwrap();
        assert_eq!(facebook.purpose, own.purpose);
        let x = roles.iter().find(|r| r.channel == SourceKind::X).unwrap();
        assert_eq!(x.purpose, "Presse og samfunnskontakt");
        // Applied twice, nothing changes.
        assert_eq!(merge_roles(&roles, &ENGINEERING, UiLanguage::En), roles);
    }

    #[test]
    fn a_proposal_accepted_in_either_language_is_known() {
        let proposal = CONSUMER_GOODS.goal("product-engagement").unwrap();
        assert!(proposal.accepted_as(&[goal("Other")]).is_none());
        assert!(
            proposal
                .accepted_as(&[goal("more engagement around the products on facebook ")])
                .is_some()
        );
        let draft = proposal.draft(UiLanguage::Nb, "leder@x.no", "2026-11-27".parse().unwrap());
        assert_eq!(draft.deadline, Some("2027-02-25".parse().unwrap()));
        assert_eq!(draft.owner.as_deref(), Some("leder@x.no"));
        assert_eq!(draft.metric, "engasjement per innlegg");
        assert!(proposal.accepted_as(&[goal(&draft.name)]).is_some());
    }
}
