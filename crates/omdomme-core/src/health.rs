//! How a live source is doing: last success, last error, items per minute, and whether it
//! has gone quiet for longer than is usual for it.
//!
//! Pure bookkeeping: the caller passes the time, so the same rules serve the collector, the
//! store and the tests.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// A quiet spell only counts as silence after this many usual gaps...
const SILENT_AFTER_GAPS: f64 = 4.0;
/// ...and never before this long, so a busy hashtag's lunch break is not an alarm.
const SILENT_AT_LEAST_SECS: f64 = 30.0 * 60.0;
/// Weight of the newest observation in the running averages.
const SMOOTHING: f64 = 0.2;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceHealth {
    /// The last call that succeeded (with or without new items).
    pub last_success: Option<Timestamp>,
    /// The last failure; cleared by the next success.
    pub last_error: Option<HealthError>,
    /// When the last new item arrived.
    pub last_item_at: Option<Timestamp>,
    /// Items stored since the source was added.
    pub items_total: u64,
    /// Running average of new items per minute, over the calls that succeeded.
    pub items_per_minute: f64,
    /// Running average of the time between calls that brought new items, in seconds.
    pub usual_gap_secs: Option<f64>,
    /// Failures in a row (0 after a success).
    pub failures_in_a_row: u32,
    /// Intervals the items-per-minute average was measured over.
    pub rate_samples: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthError {
    pub at: Timestamp,
    /// A stable name for the kind of failure (`token_expired`, `rate_limited`, ...).
    pub kind: String,
    /// What happened and what to do, for a person.
    pub message: String,
}

/// The one-word state shown beside a source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Never ran yet.
    New,
    Ok,
    /// Works, but quiet for longer than usual.
    Silent,
    /// The last call failed.
    Failing,
}

impl HealthStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::New => "new",
            HealthStatus::Ok => "ok",
            HealthStatus::Silent => "silent",
            HealthStatus::Failing => "failing",
        }
    }
}

impl SourceHealth {
    /// A call at `now` that stored `new_items` new items, `since` the previous call.
    pub fn record_success(&mut self, now: Timestamp, new_items: u64, since: Option<Timestamp>) {
        if let Some(since) = since.or(self.last_success) {
            let minutes = seconds_between(since, now) / 60.0;
            if minutes > 0.0 {
                let rate = new_items as f64 / minutes;
                self.items_per_minute = if self.rate_samples > 0 {
                    self.items_per_minute * (1.0 - SMOOTHING) + rate * SMOOTHING
                } else {
                    rate
                };
                self.rate_samples += 1;
            }
        }
        if new_items > 0 {
            if let Some(previous) = self.last_item_at {
                let gap = seconds_between(previous, now);
                self.usual_gap_secs = Some(match self.usual_gap_secs {
                    Some(usual) => usual * (1.0 - SMOOTHING) + gap * SMOOTHING,
                    None => gap,
                });
            }
            self.last_item_at = Some(now);
            self.items_total += new_items;
        }
        self.last_success = Some(now);
        self.last_error = None;
        self.failures_in_a_row = 0;
    }

    pub fn record_failure(&mut self, now: Timestamp, kind: &str, message: &str) {
        self.last_error = Some(HealthError {
            at: now,
            kind: kind.to_owned(),
            message: message.to_owned(),
        });
        self.failures_in_a_row += 1;
    }

    pub fn status(&self, now: Timestamp) -> HealthStatus {
        if self.last_error.is_some() {
            HealthStatus::Failing
        } else if self.last_success.is_none() {
            HealthStatus::New
        } else if self.silence(now).is_some() {
            HealthStatus::Silent
        } else {
            HealthStatus::Ok
        }
    }

    /// A warning when no new item came for much longer than the usual gap between them.
    pub fn silence(&self, now: Timestamp) -> Option<String> {
        let usual = self.usual_gap_secs?;
        let quiet = seconds_between(self.last_item_at?, now);
        let limit = (usual * SILENT_AFTER_GAPS).max(SILENT_AT_LEAST_SECS);
        (quiet > limit).then(|| {
            format!(
                "no new items for {}, while one usually comes every {}: check that the feed, account or query still exists and that access was not revoked",
                human_duration(quiet),
                human_duration(usual)
            )
        })
    }
}

fn seconds_between(from: Timestamp, to: Timestamp) -> f64 {
    to.duration_since(from)
        .max(SignedDuration::ZERO)
        .as_secs_f64()
}

fn human_duration(seconds: f64) -> String {
    let seconds = seconds.round() as u64;
    match seconds {
        0..120 => format!("{seconds} s"),
        120..7200 => format!("{} min", seconds / 60),
        7200..172_800 => format!("{} h", seconds / 3600),
        _ => format!("{} days", seconds / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + minutes * 60).expect("in range")
    }

    #[test]
    fn rate_gap_and_silence() {
        let mut health = SourceHealth::default();
        assert_eq!(health.status(at(0)), HealthStatus::New);
        health.record_success(at(0), 10, None);
        for minute in (10..=60).step_by(10) {
            health.record_success(at(minute), 5, None);
        }
        assert_eq!(health.items_total, 40);
        assert!((health.items_per_minute - 0.5).abs() < 0.01);
        assert!((health.usual_gap_secs.unwrap_or_default() - 600.0).abs() < 1.0);
        assert_eq!(health.status(at(70)), HealthStatus::Ok);
        // Quiet calls keep it healthy until four usual gaps (40 min) and 30 min have passed.
        health.record_success(at(90), 0, None);
        assert_eq!(health.status(at(95)), HealthStatus::Ok);
        assert_eq!(health.status(at(101)), HealthStatus::Silent);
        let warning = health.silence(at(101)).unwrap_or_default();
        assert!(
            warning.contains("41 min") && warning.contains("10 min"),
            "{warning}"
        );
    }

    #[test]
    fn failure_until_next_success() {
        let mut health = SourceHealth::default();
        health.record_failure(at(0), "token_expired", "issue a new token");
        health.record_failure(at(1), "token_expired", "issue a new token");
        assert_eq!(health.status(at(1)), HealthStatus::Failing);
        assert_eq!(health.failures_in_a_row, 2);
        health.record_success(at(2), 0, None);
        assert_eq!(health.status(at(2)), HealthStatus::Ok);
        assert_eq!(health.failures_in_a_row, 0);
    }
}
