//! The real platform payloads of `/work/shared/fixtures`.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use omdomme_core::{Item, ItemKind, SourceKind};
use omdomme_sources::{Format, RecordError, read_items};

use crate::{ctx, split};

fn fixture(rel: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    assert!(
        root.is_dir(),
        "fixtures not found at {} (expected /work/shared/fixtures next to the workspace; CI always has it)",
        root.display()
    );
    root.join(rel)
}

/// Streams a fixture file through the importer, as the CLI does.
fn import(format: Format, rel: &str) -> (Vec<Item>, Vec<RecordError>) {
    let path = fixture(rel);
    let file = File::open(&path).unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    split(read_items(format, Box::new(BufReader::new(file)), ctx()).collect())
}

fn counts(format: Format, rel: &str, items: usize, errors: usize) -> Vec<Item> {
    let (i, e) = import(format, rel);
    assert_eq!((i.len(), e.len()), (items, errors), "{rel}: errors {e:#?}");
    for item in &i {
        assert_eq!(item.source.name, "test");
        assert_eq!(item.collected_at, ctx().collected_at);
        assert!(!item.synthetic);
        assert!(
            !item.text.contains("<p>") && !item.text.contains("<a ") && !item.text.contains("</"),
            "{rel}: HTML in {:?}",
            item.text
        );
    }
    i
}

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

#[test]
fn x_v2() {
    let items = counts(
        Format::XV2,
        "x/search_recent_conversation_id_docs.json",
        3,
        0,
    );
    assert_eq!(items[0].external_id, "1234567893");
    assert_eq!(items[0].kind, ItemKind::Reply);
    assert_eq!(items[0].parent_id.as_deref(), Some("1234567892"));
    assert_eq!(items[0].thread_id.as_deref(), Some("1234567890"));
    assert_eq!(
        items[0].author.handle, "3333333333",
        "no user expansion: the author id"
    );
    assert_eq!(items[0].published_at, ts("2024-01-15T12:05:00Z"));

    let items = counts(
        Format::XV2,
        "x/tweet_lookup_conversation_fields_docs.json",
        1,
        0,
    );
    assert_eq!(items[0].text, "@user Great point!");
    // No created_at: the time comes from the snowflake id.
    assert_eq!(items[0].published_at, ts("2010-11-04T01:42:54.951Z"));

    let items = counts(Format::XV2, "x/tweet_lookup_extended.json", 1, 0);
    let t = &items[0];
    assert_eq!(t.source.kind, SourceKind::X);
    assert_eq!(t.author.handle, "TwitterDev");
    assert_eq!(t.author.name.as_deref(), Some("Twitter Dev"));
    assert_eq!(t.author.followers, Some(513962));
    assert!(t.author.verified);
    assert_eq!(
        t.url.as_deref(),
        Some("https://x.com/TwitterDev/status/1296121314218897408")
    );
    assert_eq!(
        (
            t.engagement.likes,
            t.engagement.shares,
            t.engagement.replies
        ),
        (172, 77, 9)
    );
    assert_eq!(t.declared_lang.as_deref(), Some("en"));
    assert!(
        t.text
            .starts_with("The hide replies endpoint is launching today!")
    );

    // includes.tweets are items too.
    let items = counts(Format::XV2, "x/tweet_lookup_quote.json", 2, 0);
    assert_eq!(items[1].external_id, "1327011423252144128");
    let items = counts(Format::XV2, "x/tweet_lookup_reply.json", 2, 0);
    assert_eq!(items[0].kind, ItemKind::Reply);
    assert_eq!(items[0].parent_id.as_deref(), Some("1296887091901718529"));
    assert_eq!(items[1].kind, ItemKind::Post);
    counts(Format::XV2, "x/tweet_lookup_tweet.json", 2, 0);
    counts(Format::XV2, "x/tweet_lookup_with_media.json", 1, 0);

    // A retweet is replaced by its original from includes.tweets.
    let items = counts(Format::XV2, "x/tweet_lookup_retweet.json", 1, 0);
    assert_eq!(items[0].external_id, "1229843515603144704");
    assert_eq!(items[0].author.handle, "suhemparack");
    assert!(!items[0].text.starts_with("RT @"));
    let items = counts(Format::XV2, "x/tweet_lookup_retweeted_quote.json", 1, 0);
    assert_eq!(items[0].author.handle, "AureliaSpecker");
}

#[test]
fn mastodon() {
    let items = counts(
        Format::Mastodon,
        "mastodon/status_entity_example.json",
        1,
        0,
    );
    let s = &items[0];
    assert_eq!(s.external_id, "103270115826048975");
    assert_eq!(s.source.kind, SourceKind::Mastodon);
    assert_eq!(s.author.handle, "Gargron");
    assert_eq!(s.author.name.as_deref(), Some("Eugen"));
    assert_eq!(s.author.followers, Some(322930));
    assert_eq!(
        s.text,
        "\"I lost my inheritance with one wrong digit on my sort code\"\nhttps://www.theguardian.com/money/2019/dec/07/i-lost-my-193000-inheritance-with-one-wrong-digit-on-my-sort-code"
    );
    assert_eq!(
        s.url.as_deref(),
        Some("https://mastodon.social/@Gargron/103270115826048975")
    );
    assert_eq!(
        (
            s.engagement.likes,
            s.engagement.shares,
            s.engagement.replies
        ),
        (11, 8, 5)
    );
    assert_eq!(s.published_at, ts("2019-12-08T03:48:33.901Z"));
    assert_eq!(s.declared_lang.as_deref(), Some("en"));

    let items = counts(
        Format::Mastodon,
        "mastodon/timeline_assembled_from_docs_statuses.json",
        8,
        0,
    );
    assert_eq!(items[0].external_id, "103270115826048975");
    assert_eq!(items[7].external_id, "108913983692647032");

    // 4 update + 4 status.update + 1 mention notification; delete, filters_changed,
    // announcements and the conversation are skipped.
    let items = counts(Format::Mastodon, "mastodon/streaming_sse_events.txt", 9, 0);
    assert_eq!(items[0].external_id, "108914327388663283");
    assert_eq!(items[0].author.handle, "freon@letsalllovela.in");
    assert_eq!(items[0].text, "@disarray glad i was able to help");
    assert_eq!(items[0].kind, ItemKind::Reply);
    assert_eq!(items[0].parent_id.as_deref(), Some("108914298452377720"));
    assert_eq!(items[0].declared_lang, None);

    let items = counts(
        Format::Mastodon,
        "mastodon/streaming_websocket_frames.jsonl",
        1,
        0,
    );
    assert_eq!(items[0].external_id, "108913983692647032");
    assert_eq!(items[0].author.handle, "tobtobxx@fosstodon.org");

    // The docs' elided excerpts are not JSON: errors, with lines, and no panic.
    let (_, errors) = import(
        Format::Mastodon,
        "mastodon/timeline_home_docs_excerpt.jsonc",
    );
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].line, Some(5));
    counts(
        Format::Mastodon,
        "mastodon/timeline_tag_docs_excerpt.jsonc",
        0,
        2,
    );
}

#[test]
fn bluesky() {
    let items = counts(Format::Bluesky, "bluesky/jetstream_v1_corpus.jsonl", 17, 0);
    let p = &items[0];
    assert_eq!(
        p.external_id,
        "at://did:plc:dclwtltrt2ggsryagfzk7dp4/app.bsky.feed.post/3mptbyoeyc22k"
    );
    assert_eq!(p.source.kind, SourceKind::Bluesky);
    assert_eq!(p.author.handle, "did:plc:dclwtltrt2ggsryagfzk7dp4");
    assert_eq!(p.text, "www.youtube.com/watch?v=V5lD...");
    assert_eq!(
        p.url.as_deref(),
        Some("https://bsky.app/profile/did:plc:dclwtltrt2ggsryagfzk7dp4/post/3mptbyoeyc22k")
    );
    assert_eq!(p.declared_lang.as_deref(), Some("en"));
    assert_eq!(p.published_at, ts("2026-07-04T14:38:06.240Z"));
    let replies = items.iter().filter(|i| i.kind == ItemKind::Reply).count();
    assert_eq!(replies, 8);
    // The one post with empty text is carried by its link card's title.
    assert_eq!(
        items
            .iter()
            .filter(|i| i.text.is_empty() && i.title.is_some())
            .count(),
        1
    );

    counts(
        Format::Bluesky,
        "bluesky/jetstream_v1_posts_identity_account.jsonl",
        17,
        0,
    );
    // A like (v1 and v2 frame): skipped, not an error.
    counts(
        Format::Bluesky,
        "bluesky/jetstream_v1_commit_example_docs.json",
        0,
        0,
    );
    counts(
        Format::Bluesky,
        "bluesky/jetstream_v2_frame_example_docs.json",
        0,
        0,
    );
    // The lexicon is not a payload.
    counts(
        Format::Bluesky,
        "bluesky/lexicon_app.bsky.feed.getPostThread.json",
        0,
        1,
    );

    let items = counts(
        Format::Bluesky,
        "bluesky/getPostThread_atproto_test_snapshot.json",
        4,
        0,
    );
    assert_eq!(items[0].external_id, "record(0)");
    assert_eq!(items[0].author.handle, "alice.test");
    assert_eq!(items[0].author.name.as_deref(), Some("ali"));
    assert_eq!(items[0].text, "again");
    assert_eq!(
        (
            items[0].engagement.likes,
            items[0].engagement.shares,
            items[0].engagement.replies
        ),
        (3, 1, 2)
    );
    assert_eq!(items[1].kind, ItemKind::Reply);
    assert_eq!(items[1].parent_id.as_deref(), Some("record(0)"));
    assert_eq!(items[1].author.handle, "carol.test");
}

#[test]
fn facebook() {
    let items = counts(
        Format::Facebook,
        "facebook/page_feed_docs_sample.json",
        3,
        0,
    );
    assert_eq!(items[0].external_id, "{page-id}_2191966997525824");
    assert_eq!(items[0].text, "Become a Facebook developer!");
    assert_eq!(items[0].published_at, ts("2019-05-17T16:24:04Z"));
    assert_eq!(items[0].source.kind, SourceKind::Facebook);
    // The docs' version with a `...` elision line is one bad record.
    let (_, errors) = import(Format::Facebook, "facebook/page_feed_docs_sample.txt");
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].message.starts_with("malformed JSON"),
        "{}",
        errors[0]
    );

    let items = counts(
        Format::Facebook,
        "facebook/pyfacebook_posts_feed_fields_p1.json",
        5,
        0,
    );
    assert_eq!(items[0].external_id, "4_10113477241177441");
    assert_eq!(items[0].author.handle, "4");
    counts(
        Format::Facebook,
        "facebook/pyfacebook_posts_feed_fields_p2.json",
        5,
        0,
    );
    let items = counts(
        Format::Facebook,
        "facebook/pyfacebook_posts_feeds_default_fields_p1.json",
        5,
        0,
    );
    let p = &items[0];
    assert_eq!(p.external_id, "19292868552_10158349356748553");
    assert_eq!(
        (
            p.engagement.likes,
            p.engagement.shares,
            p.engagement.replies
        ),
        (125, 10, 13)
    );
    assert_eq!(
        p.url.as_deref(),
        Some("https://www.facebook.com/19292868552/posts/10158349356748553/")
    );

    let items = counts(
        Format::Facebook,
        "facebook/pyfacebook_comments_comments_p1.json",
        10,
        0,
    );
    let c = &items[0];
    assert_eq!(c.kind, ItemKind::Comment);
    assert_eq!(c.external_id, "10158407654328553_10158407835073553");
    assert_eq!(
        c.parent_id.as_deref(),
        Some("19292868552_10158407654328553")
    );
    assert!(c.text.starts_with("Boa noite"));
    let reply = &items[5];
    assert_eq!(reply.external_id, "10158407654328553_10158409983033553");
    assert_eq!(
        reply.parent_id.as_deref(),
        Some("10158407654328553_10158407903973553")
    );
    assert_eq!(
        reply.thread_id.as_deref(),
        Some("19292868552_10158407654328553")
    );
    counts(
        Format::Facebook,
        "facebook/pyfacebook_comments_comments_p2.json",
        5,
        0,
    );
}

#[test]
fn rss() {
    let items = counts(Format::Rss, "rss/nrk_rss.xml", 100, 0);
    let a = &items[0];
    assert_eq!(a.kind, ItemKind::Article);
    assert_eq!(a.source.kind, SourceKind::Rss);
    assert_eq!(a.title.as_deref(), Some("John Carew erkjenner straffskyld"));
    assert!(
        a.text
            .starts_with("Tidligere landslagsspiller John Carew erkjenner straffskyld")
    );
    assert!(
        a.text.contains('\n'),
        "plain-text paragraphs keep their line breaks"
    );
    assert_eq!(
        a.url.as_deref(),
        Some("https://www.nrk.no/nyheter/john-carew-erkjenner-straffskyld-1.16143086")
    );
    assert!(items.iter().any(|i| {
        i.title
            .as_deref()
            .is_some_and(|t| t.contains("ikkje var utilrekneleg"))
    }));
    assert!(items.iter().all(|i| !i.author.handle.is_empty()));

    let items = counts(Format::Rss, "rss/vg_rss.xml", 10, 0);
    assert_eq!(items[0].external_id, "https://www.vg.no/i/0QQ3K2");
    assert_eq!(
        items[0].title.as_deref(),
        Some("Kevin Spacey brøt sammen i retten")
    );
    assert_eq!(items[0].author.handle, "Siste nytt fra VG");
    assert_eq!(items[0].published_at, ts("2022-10-18T07:10:14Z"));

    let items = counts(Format::Rss, "rss/tv2_rss.xml", 20, 0);
    assert_eq!(items[0].external_id, "https://www.tv2.no/a/15195823");
    assert_eq!(items[0].declared_lang.as_deref(), Some("no"));

    let items = counts(Format::Rss, "rss/dagbladet_rss.xml", 112, 0);
    // `<guid>/a/</guid>` is useless as an id: the (entity-escaped) link is used.
    assert_eq!(
        items[0].external_id,
        "https://borsen.dagbladet.no/nyheter/john-carew-erkjenner-delvis-straffskyld/77490952"
    );
    assert_eq!(items[0].published_at, ctx().collected_at, "undated item");
    assert_eq!(items[2].external_id, "https://www.dagbladet.no/a/77483882");
    assert_eq!(items[2].published_at, ts("2022-10-18T07:00:35Z"));

    let items = counts(Format::Rss, "rss/dagavisen_rss.xml", 100, 0);
    assert_eq!(items[0].author.handle, "NTB, NTB Nyheter, Arne Birkemo");
    assert_eq!(
        items[0].title.as_deref(),
        Some("Aker BP mer enn doblet produksjonen i tredje kvartal")
    );
    assert_eq!(items[0].published_at, ts("2022-10-18T07:38:44Z"));
}
