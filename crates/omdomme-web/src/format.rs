//! Numbers, times and durations as a person reads them, in the user's language and always
//! in Norwegian time (the configured zone, `Europe/Oslo` by default).

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use omdomme_store::UiLanguage;

/// Formats for one request: the user's language and the server's time zone.
#[derive(Clone, Debug)]
pub struct Formatter {
    pub language: UiLanguage,
    pub zone: TimeZone,
}

const MONTHS_NB: [&str; 12] = [
    "jan.", "feb.", "mars", "apr.", "mai", "juni", "juli", "aug.", "sep.", "okt.", "nov.", "des.",
];
const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl Formatter {
    /// A formatter in `zone` (an IANA name); an unknown zone falls back to UTC with a log line.
    pub fn new(language: UiLanguage, zone: &str) -> Formatter {
        let zone = TimeZone::get(zone).unwrap_or_else(|error| {
            tracing::warn!(%error, zone, "unknown time zone; showing times in UTC");
            TimeZone::UTC
        });
        Formatter { language, zone }
    }

    fn month(&self, month: i8) -> &'static str {
        let index = usize::try_from(month - 1).unwrap_or(0).min(11);
        match self.language {
            UiLanguage::Nb => MONTHS_NB[index],
            UiLanguage::En => MONTHS_EN[index],
        }
    }

    /// `27. nov. 2026` / `27 Nov 2026`.
    pub fn date(&self, at: &Timestamp) -> String {
        let local = at.to_zoned_datetime(self.zone.clone());
        match self.language {
            UiLanguage::Nb => format!(
                "{}. {} {}",
                local.day(),
                self.month(local.month()),
                local.year()
            ),
            UiLanguage::En => format!(
                "{} {} {}",
                local.day(),
                self.month(local.month()),
                local.year()
            ),
        }
    }

    /// `27. nov. 2026 kl. 11:20` / `27 Nov 2026, 11:20`.
    pub fn datetime(&self, at: &Timestamp) -> String {
        let local = at.to_zoned_datetime(self.zone.clone());
        let clock = format!("{:02}:{:02}", local.hour(), local.minute());
        match self.language {
            UiLanguage::Nb => format!("{} kl. {clock}", self.date(at)),
            UiLanguage::En => format!("{}, {clock}", self.date(at)),
        }
    }

    /// The value of an `<input type="datetime-local">` in local time: `2026-11-27T11:20`.
    pub fn input_datetime(&self, at: &Timestamp) -> String {
        at.to_zoned_datetime(self.zone.clone())
            .strftime("%Y-%m-%dT%H:%M")
            .to_string()
    }

    /// An integer with a space between thousands: `12 345` (the Norwegian way, and clear in
    /// English too).
    pub fn number(&self, n: u64) -> String {
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('\u{a0}');
            }
            out.push(c);
        }
        out
    }

    /// A fraction in [0, 1] as a whole percent: `87 %`.
    pub fn percent(&self, fraction: f64) -> String {
        if fraction.is_finite() {
            format!("{:.0}\u{a0}%", fraction * 100.0)
        } else {
            "–".to_owned()
        }
    }

    /// A duration as days, hours and minutes, at most two units: `2 t 5 min` / `2 h 5 min`.
    pub fn duration(&self, duration: SignedDuration) -> String {
        let sign = if duration.is_negative() { "−" } else { "" };
        let minutes = duration.abs().as_secs() / 60;
        let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
        let (d, h) = match self.language {
            UiLanguage::Nb => ("d", "t"),
            UiLanguage::En => ("d", "h"),
        };
        let text = if days > 0 {
            format!("{days} {d} {hours} {h}")
        } else if hours > 0 {
            format!("{hours} {h} {mins} min")
        } else {
            format!("{mins} min")
        };
        format!("{sign}{text}")
    }

    /// How long ago, in words: `for 5 min siden` / `5 min ago`.
    pub fn ago(&self, at: &Timestamp, now: &Timestamp) -> String {
        let elapsed = now.duration_since(*at);
        if elapsed.as_secs() < 60 {
            return match self.language {
                UiLanguage::Nb => "nå nettopp".to_owned(),
                UiLanguage::En => "just now".to_owned(),
            };
        }
        let span = self.duration(elapsed);
        match self.language {
            UiLanguage::Nb => format!("for {span} siden"),
            UiLanguage::En => format!("{span} ago"),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_oslo_in_both_languages() {
        let at: Timestamp = "2026-11-27T10:20:00Z".parse().unwrap();
        let nb = Formatter::new(UiLanguage::Nb, "Europe/Oslo");
        let en = Formatter::new(UiLanguage::En, "Europe/Oslo");
        assert_eq!(nb.datetime(&at), "27. nov. 2026 kl. 11:20");
        assert_eq!(en.datetime(&at), "27 Nov 2026, 11:20");
        // Summer time: UTC+2.
        let summer: Timestamp = "2026-06-30T22:30:00Z".parse().unwrap();
        assert_eq!(nb.datetime(&summer), "1. juli 2026 kl. 00:30");
        assert_eq!(nb.input_datetime(&summer), "2026-07-01T00:30");
    }

    #[test]
    fn numbers_durations_and_ages() {
        let nb = Formatter::new(UiLanguage::Nb, "Europe/Oslo");
        let en = Formatter::new(UiLanguage::En, "Europe/Oslo");
        assert_eq!(nb.number(0), "0");
        assert_eq!(nb.number(999), "999");
        assert_eq!(nb.number(12_345), "12\u{a0}345");
        assert_eq!(nb.number(1_234_567), "1\u{a0}234\u{a0}567");
        assert_eq!(nb.percent(0.874), "87\u{a0}%");
        assert_eq!(nb.percent(f64::NAN), "–");
        assert_eq!(nb.duration(SignedDuration::from_mins(125)), "2 t 5 min");
        assert_eq!(en.duration(SignedDuration::from_mins(125)), "2 h 5 min");
        assert_eq!(en.duration(SignedDuration::from_hours(50)), "2 d 2 h");
        assert_eq!(en.duration(SignedDuration::from_mins(-5)), "−5 min");
        let now: Timestamp = "2026-11-27T10:20:00Z".parse().unwrap();
        let before = now - SignedDuration::from_mins(5);
        assert_eq!(nb.ago(&before, &now), "for 5 min siden");
        assert_eq!(en.ago(&before, &now), "5 min ago");
        assert_eq!(en.ago(&now, &now), "just now");
    }

    #[test]
    fn an_unknown_zone_falls_back_to_utc() {
        let f = Formatter::new(UiLanguage::En, "Mars/Olympus");
        let at: Timestamp = "2026-11-27T10:20:00Z".parse().unwrap();
        assert_eq!(f.datetime(&at), "27 Nov 2026, 10:20");
    }
}
