//! Early warning for the leadership group, and the e-mail every part of Omdømme sends with.
//!
//! - [`mail`]: SMTP settings and a [`mail::Mailer`] sending plain-text + HTML messages.

pub mod mail;
