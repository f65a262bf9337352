//! Integration tests of the embedded store: the conformance suite on a fresh data folder,
//! and what only the embedded backend has (reopening, the index catching up, migrations).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod postgres;
mod sqlite;
