//! The pipeline against a real nats-server (Debian's `nats-server`, started by each test on
//! a free port with JetStream in a temporary folder) and a SQLite store.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed set-up step should stop the test loudly

mod harness;
mod pipeline;
