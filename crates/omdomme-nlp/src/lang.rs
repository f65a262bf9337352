//! Language identification for short posts: bokmål, nynorsk, English, Swedish, Danish.
//!
//! v0 sums evidence: weighted function words and characteristic forms (`ikkje`, `eg`, `hva`,
//! `hvad`, `inte`, `the`), word endings typical of one written standard (`-leg`/`-lig`,
//! `-heit`/`-het`, `-ane`/`-ene`), and letters (`ä`/`ö` are Swedish, `æ`/`ø` are not, none of
//! them is English). The platform's declared language is a prior that strong evidence
//! overrides. A character n-gram model trained on real posts replaces this later.

use omdomme_core::Lang;

use crate::lexicon::{LANGS, WordInfo};

const NB: usize = 0;
const NN: usize = 1;
const EN: usize = 2;
const SV: usize = 3;
const DA: usize = 4;

/// Below this much evidence for the winner, trust the declared language (or say `Other`).
const MIN_EVIDENCE: f32 = 1.0;
/// Weight of the declared language: enough to settle a near tie, not to beat clear words.
const PRIOR: f32 = 1.2;

/// Accumulates evidence token by token, so the enricher's single pass over tokens feeds it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct LangScore {
    score: [f32; 5],
    /// Words seen, known or not: the share of known words tells text from noise.
    words: u32,
}

impl LangScore {
    pub fn add_word(&mut self, word: &str, info: Option<&WordInfo>) {
        self.words += 1;
        match info {
            Some(info) if info.lang.iter().any(|w| *w > 0.0) => {
                for (s, w) in self.score.iter_mut().zip(info.lang) {
                    *s += w;
                }
            }
            _ => self.add_ending(word),
        }
    }

    /// Endings of content words the lists do not know; weak, but they are most of a text.
    fn add_ending(&mut self, w: &str) {
        if w.len() < 4 {
            return;
        }
        let mut add = |i: usize, v: f32| self.score[i] += v;
        if w.ends_with("leg") || w.ends_with("lege") {
            add(NN, 1.2);
        } else if w.ends_with("lig") || w.ends_with("lige") {
            add(NB, 0.5);
            add(DA, 0.5);
            add(SV, 0.4);
        }
        if w.ends_with("heit") || w.ends_with("heita") || w.ends_with("heiter") {
            add(NN, 1.2);
        } else if w.ends_with("heten") || w.ends_with("heter") {
            add(NB, 0.5);
            add(SV, 0.4);
        } else if w.ends_with("het") {
            add(NB, 0.6);
        } else if w.ends_with("hed") || w.ends_with("heden") {
            add(DA, 1.0);
        }
        if w.ends_with("ane") || w.ends_with("ande") {
            add(NN, 0.7);
        } else if w.ends_with("ene") || w.ends_with("ende") {
            add(NB, 0.5);
        } else if w.ends_with("erne") {
            add(DA, 1.0);
        }
        if w.ends_with("inga") || w.ends_with("ingar") {
            add(NN, 1.0);
        } else if w.ends_with("ar") {
            add(NN, 0.5);
            add(SV, 0.2);
        } else if w.ends_with("sjon") || w.ends_with("sjonen") {
            add(NB, 0.5);
            add(NN, 0.5);
        } else if w.ends_with("tion") || w.ends_with("tionen") {
            add(DA, 0.4);
            add(SV, 0.4);
            add(EN, 0.4);
        } else if w.ends_with("ing") {
            add(EN, 0.2);
        } else if w.ends_with("ness") || w.ends_with("ly") || w.ends_with("ed") {
            add(EN, 0.4);
        }
        // Comparative and superlative: nynorsk `lågare`, `varmaste`; bokmål `lavere`.
        if w.ends_with("are") || w.ends_with("aste") || w.ends_with("ast") {
            add(NN, 0.6);
        } else if w.ends_with("ere") || w.ends_with("este") {
            add(NB, 0.3);
            add(DA, 0.3);
        }
        // Spellings: `kj`/`gj` are Norwegian (`kjøpe`, `gjøre`; Danish `købe`, `gøre`), and
        // `kje`/`gje` after a consonant nynorsk (`kyrkje`, `følgje`); `ej` is Danish or
        // Swedish (`dejlig`, `vej`) where Norwegian writes `ei`.
        if w.contains("kj") || w.contains("gj") {
            add(NB, 0.4);
            add(NN, 0.4);
            if w.get(1..).is_some_and(|t| t.contains("kje") || t.contains("gje"))
                && !w.contains("kjed")
            {
                add(NN, 0.8);
            }
        }
        // Diphthongs nynorsk kept and bokmål mostly lost (`raud`, `auke`, `laus`, `draum`).
        if w.contains("aud") || w.contains("auk") || w.contains("aum") || w.contains("laus") {
            add(NN, 0.5);
        }
        if w.contains("ej") {
            add(DA, 0.5);
            add(SV, 0.3);
        }
    }

    /// Adds letter evidence and the prior, and decides.
    pub fn decide(mut self, cues: &crate::text::CharCues, declared: Option<Lang>) -> Lang {
        let cap = |n: u32, k: f32, max: f32| (n as f32 * k).min(max);
        let umlaut = cap(cues.a_o_umlaut, 1.5, 6.0);
        let aeoe = cap(cues.ae_oe, 0.6, 3.0);
        self.score[SV] += umlaut;
        for i in [NB, NN, DA] {
            self.score[i] += aeoe;
            self.score[i] -= umlaut * 0.5;
        }
        self.score[SV] -= aeoe;
        // `å` is Scandinavian but says nothing about which: equal evidence for all four, so a
        // short Scandinavian text without other clues lands on bokmål, the common case.
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

        // A text mostly in another script (Cyrillic, Arabic, CJK) is none of ours.
        if cues.other_letters > cues.latin_letters {
            return Lang::Other;
        }

        let prior = declared.and_then(|d| LANGS.iter().position(|l| *l == d));
        if let Some(i) = prior {
            self.score[i] += PRIOR;
        }
        let (best, best_score) = self
            .score
            .iter()
            .enumerate()
            .fold((0, f32::MIN), |acc, (i, s)| if *s > acc.1 { (i, *s) } else { acc });
        let evidence = best_score - if prior == Some(best) { PRIOR } else { 0.0 };
        if evidence < MIN_EVIDENCE {
            return declared.unwrap_or(Lang::Other);
        }
        LANGS[best]
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
