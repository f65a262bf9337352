//! Horizontal bar charts: one bar per category (a channel, a responder, a topic), plain
//! or stacked from segments, with an optional target line such as an SLA.
//!
//! Bars lie down so that long labels read on one line and a phone shows them without
//! rotating text.

use std::collections::BTreeSet;
use std::fmt::{self, Write};

use crate::Rendered;
use crate::format::{Axis, Num, NumberFormat};
use crate::palette::Tone;
use crate::svg::{
    BASELINE, FONT_SIZE, Frame, GRID, HALO, INK, MUTED_INK, Swatch, WIDTH, label_stride, legend,
    linked_text, open_datum, table_head, tooltip,
};
use crate::text::{Esc, text_width, truncate};

/// One part of a bar. A bar of one segment is a plain bar.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Segment {
    /// Shown in the legend (when segments differ), the tooltip and the table's header;
    /// segments with the same name across bars form one table column.
    pub name: String,
    /// NaN and infinite values are missing: not drawn, "–" in the table.
    pub value: f64,
    /// The segment's colour by meaning, e.g. [`Tone::Negative`] for negative mentions.
    pub tone: Tone,
    /// The items behind this segment; without one, the bar's link is used.
    pub link: Option<String>,
}

/// One category of a [`BarChart`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bar {
    /// The category's name, cut with "…" on the chart when long and kept whole in its
    /// tooltip and in the table.
    pub label: String,
    /// The items behind the whole bar, e.g. the drill-down from an SLA bar.
    pub link: Option<String>,
    /// Stacked left to right in this order; negative values extend left of zero.
    pub segments: Vec<Segment>,
}

/// A reference value drawn as a dashed line across the bars, e.g. the SLA target.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Target {
    /// Where the line stands, in the chart's values.
    pub value: f64,
    /// Written above the line, e.g. "Mål 90 %".
    pub label: String,
}

/// A chart of values per category.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BarChart {
    /// Unique on the page: it prefixes the ids that tie the SVG and table to the title.
    pub id: String,
    /// The chart's accessible name and the table's caption (the page draws the heading).
    pub title: String,
    /// One sentence telling a screen-reader user what the chart shows.
    pub summary: String,
    /// Shown instead of the chart when no bar holds a value.
    pub empty_message: String,
    /// The heading of the table's first column, e.g. "Kanal".
    pub category_title: String,
    /// Drawn top to bottom in this order; the caller sorts and keeps the list short.
    pub bars: Vec<Bar>,
    /// How the values read on the axis, on the bars and in the table.
    pub x_format: NumberFormat,
    /// A reference line across the bars; the axis stretches to include it.
    pub target: Option<Target>,
}

const ROW: f64 = 30.0;
const BAR_THICKNESS: f64 = 18.0;
const LABEL_CHARS: usize = 30;
const TARGET_INK: &str = "#1A1A1A";

impl Segment {
    fn finite_value(&self) -> Option<f64> {
        Some(self.value).filter(|v| v.is_finite())
    }
}

impl Bar {
    /// How far the bar reaches right and left of zero.
    fn extent(&self) -> (f64, f64) {
        self.segments.iter().filter_map(Segment::finite_value).fold(
            (0.0, 0.0),
            |(above, below), v| {
                if v < 0.0 {
                    (above, below + v)
                } else {
                    (above + v, below)
                }
            },
        )
    }

    fn has_values(&self) -> bool {
        self.segments.iter().any(|s| s.finite_value().is_some())
    }
}

/// Where the bars sit in the viewBox, and how values map into it.
struct Plot {
    left: f64,
    right: f64,
    top: f64,
    axis: Axis,
}

impl Plot {
    fn x(&self, value: f64) -> f64 {
        self.left + self.axis.fraction(value) * (self.right - self.left)
    }

    fn row_top(&self, row: usize) -> f64 {
        self.top + row as f64 * ROW
    }
}

impl BarChart {
    /// The chart as SVG and as a data table.
    pub fn render(&self) -> Rendered {
        let frame = Frame::new(&self.id, &self.title, &self.summary, "bar");
        if !self.bars.iter().any(Bar::has_values) {
            return frame.empty(&self.empty_message);
        }
        let (mut svg, mut table) = (String::new(), String::new());
        // Writing into a String cannot fail.
        let _ = self.write_svg(&frame, &mut svg);
        let _ = self.write_table(&frame, &mut table);
        Rendered { svg, table }
    }

    /// Each distinct segment name with its tone, in order of first appearance.
    fn segment_kinds(&self) -> Vec<(&str, Tone)> {
        let mut seen = BTreeSet::new();
        let segments = self.bars.iter().flat_map(|bar| &bar.segments);
        segments
            .filter(|s| seen.insert(s.name.as_str()))
            .map(|s| (s.name.as_str(), s.tone))
            .collect()
    }

    fn total_label(&self, bar: &Bar) -> String {
        if bar.has_values() {
            let (above, below) = bar.extent();
            self.x_format.format(above + below)
        } else {
            self.x_format.format(f64::NAN)
        }
    }

    fn write_svg(&self, frame: &Frame<'_>, out: &mut String) -> fmt::Result {
        let target = self.target.as_ref().filter(|t| t.value.is_finite());
        let (mut low, mut high) = self
            .bars
            .iter()
            .map(Bar::extent)
            .fold((0.0f64, 0.0f64), |(low, high), (a, b)| {
                (low.min(b), high.max(a))
            });
        if let Some(target) = target {
            (low, high) = (low.min(target.value), high.max(target.value));
        }
        let axis = Axis::nice(low, high, &self.x_format);

        let mut body = String::new();
        let kinds = self.segment_kinds();
        let legend_entries = if kinds.len() > 1 {
            kinds.as_slice()
        } else {
            &[]
        };
        let legend_height = legend(&mut body, legend_entries, Swatch::Block, 0.0)?;
        let widest_label = self
            .bars
            .iter()
            .map(|b| text_width(&truncate(&b.label, LABEL_CHARS), FONT_SIZE))
            .fold(0.0, f64::max);
        let widest_total = self
            .bars
            .iter()
            .map(|b| text_width(&self.total_label(b), FONT_SIZE))
            .fold(0.0, f64::max);
        let plot = Plot {
            left: widest_label.min(WIDTH * 0.34) + 14.0,
            right: WIDTH - widest_total - 12.0,
            top: legend_height + 8.0 + if target.is_some() { 18.0 } else { 0.0 },
            axis,
        };
        let bottom = plot.row_top(self.bars.len());

        frame.open(out, bottom + 28.0)?;
        out.push_str(&body);
        draw_grid(out, &plot, bottom, &self.x_format)?;
        let stacked = self.bars.iter().any(|b| b.segments.len() > 1);
        for (row, bar) in self.bars.iter().enumerate() {
            self.draw_bar(out, &plot, row, bar, stacked)?;
        }
        let zero = Num(plot.x(0.0));
        write!(
            out,
            r#"<line class="chart-baseline" x1="{zero}" y1="{}" x2="{zero}" y2="{}" stroke="{BASELINE}" stroke-width="1"/>"#,
            Num(plot.top),
            Num(bottom)
        )?;
        if let Some(target) = target {
            let x = plot.x(target.value);
            let half = text_width(&target.label, FONT_SIZE) / 2.0;
            write!(
                out,
                r#"<g class="chart-target"><line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{TARGET_INK}" stroke-width="1.5" stroke-dasharray="4 3"/><text x="{}" y="{}" text-anchor="middle" fill="{TARGET_INK}">{}</text></g>"#,
                Num(plot.top - 4.0),
                Num(bottom),
                Num(x.clamp(half, WIDTH - half)),
                Num(plot.top - 8.0),
                Esc(&target.label),
                x = Num(x),
            )?;
        }
        out.push_str("</svg>");
        Ok(())
    }

    fn draw_bar(
        &self,
        out: &mut String,
        plot: &Plot,
        row: usize,
        bar: &Bar,
        stacked: bool,
    ) -> fmt::Result {
        let top = plot.row_top(row) + (ROW - BAR_THICKNESS) / 2.0;
        let middle = Num(top + BAR_THICKNESS / 2.0 + 4.0);
        out.push_str(r#"<g class="chart-bar">"#);
        let close = open_datum(out, bar.link.as_deref(), "chart-bar-label", &bar.label)?;
        write!(
            out,
            r#"<text x="{}" y="{middle}" text-anchor="end" fill="{INK}">{}</text>{close}"#,
            Num(plot.left - 10.0),
            Esc(&truncate(&bar.label, LABEL_CHARS))
        )?;
        let (mut above, mut below) = (0.0, 0.0);
        for segment in &bar.segments {
            let Some(value) = segment.finite_value().filter(|&v| v != 0.0) else {
                continue;
            };
            let stack = if value < 0.0 { &mut below } else { &mut above };
            let (start, end) = (plot.x(*stack), plot.x(*stack + value));
            *stack += value;
            let (x, width) = (start.min(end), (end - start).abs());
            let text = self.x_format.format(value);
            let link = segment.link.as_deref().or(bar.link.as_deref());
            let class = format!("chart-segment {}", segment.tone.class());
            let close = open_datum(
                out,
                link,
                &class,
                &tooltip(&segment.name, &bar.label, &text),
            )?;
            write!(
                out,
                r#"<rect x="{}" y="{}" width="{}" height="{BAR_THICKNESS}" fill="{}"/>"#,
                Num(x),
                Num(top),
                Num(width),
                segment.tone.fill()
            )?;
            if stacked && width >= text_width(&text, 11.0) + 8.0 {
                write!(
                    out,
                    r#"<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="{}">{}</text>"#,
                    Num(x + width / 2.0),
                    Num(top + BAR_THICKNESS / 2.0 + 4.0),
                    segment.tone.ink_on_fill(),
                    Esc(&text)
                )?;
            }
            out.push_str(close);
        }
        // The total sits past the right end of the bar, or past zero when the bar lies
        // wholly left of it (the labels column is on the left). A halo keeps it legible
        // where the target line crosses it.
        write!(
            out,
            r#"<text class="chart-bar-total" x="{}" y="{middle}" fill="{INK}" {HALO}>{}</text></g>"#,
            Num(plot.x(above) + 6.0),
            Esc(&self.total_label(bar))
        )
    }

    fn write_table(&self, frame: &Frame<'_>, out: &mut String) -> fmt::Result {
        let kinds = self.segment_kinds();
        frame.open_table(out, "chart-table")?;
        table_head(
            out,
            &self.category_title,
            kinds.iter().map(|&(name, _)| name),
        )?;
        out.push_str("<tbody>");
        for bar in &self.bars {
            out.push_str(r#"<tr><th scope="row">"#);
            linked_text(out, &bar.label, bar.link.as_deref())?;
            out.push_str("</th>");
            for &(name, _) in &kinds {
                out.push_str("<td>");
                let segment = bar.segments.iter().find(|s| s.name == name);
                match segment.and_then(|s| Some((s, s.finite_value()?))) {
                    Some((s, value)) => {
                        let link = s.link.as_deref().or(bar.link.as_deref());
                        linked_text(out, &self.x_format.format(value), link)?;
                    }
                    None => out.push('–'),
                }
                out.push_str("</td>");
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table>");
        Ok(())
    }
}

/// Vertical grid lines at the ticks with their labels below, thinned when wide labels
/// (durations) would touch.
fn draw_grid(out: &mut String, plot: &Plot, bottom: f64, format: &NumberFormat) -> fmt::Result {
    let labels: Vec<String> = plot.axis.ticks.iter().map(|&t| format.format(t)).collect();
    let widest = labels
        .iter()
        .map(|l| text_width(l, FONT_SIZE))
        .fold(0.0, f64::max);
    let spacing =
        plot.x(plot.axis.ticks.get(1).copied().unwrap_or(plot.axis.max)) - plot.x(plot.axis.min);
    let stride = label_stride(widest + 10.0, spacing);
    out.push_str(r#"<g class="chart-grid">"#);
    for &tick in plot.axis.ticks.iter().filter(|&&t| t != 0.0) {
        let x = Num(plot.x(tick));
        write!(
            out,
            r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{GRID}" stroke-width="1"/>"#,
            Num(plot.top),
            Num(bottom)
        )?;
    }
    write!(
        out,
        r#"</g><g class="chart-axis chart-axis-x" fill="{MUTED_INK}" text-anchor="middle">"#
    )?;
    for (&tick, label) in plot.axis.ticks.iter().zip(&labels).step_by(stride) {
        write!(
            out,
            r#"<text x="{}" y="{}">{}</text>"#,
            Num(plot.x(tick)),
            Num(bottom + 18.0),
            Esc(label)
        )?;
    }
    out.push_str("</g>");
    Ok(())
}
