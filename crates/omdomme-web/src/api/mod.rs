//! The JSON API, one module per resource; each keeps its request and response types
//! beside its handlers. Routes are listed in `router.rs`.

pub mod health;
pub mod ingest;
pub mod items;
pub mod params;
pub mod search;
pub mod session;
pub mod sources;
pub mod stats;
