//! Charts over time: one line per series (volume, mean sentiment), or stacked areas
//! (sentiment counts), with spikes marked as flags on their bucket.

use std::fmt::{self, Write};

use crate::Rendered;
use crate::format::{Axis, Num, NumberFormat};
use crate::palette::Tone;
use crate::svg::{
    BASELINE, FONT_SIZE, Frame, GRID, INK, MUTED_INK, Swatch, WIDTH, label_stride, legend,
    linked_text, open_datum, table_head, tooltip, write_label,
};
use crate::text::{Esc, text_width, truncate};

/// One line (or stacked band) of a [`LineChart`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    /// Shown in the legend, the tooltips and the table's header.
    pub name: String,
    /// One value per bucket of [`LineChart::x_labels`]. A NaN or infinite value, or one
    /// past the end, is missing: the line has a gap there and the table shows "–".
    pub values: Vec<f64>,
    /// The items behind each value (same index as `values`); a missing or unsafe link
    /// leaves that point unlinked.
    pub links: Vec<Option<String>>,
    /// The series' colour by meaning: [`Tone::Own`] for the company's brand.
    pub tone: Tone,
}

/// A flag on one bucket of a time chart, e.g. a detected spike.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Marker {
    /// The bucket, an index into [`LineChart::x_labels`]; markers outside are left out.
    pub index: usize,
    /// The flag's text, e.g. "Topp: 312 omtaler". Long labels are cut on the flag and kept
    /// whole in its tooltip and in the table.
    pub label: String,
    /// The items behind the marker, e.g. the spike's mentions.
    pub link: Option<String>,
}

/// A chart of values over time buckets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineChart {
    /// Unique on the page: it prefixes the ids that tie the SVG and table to the title.
    pub id: String,
    /// The chart's accessible name and the table's caption. The page draws its visible
    /// heading itself; the SVG does not repeat it.
    pub title: String,
    /// One sentence telling a screen-reader user what the chart shows.
    pub summary: String,
    /// Shown instead of the chart when no bucket holds a value, e.g. "Ingen omtaler i
    /// perioden. Utvid tidsrommet eller fjern et filter."
    pub empty_message: String,
    /// The heading of the table's first column, e.g. "Uke".
    pub category_title: String,
    /// One already formatted label per bucket, oldest first.
    pub x_labels: Vec<String>,
    /// Drawn with the own brand on top and listed first, unless `stacked`, where the
    /// caller's order is the stacking order from the baseline up.
    pub series: Vec<Series>,
    /// Flags on buckets, e.g. detected spikes.
    pub markers: Vec<Marker>,
    /// How the values read on the axis, in tooltips and in the table.
    pub y_format: NumberFormat,
    /// Stack the series as areas, each band on top of the previous ones. Missing values
    /// count as zero in the stack.
    pub stacked: bool,
}

const PLOT_HEIGHT: f64 = 220.0;
const RIGHT_PAD: f64 = 14.0;
const X_LABEL_CHARS: usize = 16;
const X_LABEL_GAP: f64 = 14.0;
const FLAG_FONT_SIZE: f64 = 11.0;
const FLAG_LABEL_CHARS: usize = 28;
const FLAG_ROW: f64 = 20.0;
const FLAG_ROWS: usize = 2;
/// Between the lowest flag and the plot, where the top tick's label sits.
const FLAG_GAP: f64 = 6.0;
const MARKER_INK: &str = "#3A3A3A";
/// Beyond this many points a series gets one hover and link target per window of
/// buckets (its highest point), so a year of hourly data stays a small SVG. Every link
/// stays reachable in the table.
const MAX_TARGETS_PER_SERIES: usize = 240;
/// Up to this many buckets every point also gets a visible dot.
const DOTS_UP_TO: usize = 31;

impl Series {
    fn value(&self, bucket: usize) -> Option<f64> {
        self.values.get(bucket).copied().filter(|v| v.is_finite())
    }

    fn link(&self, bucket: usize) -> Option<&str> {
        self.links.get(bucket).and_then(Option::as_deref)
    }
}

/// A series with the heights it is drawn at: its own values, or its band of the stack.
struct Layer<'a> {
    series: &'a Series,
    top: Vec<Option<f64>>,
    base: Vec<f64>,
}

/// Where the plot sits in the viewBox, and how buckets and values map into it.
struct Plot {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    buckets: usize,
    axis: Axis,
}

impl Plot {
    fn x(&self, bucket: usize) -> f64 {
        if self.buckets < 2 {
            (self.left + self.right) / 2.0
        } else {
            self.left + (self.right - self.left) * bucket as f64 / (self.buckets - 1) as f64
        }
    }

    fn y(&self, value: f64) -> f64 {
        self.bottom - self.axis.fraction(value) * (self.bottom - self.top)
    }

    /// The distance between neighbouring buckets.
    fn spacing(&self) -> f64 {
        if self.buckets < 2 {
            f64::INFINITY
        } else {
            (self.right - self.left) / (self.buckets - 1) as f64
        }
    }
}

/// Where a marker's flag goes: a row above the plot, or none when both rows are taken
/// there and the marker shows only as a dashed line with a knob.
struct Flag<'a> {
    marker: &'a Marker,
    x: f64,
    left: f64,
    width: f64,
    row: Option<usize>,
}

impl LineChart {
    /// The chart as SVG and as a data table.
    pub fn render(&self) -> Rendered {
        let frame = Frame::new(&self.id, &self.title, &self.summary, "line");
        let buckets = self.x_labels.len();
        if !(0..buckets).any(|i| self.series.iter().any(|s| s.value(i).is_some())) {
            return frame.empty(&self.empty_message);
        }
        let (mut svg, mut table) = (String::new(), String::new());
        // Writing into a String cannot fail.
        let _ = self.write_svg(&frame, &mut svg);
        let _ = self.write_table(&frame, &mut table);
        Rendered { svg, table }
    }

    /// The legend's and the table's order: the own brand first, unless stacking fixes it.
    fn listed(&self) -> Vec<&Series> {
        let mut listed: Vec<&Series> = self.series.iter().collect();
        if !self.stacked {
            listed.sort_by_key(|s| s.tone != Tone::Own);
        }
        listed
    }

    /// The drawing order: the own brand last, so it lies on top of the competitors.
    fn layers(&self) -> Vec<Layer<'_>> {
        let buckets = self.x_labels.len();
        if !self.stacked {
            let mut layers: Vec<Layer<'_>> = self
                .series
                .iter()
                .map(|series| Layer {
                    series,
                    top: (0..buckets).map(|i| series.value(i)).collect(),
                    base: vec![0.0; buckets],
                })
                .collect();
            layers.sort_by_key(|layer| layer.series.tone == Tone::Own);
            return layers;
        }
        // Negative values stack downwards from zero, positive ones upwards.
        let (mut above, mut below) = (vec![0.0; buckets], vec![0.0; buckets]);
        self.series
            .iter()
            .map(|series| {
                let mut layer = Layer {
                    series,
                    top: vec![None; buckets],
                    base: vec![0.0; buckets],
                };
                for i in 0..buckets {
                    let value = series.value(i).unwrap_or(0.0);
                    let stack = if value < 0.0 {
                        &mut below[i]
                    } else {
                        &mut above[i]
                    };
                    layer.base[i] = *stack;
                    *stack += value;
                    layer.top[i] = Some(*stack);
                }
                layer
            })
            .collect()
    }

    fn write_svg(&self, frame: &Frame<'_>, out: &mut String) -> fmt::Result {
        let layers = self.layers();
        let heights = layers
            .iter()
            .flat_map(|l| l.top.iter().flatten().chain(&l.base));
        let (low, high) = heights.fold((0.0f64, 0.0f64), |(low, high), &v| {
            (low.min(v), high.max(v))
        });
        let axis = Axis::nice(low, high, &self.y_format);
        let tick_labels: Vec<String> = axis
            .ticks
            .iter()
            .map(|&t| self.y_format.format(t))
            .collect();
        let widest_tick = tick_labels
            .iter()
            .map(|t| text_width(t, FONT_SIZE))
            .fold(0.0, f64::max);

        // The legend and flags decide where the plot starts, so they are drawn first.
        let mut body = String::new();
        let entries: Vec<(&str, Tone)> = if self.series.len() > 1 || self.stacked {
            self.listed()
                .iter()
                .map(|s| (s.name.as_str(), s.tone))
                .collect()
        } else {
            Vec::new()
        };
        let swatch = if self.stacked {
            Swatch::Block
        } else {
            Swatch::Line
        };
        let legend_height = legend(&mut body, &entries, swatch, 0.0)?;
        let mut plot = Plot {
            left: widest_tick + 10.0,
            right: WIDTH - RIGHT_PAD,
            top: 0.0,
            bottom: 0.0,
            buckets: self.x_labels.len(),
            axis,
        };
        let flags = self.place_flags(&plot);
        let flag_rows = flags
            .iter()
            .filter_map(|f| f.row)
            .map(|row| row + 1)
            .max()
            .unwrap_or(0);
        plot.top = legend_height + 10.0 + flag_rows as f64 * FLAG_ROW;
        if flag_rows > 0 {
            plot.top += FLAG_GAP;
        }
        plot.bottom = plot.top + PLOT_HEIGHT;

        frame.open(out, plot.bottom + 28.0)?;
        out.push_str(&body);
        draw_value_axis(out, &plot, &tick_labels)?;
        self.draw_x_labels(out, &plot)?;
        for layer in &layers {
            if self.stacked {
                draw_area(out, &plot, layer)?;
            } else {
                draw_line(out, &plot, layer)?;
            }
        }
        draw_markers(out, &plot, &flags)?;
        for layer in &layers {
            self.draw_targets(out, &plot, layer)?;
        }
        out.push_str("</svg>");
        Ok(())
    }

    /// Shows every k-th bucket label, k chosen so that no two labels touch.
    fn draw_x_labels(&self, out: &mut String, plot: &Plot) -> fmt::Result {
        let widest = self
            .x_labels
            .iter()
            .map(|label| text_width(&truncate(label, X_LABEL_CHARS), FONT_SIZE))
            .fold(0.0, f64::max);
        let stride = label_stride(widest + X_LABEL_GAP, plot.spacing());
        write!(
            out,
            r#"<g class="chart-axis chart-axis-x" fill="{MUTED_INK}" text-anchor="middle">"#
        )?;
        for (i, label) in self.x_labels.iter().enumerate().step_by(stride) {
            let half = text_width(&truncate(label, X_LABEL_CHARS), FONT_SIZE) / 2.0;
            let x = plot.x(i).clamp(half, WIDTH - half);
            write!(
                out,
                r#"<text x="{}" y="{}">"#,
                Num(x),
                Num(plot.bottom + 19.0)
            )?;
            write_label(out, label, X_LABEL_CHARS)?;
            out.push_str("</text>");
        }
        out.push_str("</g>");
        Ok(())
    }

    /// Lays the flags out left to right, each in the lowest row where it overlaps no other.
    fn place_flags(&self, plot: &Plot) -> Vec<Flag<'_>> {
        let mut markers: Vec<&Marker> = self
            .markers
            .iter()
            .filter(|m| m.index < plot.buckets)
            .collect();
        markers.sort_by_key(|m| m.index);
        let mut row_ends = [f64::NEG_INFINITY; FLAG_ROWS];
        markers
            .into_iter()
            .map(|marker| {
                let x = plot.x(marker.index);
                let width =
                    text_width(&truncate(&marker.label, FLAG_LABEL_CHARS), FLAG_FONT_SIZE) + 12.0;
                let left = (x - width / 2.0).clamp(0.0, WIDTH - width);
                let row = row_ends.iter().position(|&end| left >= end + 4.0);
                if let Some(row) = row {
                    row_ends[row] = left + width;
                }
                Flag {
                    marker,
                    x,
                    left,
                    width,
                    row,
                }
            })
            .collect()
    }

    /// Hover and link targets on the points, thinned to the highest point per window
    /// when there are too many to point at one by one.
    fn draw_targets(&self, out: &mut String, plot: &Plot, layer: &Layer<'_>) -> fmt::Result {
        let series = layer.series;
        let window = plot.buckets.div_ceil(MAX_TARGETS_PER_SERIES).max(1);
        let radius = (plot.spacing() * window as f64 / 2.0).clamp(4.0, 12.0);
        let dots = plot.buckets <= DOTS_UP_TO && !self.stacked;
        let class = format!("chart-point {}", series.tone.class());
        write!(out, r#"<g class="chart-points">"#)?;
        for start in (0..plot.buckets).step_by(window) {
            let end = (start + window).min(plot.buckets);
            let highest = (start..end)
                .filter_map(|i| Some((i, series.value(i)?, layer.top[i]?)))
                .reduce(|best, next| if next.1 > best.1 { next } else { best });
            let Some((i, value, height)) = highest else {
                continue;
            };
            let tip = tooltip(
                &series.name,
                &self.x_labels[i],
                &self.y_format.format(value),
            );
            let close = open_datum(out, series.link(i), &class, &tip)?;
            let (cx, cy) = (Num(plot.x(i)), Num(plot.y(height)));
            write!(
                out,
                r##"<circle cx="{cx}" cy="{cy}" r="{}" fill="#000" fill-opacity="0"/>"##,
                Num(radius)
            )?;
            if dots {
                write!(
                    out,
                    r##"<circle cx="{cx}" cy="{cy}" r="{}" fill="{}" stroke="#FFFFFF" stroke-width="1.5"/>"##,
                    Num(series.tone.line_width() + 0.5),
                    series.tone.stroke()
                )?;
            }
            out.push_str(close);
        }
        out.push_str("</g>");
        Ok(())
    }

    fn write_table(&self, frame: &Frame<'_>, out: &mut String) -> fmt::Result {
        let listed = self.listed();
        frame.open_table(out, "chart-table")?;
        table_head(
            out,
            &self.category_title,
            listed.iter().map(|s| s.name.as_str()),
        )?;
        out.push_str("<tbody>");
        for (i, label) in self.x_labels.iter().enumerate() {
            write!(out, r#"<tr><th scope="row">{}"#, Esc(label))?;
            for marker in self.markers.iter().filter(|m| m.index == i) {
                out.push_str(r#" <span class="chart-table-marker">("#);
                linked_text(out, &marker.label, marker.link.as_deref())?;
                out.push_str(")</span>");
            }
            out.push_str("</th>");
            for series in &listed {
                out.push_str("<td>");
                match series.value(i) {
                    Some(value) => linked_text(out, &self.y_format.format(value), series.link(i))?,
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

fn draw_value_axis(out: &mut String, plot: &Plot, tick_labels: &[String]) -> fmt::Result {
    out.push_str(r#"<g class="chart-grid">"#);
    for &tick in &plot.axis.ticks {
        let colour = if tick == 0.0 { BASELINE } else { GRID };
        let y = Num(plot.y(tick));
        write!(
            out,
            r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{colour}" stroke-width="1"/>"#,
            Num(plot.left),
            Num(plot.right)
        )?;
    }
    write!(
        out,
        r#"</g><g class="chart-axis chart-axis-y" fill="{MUTED_INK}" text-anchor="end">"#
    )?;
    for (&tick, label) in plot.axis.ticks.iter().zip(tick_labels) {
        write!(
            out,
            r#"<text x="{}" y="{}">{}</text>"#,
            Num(plot.left - 8.0),
            Num(plot.y(tick) + 4.0),
            Esc(label)
        )?;
    }
    out.push_str("</g>");
    Ok(())
}

/// A line broken at missing values; a point with no neighbour gets a dot, or it would
/// not show at all. Lines thin out when buckets are closer than a few units, where full
/// width would merge the ups and downs into a solid band.
fn draw_line(out: &mut String, plot: &Plot, layer: &Layer<'_>) -> fmt::Result {
    let tone = layer.series.tone;
    let width = if plot.spacing() < 3.0 {
        tone.line_width() / 2.0
    } else {
        tone.line_width()
    };
    write!(out, r#"<g class="chart-series {}"><path d=""#, tone.class())?;
    let mut pen_down = false;
    for (i, height) in layer.top.iter().enumerate() {
        match height {
            Some(v) => {
                let command = if pen_down { 'L' } else { 'M' };
                write!(out, "{command}{} {}", Num(plot.x(i)), Num(plot.y(*v)))?;
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    write!(
        out,
        r#"" fill="none" stroke="{}" stroke-width="{width}" stroke-linejoin="round" stroke-linecap="round"/>"#,
        tone.stroke(),
    )?;
    let present = |i: Option<usize>| {
        i.and_then(|i| layer.top.get(i))
            .is_some_and(Option::is_some)
    };
    for (i, height) in layer.top.iter().enumerate() {
        if let Some(v) = height
            && !present(i.checked_sub(1))
            && !present(Some(i + 1))
        {
            write!(
                out,
                r#"<circle cx="{}" cy="{}" r="{}" fill="{}"/>"#,
                Num(plot.x(i)),
                Num(plot.y(*v)),
                tone.line_width(),
                tone.stroke()
            )?;
        }
    }
    out.push_str("</g>");
    Ok(())
}

/// A band from the layer's base up to its top. A single bucket gets some width, or its
/// area would be a line of no width.
fn draw_area(out: &mut String, plot: &Plot, layer: &Layer<'_>) -> fmt::Result {
    let xs: Vec<(f64, usize)> = if plot.buckets == 1 {
        vec![(plot.x(0) - 16.0, 0), (plot.x(0) + 16.0, 0)]
    } else {
        (0..plot.buckets).map(|i| (plot.x(i), i)).collect()
    };
    let tone = layer.series.tone;
    write!(out, r#"<path class="chart-area {}" d=""#, tone.class())?;
    for (n, &(x, i)) in xs.iter().enumerate() {
        let top = layer.top[i].unwrap_or(layer.base[i]);
        write!(
            out,
            "{}{} {}",
            if n == 0 { 'M' } else { 'L' },
            Num(x),
            Num(plot.y(top))
        )?;
    }
    for &(x, i) in xs.iter().rev() {
        write!(out, "L{} {}", Num(x), Num(plot.y(layer.base[i])))?;
    }
    write!(
        out,
        r##"Z" fill="{}" stroke="#FFFFFF" stroke-width="0.75"/>"##,
        tone.fill()
    )
}

/// Dashed lines down the plot, then the flags over them, so a flag in the lower row hides
/// the line of the flag above it.
fn draw_markers(out: &mut String, plot: &Plot, flags: &[Flag<'_>]) -> fmt::Result {
    if flags.is_empty() {
        return Ok(());
    }
    out.push_str(r#"<g class="chart-markers">"#);
    for flag in flags {
        let top = flag.row.map_or(plot.top, |row| flag_top(plot, row) + 16.0);
        write!(
            out,
            r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{MARKER_INK}" stroke-width="1" stroke-dasharray="3 3"/>"#,
            Num(top),
            Num(plot.bottom),
            x = Num(flag.x)
        )?;
    }
    for flag in flags {
        let close = open_datum(
            out,
            flag.marker.link.as_deref(),
            "chart-marker",
            &flag.marker.label,
        )?;
        match flag.row {
            Some(row) => {
                let top = flag_top(plot, row);
                write!(
                    out,
                    r##"<rect x="{}" y="{}" width="{}" height="16" rx="3" fill="#FFFFFF" stroke="{MARKER_INK}"/><text x="{}" y="{}" font-size="{FLAG_FONT_SIZE}" fill="{INK}">{}</text>"##,
                    Num(flag.left),
                    Num(top),
                    Num(flag.width),
                    Num(flag.left + 6.0),
                    Num(top + 12.0),
                    Esc(&truncate(&flag.marker.label, FLAG_LABEL_CHARS)),
                )?;
            }
            None => write!(
                out,
                r#"<circle cx="{}" cy="{}" r="4" fill="{MARKER_INK}"/>"#,
                Num(flag.x),
                Num(plot.top)
            )?,
        }
        out.push_str(close);
    }
    out.push_str("</g>");
    Ok(())
}

/// The top of a flag's 16-unit box: row 0 sits just above the plot, row 1 above it.
fn flag_top(plot: &Plot, row: usize) -> f64 {
    plot.top - FLAG_GAP - (row + 1) as f64 * FLAG_ROW + 4.0
}

#[cfg(test)]
mod tests {
    use crate::svg::label_stride;

    #[test]
    fn label_stride_keeps_labels_apart() {
        assert_eq!(label_stride(60.0, 100.0), 1);
        assert_eq!(label_stride(60.0, 30.0), 2);
        assert_eq!(label_stride(60.0, 29.0), 3);
        assert_eq!(label_stride(60.0, f64::INFINITY), 1);
        for (buckets, width) in [(7usize, 50.0), (90, 50.0), (365, 70.0), (2000, 90.0)] {
            let spacing = 700.0 / (buckets - 1) as f64;
            let stride = label_stride(width, spacing);
            assert!(stride as f64 * spacing >= width, "{buckets}");
        }
    }
}
