//! The people of the scenario: ~20,000 ordinary authors derived on demand from their index
//! (nothing stored, so memory stays flat), and a fixed set of 50 influencers.
//!
//! Names are combinations of common Norwegian first names and surnames, so they read as
//! Norwegian; every combination is fictional by construction (random pairing, numbered
//! handles), and all data is labelled synthetic.

use omdomme_core::{Author, Lang};

use crate::scenario::{BLUESKY, FACEBOOK, MASTODON, X};

/// (Display, ascii for handles).
const FIRST: [(&str, &str); 72] = [
    ("Anne", "anne"),
    ("Inger", "inger"),
    ("Kari", "kari"),
    ("Marit", "marit"),
    ("Ingrid", "ingrid"),
    ("Liv", "liv"),
    ("Eva", "eva"),
    ("Berit", "berit"),
    ("Astrid", "astrid"),
    ("Bjørg", "bjorg"),
    ("Hilde", "hilde"),
    ("Solveig", "solveig"),
    ("Marianne", "marianne"),
    ("Randi", "randi"),
    ("Ida", "ida"),
    ("Nina", "nina"),
    ("Maria", "maria"),
    ("Kristin", "kristin"),
    ("Jan", "jan"),
    ("Per", "per"),
    ("Bjørn", "bjorn"),
    ("Ole", "ole"),
    ("Lars", "lars"),
    ("Kjell", "kjell"),
    ("Knut", "knut"),
    ("Arne", "arne"),
    ("Svein", "svein"),
    ("Thomas", "thomas"),
    ("Hans", "hans"),
    ("Geir", "geir"),
    ("Tor", "tor"),
    ("Morten", "morten"),
    ("Terje", "terje"),
    ("Odd", "odd"),
    ("Erik", "erik"),
    ("Martin", "martin"),
    ("Andreas", "andreas"),
    ("Emma", "emma"),
    ("Nora", "nora"),
    ("Sofie", "sofie"),
    ("Olivia", "olivia"),
    ("Ella", "ella"),
    ("Leah", "leah"),
    ("Noah", "noah"),
    ("Oskar", "oskar"),
    ("Lucas", "lucas"),
    ("Filip", "filip"),
    ("Jakob", "jakob"),
    ("Emil", "emil"),
    ("Aksel", "aksel"),
    ("Henrik", "henrik"),
    ("Sander", "sander"),
    ("Amir", "amir"),
    ("Fatima", "fatima"),
    ("Mohammed", "mohammed"),
    ("Aisha", "aisha"),
    ("Sindre", "sindre"),
    ("Silje", "silje"),
    ("Thea", "thea"),
    ("Jonas", "jonas"),
    ("Magnus", "magnus"),
    ("Elias", "elias"),
    ("Tobias", "tobias"),
    ("Sara", "sara"),
    ("Julie", "julie"),
    ("Hanna", "hanna"),
    ("Maja", "maja"),
    ("Vilde", "vilde"),
    ("Ingeborg", "ingeborg"),
    ("Sigrid", "sigrid"),
    ("Tiril", "tiril"),
    ("Øyvind", "oyvind"),
];

const LAST: [(&str, &str); 96] = [
    ("Hansen", "hansen"),
    ("Johansen", "johansen"),
    ("Olsen", "olsen"),
    ("Larsen", "larsen"),
    ("Andersen", "andersen"),
    ("Pedersen", "pedersen"),
    ("Nilsen", "nilsen"),
    ("Kristiansen", "kristiansen"),
    ("Jensen", "jensen"),
    ("Karlsen", "karlsen"),
    ("Johnsen", "johnsen"),
    ("Pettersen", "pettersen"),
    ("Eriksen", "eriksen"),
    ("Berg", "berg"),
    ("Haugen", "haugen"),
    ("Hagen", "hagen"),
    ("Johannessen", "johannessen"),
    ("Andreassen", "andreassen"),
    ("Jacobsen", "jacobsen"),
    ("Dahl", "dahl"),
    ("Jørgensen", "jorgensen"),
    ("Halvorsen", "halvorsen"),
    ("Henriksen", "henriksen"),
    ("Lund", "lund"),
    ("Sørensen", "sorensen"),
    ("Jakobsen", "jakobsen"),
    ("Moen", "moen"),
    ("Gundersen", "gundersen"),
    ("Iversen", "iversen"),
    ("Strand", "strand"),
    ("Solberg", "solberg"),
    ("Svendsen", "svendsen"),
    ("Eide", "eide"),
    ("Knutsen", "knutsen"),
    ("Martinsen", "martinsen"),
    ("Paulsen", "paulsen"),
    ("Bakken", "bakken"),
    ("Kristoffersen", "kristoffersen"),
    ("Mathisen", "mathisen"),
    ("Lie", "lie"),
    ("Amundsen", "amundsen"),
    ("Nguyen", "nguyen"),
    ("Rasmussen", "rasmussen"),
    ("Ali", "ali"),
    ("Lunde", "lunde"),
    ("Solheim", "solheim"),
    ("Berge", "berge"),
    ("Moe", "moe"),
    ("Nygård", "nygard"),
    ("Bakke", "bakke"),
    ("Kristensen", "kristensen"),
    ("Fredriksen", "fredriksen"),
    ("Holm", "holm"),
    ("Lien", "lien"),
    ("Hauge", "hauge"),
    ("Christensen", "christensen"),
    ("Andresen", "andresen"),
    ("Nielsen", "nielsen"),
    ("Knudsen", "knudsen"),
    ("Evensen", "evensen"),
    ("Sæther", "saether"),
    ("Aas", "aas"),
    ("Myhre", "myhre"),
    ("Hanssen", "hanssen"),
    ("Ahmed", "ahmed"),
    ("Haugland", "haugland"),
    ("Thomassen", "thomassen"),
    ("Sivertsen", "sivertsen"),
    ("Simonsen", "simonsen"),
    ("Danielsen", "danielsen"),
    ("Berntsen", "berntsen"),
    ("Sandvik", "sandvik"),
    ("Rønning", "ronning"),
    ("Arnesen", "arnesen"),
    ("Antonsen", "antonsen"),
    ("Næss", "naess"),
    ("Vik", "vik"),
    ("Haug", "haug"),
    ("Ellingsen", "ellingsen"),
    ("Thorsen", "thorsen"),
    ("Edvardsen", "edvardsen"),
    ("Birkeland", "birkeland"),
    ("Isaksen", "isaksen"),
    ("Gulbrandsen", "gulbrandsen"),
    ("Ruud", "ruud"),
    ("Aasen", "aasen"),
    ("Strøm", "strom"),
    ("Myklebust", "myklebust"),
    ("Tangen", "tangen"),
    ("Ødegård", "odegard"),
    ("Eliassen", "eliassen"),
    ("Helland", "helland"),
    ("Bøe", "boe"),
    ("Aune", "aune"),
    ("Mikkelsen", "mikkelsen"),
    ("Tveit", "tveit"),
];

/// Ordinary authors in the long tail.
pub(crate) const PEOPLE: u32 = 20_000;
/// Influencers: large followings, post regularly.
pub(crate) const INFLUENCERS: usize = 50;

/// What influencers are known for; part of their handle.
const NICHE: [&str; 10] = [
    "mat",
    "klima",
    "hverdag",
    "kokk",
    "familie",
    "tur",
    "okonomi",
    "baerekraft",
    "podden",
    "blogg",
];

pub(crate) fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Ordinary author number `idx` as seen on the platform of source `src`.
pub(crate) fn person(idx: u32, src: usize) -> Author {
    // A bijection within each block of FIRST x LAST, so neighbouring indices get unrelated
    // names and every index in a block gets a different pair.
    let pairs = (FIRST.len() * LAST.len()) as u64;
    let combo = (u64::from(idx) * 7919) % pairs;
    let generation = u64::from(idx) / pairs;
    let (first, first_a) = FIRST[(combo % FIRST.len() as u64) as usize];
    let (last, last_a) = LAST[(combo / FIRST.len() as u64) as usize];
    let h = splitmix(u64::from(idx) ^ 0x0005_eed0_fa11);

    let mut handle = String::with_capacity(40);
    let sep = match src {
        BLUESKY => "-",
        FACEBOOK => ".",
        _ => match h % 3 {
            0 => "",
            1 => "_",
            _ => ".",
        },
    };
    if h.is_multiple_of(7) {
        handle.push_str(&first_a[..1]);
    } else {
        handle.push_str(first_a);
        handle.push_str(sep);
    }
    handle.push_str(last_a);
    if generation > 0 || h.is_multiple_of(5) {
        push_u64(&mut handle, 60 + (h >> 8) % 40 + generation * 100);
    }
    if src == BLUESKY {
        handle.push_str(".bsky.social");
    }

    let mut name = String::with_capacity(first.len() + last.len() + 1);
    name.push_str(first);
    name.push(' ');
    if h.is_multiple_of(11) {
        // Some people only show an initial.
        name.extend(last.chars().take(1));
        name.push('.');
    } else {
        name.push_str(last);
    }
    // Heavy tail: median ~80, one in a hundred above ~4,000.
    let followers = (40.0 / (1.0 - unit(h)).max(1e-4)).min(60_000.0) as u64;
    Author {
        handle,
        name: Some(name),
        followers: Some(followers),
        verified: src == X && h.is_multiple_of(200),
    }
}

/// Influencer `i` (0..50): author, home source and the language they write in.
pub(crate) fn influencer(i: usize) -> (Author, usize, Lang) {
    let h = splitmix(i as u64 ^ 0x1f1u64);
    let (first, first_a) = FIRST[(h % FIRST.len() as u64) as usize];
    let (last, last_a) = LAST[((h >> 16) % LAST.len() as u64) as usize];
    let src = [X, BLUESKY, MASTODON, X, FACEBOOK][i % 5];
    let lang = [
        Lang::Nb,
        Lang::Nb,
        Lang::En,
        Lang::Nb,
        Lang::Nn,
        Lang::Nb,
        Lang::En,
        Lang::Nb,
        Lang::Nb,
        Lang::En,
    ][i % 10];
    let mut handle = String::with_capacity(32);
    handle.push_str(first_a);
    handle.push_str(NICHE[i % NICHE.len()]);
    if i >= NICHE.len() {
        handle.push('_');
        handle.push_str(&last_a[..3.min(last_a.len())]);
    }
    if src == BLUESKY {
        handle.push_str(".bsky.social");
    }
    // Log-uniform between 12k and 450k; index order is also rank order, roughly.
    let followers = (12_000.0
        * (450.0f64 / 12.0).powf(1.0 - i as f64 / INFLUENCERS as f64)
        * (0.8 + 0.4 * unit(h))) as u64;
    let author = Author {
        handle,
        name: Some(format!("{first} {last}")),
        followers: Some(followers),
        verified: src != MASTODON && i % 5 != 4,
    };
    (author, src, lang)
}

pub(crate) fn push_u64(s: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        s.push(char::from(b));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn people_have_mostly_distinct_handles() {
        let handles: BTreeSet<String> = (0..PEOPLE).map(|i| person(i, X).handle).collect();
        assert!(
            handles.len() as f64 > 0.95 * f64::from(PEOPLE),
            "{}",
            handles.len()
        );
    }

    #[test]
    fn influencers_are_distinct_and_large() {
        let all: Vec<_> = (0..INFLUENCERS).map(influencer).collect();
        let handles: BTreeSet<&str> = all.iter().map(|(a, _, _)| a.handle.as_str()).collect();
        assert_eq!(handles.len(), INFLUENCERS);
        assert!(
            all.iter()
                .all(|(a, _, _)| a.followers.unwrap_or(0) >= 9_000)
        );
    }

    #[test]
    fn numbers_print() {
        let mut s = String::new();
        push_u64(&mut s, 0);
        push_u64(&mut s, 1_234_567);
        assert_eq!(s, "01234567");
    }
}
