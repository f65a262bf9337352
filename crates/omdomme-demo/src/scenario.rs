//! The fixed cast and calendar of the scenario: the brands, the sources, the streams of talk,
//! and how much each stream says in each hour of the 90 days.
//!
//! Volumes are written as "items per day at the default size" so they can be read and tuned
//! as a story; the plan scales them to whatever item count is asked for.

use omdomme_core::{BrandRole, Lang, SourceKind};

/// Days in the scenario window.
pub const DAYS: u32 = 90;
pub(crate) const SLOTS: usize = DAYS as usize * 24;
/// Day (0-based from the window's start) the positive climate story is published.
pub const CLIMATE_DAY: u32 = 25;
/// Day (0-based from the window's start) the supplier labour scandal breaks.
pub const CRISIS_DAY: u32 = 55;
/// Hour (from the window's start) of the climate article: 07:00 UTC, breakfast news in Oslo.
pub(crate) const CLIMATE_START_H: usize = CLIMATE_DAY as usize * 24 + 7;
/// Hour (from the window's start) of the revelation: 05:00 UTC, the morning paper's web edition.
pub(crate) const CRISIS_START_H: usize = CRISIS_DAY as usize * 24 + 5;

/// The fictional supplier at the centre of the crisis.
pub(crate) const SUPPLIER: &str = "Verdeluz Agro";
/// Where the revelation (and every quote-share of it) points.
pub(crate) const CRISIS_URL: &str =
    "https://fjordposten.example/nyheter/avsloring-arbeidsforhold-hos-leverandor";
/// Where the climate story points.
pub(crate) const CLIMATE_URL: &str =
    "https://dagsnytt.example/klima/havbris-kutter-utslippene-med-40-prosent";

pub(crate) struct BrandSpec {
    pub id: &'static str,
    pub name: &'static str,
    /// What people write in running text.
    pub short: &'static str,
    /// The brand's account on every platform, without `@`.
    pub handle: &'static str,
    /// With the `#`.
    pub hashtag: &'static str,
    pub role: BrandRole,
    pub query: &'static str,
    /// Relative amount of talk about the brand (the own brand is 1).
    pub volume: f64,
    /// Share of public inquiries the brand answers in normal weeks.
    pub answer_rate: f64,
    /// Median hours to an answer.
    pub answer_hours: f64,
    /// Followers of the brand's X account; other platforms are scaled from it.
    pub followers: u64,
}

pub(crate) const OWN: usize = 0;

/// The company and its three competitors. Answer rates and times differ on purpose so the
/// Engagement & Openness index has something to rank: one fast and open competitor, one slow,
/// one nearly silent.
pub(crate) const BRANDS: [BrandSpec; 4] = [
    BrandSpec {
        id: "havbris",
        name: "Havbris Dagligvare",
        short: "Havbris",
        handle: "havbris",
        hashtag: "#havbris",
        role: BrandRole::Own,
        // "Havbris" is also the sea breeze: weather and sailing talk must not count.
        query: r#"(havbris OR "havbris dagligvare" OR #havbris OR @havbris) AND NOT ("frisk havbris" OR "lett havbris" OR "kjølig havbris" OR "svak havbris" OR #seiling)"#,
        volume: 1.0,
        answer_rate: 0.62,
        answer_hours: 2.5,
        followers: 48_000,
    },
    BrandSpec {
        id: "dagmat",
        name: "Dagmat",
        short: "Dagmat",
        handle: "dagmatno",
        hashtag: "#dagmat",
        role: BrandRole::Competitor,
        query: "dagmat OR #dagmat OR @dagmatno",
        volume: 0.75,
        answer_rate: 0.82,
        answer_hours: 0.8,
        followers: 61_000,
    },
    BrandSpec {
        id: "kornmo",
        name: "Kornmo Marked",
        short: "Kornmo",
        handle: "kornmomarked",
        hashtag: "#kornmomarked",
        role: BrandRole::Competitor,
        // A farm of the same name sells at markets; its open days are not the chain.
        query: r#"("kornmo marked" OR kornmo OR #kornmomarked OR @kornmomarked) -"kornmo gård""#,
        volume: 0.5,
        answer_rate: 0.38,
        answer_hours: 9.0,
        followers: 22_000,
    },
    BrandSpec {
        id: "rypa",
        name: "Rypa Matmarked",
        short: "Rypa",
        handle: "rypamat",
        hashtag: "#rypamat",
        role: BrandRole::Competitor,
        // "rypa" is also "the ptarmigan": hunting talk must not count.
        query: r#"("rypa matmarked" OR rypa OR #rypamat OR @rypamat) AND NOT (rypejakt OR jakt* OR #rypejakt)"#,
        volume: 0.35,
        answer_rate: 0.18,
        answer_hours: 20.0,
        followers: 9_500,
    },
];

pub(crate) struct SourceSpec {
    pub kind: SourceKind,
    pub name: &'static str,
    /// Host of the item URLs; always under `.example`.
    pub domain: &'static str,
    /// Press: the feed's title and language; social: unused.
    pub title: &'static str,
    pub lang: Lang,
    /// Press: relative share of articles; also the feed's "followers" in thousands.
    pub weight: f64,
}

const fn press(
    name: &'static str,
    domain: &'static str,
    title: &'static str,
    lang: Lang,
    weight: f64,
) -> SourceSpec {
    SourceSpec {
        kind: SourceKind::Rss,
        name,
        domain,
        title,
        lang,
        weight,
    }
}

const fn social(kind: SourceKind, name: &'static str, domain: &'static str) -> SourceSpec {
    SourceSpec {
        kind,
        name,
        domain,
        title: "",
        lang: Lang::Other,
        weight: 0.0,
    }
}

pub(crate) const SOURCES: [SourceSpec; 11] = [
    press(
        "fjordposten-demo",
        "fjordposten.example",
        "Fjordposten (syntetisk)",
        Lang::Nb,
        3.0,
    ),
    press(
        "dagsnytt-demo",
        "dagsnytt.example",
        "Dagsnytt (syntetisk)",
        Lang::Nb,
        3.0,
    ),
    press(
        "naeringsavisa-demo",
        "naeringsavisa.example",
        "Næringsavisa (syntetisk)",
        Lang::Nb,
        2.0,
    ),
    press(
        "kjedebladet-demo",
        "kjedebladet.example",
        "Kjedebladet (syntetisk)",
        Lang::Nb,
        1.0,
    ),
    press(
        "vestvind-demo",
        "vestvind.example",
        "Vestvind (syntetisk)",
        Lang::Nn,
        1.5,
    ),
    press(
        "nordic-retail-wire-demo",
        "nordicretailwire.example",
        "Nordic Retail Wire (synthetic)",
        Lang::En,
        1.5,
    ),
    press(
        "kedjenytt-demo",
        "kedjenytt.example",
        "Kedjenytt (syntetisk)",
        Lang::Sv,
        0.4,
    ),
    social(
        SourceKind::Mastodon,
        "mastodon.demo.example",
        "mastodon.demo.example",
    ),
    social(SourceKind::Bluesky, "bluesky-demo", "bsky.example"),
    social(SourceKind::X, "x-demo", "x.example"),
    social(SourceKind::Facebook, "facebook-demo", "facebook.example"),
];
pub(crate) const PRESS_SOURCES: usize = 7;
pub(crate) const FJORDPOSTEN: usize = 0;
pub(crate) const DAGSNYTT: usize = 1;
pub(crate) const MASTODON: usize = 7;
pub(crate) const BLUESKY: usize = 8;
pub(crate) const X: usize = 9;
pub(crate) const FACEBOOK: usize = 10;

/// What a stream of talk is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StreamKind {
    /// Customers praising or complaining about products, stores, prices, the app.
    Product,
    /// Questions and complaints addressed to the brand's account, some answered.
    Inquiry,
    /// Job ads, trainees, proud and unhappy employees, prospective employees asking.
    Employer,
    /// Community, diversity and governance talk.
    Csr,
    /// Ordinary business news.
    Press,
    /// Climate and environment talk (for the own brand: the climate story on day 25).
    Climate,
    /// The own brand's supplier scandal on social media.
    CrisisSocial,
    /// The scandal in the press: the revelation and its follow-ups.
    CrisisPress,
    /// The ~50 influencers' regular posts, sometimes about a brand.
    Influencer,
    /// Talk that matches no brand (including the words the brand queries exclude).
    Noise,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Stream {
    pub kind: StreamKind,
    pub brand: Option<usize>,
}

const PER_BRAND: [StreamKind; 6] = [
    StreamKind::Product,
    StreamKind::Inquiry,
    StreamKind::Employer,
    StreamKind::Csr,
    StreamKind::Press,
    StreamKind::Climate,
];

pub(crate) const STREAMS: [Stream; 28] = build_streams();

const fn build_streams() -> [Stream; 28] {
    let mut out = [Stream {
        kind: StreamKind::Noise,
        brand: None,
    }; 28];
    let mut b = 0;
    while b < BRANDS.len() {
        let mut k = 0;
        while k < PER_BRAND.len() {
            out[b * PER_BRAND.len() + k] = Stream {
                kind: PER_BRAND[k],
                brand: Some(b),
            };
            k += 1;
        }
        b += 1;
    }
    let rest = BRANDS.len() * PER_BRAND.len();
    out[rest] = Stream {
        kind: StreamKind::CrisisSocial,
        brand: Some(OWN),
    };
    out[rest + 1] = Stream {
        kind: StreamKind::CrisisPress,
        brand: Some(OWN),
    };
    out[rest + 2] = Stream {
        kind: StreamKind::Influencer,
        brand: None,
    };
    // out[rest + 3] stays Noise.
    out
}

/// Social activity by Oslo local hour (mean 1): quiet nights, a morning bump, an evening peak.
const DIURNAL: [f64; 24] = [
    0.30, 0.16, 0.10, 0.08, 0.08, 0.14, 0.38, 0.78, 1.12, 1.25, 1.28, 1.30, 1.38, 1.30, 1.24, 1.24,
    1.30, 1.38, 1.46, 1.58, 1.64, 1.50, 1.08, 0.62,
];
/// Newsrooms and HR publish in office hours.
const OFFICE: [f64; 24] = [
    0.05, 0.02, 0.02, 0.02, 0.05, 0.25, 1.0, 1.8, 2.1, 2.1, 2.0, 1.9, 1.8, 1.8, 1.7, 1.6, 1.4, 1.2,
    1.0, 0.9, 0.8, 0.6, 0.4, 0.2,
];
/// Monday first. People post a little less at weekends.
const WEEKLY: [f64; 7] = [1.06, 1.05, 1.04, 1.03, 0.97, 0.80, 0.85];
const WORKWEEK: [f64; 7] = [1.15, 1.15, 1.12, 1.10, 1.0, 0.30, 0.25];

/// Local hour and weekday (0 = Monday) in Oslo of one hour slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SlotInfo {
    pub hour: u8,
    pub weekday: u8,
}

/// Items per hour a stream should produce in a slot, at the default size.
pub(crate) fn weight(stream: Stream, slot: usize, info: SlotInfo) -> f64 {
    let h = usize::from(info.hour);
    let wd = usize::from(info.weekday);
    let social = DIURNAL[h] * WEEKLY[wd];
    let office = OFFICE[h] * WORKWEEK[wd];
    let vol = stream.brand.map_or(1.0, |b| BRANDS[b].volume);
    let own = stream.brand == Some(OWN);
    // Hours since an event, measured at the middle of the slot.
    let since = |start: usize| (slot >= start).then(|| (slot - start) as f64 + 0.5);
    let per_hour = |per_day: f64| per_day / 24.0;
    match stream.kind {
        StreamKind::Product => vol * per_hour(190.0) * social,
        StreamKind::Inquiry => vol * per_hour(110.0) * social,
        StreamKind::Employer => vol * per_hour(45.0) * (0.5 * social + 0.5 * office),
        StreamKind::Csr => vol * per_hour(35.0) * social,
        StreamKind::Press => vol * per_hour(9.0) * office,
        StreamKind::Climate => {
            let base = vol * per_hour(14.0) * social;
            match since(CLIMATE_START_H) {
                // The story is shared widely for a day or two, then fades.
                Some(d) if own => base * (1.0 + 110.0 * (-d / 20.0).exp()),
                _ => base,
            }
        }
        StreamKind::CrisisSocial => match since(CRISIS_START_H) {
            // Builds within hours, decays over ~10 days (e-folding 55 h).
            Some(d) => 450.0 * (1.0 - (-d / 2.0).exp()) * (-d / 55.0).exp() * social,
            None => 0.0,
        },
        StreamKind::CrisisPress => match since(CRISIS_START_H) {
            Some(d) => 2.2 * (-d / 30.0).exp() * (0.3 + office),
            None => 0.0,
        },
        StreamKind::Influencer => per_hour(160.0) * social,
        StreamKind::Noise => per_hour(480.0) * social,
    }
}

/// Oslo's calendar for the hour starting at `utc_second`, computed here (EU summer time rule)
/// so the scenario does not depend on the machine's time zone database.
pub(crate) fn slot_info(utc_second: i64) -> SlotInfo {
    let local = utc_second + oslo_offset(utc_second);
    let days = local.div_euclid(86_400);
    SlotInfo {
        hour: (local.rem_euclid(86_400) / 3600) as u8,
        weekday: (days + 3).rem_euclid(7) as u8,
    }
}

fn oslo_offset(utc_second: i64) -> i64 {
    let year = year_from_days(utc_second.div_euclid(86_400));
    let start = last_sunday(year, 3) * 86_400 + 3600;
    let end = last_sunday(year, 10) * 86_400 + 3600;
    if (start..end).contains(&utc_second) {
        7200
    } else {
        3600
    }
}

/// Days since 1970-01-01 of the last Sunday of a 31-day month.
fn last_sunday(year: i64, month: i64) -> i64 {
    let d = days_from_civil(year, month, 31);
    let monday0 = (d + 3).rem_euclid(7);
    d - (monday0 + 1) % 7
}

/// Howard Hinnant's `days_from_civil`.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The year of Howard Hinnant's `civil_from_days`.
fn year_from_days(z: i64) -> i64 {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let y = yoe + era * 400;
    if mp >= 10 { y + 1 } else { y }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_matches_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(year_from_days(days_from_civil(2024, 12, 31)), 2024);
        assert_eq!(year_from_days(days_from_civil(2025, 1, 1)), 2025);
        assert_eq!(last_sunday(2024, 3), days_from_civil(2024, 3, 31));
        assert_eq!(last_sunday(2024, 10), days_from_civil(2024, 10, 27));
        // 2024-06-03 10:00 UTC was a Monday, 12:00 in Oslo (summer time).
        let t = days_from_civil(2024, 6, 3) * 86_400 + 10 * 3600;
        assert_eq!(
            slot_info(t),
            SlotInfo {
                hour: 12,
                weekday: 0
            }
        );
        // 2024-01-07 10:00 UTC was a Sunday, 11:00 in Oslo (winter time).
        let t = days_from_civil(2024, 1, 7) * 86_400 + 10 * 3600;
        assert_eq!(
            slot_info(t),
            SlotInfo {
                hour: 11,
                weekday: 6
            }
        );
    }

    #[test]
    fn streams_cover_every_brand_once_per_kind() {
        for b in 0..BRANDS.len() {
            for k in PER_BRAND {
                let n = STREAMS
                    .iter()
                    .filter(|s| s.kind == k && s.brand == Some(b))
                    .count();
                assert_eq!(n, 1);
            }
        }
        assert_eq!(
            STREAMS
                .iter()
                .filter(|s| s.kind == StreamKind::Noise)
                .count(),
            1
        );
    }
}
