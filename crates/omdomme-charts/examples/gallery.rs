//! Writes an HTML page showing each kind of chart, to look at the charts in a browser:
//! `cargo run -p omdomme-charts --example gallery -- /tmp/chart.html`, then e.g.
//! `chromium --headless --screenshot=/tmp/chart.png --window-size=1000,2400 file:///tmp/chart.html`.

use std::fmt::Write;

use omdomme_charts::{
    Bar, BarChart, DecimalMark, LineChart, Marker, NumberFormat, Rendered, Segment, Series, Target,
    Tone,
};

fn main() -> std::io::Result<()> {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        std::env::temp_dir()
            .join("omdomme-charts.html")
            .to_string_lossy()
            .into_owned()
    });
    let charts = [
        ("Omtaler per dag", volume()),
        ("Sentiment per uke", sentiment_stack()),
        ("Gjennomsnittlig sentiment", mean_sentiment()),
        ("SLA oppfylt per kanal", sla()),
        ("Sentiment per tema", topics()),
        ("Svartid per kanal", response_times()),
        ("Omtaler per time, 2 000 timer", hourly()),
        ("Tomt", empty()),
    ];
    let mut page = String::from(
        r#"<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>Omdømme charts</title><link rel="stylesheet" href="data:text/css,body{font-family:system-ui,sans-serif;margin:24px;max-width:920px;color:%231a1a1a}section{margin-bottom:32px}h2{font-size:17px;margin:0 0 8px}.chart-table{font-size:12px;border-collapse:collapse}.chart-table td,.chart-table th{padding:2px 8px;text-align:right}details{margin-top:4px;font-size:13px}"></head><body>"#,
    );
    for (heading, Rendered { svg, table }) in charts {
        let _ = write!(
            page,
            "<section><h2>{heading}</h2>{svg}<details><summary>Tabell</summary>{table}</details></section>"
        );
    }
    page.push_str("</body></html>");
    std::fs::write(&path, page)?;
    println!("{path}");
    Ok(())
}

fn days(n: usize) -> Vec<String> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des",
    ];
    (0..n)
        .map(|i| format!("{}. {}", i % 28 + 1, MONTHS[(i / 28) % 12]))
        .collect()
}

fn wave(n: usize, base: f64, amplitude: f64, phase: f64) -> Vec<f64> {
    (0..n)
        .map(|i| {
            (base + amplitude * ((i as f64 / 4.0 + phase).sin() + (i as f64 / 9.0).cos())).round()
        })
        .collect()
}

fn links(n: usize, brand: &str) -> Vec<Option<String>> {
    (0..n)
        .map(|i| Some(format!("/explore?brand={brand}&day={i}")))
        .collect()
}

fn volume() -> Rendered {
    let n = 60;
    let mut own = wave(n, 1200.0, 300.0, 0.0);
    own[41] = 4100.0;
    own[17] = f64::NAN;
    LineChart {
        id: "volume".into(),
        title: "Omtaler per dag".into(),
        summary: "DNB har flest omtaler, med en topp 11. feb.".into(),
        category_title: "Dag".into(),
        x_labels: days(n),
        series: vec![
            Series {
                name: "Storebrand".into(),
                values: wave(n, 700.0, 150.0, 1.0),
                links: links(n, "2"),
                tone: Tone::Other(0),
            },
            Series {
                name: "DNB".into(),
                values: own,
                links: links(n, "1"),
                tone: Tone::Own,
            },
            Series {
                name: "Gjensidige".into(),
                values: wave(n, 400.0, 120.0, 2.0),
                links: links(n, "3"),
                tone: Tone::Other(1),
            },
            Series {
                name: "SpareBank 1 <script>alert(1)</script>".into(),
                values: wave(n, 250.0, 80.0, 3.0),
                links: links(n, "4"),
                tone: Tone::Other(2),
            },
        ],
        markers: vec![
            Marker {
                index: 41,
                label: "Topp: 4 100 omtaler".into(),
                link: Some("/explore?spike=41".into()),
            },
            Marker {
                index: 44,
                label: "Pressemelding om renteøkning".into(),
                link: Some("/explore?spike=44".into()),
            },
            Marker {
                index: 8,
                label: "Nyhetssak i NRK".into(),
                link: None,
            },
        ],
        y_format: NumberFormat::Count,
        ..LineChart::default()
    }
    .render()
}

fn sentiment_stack() -> Rendered {
    let n = 26;
    let labels: Vec<String> = (1..=n).map(|w| format!("Uke {w}")).collect();
    let band = |name: &str, base: f64, tone: Tone, phase: f64| Series {
        name: name.into(),
        values: wave(n, base, base / 4.0, phase),
        links: links(n, name),
        tone,
    };
    LineChart {
        id: "sentiment-stack".into(),
        title: "Sentiment per uke".into(),
        summary: "De fleste omtalene er nøytrale; andelen negative steg i uke 12.".into(),
        category_title: "Uke".into(),
        x_labels: labels,
        series: vec![
            band("Negativ", 300.0, Tone::Negative, 0.0),
            band("Nøytral", 900.0, Tone::Neutral, 1.0),
            band("Positiv", 500.0, Tone::Positive, 2.0),
        ],
        markers: vec![Marker {
            index: 11,
            label: "Topp i negative".into(),
            link: Some("/x".into()),
        }],
        stacked: true,
        ..LineChart::default()
    }
    .render()
}

fn mean_sentiment() -> Rendered {
    let n = 20;
    let score = |phase: f64, shift: f64| -> Vec<f64> {
        (0..n)
            .map(|i| (i as f64 / 3.0 + phase).sin() * 0.3 + shift)
            .collect()
    };
    let mut own = score(0.0, 0.05);
    own[6] = f64::NAN;
    own[7] = f64::NAN;
    LineChart {
        id: "score".into(),
        title: "Gjennomsnittlig sentiment".into(),
        summary: "Sentimentet for DNB svinger rundt null.".into(),
        category_title: "Uke".into(),
        x_labels: (1..=n).map(|w| format!("Uke {w}")).collect(),
        series: vec![
            Series {
                name: "DNB".into(),
                values: own,
                links: links(n, "1"),
                tone: Tone::Own,
            },
            Series {
                name: "Storebrand".into(),
                values: score(2.0, -0.05),
                links: vec![],
                tone: Tone::Other(0),
            },
        ],
        y_format: NumberFormat::Score(DecimalMark::Comma),
        ..LineChart::default()
    }
    .render()
}

fn sla() -> Rendered {
    let bars = [
        ("E-post", 96.0),
        ("Facebook", 91.0),
        ("Instagram", 84.0),
        ("X (Twitter)", 72.0),
        ("Kommentarfelt i nettaviser og andre lange kanalnavn", 64.5),
    ];
    BarChart {
        id: "sla".into(),
        title: "SLA oppfylt per kanal".into(),
        summary: "E-post og Facebook når målet på 90 %; de andre kanalene gjør det ikke.".into(),
        category_title: "Kanal".into(),
        bars: bars
            .iter()
            .map(|&(label, value)| Bar {
                label: label.into(),
                link: Some(format!("/inbox?channel={label}")),
                segments: vec![Segment {
                    name: "SLA oppfylt".into(),
                    value,
                    tone: if value >= 90.0 {
                        Tone::Positive
                    } else {
                        Tone::Negative
                    },
                    link: None,
                }],
            })
            .collect(),
        x_format: NumberFormat::Percent,
        target: Some(Target {
            value: 90.0,
            label: "Mål 90 %".into(),
        }),
        ..BarChart::default()
    }
    .render()
}

fn topics() -> Rendered {
    let topics = [
        ("Klima og miljø", 120.0, 340.0, 210.0),
        ("Arbeidsforhold", 260.0, 410.0, 90.0),
        ("Personvern", 80.0, 150.0, 40.0),
        ("Likestilling", 20.0, 95.0, 130.0),
        ("Antikorrupsjon", 4.0, 12.0, 3.0),
    ];
    BarChart {
        id: "topics".into(),
        title: "Sentiment per tema".into(),
        summary: "Arbeidsforhold har flest negative omtaler.".into(),
        category_title: "Tema".into(),
        bars: topics
            .iter()
            .map(|&(label, negative, neutral, positive)| Bar {
                label: label.into(),
                link: Some(format!("/explore?topic={label}")),
                segments: vec![
                    Segment {
                        name: "Negativ".into(),
                        value: negative,
                        tone: Tone::Negative,
                        link: Some(format!("/explore?topic={label}&s=neg")),
                    },
                    Segment {
                        name: "Nøytral".into(),
                        value: neutral,
                        tone: Tone::Neutral,
                        link: None,
                    },
                    Segment {
                        name: "Positiv".into(),
                        value: positive,
                        tone: Tone::Positive,
                        link: None,
                    },
                ],
            })
            .collect(),
        ..BarChart::default()
    }
    .render()
}

fn response_times() -> Rendered {
    let rows = [
        ("Kari Nordmann", 42.0),
        ("Ola Hansen", 95.0),
        ("Per Olsen", 185.0),
        ("Ingrid Berg", 12.0),
    ];
    BarChart {
        id: "response".into(),
        title: "Median svartid per person".into(),
        summary: "Per Olsen svarer senest.".into(),
        category_title: "Person".into(),
        bars: rows
            .iter()
            .map(|&(label, minutes)| Bar {
                label: label.into(),
                link: None,
                segments: vec![Segment {
                    name: "Svartid".into(),
                    value: minutes,
                    tone: Tone::Own,
                    link: None,
                }],
            })
            .collect(),
        x_format: NumberFormat::Minutes {
            hour: "t".into(),
            minute: "min".into(),
        },
        target: Some(Target {
            value: 120.0,
            label: "SLA 2 t".into(),
        }),
        ..BarChart::default()
    }
    .render()
}

fn empty() -> Rendered {
    LineChart {
        id: "empty".into(),
        title: "Omtaler per dag".into(),
        empty_message: "Ingen omtaler i perioden. Utvid tidsrommet eller fjern et filter.".into(),
        x_labels: days(7),
        ..LineChart::default()
    }
    .render()
}

fn hourly() -> Rendered {
    let n = 2000;
    let labels: Vec<String> = (0..n)
        .map(|h| format!("{}. {:02}:00", h / 24 + 1, h % 24))
        .collect();
    let series = |name: &str, base: f64, tone: Tone| Series {
        name: name.into(),
        values: (0..n)
            .map(|h| {
                (base * (1.0 + (h as f64 / 7.0).sin() * 0.4 + ((h * 7919) % 13) as f64 / 20.0))
                    .round()
            })
            .collect(),
        links: links(n, name),
        tone,
    };
    LineChart {
        id: "hourly".into(),
        title: "Omtaler per time".into(),
        summary: "Fire merkevarer over 2 000 timer.".into(),
        category_title: "Time".into(),
        x_labels: labels,
        series: vec![
            series("DNB", 60.0, Tone::Own),
            series("Storebrand", 30.0, Tone::Other(0)),
            series("Gjensidige", 20.0, Tone::Other(1)),
            series("KLP", 10.0, Tone::Other(2)),
        ],
        markers: (0..12)
            .map(|k| Marker {
                index: k * 170,
                label: format!("Topp {k}"),
                link: Some(format!("/spike/{k}")),
            })
            .collect(),
        ..LineChart::default()
    }
    .render()
}
