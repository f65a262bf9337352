//! Spikes in a count series: a bucket whose count stands well above what the buckets
//! before it make normal.
//!
//! "Normal" is robust: the median of the preceding buckets, and the spread around it the
//! median absolute deviation (MAD), so one earlier spike neither raises the baseline nor
//! widens the spread much. Two guards keep small numbers quiet: a spike needs at least
//! [`SpikeRule::min_count`] items, and the spread is never taken below the Poisson noise
//! of the baseline (√median), so going from 2 to 6 mentions is not news. Buckets before the
//! first non-zero one are not history (the listening had not started), and a bucket needs
//! [`SpikeRule::min_history`] buckets of history before it can be a spike.
//!
//! Pure: the overview marks spikes on its chart with it, and the alerts will fire on it.

/// When a bucket counts as a spike.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpikeRule {
    /// How many preceding buckets make the baseline (at most).
    pub window: usize,
    /// How many preceding buckets (since the first non-zero one) a bucket needs before it
    /// can be a spike.
    pub min_history: usize,
    /// How many spreads above the baseline a spike stands.
    pub k: f64,
    /// The least count a spike has, whatever the baseline.
    pub min_count: u64,
}

impl Default for SpikeRule {
    /// Two weeks of daily buckets, at least five of them, four spreads above, ten items.
    fn default() -> Self {
        SpikeRule {
            window: 14,
            min_history: 5,
            k: 4.0,
            min_count: 10,
        }
    }
}

/// A bucket that stands out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spike {
    /// The bucket's index in the series.
    pub index: usize,
    pub count: u64,
    /// The median of the buckets before it.
    pub baseline: f64,
    /// `count` over the baseline (the baseline taken as at least 1): "3.4× normal".
    pub ratio: f64,
}

/// MAD times this estimates the standard deviation of normally distributed counts.
const MAD_TO_SIGMA: f64 = 1.4826;

/// The spikes of `counts` (oldest first), in order.
pub fn detect(counts: &[u64], rule: &SpikeRule) -> Vec<Spike> {
    let Some(first) = counts.iter().position(|&n| n > 0) else {
        return Vec::new();
    };
    let mut spikes = Vec::new();
    let mut window: Vec<f64> = Vec::with_capacity(rule.window);
    for (index, &count) in counts.iter().enumerate().skip(first) {
        let history = &counts[first..index];
        if history.len() >= rule.min_history.max(1) && count >= rule.min_count {
            let recent = &history[history.len().saturating_sub(rule.window.max(1))..];
            window.clear();
            window.extend(recent.iter().map(|&n| n as f64));
            let baseline = median(&mut window);
            for v in &mut window {
                *v = (*v - baseline).abs();
            }
            let spread = (median(&mut window) * MAD_TO_SIGMA).max(baseline.sqrt().max(1.0));
            if count as f64 > baseline + rule.k * spread {
                spikes.push(Spike {
                    index,
                    count,
                    baseline,
                    ratio: count as f64 / baseline.max(1.0),
                });
            }
        }
    }
    spikes
}

/// The median of a non-empty slice (reordered); 0 when empty.
fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indices(counts: &[u64]) -> Vec<usize> {
        detect(counts, &SpikeRule::default())
            .iter()
            .map(|s| s.index)
            .collect()
    }

    #[test]
    fn a_jump_well_above_a_steady_baseline_is_a_spike() {
        let counts = [40, 42, 38, 41, 39, 40, 43, 120, 41, 40];
        let spikes = detect(&counts, &SpikeRule::default());
        assert_eq!(spikes.len(), 1, "{spikes:?}");
        assert_eq!(spikes[0].index, 7);
        assert_eq!(spikes[0].count, 120);
        assert_eq!(spikes[0].baseline, 40.0);
        assert!((spikes[0].ratio - 3.0).abs() < 1e-9);
    }

    #[test]
    fn ordinary_noise_is_not_a_spike() {
        assert!(indices(&[40, 55, 31, 47, 38, 52, 44, 36, 58, 41, 49]).is_empty());
    }

    #[test]
    fn small_numbers_never_fire() {
        // From 0–1 a day to 8 is eight times normal, but still below the least count.
        assert!(indices(&[1, 0, 1, 1, 0, 1, 0, 8]).is_empty());
        // A perfectly steady 25 has no spread, but counts that size wobble by about 5
        // (√25): 44 is within four of those, 46 is not.
        assert!(indices(&[25, 25, 25, 25, 25, 25, 44]).is_empty());
        assert_eq!(indices(&[25, 25, 25, 25, 25, 25, 46]), vec![6]);
    }

    #[test]
    fn a_bucket_needs_history_and_leading_zeros_are_none() {
        // Listening started at index 3: its first buckets cannot be spikes.
        assert!(indices(&[0, 0, 0, 50, 200, 50, 50]).is_empty());
        assert_eq!(indices(&[0, 0, 0, 50, 50, 50, 50, 50, 200]), vec![8]);
        assert!(indices(&[]).is_empty());
        assert!(indices(&[0, 0, 0]).is_empty());
    }

    #[test]
    fn an_earlier_spike_does_not_hide_the_next() {
        let counts = [30, 31, 29, 30, 32, 150, 30, 31, 160, 30];
        assert_eq!(indices(&counts), vec![5, 8]);
    }

    #[test]
    fn the_baseline_follows_a_new_level() {
        // After a lasting rise the window forgets the old level: the new normal is quiet.
        let mut counts = vec![20; 10];
        counts.extend([100; 20]);
        let found = indices(&counts);
        assert!(found.iter().all(|&i| i < 18), "{found:?}");
        assert!(found.contains(&10), "{found:?}");
    }
}
