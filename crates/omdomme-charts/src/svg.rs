//! The parts every chart shares: the accessible `<svg>` frame, the legend, linked data
//! elements, the empty state and the data table.

use std::fmt::{self, Write};

use crate::Rendered;
use crate::format::Num;
use crate::palette::Tone;
use crate::text::{Esc, dom_id, safe_href, text_width, truncate};

/// The viewBox width. The SVG scales to its container; at 760 units a 12-unit font reads
/// as about 14 px on a 900 px wide card.
pub(crate) const WIDTH: f64 = 760.0;
pub(crate) const FONT_SIZE: f64 = 12.0;
pub(crate) const INK: &str = "#1A1A1A";
pub(crate) const MUTED_INK: &str = "#5C5C5C";
pub(crate) const GRID: &str = "#E6E6E6";
pub(crate) const BASELINE: &str = "#8C8C8C";
/// Attributes giving text a white outline, for text that lines may cross.
pub(crate) const HALO: &str =
    r##"stroke="#FFFFFF" stroke-width="3" stroke-linejoin="round" paint-order="stroke""##;
/// The page's own font wins through CSS (`.chart { font-family: inherit }`), because
/// presentation attributes rank below any stylesheet rule; this is for standalone use.
const FONT_FAMILY: &str =
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
const LEGEND_ROW: f64 = 20.0;
const LEGEND_NAME_CHARS: usize = 32;

/// The texts that frame one chart: its ids, title and summary.
pub(crate) struct Frame<'a> {
    pub(crate) id: String,
    pub(crate) title: &'a str,
    pub(crate) summary: &'a str,
    /// `line` or `bar`, for the `chart-<kind>` class.
    pub(crate) kind: &'static str,
}

impl<'a> Frame<'a> {
    pub(crate) fn new(id: &str, title: &'a str, summary: &'a str, kind: &'static str) -> Self {
        Frame {
            id: dom_id(id),
            title,
            summary,
            kind,
        }
    }

    pub(crate) fn open(&self, out: &mut String, height: f64) -> fmt::Result {
        let Frame { id, kind, .. } = self;
        write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" class="chart chart-{kind}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}"><title id="{id}-title">{title}</title><desc id="{id}-desc">{summary}</desc>"#,
            w = Num(WIDTH),
            h = Num(height),
            title = Esc(self.title),
            summary = Esc(self.summary),
        )
    }

    /// The chart drawn as the caller's message in an empty plot area, and a table holding
    /// only that message.
    pub(crate) fn empty(&self, message: &str) -> Rendered {
        const HEIGHT: f64 = 200.0;
        let mut svg = String::new();
        let mut table = String::new();
        // Writing into a String cannot fail.
        let _ = self.open(&mut svg, HEIGHT).and_then(|()| {
            write!(
                svg,
                r##"<g class="chart-empty"><rect x="0" y="0" width="{w}" height="{HEIGHT}" rx="6" fill="#F5F5F5"/><text x="{x}" y="{y}" text-anchor="middle" font-size="14" fill="{MUTED_INK}">"##,
                w = Num(WIDTH),
                x = Num(WIDTH / 2.0),
                y = Num(HEIGHT / 2.0 + 5.0),
            )?;
            write_label(&mut svg, message, 96)?;
            svg.push_str("</text></g></svg>");
            self.open_table(&mut table, "chart-table chart-table-empty")?;
            write!(table, "<tbody><tr><td>{}</td></tr></tbody></table>", Esc(message))
        });
        Rendered { svg, table }
    }

    /// Opens the data table: described by the chart's summary, captioned by its title.
    pub(crate) fn open_table(&self, out: &mut String, class: &str) -> fmt::Result {
        write!(
            out,
            r#"<table class="{class}" id="{id}-table" aria-describedby="{id}-desc"><caption>{title}</caption>"#,
            id = self.id,
            title = Esc(self.title),
        )
    }
}

/// Writes a header row: the category column's heading, then one per value column.
pub(crate) fn table_head<'s>(
    out: &mut String,
    category_title: &str,
    columns: impl Iterator<Item = &'s str>,
) -> fmt::Result {
    write!(
        out,
        r#"<thead><tr><th scope="col">{}</th>"#,
        Esc(category_title)
    )?;
    for column in columns {
        write!(out, r#"<th scope="col">{}</th>"#, Esc(column))?;
    }
    out.push_str("</tr></thead>");
    Ok(())
}

/// Writes `text`, inside `<a>` when `link` is safe.
pub(crate) fn linked_text(out: &mut String, text: &str, link: Option<&str>) -> fmt::Result {
    match safe_href(link) {
        Some(url) => write!(out, r#"<a href="{}">{}</a>"#, Esc(url), Esc(text)),
        None => write!(out, "{}", Esc(text)),
    }
}

/// Writes the content of a `<text>`: the label cut to `max_chars`, with the full text as
/// its tooltip when cut.
pub(crate) fn write_label(out: &mut String, label: &str, max_chars: usize) -> fmt::Result {
    let shown = truncate(label, max_chars);
    if shown.len() != label.len() {
        write!(out, "<title>{}</title>", Esc(label))?;
    }
    write!(out, "{}", Esc(&shown))
}

/// Opens a data element: a link when `link` is safe, a plain group otherwise; either way
/// its `<title>` names the number for the tooltip. Returns the closing tag.
///
/// Links carry `tabindex="-1"`: the chart is an image to assistive technology, and the
/// data table beside it holds the same links for keyboard and screen-reader users
/// without a tab stop per point.
pub(crate) fn open_datum(
    out: &mut String,
    link: Option<&str>,
    class: &str,
    tooltip: &str,
) -> Result<&'static str, fmt::Error> {
    match safe_href(link) {
        Some(url) => {
            write!(
                out,
                r#"<a href="{}" tabindex="-1" class="{class}"><title>{}</title>"#,
                Esc(url),
                Esc(tooltip)
            )?;
            Ok("</a>")
        }
        None => {
            write!(out, r#"<g class="{class}"><title>{}</title>"#, Esc(tooltip))?;
            Ok("</g>")
        }
    }
}

/// "series, label: value", or "label: value" when the series has no name.
pub(crate) fn tooltip(series: &str, label: &str, value: &str) -> String {
    if series.is_empty() {
        format!("{label}: {value}")
    } else {
        format!("{series}, {label}: {value}")
    }
}

/// How a legend entry shows its colour.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Swatch {
    Line,
    Block,
}

/// Draws the legend in rows from the top left and returns its height.
pub(crate) fn legend(
    out: &mut String,
    entries: &[(&str, Tone)],
    swatch: Swatch,
    left: f64,
) -> Result<f64, fmt::Error> {
    if entries.is_empty() {
        return Ok(0.0);
    }
    out.push_str(r#"<g class="chart-legend">"#);
    let (mut x, mut y) = (left, LEGEND_ROW / 2.0);
    for &(name, tone) in entries {
        let width = 18.0 + text_width(&truncate(name, LEGEND_NAME_CHARS), FONT_SIZE) + 18.0;
        if x > left && x + width > WIDTH {
            x = left;
            y += LEGEND_ROW;
        }
        write!(out, r#"<g class="chart-legend-item {}">"#, tone.class())?;
        match swatch {
            Swatch::Line => write!(
                out,
                r#"<line x1="{}" y1="{y0}" x2="{}" y2="{y0}" stroke="{}" stroke-width="{}" stroke-linecap="round"/>"#,
                Num(x),
                Num(x + 12.0),
                tone.stroke(),
                tone.line_width(),
                y0 = Num(y),
            )?,
            Swatch::Block => write!(
                out,
                r#"<rect x="{}" y="{}" width="12" height="12" rx="2" fill="{}"/>"#,
                Num(x),
                Num(y - 6.0),
                tone.fill(),
            )?,
        }
        write!(
            out,
            r#"<text x="{}" y="{}" fill="{INK}">"#,
            Num(x + 18.0),
            Num(y + 4.0)
        )?;
        write_label(out, name, LEGEND_NAME_CHARS)?;
        out.push_str("</text></g>");
        x += width;
    }
    out.push_str("</g>");
    Ok(y + LEGEND_ROW / 2.0)
}

/// How many positions apart two shown labels must be so that labels `label_width` wide
/// never overlap when positions are `spacing` apart.
pub(crate) fn label_stride(label_width: f64, spacing: f64) -> usize {
    if spacing.is_finite() && spacing > 0.0 {
        ((label_width / spacing).ceil() as usize).max(1)
    } else {
        1
    }
}
