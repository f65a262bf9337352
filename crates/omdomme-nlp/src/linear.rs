//! Linear models over hashed features: the file format, scoring, and the trainer.
//!
//! Training is one-vs-rest: per class, each feature is first scaled by its naive-Bayes
//! log-count ratio (Wang & Manning 2012, "Baselines and bigrams", NBSVM), then an
//! L2-regularised L2-loss linear SVM is fitted by dual coordinate descent (Hsieh et al.
//! 2008, the method of LIBLINEAR). The scaling is folded into the weights afterwards, so
//! scoring is one table lookup per feature and class. Everything is seeded and
//! single-threaded: the same data gives the same bytes.
//!
//! File: `OMDLIN01`, a little-endian u32 header length, the header as JSON
//! ([`ModelHeader`]), then `2^bits × classes` weights as little-endian i16 times
//! `header.scale`, bucket-major.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::features::{FeatureSpec, Features};

const MAGIC: &[u8; 8] = b"OMDLIN01";

/// What a model file says about itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelHeader {
    pub name: String,
    pub classes: Vec<String>,
    /// Hash buckets are `2^bits`.
    pub bits: u8,
    pub spec: FeatureSpec,
    /// Added to each class's score: the SVM bias plus the offset tuned for the task.
    pub bias: Vec<f32>,
    /// Weight of one step of the stored i16 weights.
    pub scale: f32,
    /// What it was trained on, for `omdomme eval` and people.
    pub trained_on: String,
}

/// Weights addressed by feature hash: one model, or several laid side by side.
pub trait Rows {
    /// Scores per row: the classes of all the models.
    fn width(&self) -> usize;
    /// The biases, `width` of them.
    fn biases(&self) -> &[f32];
    /// Adds `v` times the row of feature `h` to `out`.
    fn add_row(&self, h: u32, v: f32, out: &mut [f32]);
}

#[derive(Clone, Debug)]
pub struct LinearModel {
    pub header: ModelHeader,
    weights: Vec<f32>,
    mask: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    #[error("not an Omdømme model file (bad magic)")]
    Magic,
    #[error("model file is truncated")]
    Truncated,
    #[error("model header: {0}")]
    Header(#[from] serde_json::Error),
    #[error("model header: {0}")]
    Invalid(String),
}

impl Rows for LinearModel {
    fn width(&self) -> usize {
        self.classes()
    }

    fn biases(&self) -> &[f32] {
        &self.header.bias
    }

    fn add_row(&self, h: u32, v: f32, out: &mut [f32]) {
        add_scaled(&self.weights, self.classes(), h & self.mask, v, out);
    }
}

/// Adds `v` times row `bucket` of a table `width` wide to `out`.
pub(crate) fn add_scaled(weights: &[f32], width: usize, bucket: u32, v: f32, out: &mut [f32]) {
    let at = bucket as usize * width;
    if let Some(row) = weights.get(at..at + width) {
        for (o, w) in out.iter_mut().zip(row) {
            *o += w * v;
        }
    }
}

impl LinearModel {
    pub fn classes(&self) -> usize {
        self.header.classes.len()
    }

    /// Scores per class into `out` (resized to the class count).
    pub fn scores(&self, f: &Features, out: &mut Vec<f32>) {
        let k = self.classes();
        out.clear();
        out.extend_from_slice(&self.header.bias);
        out.resize(k, 0.0);
        for &(h, v) in &f.items {
            self.add_row(h, v, out);
        }
    }

    /// The weights of bucket `bucket`, one per class.
    pub fn bucket(&self, bucket: usize) -> &[f32] {
        let k = self.classes();
        self.weights
            .get(bucket * k..(bucket + 1) * k)
            .unwrap_or(&[])
    }

    pub fn buckets(&self) -> usize {
        1 << self.header.bits
    }

    /// Index of the best class.
    pub fn best(scores: &[f32]) -> usize {
        scores
            .iter()
            .enumerate()
            .fold(
                (0, f32::MIN),
                |acc, (i, s)| if *s > acc.1 { (i, *s) } else { acc },
            )
            .0
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let header = serde_json::to_vec(&self.header).unwrap_or_default();
        let mut out = Vec::with_capacity(12 + header.len() + self.weights.len() * 2);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        let scale = self.header.scale;
        for w in &self.weights {
            let q = (w / scale).round().clamp(i16::MIN as f32, i16::MAX as f32) as i16;
            out.extend_from_slice(&q.to_le_bytes());
        }
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<LinearModel, ModelFileError> {
        let rest = bytes.strip_prefix(MAGIC).ok_or(ModelFileError::Magic)?;
        let (len, rest) = rest
            .split_first_chunk::<4>()
            .ok_or(ModelFileError::Truncated)?;
        let len = u32::from_le_bytes(*len) as usize;
        let header = rest.get(..len).ok_or(ModelFileError::Truncated)?;
        let header: ModelHeader = serde_json::from_slice(header)?;
        let k = header.classes.len();
        if k == 0 || header.bias.len() != k || header.bits > 24 || header.bits < 8 {
            return Err(ModelFileError::Invalid(format!(
                "{} classes, {} biases, {} bits",
                k,
                header.bias.len(),
                header.bits
            )));
        }
        let body = rest.get(len..).ok_or(ModelFileError::Truncated)?;
        let expected = (1usize << header.bits) * k * 2;
        if body.len() != expected {
            return Err(ModelFileError::Truncated);
        }
        let weights = body
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]) as f32 * header.scale)
            .collect();
        let mask = (1u32 << header.bits) - 1;
        Ok(LinearModel {
            header,
            weights,
            mask,
        })
    }

    /// Bytes of weights held in memory.
    pub fn resident_bytes(&self) -> usize {
        self.weights.len() * std::mem::size_of::<f32>()
    }
}

/// A training example: its features already reduced to the model's buckets, merged.
#[derive(Clone, Debug, Default)]
pub struct Example {
    pub x: Vec<(u32, f32)>,
}

impl Example {
    pub fn new(f: &Features, bits: u8) -> Example {
        let mask = (1u32 << bits) - 1;
        let mut x: Vec<(u32, f32)> = f.items.iter().map(|&(h, v)| (h & mask, v)).collect();
        x.sort_unstable_by_key(|p| p.0);
        x.dedup_by(|b, a| {
            if a.0 == b.0 {
                a.1 += b.1;
                true
            } else {
                false
            }
        });
        Example { x }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct TrainParams {
    /// SVM cost; smaller is more regularised.
    pub c: f64,
    /// Weigh classes so each counts as much in total (for macro-averaged metrics).
    pub balanced: bool,
    /// Scale features by naive-Bayes log-count ratios (NBSVM).
    pub nb_scaling: bool,
    pub epochs: usize,
    pub seed: u64,
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams {
            c: 0.1,
            balanced: true,
            nb_scaling: true,
            epochs: 60,
            seed: 17,
        }
    }
}

/// Bias feature value: the bias is learned as the weight of a constant feature, as in
/// LIBLINEAR.
const BIAS_VALUE: f64 = 1.0;

/// Trains one binary scorer per column of `targets` (`targets[i][c]`: example `i` is in
/// class `c`). Returns (weights bucket-major, biases).
pub fn train(
    examples: &[Example],
    targets: &[Vec<bool>],
    classes: usize,
    bits: u8,
    params: TrainParams,
) -> (Vec<f32>, Vec<f32>) {
    let dim = 1usize << bits;
    let mut weights = vec![0f32; dim * classes];
    let mut biases = vec![0f32; classes];
    for c in 0..classes {
        let y: Vec<f64> = targets
            .iter()
            .map(|t| {
                if t.get(c).copied().unwrap_or(false) {
                    1.0
                } else {
                    -1.0
                }
            })
            .collect();
        let ratio = if params.nb_scaling {
            nb_ratios(examples, &y, dim)
        } else {
            vec![1.0; dim]
        };
        let (w, b) = dual_cd(examples, &y, &ratio, dim, params);
        for j in 0..dim {
            weights[j * classes + c] = (w[j] * ratio[j]) as f32;
        }
        biases[c] = b as f32;
    }
    (weights, biases)
}

/// Per feature, log of (share among positives + smoothing) / (share among negatives).
fn nb_ratios(examples: &[Example], y: &[f64], dim: usize) -> Vec<f64> {
    let mut pos = vec![1.0f64; dim];
    let mut neg = vec![1.0f64; dim];
    for (e, &yi) in examples.iter().zip(y) {
        let counts = if yi > 0.0 { &mut pos } else { &mut neg };
        for &(j, v) in &e.x {
            if let Some(c) = counts.get_mut(j as usize) {
                *c += if v != 0.0 { 1.0 } else { 0.0 };
            }
        }
    }
    let (sp, sn): (f64, f64) = (pos.iter().sum(), neg.iter().sum());
    pos.iter()
        .zip(&neg)
        .map(|(p, n)| ((p / sp) / (n / sn)).ln())
        .collect()
}

/// Dual coordinate descent for the L2-loss SVM; returns (w, bias).
fn dual_cd(
    examples: &[Example],
    y: &[f64],
    ratio: &[f64],
    dim: usize,
    params: TrainParams,
) -> (Vec<f64>, f64) {
    let n = examples.len();
    let n_pos = y.iter().filter(|v| **v > 0.0).count().max(1) as f64;
    let n_neg = (n as f64 - n_pos).max(1.0);
    let cost = |yi: f64| {
        if !params.balanced {
            params.c
        } else if yi > 0.0 {
            params.c * n as f64 / (2.0 * n_pos)
        } else {
            params.c * n as f64 / (2.0 * n_neg)
        }
    };
    let diag: Vec<f64> = y.iter().map(|&yi| 0.5 / cost(yi)).collect();
    let qii: Vec<f64> = examples
        .iter()
        .zip(&diag)
        .map(|(e, d)| {
            e.x.iter()
                .map(|&(j, v)| {
                    let s = f64::from(v) * ratio[j as usize];
                    s * s
                })
                .sum::<f64>()
                + BIAS_VALUE * BIAS_VALUE
                + d
        })
        .collect();
    let mut w = vec![0f64; dim];
    let mut b = 0f64;
    let mut alpha = vec![0f64; n];
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    for _ in 0..params.epochs {
        order.shuffle(&mut rng);
        let mut max_pg = 0f64;
        for &i in &order {
            let e = &examples[i];
            let yi = y[i];
            let wx: f64 =
                e.x.iter()
                    .map(|&(j, v)| w[j as usize] * f64::from(v) * ratio[j as usize])
                    .sum::<f64>()
                    + b * BIAS_VALUE;
            let g = yi * wx - 1.0 + diag[i] * alpha[i];
            let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
            max_pg = max_pg.max(pg.abs());
            if pg != 0.0 {
                let old = alpha[i];
                alpha[i] = (old - g / qii[i]).max(0.0);
                let d = (alpha[i] - old) * yi;
                for &(j, v) in &e.x {
                    w[j as usize] += d * f64::from(v) * ratio[j as usize];
                }
                b += d * BIAS_VALUE;
            }
        }
        if max_pg < 1e-3 {
            break;
        }
    }
    (w, b)
}

/// Builds a model from trained weights, choosing the i16 step from the largest weight.
pub fn assemble(mut header: ModelHeader, weights: Vec<f32>, biases: &[f32]) -> LinearModel {
    let max = weights.iter().fold(0f32, |m, w| m.max(w.abs())).max(1e-6);
    header.scale = max / f32::from(i16::MAX);
    for (b, extra) in header.bias.iter_mut().zip(biases) {
        *b += extra;
    }
    let mask = (1u32 << header.bits) - 1;
    // Round-trip through the stored precision so that the model in memory scores exactly
    // as the one read back from its file.
    let scale = header.scale;
    let weights = weights
        .into_iter()
        .map(|w| (w / scale).round().clamp(i16::MIN as f32, i16::MAX as f32) * scale)
        .collect();
    LinearModel {
        header,
        weights,
        mask,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::features::FeatureSpec;

    fn spec() -> FeatureSpec {
        FeatureSpec {
            words: true,
            stems: false,
            bigrams: false,
            negation: false,
            char_min: 0,
            char_max: 0,
            char_weight: 0.0,
        }
    }

    #[test]
    fn learns_a_separable_problem_and_round_trips() {
        // Feature 1 marks class 0, feature 2 class 1; feature 3 is noise.
        let ex = |a: u32| Example {
            x: vec![(a, 1.0), (3, 0.5)],
        };
        let examples: Vec<Example> = (0..40).map(|i| ex(1 + (i % 2))).collect();
        let targets: Vec<Vec<bool>> = (0..40).map(|i| vec![i % 2 == 0, i % 2 == 1]).collect();
        let (w, b) = train(&examples, &targets, 2, 8, TrainParams::default());
        let header = ModelHeader {
            name: "t".into(),
            classes: vec!["a".into(), "b".into()],
            bits: 8,
            spec: spec(),
            bias: vec![0.0; 2],
            scale: 1.0,
            trained_on: String::new(),
        };
        let model = assemble(header, w, &b);
        let back = LinearModel::from_bytes(&model.to_bytes()).unwrap();
        let mut s = Vec::new();
        back.scores(
            &Features {
                items: vec![(1, 1.0), (3, 0.5)],
            },
            &mut s,
        );
        assert_eq!(LinearModel::best(&s), 0);
        back.scores(
            &Features {
                items: vec![(2, 1.0), (3, 0.5)],
            },
            &mut s,
        );
        assert_eq!(LinearModel::best(&s), 1);
    }

    #[test]
    fn broken_files_are_refused() {
        assert!(matches!(
            LinearModel::from_bytes(b"nope"),
            Err(ModelFileError::Magic)
        ));
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&100u32.to_le_bytes());
        assert!(matches!(
            LinearModel::from_bytes(&bytes),
            Err(ModelFileError::Truncated)
        ));
    }
}
