//! Arbitrary bytes into every format: errors are fine, panics and endless loops are not.

use omdomme_sources::Format;

use crate::run;

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Bytes biased towards the characters that matter to our parsers.
fn arbitrary(rng: &mut Rng, len: usize) -> Vec<u8> {
    const INTERESTING: &[u8] = b"{}[]\",:\\\n\r <>/&;#!?-=abcxyz0123456789 \t'";
    (0..len)
        .map(|_| {
            let r = rng.next();
            if r.is_multiple_of(4) {
                (r >> 8) as u8
            } else {
                INTERESTING[(r >> 8) as usize % INTERESTING.len()]
            }
        })
        .collect()
}

const SEEDS: &[&str] = &[
    r#"{"id":"1","text":"Hei","published_at":"2024-01-02T03:04:05Z"}"#,
    "id,text,published_at\n1,\"a\nb\",2024-01-02T03:04:05Z\n",
    r#"{"data":[{"id":"1","text":"t","created_at":"2024-01-02T03:04:05Z","referenced_tweets":[{"type":"retweeted","id":"2"}]}],"includes":{"tweets":[{"id":"2","text":"o"}],"users":[]}}"#,
    "event: update\ndata: {\"id\":\"1\",\"created_at\":\"2024-01-02T03:04:05Z\",\"content\":\"<p>x</p>\",\"account\":{\"acct\":\"a\"}}\n\n",
    r#"{"did":"d","kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"k","record":{"text":"x","createdAt":"2024-01-02T03:04:05Z"}}}"#,
    r#"{"thread":{"post":{"uri":"u","author":{"did":"d"},"record":{"text":"x","createdAt":"2024-01-02T03:04:05Z"}},"replies":[{"post":{}}]}}"#,
    r#"{"data":[{"id":"1_2","message":"m","created_time":"2024-01-02T03:04:05+0000","comments":{"data":[{"message":"c","created_time":"x","permalink_url":"https://f/1/posts/2/?comment_id=3"}]}}]}"#,
    "<rss><channel><title>t</title><item><title>a &amp; &nbsp; &#x2F;</title><guid>1</guid><description><![CDATA[<p>x</p>]]></description></item></channel></rss>",
    "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><id>1</id><link href=\"h\"/><updated>2024-01-02T03:04:05Z</updated><content>x</content></entry></feed>",
];

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x5eed_0000_0bad_f00d);
    for round in 0..300 {
        let len = (rng.next() % 2000) as usize;
        let bytes = arbitrary(&mut rng, len);
        for format in Format::ALL {
            let out = run(format, bytes.clone());
            assert!(
                out.len() <= bytes.len() + 1,
                "round {round} {format}: more records than bytes"
            );
        }
    }
}

#[test]
fn mutated_valid_inputs_never_panic() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for seed in SEEDS {
        for _ in 0..200 {
            let mut bytes = seed.as_bytes().to_vec();
            let edits = 1 + rng.next() % 4;
            for _ in 0..edits {
                if bytes.is_empty() {
                    break;
                }
                let pos = (rng.next() as usize) % bytes.len();
                match rng.next() % 3 {
                    0 => bytes[pos] = rng.next() as u8,
                    1 => {
                        bytes.truncate(pos);
                    }
                    _ => bytes.insert(pos, arbitrary(&mut rng, 1)[0]),
                }
            }
            for format in Format::ALL {
                let _ = run(format, bytes.clone());
            }
        }
    }
}
