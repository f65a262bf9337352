use omdomme_charts::{Bar, BarChart, NumberFormat, Segment, Target, Tone};

use crate::xml::{Node, parse};

fn sla() -> BarChart {
    let bar = |label: &str, value: f64| Bar {
        label: label.into(),
        link: Some(format!("/inbox/report?channel={label}")),
        segments: vec![Segment {
            name: "SLA oppfylt".into(),
            value,
            tone: Tone::Own,
            link: None,
        }],
    };
    BarChart {
        id: "sla".into(),
        title: "SLA oppfylt per kanal".into(),
        summary: "E-post når målet.".into(),
        empty_message: "Ingen henvendelser i perioden.".into(),
        category_title: "Kanal".into(),
        bars: vec![
            bar("E-post", 96.0),
            bar("Facebook", 87.4),
            bar("Instagram", 0.0),
        ],
        x_format: NumberFormat::Percent,
        target: Some(Target {
            value: 90.0,
            label: "Mål 90 %".into(),
        }),
    }
}

fn sentiment() -> BarChart {
    let segments = |negative: f64, positive: f64| {
        vec![
            Segment {
                name: "Negativ".into(),
                value: negative,
                tone: Tone::Negative,
                link: Some("/explore?s=neg".into()),
            },
            Segment {
                name: "Positiv".into(),
                value: positive,
                tone: Tone::Positive,
                link: None,
            },
        ]
    };
    BarChart {
        id: "topics".into(),
        category_title: "Tema".into(),
        bars: vec![
            Bar {
                label: "Klima".into(),
                link: Some("/explore?topic=klima".into()),
                segments: segments(120.0, 80.0),
            },
            Bar {
                label: "Personvern".into(),
                link: None,
                segments: segments(5.0, f64::NAN),
            },
        ],
        ..BarChart::default()
    }
}

fn axis_labels(svg: &Node) -> Vec<String> {
    svg.with_class("chart-axis-x")[0]
        .named("text")
        .iter()
        .map(|t| t.text.clone())
        .collect()
}

#[test]
fn bars_link_to_their_items_and_say_their_value() {
    let svg = parse(&sla().render().svg);
    assert_eq!(svg.attr("aria-labelledby"), Some("sla-title sla-desc"));
    let segments = svg.with_class("chart-segment");
    assert_eq!(segments.len(), 2, "a zero bar has no area to point at");
    assert_eq!(segments[1].name, "a");
    assert_eq!(
        segments[1].attr("href"),
        Some("/inbox/report?channel=Facebook"),
        "the bar's link when the segment has none"
    );
    assert_eq!(
        segments[1].tooltip().as_deref(),
        Some("SLA oppfylt, Facebook: 87\u{a0}%")
    );
    let totals: Vec<String> = svg
        .with_class("chart-bar-total")
        .iter()
        .map(|t| t.text.clone())
        .collect();
    assert_eq!(totals, ["96\u{a0}%", "87\u{a0}%", "0\u{a0}%"]);
    let labels = svg.with_class("chart-bar-label");
    assert_eq!(labels[0].attr("href"), Some("/inbox/report?channel=E-post"));
}

#[test]
fn the_target_line_is_drawn_at_its_value() {
    let svg = parse(&sla().render().svg);
    let target = &svg.with_class("chart-target")[0];
    assert_eq!(target.named("text")[0].text, "Mål 90 %");
    let line = target.named("line")[0];
    assert!(line.attr("stroke-dasharray").is_some());
    let ticks = svg.with_class("chart-axis-x")[0].named("text");
    let at = |label: &str| ticks.iter().find(|t| t.text == label).unwrap().number("x");
    let expected = at("80\u{a0}%") + (at("100\u{a0}%") - at("80\u{a0}%")) / 2.0;
    assert!(
        (line.number("x1") - expected).abs() < 0.11,
        "{} vs {expected}",
        line.number("x1")
    );
}

#[test]
fn the_axis_stretches_to_a_target_beyond_the_bars() {
    let mut chart = sla();
    chart.bars.truncate(1);
    chart.bars[0].segments[0].value = 40.0;
    assert_eq!(
        axis_labels(&parse(&chart.render().svg))
            .last()
            .map(String::as_str),
        Some("100\u{a0}%")
    );
}

#[test]
fn stacked_segments_follow_each_other_and_fill_table_columns() {
    let rendered = sentiment().render();
    let svg = parse(&rendered.svg);
    let klima: Vec<&Node> = svg.with_class("chart-bar")[0].with_class("chart-segment");
    let (negative, positive) = (klima[0].named("rect")[0], klima[1].named("rect")[0]);
    assert!((negative.number("x") + negative.number("width") - positive.number("x")).abs() < 0.11);
    assert_eq!(klima[0].attr("href"), Some("/explore?s=neg"));
    assert_eq!(klima[1].attr("href"), Some("/explore?topic=klima"));
    assert_eq!(klima[0].tooltip().as_deref(), Some("Negativ, Klima: 120"));
    let legend: Vec<String> = svg.with_class("chart-legend")[0]
        .named("text")
        .iter()
        .map(|t| t.text.clone())
        .collect();
    assert_eq!(legend, ["Negativ", "Positiv"]);
    assert_eq!(svg.with_class("chart-bar-total")[0].text, "200");

    let table = parse(&rendered.table);
    let header: Vec<String> = table
        .named("th")
        .iter()
        .take(3)
        .map(|th| th.text_content())
        .collect();
    assert_eq!(header, ["Tema", "Negativ", "Positiv"]);
    let rows = table.named("tbody")[0].named("tr");
    let personvern: Vec<String> = rows[1].children.iter().map(Node::text_content).collect();
    assert_eq!(personvern, ["Personvern", "5", "–"]);
    assert_eq!(
        rows[0].named("a")[0].attr("href"),
        Some("/explore?topic=klima")
    );
}

#[test]
fn negative_bars_extend_left_of_zero() {
    let chart = BarChart {
        bars: vec![
            Bar {
                label: "DNB".into(),
                segments: vec![Segment {
                    value: -0.3,
                    ..Segment::default()
                }],
                link: None,
            },
            Bar {
                label: "KLP".into(),
                segments: vec![Segment {
                    value: 0.2,
                    ..Segment::default()
                }],
                link: None,
            },
        ],
        x_format: NumberFormat::Score(omdomme_charts::DecimalMark::Point),
        target: None,
        ..sla()
    };
    let svg = parse(&chart.render().svg);
    let zero = svg.with_class("chart-baseline")[0].number("x1");
    let rects: Vec<&Node> = svg
        .with_class("chart-segment")
        .iter()
        .map(|s| s.named("rect")[0])
        .collect();
    assert!((rects[0].number("x") + rects[0].number("width") - zero).abs() < 0.11);
    assert!((rects[1].number("x") - zero).abs() < 0.11);
    assert_eq!(axis_labels(&svg)[0], "\u{2212}0.30");
}

#[test]
fn no_values_show_the_callers_message() {
    for bars in [
        vec![],
        vec![Bar {
            label: "E-post".into(),
            link: None,
            segments: vec![],
        }],
    ] {
        let rendered = BarChart { bars, ..sla() }.render();
        let svg = parse(&rendered.svg);
        assert_eq!(
            svg.with_class("chart-empty")[0].named("text")[0].text,
            "Ingen henvendelser i perioden."
        );
        assert_eq!(
            parse(&rendered.table).named("td")[0].text,
            "Ingen henvendelser i perioden."
        );
    }
}

#[test]
fn the_same_bars_render_to_the_same_bytes() {
    assert_eq!(sentiment().render(), sentiment().render());
}
