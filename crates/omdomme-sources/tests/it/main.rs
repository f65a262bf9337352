//! Integration tests: every fixture in `/work/shared/fixtures` (reached as
//! `../../../shared/fixtures` from this crate), bad input of every kind for every importer,
//! and arbitrary bytes that must never make an importer panic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bad_input;
mod fixtures;
mod never_panics;

use std::io::Cursor;

use omdomme_core::Item;
use omdomme_sources::{Format, ImportContext, RecordError, read_items};

pub fn ctx() -> ImportContext {
    ImportContext {
        source_name: "test".into(),
        collected_at: "2024-05-01T12:00:00Z".parse().unwrap(),
    }
}

/// Imports bytes, returning items and errors in order.
pub fn run(format: Format, bytes: impl Into<Vec<u8>>) -> Vec<Result<Item, RecordError>> {
    read_items(format, Box::new(Cursor::new(bytes.into())), ctx()).collect()
}

pub fn split(results: Vec<Result<Item, RecordError>>) -> (Vec<Item>, Vec<RecordError>) {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(i) => items.push(i),
            Err(e) => errors.push(e),
        }
    }
    (items, errors)
}
