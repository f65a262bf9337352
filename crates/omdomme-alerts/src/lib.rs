//! Early warning for the leadership group, and the e-mail every part of Omdømme sends with.
//!
//! - [`detect`]: the streaming detector (spikes per brand × topic against a same hour of
//!   the week baseline, rules, episodes and cool-down). Pure.
//! - [`deliver`]: the message with links to the evidence, and sending it by webhook,
//!   Slack/Teams incoming webhook or e-mail, with retries.
//! - [`mail`]: SMTP settings and a [`mail::Mailer`] sending plain-text + HTML messages.
//! - [`channels`]: a channel's target (URL or addresses) checked, sealed and opened.
//! - [`watch`]: the streaming loop `serve` runs: new items from the store through each
//!   workspace's detector, alerts stored with the cursor, then delivered.

pub mod channels;
pub mod deliver;
pub mod detect;
pub mod mail;
#[cfg(feature = "testing")]
pub mod testing;
pub mod watch;

pub use detect::{Alert, AlertKey, Detector, Reason, SpikeSignal, Thresholds};
