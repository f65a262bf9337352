//! The pipeline against a real nats-server (Debian's `nats-server`, started by each test on
//! a free port with JetStream in a temporary folder) and a SQLite store.

mod harness;
mod pipeline;
