//! The scenario's CSR stories, so the stories, calendar and effect pages have something to
//! show: the climate story of day 25 told on four channels, the company's answer to the
//! supplier scandal of day 55, and an employer-branding series planned for the weeks after
//! the window. Every post is written by the communication team and approved by someone else.

use jiff::{SignedDuration, Timestamp};
use omdomme_core::{Engagement, SourceKind, Topic};

use crate::scenario::{self, BRANDS, OWN};

/// Writes the posts and sends them for review.
pub const WRITER: DemoPerson = DemoPerson {
    email: "kommunikasjon@havbris.example",
    name: "Ingrid Kommunikasjon (syntetisk)",
};
/// Approves them: the four eyes.
pub const APPROVER: DemoPerson = DemoPerson {
    email: "leder@havbris.example",
    name: "Lars Leder (syntetisk)",
};

/// Code names the company keeps secret: its policy blocks them.
pub const CONFIDENTIAL_TERMS: [&str; 1] = ["Fjordlys"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoPerson {
    pub email: &'static str,
    pub name: &'static str,
}

/// The goal the climate story serves.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoGoal {
    pub name: &'static str,
    pub metric: &'static str,
    pub target: f64,
    /// Days after the window's end.
    pub deadline_days: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DemoStory {
    pub title: &'static str,
    pub topic: Topic,
    pub summary: &'static str,
    /// Whether it serves [`goal`]'s goal.
    pub serves_goal: bool,
    /// (statement, source link)
    pub proof_points: Vec<(&'static str, &'static str)>,
    pub posts: Vec<DemoPost>,
}

/// Where a demo post stands, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DemoStage {
    /// Published at the time, with this engagement.
    Published(Timestamp, Engagement),
    /// Approved and scheduled at the time.
    Scheduled(Timestamp),
    /// Sent for review, planned at the time.
    InReview(Timestamp),
    /// Still a draft, planned at the time.
    Draft(Timestamp),
}

#[derive(Clone, Debug, PartialEq)]
pub struct DemoPost {
    pub channel: SourceKind,
    pub text: String,
    pub stage: DemoStage,
}

/// The own brand's account name on every platform: the demo's channels to post from.
pub fn own_handle() -> &'static str {
    BRANDS[OWN].handle
}

pub fn goal() -> DemoGoal {
    DemoGoal {
        name: "Synlig klimaarbeid",
        metric: "Engasjement per klimainnlegg",
        target: 400.0,
        deadline_days: 120,
    }
}

/// The stories for a window ending at `end` (as [`crate::DemoOptions::end`]).
pub fn stories(end: Timestamp) -> Vec<DemoStory> {
    let [climate, crisis] = crate::events(end).map(|e| e.at);
    let after = |at: Timestamp, hours: i64| at + SignedDuration::from_hours(hours);
    let engagement = |likes, shares, replies, views| Engagement {
        likes,
        shares,
        replies,
        views,
    };
    let published = |hours, e| DemoStage::Published(after(climate, hours), e);
    vec![
        DemoStory {
            title: "Elektriske lastebiler og solceller: 40 % lavere utslipp",
            topic: Topic::Climate,
            summary: "Havbris har byttet ut 28 dieselbiler med elektriske lastebiler og lagt \
                      solceller på 12 lagertak. Klimaregnskapet for 2025 viser 40 % lavere \
                      utslipp fra transport enn i 2019.",
            serves_goal: true,
            proof_points: vec![
                (
                    "Utslippene fra transport er 40 % lavere i 2025 enn i 2019 (klimaregnskapet, revidert)",
                    "https://havbris.example/baerekraft/klimaregnskap-2025.pdf",
                ),
                (
                    "28 elektriske lastebiler i drift fra lagrene i Oslo og Bergen",
                    "https://havbris.example/presse/elektriske-lastebiler",
                ),
            ],
            posts: vec![
                DemoPost {
                    channel: SourceKind::Mastodon,
                    text: format!(
                        "28 elektriske lastebiler og solceller på 12 lagertak: utslippene fra \
                         transporten vår er 40 % lavere enn i 2019. Hele klimaregnskapet: \
                         https://havbris.example/baerekraft/klimaregnskap-2025.pdf {}",
                        BRANDS[OWN].hashtag
                    ),
                    stage: published(1, engagement(212, 64, 31, None)),
                },
                DemoPost {
                    channel: SourceKind::Bluesky,
                    text: "40 % lavere utslipp fra transporten på seks år. Slik gjorde vi det: \
                           elektriske lastebiler, solceller og smartere ruter. \
                           https://havbris.example/baerekraft"
                        .to_owned(),
                    stage: published(2, engagement(148, 39, 17, None)),
                },
                DemoPost {
                    channel: SourceKind::X,
                    text: "Utslippene fra transporten vår er 40 % lavere enn i 2019. 28 \
                           elektriske lastebiler er i drift. https://havbris.example/baerekraft"
                        .to_owned(),
                    stage: published(1, engagement(96, 41, 22, Some(18_400))),
                },
                DemoPost {
                    channel: SourceKind::Facebook,
                    text: "Visste du at varene dine nå kjøres av elektriske lastebiler? Vi har \
                           kuttet utslippene fra transport med 40 % siden 2019, og solcellene \
                           på lagrene våre gir strøm til kjølerommene. Les klimaregnskapet: \
                           https://havbris.example/baerekraft/klimaregnskap-2025.pdf"
                        .to_owned(),
                    stage: published(3, engagement(534, 88, 73, Some(41_200))),
                },
            ],
        },
        DemoStory {
            title: "Ansvar i leverandørkjeden: oppfølgingen av Verdeluz Agro",
            topic: Topic::Labour,
            summary: "Etter avsløringen om arbeidsforholdene hos Verdeluz Agro stanset Havbris \
                      innkjøpene og ba om en uavhengig revisjon. Historien forteller hva vi \
                      gjør, og hva vi ennå ikke vet.",
            serves_goal: false,
            proof_points: vec![(
                "Innkjøpene fra Verdeluz Agro er stanset til revisjonen er ferdig",
                "https://havbris.example/presse/verdeluz-agro",
            )],
            posts: vec![
                DemoPost {
                    channel: SourceKind::Facebook,
                    text: format!(
                        "Vi har lest avsløringene om {} og tar dem på største alvor. Vi har \
                         stanset innkjøpene og bedt om en uavhengig revisjon. Vi svarer på \
                         spørsmål her i kommentarfeltet.",
                        scenario::SUPPLIER
                    ),
                    stage: DemoStage::Published(
                        after(crisis, 5),
                        engagement(61, 12, 240, Some(58_900)),
                    ),
                },
                DemoPost {
                    channel: SourceKind::X,
                    text: "Oppdatering om leverandøren vår: den uavhengige revisjonen starter \
                           neste uke. Vi legger ut funnene når de er klare."
                        .to_owned(),
                    stage: DemoStage::InReview(after(end, 30)),
                },
                DemoPost {
                    channel: SourceKind::Mastodon,
                    text: "Alle varene våre er 100 % bærekraftige, og vi har full kontroll på \
                           hele leverandørkjeden."
                        .to_owned(),
                    stage: DemoStage::Draft(after(end, 54)),
                },
            ],
        },
        DemoStory {
            title: "Lærlinger i butikk: første kull",
            topic: Topic::Employer,
            summary: "Havbris tar inn 40 lærlinger i butikkfag i år. Serien følger tre av dem \
                      gjennom første halvår.",
            serves_goal: false,
            proof_points: vec![(
                "40 lærlinger i butikkfag tatt inn høsten 2026",
                "https://havbris.example/jobb/laerlinger",
            )],
            posts: vec![
                DemoPost {
                    channel: SourceKind::Facebook,
                    text: "Møt Amina, Jonas og Siri: tre av våre 40 nye lærlinger i \
                           butikkfag. Første uke: kassa, ferskvare og mye kaffe."
                        .to_owned(),
                    stage: DemoStage::Scheduled(after(end, 33)),
                },
                DemoPost {
                    channel: SourceKind::Bluesky,
                    text: "Hva lærer du første måned som lærling i dagligvare? Siri forteller. \
                           https://havbris.example/jobb/laerlinger"
                        .to_owned(),
                    stage: DemoStage::Scheduled(after(end, 24 * 7 + 9)),
                },
                DemoPost {
                    channel: SourceKind::Mastodon,
                    text: "Lærlingene våre har halvveis-samtale. Jonas om hva som overrasket \
                           ham mest."
                        .to_owned(),
                    stage: DemoStage::Draft(after(end, 24 * 16 + 8)),
                },
            ],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use omdomme_core::post_length;

    #[test]
    fn every_demo_post_fits_its_platform() {
        for story in stories(Timestamp::UNIX_EPOCH + SignedDuration::from_hours(24 * 400)) {
            for post in story.posts {
                let length = post_length(post.channel, &post.text).unwrap();
                assert!(length.fits(), "{} on {:?}", post.text, post.channel);
            }
        }
    }
}
