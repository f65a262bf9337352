//! Lexicon sentiment with negation, intensifiers, contrast, emoji and exclamation marks, in
//! the manner of VADER (Hutto & Gilbert 2014) but over AFINN-scale valences.

use omdomme_core::{Sentiment, SentimentLabel};

use crate::lexicon::{CONTRAST, DAMPENER, INTENSIFIER, NEGATOR};
use crate::text::TokKind;

/// Words after a negator whose valence it flips (`ikke særlig bra`, `not very good`).
const NEGATION_SCOPE: u8 = 3;
/// A negated word keeps some of its strength the other way: `ikke bra` is less negative
/// than `dårlig` (VADER's N_SCALAR).
const NEGATION_FACTOR: f32 = -0.74;
/// Normalisation `x / sqrt(x² + ALPHA)`; VADER uses 15 on its 4-point scale, AFINN's
/// 5-point scale needs a little more.
const ALPHA: f32 = 18.0;
/// Scores closer to 0 than this are neutral.
const NEUTRAL_BAND: f32 = 0.05;

/// One token as sentiment sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct TokVal {
    pub kind: TokKind,
    pub valence: f32,
    pub flags: u8,
    /// A phrase valence (`aldri mer`, `does not work`) already includes its negation.
    pub fixed: bool,
}

/// The lexicon's verdict, and the positive and negative valence it summed (after negation),
/// which the learned models read as features.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct LexiconScore {
    pub sentiment: Sentiment,
    pub positive: f32,
    pub negative: f32,
}

pub(crate) fn score(toks: &[TokVal]) -> LexiconScore {
    let mut positive = 0.0f32;
    let mut negative = 0.0f32;
    let mut before_contrast = 0.0f32;
    let mut sum = 0.0f32;
    let mut negation_left = 0u8;
    let mut boost = 0.0f32;
    let mut exclaims = 0u32;
    let mut questions = 0u32;
    for t in toks {
        match t.kind {
            TokKind::Word | TokKind::Hashtag => {}
            TokKind::Emoji | TokKind::Emoticon => {
                // Emoji are not negated: `ikke bra 😡` is negative twice, not once.
                sum += t.valence;
                tally(t.valence, &mut positive, &mut negative);
                continue;
            }
            TokKind::Exclaim => {
                exclaims += 1;
                negation_left = 0;
                continue;
            }
            TokKind::Question => {
                questions += 1;
                negation_left = 0;
                continue;
            }
            TokKind::Boundary | TokKind::Comma => {
                negation_left = 0;
                boost = 0.0;
                continue;
            }
            TokKind::Mention | TokKind::Url => continue,
        }
        if t.flags & CONTRAST != 0 {
            // What comes before `men`/`but` counts half, what follows counts more.
            before_contrast += sum * 0.5;
            sum = 0.0;
            negation_left = 0;
            continue;
        }
        if t.valence != 0.0 {
            let mut v = t.valence;
            if boost != 0.0 {
                v += boost * v.signum();
                if v.signum() != t.valence.signum() {
                    v = 0.0;
                }
            }
            if negation_left > 0 && !t.fixed {
                v *= NEGATION_FACTOR;
            }
            sum += v;
            tally(v, &mut positive, &mut negative);
            boost = 0.0;
            negation_left = negation_left.saturating_sub(1);
            continue;
        }
        if t.flags & NEGATOR != 0 {
            negation_left = NEGATION_SCOPE;
            continue;
        }
        if t.flags & INTENSIFIER != 0 {
            boost = 1.0;
            continue;
        }
        if t.flags & DAMPENER != 0 {
            boost = -1.0;
            continue;
        }
        negation_left = negation_left.saturating_sub(1);
        boost = 0.0;
    }
    let mut total = before_contrast + sum * if before_contrast != 0.0 { 1.5 } else { 1.0 };
    if total != 0.0 {
        // Exclamation marks amplify what is already there; a question softens a little.
        total += total.signum() * (exclaims.min(4) as f32) * 0.35;
        if questions > 0 && exclaims == 0 {
            total *= 0.9;
        }
    }
    let score = total / (total * total + ALPHA).sqrt();
    let score = score.clamp(-1.0, 1.0);
    let label = if score >= NEUTRAL_BAND {
        SentimentLabel::Positive
    } else if score <= -NEUTRAL_BAND {
        SentimentLabel::Negative
    } else {
        SentimentLabel::Neutral
    };
    LexiconScore {
        sentiment: Sentiment { label, score },
        positive,
        negative,
    }
}

fn tally(v: f32, positive: &mut f32, negative: &mut f32) {
    if v > 0.0 {
        *positive += v;
    } else {
        *negative -= v;
    }
}
