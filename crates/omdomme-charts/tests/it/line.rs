use omdomme_charts::{DecimalMark, LineChart, Marker, NumberFormat, Series, Tone};

use crate::week;
use crate::xml::{Node, parse};

fn svg(chart: &LineChart) -> Node {
    parse(&chart.render().svg)
}

fn x_labels(svg: &Node) -> Vec<(f64, String)> {
    let axis = svg.with_class("chart-axis-x");
    axis[0]
        .named("text")
        .iter()
        .map(|t| (t.number("x"), t.text.clone()))
        .collect()
}

fn y_labels(svg: &Node) -> Vec<String> {
    svg.with_class("chart-axis-y")[0]
        .named("text")
        .iter()
        .map(|t| t.text.clone())
        .collect()
}

#[test]
fn the_svg_is_an_accessible_image_named_by_its_title_and_summary() {
    let svg = svg(&week());
    assert_eq!(svg.name, "svg");
    assert_eq!(svg.attr("xmlns"), Some("http://www.w3.org/2000/svg"));
    assert_eq!(svg.attr("role"), Some("img"));
    assert_eq!(svg.attr("aria-labelledby"), Some("week-title week-desc"));
    assert!(
        svg.attr("viewBox")
            .is_some_and(|v| v.starts_with("0 0 760 "))
    );
    let title = svg
        .children
        .iter()
        .find(|c| c.attr("id") == Some("week-title"))
        .unwrap();
    assert_eq!(
        (title.name.as_str(), title.text.as_str()),
        ("title", "Omtaler per dag")
    );
    let desc = svg
        .children
        .iter()
        .find(|c| c.attr("id") == Some("week-desc"))
        .unwrap();
    assert_eq!(
        (desc.name.as_str(), desc.text.as_str()),
        ("desc", "DNB har flest omtaler.")
    );
}

#[test]
fn every_linked_point_says_series_label_and_value() {
    let svg = svg(&week());
    let points: Vec<&Node> = svg
        .named("a")
        .into_iter()
        .filter(|a| a.has_class("chart-point"))
        .collect();
    assert_eq!(points.len(), 14);
    let tooltips: Vec<String> = points.iter().map(|a| a.tooltip().unwrap()).collect();
    assert!(
        tooltips.contains(&"DNB, 2. jan: 1\u{a0}234".to_owned()),
        "{tooltips:?}"
    );
    let dnb_day_1 = points
        .iter()
        .find(|a| a.tooltip().unwrap().starts_with("DNB, 2. jan"))
        .unwrap();
    assert_eq!(dnb_day_1.attr("href"), Some("/explore?brand=DNB&day=1"));
    assert_eq!(dnb_day_1.attr("tabindex"), Some("-1"));
    assert!(
        dnb_day_1
            .named("circle")
            .iter()
            .any(|c| c.attr("fill-opacity") == Some("0")),
        "a hit area"
    );
}

#[test]
fn the_own_brand_leads_the_legend_and_table_and_is_drawn_on_top() {
    let rendered = week().render();
    let svg = parse(&rendered.svg);
    let legend: Vec<String> = svg.with_class("chart-legend")[0]
        .named("text")
        .iter()
        .map(|t| t.text.clone())
        .collect();
    assert_eq!(legend, ["DNB", "Storebrand"]);
    let lines = svg.with_class("chart-series");
    assert!(lines.last().unwrap().has_class("tone-own"));
    let table = parse(&rendered.table);
    let header: Vec<String> = table
        .named("th")
        .iter()
        .take(3)
        .map(|th| th.text_content())
        .collect();
    assert_eq!(header, ["Dag", "DNB", "Storebrand"]);
}

#[test]
fn the_table_holds_every_bucket_with_its_links() {
    let table = parse(&week().render().table);
    assert_eq!(table.attr("class"), Some("chart-table"));
    assert_eq!(table.attr("aria-describedby"), Some("week-desc"));
    assert_eq!(table.named("caption")[0].text, "Omtaler per dag");
    let rows = table.named("tbody")[0].named("tr");
    assert_eq!(rows.len(), 7);
    let second: Vec<String> = rows[1].children.iter().map(Node::text_content).collect();
    assert_eq!(second, ["2. jan", "1\u{a0}234", "320"]);
    let link = rows[1].named("a")[0];
    assert_eq!(
        (link.attr("href"), link.text.as_str()),
        (Some("/explore?brand=DNB&day=1"), "1\u{a0}234")
    );
}

#[test]
fn value_axis_ticks_are_round_and_include_zero() {
    assert_eq!(
        y_labels(&svg(&week())),
        [
            "0",
            "200",
            "400",
            "600",
            "800",
            "1\u{a0}000",
            "1\u{a0}200",
            "1\u{a0}400",
            "1\u{a0}600"
        ]
    );
}

#[test]
fn a_score_axis_runs_through_a_zero_line() {
    let chart = LineChart {
        x_labels: vec!["Uke 1".into(), "Uke 2".into(), "Uke 3".into()],
        series: vec![Series {
            name: "DNB".into(),
            values: vec![-0.34, 0.1, 0.21],
            tone: Tone::Own,
            ..Series::default()
        }],
        y_format: NumberFormat::Score(DecimalMark::Comma),
        ..week()
    };
    let svg = svg(&chart);
    let labels = y_labels(&svg);
    assert_eq!(labels.first().map(String::as_str), Some("\u{2212}0,40"));
    assert!(labels.contains(&"0,00".to_owned()));
    let grid = svg.with_class("chart-grid")[0].named("line");
    let zero_line = &grid[labels.iter().position(|l| l == "0,00").unwrap()];
    assert_ne!(
        zero_line.attr("stroke"),
        grid[0].attr("stroke"),
        "the zero line stands out"
    );
    let tooltips: Vec<String> = svg
        .with_class("chart-point")
        .iter()
        .filter_map(|p| p.tooltip())
        .collect();
    assert_eq!(
        tooltips[0], "DNB, Uke 1: \u{2212}0,34",
        "unlinked points still tell their value"
    );
}

#[test]
fn missing_values_break_the_line_and_read_as_a_dash() {
    let mut chart = week();
    chart.series[1].values = vec![1.0, f64::NAN, 3.0, 4.0, f64::INFINITY, 6.0];
    let rendered = chart.render();
    let svg = parse(&rendered.svg);
    let own = svg
        .with_class("chart-series")
        .into_iter()
        .find(|g| g.has_class("tone-own"))
        .unwrap();
    let path = own.named("path")[0].attr("d").unwrap();
    assert_eq!(path.matches('M').count(), 3, "{path}");
    assert_eq!(
        own.named("circle").len(),
        2,
        "isolated points (first and sixth) get a dot"
    );
    assert!(!path.contains("NaN") && !path.contains("inf"));
    let table = parse(&rendered.table);
    let own_cells: Vec<String> = table.named("tbody")[0]
        .named("tr")
        .iter()
        .map(|r| r.children[1].text_content())
        .collect();
    assert_eq!(
        own_cells,
        ["1", "–", "3", "4", "–", "6", "–"],
        "values past the end are missing too"
    );
}

#[test]
fn stacked_series_pile_up_but_each_tells_its_own_value() {
    let chart = LineChart {
        x_labels: vec!["Uke 1".into(), "Uke 2".into()],
        series: vec![
            Series {
                name: "Negativ".into(),
                values: vec![1.0, 2.0],
                tone: Tone::Negative,
                ..Series::default()
            },
            Series {
                name: "Positiv".into(),
                values: vec![3.0, 4.0],
                tone: Tone::Positive,
                ..Series::default()
            },
        ],
        stacked: true,
        ..week()
    };
    let stacked = svg(&chart);
    assert_eq!(
        y_labels(&stacked),
        ["0", "1", "2", "3", "4", "5", "6"],
        "the axis reaches the sum, 2 + 4"
    );
    assert_eq!(stacked.with_class("chart-area").len(), 2);
    let tooltips: Vec<String> = stacked
        .with_class("chart-point")
        .iter()
        .filter_map(|p| p.tooltip())
        .collect();
    assert!(
        tooltips.contains(&"Positiv, Uke 2: 4".to_owned()),
        "{tooltips:?}"
    );
    let positive_top = stacked
        .with_class("chart-point")
        .into_iter()
        .find(|p| p.tooltip().as_deref() == Some("Positiv, Uke 2: 4"))
        .unwrap()
        .named("circle")[0]
        .number("cy");
    let six = stacked.with_class("chart-axis-y")[0].named("text")[6].number("y") - 4.0;
    assert!(
        (positive_top - six).abs() < 0.11,
        "drawn at 6: {positive_top} vs {six}"
    );
    let unstacked = svg(&LineChart {
        stacked: false,
        ..chart
    });
    assert_eq!(y_labels(&unstacked).last().map(String::as_str), Some("4"));
}

#[test]
fn bucket_labels_are_thinned_so_they_never_overlap() {
    let mut chart = week();
    chart.x_labels = (0..365)
        .map(|d| format!("{}. {}", d % 28 + 1, ["jan", "feb", "mar"][d % 3]))
        .collect();
    chart.series.iter_mut().for_each(|s| {
        s.values = (0..365).map(|d| d as f64).collect();
        s.links.clear();
    });
    let labels = x_labels(&svg(&chart));
    assert!((5..=20).contains(&labels.len()), "{}", labels.len());
    for pair in labels.windows(2) {
        let (left, right) = (&pair[0], &pair[1]);
        let half_widths =
            (left.1.chars().count() + right.1.chars().count()) as f64 * 12.0 * 0.5 / 2.0;
        assert!(
            right.0 - left.0 > half_widths + 4.0,
            "{left:?} and {right:?} touch"
        );
    }
}

#[test]
fn long_labels_are_cut_and_kept_whole_in_their_tooltip() {
    let mut chart = week();
    let long = "Kommentarfelt i nettaviser og andre kanaler";
    chart.series[0].name = long.into();
    let svg = svg(&chart);
    let legend = svg.with_class("chart-legend")[0].named("text");
    let entry = legend.iter().find(|t| t.text.ends_with('…')).unwrap();
    assert!(entry.text.chars().count() <= 32);
    assert_eq!(entry.tooltip().as_deref(), Some(long));
}

#[test]
fn a_single_bucket_is_drawn_as_a_point() {
    let chart = LineChart {
        x_labels: vec!["I dag".into()],
        series: vec![Series {
            name: "DNB".into(),
            values: vec![5.0],
            tone: Tone::Own,
            ..Series::default()
        }],
        ..week()
    };
    let svg = svg(&chart);
    assert_eq!(x_labels(&svg).len(), 1);
    assert_eq!(svg.with_class("chart-series")[0].named("circle").len(), 1);
    let stacked = LineChart {
        stacked: true,
        ..chart
    };
    let area = crate::xml::parse(&stacked.render().svg).with_class("chart-area")[0]
        .attr("d")
        .unwrap()
        .to_owned();
    assert_eq!(area.matches('L').count(), 3, "a band with width: {area}");
}

#[test]
fn zero_values_are_data_not_an_empty_chart() {
    let mut chart = week();
    chart
        .series
        .iter_mut()
        .for_each(|s| s.values = vec![0.0; 7]);
    let svg = svg(&chart);
    assert!(svg.with_class("chart-empty").is_empty());
    assert_eq!(y_labels(&svg), ["0", "1"]);
}

#[test]
fn no_data_shows_the_callers_message() {
    let nothing = [
        LineChart {
            series: vec![],
            ..week()
        },
        LineChart {
            x_labels: vec![],
            ..week()
        },
        LineChart {
            series: vec![Series {
                name: "DNB".into(),
                values: vec![f64::NAN; 7],
                ..Series::default()
            }],
            ..week()
        },
    ];
    for chart in nothing {
        let rendered = chart.render();
        let svg = parse(&rendered.svg);
        assert_eq!(svg.attr("aria-labelledby"), Some("week-title week-desc"));
        assert_eq!(
            svg.with_class("chart-empty")[0].named("text")[0].text,
            "Ingen omtaler i perioden."
        );
        let table = parse(&rendered.table);
        assert_eq!(table.named("caption")[0].text, "Omtaler per dag");
        assert_eq!(table.named("td")[0].text, "Ingen omtaler i perioden.");
    }
}

#[test]
fn markers_flag_their_bucket_with_a_link() {
    let mut chart = week();
    chart.markers = vec![
        Marker {
            index: 3,
            label: "Topp: 1 500 omtaler".into(),
            link: Some("/explore?spike=3".into()),
        },
        Marker {
            index: 4,
            label: "Pressemelding".into(),
            link: None,
        },
        Marker {
            index: 99,
            label: "Utenfor".into(),
            link: None,
        },
    ];
    let rendered = chart.render();
    let svg = parse(&rendered.svg);
    let markers = svg.with_class("chart-marker");
    assert_eq!(
        markers.len(),
        2,
        "a marker past the last bucket is left out"
    );
    assert_eq!(markers[0].name, "a");
    assert_eq!(markers[0].attr("href"), Some("/explore?spike=3"));
    assert_eq!(markers[0].tooltip().as_deref(), Some("Topp: 1 500 omtaler"));
    assert_eq!(markers[1].name, "g");
    let dashed = svg.with_class("chart-markers")[0].named("line");
    assert!(dashed.iter().all(|l| l.attr("stroke-dasharray").is_some()));
    let fourth_day = svg
        .all()
        .into_iter()
        .find(|n| n.tooltip().as_deref() == Some("DNB, 4. jan: 1\u{a0}500"))
        .unwrap();
    assert_eq!(
        dashed[0].number("x1"),
        fourth_day.named("circle")[0].number("cx"),
        "at the bucket"
    );
    let table = parse(&rendered.table);
    let row = &table.named("tbody")[0].named("tr")[3];
    assert_eq!(
        row.with_class("chart-table-marker")[0].text_content(),
        "(Topp: 1 500 omtaler)"
    );
}

#[test]
fn two_thousand_buckets_stay_small() {
    let buckets = 2000;
    let mut chart = week();
    chart.x_labels = (0..buckets)
        .map(|h| format!("{}. {:02}:00", h / 24 + 1, h % 24))
        .collect();
    chart.series = (0..4)
        .map(|s| Series {
            name: format!("Merke {s}"),
            values: (0..buckets)
                .map(|h| ((h * 7919 + s * 13) % 1000) as f64 * 12.345)
                .collect(),
            links: (0..buckets)
                .map(|h| {
                    Some(format!(
                        "/explore?brand={s}&from=2024-01-01T{h:04}&to=2024-01-01T{h:04}"
                    ))
                })
                .collect(),
            tone: if s == 0 { Tone::Own } else { Tone::Other(s) },
        })
        .collect();
    chart.markers = (0..40)
        .map(|k| Marker {
            index: k * 50,
            label: format!("Topp {k}"),
            link: Some(format!("/s/{k}")),
        })
        .collect();
    let rendered = chart.render();
    assert!(rendered.svg.len() < 400_000, "{} bytes", rendered.svg.len());
    let svg = parse(&rendered.svg);
    let links = svg.named("a").len();
    assert!((4 * 200..=4 * 250 + 40).contains(&links), "{links} links");
    assert_eq!(
        parse(&rendered.table).named("tbody")[0].named("tr").len(),
        buckets,
        "the table keeps every bucket"
    );
}

#[test]
fn the_same_chart_renders_to_the_same_bytes() {
    let mut chart = week();
    chart.markers = vec![Marker {
        index: 2,
        label: "Topp".into(),
        link: Some("/x".into()),
    }];
    assert_eq!(chart.render(), chart.clone().render());
}
