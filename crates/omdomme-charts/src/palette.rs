//! Colours by meaning, from the Okabe–Ito palette that stays distinct for the common
//! kinds of colour blindness.
//!
//! The own brand is the one strong blue and draws thicker; competitors get lighter hues and
//! thinner lines so the eye finds the own brand first. Negative, neutral and positive also
//! differ in lightness (mid, light, dark), so they stay apart when printed in greyscale,
//! and stacks always keep the caller's order.

use std::fmt;

/// What a series or segment stands for, which decides its colour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tone {
    /// The company's own brand: strong blue, drawn on top.
    Own,
    /// Competitor number `n` (from 0): the muted palette, repeating after five.
    Other(usize),
    /// Negative sentiment, a missed target: vermilion.
    Negative,
    /// Neutral sentiment or "no data either way": light grey.
    #[default]
    Neutral,
    /// Positive sentiment, a met target: dark bluish green.
    Positive,
    /// Something to single out that is none of the above: violet.
    Accent,
}

const OWN: &str = "#0072B2";
const OTHERS: [&str; 5] = ["#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#999999"];

impl Tone {
    /// The colour of areas, bars and legend swatches.
    pub(crate) fn fill(self) -> &'static str {
        match self {
            Tone::Own => OWN,
            Tone::Other(n) => OTHERS[n % OTHERS.len()],
            Tone::Negative => "#E07B53",
            Tone::Neutral => "#CFCFCF",
            Tone::Positive => "#0B6E4F",
            Tone::Accent => "#6A3D9A",
        }
    }

    /// The colour of lines; the neutral grey is darkened because a light grey line
    /// vanishes on white.
    pub(crate) fn stroke(self) -> &'static str {
        match self {
            Tone::Neutral => "#8C8C8C",
            tone => tone.fill(),
        }
    }

    /// Text drawn on top of this tone's fill, chosen for contrast.
    pub(crate) fn ink_on_fill(self) -> &'static str {
        match self {
            Tone::Neutral | Tone::Other(_) => "#1A1A1A",
            _ => "#FFFFFF",
        }
    }

    pub(crate) fn line_width(self) -> f64 {
        if self == Tone::Own { 3.0 } else { 2.0 }
    }

    /// The `class` that lets a page's stylesheet restyle one tone.
    pub(crate) fn class(self) -> ToneClass {
        ToneClass(self)
    }
}

pub(crate) struct ToneClass(Tone);

impl fmt::Display for ToneClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Tone::Own => f.write_str("tone-own"),
            Tone::Other(n) => write!(f, "tone-other tone-other-{}", n % OTHERS.len()),
            Tone::Negative => f.write_str("tone-negative"),
            Tone::Neutral => f.write_str("tone-neutral"),
            Tone::Positive => f.write_str("tone-positive"),
            Tone::Accent => f.write_str("tone-accent"),
        }
    }
}
