//! The language models from the command line: `omdomme enrich`, `eval`, `train` and
//! `bench nlp`, on the real data sets of `../shared/data`.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use omdomme_core::{Lang, SentimentLabel, Stakeholder, Topic};
use serde_json::Value;

use crate::support::{Scratch, shared_data};

/// `omdomme eval`'s figures when the shipped models were trained, in percent, by (task,
/// dataset, metric), and the issue's hard target where it sets one. A figure more than
/// `MARGIN` points under its row, or under its target, fails: a regression, not noise.
/// After retraining the models (`omdomme train`), copy the new figures of `omdomme eval`
/// here.
#[rustfmt::skip] // one row a line, so the table reads (and updates) as a table
const FIGURES: &[(&str, &str, &str, f64, Option<f64>)] = &[
    // task                 dataset                                  metric          today  target
    ("sentiment",           "NoReC_sentence 3-class",                "macro-F1",     62.3,  Some(60.0)),
    ("sentiment",           "TweetEval sentiment",                   "macro-recall", 63.6,  Some(63.0)),
    ("environmental claim", "environmental_claims",                  "F1 (claim)",   78.7,  Some(78.0)),
    ("language",            "NorBench nb/nn parallel",               "accuracy",     97.2,  Some(95.0)),
    ("language",            "NorDial (bokmål, nynorsk)",             "accuracy",     95.8,  Some(95.0)),
    ("language",            "own posts (nb, nn, en, da, sv, other)", "accuracy",     87.7,  None),
    ("topics",              "annotated posts (nb, nn, en)",          "micro-F1",     64.4,  None),
    ("stakeholder",         "annotated posts (nb, nn, en)",          "macro-F1",     62.0,  None),
    ("inquiry",             "annotated posts (nb, nn, en)",          "F1 (inquiry)", 92.9,  None),
    ("targeted sentiment",  "annotated posts naming 2+ brands",      "macro-F1",     43.5,  None),
];

/// Points a figure may fall under today's before the test fails.
const MARGIN: f64 = 3.0;

/// The public data sets, whose rows must name the published figure they compare with.
const PUBLISHED: [&str; 3] = [
    "NoReC_sentence 3-class",
    "TweetEval sentiment",
    "environmental_claims",
];

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn data_arg() -> String {
    shared_data().to_str().expect("utf-8 path").to_owned()
}

// ---------------------------------------------------------------------------------------
// omdomme enrich

/// Runs `omdomme enrich` with `args` on `input`; returns the output and its JSON lines.
fn enrich(scratch: &Scratch, args: &[&str], input: impl Into<Vec<u8>>) -> (Output, Vec<Value>) {
    let mut all = vec!["enrich"];
    all.extend_from_slice(args);
    let output = scratch.run_with_input(&all, input.into());
    let lines = stdout(&output)
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"))
        })
        .collect();
    (output, lines)
}

/// Runs `omdomme enrich` and insists on success.
fn enrich_ok(scratch: &Scratch, args: &[&str], input: impl Into<Vec<u8>>) -> Vec<Value> {
    let (output, lines) = enrich(scratch, args, input);
    assert!(
        output.status.success(),
        "enrich failed:\n{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    lines
}

/// Every enrichment field is there, with a value of its vocabulary, and nothing else but
/// `id` and (with a workspace) `brands`.
fn assert_enriched(line: &Value) {
    let object = line
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {line}"));
    let langs: Vec<&str> = Lang::ALL.iter().map(|l| l.as_str()).collect();
    let labels: Vec<&str> = SentimentLabel::ALL.iter().map(|l| l.as_str()).collect();
    let topics: Vec<&str> = Topic::ALL.iter().map(|t| t.as_str()).collect();
    let groups: Vec<&str> = Stakeholder::ALL.iter().map(|s| s.as_str()).collect();

    let lang = line["lang"].as_str().unwrap_or_default();
    assert!(langs.contains(&lang), "lang: {line}");
    let label = line["sentiment"].as_str().unwrap_or_default();
    assert!(labels.contains(&label), "sentiment: {line}");
    let score = line["sentiment_score"].as_f64().unwrap_or(f64::NAN);
    assert!((-1.0..=1.0).contains(&score), "sentiment_score: {line}");
    let line_topics = line["topics"]
        .as_array()
        .unwrap_or_else(|| panic!("topics: {line}"));
    for topic in line_topics {
        assert!(
            topics.contains(&topic.as_str().unwrap_or_default()),
            "topics: {line}"
        );
    }
    let stakeholder = &line["stakeholder"];
    assert!(
        stakeholder.is_null() || groups.contains(&stakeholder.as_str().unwrap_or_default()),
        "stakeholder: {line}"
    );
    assert!(line["inquiry"].is_boolean(), "inquiry: {line}");
    for key in object.keys() {
        assert!(
            [
                "id",
                "lang",
                "sentiment",
                "sentiment_score",
                "topics",
                "stakeholder",
                "inquiry",
                "brands",
            ]
            .contains(&key.as_str()),
            "unexpected field {key:?}: {line}"
        );
    }
}

fn has_topic(line: &Value, topic: &str) -> bool {
    line["topics"]
        .as_array()
        .is_some_and(|t| t.iter().any(|v| v == topic))
}

/// A line's enrichment without its id, to compare two inputs' results.
fn without_id(line: &Value) -> Value {
    let mut line = line.clone();
    if let Some(object) = line.as_object_mut() {
        object.remove("id");
    }
    line
}

#[test]
fn enrich_json_lines_echoes_ids_in_order_with_every_field() {
    let scratch = Scratch::new();
    let input = [
        r#"{"id":"complaint","text":"Dette er helt forferdelig, elendig kundeservice og jeg er sint! Verste selskapet noensinne."}"#,
        r#"{"id":7,"text":"I love this, great job! Amazing service, thank you so much"}"#,
        r#"{"id":"nynorsk","text":"Eg har ikkje fått svar på kva som skjer med straumen min, kven kan hjelpe meg?"}"#,
        r#"{"id":"climate","text":"Klimautslippene øker igjen, selskapet må kutte CO2 og satse på fornybar energi"}"#,
    ]
    .join("\n")
        + "\n";
    let lines = enrich_ok(&scratch, &[], input);
    assert_eq!(lines.len(), 4, "{lines:#?}");
    for line in &lines {
        assert_enriched(line);
        assert!(
            line.get("brands").is_none(),
            "brands without a workspace: {line}"
        );
    }
    let ids: Vec<&Value> = lines.iter().map(|l| &l["id"]).collect();
    assert_eq!(
        ids,
        [
            &Value::from("complaint"),
            &Value::from(7),
            &Value::from("nynorsk"),
            &Value::from("climate")
        ],
        "ids are echoed as given (a number stays a number), in input order"
    );

    let complaint = &lines[0];
    assert_eq!(complaint["lang"], "nb", "{complaint}");
    assert_eq!(complaint["sentiment"], "negative", "{complaint}");
    assert!(
        complaint["sentiment_score"]
            .as_f64()
            .is_some_and(|s| s < 0.0),
        "{complaint}"
    );

    let praise = &lines[1];
    assert_eq!(praise["lang"], "en", "{praise}");
    assert_eq!(praise["sentiment"], "positive", "{praise}");
    assert!(
        praise["sentiment_score"].as_f64().is_some_and(|s| s > 0.0),
        "{praise}"
    );

    assert_eq!(lines[2]["lang"], "nn", "{}", lines[2]);
    assert!(has_topic(&lines[3], "climate"), "{}", lines[3]);
}

#[test]
fn enrich_plain_text_lines_gives_one_json_line_each_without_an_id() {
    let scratch = Scratch::new();
    let lines = enrich_ok(
        &scratch,
        &[],
        "Dette er helt forferdelig, elendig kundeservice og jeg er sint!\n\
         I love this, great job! Amazing service, thank you so much\n",
    );
    assert_eq!(lines.len(), 2, "{lines:#?}");
    for line in &lines {
        assert_enriched(line);
        assert!(line.get("id").is_none(), "{line}");
    }
    assert_eq!(lines[0]["lang"], "nb", "{}", lines[0]);
    assert_eq!(lines[0]["sentiment"], "negative", "{}", lines[0]);
    assert_eq!(lines[1]["lang"], "en", "{}", lines[1]);
    assert_eq!(lines[1]["sentiment"], "positive", "{}", lines[1]);
}

/// Bad lines give an error line naming the line and the problem; the good lines around
/// them are enriched as if the bad ones were not there; the run then fails.
#[test]
fn enrich_reports_bad_lines_by_number_and_enriches_the_rest() {
    let scratch = Scratch::new();
    // About 2 MB of text on one line.
    let long_text = "Kundeservice svarte raskt, men leveransen kom for sent. ".repeat(36_000);
    assert!(long_text.len() > 2_000_000);
    let mut input: Vec<u8> = Vec::new();
    input.extend_from_slice(b"{\"id\":\"crlf\",\"text\":\"Det var ikke bra\"}\r\n"); // 1
    input.extend_from_slice(b"{\"id\":\"lf\",\"text\":\"Det var ikke bra\"}\n"); // 2
    input.extend_from_slice(b"\xff\xfe bad \xc3 bytes\n"); // 3
    input.extend_from_slice(b"{\"id\":4,\"title\":\"no text here\"}\n"); // 4
    input.extend_from_slice(b"{\"id\":5,\"text\":\"broken\n"); // 5
    input.extend_from_slice(b"\n"); // 6: empty, skipped
    input.extend_from_slice(format!("{{\"id\":\"long\",\"text\":\"{long_text}\"}}\n").as_bytes()); // 7
    input.extend_from_slice(b"I love this, great job\r\n"); // 8
    input.extend_from_slice(b"  \r\n"); // 9: blank, skipped
    input.extend_from_slice("{\"id\":\"last\",\"text\":\"Eg har ikkje fått svar\"}".as_bytes()); // 10, no newline

    let (output, lines) = enrich(&scratch, &[], input);
    assert!(!output.status.success(), "{}", stdout(&output));
    assert_eq!(lines.len(), 8, "{lines:#?}");

    let errors: Vec<(u64, &str)> = lines
        .iter()
        .filter(|l| l.get("error").is_some())
        .map(|l| {
            assert_eq!(l.as_object().map(|o| o.len()), Some(2), "{l}");
            (
                l["line"].as_u64().unwrap_or_else(|| panic!("line: {l}")),
                l["error"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        errors.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        [3, 4, 5],
        "{lines:#?}"
    );
    assert!(errors[0].1.contains("UTF-8"), "{errors:?}");
    assert!(errors[1].1.contains("\"text\""), "{errors:?}");
    assert!(errors[2].1.contains("JSON"), "{errors:?}");

    let enriched: Vec<&Value> = lines.iter().filter(|l| l.get("error").is_none()).collect();
    for line in &enriched {
        assert_enriched(line);
    }
    let ids: Vec<&Value> = enriched.iter().map(|l| &l["id"]).collect();
    assert_eq!(
        ids,
        [
            &Value::from("crlf"),
            &Value::from("lf"),
            &Value::from("long"),
            &Value::Null, // the plain text line has no id
            &Value::from("last"),
        ],
        "{lines:#?}"
    );
    // Input order holds across good and bad lines.
    assert_eq!(lines[2]["line"], 3, "{lines:#?}");
    assert_eq!(lines[5]["id"], "long", "{lines:#?}");
    // A carriage return before the newline changes nothing.
    assert_eq!(without_id(enriched[0]), without_id(enriched[1]));
    assert_eq!(enriched[0]["sentiment"], "negative", "{}", enriched[0]);
    assert_eq!(enriched[3]["lang"], "en", "{}", enriched[3]);
    assert_eq!(enriched[4]["lang"], "nn", "{}", enriched[4]);

    let stderr = stderr(&output);
    for n in ["line 3", "line 4", "line 5"] {
        assert!(stderr.contains(n), "{n} missing from stderr: {stderr}");
    }
    assert!(stderr.contains("3 input line(s)"), "{stderr}");
}

#[test]
fn enrich_skips_a_line_over_16_mib_and_goes_on() {
    let scratch = Scratch::new();
    let mut input = vec![b'a'; 17 << 20];
    input.push(b'\n');
    input.extend_from_slice(b"{\"id\":\"after\",\"text\":\"Det var ikke bra\"}\n");
    let (output, lines) = enrich(&scratch, &[], input);
    assert!(!output.status.success());
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[0]["line"], 1, "{}", lines[0]);
    assert!(
        lines[0]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("16 MiB"),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1]["id"], "after", "{}", lines[1]);
    assert_enriched(&lines[1]);
}

#[test]
fn enrich_ignores_a_byte_order_mark_before_a_json_line() {
    let scratch = Scratch::new();
    let lines = enrich_ok(
        &scratch,
        &[],
        "\u{feff}{\"id\":\"bom\",\"text\":\"Det var ikke bra\"}\n",
    );
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!(lines[0]["id"], "bom", "{}", lines[0]);
    assert_enriched(&lines[0]);
}

#[test]
fn enrich_with_a_workspace_gives_the_sentiment_towards_each_brand() {
    // Scratch::new()'s config: workspace "test" with brands nordlys (own) and fjordmat.
    let scratch = Scratch::new();
    let input = [
        r#"{"id":"both","text":"Nordlys har fantastisk kundeservice, men Fjordmat er helt forferdelig"}"#,
        r#"{"id":"one","text":"Nordlys er bra"}"#,
        r#"{"id":"none","text":"Været er fint i dag"}"#,
    ]
    .join("\n");
    let lines = enrich_ok(&scratch, &["--workspace", "test"], input);
    assert_eq!(lines.len(), 3, "{lines:#?}");
    for line in &lines {
        assert_enriched(line);
        for b in line["brands"]
            .as_array()
            .unwrap_or_else(|| panic!("brands: {line}"))
        {
            let score = b["sentiment_score"].as_f64().unwrap_or(f64::NAN);
            assert!((-1.0..=1.0).contains(&score), "{line}");
        }
    }
    let towards = |line: &Value| -> Vec<(String, String)> {
        line["brands"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| {
                (
                    b["brand"].as_str().unwrap_or_default().to_owned(),
                    b["sentiment"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let mut both = towards(&lines[0]);
    both.sort();
    assert_eq!(
        both,
        [
            ("fjordmat".to_owned(), "negative".to_owned()),
            ("nordlys".to_owned(), "positive".to_owned())
        ],
        "{}",
        lines[0]
    );
    let one = towards(&lines[1]);
    assert_eq!(one.len(), 1, "{}", lines[1]);
    assert_eq!(one[0].0, "nordlys", "{}", lines[1]);
    assert_eq!(lines[2]["brands"], Value::Array(Vec::new()), "{}", lines[2]);
}

#[test]
fn enrich_with_an_unknown_workspace_fails_naming_it() {
    let scratch = Scratch::new();
    let (output, lines) = enrich(&scratch, &["--workspace", "nosuch"], "Det var bra\n");
    assert!(!output.status.success());
    assert!(lines.is_empty(), "{lines:#?}");
    let stderr = stderr(&output);
    assert!(
        stderr.contains("\"nosuch\"") && stderr.contains("workspace"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------
// omdomme eval

/// Runs `omdomme eval --json` with `extra` arguments and returns its rows.
fn eval_rows(scratch: &Scratch, extra: &[&str]) -> Vec<Value> {
    let data = data_arg();
    let mut args = vec!["eval", "--json", "--data", data.as_str()];
    args.extend_from_slice(extra);
    let report: Value = serde_json::from_str(&scratch.ok(&args)).expect("eval --json is JSON");
    report["rows"].as_array().expect("rows").clone()
}

fn find_row<'a>(rows: &'a [Value], task: &str, dataset: &str, metric: &str) -> Option<&'a Value> {
    rows.iter()
        .find(|r| r["task"] == task && r["dataset"] == dataset && r["metric"] == metric)
}

/// Fails listing every row of `FIGURES` that is missing or under its floor or target.
fn assert_floors(rows: &[Value]) {
    let mut misses = Vec::new();
    for &(task, dataset, metric, today, target) in FIGURES {
        let Some(row) = find_row(rows, task, dataset, metric) else {
            misses.push(format!("  {task} | {dataset} | {metric}: no such row"));
            continue;
        };
        let ours = row["ours"].as_f64().unwrap_or(f64::NAN);
        let floor = today - MARGIN;
        if ours.is_nan() || ours < floor {
            misses.push(format!(
                "  {task} | {dataset} | {metric}: {ours} < floor {floor:.1} (was {today})"
            ));
        }
        if let Some(target) = target
            && (ours.is_nan() || ours < target)
        {
            misses.push(format!(
                "  {task} | {dataset} | {metric}: {ours} < the issue's target {target}"
            ));
        }
    }
    assert!(
        misses.is_empty(),
        "eval figures under their floor (FIGURES in crates/omdomme/tests/it/nlp.rs):\n{}",
        misses.join("\n")
    );
}

#[test]
fn eval_json_holds_every_figure_above_its_floor() {
    let rows = eval_rows(&Scratch::new(), &[]);
    for row in &rows {
        for key in ["task", "dataset", "split", "metric", "reference"] {
            assert!(row[key].is_string(), "{key}: {row}");
        }
        assert!(row["n"].as_u64() > Some(0), "n: {row}");
        let ours = row["ours"].as_f64().unwrap_or(f64::NAN);
        assert!((0.0..=100.0).contains(&ours), "ours: {row}");
    }
    assert_floors(&rows);

    // The public sets carry the published figure they compare with.
    for dataset in PUBLISHED {
        let row = rows
            .iter()
            .find(|r| r["dataset"] == dataset)
            .unwrap_or_else(|| panic!("no row for {dataset}"));
        let reference = row["reference"].as_str().unwrap_or_default();
        assert!(reference.chars().any(|c| c.is_ascii_digit()), "{row}");
    }
    // Language identification reports accuracy per language.
    for lang in Lang::ALL {
        let metric = format!("accuracy {}", lang.as_str());
        assert!(
            find_row(
                &rows,
                "language",
                "own posts (nb, nn, en, da, sv, other)",
                &metric
            )
            .is_some(),
            "no {metric} row for the own posts"
        );
    }
}

/// The table: a header, then one line per row of the JSON report, each ending in its
/// reference, which starts under the header's `reference`.
#[test]
fn eval_table_has_a_header_and_one_line_per_row_with_its_reference() {
    let scratch = Scratch::new();
    let data = data_arg();
    let table = scratch
        .command()
        .args(["eval", "--data", data.as_str()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn eval");
    let rows = eval_rows(&scratch, &[]);
    let table = table.wait_with_output().expect("eval");
    assert!(table.status.success(), "{}", stderr(&table));
    let table = stdout(&table);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), rows.len() + 1, "{table}");

    let header = lines[0];
    for column in [
        "task",
        "dataset",
        "split",
        "metric",
        "n",
        "ours",
        "reference",
    ] {
        assert!(
            header.split_whitespace().any(|c| c == column),
            "no {column} column: {header}"
        );
    }
    let reference_column = header
        .find("reference")
        .map(|at| header[..at].chars().count())
        .expect("reference column");
    for (line, row) in lines[1..].iter().zip(&rows) {
        let ours = format!("{:.1}", row["ours"].as_f64().unwrap_or(f64::NAN));
        for cell in [&row["task"], &row["dataset"], &row["metric"]] {
            let cell = cell.as_str().unwrap_or_default();
            assert!(line.contains(cell), "{cell:?} missing from {line:?}");
        }
        assert!(line.contains(&ours), "{ours} missing from {line:?}");
        let reference = row["reference"].as_str().unwrap_or_default();
        if !reference.is_empty() {
            assert!(line.ends_with(reference), "{reference:?} ending {line:?}");
            assert_eq!(
                line.chars().count() - reference.chars().count(),
                reference_column,
                "reference not under its header in {line:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// omdomme train

fn shipped_models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../omdomme-nlp/models")
}

fn model_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("dir entry").file_name())
        .filter_map(|name| name.to_str().map(str::to_owned))
        .filter(|name| name.ends_with(".omdlin"))
        .collect();
    names.sort();
    names
}

/// "Reproducible with `omdomme train`": training from the shared data writes the shipped
/// model files byte for byte, and `eval --models` reads them back.
#[test]
fn train_reproduces_the_shipped_models_byte_for_byte() {
    let scratch = Scratch::new();
    let out = scratch.path("models");
    let out_arg = out.to_str().expect("utf-8 path");
    let data = data_arg();
    let printed = scratch.ok(&["train", "--data", data.as_str(), "--out", out_arg]);
    assert!(printed.contains("trained "), "{printed}");

    let shipped = model_files(&shipped_models());
    assert!(
        !shipped.is_empty(),
        "no model files in {}",
        shipped_models().display()
    );
    assert_eq!(
        model_files(&out),
        shipped,
        "train writes the shipped set of files"
    );
    let differ: Vec<&String> = shipped
        .iter()
        .filter(|name| {
            let ours = std::fs::read(out.join(name)).expect("read trained");
            let theirs = std::fs::read(shipped_models().join(name)).expect("read shipped");
            ours != theirs
        })
        .collect();
    assert!(
        differ.is_empty(),
        "trained models differ from crates/omdomme-nlp/models: {differ:?} (retrain with \
         `omdomme train` and commit the model files with the change that moved them)"
    );

    assert_floors(&eval_rows(&scratch, &["--models", out_arg]));
}

#[test]
fn eval_and_train_name_what_is_missing() {
    let scratch = Scratch::new();
    let data = data_arg();

    let output = scratch.run(&["eval", "--data", data.as_str(), "--models", "/nonexistent"]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("/nonexistent") && message.contains(".omdlin"),
        "{message}"
    );

    let output = scratch.run(&["eval", "--data", "/nonexistent"]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("/nonexistent/"), "{message}");

    let out = scratch.path("never-written");
    let output = scratch.run(&[
        "train",
        "--data",
        "/nonexistent",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("/nonexistent/"),
        "names the missing file: {message}"
    );
    assert!(
        message.contains("--data") && message.contains("shared/data"),
        "says where the data is expected: {message}"
    );
    assert!(!out.exists(), "nothing written when training fails");
}

// ---------------------------------------------------------------------------------------
// omdomme bench nlp

/// `nlp: <R> posts/s/core, models <M> MiB`, as `^nlp: \d+ posts/s/core, models \d+ MiB$`.
fn is_nlp_summary(line: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    line.strip_prefix("nlp: ")
        .and_then(|rest| rest.split_once(" posts/s/core, models "))
        .and_then(|(rate, rest)| Some((rate, rest.strip_suffix(" MiB")?)))
        .is_some_and(|(rate, mib)| digits(rate) && digits(mib))
}

#[test]
fn bench_nlp_ends_with_the_line_scripts_read() {
    assert!(is_nlp_summary("nlp: 165679 posts/s/core, models 72 MiB"));
    assert!(!is_nlp_summary("nlp: 1.5 posts/s/core, models 72 MiB"));
    assert!(!is_nlp_summary("nlp:  posts/s/core, models 72 MiB"));

    let scratch = Scratch::new();
    let out = scratch.ok(&["bench", "nlp", "--posts", "2000"]);
    let last = out.lines().last().unwrap_or_default();
    assert!(is_nlp_summary(last), "last line {last:?} of:\n{out}");
}
