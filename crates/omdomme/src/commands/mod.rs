//! One module per subcommand: its arguments and its `run`.

pub mod bench;
// == alerts (issue 7) ==
pub mod bench_alerts;
pub mod bench_pipeline;
pub mod collect;
pub mod demo;
pub mod enrich;
pub mod eval;
pub mod import;
// == scale (issue 8) ==
pub mod migrate;
pub mod policy;
pub mod poll;
pub mod reindex;
pub mod report;
pub mod search;
pub mod serve;
pub mod sources;
pub mod stats;
pub mod train;
pub mod user;
// == queue (issue 8) ==
pub mod worker;
