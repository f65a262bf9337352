//! Language identification for short posts: bokmål, nynorsk, English, Swedish, Danish.
//!
//! v0 sums evidence: weighted function words and characteristic forms (`ikkje`, `eg`, `hva`,
//! `hvad`, `inte`, `the`), word endings typical of one written standard (`-leg`/`-lig`,
//! `-heit`/`-het`, `-ane`/`-ene`), and letters (`ä`/`ö` are Swedish, `æ`/`ø` are not, none of
//! them is English). The platform's declared language is a prior. These scores are
//! features of the learned model in [`crate::enricher`], beside character n-grams.

use omdomme_core::Lang;

use crate::lexicon::{LANGS, WordInfo};

const NB: usize = 0;
const NN: usize = 1;
const EN: usize = 2;
const SV: usize = 3;
const DA: usize = 4;

/// Weight of the declared language: enough to settle a near tie, not to beat clear words.
const PRIOR: f32 = 1.2;

/// Accumulates evidence token by token, so the enricher's single pass over tokens feeds it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct LangScore {
    score: [f32; 5],
}

impl LangScore {
    /// A word's evidence: its weights in the lists, or else what its ending says.
    pub fn word_evidence(word: &str, info: Option<&WordInfo>) -> [f32; 5] {
        match info {
            Some(info) if info.lang.iter().any(|w| *w > 0.0) => info.lang,
            _ => {
                let mut own = LangScore::default();
                own.add_ending(word);
                own.score
            }
        }
    }

    /// Adds a word's evidence ([`LangScore::word_evidence`]).
    pub fn add(&mut self, evidence: &[f32; 5]) {
        for (s, w) in self.score.iter_mut().zip(evidence) {
            *s += w;
        }
    }

    /// Endings and spellings of content words the lists do not know; weak each, but they
    /// are most of a text. Byte comparisons on fixed-size tails: this runs for most words.
    fn add_ending(&mut self, w: &str) {
        let w = w.as_bytes();
        if w.len() < 4 {
            return;
        }
        let ends =
            |suffix: &[u8]| w.len() >= suffix.len() && w[w.len() - suffix.len()..] == *suffix;
        let s = &mut self.score;
        match w[w.len() - 1] {
            b'g' => {
                if ends(b"leg") {
                    s[NN] += 1.2;
                } else if ends(b"lig") {
                    s[NB] += 0.5;
                    s[DA] += 0.5;
                    s[SV] += 0.4;
                }
            }
            b't' => {
                if ends(b"heit") {
                    s[NN] += 1.2;
                } else if ends(b"het") {
                    s[NB] += 0.6;
                }
            }
            b'd' if ends(b"hed") => s[DA] += 1.0,
            b'n' => {
                if ends(b"heten") {
                    s[NB] += 0.5;
                    s[SV] += 0.4;
                } else if ends(b"heden") {
                    s[DA] += 1.0;
                } else if ends(b"sjon") || ends(b"sjonen") {
                    s[NB] += 0.5;
                    s[NN] += 0.5;
                } else if ends(b"tion") || ends(b"tionen") {
                    s[DA] += 0.4;
                    s[SV] += 0.4;
                    s[EN] += 0.4;
                }
            }
            b'a' if ends(b"inga") || ends(b"heita") => s[NN] += 1.0,
            b'r' => {
                if ends(b"ingar") || ends(b"heiter") {
                    s[NN] += 1.0;
                } else if ends(b"heter") {
                    s[NB] += 0.5;
                    s[SV] += 0.4;
                } else if ends(b"ar") {
                    s[NN] += 0.5;
                    s[SV] += 0.2;
                }
            }
            b'e' => {
                if ends(b"lege") {
                    s[NN] += 1.2;
                } else if ends(b"lige") {
                    s[NB] += 0.5;
                    s[DA] += 0.5;
                } else if ends(b"ane") || ends(b"ande") {
                    s[NN] += 0.7;
                } else if ends(b"erne") {
                    s[DA] += 1.0;
                } else if ends(b"ene") || ends(b"ende") {
                    s[NB] += 0.5;
                }
                // Comparative and superlative: nynorsk `lågare`, `varmaste`; bokmål `lavere`.
                if ends(b"are") || ends(b"aste") {
                    s[NN] += 0.6;
                } else if ends(b"ere") || ends(b"este") {
                    s[NB] += 0.3;
                    s[DA] += 0.3;
                }
            }
            b's' if ends(b"ness") => s[EN] += 0.4,
            b'y' if ends(b"ly") => s[EN] += 0.4,
            _ => {}
        }
        if ends(b"ast") {
            s[NN] += 0.6;
        } else if ends(b"ed") {
            s[EN] += 0.4;
        }
        // Spellings: `kj`/`gj` are Norwegian (`kjøpe`, `gjøre`; Danish `købe`, `gøre`), and
        // `kje`/`gje` inside a word nynorsk (`kyrkje`, `følgje`, not `leverandørkjede`); `ej`
        // is Danish or Swedish (`dejlig`, `vej`) where Norwegian writes `ei`; `aud`, `auk`,
        // `aum`, `aus` are diphthongs nynorsk kept (`raud`, `auke`, `draum`, `laus`).
        let (mut kj, mut kje, mut kjed, mut ej, mut au) = (false, false, false, false, false);
        for i in 0..w.len() - 1 {
            match (w[i], w[i + 1]) {
                (b'k' | b'g', b'j') => {
                    kj = true;
                    match w.get(i + 2) {
                        Some(b'e') if i > 0 => {
                            kje = true;
                            kjed |= w.get(i + 3) == Some(&b'd');
                        }
                        _ => {}
                    }
                }
                (b'e', b'j') => ej = true,
                (b'a', b'u') => au |= matches!(w.get(i + 2), Some(b'd' | b'k' | b'm')),
                _ => {}
            }
        }
        if kj {
            s[NB] += 0.4;
            s[NN] += 0.4;
            if kje && !kjed {
                s[NN] += 0.8;
            }
        }
        if ej {
            s[DA] += 0.5;
            s[SV] += 0.3;
        }
        if au {
            s[NN] += 0.5;
        }
    }

    /// Adds letter evidence and the declared language's prior: the scores the language
    /// model reads beside its character n-grams.
    pub fn evidence(mut self, cues: &crate::text::CharCues, declared: Option<Lang>) -> [f32; 5] {
        let cap = |n: u32, k: f32, max: f32| (n as f32 * k).min(max);
        let umlaut = cap(cues.a_o_umlaut, 1.5, 6.0);
        let aeoe = cap(cues.ae_oe, 0.6, 3.0);
        self.score[SV] += umlaut;
        for i in [NB, NN, DA] {
            self.score[i] += aeoe;
            self.score[i] -= umlaut * 0.5;
        }
        self.score[SV] -= aeoe;
        let aa = cap(cues.aa, 0.4, 1.2);
        for i in [NB, NN, DA, SV] {
            self.score[i] += aa;
        }
        if cues.nn_accents > 0 {
            self.score[NN] += 2.0;
        }
        if cues.a_o_umlaut + cues.ae_oe + cues.aa > 0 {
            self.score[EN] -= 1.0 + cap(cues.a_o_umlaut + cues.ae_oe + cues.aa, 0.5, 3.0);
        }
        if let Some(i) = declared.and_then(|d| LANGS.iter().position(|l| *l == d)) {
            self.score[i] += PRIOR;
        }
        self.score
    }
}

/// The declared language (BCP 47 as the platform gives it) as one of ours, if it is one.
/// `no` is Norwegian without a written standard: bokmål, by far the more common one.
pub(crate) fn declared(tag: Option<&str>) -> Option<Lang> {
    let tag = tag?.trim();
    let primary = tag.split(['-', '_']).next().unwrap_or("");
    match primary.to_ascii_lowercase().as_str() {
        "nb" | "no" | "nob" | "nor" => Some(Lang::Nb),
        "nn" | "nno" => Some(Lang::Nn),
        "en" | "eng" => Some(Lang::En),
        "sv" | "swe" => Some(Lang::Sv),
        "da" | "dan" => Some(Lang::Da),
        "" | "und" | "mul" | "zxx" => None,
        _ => Some(Lang::Other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_tags() {
        assert_eq!(declared(Some("no")), Some(Lang::Nb));
        assert_eq!(declared(Some("nn-NO")), Some(Lang::Nn));
        assert_eq!(declared(Some("en-US")), Some(Lang::En));
        assert_eq!(declared(Some("sv_SE")), Some(Lang::Sv));
        assert_eq!(declared(Some("da")), Some(Lang::Da));
        assert_eq!(declared(Some("de")), Some(Lang::Other));
        assert_eq!(declared(Some("und")), None);
        assert_eq!(declared(None), None);
    }
}
