//! Omdømme's domain: workspaces, brands and their watch queries, sources, items and the
//! enrichment each item carries.
//!
//! This crate does no I/O and reads no clock: every time it needs is a parameter. Everything
//! above it (enrichment, sources, store, web, the binary) speaks these types.

pub mod effect;
pub mod enrichment;
pub mod health;
pub mod item;
pub mod openness;
pub mod post_length;
pub mod query;
pub mod spikes;
pub mod story;
pub mod text;
pub mod workspace;

pub use enrichment::{
    BrandSentiment, Enrichment, Lang, Sentiment, SentimentLabel, Stakeholder, Topic, TopicSet,
};
pub use health::{HealthError, HealthStatus, SourceHealth};
pub use item::{Author, Engagement, Item, ItemId, ItemKind, SourceKey, SourceKind, StoredItem};
pub use post_length::{PostLength, post_length};
pub use query::{Query, QueryError, QueryField};
pub use spikes::{Spike, SpikeRule};
pub use story::{Action, Approval, PostStatus, Workflow, WorkflowError};
pub use text::MatchText;
pub use workspace::{Brand, BrandId, BrandRole, Workspace, WorkspaceId, is_slug};
