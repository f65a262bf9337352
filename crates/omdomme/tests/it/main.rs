//! End-to-end tests of the `omdomme` binary: one test binary, one module per theme.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed set-up step should stop the test loudly

mod cli;
mod collect;
mod e2e;
mod import;
mod nlp;
mod openness;
mod policy;
mod poll;
mod publish;
// == queue (issue 8) ==
mod queue;
// == scale (issue 8) ==
mod scale;
// == e2e (issue 8) ==
mod scaleout;
mod sources;
mod support;
