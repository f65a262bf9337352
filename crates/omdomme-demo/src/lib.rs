//! Omdømme's synthetic demo scenario: a fictional Norwegian grocery chain, **Havbris
//! Dagligvare**, and three fictional competitors (**Dagmat**, **Kornmo Marked**, **Rypa
//! Matmarked**) talked about for 90 days in press feeds and on Mastodon, Bluesky, X and
//! Facebook. Every name, feed, account and URL is invented (URLs live under `.example`), and
//! every item says `synthetic: true`.
//!
//! The story, so every view of the product has something to show:
//! - **Day 25**: a positive climate story (electric trucks, solar roofs, emissions cut 40 %),
//!   one article at 07:00 UTC and a day or two of shares.
//! - **Day 55**: a newspaper reveals labour abuses at the supplier *Verdeluz Agro* at 05:00
//!   UTC. Within hours: press follow-ups, thousands of negative posts, quote-shares of the
//!   article, influencers amplifying, people asking the company questions; the company
//!   answers only after five hours. Volume decays over ~10 days while sentiment recovers.
//! - Throughout: customer inquiries (answered at different rates per brand: Dagmat fast and
//!   open, Havbris decent, Kornmo slow, Rypa nearly silent), product praise and complaints,
//!   employer branding (job ads, trainees, proud and unhappy employees, prospective
//!   employees asking), community/diversity/governance talk, business news, ~50 influencers
//!   and a long tail of ~20,000 ordinary authors, noise that matches no brand (including the
//!   sea breeze and ptarmigan hunting the brand queries exclude), all following Oslo's daily
//!   and weekly rhythm.
//!
//! Items are raw, as a source would deliver them: enrichment is left to the pipeline.
//! Generation is lazy and deterministic (ChaCha8 seeded from [`DemoOptions::seed`], no clock,
//! no hash-map order): the same options give the same items, in constant memory.

mod generator;
mod names;
mod plan;
mod scenario;
pub mod stories;
mod text;

use jiff::Timestamp;
use omdomme_core::{Brand, BrandId, Item, SourceKind, Workspace, WorkspaceId};

pub use scenario::{CLIMATE_DAY, CRISIS_DAY, DAYS};

/// Items `omdomme demo` generates unless told otherwise.
pub const DEFAULT_ITEMS: u64 = 200_000;

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoOptions {
    pub seed: u64,
    /// Exactly this many items are generated.
    pub items: u64,
    /// End (exclusive) of the 90-day window; the CLI passes the start of tomorrow (UTC) so
    /// the data reaches today.
    pub end: Timestamp,
}

/// The demo workspace: the company and its three competitors, each with its watch query.
pub fn workspace() -> Workspace {
    Workspace {
        id: WorkspaceId("havbris-demo".to_string()),
        name: "Havbris Dagligvare (syntetisk demo)".to_string(),
        synthetic: true,
        brands: scenario::BRANDS
            .iter()
            .map(|b| Brand {
                id: BrandId(b.id.to_string()),
                name: b.name.to_string(),
                role: b.role,
                query: b.query.to_string(),
            })
            .collect(),
    }
}

/// Each brand's accounts: the same handle on every social platform of the scenario, which
/// answers its inquiries and posts its news (what the Engagement & Openness index counts).
pub fn brand_accounts() -> Vec<(BrandId, SourceKind, String)> {
    let platforms = [
        SourceKind::Mastodon,
        SourceKind::Bluesky,
        SourceKind::X,
        SourceKind::Facebook,
    ];
    scenario::BRANDS
        .iter()
        .flat_map(|b| {
            platforms
                .into_iter()
                .map(|kind| (BrandId(b.id.to_string()), kind, b.handle.to_string()))
        })
        .collect()
}

/// Exactly `options.items` items, roughly in time order, lazily: 10,000,000 stream in
/// constant memory.
pub fn generate(options: &DemoOptions) -> impl Iterator<Item = Item> + Send + use<> {
    generator::Generator::new(options.seed, options.items, options.end)
}

/// A dated event of the scenario, for the CLI and the docs to point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoEvent {
    pub at: Timestamp,
    pub what: &'static str,
}

/// When the scenario's two stories start, for a window ending at `end`.
pub fn events(end: Timestamp) -> [DemoEvent; 2] {
    let plan = plan::Plan::new(0, end);
    let at = |hour: usize| {
        Timestamp::from_second(plan.lo + hour as i64 * 3600).unwrap_or(Timestamp::UNIX_EPOCH)
    };
    [
        DemoEvent {
            at: at(scenario::CLIMATE_START_H),
            what: "Havbris climate story: electric trucks and solar roofs, emissions cut 40 %",
        },
        DemoEvent {
            at: at(scenario::CRISIS_START_H),
            what: "Havbris supplier labour scandal (Verdeluz Agro) breaks in Fjordposten",
        },
    ]
}

#[cfg(test)]
mod tests;
