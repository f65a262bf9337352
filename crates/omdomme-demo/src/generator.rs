//! The streaming generator: walks the plan cell by cell (hour-major, so output is roughly
//! chronological), and fills each cell with conversation units (a root item and the replies,
//! comments and brand answers it draws) until the cell's count is reached.
//!
//! Memory is a handful of fields plus the unit being emitted, whatever the item count.
//! Parents are always emitted before their children, and a unit cut short by its cell's
//! budget loses its trailing children only, so every `parent_id` points at an emitted item.

use std::collections::VecDeque;

use jiff::Timestamp;
use omdomme_core::{Author, Engagement, Item, ItemKind, Lang, SourceKey, SourceKind};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::names::{self, INFLUENCERS, PEOPLE, push_u64};
use crate::plan::{Allocator, Plan};
use crate::scenario::{
    BLUESKY, BRANDS, CLIMATE_START_H, CLIMATE_URL, CRISIS_START_H, CRISIS_URL, DAGSNYTT, FACEBOOK,
    FJORDPOSTEN, MASTODON, OWN, PRESS_SOURCES, SOURCES, SUPPLIER, Stream, StreamKind, X,
};
use crate::text::{
    self, AGENTS, EMOJI_NEG, EMOJI_NEUTRAL, EMOJI_POS, LangBank, PLACES, PressTheme, Theme, Tone,
};

/// Social platform mixes: [Mastodon, Bluesky, X, Facebook].
const MIX_DEFAULT: [f64; 4] = [0.17, 0.22, 0.34, 0.27];
/// Customers ask where they expect an answer: the brand's Facebook page and X.
const MIX_INQUIRY: [f64; 4] = [0.10, 0.15, 0.35, 0.40];
const MIX_CRISIS: [f64; 4] = [0.15, 0.20, 0.40, 0.25];
const MIX_EMPLOYER: [f64; 4] = [0.15, 0.20, 0.30, 0.35];

/// Reply themes with cumulative probabilities.
const REPLIES_MIXED: [(Theme, f64); 2] = [(Theme::ReplyAgree, 0.6), (Theme::ReplyDisagree, 1.0)];
const REPLIES_FANS: [(Theme, f64); 2] = [(Theme::ReplyAgree, 0.85), (Theme::ReplyDisagree, 1.0)];
const REPLIES_CRISIS: [(Theme, f64); 3] = [
    (Theme::CrisisNeg, 0.45),
    (Theme::ReplyAgree, 0.8),
    (Theme::ReplyDisagree, 1.0),
];

pub(crate) struct Generator {
    plan: Plan,
    alloc: Allocator,
    rng: ChaCha8Rng,
    slot: usize,
    stream: Stream,
    /// Items the current cell still owes.
    left: u64,
    /// A brand's answer is emitted even when its question used up the cell (the Engagement
    /// & Openness index needs the answers at any item count); the items it borrowed are
    /// taken from the next cells, so the total stays exact.
    borrowing: bool,
    debt: u64,
    pending: VecDeque<Item>,
    /// Items not yet returned, for an exact size hint.
    remaining: u64,
    /// Counter behind the external ids, unique across all sources.
    seq: u64,
    /// The revelation and the climate story are published once, at their exact minute.
    crisis_told: bool,
    climate_told: bool,
    /// The brand the current unit is about (influencer posts pick their own).
    unit_brand: Option<usize>,
    /// Items per language, by `Lang as usize`, so tests can check the mix without enrichment.
    #[cfg(test)]
    pub langs: [u64; 6],
    /// External id and intended brand of every root item, so tests can hold the watch
    /// queries against the generator's intent.
    #[cfg(test)]
    pub roots: Vec<(String, Option<usize>)>,
}

/// What a new item needs besides its author and text.
struct Meta<'a> {
    src: usize,
    kind: ItemKind,
    at: i64,
    lang: Lang,
    thread: Option<&'a str>,
    parent: Option<&'a str>,
    boost: f64,
    url: Option<&'static str>,
}

/// What replies to an emitted item need to know about it.
struct Posted {
    id: String,
    thread: String,
    at: i64,
    handle: String,
}

impl Generator {
    pub fn new(seed: u64, items: u64, end: Timestamp) -> Generator {
        let stream = Stream {
            kind: StreamKind::Noise,
            brand: None,
        };
        Generator {
            plan: Plan::new(items, end),
            alloc: Allocator::default(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            slot: 0,
            stream,
            left: 0,
            borrowing: false,
            debt: 0,
            pending: VecDeque::with_capacity(32),
            remaining: items,
            seq: 0,
            crisis_told: false,
            climate_told: false,
            unit_brand: None,
            #[cfg(test)]
            langs: [0; 6],
            #[cfg(test)]
            roots: Vec::new(),
        }
    }

    // ------------------------------------------------------------ randomness

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random::<f64>() < p
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.rng.random_range(0..xs.len())]
    }

    /// Geometric count with the given mean (0 is the most likely).
    fn geometric(&mut self, mean: f64) -> u32 {
        let p = mean / (1.0 + mean);
        let mut k = 0;
        while k < 40 && self.chance(p) {
            k += 1;
        }
        k
    }

    /// Log-normal delay in seconds around a median in hours (normal approximated by four
    /// uniforms: cheap, and tails beyond 3.5 sigma do not matter here).
    fn delay(&mut self, median_hours: f64, sigma: f64) -> f64 {
        let sum: f64 = (0..4).map(|_| self.rng.random::<f64>()).sum();
        let z = (sum - 2.0) * 3f64.sqrt();
        median_hours * 3600.0 * (sigma * z).exp()
    }

    fn weighted(&mut self, cumulative: &[(Theme, f64)]) -> Theme {
        let r = self.rng.random::<f64>();
        cumulative
            .iter()
            .find(|(_, c)| r < *c)
            .or(cumulative.last())
            .map_or(Theme::ReplyAgree, |(t, _)| *t)
    }

    // ------------------------------------------------------------ time

    fn slot_time(&mut self) -> i64 {
        let t = self.plan.slot_start(self.slot) + self.rng.random_range(0..3600);
        t.clamp(self.plan.lo, self.plan.hi)
    }

    /// `secs` after `at`, or None when that is past the window's end.
    fn later(&self, at: i64, secs: f64) -> Option<i64> {
        let t = at + (secs as i64).max(1);
        (t <= self.plan.hi).then_some(t)
    }

    fn crisis_start(&self) -> i64 {
        self.plan.lo + CRISIS_START_H as i64 * 3600
    }

    // ------------------------------------------------------------ who and where

    fn social_src(&mut self, mix: [f64; 4]) -> usize {
        let mut r = self.rng.random::<f64>();
        for (i, src) in [MASTODON, BLUESKY, X, FACEBOOK].into_iter().enumerate() {
            if r < mix[i] {
                return src;
            }
            r -= mix[i];
        }
        X
    }

    fn press_src(&mut self) -> usize {
        let total: f64 = SOURCES[..PRESS_SOURCES].iter().map(|s| s.weight).sum();
        let mut r = self.rng.random::<f64>() * total;
        for (i, s) in SOURCES[..PRESS_SOURCES].iter().enumerate() {
            if r < s.weight {
                return i;
            }
            r -= s.weight;
        }
        FJORDPOSTEN
    }

    /// Language of a social post: ~60 % bokmål, ~10 % nynorsk, ~25 % English, a little
    /// Swedish and Danish.
    fn social_lang(&mut self) -> Lang {
        let r = self.rng.random::<f64>();
        if r < 0.60 {
            Lang::Nb
        } else if r < 0.705 {
            Lang::Nn
        } else if r < 0.95 {
            Lang::En
        } else if r < 0.98 {
            Lang::Sv
        } else {
            Lang::Da
        }
    }

    /// Brands broadcast mostly in bokmål.
    fn broadcast_lang(&mut self) -> Lang {
        let r = self.rng.random::<f64>();
        if r < 0.85 {
            Lang::Nb
        } else if r < 0.95 {
            Lang::En
        } else {
            Lang::Nn
        }
    }

    /// Brands answer in the asker's language, nynorsk half the time, Scandinavian in bokmål.
    fn answer_lang(&mut self, asked: Lang) -> Lang {
        match asked {
            Lang::Nn if self.chance(0.5) => Lang::Nn,
            Lang::En => Lang::En,
            _ => Lang::Nb,
        }
    }

    /// An ordinary author; low indices post far more often, so the tail has regulars.
    fn someone(&mut self, src: usize) -> Author {
        let u = self.rng.random::<f64>();
        let idx = (f64::from(PEOPLE) * u * u.sqrt()) as u32;
        names::person(idx.min(PEOPLE - 1), src)
    }

    /// The author of a social root: sometimes an influencer (who brings their own platform
    /// and language), otherwise an ordinary person.
    fn poster(&mut self, src: usize, lang: Lang, influencer_share: f64) -> (Author, usize, Lang) {
        if self.chance(influencer_share) {
            let i = self.pick_influencer();
            names::influencer(i)
        } else {
            (self.someone(src), src, lang)
        }
    }

    fn pick_influencer(&mut self) -> usize {
        let u = self.rng.random::<f64>();
        ((INFLUENCERS as f64 * u * u) as usize).min(INFLUENCERS - 1)
    }

    fn brand_author(b: usize, src: usize) -> Author {
        let spec = &BRANDS[b];
        let scale = match src {
            FACEBOOK => 3.0,
            BLUESKY => 0.3,
            MASTODON => 0.1,
            _ => 1.0,
        };
        Author {
            handle: spec.handle.to_string(),
            name: Some(spec.name.to_string()),
            followers: Some((spec.followers as f64 * scale) as u64),
            verified: true,
        }
    }

    fn press_author(src: usize) -> Author {
        let s = &SOURCES[src];
        Author {
            handle: s.domain.trim_end_matches(".example").to_string(),
            name: Some(s.title.to_string()),
            followers: Some((s.weight * 40_000.0) as u64),
            verified: true,
        }
    }

    fn brand_by_volume(&mut self) -> usize {
        let total: f64 = BRANDS.iter().map(|b| b.volume).sum();
        let mut r = self.rng.random::<f64>() * total;
        for (i, b) in BRANDS.iter().enumerate() {
            if r < b.volume {
                return i;
            }
            r -= b.volume;
        }
        OWN
    }

    /// Answer rate and median hours, worse for the own brand while the crisis floods it.
    fn answer_odds(&self, b: usize, at: i64) -> (f64, f64) {
        let spec = &BRANDS[b];
        let since = (at - self.crisis_start()) as f64 / 3600.0;
        if b == OWN && (0.0..96.0).contains(&since) {
            (spec.answer_rate * 0.6, spec.answer_hours * 2.5)
        } else {
            (spec.answer_rate, spec.answer_hours)
        }
    }

    // ------------------------------------------------------------ text

    fn compose(
        &mut self,
        out: &mut String,
        lang: Lang,
        theme: Theme,
        brand: Option<usize>,
        decorate: bool,
    ) {
        let bank = text::bank(lang);
        let tone = theme.tone();
        let decorate = decorate && tone != Tone::Plain;
        if decorate {
            let open = self.pick(bank.open[tone as usize]);
            self.part(out, open, bank, theme, brand);
        }
        let body = self.pick(bank.bodies[theme as usize]);
        self.part(out, body, bank, theme, brand);
        if decorate {
            let close = self.pick(bank.close[tone as usize]);
            self.part(out, close, bank, theme, brand);
        }
    }

    fn part(
        &mut self,
        out: &mut String,
        tpl: &str,
        bank: &LangBank,
        theme: Theme,
        brand: Option<usize>,
    ) {
        if tpl.is_empty() {
            return;
        }
        if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        self.render(out, tpl, bank, theme, brand);
    }

    fn render(
        &mut self,
        out: &mut String,
        tpl: &str,
        bank: &LangBank,
        theme: Theme,
        brand: Option<usize>,
    ) {
        let spec = &BRANDS[brand.unwrap_or(OWN)];
        let mut rest = tpl;
        while let Some(i) = rest.find('{') {
            out.push_str(&rest[..i]);
            let slot = rest.as_bytes().get(i + 1).copied();
            // Talk about no brand must not name one (a closing hashtag would make noise
            // match a watch query): brand slots render empty there.
            if brand.is_none() && matches!(slot, Some(b'b' | b'B' | b'@' | b'#')) {
                rest = rest.get(i + 3..).unwrap_or("");
                continue;
            }
            match slot {
                Some(b'b') => {
                    let r = self.rng.random::<f64>();
                    if r < 0.6 {
                        out.push_str(spec.short);
                    } else if r < 0.72 {
                        out.push_str(spec.name);
                    } else if r < 0.88 {
                        out.push('@');
                        out.push_str(spec.handle);
                    } else {
                        out.push_str(spec.hashtag);
                    }
                }
                Some(b'B') => out.push_str(spec.short),
                Some(b'@') => {
                    out.push('@');
                    out.push_str(spec.handle);
                }
                Some(b'#') => out.push_str(spec.hashtag),
                Some(b'p') => out.push_str(self.pick(bank.products)),
                Some(b's') => out.push_str(self.pick(&PLACES)),
                Some(b'o') => push_u64(out, self.rng.random_range(5_000_000..10_000_000)),
                Some(b'n') => push_u64(out, self.rng.random_range(2..=40)),
                Some(b'e') => out.push_str(match theme.emoji_tone() {
                    Tone::Pos => self.pick(&EMOJI_POS),
                    Tone::Neg => self.pick(&EMOJI_NEG),
                    _ => self.pick(&EMOJI_NEUTRAL),
                }),
                Some(b'L') => out.push_str(SUPPLIER),
                Some(b'a') => out.push_str(self.pick(&AGENTS)),
                Some(b'd') => out.push_str(self.pick(bank.days)),
                Some(b'H') => {
                    let headline = bank.press[PressTheme::Revelation as usize].titles[0];
                    self.render(out, headline, bank, theme, Some(OWN));
                }
                Some(b'U') => out.push_str(CRISIS_URL),
                Some(b'C') => out.push_str(CLIMATE_URL),
                _ => out.push('{'),
            }
            rest = rest.get(i + 3..).unwrap_or("");
        }
        out.push_str(rest);
    }

    // ------------------------------------------------------------ items

    fn emit(
        &mut self,
        m: Meta<'_>,
        author: Author,
        title: Option<String>,
        text: String,
    ) -> Option<Posted> {
        if self.left > 0 {
            self.left -= 1;
        } else if self.borrowing {
            self.debt += 1;
        } else {
            return None;
        }
        self.seq += 1;
        #[cfg(test)]
        {
            self.langs[m.lang as usize] += 1;
        }
        let mut id = String::with_capacity(16);
        id.push_str("demo-");
        let mut pad = 100_000_000;
        while pad > self.seq.max(1) {
            id.push('0');
            pad /= 10;
        }
        push_u64(&mut id, self.seq);
        #[cfg(test)]
        if m.parent.is_none() {
            self.roots.push((id.clone(), self.unit_brand));
        }

        let s = &SOURCES[m.src];
        let url = match m.url {
            Some(u) => u.to_string(),
            None => Self::url(m.src, &author.handle, &id),
        };
        let collected = m.at
            + if s.kind == SourceKind::Rss {
                self.rng.random_range(60..1800)
            } else {
                self.rng.random_range(2..300)
            };
        let declared_lang = self.declared(m.src, m.lang).map(str::to_string);
        let engagement = self.engagement(m.src, author.followers, m.boost);
        let posted = Posted {
            id: id.clone(),
            thread: m.thread.map_or_else(|| id.clone(), str::to_string),
            at: m.at,
            handle: author.handle.clone(),
        };
        self.pending.push_back(Item {
            source: SourceKey::new(s.kind, s.name),
            external_id: id,
            kind: m.kind,
            author,
            title,
            text,
            url: Some(url),
            thread_id: m.thread.map(str::to_string),
            parent_id: m.parent.map(str::to_string),
            engagement,
            published_at: ts(m.at),
            collected_at: ts(collected),
            declared_lang,
            enrichment: Default::default(),
            synthetic: true,
        });
        Some(posted)
    }

    fn url(src: usize, handle: &str, id: &str) -> String {
        let s = &SOURCES[src];
        let mut u = String::with_capacity(80);
        u.push_str("https://");
        u.push_str(s.domain);
        match s.kind {
            SourceKind::Rss => u.push_str("/artikkel/"),
            SourceKind::Mastodon => {
                u.push_str("/@");
                u.push_str(handle);
                u.push('/');
            }
            SourceKind::Bluesky => {
                u.push_str("/profile/");
                u.push_str(handle);
                u.push_str("/post/");
            }
            SourceKind::X => {
                u.push('/');
                u.push_str(handle);
                u.push_str("/status/");
            }
            _ => {
                u.push('/');
                u.push_str(handle);
                u.push_str("/posts/");
            }
        }
        u.push_str(id);
        u
    }

    /// The language hint a platform would attach: feeds declare theirs, X guesses (and
    /// calls all Norwegian "no"), Bluesky and Mastodon carry the user's setting, which is
    /// sometimes missing and sometimes a wrong default; Facebook says nothing.
    fn declared(&mut self, src: usize, lang: Lang) -> Option<&'static str> {
        let code = |l: Lang| match l {
            Lang::Nb => "nb",
            Lang::Nn => "nn",
            Lang::En => "en",
            Lang::Sv => "sv",
            Lang::Da => "da",
            Lang::Other => "und",
        };
        let r = self.rng.random::<f64>();
        match SOURCES[src].kind {
            SourceKind::Rss => Some(code(SOURCES[src].lang)),
            SourceKind::X if r < 0.9 => Some(if lang.is_norwegian() {
                "no"
            } else {
                code(lang)
            }),
            SourceKind::Bluesky if r < 0.6 => Some(if lang == Lang::Nb && r < 0.3 {
                "no"
            } else {
                code(lang)
            }),
            SourceKind::Mastodon if r < 0.06 => Some("en"),
            SourceKind::Mastodon if r < 0.7 => Some(code(lang)),
            _ => None,
        }
    }

    /// Heavy-tailed counts: most posts get little, a few get a lot; followers and the
    /// moment (crisis, influencer) raise the scale.
    fn engagement(&mut self, src: usize, followers: Option<u64>, boost: f64) -> Engagement {
        let base = match src {
            X => 3.0,
            FACEBOOK => 4.0,
            BLUESKY => 2.0,
            MASTODON => 1.5,
            _ => return Engagement::default(),
        };
        let followers = followers.unwrap_or(100);
        let reach = (followers as f64 / 500.0).sqrt().clamp(0.3, 40.0);
        let u = self.rng.random::<f64>();
        let tail = (1.0 - u).max(1e-6).powf(-1.0 / 1.3) - 1.0;
        let likes = (base * reach * boost * tail) as u64;
        let shares = (likes as f64 * 0.3 * self.rng.random::<f64>()) as u64;
        let replies = (likes as f64 * 0.15 * self.rng.random::<f64>()) as u64;
        let views = (src == X).then(|| likes * 35 + followers / 5);
        Engagement {
            likes,
            shares,
            replies,
            views,
        }
    }

    /// A root post at `at`.
    #[allow(clippy::too_many_arguments)]
    fn root(
        &mut self,
        src: usize,
        lang: Lang,
        theme: Theme,
        brand: Option<usize>,
        author: Author,
        at: i64,
        kind: ItemKind,
        boost: f64,
    ) -> Option<Posted> {
        let mut text = String::with_capacity(192);
        let decorate = author.handle != brand.map_or("", |b| BRANDS[b].handle);
        self.compose(&mut text, lang, theme, brand, decorate);
        let meta = Meta {
            src,
            kind,
            at,
            lang,
            thread: None,
            parent: None,
            boost,
            url: None,
        };
        self.emit(meta, author, None, text)
    }

    /// A reply (or, on Facebook, a comment) to `to`, `delay` seconds later.
    #[allow(clippy::too_many_arguments)]
    fn child(
        &mut self,
        to: &Posted,
        src: usize,
        lang: Lang,
        theme: Theme,
        brand: Option<usize>,
        author: Author,
        delay: f64,
        boost: f64,
    ) -> Option<Posted> {
        if self.left == 0 && !self.borrowing {
            return None;
        }
        let at = self.later(to.at, delay)?;
        let mut text = String::with_capacity(192);
        // Threads on X, Bluesky and Mastodon start with the account answered; Facebook
        // comments do not, and nobody mentions themselves.
        if src != FACEBOOK && to.handle != author.handle {
            text.push('@');
            text.push_str(&to.handle);
        }
        self.compose(&mut text, lang, theme, brand, true);
        let kind = if src == FACEBOOK && to.id == to.thread {
            ItemKind::Comment
        } else {
            ItemKind::Reply
        };
        let meta = Meta {
            src,
            kind,
            at,
            lang,
            thread: Some(&to.thread),
            parent: Some(&to.id),
            boost,
            url: None,
        };
        self.emit(meta, author, None, text)
    }

    /// Ordinary people chiming in under a post, sometimes answering each other.
    fn chatter(
        &mut self,
        root: &Posted,
        src: usize,
        lang: Lang,
        brand: Option<usize>,
        mean: f64,
        themes: &[(Theme, f64)],
    ) {
        let n = self.geometric(mean);
        let mut last: Option<Posted> = None;
        for _ in 0..n {
            let to = match &last {
                Some(p) if self.rng.random::<f64>() < 0.3 => p,
                _ => root,
            };
            let theme = self.weighted(themes);
            let lang = if self.chance(0.85) {
                lang
            } else {
                self.social_lang()
            };
            let author = self.someone(src);
            let delay = self.delay(0.7, 1.0);
            match self.child(to, src, lang, theme, brand, author, delay, 1.0) {
                Some(p) => last = Some(p),
                None => break,
            }
        }
    }

    /// The brand answers a question (or does not), and the asker reacts.
    #[allow(clippy::too_many_arguments)]
    fn answer_flow(
        &mut self,
        b: usize,
        q: &Posted,
        src: usize,
        lang: Lang,
        asker: Author,
        theme: Theme,
        not_before: i64,
    ) {
        let (rate, median) = self.answer_odds(b, q.at);
        if self.chance(rate) {
            let mut delay = self.delay(median, 0.9);
            if q.at as f64 + delay < not_before as f64 {
                delay = (not_before - q.at) as f64 + self.rng.random_range(0.0..3600.0);
            }
            let lang_a = self.answer_lang(lang);
            let brand = Self::brand_author(b, src);
            self.borrowing = true;
            let answer = self.child(q, src, lang_a, theme, Some(b), brand, delay, 1.0);
            self.borrowing = false;
            let Some(answer) = answer else {
                return;
            };
            if self.chance(0.45) {
                let delay = self.delay(0.3, 0.8);
                self.child(
                    &answer,
                    src,
                    lang,
                    Theme::Thanks,
                    Some(b),
                    asker,
                    delay,
                    0.5,
                );
            }
        } else if self.chance(0.22) {
            let delay = self.delay(30.0, 0.4);
            self.child(q, src, lang, Theme::Waiting, Some(b), asker, delay, 0.5);
        }
    }

    fn article(
        &mut self,
        src: usize,
        theme: PressTheme,
        b: usize,
        at: i64,
        url: Option<&'static str>,
    ) {
        let lang = SOURCES[src].lang;
        let bank = text::bank(lang);
        let press = &bank.press[theme as usize];
        let mut title = String::with_capacity(96);
        let t = if theme == PressTheme::Revelation {
            press.titles[0]
        } else {
            self.pick(press.titles)
        };
        self.render(&mut title, t, bank, Theme::CrisisRecovery, Some(b));
        let mut text = String::with_capacity(320);
        let first = self.rng.random_range(0..press.leads.len());
        let first = if theme == PressTheme::Revelation {
            0
        } else {
            first
        };
        self.render(
            &mut text,
            press.leads[first],
            bank,
            Theme::CrisisRecovery,
            Some(b),
        );
        if press.leads.len() > 1 {
            let second =
                (first + 1 + self.rng.random_range(0..press.leads.len() - 1)) % press.leads.len();
            text.push(' ');
            self.render(
                &mut text,
                press.leads[second],
                bank,
                Theme::CrisisRecovery,
                Some(b),
            );
        }
        let meta = Meta {
            src,
            kind: ItemKind::Article,
            at,
            lang,
            thread: None,
            parent: None,
            boost: 1.0,
            url,
        };
        self.emit(meta, Self::press_author(src), Some(title), text);
    }

    // ------------------------------------------------------------ units per stream

    fn unit(&mut self) {
        self.unit_brand = self.stream.brand;
        let b = self.stream.brand.unwrap_or(OWN);
        match self.stream.kind {
            StreamKind::Product => self.product(b),
            StreamKind::Inquiry => self.inquiry(b),
            StreamKind::Employer => self.employer(b),
            StreamKind::Csr => self.csr(b),
            StreamKind::Press => {
                let src = self.press_src();
                let theme = if self.chance(0.75) {
                    PressTheme::Business
                } else {
                    PressTheme::Employer
                };
                let at = self.slot_time();
                self.article(src, theme, b, at, None);
            }
            StreamKind::Climate => self.climate(b),
            StreamKind::CrisisSocial => self.crisis_social(),
            StreamKind::CrisisPress => self.crisis_press(),
            StreamKind::Influencer => self.influencer(),
            StreamKind::Noise => {
                let src = self.social_src(MIX_DEFAULT);
                let lang = self.social_lang();
                let author = self.someone(src);
                let at = self.slot_time();
                if let Some(root) = self.root(
                    src,
                    lang,
                    Theme::Noise,
                    None,
                    author,
                    at,
                    ItemKind::Post,
                    1.0,
                ) {
                    self.chatter(&root, src, lang, None, 0.4, &REPLIES_MIXED);
                }
            }
        }
    }

    /// A brand's Facebook page post and the comments under it: praise, complaints and
    /// questions, some of them answered by the page.
    fn page_thread(&mut self, b: usize, inquiry_share: f64) {
        let lang = self.broadcast_lang();
        let at = self.slot_time();
        let page = Self::brand_author(b, FACEBOOK);
        let Some(root) = self.root(
            FACEBOOK,
            lang,
            Theme::PagePost,
            Some(b),
            page,
            at,
            ItemKind::Post,
            1.0,
        ) else {
            return;
        };
        let comments = 1 + self.geometric(2.0);
        for _ in 0..comments {
            let lang = self.social_lang();
            let asker = self.someone(FACEBOOK);
            let r = self.rng.random::<f64>();
            let theme = if r < inquiry_share {
                Theme::Inquiry
            } else if r < inquiry_share + (1.0 - inquiry_share) / 2.0 {
                Theme::ProductPos
            } else {
                Theme::ProductNeg
            };
            let delay = self.delay(1.5, 1.0);
            let Some(c) = self.child(
                &root,
                FACEBOOK,
                lang,
                theme,
                Some(b),
                asker.clone(),
                delay,
                1.0,
            ) else {
                break;
            };
            if theme == Theme::Inquiry {
                self.answer_flow(b, &c, FACEBOOK, lang, asker, Theme::BrandAnswer, 0);
            }
        }
    }

    fn product(&mut self, b: usize) {
        let src = self.social_src(MIX_DEFAULT);
        if src == FACEBOOK && self.chance(0.35) {
            return self.page_thread(b, 0.3);
        }
        let lang = self.social_lang();
        let theme = if self.chance(0.52) {
            Theme::ProductPos
        } else {
            Theme::ProductNeg
        };
        let (author, src, lang) = self.poster(src, lang, 0.03);
        let at = self.slot_time();
        // Facebook page reviews ("anbefalinger") are a kind of their own.
        if src == FACEBOOK && self.chance(0.15) {
            self.root(src, lang, theme, Some(b), author, at, ItemKind::Review, 1.0);
            return;
        }
        if let Some(root) = self.root(src, lang, theme, Some(b), author, at, ItemKind::Post, 1.0) {
            self.chatter(&root, src, lang, Some(b), 0.8, &REPLIES_MIXED);
        }
    }

    fn inquiry(&mut self, b: usize) {
        let src = self.social_src(MIX_INQUIRY);
        if src == FACEBOOK && self.chance(0.5) {
            return self.page_thread(b, 0.7);
        }
        let lang = self.social_lang();
        let asker = self.someone(src);
        let at = self.slot_time();
        if let Some(q) = self.root(
            src,
            lang,
            Theme::Inquiry,
            Some(b),
            asker.clone(),
            at,
            ItemKind::Post,
            1.0,
        ) {
            self.answer_flow(b, &q, src, lang, asker, Theme::BrandAnswer, 0);
        }
    }

    fn employer(&mut self, b: usize) {
        let src = self.social_src(MIX_EMPLOYER);
        let at = self.slot_time();
        let r = self.rng.random::<f64>();
        if r < 0.2 {
            // A job ad; prospective employees ask under it.
            let lang = self.broadcast_lang();
            let brand = Self::brand_author(b, src);
            let Some(ad) = self.root(
                src,
                lang,
                Theme::JobAd,
                Some(b),
                brand,
                at,
                ItemKind::Post,
                1.5,
            ) else {
                return;
            };
            for _ in 0..self.geometric(0.8) {
                let lang = self.social_lang();
                let asker = self.someone(src);
                let delay = self.delay(3.0, 1.0);
                let Some(q) = self.child(
                    &ad,
                    src,
                    lang,
                    Theme::EmployerQuestion,
                    Some(b),
                    asker.clone(),
                    delay,
                    1.0,
                ) else {
                    break;
                };
                self.answer_flow(b, &q, src, lang, asker, Theme::EmployerAnswer, 0);
            }
            return;
        }
        let lang = self.social_lang();
        let author = self.someone(src);
        if r < 0.5 {
            if let Some(p) = self.root(
                src,
                lang,
                Theme::EmployerPos,
                Some(b),
                author,
                at,
                ItemKind::Post,
                1.0,
            ) {
                self.chatter(&p, src, lang, Some(b), 0.6, &REPLIES_FANS);
            }
        } else if r < 0.68 {
            // Glassdoor-like complaints: half of those on Facebook are page reviews.
            let kind = if src == FACEBOOK && self.chance(0.5) {
                ItemKind::Review
            } else {
                ItemKind::Post
            };
            if let Some(p) = self.root(
                src,
                lang,
                Theme::EmployerNeg,
                Some(b),
                author,
                at,
                kind,
                1.0,
            ) && kind == ItemKind::Post
            {
                self.chatter(&p, src, lang, Some(b), 0.6, &REPLIES_MIXED);
            }
        } else if let Some(q) = self.root(
            src,
            lang,
            Theme::EmployerQuestion,
            Some(b),
            author.clone(),
            at,
            ItemKind::Post,
            1.0,
        ) {
            self.answer_flow(b, &q, src, lang, author, Theme::EmployerAnswer, 0);
        }
    }

    fn csr(&mut self, b: usize) {
        let src = self.social_src(MIX_DEFAULT);
        let at = self.slot_time();
        let r = self.rng.random::<f64>();
        let (author, lang, theme) = if r < 0.1 {
            let lang = self.broadcast_lang();
            (Self::brand_author(b, src), lang, Theme::CsrPos)
        } else {
            let lang = self.social_lang();
            let theme = if r < 0.65 {
                Theme::CsrPos
            } else {
                Theme::CsrNeg
            };
            (self.someone(src), lang, theme)
        };
        if let Some(p) = self.root(src, lang, theme, Some(b), author, at, ItemKind::Post, 1.0) {
            self.chatter(&p, src, lang, Some(b), 0.6, &REPLIES_MIXED);
        }
    }

    fn climate(&mut self, b: usize) {
        let start = self.plan.lo + CLIMATE_START_H as i64 * 3600;
        if b == OWN && !self.climate_told && self.slot >= CLIMATE_START_H {
            self.climate_told = true;
            return self.article(DAGSNYTT, PressTheme::Climate, b, start, Some(CLIMATE_URL));
        }
        let at = self.slot_time();
        if self.chance(0.03) {
            let src = self.press_src();
            return self.article(src, PressTheme::Climate, b, at, None);
        }
        let event = b == OWN && at >= start;
        let theme = if self.chance(if event { 0.88 } else { 0.75 }) {
            Theme::ClimatePos
        } else {
            Theme::ClimateNeg
        };
        let src = self.social_src(MIX_DEFAULT);
        let lang = self.social_lang();
        let (author, src, lang) = self.poster(src, lang, 0.05);
        let mut text = String::with_capacity(192);
        self.compose(&mut text, lang, theme, Some(b), true);
        // Shares of the climate story link to it.
        if event && theme == Theme::ClimatePos && self.chance(0.3) {
            text.push(' ');
            text.push_str(CLIMATE_URL);
        }
        let meta = Meta {
            src,
            kind: ItemKind::Post,
            at,
            lang,
            thread: None,
            parent: None,
            boost: if event { 1.5 } else { 1.0 },
            url: None,
        };
        if let Some(p) = self.emit(meta, author, None, text) {
            self.chatter(&p, src, lang, Some(b), 0.7, &REPLIES_FANS);
        }
    }

    fn crisis_social(&mut self) {
        let t0 = self.crisis_start();
        let at = self.slot_time().max(t0);
        let d = (at - t0) as f64 / 3600.0;
        let src = self.social_src(MIX_CRISIS);
        // A few statements from the company itself once it has found its feet.
        if d > 4.0 && self.chance(0.002) {
            let src = if self.chance(0.5) { X } else { FACEBOOK };
            let lang = self.broadcast_lang();
            let brand = Self::brand_author(OWN, src);
            if let Some(p) = self.root(
                src,
                lang,
                Theme::CrisisAnswer,
                Some(OWN),
                brand,
                at,
                ItemKind::Post,
                4.0,
            ) {
                self.chatter(&p, src, lang, Some(OWN), 3.0, &REPLIES_CRISIS);
            }
            return;
        }
        let lang = self.social_lang();
        let r = self.rng.random::<f64>();
        let negative = 0.4 + 0.45 * (-d / 72.0).exp();
        let theme = if r < 0.16 {
            Theme::CrisisQuestion
        } else if r < 0.30 {
            Theme::CrisisShare
        } else if r < 0.30 + 0.70 * negative {
            Theme::CrisisNeg
        } else {
            Theme::CrisisRecovery
        };
        let (author, src, lang) = self.poster(src, lang, 0.06);
        let boost = 2.0 + 4.0 * (-d / 24.0).exp();
        let Some(root) = self.root(
            src,
            lang,
            theme,
            Some(OWN),
            author.clone(),
            at,
            ItemKind::Post,
            boost,
        ) else {
            return;
        };
        if theme == Theme::CrisisQuestion {
            // Nobody speaks for the company in the first hours.
            self.answer_flow(
                OWN,
                &root,
                src,
                lang,
                author,
                Theme::CrisisAnswer,
                t0 + 5 * 3600,
            );
        } else {
            self.chatter(&root, src, lang, Some(OWN), 1.4, &REPLIES_CRISIS);
        }
    }

    fn crisis_press(&mut self) {
        let t0 = self.crisis_start();
        if !self.crisis_told {
            self.crisis_told = true;
            return self.article(
                FJORDPOSTEN,
                PressTheme::Revelation,
                OWN,
                t0,
                Some(CRISIS_URL),
            );
        }
        let at = self.slot_time().max(t0);
        let d = (at - t0) as f64 / 3600.0;
        let theme = if d < 48.0 || self.chance(0.2) {
            PressTheme::CrisisEarly
        } else {
            PressTheme::CrisisLate
        };
        let src = self.press_src();
        self.article(src, theme, OWN, at, None);
    }

    fn influencer(&mut self) {
        let (author, src, lang) = names::influencer(self.pick_influencer());
        let (theme, brand) = if self.chance(0.3) {
            (Theme::InfluencerBrand, Some(self.brand_by_volume()))
        } else {
            (Theme::InfluencerLife, None)
        };
        self.unit_brand = brand;
        let at = self.slot_time();
        if let Some(p) = self.root(src, lang, theme, brand, author, at, ItemKind::Post, 1.0) {
            self.chatter(&p, src, lang, brand, 2.5, &REPLIES_FANS);
        }
    }
}

fn ts(second: i64) -> Timestamp {
    // Only fails for windows ending near the year -9999 or 9999.
    Timestamp::from_second(second).unwrap_or(Timestamp::UNIX_EPOCH)
}

impl Iterator for Generator {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            // Answers borrowed from cells the plan no longer has are left out.
            if self.remaining == 0 {
                return None;
            }
            if let Some(item) = self.pending.pop_front() {
                self.remaining = self.remaining.saturating_sub(1);
                return Some(item);
            }
            if self.left > 0 {
                self.unit();
                continue;
            }
            let cell = self.alloc.next(&self.plan)?;
            self.slot = cell.slot;
            self.stream = cell.stream;
            let repaid = self.debt.min(cell.count);
            self.debt -= repaid;
            self.left = cell.count - repaid;
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::try_from(self.remaining).unwrap_or(usize::MAX);
        (n, Some(n))
    }
}
