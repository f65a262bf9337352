//! `omdomme bench ingest|query|nlp|jetstream|inbox|alerts`: speed on generated data, measured the way users feel it.
//! The last line of each bench has a fixed shape that scripts read; keep it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Subcommand;
use jiff::{SignedDuration, Timestamp};
use omdomme_connectors::bluesky::replay::{self, Recording, ReplayOptions};
use omdomme_connectors::bluesky::{self, Jetstream};
use omdomme_connectors::{BuildContext, Connector, Http, RetryPolicy, WatchQuery};
use omdomme_core::{BrandId, Item, Query, SentimentLabel, Workspace};
use omdomme_demo::DemoOptions;
use omdomme_nlp::{Enricher, NlpEnricher};
use omdomme_sources::{Format, ImportContext};
use omdomme_store::{Bucket, Filters, SearchOrder, SearchRequest, Store, VolumeRequest};

use crate::cli::{Context, open_store_at};
use crate::{pipeline, progress};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Import + enrich + store + index of typical posts from a JSONL file.
    Ingest {
        #[arg(long, default_value_t = 1_000_000)]
        items: u64,
    },
    /// Overview (1-year volume and sentiment of one brand) and full-text search latency.
    Query {
        #[arg(long, default_value_t = 10_000_000)]
        items: u64,
        /// Timed repetitions of each kind of query.
        #[arg(long, default_value_t = 200)]
        iterations: usize,
    },
    /// Language, sentiment, topics, stakeholder and inquiry of typical posts on one core.
    Nlp {
        #[arg(long, default_value_t = 200_000)]
        posts: u64,
        /// Also time VADER (Python's vaderSentiment, `pip install vaderSentiment`) on the
        /// same texts and print how many times faster we are.
        #[arg(long)]
        vader: bool,
    },
    /// The inbox page over HTTP with `open` open inquiries among `items` items, and how
    /// soon a new inquiry reaches the page's arrivals poll.
    Inbox {
        #[arg(long, default_value_t = 1_000_000)]
        items: u64,
        #[arg(long, default_value_t = 100_000)]
        open: u64,
        #[arg(long, default_value_t = 200)]
        iterations: usize,
    },
    /// The Bluesky firehose consumer: recorded Jetstream events replayed from a local
    /// WebSocket at full speed, filtered by watch queries into batches, on one core.
    Jetstream {
        #[arg(long, default_value_t = 500_000)]
        events: u64,
        /// JSON Lines of recorded Jetstream events, repeated as often as needed.
        #[arg(
            long,
            default_value = "../shared/fixtures/bluesky/jetstream_v1_corpus.jsonl"
        )]
        recording: PathBuf,
    },
    // == alerts (issue 7) ==
    /// From an item stored to its alert delivered to a local webhook, through the real
    /// store and alert loop.
    Alerts {
        #[arg(long, default_value_t = 200)]
        alerts: usize,
    },
    // == scale (issue 8) ==
    /// N `omdomme worker` processes between a NATS JetStream and a PostgreSQL store:
    /// items/s and publish-to-stored latency of generated items published through the queue.
    Pipeline {
        #[arg(long, default_value_t = 1)]
        workers: usize,
        /// An empty PostgreSQL database (`postgres://user:password@host:5432/db`).
        #[arg(long)]
        store_url: String,
        #[arg(long)]
        queue_url: String,
        #[arg(long, default_value_t = 20_000)]
        items: u64,
    },
}

pub async fn run(context: &Context, command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Ingest { items } => ingest(context, items).await,
        BenchCommand::Query { items, iterations } => query(context, items, iterations).await,
        BenchCommand::Nlp { posts, vader } => nlp(context, posts, vader),
        BenchCommand::Jetstream { events, recording } => jetstream(events, &recording),
        BenchCommand::Inbox {
            items,
            open,
            iterations,
        } => inbox(context, items, open, iterations).await,
        BenchCommand::Alerts { alerts } => super::bench_alerts::run(context, alerts).await,
        // == scale (issue 8) ==
        BenchCommand::Pipeline {
            workers,
            store_url,
            queue_url,
            items,
        } => super::bench_pipeline::run(context, workers, &store_url, &queue_url, items).await,
    }
}

/// A scratch folder for a bench, inside `--data-dir` when given so big runs can go to a big disk.
pub(crate) fn scratch_dir(context: &Context, name: &str) -> PathBuf {
    context
        .data_dir_flag
        .clone()
        .unwrap_or_else(|| PathBuf::from("bench-data"))
        .join(name)
}

async fn ingest(context: &Context, count: u64) -> anyhow::Result<()> {
    let dir = scratch_dir(context, "ingest");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir)?;
    let input = dir.join("posts.jsonl");
    let workspace = omdomme_demo::workspace();
    println!(
        "writing {count} typical posts to {} (not timed)",
        input.display()
    );
    write_posts_jsonl(&input, count, bench_end()?)?;
    let bytes = std::fs::metadata(&input)?.len();

    let store = open_store_at(&dir.join("store"))?;
    store.put_workspace(&workspace).await?;
    super::demo::put_demo_accounts(&*store, &workspace).await?;
    let enricher = NlpEnricher::new(&workspace)?;
    let file = std::fs::File::open(&input)?;
    let records = omdomme_sources::read_items(
        Format::Jsonl,
        Box::new(std::io::BufReader::with_capacity(1 << 16, file)),
        ImportContext {
            source_name: "bench".to_owned(),
            collected_at: bench_end()?,
        },
    );
    let bar = progress::bar("ingest", Some(count));
    let report = pipeline::ingest(
        store.clone(),
        &workspace.id,
        Arc::new(enricher),
        records,
        &bar,
    )
    .await?;
    bar.finish_and_clear();
    let stats = store.stats().await?;
    anyhow::ensure!(
        stats.items == count && stats.indexed == count && report.rejected == 0,
        "bench ingest stored {} and indexed {} of {count} items ({} rejected)",
        stats.items,
        stats.indexed,
        report.rejected
    );
    println!(
        "input {:.0} MiB JSONL; {} new, {} rollup rows",
        bytes as f64 / 1048576.0,
        report.stored.new,
        stats.rollup_rows
    );
    println!(
        "ingest: {count} items in {:.2} s = {:.0} items/s, peak RSS {} MiB",
        report.elapsed.as_secs_f64(),
        report.items_per_second(),
        peak_rss_mib()
    );
    Ok(())
}

/// Demo posts in the plain JSONL a user would import: the fields, not our internal form.
fn write_posts_jsonl(path: &Path, count: u64, end: Timestamp) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let options = DemoOptions {
        seed: 7,
        items: count,
        end,
    };
    for item in omdomme_demo::generate(&options) {
        let record = serde_json::json!({
            "id": item.external_id,
            "source": item.source.name,
            "kind": item.kind.as_str(),
            "author": {
                "handle": item.author.handle,
                "name": item.author.name,
                "followers": item.author.followers,
                "verified": item.author.verified,
            },
            "title": item.title,
            "text": item.text,
            "url": item.url,
            "thread_id": item.thread_id,
            "parent_id": item.parent_id,
            "likes": item.engagement.likes,
            "shares": item.engagement.shares,
            "replies": item.engagement.replies,
            "published_at": item.published_at.to_string(),
        });
        serde_json::to_writer(&mut out, &record)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// A fixed end for generated data, so every bench run measures the same items.
fn bench_end() -> anyhow::Result<Timestamp> {
    Ok("2026-11-01T00:00:00Z".parse()?)
}

/// Scenario windows stitched together so the bench data spans a full year, as the overview asks.
const YEAR_SEGMENTS: i64 = 4;

async fn query(context: &Context, count: u64, iterations: usize) -> anyhow::Result<()> {
    let dir = scratch_dir(context, &format!("query-{count}"));
    let ready_marker = dir.join(".bench-ready");
    let store = open_store_at(&dir)?;
    let workspace = omdomme_demo::workspace();
    let end = bench_end()?;
    if ready_marker.exists() {
        println!("reusing {count} items in {}", dir.display());
    } else {
        store.put_workspace(&workspace).await?;
        build_year(&store, &workspace, count, end).await?;
        std::fs::write(&ready_marker, "complete\n")?;
    }
    let stats = store.stats().await?;
    println!(
        "{} items, {} indexed, {} rollup rows in {}",
        stats.items,
        stats.indexed,
        stats.rollup_rows,
        dir.display()
    );

    let year_ago = end.checked_sub(SignedDuration::from_hours(24 * 365))?;
    let brands: Vec<BrandId> = workspace.brands.iter().map(|b| b.id.clone()).collect();
    let mut overview = Vec::with_capacity(iterations);
    for i in 0..iterations {
        let request = VolumeRequest {
            workspace: workspace.id.clone(),
            filters: Filters {
                brand: Some(brands[i % brands.len()].clone()),
                from: Some(year_ago),
                to: Some(end),
                ..Filters::default()
            },
            bucket: Bucket::Day,
            time_zone: "Europe/Oslo".to_owned(),
        };
        let started = Instant::now();
        let points = store.volume(&request).await?;
        overview.push(started.elapsed());
        anyhow::ensure!(
            !points.is_empty(),
            "the overview of {} found nothing",
            brands[i % brands.len()]
        );
    }

    let searches = search_mix(&workspace, end)?;
    let mut search = Vec::with_capacity(iterations);
    let mut matched = 0u64;
    for i in 0..iterations {
        let request = &searches[i % searches.len()];
        let started = Instant::now();
        let page = store.search(request).await?;
        search.push(started.elapsed());
        matched += page.total;
    }
    println!(
        "{} search shapes; mean {} matches per search",
        searches.len(),
        matched / iterations.max(1) as u64
    );
    println!(
        "query: overview p50 {:.2} ms p95 {:.2} ms; search p50 {:.2} ms p95 {:.2} ms at {} items",
        percentile_ms(&mut overview, 50),
        percentile_ms(&mut overview, 95),
        percentile_ms(&mut search, 50),
        percentile_ms(&mut search, 95),
        stats.items
    );
    Ok(())
}

/// Generates `count` items spread over a year: several 90-day scenario windows, each with
/// its own seed and ids.
async fn build_year(
    store: &Arc<dyn Store>,
    workspace: &Workspace,
    count: u64,
    end: Timestamp,
) -> anyhow::Result<()> {
    println!("generating {count} items over a year (once; later runs reuse them)");
    let enricher: Arc<NlpEnricher> = Arc::new(NlpEnricher::new(workspace)?);
    let bar = progress::bar("generate", Some(count));
    let started = Instant::now();
    for segment in 0..YEAR_SEGMENTS {
        let share = count / YEAR_SEGMENTS as u64
            + u64::from((segment as u64) < count % YEAR_SEGMENTS as u64);
        let options = DemoOptions {
            seed: 1000 + segment as u64,
            items: share,
            end: end.checked_sub(SignedDuration::from_hours(24 * 90 * segment))?,
        };
        let items = omdomme_demo::generate(&options).map(move |mut item: Item| {
            item.external_id = format!("y{segment}-{}", item.external_id);
            if let Some(parent) = &mut item.parent_id {
                *parent = format!("y{segment}-{parent}");
            }
            if let Some(thread) = &mut item.thread_id {
                *thread = format!("y{segment}-{thread}");
            }
            Ok::<_, std::convert::Infallible>(item)
        });
        pipeline::ingest(store.clone(), &workspace.id, enricher.clone(), items, &bar).await?;
    }
    bar.finish_and_clear();
    println!("generated in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Searches a communications team runs: words, phrases, hashtags, boolean combinations,
/// with and without filters and date ranges.
fn search_mix(workspace: &Workspace, end: Timestamp) -> anyhow::Result<Vec<SearchRequest>> {
    let month_ago = end.checked_sub(SignedDuration::from_hours(24 * 30))?;
    let own = workspace.own_brand().map(|b| b.id.clone());
    let shapes: [(&str, Filters, SearchOrder); 8] = [
        ("leverandør", Filters::default(), SearchOrder::Relevance),
        (
            "\"dårlige arbeidsforhold\"",
            Filters::default(),
            SearchOrder::Newest,
        ),
        (
            "klima AND (utslipp OR elektrisk)",
            Filters::default(),
            SearchOrder::Relevance,
        ),
        (
            "kundeservice",
            Filters {
                brand: own.clone(),
                sentiment: Some(SentimentLabel::Negative),
                ..Filters::default()
            },
            SearchOrder::Newest,
        ),
        (
            "supplier OR workers",
            Filters {
                from: Some(month_ago),
                to: Some(end),
                ..Filters::default()
            },
            SearchOrder::Relevance,
        ),
        (
            "jobb* NOT trainee",
            Filters {
                brand: own.clone(),
                ..Filters::default()
            },
            SearchOrder::Relevance,
        ),
        (
            "bestilling levering",
            Filters {
                from: Some(month_ago),
                ..Filters::default()
            },
            SearchOrder::Newest,
        ),
        (
            "ikkje",
            Filters {
                brand: own,
                ..Filters::default()
            },
            SearchOrder::Relevance,
        ),
    ];
    shapes
        .into_iter()
        .map(|(text, filters, order)| {
            Ok(SearchRequest {
                workspace: workspace.id.clone(),
                query: Some(
                    Query::parse(text).map_err(|e| anyhow::anyhow!("bench query {text:?}: {e}"))?,
                ),
                filters,
                order,
                offset: 0,
                limit: 20,
            })
        })
        .collect()
}

pub(crate) fn percentile_ms(samples: &mut [Duration], percentile: usize) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.sort_unstable();
    let rank = (samples.len() * percentile)
        .div_ceil(100)
        .clamp(1, samples.len());
    samples[rank - 1].as_secs_f64() * 1000.0
}

/// Peak resident memory of this process (VmHWM), in MiB; 0 where /proc is missing.
fn peak_rss_mib() -> u64 {
    proc_status_kib("VmHWM:") / 1024
}

/// A memory figure of this process from /proc/self/status, in KiB; 0 where it is missing.
fn proc_status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .unwrap_or(0)
}

/// Enriches typical posts on this thread alone and reports posts per second and the
/// memory the models take: first the five decisions of the issue (language, sentiment,
/// topics, stakeholder, inquiry), then with the demo's brand watch queries as well.
fn nlp(context: &Context, count: u64, vader: bool) -> anyhow::Result<()> {
    let with_brands = omdomme_demo::workspace();
    let without_brands = Workspace {
        brands: Vec::new(),
        ..with_brands.clone()
    };
    let options = DemoOptions {
        seed: 7,
        items: count,
        end: bench_end()?,
    };
    let mut items: Vec<Item> = omdomme_demo::generate(&options)
        .map(|mut item| {
            item.enrichment = Default::default();
            item
        })
        .collect();
    let chars: usize = items.iter().map(|i| i.text.chars().count()).sum();
    println!(
        "{} typical posts, {:.0} characters on average (not timed)",
        items.len(),
        chars as f64 / items.len().max(1) as f64
    );
    let before = proc_status_kib("VmRSS:");
    let plain = NlpEnricher::new(&without_brands)?;
    let models_mib = (proc_status_kib("VmRSS:").saturating_sub(before)) as f64 / 1024.0;
    let branded = NlpEnricher::new(&with_brands)?;
    let (branded_rate, branded_cpu) = enrich_rate(&branded, &mut items);
    println!(
        "with {} brand watch queries: {branded_rate:.0} posts/s on one thread{}",
        with_brands.brands.len(),
        per_cpu_second(branded_cpu)
    );
    let (rate, cpu) = enrich_rate(&plain, &mut items);
    println!(
        "language, sentiment, topics, stakeholder, inquiry: {rate:.0} posts/s on one thread{}",
        per_cpu_second(cpu)
    );
    if vader {
        let dir = scratch_dir(context, "nlp");
        std::fs::create_dir_all(&dir)?;
        let texts = dir.join("texts.txt");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&texts)?);
        for item in &items {
            writeln!(out, "{}", item.text.replace(['\n', '\r'], " "))?;
        }
        out.flush()?;
        match vader_rate(&texts) {
            Ok(vader_rate) => println!(
                "VADER (sentiment only): {vader_rate:.0} posts/s on the same texts; ours is {:.1}x faster with all five",
                rate / vader_rate
            ),
            Err(e) => println!("VADER not measured: {e:#}"),
        }
    }
    println!("nlp: {rate:.0} posts/s/core, models {models_mib:.0} MiB");
    Ok(())
}

/// Posts per second of `enricher` over `items`, after a warm-up, in the batches the
/// ingest pipeline uses.
/// Posts per second of wall-clock time, and per second of this thread's CPU time where the
/// system tells it (on a busy machine the thread waits for a core, which the first counts).
fn enrich_rate(enricher: &NlpEnricher, items: &mut [Item]) -> (f64, Option<f64>) {
    let warm = items.len().min(2_000);
    enricher.enrich(&mut items[..warm]);
    let cpu_before = thread_cpu_seconds();
    let started = Instant::now();
    for batch in items.chunks_mut(4096) {
        enricher.enrich(batch);
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = thread_cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before)
        .filter(|cpu| *cpu > 0.0);
    let n = items.len() as f64;
    (n / wall, cpu.map(|cpu| n / cpu))
}

/// This thread's time on a CPU so far, in seconds (Linux scheduler statistics).
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 / 1e9)
}

fn per_cpu_second(rate: Option<f64>) -> String {
    rate.map(|r| format!(" ({r:.0} per second of CPU time)"))
        .unwrap_or_default()
}

/// Posts per second of Python's VADER on the texts in `path`, one per line.
fn vader_rate(path: &Path) -> anyhow::Result<f64> {
    const SCRIPT: &str = "import sys, time\n\
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer\n\
texts = open(sys.argv[1], encoding='utf-8').read().splitlines()\n\
analyzer = SentimentIntensityAnalyzer()\n\
start = time.perf_counter()\n\
for t in texts:\n    analyzer.polarity_scores(t)\n\
print(len(texts) / (time.perf_counter() - start))\n";
    let output = std::process::Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(path)
        .output()
        .context("running python3")?;
    anyhow::ensure!(
        output.status.success(),
        "python3 failed (is vaderSentiment installed?): {}",
        String::from_utf8_lossy(&output.stderr).trim()
    );
    Ok(String::from_utf8_lossy(&output.stdout).trim().parse()?)
}

/// Matches words that are common in the recorded posts, so the bench also builds items and
/// not only drops events (the demo brands' queries match none of them).
const JETSTREAM_BENCH_QUERY: &str = "government OR election OR show OR #HowToTellAiToShutUp";

fn jetstream(events: u64, recording: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(recording).with_context(|| {
        format!(
            "reading the Jetstream recording {} (run from the repository root, or pass --recording)",
            recording.display()
        )
    })?;
    let recording = Arc::new(Recording::parse(&text).map_err(anyhow::Error::msg)?);
    let mut watch = omdomme_demo::workspace()
        .brands
        .iter()
        .map(|brand| {
            Ok(WatchQuery {
                brand: brand.id.clone(),
                text: brand.query.clone(),
                query: brand.parsed_query()?,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    watch.push(WatchQuery {
        brand: BrandId("bench".to_owned()),
        text: JETSTREAM_BENCH_QUERY.to_owned(),
        query: Query::parse(JETSTREAM_BENCH_QUERY)?,
    });
    println!(
        "replaying {events} events ({} recorded, repeated) against {} watch queries",
        recording.len(),
        watch.len()
    );

    // The server gets a thread of its own, so the consumer's thread is the one measured.
    let (url_sender, url_receiver) = std::sync::mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || -> anyhow::Result<()> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async move {
            let options = ReplayOptions {
                total: events,
                drop_after: None,
            };
            let server = replay::serve(recording, options).await?;
            url_sender.send(server.url.clone())?;
            stopped.await.ok();
            Ok(())
        })
    });
    let url = url_receiver
        .recv()
        .context("the replay server did not start")?;
    let consumer = std::thread::spawn(move || -> anyhow::Result<ConsumerRun> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(consume(url, watch, events))
    });
    let run = consumer
        .join()
        .map_err(|_| anyhow::anyhow!("the consumer thread panicked"))??;
    stop.send(()).ok();
    server
        .join()
        .map_err(|_| anyhow::anyhow!("the replay server thread panicked"))??;

    let rate = run.events as f64 / run.elapsed.as_secs_f64();
    println!(
        "{} events in {:.2} s in {} batches: {} matching posts handed over, {} rejected",
        run.events,
        run.elapsed.as_secs_f64(),
        run.batches,
        run.matched,
        run.rejected
    );
    println!("jetstream: {rate:.0} events/s");
    Ok(())
}

struct ConsumerRun {
    events: u64,
    elapsed: Duration,
    batches: u64,
    matched: u64,
    rejected: u64,
}

/// Reads `events` events through the consumer, committing each batch's cursor at once.
async fn consume(url: String, watch: Vec<WatchQuery>, events: u64) -> anyhow::Result<ConsumerRun> {
    let clock: omdomme_connectors::Clock = Arc::new(crate::clock::now);
    let context = BuildContext {
        http: Http::new(RetryPolicy::default(), clock)?,
        credential: None,
        watch,
    };
    let config = bluesky::Config {
        name: "bench".to_owned(),
        listen: bluesky::Listen::Jetstream,
        jetstream: Some(url),
        appview: None,
        pds: None,
        handle: None,
        interval_secs: None,
    };
    let mut consumer = Jetstream::new(&config, &context)?;
    let mut run = ConsumerRun {
        events: 0,
        elapsed: Duration::ZERO,
        batches: 0,
        matched: 0,
        rejected: 0,
    };
    let mut cursor: Option<String> = None;
    let started = Instant::now();
    while consumer.events_read() < events {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "the consumer read only {} of {events} events in 10 minutes",
            consumer.events_read()
        );
        let batch = consumer.next_batch(cursor.as_deref()).await?;
        run.batches += 1;
        run.matched += batch.items.len() as u64;
        run.rejected += batch.rejected.len() as u64;
        if batch.cursor.is_some() {
            cursor = batch.cursor;
        }
    }
    run.elapsed = started.elapsed();
    run.events = consumer.events_read();
    Ok(run)
}

/// Fills a store once with `count` items over 30 days, every (count / open)-th an inquiry
/// about the own brand (so `open` inbox entries, a tenth of them assigned), serves the app on
/// a local port and times the inbox page in its common shapes over HTTP, then stores one
/// new inquiry and times how long until the arrivals fragment the page polls shows it.
async fn inbox(context: &Context, count: u64, open: u64, iterations: usize) -> anyhow::Result<()> {
    use omdomme_core::{
        Author, Engagement, Enrichment, ItemKind, Lang, SourceKey, SourceKind, WorkspaceId,
    };
    use omdomme_store::{InboxChange, InboxQuery, Role, SessionRecord, StatusFilter, UserRecord};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// GET over a fresh connection; the body (the response after the headers).
    async fn get(addr: std::net::SocketAddr, path: &str, cookie: &str) -> anyhow::Result<String> {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        let mut response = String::new();
        stream.read_to_string(&mut response).await?;
        anyhow::ensure!(
            response.starts_with("HTTP/1.1 200"),
            "GET {path}: {}",
            response.lines().next().unwrap_or("no answer")
        );
        Ok(response)
    }

    anyhow::ensure!(open > 0 && open <= count, "--open must be 1 to --items");
    let dir = scratch_dir(context, &format!("inbox-{count}-{open}"));
    let ready_marker = dir.join(".bench-ready");
    let store = open_store_at(&dir)?;
    let workspace = omdomme_demo::workspace();
    let own = workspace
        .own_brand()
        .map(|b| b.id.clone())
        .context("the demo workspace has no own brand")?;
    let now = crate::clock::now();
    let responders: Vec<String> = (1..=5)
        .map(|n| format!("svarer{n}@bench.invalid"))
        .collect();
    if ready_marker.exists() {
        println!("reusing {count} items in {}", dir.display());
    } else {
        println!(
            "generating {count} items, {open} of them inquiries (once; later runs reuse them)"
        );
        store.put_workspace(&workspace).await?;
        let started = Instant::now();
        let kinds = [
            SourceKind::X,
            SourceKind::Mastodon,
            SourceKind::Bluesky,
            SourceKind::Facebook,
            SourceKind::Rss,
        ];
        let every = count / open;
        let span_secs = 30 * 24 * 3600;
        let bar = progress::bar("generate", Some(count));
        let mut batch = Vec::with_capacity(5_000);
        for i in 0..count {
            // By the inquiry's number, so every channel gets its share of the inquiries.
            let kind = kinds[((i / every) % kinds.len() as u64) as usize];
            let inquiry = i % every == 0 && i / every < open;
            let secs = span_secs - (i * span_secs as u64 / count) as i64;
            let published_at = now.checked_sub(SignedDuration::from_secs(secs))?;
            batch.push(Item {
                source: SourceKey::new(kind, "bench"),
                external_id: format!("inbox-{i}"),
                kind: ItemKind::Post,
                author: Author {
                    handle: format!("kunde{}", i % 50_000),
                    name: Some(format!("Kunde {}", i % 50_000)),
                    followers: Some(i % 1_000),
                    verified: false,
                },
                title: None,
                text: if inquiry {
                    format!(
                        "Hei {}, når kommer bestilling {i}? Ingen svarer på telefon.",
                        own.0
                    )
                } else {
                    format!("Innlegg {i} om dagligvarer og priser")
                },
                url: Some(format!("https://example.invalid/{i}")),
                thread_id: None,
                parent_id: None,
                engagement: Engagement::default(),
                published_at,
                collected_at: published_at,
                declared_lang: Some("nb".to_owned()),
                enrichment: Enrichment {
                    lang: Lang::Nb,
                    brands: if inquiry || i % 3 == 0 {
                        vec![own.clone()]
                    } else {
                        Vec::new()
                    },
                    inquiry,
                    model: "bench".to_owned(),
                    ..Enrichment::default()
                },
                synthetic: true,
            });
            if batch.len() == 5_000 {
                store.put_items(&workspace.id, &batch).await?;
                bar.inc(batch.len() as u64);
                batch.clear();
            }
        }
        store.put_items(&workspace.id, &batch).await?;
        store.flush().await?;
        bar.finish_and_clear();
        for email in &responders {
            store
                .put_user(&UserRecord {
                    email: email.clone(),
                    name: email.clone(),
                    role: Role::Responder,
                    password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
                    language: omdomme_store::UiLanguage::Nb,
                })
                .await?;
        }
        // A tenth of the open entries assigned, spread over the responders.
        let mut query = InboxQuery {
            workspace: workspace.id.clone(),
            status: StatusFilter::Open,
            channel: None,
            assignee: None,
            responder: None,
            sla: None,
            from: None,
            to: None,
            now,
            after: None,
            limit: 200,
        };
        let mut assigned = 0usize;
        while (assigned as u64) < open / 10 {
            let page = store.inbox(&query).await?;
            for row in page.rows.iter().step_by(2) {
                let who = responders[assigned % responders.len()].clone();
                store
                    .update_inbox_entry(
                        &workspace.id,
                        row.item.id,
                        &InboxChange::Assign(Some(who)),
                        now,
                    )
                    .await?;
                assigned += 1;
            }
            let Some(next) = page.next else { break };
            query.after = Some(next);
        }
        std::fs::write(&ready_marker, "complete\n")?;
        println!("generated in {:.0} s", started.elapsed().as_secs_f64());
    }
    let counts = store.inbox_counts(&workspace.id).await?;
    println!("{} open inbox entries", counts.open(None));

    let token = omdomme_web::auth::new_session_token();
    let responder = &responders[0];
    store
        .put_session(&SessionRecord {
            token_hash: omdomme_web::auth::token_hash(&token),
            email: responder.clone(),
            expires_at: now.checked_add(SignedDuration::from_hours(1))?,
        })
        .await?;
    let cookie = format!("{}={token}", omdomme_web::auth::SESSION_COOKIE);
    let clock: Arc<dyn omdomme_web::Clock> = Arc::new(omdomme_web::SystemClock);
    let channels = omdomme_web::pages::inbox::StoreChannels::new(
        store.clone(),
        None,
        omdomme_web::connector_clock(clock.clone()),
    )?;
    let state = omdomme_web::AppState {
        store: store.clone(),
        clock,
        config: omdomme_web::WebConfig::default(),
        enrichers: Arc::new(omdomme_web::Enrichers::new()),
        secret_key: None,
        overview_figures: Arc::new(omdomme_web::pages::overview::figure_cache()),
        channels: Arc::new(channels),
        mailer: None,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(omdomme_web::serve(listener, state));
    let ws = &workspace.id.0;
    let shapes = [
        format!("/w/{ws}/inbox"),
        format!("/w/{ws}/inbox?channel=facebook"),
        format!("/w/{ws}/inbox?status=new"),
        format!("/w/{ws}/inbox?assignee=me"),
        format!("/w/{ws}/inbox?assignee=unassigned&channel=x"),
        format!("/w/{ws}/inbox?sla=breached"),
        format!("/w/{ws}/inbox?sla=at_risk"),
    ];
    // Warm the caches once, as a server that has been running would have them.
    for path in &shapes {
        get(addr, path, &cookie).await?;
    }
    let mut all = Vec::with_capacity(iterations * shapes.len());
    for path in &shapes {
        let mut samples = Vec::with_capacity(iterations);
        for _ in 0..iterations {
            let started = Instant::now();
            let page = get(addr, path, &cookie).await?;
            samples.push(started.elapsed());
            anyhow::ensure!(page.contains("inbox-row"), "{path} showed no rows");
        }
        println!(
            "{path}: p50 {:.2} ms p95 {:.2} ms",
            percentile_ms(&mut samples, 50),
            percentile_ms(&mut samples, 95)
        );
        all.extend(samples);
    }

    let arrivals = format!("/w/{ws}/inbox/arrivals?after={}", counts.latest_id);
    let mut fragment = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        get(addr, &arrivals, &cookie).await?;
        fragment.push(started.elapsed());
    }
    let marker = format!("bench-arrival-{}", now.as_second());
    let mut question = Item {
        source: SourceKey::new(SourceKind::X, "bench"),
        external_id: marker.clone(),
        kind: ItemKind::Post,
        author: Author {
            handle: marker.clone(),
            ..Author::default()
        },
        title: None,
        text: format!("{}, hvor er pakken min?", own.0),
        url: None,
        thread_id: None,
        parent_id: None,
        engagement: Engagement::default(),
        published_at: now,
        collected_at: now,
        declared_lang: None,
        enrichment: Enrichment::default(),
        synthetic: true,
    };
    question.enrichment.inquiry = true;
    question.enrichment.brands = vec![own.clone()];
    question.enrichment.model = "bench".to_owned();
    let started = Instant::now();
    store
        .put_items(&WorkspaceId(ws.clone()), &[question])
        .await?;
    let stored = started.elapsed();
    let shown = loop {
        if get(addr, &arrivals, &cookie).await?.contains(&marker) {
            break started.elapsed();
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(10),
            "the new inquiry never showed"
        );
    };
    server.abort();
    println!(
        "arrivals fragment: p50 {:.2} ms p95 {:.2} ms; a new inquiry is stored in {:.1} ms and \
         in the fragment {:.1} ms after arriving, so the page (polling every {} s) shows it \
         within {:.2} s",
        percentile_ms(&mut fragment, 50),
        percentile_ms(&mut fragment, 95),
        stored.as_secs_f64() * 1000.0,
        shown.as_secs_f64() * 1000.0,
        omdomme_web::pages::inbox::ARRIVALS_POLL_SECS,
        omdomme_web::pages::inbox::ARRIVALS_POLL_SECS as f64
            + shown.as_secs_f64()
            + percentile_ms(&mut fragment, 95) / 1000.0
    );
    println!(
        "inbox: page p50 {:.2} ms p95 {:.2} ms at {} items, {} open",
        percentile_ms(&mut all, 50),
        percentile_ms(&mut all, 95),
        count,
        counts.open(None)
    );
    Ok(())
}
