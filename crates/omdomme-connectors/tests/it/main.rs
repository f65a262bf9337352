//! Integration tests: each connector against a local HTTP or WebSocket server serving the
//! real payload examples in `/work/shared/fixtures` (reached as `../../../shared/fixtures`
//! from this crate). No test reaches the internet.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bluesky;
mod facebook;
mod http;
mod mastodon;
mod rss;
mod support;
mod x;
