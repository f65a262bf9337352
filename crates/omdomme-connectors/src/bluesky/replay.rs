//! Recorded Jetstream events served from a local WebSocket as fast as the reader takes them,
//! for `omdomme bench jetstream` and for testing the consumer.
//!
//! The recording repeats as often as asked, each repetition shifted later in time by the
//! recording's span, so cursors keep growing. A `cursor` in the request replays from that
//! `time_us` in time order, as Jetstream does.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use futures_util::SinkExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

/// One recorded event, split around its `time_us` so a repetition can shift it.
#[derive(Clone, Debug)]
struct Template {
    head: String,
    time_us: i64,
    /// `None` for a line without a readable `time_us` (kept verbatim: bad input is part of
    /// what a recording may hold).
    tail: Option<String>,
}

/// A recording: JSON Lines of Jetstream events.
#[derive(Clone, Debug)]
pub struct Recording {
    events: Vec<Template>,
    /// How much later each repetition is than the one before.
    span_us: i64,
}

impl Recording {
    /// Reads JSON Lines; blank lines are skipped. Fails on a recording without events.
    pub fn parse(jsonl: &str) -> Result<Recording, String> {
        let mut events = Vec::new();
        let mut last_time = 0;
        for line in jsonl.lines().filter(|l| !l.trim().is_empty()) {
            let split = line.find("\"time_us\":").and_then(|at| {
                let digits_at = at + "\"time_us\":".len();
                let digits = line[digits_at..]
                    .bytes()
                    .take_while(u8::is_ascii_digit)
                    .count();
                let time_us = line[digits_at..digits_at + digits].parse::<i64>().ok()?;
                Some((digits_at, digits_at + digits, time_us))
            });
            events.push(match split {
                Some((start, end, time_us)) => {
                    last_time = time_us;
                    Template {
                        head: line[..start].to_owned(),
                        time_us,
                        tail: Some(line[end..].to_owned()),
                    }
                }
                None => Template {
                    head: line.to_owned(),
                    time_us: last_time,
                    tail: None,
                },
            });
        }
        let min = events.iter().map(|e| e.time_us).min();
        let max = events.iter().map(|e| e.time_us).max();
        let (Some(min), Some(max)) = (min, max) else {
            return Err("the recording holds no events".to_owned());
        };
        Ok(Recording {
            events,
            span_us: max - min + 1,
        })
    }

    /// Events in one repetition.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Event `index` of the endless repetition: its `time_us` and its text.
    pub fn event(&self, index: u64) -> (i64, String) {
        let count = self.events.len() as u64;
        let template = &self.events[(index % count) as usize];
        let time_us = template.time_us + (index / count) as i64 * self.span_us;
        let text = match &template.tail {
            Some(tail) => {
                let mut text = String::with_capacity(template.head.len() + tail.len() + 20);
                text.push_str(&template.head);
                text.push_str(&time_us.to_string());
                text.push_str(tail);
                text
            }
            None => template.head.clone(),
        };
        (time_us, text)
    }

    fn time_of(&self, index: u64) -> i64 {
        let count = self.events.len() as u64;
        self.events[(index % count) as usize].time_us + (index / count) as i64 * self.span_us
    }
}

/// What the replay server sends on each connection.
#[derive(Clone, Copy, Debug)]
pub struct ReplayOptions {
    /// Events of the repeated recording, in all.
    pub total: u64,
    /// Break the connection (no close frame) after this many events, as a dropped
    /// network connection would.
    pub drop_after: Option<u64>,
}

/// A running replay server.
pub struct ReplayServer {
    /// `ws://127.0.0.1:<port>/subscribe`.
    pub url: String,
    requests: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl ReplayServer {
    /// The request target (path and query) of each connection so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for ReplayServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `recording` on a free loopback port until the server is dropped.
pub async fn serve(
    recording: Arc<Recording>,
    options: ReplayOptions,
) -> std::io::Result<ReplayServer> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address: SocketAddr = listener.local_addr()?;
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(connection(stream, recording.clone(), options, seen.clone()));
        }
    });
    Ok(ReplayServer {
        url: format!("ws://{address}/subscribe"),
        requests,
        task,
    })
}

async fn connection(
    stream: TcpStream,
    recording: Arc<Recording>,
    options: ReplayOptions,
    requests: Arc<Mutex<Vec<String>>>,
) {
    let mut target = String::new();
    #[allow(clippy::result_large_err)] // the callback's type is tungstenite's
    let record = |request: &Request, response: Response| {
        target = request.uri().to_string();
        Ok(response)
    };
    let Ok(mut socket) = tokio_tungstenite::accept_hdr_async(stream, record).await else {
        return;
    };
    if let Ok(mut all) = requests.lock() {
        all.push(target.clone());
    }
    let cursor = url::Url::parse(&format!("ws://replay{target}"))
        .ok()
        .and_then(|url| {
            url.query_pairs()
                .find(|(k, _)| k == "cursor")
                .and_then(|(_, v)| v.parse::<i64>().ok())
        });
    // From a cursor, replay in time order from that time on; live, in recorded order.
    let order: Box<dyn Iterator<Item = u64> + Send> = match cursor {
        Some(cursor) => {
            let mut from: Vec<u64> = (0..options.total)
                .filter(|&i| recording.time_of(i) >= cursor)
                .collect();
            from.sort_by_key(|&i| (recording.time_of(i), i));
            Box::new(from.into_iter())
        }
        None => Box::new(0..options.total),
    };
    let mut sent = 0u64;
    for index in order {
        if options.drop_after.is_some_and(|limit| sent >= limit) {
            // Dropping the socket without a close frame is what a broken connection looks like.
            socket.flush().await.ok();
            return;
        }
        let (_, text) = recording.event(index);
        if socket.feed(Message::text(text)).await.is_err() {
            return;
        }
        sent += 1;
        if sent.is_multiple_of(256) && socket.flush().await.is_err() {
            return;
        }
    }
    socket.close(None).await.ok();
}
