//! The v0 enricher: lexicons, keyword lists and rules, one tokenization pass per item.
//!
//! Per item: lower-case and tokenize once ([`crate::text`]); one hash lookup per token feeds
//! language, sentiment and question detection; one Aho-Corasick pass over the lower-cased
//! text finds topic stems, compounds and cue phrases; the brand queries run on a
//! [`MatchText`]. Trained models replace the parts later behind the same [`Enricher`] seam.

use omdomme_core::{
    BrandId, Item, ItemKind, Lang, MatchText, Query, Stakeholder, Topic, TopicSet, Workspace,
};

use crate::Enricher;
use crate::lang::{LangScore, declared};
use crate::lexicon::{Effect, MODEL, Mode, Model, QUESTION_WORD};
use crate::sentiment::{self, TokVal};
use crate::text::{Analysed, TokKind};

/// Why an enricher could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnrichError {
    /// A brand's watch query does not parse; `column` is 1-based, in characters.
    #[error("brand {brand:?}: watch query does not parse at column {column}: {message}")]
    BadQuery {
        brand: BrandId,
        column: usize,
        message: String,
    },
    /// The built-in lexicons failed to load (a broken data file in this crate).
    #[error("lexicons: {0}")]
    Model(String),
}

struct WatchedBrand {
    id: BrandId,
    query: Query,
    /// Accounts the query names (`@nordlysenergi`), folded: mentioning one addresses the
    /// brand even when the query does not match.
    handles: Vec<String>,
}

/// The v0 enricher for one workspace. Cheap to build: the lexicons are shared by all.
pub struct V0Enricher {
    model: &'static Model,
    brands: Vec<WatchedBrand>,
}

impl std::fmt::Debug for V0Enricher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("V0Enricher")
            .field(
                "brands",
                &self.brands.iter().map(|b| &b.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Buffers reused from item to item so enriching a batch allocates almost nothing.
#[derive(Default)]
struct Scratch {
    text: Analysed,
    vals: Vec<TokVal>,
    joined: String,
}

impl V0Enricher {
    /// Parses every brand's watch query; the error names the brand and the column.
    pub fn new(workspace: &Workspace) -> Result<V0Enricher, EnrichError> {
        let model = MODEL.as_ref().map_err(|e| EnrichError::Model(e.clone()))?;
        let brands = workspace
            .brands
            .iter()
            .map(|b| {
                let query = b.parsed_query().map_err(|e| EnrichError::BadQuery {
                    brand: b.id.clone(),
                    column: e.column,
                    message: e.message,
                })?;
                let mut handles = Vec::new();
                collect_handles(&query, &mut handles);
                Ok(WatchedBrand {
                    id: b.id.clone(),
                    query,
                    handles,
                })
            })
            .collect::<Result<Vec<_>, EnrichError>>()?;
        Ok(V0Enricher { model, brands })
    }

    fn enrich_one(&self, item: &mut Item, s: &mut Scratch) {
        let m = self.model;
        let title = item.title.as_deref().filter(|t| !t.is_empty());
        let is_emoji = |c: char| m.emoji.contains_key(&c);
        let is_emoticon = |e: &str| m.emoticons.contains_key(e);
        match title {
            Some(t) => s.text.analyse(&[t, &item.text], is_emoji, is_emoticon),
            None => s.text.analyse(&[&item.text], is_emoji, is_emoticon),
        }
        let a = &s.text;

        // One lookup per token feeds language, sentiment and questions.
        let mut lang = LangScore::default();
        let mut question = false;
        let mut words = 0usize;
        s.vals.clear();
        for t in &a.toks {
            let text = a.tok_str(t);
            let (valence, flags) = match t.kind {
                TokKind::Word | TokKind::Hashtag => {
                    let info = m.words.get(text);
                    if t.kind == TokKind::Word {
                        words += 1;
                        lang.add_word(text, info);
                    }
                    match info {
                        Some(i) => (i.valence, i.flags),
                        None => (compound_valence(m, text), 0),
                    }
                }
                TokKind::Emoji => (
                    text.chars()
                        .next()
                        .and_then(|c| m.emoji.get(&c))
                        .copied()
                        .unwrap_or(0.0),
                    0,
                ),
                TokKind::Emoticon => (m.emoticons.get(text).copied().unwrap_or(0.0), 0),
                TokKind::Question => {
                    question = true;
                    (0.0, 0)
                }
                _ => (0.0, 0),
            };
            if t.sentence_start && flags & QUESTION_WORD != 0 {
                question = true;
            }
            s.vals.push(TokVal {
                kind: t.kind,
                valence,
                flags,
                fixed: false,
            });
        }

        // One automaton pass for stems, compounds and phrases.
        let mut topic_hits: Vec<(usize, usize, Topic)> = Vec::new();
        let mut topic_vetoes: Vec<(usize, usize, Topic)> = Vec::new();
        let mut stake = [0.0f32; 8];
        let mut complaint = false;
        let lower = a.lower.as_str();
        for mat in m.cues.find_overlapping_iter(lower) {
            let (start, end) = (mat.start(), mat.end());
            let tok = token_at(a, start);
            // Cues inside links and handles (`klima.no/…`, `@klimabutikken`) are not text.
            if tok.is_some_and(|i| matches!(a.toks[i].kind, TokKind::Url | TokKind::Mention)) {
                continue;
            }
            let at_word_start = !char_before(lower, start).is_some_and(char::is_alphanumeric);
            let at_word_end = !char_after(lower, end).is_some_and(char::is_alphanumeric);
            let Some(effects) = m.cue_effects.get(mat.pattern().as_usize()) else {
                continue;
            };
            for cue in effects {
                let fits = match cue.mode {
                    Mode::Word => at_word_start && at_word_end,
                    Mode::Prefix => at_word_start,
                    Mode::Infix => true,
                };
                if !fits {
                    continue;
                }
                match cue.effect {
                    Effect::Topic(t) => topic_hits.push((start, end, t)),
                    Effect::NotTopic(t) => topic_vetoes.push((start, end, t)),
                    Effect::Valence(v) => {
                        apply_cue_valence(&mut s.vals, a, tok, start, end, v);
                    }
                    Effect::Stakeholder(who, w) => stake[who as usize] += w,
                    Effect::Complaint => complaint = true,
                    Effect::QuestionStart => {
                        // At a sentence start, or after a vocative (`Nordlys, kan dere ...`).
                        let opens = tok.is_some_and(|i| {
                            a.toks[i].sentence_start
                                || (i > 0 && a.toks[i - 1].kind == TokKind::Comma && i <= 4)
                        });
                        if opens {
                            question = true;
                        }
                    }
                }
            }
        }
        let mut topics = TopicSet::new();
        for (start, end, t) in topic_hits {
            let vetoed = topic_vetoes
                .iter()
                .any(|(vs, ve, vt)| *vt == t && *vs < end && start < *ve);
            if !vetoed {
                topics.insert(t);
            }
        }

        let lang = lang.decide(&a.cues, declared(item.declared_lang.as_deref()));
        let sentiment = sentiment::score(&s.vals);
        let press = item.source.kind.is_press() || item.kind == ItemKind::Article;

        let stakeholder =
            if press {
                Some(Stakeholder::Press)
            } else {
                let (best, score) = stake.iter().enumerate().fold((0, 0.0f32), |acc, (i, v)| {
                    if *v > acc.1 { (i, *v) } else { acc }
                });
                if score >= 1.0 {
                    Stakeholder::ALL.get(best).copied()
                } else if topics.iter().any(|t| t != Topic::Product) && words >= 4 {
                    // An opinion on a CSR topic from someone with no closer tie: the public.
                    Some(Stakeholder::Society)
                } else {
                    None
                }
            };

        let brands = self.matching_brands(item, lang, &mut s.joined);
        let addressed = !brands.is_empty() || self.mentions_brand_account(a);
        let retweet = lower.starts_with("rt @") || lower.starts_with("rt:");
        let inquiry = addressed && !press && !retweet && words > 0 && (question || complaint);

        let e = &mut item.enrichment;
        e.lang = lang;
        e.sentiment = sentiment;
        e.topics = topics;
        e.stakeholder = stakeholder;
        e.brands = brands;
        e.inquiry = inquiry;
        e.model.clear();
        e.model.push_str(self.name());
    }

    /// Brands whose watch query matches, in the workspace's order.
    fn matching_brands(&self, item: &Item, lang: Lang, joined: &mut String) -> Vec<BrandId> {
        if self.brands.is_empty() {
            return Vec::new();
        }
        let text: &str = match item.title.as_deref().filter(|t| !t.is_empty()) {
            Some(title) => {
                joined.clear();
                joined.push_str(title);
                joined.push('\n');
                joined.push_str(&item.text);
                joined
            }
            None => &item.text,
        };
        let mt = MatchText::new(text, &item.author.handle, lang, item.source.kind);
        self.brands
            .iter()
            .filter(|b| b.query.matches(&mt))
            .map(|b| b.id.clone())
            .collect()
    }

    fn mentions_brand_account(&self, a: &Analysed) -> bool {
        a.toks
            .iter()
            .filter(|t| t.kind == TokKind::Mention)
            .any(|t| {
                let handle = a.tok_str(t);
                self.brands
                    .iter()
                    .any(|b| b.handles.iter().any(|h| h == handle))
            })
    }
}

impl Enricher for V0Enricher {
    fn name(&self) -> &'static str {
        "v0"
    }

    fn enrich(&self, items: &mut [Item]) {
        let mut scratch = Scratch::default();
        for item in items {
            self.enrich_one(item, &mut scratch);
        }
    }
}

/// Mentions a query asks for, outside `NOT`.
fn collect_handles(q: &Query, out: &mut Vec<String>) {
    match q {
        Query::And(all) | Query::Or(all) => all.iter().for_each(|q| collect_handles(q, out)),
        Query::Mention(h) => out.push(omdomme_core::text::fold(h)),
        Query::Not(_)
        | Query::Word { .. }
        | Query::Phrase(_)
        | Query::Hashtag(_)
        | Query::Field { .. } => {}
    }
}

/// `kjempefornøyd`, `superbra`, `drittdårlig`: an intensifying first part on a known word.
fn compound_valence(m: &Model, word: &str) -> f32 {
    const HEADS: [&str; 6] = ["kjempe", "super", "knall", "drit", "mega", "skikkelig"];
    for head in HEADS {
        if let Some(rest) = word.strip_prefix(head)
            && rest.len() >= 3
            && let Some(info) = m.words.get(rest)
            && info.valence != 0.0
        {
            return info.valence + info.valence.signum();
        }
    }
    0.0
}

/// A stem or phrase valence goes to the token where the match starts, unless that word
/// already has its own. A phrase replaces the valences of its words (`tusen takk` is not
/// `tusen` + `takk` + the phrase) and carries its own negation (`aldri mer`).
fn apply_cue_valence(
    vals: &mut [TokVal],
    a: &Analysed,
    tok: Option<usize>,
    start: usize,
    end: usize,
    v: f32,
) {
    let Some(first) = tok else { return };
    let is_phrase = a.toks.get(first).is_some_and(|t| (t.end as usize) < end);
    if is_phrase {
        for (i, t) in a.toks.iter().enumerate().skip(first) {
            if t.start as usize >= end {
                break;
            }
            if let Some(val) = vals.get_mut(i) {
                if i == first {
                    val.valence = v;
                    val.fixed = true;
                    val.flags = 0;
                } else {
                    val.valence = 0.0;
                    val.flags = 0;
                }
            }
        }
    } else if let Some(val) = vals.get_mut(first)
        && val.valence == 0.0
        && a.toks.get(first).is_some_and(|t| t.start as usize == start)
    {
        val.valence = v;
    }
}

/// The index of the token that contains byte `pos`, if any.
fn token_at(a: &Analysed, pos: usize) -> Option<usize> {
    let i = a
        .toks
        .partition_point(|t| t.start as usize <= pos)
        .checked_sub(1)?;
    let t = a.toks.get(i)?;
    (pos < t.end as usize).then_some(i)
}

fn char_before(s: &str, i: usize) -> Option<char> {
    s.get(..i)?.chars().next_back()
}

fn char_after(s: &str, i: usize) -> Option<char> {
    s.get(i..)?.chars().next()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use omdomme_core::{
        Author, Brand, BrandRole, Engagement, Enrichment, SentimentLabel, SourceKey, SourceKind,
        WorkspaceId,
    };

    use super::*;

    fn workspace(brands: &[(&str, &str)]) -> Workspace {
        Workspace {
            id: WorkspaceId("w".into()),
            name: "W".into(),
            synthetic: false,
            brands: brands
                .iter()
                .enumerate()
                .map(|(i, (id, q))| Brand {
                    id: BrandId((*id).into()),
                    name: (*id).into(),
                    role: if i == 0 {
                        BrandRole::Own
                    } else {
                        BrandRole::Competitor
                    },
                    query: (*q).into(),
                })
                .collect(),
        }
    }

    fn two_brands() -> V0Enricher {
        V0Enricher::new(&workspace(&[
            (
                "nordlys",
                r#""Nordlys Energi" OR @nordlysenergi OR #nordlys"#,
            ),
            ("fjordmat", "fjordmat OR @fjordmat"),
        ]))
        .unwrap()
    }

    fn post(text: &str) -> Item {
        Item {
            source: SourceKey::new(SourceKind::X, "x"),
            external_id: "1".into(),
            kind: ItemKind::Post,
            author: Author {
                handle: "ola".into(),
                ..Author::default()
            },
            title: None,
            text: text.into(),
            url: None,
            thread_id: None,
            parent_id: None,
            engagement: Engagement::default(),
            published_at: jiff::Timestamp::UNIX_EPOCH,
            collected_at: jiff::Timestamp::UNIX_EPOCH,
            declared_lang: None,
            enrichment: Enrichment::default(),
            synthetic: false,
        }
    }

    fn enrich_item(mut item: Item) -> Enrichment {
        two_brands().enrich(std::slice::from_mut(&mut item));
        item.enrichment
    }

    fn enrich(text: &str) -> Enrichment {
        enrich_item(post(text))
    }

    fn lang(text: &str) -> Lang {
        enrich(text).lang
    }

    fn label(text: &str) -> SentimentLabel {
        enrich(text).sentiment.label
    }

    fn topics(text: &str) -> Vec<Topic> {
        enrich(text).topics.iter().collect()
    }

    #[test]
    fn the_spec_example() {
        let e = enrich("Eg er ikkje nøgd med kundeservicen");
        assert_eq!(e.lang, Lang::Nn);
        assert_eq!(e.sentiment.label, SentimentLabel::Negative);
        assert!(e.topics.contains(Topic::Product));
        assert_eq!(e.stakeholder, Some(Stakeholder::Customer));
        assert_eq!(e.model, "v0");
    }

    #[test]
    fn languages_on_short_posts() {
        assert_eq!(lang("Jeg har ikke fått svar på hva som skjer"), Lang::Nb);
        assert_eq!(lang("Eg har ikkje fått svar på kva som skjer"), Lang::Nn);
        assert_eq!(lang("Korleis kan me gjere dette betre?"), Lang::Nn);
        assert_eq!(lang("Hvordan kan vi gjøre dette bedre?"), Lang::Nb);
        assert_eq!(
            lang("Jeg ved ikke hvad jeg skal gøre med mig selv"),
            Lang::Da
        );
        assert_eq!(
            lang("Jag vet inte vad jag ska göra, det är för mycket"),
            Lang::Sv
        );
        assert_eq!(
            lang("I have not received my order and nobody answers"),
            Lang::En
        );
        assert_eq!(
            lang("Det var veldig mye folk der i dag, også mange barn"),
            Lang::Nb
        );
        assert_eq!(
            lang("Det var mykje folk der i dag, òg mange born"),
            Lang::Nn
        );
    }

    #[test]
    fn declared_language_is_a_prior() {
        let mut item = post("Takk!");
        item.declared_lang = Some("nn".into());
        assert_eq!(enrich_item(item).lang, Lang::Nn);
        let mut item = post("👍");
        item.declared_lang = Some("en-US".into());
        assert_eq!(enrich_item(item).lang, Lang::En);
        // Strong evidence beats a wrong declaration.
        let mut item = post("Eg veit ikkje kva eg skal seie om dette, det er berre dumt");
        item.declared_lang = Some("no".into());
        assert_eq!(enrich_item(item).lang, Lang::Nn);
        assert_eq!(lang("👍"), Lang::Other);
        assert_eq!(lang("Привет, как дела? Всё хорошо"), Lang::Other);
    }

    #[test]
    fn sentiment_basics() {
        assert_eq!(
            label("Fantastisk service, tusen takk!"),
            SentimentLabel::Positive
        );
        assert_eq!(
            label("Heilt fantastisk, eg er så nøgd"),
            SentimentLabel::Positive
        );
        assert_eq!(
            label("Elendig kundeservice, aldri mer"),
            SentimentLabel::Negative
        );
        assert_eq!(
            label("This is a terrible experience"),
            SentimentLabel::Negative
        );
        assert_eq!(label("I love this, great job"), SentimentLabel::Positive);
        assert_eq!(
            label("Butikken åpner klokka ni i morgen"),
            SentimentLabel::Neutral
        );
        assert_eq!(label("Møtet er på tirsdag"), SentimentLabel::Neutral);
    }

    #[test]
    fn negation_flips() {
        assert_eq!(label("Det var bra"), SentimentLabel::Positive);
        assert_eq!(label("Det var ikke bra"), SentimentLabel::Negative);
        assert_eq!(label("Det var ikkje bra"), SentimentLabel::Negative);
        assert_eq!(label("It was not good"), SentimentLabel::Negative);
        assert_eq!(label("It wasn't good"), SentimentLabel::Negative);
        assert_eq!(
            label("Ikke dårlig i det hele tatt"),
            SentimentLabel::Positive
        );
        // The scope ends at a clause boundary.
        assert_eq!(
            label("Ikke akkurat billig. Men veldig bra!"),
            SentimentLabel::Positive
        );
    }

    #[test]
    fn intensifiers_emoji_and_exclamation_strengthen() {
        let plain = enrich("Det var bra").sentiment.score;
        let strong = enrich("Det var veldig bra!!").sentiment.score;
        assert!(strong > plain, "{strong} > {plain}");
        assert!(enrich("kjempefornøyd").sentiment.score > enrich("fornøyd").sentiment.score);
        assert_eq!(label("😡😡"), SentimentLabel::Negative);
        assert_eq!(label("Levert i dag 😍"), SentimentLabel::Positive);
        assert_eq!(label("hmm :("), SentimentLabel::Negative);
        let s = enrich("elendig elendig elendig forferdelig skandale!!!!!")
            .sentiment
            .score;
        assert!((-1.0..=1.0).contains(&s));
    }

    #[test]
    fn csr_topics_with_compounds_and_inflections() {
        assert_eq!(topics("Klimautslippene øker igjen"), vec![Topic::Climate]);
        assert_eq!(
            topics("Hva gjør dere med leverandørkjeden?"),
            vec![Topic::Labour]
        );
        assert_eq!(
            topics("Leverandørene bruker tvangsarbeid"),
            vec![Topic::Labour]
        );
        assert_eq!(
            topics("Bra med mer mangfold og inkludering"),
            vec![Topic::Diversity]
        );
        assert_eq!(
            topics("De søker trainee til høsten, karrieremuligheter!"),
            vec![Topic::Employer]
        );
        assert_eq!(
            topics("Korrupsjon og hvitvasking i styret"),
            vec![Topic::Governance]
        );
        assert_eq!(
            topics("Takk for sponsoravtalen med idrettslaget"),
            vec![Topic::Community]
        );
        assert_eq!(
            topics("Refusjonen er ikke kommet, og appen krasjer"),
            vec![Topic::Product]
        );
        assert_eq!(
            topics("Their supply chain relies on forced labour"),
            vec![Topic::Labour]
        );
        assert_eq!(topics("Great renewable energy push"), vec![Topic::Climate]);
        assert_eq!(topics("Delivery was late again"), vec![Topic::Product]);
        let both = topics("Grønnvasking i leverandørkjeda");
        assert_eq!(both, vec![Topic::Climate, Topic::Labour]);
    }

    #[test]
    fn topics_avoid_false_hits() {
        assert!(topics("For et klimaks i siste omgang").is_empty());
        assert!(topics("Det er lønnsomt å spare").is_empty());
        assert!(
            topics("Naturmangfoldet i fjellet")
                .iter()
                .all(|t| *t != Topic::Diversity)
        );
        assert!(topics("Les mer på https://klima.example/utslipp").is_empty());
        assert!(topics("Hei @klimabutikken").is_empty());
    }

    #[test]
    fn stakeholders() {
        let s = |t: &str| enrich(t).stakeholder;
        assert_eq!(
            s("Jeg er kunde hos dere og pakken min er borte"),
            Some(Stakeholder::Customer)
        );
        assert_eq!(s("Where is my order?"), Some(Stakeholder::Customer));
        assert_eq!(
            s("Vurderer å bytte til Nordlys Energi"),
            Some(Stakeholder::ProspectiveCustomer)
        );
        assert_eq!(
            s("Jeg jobber i Fjordmat og kollegene mine er topp"),
            Some(Stakeholder::Employee)
        );
        assert_eq!(
            s("Søkte jobb der i fjor, aldri svar på søknaden"),
            Some(Stakeholder::ProspectiveEmployee)
        );
        assert_eq!(
            s("Som leverandør til dem har vi lang erfaring"),
            Some(Stakeholder::Partner)
        );
        assert_eq!(
            s("Kursmål hevet etter kvartalsrapporten, aksjen stiger"),
            Some(Stakeholder::Investor)
        );
        assert_eq!(
            s("Selskapet må ta klimaansvar og kutte utslippene nå"),
            Some(Stakeholder::Society)
        );
        assert_eq!(s("God morgen"), None);
        let mut article = post("Nordlys Energi kutter utslipp");
        article.source = SourceKey::new(SourceKind::Rss, "nrk.no");
        article.kind = ItemKind::Article;
        assert_eq!(enrich_item(article).stakeholder, Some(Stakeholder::Press));
    }

    #[test]
    fn brands_in_workspace_order() {
        assert_eq!(
            enrich("Nordlys Energi er best").brands,
            vec![BrandId("nordlys".into())]
        );
        assert_eq!(
            enrich("Fjordmat og Nordlys Energi samarbeider").brands,
            vec![BrandId("nordlys".into()), BrandId("fjordmat".into())]
        );
        assert_eq!(
            enrich("@fjordmat takk for maten").brands,
            vec![BrandId("fjordmat".into())]
        );
        assert!(enrich("Nordlyset var fint i natt").brands.is_empty());
        let mut titled = post("Mer i saken");
        titled.title = Some("Fjordmat kutter priser".into());
        assert_eq!(enrich_item(titled).brands, vec![BrandId("fjordmat".into())]);
    }

    #[test]
    fn a_bad_query_names_the_brand_and_column() {
        let err = V0Enricher::new(&workspace(&[("ok", "ok"), ("bad", "(klima OR")])).unwrap_err();
        match err {
            EnrichError::BadQuery { brand, column, .. } => {
                assert_eq!(brand, BrandId("bad".into()));
                assert!(column >= 1);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn inquiries() {
        let yes = |t: &str| assert!(enrich(t).inquiry, "should be an inquiry: {t}");
        let no = |t: &str| assert!(!enrich(t).inquiry, "should not be an inquiry: {t}");
        yes("@nordlysenergi hvorfor er regningen så høy?");
        yes("Nordlys Energi, kan dere svare på e-posten min");
        yes("Korleis seier eg opp avtalen med Nordlys Energi");
        yes("Venter fortsatt på refusjon fra Fjordmat");
        yes("@fjordmat the app is not working");
        yes("When will Fjordmat deliver my order");
        no("Nordlys Energi er best");
        no("Hvorfor er strømmen så dyr?");
        no("RT @nordlysenergi: kan dere hjelpe oss?");
        no("@nordlysenergi https://example.com/x");
        let mut article = post("Hvorfor kutter Nordlys Energi ikke utslipp?");
        article.source = SourceKey::new(SourceKind::Rss, "nrk.no");
        article.kind = ItemKind::Article;
        assert!(!enrich_item(article).inquiry);
    }

    #[test]
    fn bad_input_does_not_panic() {
        for text in [
            "",
            " ",
            "😀😀😀",
            "https://a.example/x https://b.example/y",
            "\u{0}\u{1}\u{7}\u{1b}[31m",
            "שלום עולם, מה שלומך?",
            "مرحبا بالعالم",
            "Mixed русский og norsk tekst med 中文",
            "\u{202e}kunde\u{202c} ?!?!",
            "#",
            "@",
            "a\u{301}\u{301}\u{301}",
            "::::::((((((",
        ] {
            let e = enrich(text);
            assert_eq!(e.model, "v0");
            assert!((-1.0..=1.0).contains(&e.sentiment.score), "{text:?}");
        }
        assert_eq!(enrich("").sentiment.label, SentimentLabel::Neutral);
        assert_eq!(enrich("").lang, Lang::Other);
        assert_eq!(enrich("שלום עולם, מה שלומך?").lang, Lang::Other);
        assert!(enrich("https://a.example/x").topics.is_empty());
        let big = "Nordlys Energi er bra. ".repeat(50_000);
        let e = enrich(&big);
        assert_eq!(e.lang, Lang::Nb);
        assert_eq!(e.sentiment.label, SentimentLabel::Positive);
    }

    #[test]
    fn enrichment_is_deterministic_across_batches() {
        let enricher = two_brands();
        let mut a = vec![post("Eg er ikkje nøgd"), post("Great!"), post("")];
        let mut b = a.clone();
        enricher.enrich(&mut a);
        for item in &mut b {
            enricher.enrich(std::slice::from_mut(item));
        }
        assert_eq!(a, b);
    }

    /// Run with `cargo test -p omdomme-nlp --release -- --ignored --nocapture speed`.
    #[test]
    #[ignore]
    fn speed() {
        let enricher = two_brands();
        let texts = [
            "Eg er ikkje nøgd med kundeservicen til @nordlysenergi, venta i tre veker på svar om refusjonen. Kvifor tek det så lang tid? #klima https://t.co/abc 😡",
            "Jeg er kunde hos Nordlys Energi og er veldig fornøyd med appen, men prisen har gått opp igjen. Hvorfor får ikke vi som har vært kunder lenge noe rabatt? :(",
            "Really impressed by how @fjordmat handles their supply chain reporting. Renewable energy and fair wages, that's how it should be done! 👍 https://example.com/x",
            "Nordlys Energi investerer i havvind og kutter utslipp med 40 prosent innen 2030, ifølge kvartalsrapporten. Aksjen steg 3 prosent på Oslo Børs i dag.",
        ];
        let mut items: Vec<Item> = (0..1000).map(|i| post(texts[i % texts.len()])).collect();
        enricher.enrich(&mut items);
        let rounds = 100;
        let start = std::time::Instant::now();
        for _ in 0..rounds {
            enricher.enrich(&mut items);
        }
        let per = start.elapsed().as_secs_f64() * 1e6 / (rounds * items.len()) as f64;
        let bytes = texts.iter().map(|t| t.len()).sum::<usize>() / texts.len();
        println!("{per:.2} µs per post of {bytes} bytes on average");
    }
}
