//! Hostile caller text must come out as text, and unsafe links must not come out at all.

use omdomme_charts::{Bar, BarChart, LineChart, Marker, Rendered, Segment, Series, Target, Tone};

use crate::week;
use crate::xml::{Node, parse};

const HOSTILE: [&str; 6] = [
    "<script>alert(1)</script>",
    "\" onmouseover=\"alert(1)",
    "' onload='alert(1)",
    "</svg><img src=x onerror=alert(1)>",
    "&amp; &lt;b&gt; ]]> <!-- x",
    "tab\tnul\u{0}bell\u{7}",
];

fn hostile_line(text: &str, link: &str) -> LineChart {
    LineChart {
        id: text.into(),
        title: text.into(),
        summary: text.into(),
        empty_message: text.into(),
        category_title: text.into(),
        x_labels: vec![text.into(), "b".into()],
        series: vec![
            Series {
                name: text.into(),
                values: vec![1.0, 2.0],
                links: vec![Some(link.into()); 2],
                tone: Tone::Own,
            },
            Series {
                name: "b".into(),
                values: vec![2.0, 1.0],
                links: vec![],
                tone: Tone::Other(0),
            },
        ],
        markers: vec![Marker {
            index: 0,
            label: text.into(),
            link: Some(link.into()),
        }],
        ..LineChart::default()
    }
}

fn hostile_bars(text: &str, link: &str) -> BarChart {
    BarChart {
        id: text.into(),
        title: text.into(),
        summary: text.into(),
        empty_message: text.into(),
        category_title: text.into(),
        bars: vec![Bar {
            label: text.into(),
            link: Some(link.into()),
            segments: vec![
                Segment {
                    name: text.into(),
                    value: 3.0,
                    tone: Tone::Negative,
                    link: Some(link.into()),
                },
                Segment {
                    name: "b".into(),
                    value: 4.0,
                    tone: Tone::Positive,
                    link: None,
                },
            ],
        }],
        target: Some(Target {
            value: 5.0,
            label: text.into(),
        }),
        ..BarChart::default()
    }
}

fn renders(text: &str, link: &str) -> Vec<Rendered> {
    vec![
        hostile_line(text, link).render(),
        LineChart {
            stacked: true,
            ..hostile_line(text, link)
        }
        .render(),
        LineChart {
            series: vec![],
            ..hostile_line(text, link)
        }
        .render(),
        hostile_bars(text, link).render(),
        BarChart {
            bars: vec![],
            ..hostile_bars(text, link)
        }
        .render(),
    ]
}

/// Nothing a browser would run or style: no script or style element, no event handler or
/// style attribute, no link but the safe ones.
fn assert_inert(fragment: &str, root: &Node) {
    assert!(
        !fragment.to_ascii_lowercase().contains("<script"),
        "{fragment}"
    );
    for node in root.all() {
        assert!(
            !["script", "style", "img", "foreignObject"].contains(&node.name.as_str()),
            "<{}>",
            node.name
        );
        for (name, value) in &node.attributes {
            assert!(
                !name.starts_with("on") && name != "style",
                "{name}={value:?} on <{}>",
                node.name
            );
            if name == "href" {
                assert!(
                    value.starts_with('/') || value.starts_with("https://"),
                    "href={value:?}"
                );
            }
        }
    }
}

#[test]
fn hostile_text_stays_text_in_the_svg_and_the_table() {
    for text in HOSTILE {
        for rendered in renders(text, "/explore?q=1&r=2") {
            let svg = parse(&rendered.svg);
            assert_eq!(svg.name, "svg");
            assert_inert(&rendered.svg, &svg);
            let table = parse(&rendered.table);
            assert_eq!(table.name, "table");
            assert_inert(&rendered.table, &table);
            let shown = text.replace(['\u{0}', '\u{7}'], "\u{FFFD}");
            assert_eq!(
                svg.named("title")[0].text,
                shown,
                "the title keeps the text as written"
            );
            assert_eq!(table.named("caption")[0].text, shown);
        }
    }
}

#[test]
fn a_hostile_label_shows_as_written_in_tooltips_and_cells() {
    let text = "<script>alert(1)</script>";
    let rendered = hostile_line(text, "/x").render();
    let svg = parse(&rendered.svg);
    let tooltip = svg
        .with_class("chart-point")
        .iter()
        .find_map(|p| p.tooltip().filter(|t| t.starts_with('<')));
    assert_eq!(
        tooltip.as_deref(),
        Some("<script>alert(1)</script>, <script>alert(1)</script>: 1")
    );
    let table = parse(&rendered.table);
    assert_eq!(
        table.named("tbody")[0].named("th")[0].text_content(),
        format!("{text} ({text})")
    );
}

#[test]
fn the_chart_id_is_reduced_to_safe_characters() {
    let svg = parse(&hostile_line("\" onmouseover=\"alert(1)", "/x").render().svg);
    let labelledby = svg.attr("aria-labelledby").unwrap();
    assert!(
        labelledby
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_ ".contains(c)),
        "{labelledby}"
    );
}

#[test]
fn unsafe_links_are_dropped_but_the_data_stays() {
    for link in [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\nscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "//evil.example/x",
        "vbscript:msgbox(1)",
    ] {
        for rendered in renders("a", link) {
            let svg = parse(&rendered.svg);
            let table = parse(&rendered.table);
            assert!(
                svg.named("a").is_empty() && table.named("a").is_empty(),
                "{link:?} kept"
            );
            assert!(!rendered.svg.contains("script:") && !rendered.table.contains("script:"));
        }
        let svg = parse(&hostile_line("a", link).render().svg);
        assert!(
            svg.with_class("chart-point")
                .iter()
                .all(|p| p.name == "g" && p.tooltip().is_some())
        );
    }
}

#[test]
fn safe_links_keep_their_query_escaped_once() {
    let rendered = hostile_line("a", "https://example.no/explore?q=\"x\"&from=1").render();
    assert!(
        rendered
            .svg
            .contains(r#"href="https://example.no/explore?q=&quot;x&quot;&amp;from=1""#)
    );
    let svg = parse(&rendered.svg);
    assert_eq!(
        svg.named("a")[0].attr("href"),
        Some("https://example.no/explore?q=\"x\"&from=1")
    );
}

#[test]
fn colours_are_attributes_never_styles() {
    let mut charts = renders("a", "/x");
    charts.push(week().render());
    for rendered in charts {
        let svg = parse(&rendered.svg);
        assert_inert(&rendered.svg, &svg);
        assert!(
            !rendered.svg.contains("style"),
            "no style attribute or element"
        );
        let painted = svg
            .all()
            .into_iter()
            .filter(|n| ["rect", "path", "line", "circle"].contains(&n.name.as_str()));
        for node in painted {
            assert!(
                node.attr("fill").is_some() || node.attr("stroke").is_some(),
                "<{}> unpainted",
                node.name
            );
        }
        assert!(
            svg.all()
                .iter()
                .filter(|n| n.name == "g")
                .all(|g| g.attr("class").is_some()),
            "every group has a class"
        );
    }
}
