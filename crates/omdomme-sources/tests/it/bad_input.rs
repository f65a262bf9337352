//! Bad input, for every importer it applies to: one error per bad record, with its record
//! and line, and the import goes on.

use omdomme_core::ItemKind;
use omdomme_sources::Format;

use crate::{run, split};

const GOOD: &str = r#"{"id":"1","text":"Hei Nordlys","published_at":"2024-01-02T03:04:05Z"}"#;

fn jsonl(lines: &[&str]) -> Vec<u8> {
    lines.join("\n").into_bytes()
}

#[test]
fn jsonl_bad_records_are_reported_and_skipped() {
    let input = jsonl(&[
        GOOD,
        r#"{"id":"2","text":"broken"#,
        r#"{"id":"3","published_at":"2024-01-02T03:04:05Z"}"#,
        "42",
        r#""not an object""#,
        r#"{"id":"4","text":"   ","published_at":"2024-01-02T03:04:05Z"}"#,
        r#"{"id":"5","text":"x","published_at":"next tuesday, probably, or maybe the week after that — who knows really, not me"}"#,
        r#"{"id":"1","text":"Duplicate","published_at":"2024-01-02T03:04:05Z","unknown":{"deep":[1,2]}}"#,
    ]);
    let out = run(Format::Jsonl, input);
    let (items, errors) = split(out);
    assert_eq!(items.len(), 2, "{errors:#?}");
    assert_eq!(items[0].external_id, "1");
    assert_eq!(items[1].external_id, "1", "duplicates are both yielded");
    let summary: Vec<(u64, Option<u64>)> = errors.iter().map(|e| (e.record, e.line)).collect();
    assert_eq!(
        summary,
        vec![
            (2, Some(2)),
            (3, Some(3)),
            (4, Some(4)),
            (5, Some(5)),
            (6, Some(6)),
            (7, Some(7))
        ]
    );
    assert!(
        errors[0].message.contains("malformed JSON"),
        "{}",
        errors[0]
    );
    assert_eq!(errors[1].message, "missing field `text`");
    assert!(
        errors[2]
            .message
            .contains("expected a JSON object, found a number"),
        "{}",
        errors[2]
    );
    assert!(
        errors[3].message.contains("found a string"),
        "{}",
        errors[3]
    );
    assert!(errors[4].message.starts_with("empty text"), "{}", errors[4]);
    assert!(
        errors[5]
            .message
            .contains("unparsable timestamp \"next tuesday"),
        "{}",
        errors[5]
    );
    assert!(
        errors[5].message.len() < 150,
        "long values are shortened: {}",
        errors[5]
    );
    assert_eq!(
        errors[1].to_string(),
        "record 3 (line 3): missing field `text`"
    );
}

#[test]
fn jsonl_invalid_utf8_and_huge_fields() {
    let mut input = Vec::new();
    input.extend_from_slice(b"{\"id\":\"1\",\"text\":\"bad \xff\xfe byte\",\"published_at\":\"2024-01-02T03:04:05Z\"}\n");
    let ten_mb = "å".repeat(5 * 1024 * 1024);
    input.extend_from_slice(
        format!(r#"{{"id":"2","text":"{ten_mb}","published_at":"2024-01-02T03:04:05Z"}}"#)
            .as_bytes(),
    );
    input.push(b'\n');
    let seventeen_mb = "a".repeat(17 * 1024 * 1024);
    input.extend_from_slice(
        format!(r#"{{"id":"3","text":"{seventeen_mb}","published_at":"2024-01-02T03:04:05Z"}}"#)
            .as_bytes(),
    );
    input.push(b'\n');
    input.extend_from_slice(GOOD.as_bytes());
    let (items, errors) = split(run(Format::Jsonl, input));
    assert_eq!(
        items
            .iter()
            .map(|i| i.external_id.as_str())
            .collect::<Vec<_>>(),
        vec!["2", "1"]
    );
    assert_eq!(
        items[0].text.len(),
        10 * 1024 * 1024,
        "a 10 MB text is accepted"
    );
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!((errors[0].record, errors[0].line), (1, Some(1)));
    assert!(errors[1].message.contains("16 MiB"), "{}", errors[1]);
    assert_eq!((errors[1].record, errors[1].line), (3, Some(3)));
}

#[test]
fn long_external_id_is_rejected() {
    let line = format!(
        r#"{{"id":"{}","text":"x","published_at":"2024-01-02T03:04:05Z"}}"#,
        "9".repeat(600)
    );
    let (items, errors) = split(run(Format::Jsonl, line));
    assert!(items.is_empty());
    assert!(errors[0].message.contains("512"), "{}", errors[0]);
}

#[test]
fn csv_records() {
    let mut input = b"id,text,published_at,author,likes,extra\n".to_vec();
    input.extend_from_slice(
        b"1,\"Hei, \"\"Nordlys\"\"\nandre linje\",2024-01-02T03:04:05Z,@ola,3,x\n",
    );
    input.extend_from_slice(b"2,too few fields\n");
    input.extend_from_slice(b"3,bad \xff utf8,2024-01-02T03:04:05Z,,,\n");
    input.extend_from_slice(b"4,,2024-01-02T03:04:05Z,,,\n");
    input.extend_from_slice(b"5,x,2024-01-02T03:04:05Z,,lots,\n");
    input.extend_from_slice(b",x,2024-01-02T03:04:05Z,,,\n");
    input.extend_from_slice(b"1,dup,2024-01-02T03:04:05Z,,,\n");
    let ten_mb = "b".repeat(10 * 1024 * 1024);
    input.extend_from_slice(format!("8,{ten_mb},2024-01-02T03:04:05Z,,,\n").as_bytes());
    let (items, errors) = split(run(Format::Csv, input));
    assert_eq!(
        items
            .iter()
            .map(|i| i.external_id.as_str())
            .collect::<Vec<_>>(),
        vec!["1", "1", "8"]
    );
    assert_eq!(items[0].text, "Hei, \"Nordlys\"\nandre linje");
    assert_eq!(items[0].author.handle, "ola");
    assert_eq!(items[0].engagement.likes, 3);
    assert_eq!(items[2].text.len(), 10 * 1024 * 1024);
    let summary: Vec<(u64, Option<u64>)> = errors.iter().map(|e| (e.record, e.line)).collect();
    assert_eq!(
        summary,
        vec![
            (2, Some(4)),
            (3, Some(5)),
            (4, Some(6)),
            (5, Some(7)),
            (6, Some(8))
        ],
        "{errors:#?}"
    );
    assert!(errors[0].message.contains("malformed CSV"), "{}", errors[0]);
    assert!(errors[1].message.contains("invalid UTF-8"), "{}", errors[1]);
    assert!(errors[2].message.starts_with("empty text"), "{}", errors[2]);
    assert!(errors[3].message.contains("`likes`"), "{}", errors[3]);
    assert_eq!(errors[4].message, "missing field `id`");
}

#[test]
fn csv_without_required_columns_is_one_file_error() {
    let (items, errors) = split(run(
        Format::Csv,
        "id,body,published_at\n1,x,2024-01-02T03:04:05Z\n",
    ));
    assert!(items.is_empty());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].record, 0);
    assert!(errors[0].message.contains("`text`"), "{}", errors[0]);
}

#[test]
fn payload_formats_skip_bad_documents() {
    let x_good = r#"{"data":{"id":"1","text":"Hei","created_at":"2024-01-02T03:04:05Z"}}"#;
    let x_missing = r#"{"data":[{"id":"2","created_at":"2024-01-02T03:04:05Z"}]}"#;
    let x_empty = r#"{"data":{"id":"3","text":"","created_at":"2024-01-02T03:04:05Z"}}"#;
    let m_good = r#"{"id":"1","created_at":"2024-01-02T03:04:05Z","content":"<p>Hei</p>","account":{"acct":"a"}}"#;
    let m_empty = r#"{"id":"2","created_at":"2024-01-02T03:04:05Z","content":"<p> </p>","account":{"acct":"a"}}"#;
    let b_good = r#"{"did":"did:plc:a","kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"k","record":{"text":"Hei","createdAt":"2024-01-02T03:04:05Z"}}}"#;
    let b_missing = r#"{"did":"did:plc:a","kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"k2","record":{"text":"Hei"}}}"#;
    let f_good =
        r#"{"data":[{"id":"1_2","message":"Hei","created_time":"2024-01-02T03:04:05+0000"}]}"#;
    let f_missing = r#"{"data":[{"id":"1_3","message":"Hei"}]}"#;
    let cases: [(Format, &str, &str, &str); 4] = [
        (Format::XV2, x_good, x_missing, "missing field `text`"),
        (Format::Mastodon, m_good, m_empty, "empty text"),
        (
            Format::Bluesky,
            b_good,
            b_missing,
            "missing field `createdAt`",
        ),
        (
            Format::Facebook,
            f_good,
            f_missing,
            "missing field `created_time`",
        ),
    ];
    for (format, good, bad, expected) in cases {
        let input = jsonl(&[good, "{\"truncated\": ", good, bad, "true", "<html>", good]);
        let (items, errors) = split(run(format, input));
        assert_eq!(items.len(), 3, "{format}: {errors:#?}");
        let summary: Vec<(u64, Option<u64>)> = errors.iter().map(|e| (e.record, e.line)).collect();
        assert_eq!(
            summary,
            vec![(2, Some(2)), (4, Some(4)), (5, Some(5)), (6, Some(6))],
            "{format}: {errors:#?}"
        );
        assert!(
            errors[1].message.contains(expected),
            "{format}: {}",
            errors[1]
        );
        assert!(
            errors[2].message.contains("expected a JSON object"),
            "{format}: {}",
            errors[2]
        );
    }
    let (_, errors) = split(run(Format::XV2, x_empty));
    assert!(errors[0].message.contains("empty text"), "{}", errors[0]);
}

#[test]
fn pretty_documents_and_arrays_stream() {
    let input = "[\n  {\n    \"id\": \"1\",\n    \"created_at\": \"2024-01-02T03:04:05Z\",\n    \"content\": \"<p>a</p>\",\n    \"account\": {\"acct\": \"a\"}\n  },\n  {\"id\": \"2\"},\n  {\"id\": \"3\", \"created_at\": \"2024-01-02T03:04:05Z\", \"content\": \"b\", \"account\": {\"acct\": \"a\", \"followers_count\": 1}, \"extra\": true}\n]\n";
    let (items, errors) = split(run(Format::Mastodon, input));
    assert_eq!(
        items
            .iter()
            .map(|i| i.external_id.as_str())
            .collect::<Vec<_>>(),
        vec!["1", "3"]
    );
    assert_eq!((errors[0].record, errors[0].line), (2, Some(8)));
    assert_eq!(items[0].kind, ItemKind::Post);
}

#[test]
fn malformed_xml_keeps_items_before_it() {
    let mut xml = b"<?xml version=\"1.0\"?><rss><channel><title>T</title>".to_vec();
    xml.extend_from_slice(b"<item><title>ok</title><guid>1</guid><pubDate>Tue, 18 Oct 2022 07:38:44 GMT</pubDate></item>\n");
    xml.extend_from_slice(b"<item><title>bad \xff utf8</title><guid>2</guid></item>\n");
    xml.extend_from_slice(b"<item><title>no id</title></item>\n");
    xml.extend_from_slice(
        b"<item><title>bad date</title><guid>3</guid><pubDate>someday</pubDate></item>\n",
    );
    xml.extend_from_slice(b"<item><title>dup</title><guid>1</guid><pubDate>Tue, 18 Oct 2022 07:38:44 GMT</pubDate></item>\n");
    xml.extend_from_slice(
        b"<item><title>broken</title><guid>4</guid></itm>\n<item><title>never</title></item>",
    );
    let (items, errors) = split(run(Format::Rss, xml));
    assert_eq!(
        items
            .iter()
            .map(|i| i.external_id.as_str())
            .collect::<Vec<_>>(),
        vec!["1", "1"]
    );
    let summary: Vec<(u64, Option<u64>)> = errors.iter().map(|e| (e.record, e.line)).collect();
    assert_eq!(
        summary,
        vec![(2, Some(2)), (3, Some(3)), (4, Some(4)), (6, Some(6))],
        "{errors:#?}"
    );
    assert!(errors[0].message.contains("UTF-8"), "{}", errors[0]);
    assert_eq!(errors[1].message, "missing field `guid`");
    assert!(errors[2].message.contains("\"someday\""), "{}", errors[2]);
    assert!(errors[3].message.contains("malformed XML"), "{}", errors[3]);
}

#[test]
fn not_a_feed() {
    let (items, errors) = split(run(Format::Rss, "{\"json\": true}"));
    assert!(items.is_empty());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].record, 0);
}

#[test]
fn binary_files_are_one_error_for_every_format() {
    let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
    png.extend((0..100_000u32).map(|i| (i * 7 % 251) as u8));
    for format in Format::ALL {
        let (items, errors) = split(run(format, png.clone()));
        assert!(items.is_empty(), "{format}");
        assert_eq!(errors.len(), 1, "{format}: {errors:?}");
        assert_eq!(errors[0].record, 0);
        assert!(
            errors[0].message.contains("binary"),
            "{format}: {}",
            errors[0]
        );
    }
}

#[test]
fn empty_input_is_no_items_and_no_errors() {
    for format in Format::ALL {
        let out = run(format, Vec::new());
        if format == Format::Rss {
            assert_eq!(out.len(), 1, "an empty file is not a feed");
        } else {
            assert!(out.is_empty(), "{format}: {out:?}");
        }
    }
}
