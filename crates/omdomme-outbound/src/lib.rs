//! The way out of Omdømme: which [`omdomme_connectors::Channel`] an inbox reply or a story's
//! post goes through (`channels`), the publisher that sends scheduled posts from the outbox
//! exactly once (`publisher`), and the engagement of published posts read back
//! (`engagement`). The web server runs the loops; tests drive single rounds.

pub mod channels;
pub mod engagement;
pub mod publisher;

pub use channels::{ChannelDirectory, RecordingChannel, StoreChannels};
pub use publisher::{PublishSettings, Publisher};
