//! Product and service feedback grouped into themes: what customers keep saying.
//!
//! Each text becomes a TF-IDF vector over its word stems and pairs of neighbouring stems
//! (stop words, brand names and short words left out; a feature must occur in two texts).
//! Spherical k-means groups the vectors, seeded deterministically (the heaviest text first,
//! then each time the text least like any seed so far), so the same items always give the
//! same themes. A theme is named by its three heaviest features, shows the texts nearest
//! its centre as quotes, and is compared with the period before by placing the earlier
//! texts on the nearest centre.

use std::collections::{BTreeMap, HashMap};

use frostem::{Algorithm, Stemmer};
use omdomme_core::text::{TokenKind, fold, tokens};
use omdomme_core::{BrandId, Lang, SentimentLabel, StoredItem, Workspace};

/// A group of feedback texts about the same thing.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    /// The theme's top words as people write them: "levering · forsinket · pakke".
    pub label: String,
    /// Texts in the theme this period.
    pub size: usize,
    /// Texts of the period before nearest this theme.
    pub size_before: usize,
    pub negative: usize,
    pub positive: usize,
    /// Up to three short texts nearest the theme's centre.
    pub quotes: Vec<String>,
}

impl Theme {
    /// Negative texts over all the theme's texts.
    pub fn negative_share(&self) -> f64 {
        self.negative as f64 / self.size.max(1) as f64
    }
}

/// Fewest texts a theme needs to be shown.
const MIN_THEME: usize = 3;
/// Most themes.
const MAX_THEMES: usize = 6;
const ITERATIONS: usize = 20;
/// Longest quote, in characters.
const QUOTE_CHARS: usize = 180;
/// Least similarity for an earlier text to count towards a theme.
const BEFORE_SIMILARITY: f64 = 0.2;

const STOP_WORDS: &[&str] = &[
    // Bokmål and nynorsk.
    "og", "i", "jeg", "det", "at", "en", "et", "den", "til", "er", "som", "pa", "de", "med", "han",
    "av", "ikke", "ikkje", "der", "sa", "var", "meg", "seg", "men", "ett", "har", "om", "vi",
    "min", "mitt", "ha", "hadde", "hun", "na", "over", "da", "ved", "fra", "du", "ut", "sin",
    "dem", "oss", "opp", "man", "kan", "hans", "hvor", "eller", "hva", "skal", "selv", "sjol",
    "her", "alle", "vil", "bli", "ble", "blitt", "kunne", "inn", "nar", "vaere", "kom", "noen",
    "noe", "ville", "dere", "deres", "kun", "ja", "etter", "ned", "skulle", "denne", "for", "deg",
    "si", "sine", "sitt", "mot", "a", "meget", "hvorfor", "dette", "disse", "uten", "hvordan",
    "ingen", "din", "ditt", "blir", "samme", "hvilken", "hvilke", "sann", "inni", "mellom", "var",
    "hver", "hvem", "vors", "dere", "dykk", "eg", "ho", "me", "no", "berre", "veldig", "bare",
    "enn", "ogsa", "mye", "nok", "fikk", "fa", "gang", "jo", "vel", "litt", "helt", "igjen", "hos",
    "mer", "nye", "ny", "sin", "sa", "enda", "dag", "idag", "hei", "takk", "hilsen", "haper",
    "lurer", // English.
    "the", "and", "to", "of", "a", "in", "is", "it", "you", "that", "was", "for", "on", "are",
    "with", "as", "be", "at", "this", "have", "from", "or", "by", "not", "but", "what", "all",
    "were", "we", "when", "your", "can", "there", "an", "my", "has", "had", "they", "so", "their",
    "them", "our", "me", "just", "than", "been", "its", "very", "about", "again", "would", "will",
    "get", "got", "did", "does", "do", "still", "after", "now", "today", "why", "how",
];

/// One text's features, weighted and normalised.
type Vector = Vec<(u32, f64)>;

struct Vocabulary {
    ids: HashMap<String, u32>,
    /// The most frequent written form of each feature, for labels.
    shown: Vec<BTreeMap<String, usize>>,
}

impl Vocabulary {
    fn id(&mut self, feature: &str) -> u32 {
        if let Some(&id) = self.ids.get(feature) {
            return id;
        }
        let id = self.ids.len() as u32;
        self.ids.insert(feature.to_owned(), id);
        self.shown.push(BTreeMap::new());
        id
    }

    fn label(&self, id: u32) -> String {
        self.shown[id as usize]
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(form, _)| form.clone())
            .unwrap_or_default()
    }
}

/// The brand names' words, folded, which every text about a brand shares.
fn brand_words(workspace: &Workspace) -> Vec<String> {
    workspace
        .brands
        .iter()
        .flat_map(|b| tokens(&b.name).map(|t| fold(t.text)).collect::<Vec<_>>())
        .collect()
}

fn stemmer(lang: Lang) -> &'static Stemmer {
    use std::sync::LazyLock;
    static NORWEGIAN: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::new(Algorithm::Norwegian));
    static SWEDISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::new(Algorithm::Swedish));
    static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::new(Algorithm::English));
    match lang {
        Lang::En => &ENGLISH,
        Lang::Sv => &SWEDISH,
        _ => &NORWEGIAN,
    }
}

/// The features of a text: stems and neighbouring pairs, with the written forms.
fn features(text: &str, lang: Lang, skip: &[String]) -> Vec<(String, String)> {
    let stemmer = stemmer(lang);
    let mut words: Vec<(String, String)> = Vec::new();
    for token in tokens(text) {
        if token.kind != TokenKind::Word {
            continue;
        }
        let folded = fold(token.text);
        if folded.chars().count() < 3
            || folded.chars().all(|c| c.is_ascii_digit())
            || STOP_WORDS.contains(&folded.as_str())
            || skip.contains(&folded)
        {
            continue;
        }
        let stem = stemmer.stem(&folded).into_owned();
        words.push((stem, token.text.to_lowercase()));
    }
    let mut features: Vec<(String, String)> = words.clone();
    for pair in words.windows(2) {
        features.push((
            format!("{} {}", pair[0].0, pair[1].0),
            format!("{} {}", pair[0].1, pair[1].1),
        ));
    }
    features
}

fn dot(a: &Vector, b: &[f64]) -> f64 {
    a.iter().map(|(i, w)| w * b[*i as usize]).sum()
}

fn normalise(values: &mut [f64]) {
    let norm = values.iter().map(|v| v * v).sum::<f64>().sqrt();
    if norm > 0.0 {
        for v in values {
            *v /= norm;
        }
    }
}

/// The themes of `items` (this period) with `before` (the period before) placed on them;
/// most texts first.
pub fn find(
    items: &[StoredItem],
    before: &[StoredItem],
    brand: &BrandId,
    workspace: &Workspace,
) -> Vec<Theme> {
    let skip = brand_words(workspace);
    let mut vocabulary = Vocabulary {
        ids: HashMap::new(),
        shown: Vec::new(),
    };
    let mut counted: Vec<HashMap<u32, f64>> = Vec::with_capacity(items.len());
    for item in items {
        let mut counts = HashMap::new();
        for (feature, written) in features(&item.item.full_text(), item.item.enrichment.lang, &skip)
        {
            let id = vocabulary.id(&feature);
            *vocabulary.shown[id as usize].entry(written).or_default() += 1;
            *counts.entry(id).or_insert(0.0) += 1.0;
        }
        counted.push(counts);
    }
    let dimensions = vocabulary.ids.len();
    let mut document_frequency = vec![0usize; dimensions];
    for counts in &counted {
        for id in counts.keys() {
            document_frequency[*id as usize] += 1;
        }
    }
    let n = items.len() as f64;
    let idf: Vec<f64> = document_frequency
        .iter()
        .map(|&df| {
            if df >= 2 {
                (n / df as f64).ln() + 1.0
            } else {
                0.0
            }
        })
        .collect();
    let vectorise = |counts: &HashMap<u32, f64>| -> Vector {
        let mut vector: Vector = counts
            .iter()
            .filter(|(id, _)| idf[**id as usize] > 0.0)
            .map(|(id, tf)| (*id, (1.0 + tf.ln()) * idf[*id as usize]))
            .collect();
        vector.sort_by_key(|(id, _)| *id);
        let norm = vector.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
        if norm > 0.0 {
            for (_, w) in &mut vector {
                *w /= norm;
            }
        }
        vector
    };
    let vectors: Vec<Vector> = counted.iter().map(vectorise).collect();
    let usable: Vec<usize> = (0..vectors.len())
        .filter(|&i| !vectors[i].is_empty())
        .collect();
    if usable.len() < MIN_THEME {
        return Vec::new();
    }
    let k = (usable.len() / MIN_THEME).clamp(1, MAX_THEMES + 2);
    let centres = cluster(&vectors, &usable, k, dimensions);
    let assign = |vector: &Vector| -> Option<(usize, f64)> {
        centres
            .iter()
            .enumerate()
            .map(|(c, centre)| (c, dot(vector, centre)))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
    };
    let mut members: Vec<Vec<(usize, f64)>> = vec![Vec::new(); centres.len()];
    for &i in &usable {
        if let Some((c, similarity)) = assign(&vectors[i]) {
            members[c].push((i, similarity));
        }
    }
    let mut before_sizes = vec![0usize; centres.len()];
    for item in before {
        let mut counts = HashMap::new();
        for (feature, _) in features(&item.item.full_text(), item.item.enrichment.lang, &skip) {
            if let Some(&id) = vocabulary.ids.get(&feature) {
                *counts.entry(id).or_insert(0.0) += 1.0;
            }
        }
        if let Some((c, similarity)) = assign(&vectorise(&counts))
            && similarity >= BEFORE_SIMILARITY
        {
            before_sizes[c] += 1;
        }
    }
    let mut themes: Vec<Theme> = Vec::new();
    for (c, mut in_theme) in members.into_iter().enumerate() {
        if in_theme.len() < MIN_THEME {
            continue;
        }
        let mut top: Vec<(u32, f64)> = centres[c]
            .iter()
            .enumerate()
            .filter(|(_, w)| **w > 0.0)
            .map(|(i, w)| (i as u32, *w))
            .collect();
        top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut label_words: Vec<String> = Vec::new();
        for (id, _) in top {
            let word = vocabulary.label(id);
            // A pair whose words are shown already adds nothing; a word inside a shown
            // pair neither.
            if label_words
                .iter()
                .any(|w| w.split(' ').any(|part| word.split(' ').any(|p| p == part)))
            {
                continue;
            }
            label_words.push(word);
            if label_words.len() == 3 {
                break;
            }
        }
        in_theme.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let sentiments: Vec<SentimentLabel> = in_theme
            .iter()
            .map(|(i, _)| items[*i].item.enrichment.sentiment_towards(brand).label)
            .collect();
        let mut quotes: Vec<String> = Vec::new();
        for (i, _) in &in_theme {
            let quote = crate::view::first_words(&items[*i].item.text, QUOTE_CHARS);
            if !quote.is_empty() && !quotes.contains(&quote) {
                quotes.push(quote);
            }
            if quotes.len() == 3 {
                break;
            }
        }
        themes.push(Theme {
            label: label_words.join(" · "),
            size: in_theme.len(),
            size_before: before_sizes[c],
            negative: sentiments
                .iter()
                .filter(|s| **s == SentimentLabel::Negative)
                .count(),
            positive: sentiments
                .iter()
                .filter(|s| **s == SentimentLabel::Positive)
                .count(),
            quotes,
        });
    }
    themes.sort_by(|a, b| b.size.cmp(&a.size).then(a.label.cmp(&b.label)));
    themes.truncate(MAX_THEMES);
    themes
}

/// Spherical k-means over the `usable` vectors, seeded by farthest points.
fn cluster(vectors: &[Vector], usable: &[usize], k: usize, dimensions: usize) -> Vec<Vec<f64>> {
    let dense = |vector: &Vector| {
        let mut values = vec![0.0; dimensions];
        for (i, w) in vector {
            values[*i as usize] = *w;
        }
        values
    };
    // The heaviest text (most distinct features) seeds first; ties go to the earlier one.
    let Some(&first) = usable
        .iter()
        .max_by(|a, b| vectors[**a].len().cmp(&vectors[**b].len()).then(b.cmp(a)))
    else {
        return Vec::new();
    };
    let mut centres = vec![dense(&vectors[first])];
    let mut nearest: Vec<f64> = usable
        .iter()
        .map(|&i| dot(&vectors[i], &centres[0]))
        .collect();
    while centres.len() < k {
        let Some((position, similarity)) = nearest
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1).then(a.0.cmp(&b.0)))
        else {
            break;
        };
        if *similarity > 0.95 {
            break;
        }
        let centre = dense(&vectors[usable[position]]);
        for (slot, &i) in nearest.iter_mut().zip(usable) {
            *slot = slot.max(dot(&vectors[i], &centre));
        }
        centres.push(centre);
    }
    for _ in 0..ITERATIONS {
        let mut sums = vec![vec![0.0; dimensions]; centres.len()];
        let mut sizes = vec![0usize; centres.len()];
        for &i in usable {
            let best = centres
                .iter()
                .enumerate()
                .map(|(c, centre)| (c, dot(&vectors[i], centre)))
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
                .map_or(0, |(c, _)| c);
            sizes[best] += 1;
            for (f, w) in &vectors[i] {
                sums[best][*f as usize] += w;
            }
        }
        let mut moved = false;
        for (c, mut sum) in sums.into_iter().enumerate() {
            if sizes[c] == 0 {
                continue;
            }
            normalise(&mut sum);
            if sum != centres[c] {
                moved = true;
                centres[c] = sum;
            }
        }
        if !moved {
            break;
        }
    }
    centres
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use omdomme_core::{
        Author, Brand, BrandRole, BrandSentiment, Engagement, Enrichment, Item, ItemId, ItemKind,
        Sentiment, SourceKey, SourceKind, WorkspaceId,
    };

    fn workspace() -> Workspace {
        Workspace {
            id: WorkspaceId("w".into()),
            name: "W".into(),
            synthetic: true,
            brands: vec![Brand {
                id: BrandId("nordlys".into()),
                name: "Nordlys Energi".into(),
                role: BrandRole::Own,
                query: "nordlys".into(),
            }],
        }
    }

    fn item(id: i64, text: &str, label: SentimentLabel) -> StoredItem {
        let sentiment = Sentiment { label, score: 0.0 };
        StoredItem {
            id: ItemId(id),
            item: Item {
                source: SourceKey::new(SourceKind::File, "t"),
                external_id: id.to_string(),
                kind: ItemKind::Post,
                author: Author {
                    handle: "a".into(),
                    name: None,
                    followers: None,
                    verified: false,
                },
                title: None,
                text: text.into(),
                url: None,
                thread_id: None,
                parent_id: None,
                engagement: Engagement::default(),
                published_at: "2026-11-20T10:00:00Z".parse().unwrap(),
                collected_at: "2026-11-20T10:00:00Z".parse().unwrap(),
                declared_lang: None,
                enrichment: Enrichment {
                    lang: Lang::Nb,
                    sentiment,
                    brands: vec![BrandId("nordlys".into())],
                    brand_sentiment: vec![BrandSentiment {
                        brand: BrandId("nordlys".into()),
                        sentiment,
                    }],
                    ..Enrichment::default()
                },
                synthetic: true,
            },
        }
    }

    fn feedback() -> Vec<StoredItem> {
        use SentimentLabel::{Negative, Positive};
        let texts = [
            (
                "Nordlys Energi: fakturaen var feil igjen, dobbelt trekk på fakturaen",
                Negative,
            ),
            (
                "Feil faktura fra Nordlys Energi denne måneden også",
                Negative,
            ),
            (
                "Hvorfor er fakturaen fra Nordlys Energi så høy? Feil faktura!",
                Negative,
            ),
            ("Fikk faktura med feil beløp fra Nordlys Energi", Negative),
            (
                "Appen til Nordlys Energi er kjempebra, enkel app å bruke",
                Positive,
            ),
            (
                "Liker den nye appen, appen viser strømforbruket fint",
                Positive,
            ),
            ("Nordlys Energi sin app er rask og enkel", Positive),
            ("Oppdatert app fra Nordlys Energi, bra app", Positive),
            (
                "Kundeservice svarte raskt på chatten, god kundeservice",
                Positive,
            ),
            ("Ventet en time i telefonkø til kundeservice", Negative),
            ("Kundeservice i telefonkø hele dagen", Negative),
        ];
        texts
            .iter()
            .enumerate()
            .map(|(i, (text, label))| item(i as i64 + 1, text, *label))
            .collect()
    }

    #[test]
    fn feedback_falls_into_its_themes() {
        let items = feedback();
        let before = vec![item(100, "Feil på fakturaen min", SentimentLabel::Negative)];
        let themes = find(&items, &before, &BrandId("nordlys".into()), &workspace());
        assert!(themes.len() >= 2, "{themes:#?}");
        let invoice = themes
            .iter()
            .find(|t| t.label.contains("faktura"))
            .unwrap_or_else(|| panic!("no invoice theme: {themes:#?}"));
        assert!(invoice.size >= 3, "{invoice:#?}");
        assert_eq!(invoice.negative, invoice.size, "{invoice:#?}");
        assert_eq!(invoice.size_before, 1);
        assert!(
            !invoice.label.contains("nordlys"),
            "brand names are no theme"
        );
        let app = themes
            .iter()
            .find(|t| t.label.contains("app"))
            .unwrap_or_else(|| panic!("no app theme: {themes:#?}"));
        assert_eq!(app.positive, app.size, "{app:#?}");
        assert!((2..=3).contains(&app.quotes.len()));
        assert!(app.quotes.iter().all(|q| q.to_lowercase().contains("app")));
    }

    #[test]
    fn the_same_items_give_the_same_themes() {
        let items = feedback();
        let brand = BrandId("nordlys".into());
        let once = find(&items, &[], &brand, &workspace());
        let mut reversed = items.clone();
        reversed.reverse();
        assert_eq!(once, find(&items, &[], &brand, &workspace()));
        assert_eq!(once.len(), find(&reversed, &[], &brand, &workspace()).len());
    }

    #[test]
    fn too_few_texts_make_no_theme() {
        let items = feedback();
        assert!(find(&items[..2], &[], &BrandId("nordlys".into()), &workspace()).is_empty());
    }
}
