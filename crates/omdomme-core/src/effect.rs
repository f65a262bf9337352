//! Did a story move perception? The volume and the negative share of the mentions on the
//! story's topic in the days before and after it went out, for the own brand and for the
//! competitors over the same days, with 95 % confidence intervals.
//!
//! - **Volume**: the mean number of mentions per day before and after; the difference with
//!   Welch's t interval (unequal variances, Welch–Satterthwaite degrees of freedom). The t
//!   quantile is computed, not looked up: bisection on Student's t distribution function,
//!   itself the regularized incomplete beta function (continued fraction, Lentz's method).
//! - **Negative share**: negative mentions over all mentions of each window (pooled over
//!   its days); the difference with Newcombe's hybrid score interval (his method 10, built
//!   from the two Wilson score intervals), which keeps its coverage with small counts and
//!   shares near 0 or 1, where the Wald interval does not.
//! - **Difference in differences**: the own change minus the competitors' change, so what
//!   moved the whole topic (news, season) is taken out. For volume the standard error
//!   combines the four windows' variances, with Welch–Satterthwaite degrees of freedom over
//!   the four; for the negative share the two Newcombe intervals are combined the same way
//!   Newcombe combines two Wilson intervals (Zou and Donner's MOVER: the variance of each
//!   change is recovered from its interval's distance to the estimate).
//! - Competitors count as one "average competitor": per day, the mean of the competitor
//!   brands' volumes (so one brand's change weighs like the own brand's); their negative
//!   share is pooled over all their mentions.
//!
//! Limits, said plainly in the UI too: mentions on one day are not independent (a thread
//! brings many), so the share intervals are narrower than the truth when a window is
//! dominated by a few threads; and an interval that excludes zero says the change is
//! unlikely to be chance, not that the story caused it.

/// Two-sided 95 %.
const CONFIDENCE: f64 = 0.95;

/// The mentions of one day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DayCounts {
    pub count: u64,
    pub negative: u64,
}

/// One brand's days before and after the moment, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Windows {
    pub before: Vec<DayCounts>,
    pub after: Vec<DayCounts>,
}

/// An estimate with its 95 % confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

/// Which way a change went, by its interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The whole interval is above zero.
    Up,
    /// The whole interval is below zero.
    Down,
    /// The interval contains zero: no clear change.
    Unclear,
}

impl Interval {
    pub fn verdict(&self) -> Verdict {
        if self.low > 0.0 {
            Verdict::Up
        } else if self.high < 0.0 {
            Verdict::Down
        } else {
            Verdict::Unclear
        }
    }
}

/// The mean per day before and after, and the change.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VolumeChange {
    pub before: f64,
    pub after: f64,
    /// `after - before`; `None` with fewer than two days on either side (no variance).
    pub change: Option<Interval>,
    /// The components of the change's standard error, for the difference in differences.
    parts: Option<[Component; 2]>,
}

/// The negative share before and after, and the change.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShareChange {
    /// `None` without mentions in the window.
    pub before: Option<f64>,
    pub after: Option<f64>,
    /// `after - before`; `None` when either window has no mentions.
    pub change: Option<Interval>,
}

/// Everything the story page shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Effect {
    pub own_volume: VolumeChange,
    pub own_negative: ShareChange,
    /// `None` without competitors.
    pub competitor_volume: Option<VolumeChange>,
    pub competitor_negative: Option<ShareChange>,
    /// The own change minus the competitors' change; `None` when either is missing.
    pub volume_did: Option<Interval>,
    pub negative_did: Option<Interval>,
}

/// The effect of a moment on the own brand against its competitors (one [`Windows`] per
/// competitor brand, each over the same days as `own`).
pub fn effect(own: &Windows, competitors: &[Windows]) -> Effect {
    let own_volume = volume_change(&daily(&own.before), &daily(&own.after));
    let own_negative = share_change(&pooled(&own.before), &pooled(&own.after));
    let (competitor_volume, competitor_negative) = if competitors.is_empty() {
        (None, None)
    } else {
        let before = average_competitor(competitors, |w| &w.before);
        let after = average_competitor(competitors, |w| &w.after);
        let before_pooled = pool_all(competitors.iter().map(|w| w.before.as_slice()));
        let after_pooled = pool_all(competitors.iter().map(|w| w.after.as_slice()));
        (
            Some(volume_change(&before, &after)),
            Some(share_change(&before_pooled, &after_pooled)),
        )
    };
    let volume_did = competitor_volume
        .as_ref()
        .and_then(|c| volume_did(&own_volume, c));
    let negative_did = competitor_negative
        .as_ref()
        .and_then(|c| own_negative.change.zip(c.change))
        .map(|(own, theirs)| mover(own, theirs));
    Effect {
        own_volume,
        own_negative,
        competitor_volume,
        competitor_negative,
        volume_did,
        negative_did,
    }
}

fn daily(days: &[DayCounts]) -> Vec<f64> {
    days.iter().map(|d| d.count as f64).collect()
}

/// Per day, the mean over the competitors of their counts; days missing in one brand's
/// list count as zero for it.
fn average_competitor(
    competitors: &[Windows],
    window: impl Fn(&Windows) -> &Vec<DayCounts>,
) -> Vec<f64> {
    let days = competitors
        .iter()
        .map(|w| window(w).len())
        .max()
        .unwrap_or(0);
    let brands = competitors.len() as f64;
    (0..days)
        .map(|day| {
            competitors
                .iter()
                .map(|w| window(w).get(day).map_or(0.0, |d| d.count as f64))
                .sum::<f64>()
                / brands
        })
        .collect()
}

/// Mentions and negative mentions over a window's days.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Pooled {
    count: u64,
    negative: u64,
}

fn pooled(days: &[DayCounts]) -> Pooled {
    pool_all([days].into_iter())
}

fn pool_all<'a>(windows: impl Iterator<Item = &'a [DayCounts]>) -> Pooled {
    windows
        .flatten()
        .fold(Pooled::default(), |sum, day| Pooled {
            count: sum.count + day.count,
            negative: sum.negative + day.negative.min(day.count),
        })
}

/// One sample's share of a standard error: its variance of the mean (s²/n) and its size.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Component {
    variance_of_mean: f64,
    n: usize,
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.iter().sum::<f64>() / values.len() as f64
}

/// The sample variance's share of the standard error; `None` below two values.
fn component(values: &[f64]) -> Option<Component> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let m = mean(values);
    let variance = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1) as f64;
    Some(Component {
        variance_of_mean: variance / n as f64,
        n,
    })
}

/// `estimate ± t · se`, with the Welch–Satterthwaite degrees of freedom of the components:
/// df = (Σ vᵢ)² / Σ (vᵢ² / (nᵢ − 1)), where vᵢ = sᵢ² / nᵢ.
fn welch_interval(estimate: f64, components: &[Component]) -> Interval {
    let variance: f64 = components.iter().map(|c| c.variance_of_mean).sum();
    if variance <= 0.0 {
        // Every day the same on both sides: no spread, the change is what it is.
        return Interval {
            estimate,
            low: estimate,
            high: estimate,
        };
    }
    let denominator: f64 = components
        .iter()
        .map(|c| c.variance_of_mean.powi(2) / (c.n - 1) as f64)
        .sum();
    let df = variance.powi(2) / denominator;
    let half = t_quantile(0.5 + CONFIDENCE / 2.0, df) * variance.sqrt();
    Interval {
        estimate,
        low: estimate - half,
        high: estimate + half,
    }
}

fn volume_change(before: &[f64], after: &[f64]) -> VolumeChange {
    let (b, a) = (mean(before), mean(after));
    let parts = component(before).zip(component(after)).map(|(b, a)| [b, a]);
    VolumeChange {
        before: b,
        after: a,
        change: parts.map(|parts| welch_interval(a - b, &parts)),
        parts,
    }
}

fn volume_did(own: &VolumeChange, competitors: &VolumeChange) -> Option<Interval> {
    let (own_parts, their_parts) = (own.parts?, competitors.parts?);
    let estimate = (own.after - own.before) - (competitors.after - competitors.before);
    let all = [own_parts[0], own_parts[1], their_parts[0], their_parts[1]];
    Some(welch_interval(estimate, &all))
}

/// The two-sided 95 % normal quantile.
fn z() -> f64 {
    normal_quantile(0.5 + CONFIDENCE / 2.0)
}

/// Wilson's score interval for `x` of `n`.
fn wilson(x: u64, n: u64) -> (f64, f64) {
    let (x, n) = (x as f64, n as f64);
    let z = z();
    let p = x / n;
    let z2n = z * z / n;
    let centre = (p + z2n / 2.0) / (1.0 + z2n);
    let half = z / (1.0 + z2n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Newcombe's hybrid score interval for `after − before`.
fn share_change(before: &Pooled, after: &Pooled) -> ShareChange {
    let share = |p: &Pooled| (p.count > 0).then(|| p.negative as f64 / p.count as f64);
    let change = match (share(before), share(after)) {
        (Some(p_before), Some(p_after)) => {
            let (l1, u1) = wilson(after.negative, after.count);
            let (l2, u2) = wilson(before.negative, before.count);
            let d = p_after - p_before;
            Some(Interval {
                estimate: d,
                low: d - ((p_after - l1).powi(2) + (u2 - p_before).powi(2)).sqrt(),
                high: d + ((u1 - p_after).powi(2) + (p_before - l2).powi(2)).sqrt(),
            })
        }
        _ => None,
    };
    ShareChange {
        before: share(before),
        after: share(after),
        change,
    }
}

/// `a − b` from the intervals of two independent estimates (MOVER, Zou and Donner 2008).
fn mover(a: Interval, b: Interval) -> Interval {
    let d = a.estimate - b.estimate;
    Interval {
        estimate: d,
        low: d - ((a.estimate - a.low).powi(2) + (b.high - b.estimate).powi(2)).sqrt(),
        high: d + ((a.high - a.estimate).powi(2) + (b.estimate - b.low).powi(2)).sqrt(),
    }
}

/// The `p` quantile of the standard normal distribution (Acklam's rational
/// approximation, relative error below 1.15e-9).
fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.024_25;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// The `p` quantile (p > 0.5) of Student's t with `df` degrees of freedom (any real df >
/// 0): bisection on the distribution function to 1e-12. Very large df is the normal.
fn t_quantile(p: f64, df: f64) -> f64 {
    if !df.is_finite() || df > 1e7 {
        return normal_quantile(p);
    }
    let (mut low, mut high) = (0.0_f64, 1.0_f64);
    while t_cdf(high, df) < p {
        high *= 2.0;
        if high > 1e12 {
            return f64::INFINITY;
        }
    }
    for _ in 0..200 {
        let mid = (low + high) / 2.0;
        if t_cdf(mid, df) < p {
            low = mid;
        } else {
            high = mid;
        }
        if high - low < 1e-12 {
            break;
        }
    }
    (low + high) / 2.0
}

/// P(T ≤ t) for t ≥ 0: 1 − I_x(df/2, 1/2) / 2 with x = df / (df + t²).
fn t_cdf(t: f64, df: f64) -> f64 {
    1.0 - 0.5 * incomplete_beta(df / (df + t * t), df / 2.0, 0.5)
}

/// The regularized incomplete beta function I_x(a, b) (Numerical Recipes' `betai`: the
/// continued fraction, on the side where it converges fast).
fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_fraction(1.0 - x, b, a) / b
    }
}

/// The continued fraction of the incomplete beta function, by the modified Lentz method.
fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let even = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        d = 1.0 + even * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + even / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        h *= d * c;
        let odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        d = 1.0 + odd * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + odd / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, nine coefficients: about 15 correct digits).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, c) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) {
        assert!(
            (actual - expected).abs() <= tolerance,
            "{actual} is not {expected} ± {tolerance}"
        );
    }

    fn days(counts: &[(u64, u64)]) -> Vec<DayCounts> {
        counts
            .iter()
            .map(|&(count, negative)| DayCounts { count, negative })
            .collect()
    }

    #[test]
    fn t_quantiles_match_the_printed_table() {
        // Two-sided 95 % (p = 0.975), from any statistics book's t table.
        for (df, expected) in [
            (1.0, 12.706),
            (2.0, 4.303),
            (3.0, 3.182),
            (5.0, 2.571),
            (10.0, 2.228),
            (30.0, 2.042),
            (100.0, 1.984),
        ] {
            close(t_quantile(0.975, df), expected, 0.0005);
        }
        close(t_quantile(0.975, f64::INFINITY), 1.960, 0.0005);
        close(normal_quantile(0.975), 1.959_964, 1e-6);
        close(normal_quantile(0.001), -3.090_232, 1e-6);
    }

    #[test]
    fn welch_interval_by_hand() {
        // Before: 2, 4, 6 a day: mean 4, s² = (4 + 0 + 4) / 2 = 4, s²/n = 4/3.
        // After: 5, 7, 9, 11: mean 8, s² = (9 + 1 + 1 + 9) / 3 = 20/3, s²/n = 5/3.
        // se = √(4/3 + 5/3) = √3 = 1.7321.
        // df = 3² / ((4/3)²/2 + (5/3)²/3) = 9 / (0.8889 + 0.9259) = 4.9592.
        // t(0.975, 4.9592) = 2.5770 (between the table's 2.776 at 4 and 2.571 at 5).
        // CI = 4 ± 2.5770 · 1.7321 = 4 ± 4.4634 = (−0.463, 8.463): contains 0.
        let change = volume_change(&[2.0, 4.0, 6.0], &[5.0, 7.0, 9.0, 11.0]);
        assert_eq!((change.before, change.after), (4.0, 8.0));
        let ci = change.change.unwrap();
        assert_eq!(ci.estimate, 4.0);
        close(ci.low, -0.4634, 0.0005);
        close(ci.high, 8.4634, 0.0005);
        assert_eq!(ci.verdict(), Verdict::Unclear);
    }

    #[test]
    fn a_clear_rise_in_volume() {
        // Before 10, 12, 11, 9, 13 (mean 11, s² = (1+1+0+4+4)/4 = 2.5, s²/n = 0.5);
        // after 20, 22, 21, 19, 23 (mean 21, the same spread). se = √1 = 1,
        // df = 1 / (0.25/4 + 0.25/4) = 8, t(0.975, 8) = 2.306: 10 ± 2.306.
        let own = Windows {
            before: days(&[(10, 1), (12, 1), (11, 1), (9, 1), (13, 1)]),
            after: days(&[(20, 2), (22, 2), (21, 2), (19, 2), (23, 2)]),
        };
        let result = effect(&own, &[]);
        let ci = result.own_volume.change.unwrap();
        close(ci.low, 10.0 - 2.306, 0.001);
        close(ci.high, 10.0 + 2.306, 0.001);
        assert_eq!(ci.verdict(), Verdict::Up);
        assert!(result.competitor_volume.is_none() && result.volume_did.is_none());
    }

    #[test]
    fn wilson_interval_by_hand() {
        // 10 of 50: p = 0.2, z²/n = 3.8415/50 = 0.07683.
        // centre = (0.2 + 0.03841) / 1.07683 = 0.22141;
        // half = 1.96 / 1.07683 · √(0.2·0.8/50 + 3.8415/10000) = 1.82015 · 0.05987 = 0.10897.
        // (0.1124, 0.3304)
        let (low, high) = wilson(10, 50);
        close(low, 0.1124, 0.0001);
        close(high, 0.3304, 0.0001);
    }

    #[test]
    fn newcombe_interval_matches_his_paper() {
        // Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 − 48/80 =
        // 0.2000, method 10 gives (0.0524, 0.3339). Wilson: 56/70 → (0.6908, 0.8769),
        // 48/80 → (0.4904, 0.7002); low = 0.2 − √((0.8−0.6908)² + (0.7002−0.6)²) = 0.0524.
        let change = share_change(
            &Pooled {
                count: 80,
                negative: 48,
            },
            &Pooled {
                count: 70,
                negative: 56,
            },
        );
        let ci = change.change.unwrap();
        close(ci.estimate, 0.2, 1e-12);
        close(ci.low, 0.0524, 0.0001);
        close(ci.high, 0.3339, 0.0001);
        assert_eq!(ci.verdict(), Verdict::Up);
    }

    #[test]
    fn difference_in_differences_takes_out_what_moved_everyone() {
        // Own: 2, 4, 6 → 5, 7, 9, 11 (+4, the Welch case above: v = 4/3 and 5/3).
        // Two competitors whose average goes 1, 2, 3 → 3, 4, 5, 6 (+2.5):
        // brand A 0, 2, 4 → 2, 4, 6, 8 and brand B 2, 2, 2 → 4, 4, 4, 4.
        // Average competitor: before s² = 1, v = 1/3; after s² = 5/3, v = 5/12.
        // DiD = 4 − 2.5 = 1.5; se² = 4/3 + 5/3 + 1/3 + 5/12 = 3.75, se = 1.9365;
        // df = 3.75² / ((4/3)²/2 + (5/3)²/3 + (1/3)²/2 + (5/12)²/3)
        //    = 14.0625 / (0.88889 + 0.92593 + 0.05556 + 0.05787) = 14.0625 / 1.92824 = 7.2929;
        // t(0.975, 7.29) = 2.3455 (scipy.stats.t.ppf), half = 4.5421: (−3.0421, 6.0421).
        let own = Windows {
            before: days(&[(2, 0), (4, 0), (6, 0)]),
            after: days(&[(5, 0), (7, 0), (9, 0), (11, 0)]),
        };
        let a = Windows {
            before: days(&[(0, 0), (2, 1), (4, 1)]),
            after: days(&[(2, 1), (4, 1), (6, 1), (8, 1)]),
        };
        let b = Windows {
            before: days(&[(2, 1), (2, 1), (2, 1)]),
            after: days(&[(4, 2), (4, 2), (4, 2), (4, 2)]),
        };
        let result = effect(&own, &[a, b]);
        let competitors = result.competitor_volume.unwrap();
        assert_eq!((competitors.before, competitors.after), (2.0, 4.5));
        let did = result.volume_did.unwrap();
        close(did.estimate, 1.5, 1e-12);
        close(did.low, -3.0421, 0.001);
        close(did.high, 6.0421, 0.001);
        assert_eq!(did.verdict(), Verdict::Unclear);
        // Competitors' negative share pooled: before 5 of 12, after 12 of 36.
        let share = result.competitor_negative.unwrap();
        close(share.before.unwrap(), 5.0 / 12.0, 1e-12);
        close(share.after.unwrap(), 1.0 / 3.0, 1e-12);
        // The own brand has no negative mentions: share 0 on both sides, change 0.
        let own_share = result.own_negative.change.unwrap();
        assert_eq!(own_share.estimate, 0.0);
        // MOVER: the DiD of shares is the own change minus theirs, wider than either.
        let did = result.negative_did.unwrap();
        close(did.estimate, 0.0 - (1.0 / 3.0 - 5.0 / 12.0), 1e-12);
        let theirs = share.change.unwrap();
        assert!(did.high - did.low > theirs.high - theirs.low);
        assert!(did.high - did.low > own_share.high - own_share.low);
    }

    #[test]
    fn too_little_data_gives_no_interval_rather_than_a_wrong_one() {
        let own = Windows {
            before: days(&[(3, 1)]),
            after: days(&[]),
        };
        let result = effect(&own, &[]);
        assert!(result.own_volume.change.is_none());
        assert_eq!(result.own_negative.after, None);
        assert!(result.own_negative.change.is_none());
        // Flat days: no spread, the interval is the point.
        let flat = volume_change(&[5.0, 5.0], &[5.0, 5.0, 5.0]);
        let ci = flat.change.unwrap();
        assert_eq!((ci.low, ci.high), (0.0, 0.0));
        assert_eq!(ci.verdict(), Verdict::Unclear);
    }
}
