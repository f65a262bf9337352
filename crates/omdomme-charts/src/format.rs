//! How numbers read on axes, in tooltips and in the data table, and the "nice" value axis.
//!
//! The crate holds no language: units that are words (hours, minutes) come from the caller.
//! Thousands are grouped with a no-break space ("12 345"), correct in Norwegian and in
//! English as written in Norway, and it keeps a number on one line in a table cell.

use std::fmt;

const NO_BREAK_SPACE: char = '\u{a0}';
const MINUS: char = '\u{2212}';

/// How the values of a chart are written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum NumberFormat {
    /// Whole numbers, thousands grouped: "12 345".
    #[default]
    Count,
    /// Values from 0 to 100, written "87 %".
    Percent,
    /// A score such as mean sentiment from −1 to 1, written with two decimals: "−0,25".
    Score(DecimalMark),
    /// A duration given in minutes, written with the caller's unit words:
    /// `Minutes { hour: "t".into(), minute: "min".into() }` gives "1 t 5 min".
    Minutes {
        /// The word or abbreviation after the hours.
        hour: String,
        /// The word or abbreviation after the minutes.
        minute: String,
    },
}

/// The character between the whole and the fractional part of a number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DecimalMark {
    /// "0,25", as in Norwegian.
    #[default]
    Comma,
    /// "0.25", as in English.
    Point,
}

impl NumberFormat {
    /// The value as the chart writes it. Not-finite values are written "–".
    pub fn format(&self, value: f64) -> String {
        if !value.is_finite() {
            return "–".to_owned();
        }
        match self {
            NumberFormat::Count => grouped(value.round()),
            NumberFormat::Percent => format!("{}{NO_BREAK_SPACE}%", grouped(value.round())),
            NumberFormat::Score(mark) => {
                let hundredths = (value * 100.0).round();
                let sign = if hundredths < 0.0 {
                    MINUS.to_string()
                } else {
                    String::new()
                };
                let hundredths = hundredths.abs() as u64;
                let mark = match mark {
                    DecimalMark::Comma => ',',
                    DecimalMark::Point => '.',
                };
                format!("{sign}{}{mark}{:02}", hundredths / 100, hundredths % 100)
            }
            NumberFormat::Minutes { hour, minute } => {
                let total = value.round();
                let sign = if total < 0.0 {
                    MINUS.to_string()
                } else {
                    String::new()
                };
                let total = total.abs() as u64;
                let (hours, minutes) = (total / 60, total % 60);
                match (hours, minutes) {
                    (0, m) => format!("{sign}{m}{NO_BREAK_SPACE}{minute}"),
                    (h, 0) => format!("{sign}{}{NO_BREAK_SPACE}{hour}", grouped(h as f64)),
                    (h, m) => format!(
                        "{sign}{}{NO_BREAK_SPACE}{hour} {m}{NO_BREAK_SPACE}{minute}",
                        grouped(h as f64)
                    ),
                }
            }
        }
    }

    /// The tick step for an axis spanning `span`: about five intervals, and no fractions
    /// of a count, percent or minute.
    fn tick_step(&self, span: f64) -> f64 {
        match self {
            NumberFormat::Count | NumberFormat::Percent => one_two_five(span / 5.0).max(1.0),
            NumberFormat::Score(_) => one_two_five(span / 5.0).max(0.01),
            // Durations read best on clock steps (15 min, 1 t, 6 t, 1 day), and their
            // labels are wide, so at most six intervals.
            NumberFormat::Minutes { .. } => {
                const CLOCK: [f64; 14] = [
                    1., 2., 5., 10., 15., 30., 60., 120., 180., 240., 360., 720., 1440., 2880.,
                ];
                let least = span / 6.0;
                match CLOCK.iter().find(|&&step| step >= least) {
                    Some(&step) => step,
                    None => whole_days_at_least(least),
                }
            }
        }
    }
}

/// The smallest step of 1, 2 or 5 × 10ⁿ days that is at least `minutes` long.
fn whole_days_at_least(minutes: f64) -> f64 {
    let days = minutes / 1440.0;
    let power = 10f64.powf(days.log10().floor());
    let factor = [1.0, 2.0, 5.0]
        .into_iter()
        .find(|f| f * power >= days)
        .unwrap_or(10.0);
    factor * power * 1440.0
}

/// A whole number with its thousands grouped by no-break spaces and a real minus sign.
fn grouped(whole: f64) -> String {
    let digits = format!("{}", whole.abs() as u64);
    let mut out = String::with_capacity(digits.len() + 4);
    if whole < 0.0 {
        out.push(MINUS);
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(NO_BREAK_SPACE);
        }
        out.push(digit);
    }
    out
}

/// The 1-2-5 step nearest to `raw` (the rule d3's ticks use: round to the closer step
/// rather than always up, so an axis gets four to seven ticks rather than two).
fn one_two_five(raw: f64) -> f64 {
    let power = 10f64.powf(raw.log10().floor());
    let ratio = raw / power;
    let factor = if ratio >= 50f64.sqrt() {
        10.0
    } else if ratio >= 10f64.sqrt() {
        5.0
    } else if ratio >= 2f64.sqrt() {
        2.0
    } else {
        1.0
    };
    factor * power
}

/// A value axis: its ends are whole steps beyond the data and it always holds zero, so
/// bars and areas start from a true baseline and a score axis shows its zero line.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Axis {
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) ticks: Vec<f64>,
}

impl Axis {
    /// An axis for data in `low..=high` with about five ticks.
    pub(crate) fn nice(low: f64, high: f64, format: &NumberFormat) -> Axis {
        let low = low.min(0.0);
        let mut high = high.max(0.0);
        if high <= low {
            high = low + format.tick_step(1.0);
        }
        let step = format.tick_step(high - low);
        let first = (low / step + 1e-9).floor() as i64;
        let last = (high / step - 1e-9).ceil() as i64;
        // Multiply rather than add up steps, so 0.1 + 0.2 never draws as 0.30000000000000004.
        let ticks = (first..=last).map(|k| k as f64 * step).collect::<Vec<_>>();
        Axis {
            min: first as f64 * step,
            max: last as f64 * step,
            ticks,
        }
    }

    /// Where `value` falls from 0 (the axis minimum) to 1 (its maximum).
    pub(crate) fn fraction(&self, value: f64) -> f64 {
        (value - self.min) / (self.max - self.min)
    }
}

/// A coordinate written with at most one decimal, which is finer than a screen pixel at
/// the chart's size and keeps the SVG small.
pub(crate) struct Num(pub f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenths = (self.0 * 10.0).round() as i64;
        if tenths % 10 == 0 {
            write!(f, "{}", tenths / 10)
        } else {
            let sign = if tenths < 0 { "-" } else { "" };
            write!(f, "{sign}{}.{}", tenths.abs() / 10, tenths.abs() % 10)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minutes() -> NumberFormat {
        NumberFormat::Minutes {
            hour: "t".into(),
            minute: "min".into(),
        }
    }

    #[test]
    fn formats_each_kind() {
        assert_eq!(NumberFormat::Count.format(12345.4), "12\u{a0}345");
        assert_eq!(
            NumberFormat::Count.format(1_234_567.0),
            "1\u{a0}234\u{a0}567"
        );
        assert_eq!(NumberFormat::Count.format(999.0), "999");
        assert_eq!(NumberFormat::Count.format(-4200.0), "\u{2212}4\u{a0}200");
        assert_eq!(NumberFormat::Count.format(-0.2), "0");
        assert_eq!(NumberFormat::Percent.format(87.4), "87\u{a0}%");
        assert_eq!(
            NumberFormat::Score(DecimalMark::Comma).format(-0.254),
            "\u{2212}0,25"
        );
        assert_eq!(NumberFormat::Score(DecimalMark::Point).format(0.5), "0.50");
        assert_eq!(
            NumberFormat::Score(DecimalMark::Comma).format(-0.001),
            "0,00"
        );
        assert_eq!(minutes().format(65.0), "1\u{a0}t 5\u{a0}min");
        assert_eq!(minutes().format(45.0), "45\u{a0}min");
        assert_eq!(minutes().format(120.0), "2\u{a0}t");
        assert_eq!(NumberFormat::Count.format(f64::NAN), "–");
    }

    #[test]
    fn ticks_step_by_one_two_or_five() {
        let ticks = |low, high, format: &NumberFormat| Axis::nice(low, high, format).ticks;
        assert_eq!(
            ticks(0.0, 87.0, &NumberFormat::Count),
            [0., 20., 40., 60., 80., 100.]
        );
        assert_eq!(
            ticks(3.0, 1234.0, &NumberFormat::Count),
            [0., 200., 400., 600., 800., 1000., 1200., 1400.]
        );
        assert_eq!(ticks(0.0, 3.0, &NumberFormat::Count), [0., 1., 2., 3.]);
        assert_eq!(ticks(0.0, 0.0, &NumberFormat::Count), [0., 1.]);
        assert_eq!(
            ticks(0.0, 100.0, &NumberFormat::Percent),
            [0., 20., 40., 60., 80., 100.]
        );
        let score = NumberFormat::Score(DecimalMark::Comma);
        let labels: Vec<String> = ticks(-0.34, 0.21, &score)
            .iter()
            .map(|&t| score.format(t))
            .collect();
        assert_eq!(
            labels,
            [
                "\u{2212}0,40",
                "\u{2212}0,30",
                "\u{2212}0,20",
                "\u{2212}0,10",
                "0,00",
                "0,10",
                "0,20",
                "0,30"
            ]
        );
        assert_eq!(ticks(0.0, 200.0, &minutes()), [0., 60., 120., 180., 240.]);
        assert_eq!(ticks(0.0, 50.0, &minutes()), [0., 10., 20., 30., 40., 50.]);
        assert_eq!(
            ticks(0.0, 3000.0, &minutes()),
            [0., 720., 1440., 2160., 2880., 3600.]
        );
        assert_eq!(
            ticks(0.0, 20_000.0, &minutes()),
            [0., 7200., 14400., 21600.]
        );
    }

    #[test]
    fn every_tick_step_is_one_two_or_five_times_a_power_of_ten() {
        for high in [0.7, 3.0, 9.9, 17.0, 55.0, 101.0, 999.0, 12_345.0, 7e6] {
            let axis = Axis::nice(0.0, high, &NumberFormat::Count);
            let step = axis.ticks[1] - axis.ticks[0];
            let mantissa = step / 10f64.powf(step.log10().floor());
            assert!(
                [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-9),
                "{high}: {step}"
            );
            assert!(
                (4..=8).contains(&axis.ticks.len()) || high < 1.0,
                "{high}: {:?}",
                axis.ticks
            );
            assert!(axis.max >= high);
        }
    }

    #[test]
    fn coordinates_have_at_most_one_decimal() {
        assert_eq!(Num(12.0).to_string(), "12");
        assert_eq!(Num(12.345).to_string(), "12.3");
        assert_eq!(Num(-0.04).to_string(), "0");
        assert_eq!(Num(-3.25).to_string(), "-3.3");
    }
}
