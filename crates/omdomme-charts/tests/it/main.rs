//! One test binary for the crate (linking is slow on two cores).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a malformed chart should stop the test loudly

mod bar;
mod line;
mod safety;
mod xml;

use omdomme_charts::{LineChart, NumberFormat, Series, Tone};

/// A week of daily counts for two brands, every point linked.
pub fn week() -> LineChart {
    let days: Vec<String> = (1..=7).map(|d| format!("{d}. jan")).collect();
    let series = |name: &str, tone, values: Vec<f64>| Series {
        name: name.into(),
        links: (0..values.len())
            .map(|d| Some(format!("/explore?brand={name}&day={d}")))
            .collect(),
        values,
        tone,
    };
    LineChart {
        id: "week".into(),
        title: "Omtaler per dag".into(),
        summary: "DNB har flest omtaler.".into(),
        empty_message: "Ingen omtaler i perioden.".into(),
        category_title: "Dag".into(),
        x_labels: days,
        series: vec![
            series(
                "Storebrand",
                Tone::Other(0),
                vec![300.0, 320.0, 310.0, 290.0, 305.0, 330.0, 315.0],
            ),
            series(
                "DNB",
                Tone::Own,
                vec![1200.0, 1234.0, 1100.0, 1500.0, 1300.0, 1250.0, 1280.0],
            ),
        ],
        y_format: NumberFormat::Count,
        ..LineChart::default()
    }
}
