//! The leadership report: what was said about the company and its competitors in a week or
//! a month, how the team answered, what its stories did, what customers keep saying, and
//! what to do about it.
//!
//! [`period::Period::parse`] reads the period; [`model::build`] reads the figures from the
//! store (rollups and bounded searches only); [`view::ReportView`] puts them in words and
//! charts in bokmål or English; [`html::render`] and [`pdf::render`] write the document.
//! The PDF is made in-process by typst with the DejaVu Sans fonts embedded, the charts
//! placed as vectors from the same SVG the web app shows.

pub mod actions;
pub mod effect;
pub mod goals;
pub mod html;
pub mod model;
pub mod pdf;
pub mod period;
pub mod schedule;
pub mod themes;
pub mod view;

pub use model::{Report, ReportError, build};
pub use period::{Period, PeriodError, PeriodKind};
