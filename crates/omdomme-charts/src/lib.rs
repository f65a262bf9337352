//! Charts as SVG text, rendered on the server: the web app and the reports draw every
//! chart through this crate, so a chart looks and reads the same in both.
//!
//! A caller fills a [`LineChart`] (values over time buckets, optionally stacked, with
//! spike [`Marker`]s) or a [`BarChart`] (values per category, optionally stacked, with an
//! optional [`Target`] line) with plain data: labels it has already formatted in the
//! reader's language, numbers, link URLs. `render` returns a [`Rendered`]: the SVG and an
//! HTML data table with the same numbers and links, for screen readers and keyboards.
//!
//! The rules every chart keeps:
//! - **No inline styles.** Colours and lines are SVG presentation attributes (`fill=`,
//!   `stroke=`), never `style=` or `<style>`: the web app's Content-Security-Policy forbids
//!   inline styles, and the report's PDF renderer reads attributes. Every element carries
//!   a `class` (`chart-line`, `chart-point`, `tone-own`, …) so a page's stylesheet may
//!   adjust it; stylesheet rules outrank presentation attributes.
//! - **Every caller string is escaped**, in text and in attributes, and a link is kept only
//!   when it is http(s) or relative; `javascript:` and the like are dropped, leaving the
//!   element drawn without a link.
//! - **Every data element says its number**: a point, bar segment or marker holds a
//!   `<title>` ("series, label: value") and, when the caller gave a link, sits in an
//!   `<a href>` to the items behind it.
//! - **Accessible**: `role="img"` with `aria-labelledby` pointing at the chart's `<title>`
//!   and `<desc>` (the caller's title and one-sentence summary). Links inside the SVG take
//!   no tab stop; the data table carries the same links for keyboard users.
//! - **Pure and deterministic**: no I/O, no clock, the same input gives the same bytes;
//!   coordinates are rounded to one decimal so the SVG stays small (a year of hourly data
//!   in four series is a few hundred kilobytes).
//! - **No language**: every word drawn comes from the caller, numbers are grouped with a
//!   no-break space ("12 345", see [`NumberFormat`]).
//!
//! The SVG has a viewBox and `width="100%"`, so it scales to its container. On a phone a
//! page should let it scroll sideways at a minimum width of about 520 px (e.g.
//! `.chart-frame { overflow-x: auto } .chart-frame .chart { min-width: 520px }`) and offer
//! the table.

mod bar;
mod format;
mod line;
mod palette;
mod svg;
mod text;

pub use bar::{Bar, BarChart, Segment, Target};
pub use format::{DecimalMark, NumberFormat};
pub use line::{LineChart, Marker, Series};
pub use palette::Tone;

/// A rendered chart: two HTML fragments, safe to insert into a page unescaped.
///
/// The table's `aria-describedby` points at the SVG's `<desc>`, so a page shows both, the
/// table inside a `<details>` or a visually hidden block as it likes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// The `<svg>` element.
    pub svg: String,
    /// The `<table class="chart-table">` holding the chart's numbers and links.
    pub table: String,
}
