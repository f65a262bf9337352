//! The `omdomme` binary's library half: configuration, the ingest pipeline, live collection
//! and one module per subcommand. `main.rs` only calls [`cli::run`]; anyhow lives in this crate and nowhere else.

pub mod cli;
pub mod clock;
pub mod collector;
pub mod commands;
pub mod config;
pub mod pipeline;
pub mod progress;
