//! Opening a WebSocket (Mastodon's streaming API, Bluesky's Jetstream) the way [`crate::http`]
//! sends a request: an honest User-Agent, a timeout, the credential in a header, and the
//! handshake's error responses read by the platform's own [`Classify`] function.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::{ConnectorError, ConnectorResult, ErrorKind};
use crate::http::{Classify, Failure, MAX_BODY_BYTES, USER_AGENT, retry_after};

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Connects to `url` (`ws://` or `wss://`), sending `bearer` as `Authorization: Bearer`.
pub(crate) async fn connect(
    url: &url::Url,
    bearer: Option<&str>,
    timeout: Duration,
    now: jiff::Timestamp,
    classify: Classify,
) -> ConnectorResult<Socket> {
    let host = url.host_str().unwrap_or("the platform").to_owned();
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| ConnectorError::config(format!("cannot open a WebSocket to {url}: {e}")))?;
    let headers = request.headers_mut();
    headers.insert(
        "user-agent",
        USER_AGENT
            .parse()
            .map_err(|_| ConnectorError::config("the User-Agent is not a valid header"))?,
    );
    if let Some(token) = bearer {
        headers.insert(
            "authorization",
            format!("Bearer {token}").parse().map_err(|_| {
                ConnectorError::config("the stored token contains characters a header cannot hold")
            })?,
        );
    }
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_BODY_BYTES))
        .max_frame_size(Some(MAX_BODY_BYTES));
    let connecting = tokio_tungstenite::connect_async_with_config(request, Some(config), false);
    match tokio::time::timeout(timeout, connecting).await {
        Err(_) => Err(ConnectorError::new(
            ErrorKind::Unavailable,
            format!("opening the WebSocket to {host} timed out"),
        )),
        Ok(Ok((socket, _))) => Ok(socket),
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(response))) => {
            let status = response.status();
            let failure = Failure {
                status,
                headers: response.headers().clone(),
                body: response
                    .body()
                    .as_deref()
                    .map(|b| String::from_utf8_lossy(&b[..b.len().min(64 * 1024)]).into_owned())
                    .unwrap_or_default(),
            };
            Err(match status.as_u16() {
                429 => ConnectorError::new(
                    ErrorKind::RateLimited,
                    format!("{host} is rate limiting us (429) and refused the WebSocket"),
                )
                .with_retry_after(retry_after(&failure.headers, now)),
                _ => classify(&failure),
            })
        }
        Ok(Err(e)) => Err(ConnectorError::new(
            ErrorKind::Unavailable,
            format!("cannot open the WebSocket to {host}: {e}"),
        )),
    }
}

/// What [`receive`] got.
pub(crate) enum Received {
    /// A text message: one event.
    Text(Utf8Bytes),
    /// A binary message, which the platforms send only when asked to compress.
    Binary,
    /// The batch window passed with nothing more.
    WindowOver,
    /// The socket closed or broke; `socket` is now `None`, so the caller reconnects.
    Closed,
}

/// The next event on `socket` before `deadline`; pings and pongs are answered and skipped.
pub(crate) async fn receive(socket: &mut Option<Socket>, deadline: Instant) -> Received {
    loop {
        let Some(open) = socket.as_mut() else {
            return Received::Closed;
        };
        match tokio::time::timeout_at(deadline, open.next()).await {
            Err(_) => return Received::WindowOver,
            Ok(Some(Ok(Message::Text(text)))) => return Received::Text(text),
            Ok(Some(Ok(Message::Binary(_)))) => return Received::Binary,
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)))) => {}
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) => {
                *socket = None;
                return Received::Closed;
            }
            Ok(Some(Err(e))) => {
                tracing::info!("the WebSocket broke off ({e}); reconnecting");
                *socket = None;
                return Received::Closed;
            }
        }
    }
}
