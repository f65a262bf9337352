//! One HTTP client for every connector: an honest User-Agent, timeouts, the platform's
//! rate-limit headers, and retries with exponential backoff and jitter.
//!
//! [`Http::send`] retries what waiting can fix (429, 5xx, timeouts, refused connections) and
//! hands every other error response to the platform's [`Classify`] function, which turns it
//! into a [`ConnectorError`] that says what to do.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use rand::Rng;
use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, Response, StatusCode};
use tokio::time::Instant;

use crate::Clock;
use crate::error::{ConnectorError, ConnectorResult, ErrorKind};

/// Sent with every request, so platform operators can see who is calling and why.
pub const USER_AGENT: &str = concat!(
    "Omdomme/",
    env!("CARGO_PKG_VERSION"),
    " (social listening for companies; +https://example.invalid/omdomme)"
);

/// The largest response body any connector reads (a feed, a page of posts).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// How hard to try before giving up on one request.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The first backoff; each retry doubles it, up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The longest wait for a rate-limit reset inside one call; a longer one is returned as
    /// an error carrying `retry_after`, so the caller can schedule instead of hanging.
    pub max_wait: Duration,
    /// Per-request timeout (connect, send and receive).
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
            max_wait: Duration::from_secs(120),
            timeout: Duration::from_secs(30),
        }
    }
}

/// The settings of [`Http`]'s own client (User-Agent, timeouts), for a connector that needs
/// a client of its own, e.g. one that follows redirects itself to notice a moved feed.
pub fn client_builder(policy: &RetryPolicy) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .timeout(policy.timeout)
        .connect_timeout(policy.timeout.min(Duration::from_secs(10)))
}

/// An error response as the platform sent it: what a [`Classify`] function reads.
#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body, cut at 64 KiB and decoded lossily.
    pub body: String,
}

/// Turns a platform's error response into advice. Each connector has one; [`classify`] is
/// the generic fallback they call for anything platform-specific they do not recognise.
pub type Classify = fn(&Failure) -> ConnectorError;

/// The generic reading of an HTTP error status.
pub fn classify(failure: &Failure) -> ConnectorError {
    let detail = body_excerpt(&failure.body);
    match failure.status {
        StatusCode::UNAUTHORIZED => ConnectorError::new(
            ErrorKind::TokenExpired,
            format!(
                "the platform refused the credentials (401): the token expired or was revoked; issue a new one and store it with `omdomme sources credential set`{detail}"
            ),
        ),
        StatusCode::FORBIDDEN => ConnectorError::new(
            ErrorKind::ScopeMissing,
            format!(
                "the platform refused access (403): the token lacks a permission this source needs, or the account may not read it{detail}"
            ),
        ),
        StatusCode::NOT_FOUND | StatusCode::GONE => ConnectorError::new(
            ErrorKind::EndpointRetired,
            format!(
                "the platform answered {} for this address: the endpoint was retired or moved, or the feed, account or page no longer exists; check the source's URL{detail}",
                failure.status.as_u16()
            ),
        ),
        status if status.is_server_error() => ConnectorError::new(
            ErrorKind::Unavailable,
            format!("the platform is failing ({}){detail}", status.as_u16()),
        ),
        status => ConnectorError::new(
            ErrorKind::BadPayload,
            format!(
                "the platform refused the request ({}){detail}",
                status.as_u16()
            ),
        ),
    }
}

fn body_excerpt(body: &str) -> String {
    let body = body.trim();
    if body.is_empty() {
        return String::new();
    }
    format!(" — the platform said: {}", shorten(body))
}

/// Platform text quoted in a message, cut at 300 characters: people read it, and a huge
/// error body must not flood a log line.
pub fn shorten(text: &str) -> String {
    const MAX_CHARS: usize = 300;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The shared client. Cheap to clone; clones share connections and rate-limit state.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    policy: RetryPolicy,
    /// Per host: do not send before this instant (a rate-limit window that is used up).
    not_before: std::sync::Arc<Mutex<HashMap<String, Instant>>>,
    clock: Clock,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Http {
    /// `clock` reads the wall clock; rate-limit resets come as wall-clock times.
    pub fn new(policy: RetryPolicy, clock: Clock) -> ConnectorResult<Http> {
        let client = client_builder(&policy)
            .build()
            .map_err(|e| ConnectorError::config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Http {
            client,
            policy,
            not_before: Default::default(),
            clock,
        })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    pub fn now(&self) -> jiff::Timestamp {
        (self.clock)()
    }

    /// Sends `request`, retrying what waiting can fix; any other error response goes through
    /// `classify`. Returns 2xx and 304 responses, and 3xx ones when `request` was built by a
    /// client that does not follow redirects itself (see [`client_builder`]).
    pub async fn send(
        &self,
        request: RequestBuilder,
        classify: Classify,
    ) -> ConnectorResult<Response> {
        let mut last_error = None;
        for attempt in 0..self.policy.attempts.max(1) {
            let Some(this_try) = request.try_clone() else {
                return Err(ConnectorError::config(
                    "a request with a streamed body cannot be retried",
                ));
            };
            let (client, built) = this_try.build_split();
            let built = built.map_err(|e| ConnectorError::config(format!("bad request: {e}")))?;
            let host = built.url().host_str().unwrap_or_default().to_owned();
            // A post that timed out or met a 5xx may still have been made: sending it again
            // could publish it twice, so only requests that are safe to repeat are retried
            // then. A 429 or a refused connection means nothing was done; those always are.
            let repeatable =
                built.method().is_idempotent() || built.headers().contains_key("idempotency-key");
            self.wait_for_window(&host).await?;
            let wait = match client.execute(built).await {
                Err(e) => {
                    let what = if e.is_timeout() {
                        "timed out"
                    } else if e.is_connect() {
                        "could not connect"
                    } else {
                        "failed"
                    };
                    let error = ConnectorError::new(
                        ErrorKind::Unavailable,
                        format!("request to {host} {what}: {}", error_chain(&e)),
                    );
                    if !repeatable && !e.is_connect() {
                        return Err(not_repeated(error));
                    }
                    last_error = Some(error);
                    self.backoff(attempt)
                }
                Ok(response) => {
                    let status = response.status();
                    let window = rate_window(response.headers(), self.now());
                    if let Some(reset) = window {
                        self.close_window(&host, reset);
                    }
                    if status.is_success() || status.is_redirection() {
                        return Ok(response);
                    }
                    let told = retry_after(response.headers(), self.now()).or(window);
                    if status == StatusCode::TOO_MANY_REQUESTS {
                        // Some platforms (X) also answer 429 when a monthly or daily quota is
                        // spent; waiting seconds does not help then, so the platform's
                        // classify gets to say so and we stop at once.
                        let classified = classify(&failure(response).await);
                        if classified.kind == ErrorKind::QuotaSpent {
                            return Err(classified);
                        }
                        last_error = Some(
                            ConnectorError::new(
                                ErrorKind::RateLimited,
                                format!("{host} is rate limiting us (429)"),
                            )
                            .with_retry_after(told),
                        );
                        told.unwrap_or_else(|| self.backoff(attempt))
                    } else if status.is_server_error() && status != StatusCode::NOT_IMPLEMENTED {
                        let error = classify(&failure(response).await);
                        if !repeatable {
                            return Err(not_repeated(error));
                        }
                        last_error = Some(error);
                        told.unwrap_or_else(|| self.backoff(attempt))
                    } else {
                        return Err(classify(&failure(response).await));
                    }
                }
            };
            if attempt + 1 == self.policy.attempts.max(1) {
                break;
            }
            if wait > self.policy.max_wait {
                break;
            }
            tokio::time::sleep(wait).await;
        }
        let mut error = last_error
            .unwrap_or_else(|| ConnectorError::new(ErrorKind::Unavailable, "no attempt was made"));
        error.message = format!(
            "{} (gave up after {} attempts)",
            error.message, self.policy.attempts
        );
        Err(error)
    }

    /// Exponential backoff with jitter: half the doubled delay fixed, half random, so many
    /// sources failing together do not retry in step.
    fn backoff(&self, attempt: u32) -> Duration {
        let doubled = self
            .policy
            .base_delay
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.policy.max_delay);
        let half = doubled / 2;
        half + half.mul_f64(rand::rng().random::<f64>())
    }

    async fn wait_for_window(&self, host: &str) -> ConnectorResult<()> {
        let until = self
            .not_before
            .lock()
            .ok()
            .and_then(|windows| windows.get(host).copied());
        let Some(until) = until else { return Ok(()) };
        let wait = until.saturating_duration_since(Instant::now());
        if wait > self.policy.max_wait {
            return Err(ConnectorError::new(
                ErrorKind::RateLimited,
                format!(
                    "{host}'s rate-limit window is used up for another {} s",
                    wait.as_secs()
                ),
            )
            .with_retry_after(Some(wait)));
        }
        tokio::time::sleep(wait).await;
        Ok(())
    }

    fn close_window(&self, host: &str, reset_in: Duration) {
        if let Ok(mut windows) = self.not_before.lock() {
            windows.insert(host.to_owned(), Instant::now() + reset_in);
        }
    }
}

fn not_repeated(mut error: ConnectorError) -> ConnectorError {
    error.message.push_str(
        "; the platform may or may not have done what was asked, so it was not sent again: check before retrying",
    );
    error
}

async fn failure(response: Response) -> Failure {
    let status = response.status();
    let headers = response.headers().clone();
    let body = read_capped(response, 64 * 1024, true)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    Failure {
        status,
        headers,
        body,
    }
}

/// A `multipart/form-data` body built in memory, so the request can be retried (a streamed
/// body cannot). Used to upload images.
#[derive(Debug, Default)]
pub struct Multipart {
    boundary: String,
    body: Vec<u8>,
}

impl Multipart {
    pub fn new() -> Multipart {
        Multipart {
            boundary: format!("omdomme-{:032x}", rand::rng().random::<u128>()),
            body: Vec::new(),
        }
    }

    pub fn text(mut self, name: &str, value: &str) -> Multipart {
        self.head(name, None, None);
        self.body.extend_from_slice(value.as_bytes());
        self.body.extend_from_slice(b"\r\n");
        self
    }

    pub fn file(
        mut self,
        name: &str,
        file_name: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Multipart {
        self.head(name, Some(file_name), Some(media_type));
        self.body.extend_from_slice(bytes);
        self.body.extend_from_slice(b"\r\n");
        self
    }

    fn head(&mut self, name: &str, file_name: Option<&str>, media_type: Option<&str>) {
        // Field names are ours; quotes and line breaks are escaped as browsers do.
        let quote = |s: &str| {
            s.replace('"', "%22")
                .replace('\r', "%0D")
                .replace('\n', "%0A")
        };
        let mut head = format!(
            "--{}\r\nContent-Disposition: form-data; name=\"{}\"",
            self.boundary,
            quote(name)
        );
        if let Some(file_name) = file_name {
            head.push_str(&format!("; filename=\"{}\"", quote(file_name)));
        }
        if let Some(media_type) = media_type {
            head.push_str(&format!("\r\nContent-Type: {}", quote(media_type)));
        }
        head.push_str("\r\n\r\n");
        self.body.extend_from_slice(head.as_bytes());
    }

    /// The `Content-Type` header value and the finished body.
    pub fn finish(mut self) -> (String, Vec<u8>) {
        self.body
            .extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        (
            format!("multipart/form-data; boundary={}", self.boundary),
            self.body,
        )
    }
}

/// Reads a response body of at most `limit` bytes; a longer one is an error (or, with
/// `truncate`, cut at the limit).
pub async fn read_capped(
    mut response: Response,
    limit: usize,
    truncate: bool,
) -> ConnectorResult<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let chunk = response.chunk().await.map_err(|e| {
            ConnectorError::new(
                ErrorKind::Unavailable,
                format!("the response broke off: {}", error_chain(&e)),
            )
        })?;
        let Some(chunk) = chunk else { return Ok(body) };
        if body.len() + chunk.len() > limit {
            if truncate {
                body.extend_from_slice(&chunk[..limit - body.len()]);
                return Ok(body);
            }
            return Err(ConnectorError::bad_payload(format!(
                "the response is larger than {} MiB",
                limit / (1024 * 1024)
            )));
        }
        body.extend_from_slice(&chunk);
    }
}

/// Reads a JSON body of at most [`MAX_BODY_BYTES`] into `T`, naming the problem if it is not.
pub async fn read_json<T: serde::de::DeserializeOwned>(response: Response) -> ConnectorResult<T> {
    let url = response.url().clone();
    let bytes = read_capped(response, MAX_BODY_BYTES, false).await?;
    serde_json::from_slice(&bytes).map_err(|e| {
        ConnectorError::bad_payload(format!(
            "{} answered with JSON we cannot read: {e}",
            url.host_str().unwrap_or("the platform")
        ))
    })
}

/// The whole cause of a reqwest error (its Display names only the outermost).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap, now: jiff::Timestamp) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    Some(until(at, now))
}

/// When the current rate-limit window reopens, if the platform says it is used up.
/// Understands X's `x-rate-limit-*`, Mastodon's `X-RateLimit-*` (reset as an ISO time) and
/// the IETF draft `RateLimit-*` that Bluesky sends (reset as epoch seconds or a delta).
pub fn rate_window(headers: &HeaderMap, now: jiff::Timestamp) -> Option<Duration> {
    let header = |names: &[&str]| {
        names
            .iter()
            .find_map(|name| headers.get(*name)?.to_str().ok())
            .map(str::trim)
    };
    let remaining = header(&[
        "x-rate-limit-remaining",
        "x-ratelimit-remaining",
        "ratelimit-remaining",
    ])?;
    if remaining.parse::<f64>().ok()? > 0.0 {
        return None;
    }
    let reset = header(&["x-rate-limit-reset", "x-ratelimit-reset", "ratelimit-reset"])?;
    if let Ok(number) = reset.parse::<i64>() {
        // Epoch seconds are ~1.7e9; anything small is a delta in seconds.
        return Some(if number > 1_000_000_000 {
            until(jiff::Timestamp::from_second(number).ok()?, now)
        } else {
            Duration::from_secs(number.max(0) as u64)
        });
    }
    Some(until(reset.parse::<jiff::Timestamp>().ok()?, now))
}

fn until(at: jiff::Timestamp, now: jiff::Timestamp) -> Duration {
    let seconds = at.as_second() - now.as_second();
    Duration::from_secs(seconds.clamp(0, 24 * 3600) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).expect("valid header"));
        }
        map
    }

    #[test]
    fn rate_windows_of_each_platform() {
        let now = jiff::Timestamp::from_second(1_800_000_000).expect("time");
        let in_a_minute = now.as_second() + 60;
        let x = headers(&[
            ("x-rate-limit-remaining", "0"),
            ("x-rate-limit-reset", &in_a_minute.to_string()),
        ]);
        assert_eq!(rate_window(&x, now), Some(Duration::from_secs(60)));

        let iso = jiff::Timestamp::from_second(in_a_minute)
            .expect("time")
            .to_string();
        let mastodon = headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", &iso)]);
        assert_eq!(rate_window(&mastodon, now), Some(Duration::from_secs(60)));

        let draft = headers(&[("ratelimit-remaining", "0"), ("ratelimit-reset", "30")]);
        assert_eq!(rate_window(&draft, now), Some(Duration::from_secs(30)));

        let open = headers(&[
            ("x-rate-limit-remaining", "12"),
            ("x-rate-limit-reset", "30"),
        ]);
        assert_eq!(rate_window(&open, now), None);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = jiff::Timestamp::from_second(1_800_000_000).expect("time");
        assert_eq!(
            retry_after(&headers(&[("retry-after", "7")]), now),
            Some(Duration::from_secs(7))
        );
        let past = headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]);
        assert_eq!(retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), now), None);
    }

    #[test]
    fn backoff_grows_and_stays_capped() {
        let clock: Clock = std::sync::Arc::new(|| jiff::Timestamp::UNIX_EPOCH);
        let http = Http::new(RetryPolicy::default(), clock).expect("client");
        for attempt in 0..20 {
            let wait = http.backoff(attempt);
            let full = Duration::from_millis(500)
                .saturating_mul(1 << attempt.min(16))
                .min(Duration::from_secs(60));
            assert!(wait >= full / 2 && wait <= full, "{attempt}: {wait:?}");
        }
    }
}
