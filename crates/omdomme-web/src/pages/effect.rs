//! `/w/{ws}/stories/{id}/effect?days=7|14|28`: did the story move perception? The mentions of
//! the own brand on the story's topic, per Norwegian day, for `days` days before the day
//! its first post was published and as many days from it (cut at the last whole day so far),
//! against the competitors over the same days; the statistics are
//! [`omdomme_core::effect`]'s, read by [`omdomme_report::effect::measure`] (the leadership
//! report reads them the same way).
//!
//! The story page loads this with htmx into its `#story-effect` section (the answer is then
//! the fragment alone); opened by itself it is a full page.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use jiff::Timestamp;
use omdomme_charts::{LineChart, Marker, NumberFormat, Rendered, Series, Tone};
use omdomme_core::effect::{Effect, Interval, Verdict};
use omdomme_core::{Brand, BrandRole};
use omdomme_report::effect::{self, StoryEffect};
use omdomme_store::{Role, Story, StoryId, UiLanguage};
use serde::Deserialize;

use super::explorer::ExplorerTexts;
use super::{Page, PageError, Section, render};
use crate::error::AppError;
use crate::extract::{AppPath, AppQuery};
use crate::i18n::texts;
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new().route("/w/{ws}/stories/{id}/effect", get(show))
}

texts!(pub EffectTexts {
    title: "Effekt" / "Effect",
    story: "Historie" / "Story",
    intro: "Omtalen av {brand} om «{topic}» dagene før og etter at historien ble publisert {date}, mot konkurrentene de samme dagene." / "Mentions of {brand} about \"{topic}\" in the days before and after the story was published on {date}, against the competitors over the same days.",
    window: "Dager før og etter" / "Days before and after",
    days: "dager" / "days",
    so_far: "Etter publisering: {n} av {days} hele dager så langt." / "After publishing: {n} of {days} whole days so far.",
    none_yet: "Ingen hele dager etter publiseringen ennå: effekten kan måles fra i morgen." / "No whole day after publishing yet: the effect can be measured from tomorrow.",
    not_published: "Effekten vises når et av historiens innlegg er publisert." / "The effect shows once one of the story's posts is published.",
    no_own_brand: "Arbeidsområdet har ingen egen merkevare. Legg den til under Oppsett → Merkevarer og søk." / "The workspace has no own brand. Add it under Setup → Brands and queries.",
    chart_title: "Omtaler per dag om temaet" / "Mentions per day on the topic",
    chart_summary: "Omtaler per dag av {brand} og konkurrentene om temaet, med publiseringsdagen markert." / "Mentions per day of {brand} and the competitors on the topic, with the day of publishing marked.",
    chart_empty: "Ingen omtaler om temaet i disse dagene." / "No mentions on the topic in these days.",
    day: "Dag" / "Day",
    published_marker: "Publisert" / "Published",
    measure: "Mål" / "Measure",
    before: "Før (snitt)" / "Before (mean)",
    after: "Etter (snitt)" / "After (mean)",
    change: "Endring (95 % KI)" / "Change (95 % CI)",
    volume_own: "Omtaler per dag, {brand}" / "Mentions per day, {brand}",
    volume_competitors: "Omtaler per dag, snittet av konkurrentene" / "Mentions per day, average competitor",
    volume_did: "Omtaler per dag: {brand} mot konkurrentene" / "Mentions per day: {brand} against the competitors",
    negative_own: "Andel negative, {brand}" / "Negative share, {brand}",
    negative_competitors: "Andel negative, konkurrentene" / "Negative share, competitors",
    negative_did: "Andel negative: {brand} mot konkurrentene" / "Negative share: {brand} against the competitors",
    not_enough: "for lite data" / "too little data",
    verdict_heading: "Hva tallene sier" / "What the figures say",
    verdict_volume: "Omtalen" / "The mentions",
    verdict_negative: "Andelen negative omtaler" / "The negative share",
    up: "økte" / "moved up",
    down: "falt" / "moved down",
    unclear: "ingen klar endring (intervallet rommer null)" / "no clear change (the interval contains zero)",
    unknown: "kan ikke sies ennå (for lite data)" / "cannot be told yet (too little data)",
    against_competitors: "sammenlignet med konkurrentene" / "compared with the competitors",
    own_only: "uten konkurrenter å sammenligne med" / "with no competitors to compare with",
    method: "95 % konfidensintervall: Welch for omtaler per dag, Newcombe (Wilson) for andelen negative, forskjell-i-forskjeller mot konkurrentene. Omtaler samme dag henger ofte sammen, så intervallene for andeler kan være for smale; en klar endring er ikke bevis for at historien var årsaken." / "95 % confidence intervals: Welch for mentions per day, Newcombe (Wilson) for the negative share, difference in differences against the competitors. Mentions on one day often hang together, so the share intervals can be too narrow; a clear change is no proof that the story caused it.",
    points: "pp" / "pp",
    to: "til" / "to",
});

/// The windows offered, in days on each side.
pub const WINDOW_DAYS: [i64; 3] = [7, 14, 28];
const DEFAULT_DAYS: i64 = 14;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EffectParams {
    days: Option<String>,
}

fn window_days(params: &EffectParams) -> Result<i64, AppError> {
    match params.days.as_deref().map(str::trim) {
        None | Some("") => Ok(DEFAULT_DAYS),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|d| WINDOW_DAYS.contains(d))
            .ok_or_else(|| {
                AppError::BadRequest(format!("parameter `days`: `{text}` is not 7, 14 or 28"))
            }),
    }
}

/// A link to another window.
#[derive(Clone, Debug)]
pub struct WindowLink {
    pub days: i64,
    pub href: String,
    pub current: bool,
}

/// One row of the table.
#[derive(Clone, Debug)]
pub struct Row {
    pub key: &'static str,
    pub label: String,
    pub before: String,
    pub after: String,
    pub change: String,
    /// `up`, `down`, `unclear` or `unknown`.
    pub verdict: &'static str,
}

/// What the figures say about one measure.
#[derive(Clone, Debug)]
pub struct VerdictLine {
    pub key: &'static str,
    pub measure: &'static str,
    pub direction: &'static str,
    pub words: &'static str,
    pub basis: &'static str,
}

/// The measured part of the fragment.
#[derive(Clone, Debug)]
pub struct Measured {
    pub intro: String,
    pub so_far: String,
    pub chart_title: String,
    pub chart: Rendered,
    pub rows: Vec<Row>,
    pub verdicts: Vec<VerdictLine>,
}

#[derive(askama::Template)]
#[template(path = "effect_fragment.html")]
struct FragmentTemplate<'a> {
    t: &'static EffectTexts,
    page: &'a Page,
    windows: Vec<WindowLink>,
    message: Option<&'static str>,
    measured: Option<Measured>,
}

#[derive(askama::Template)]
#[template(path = "effect.html")]
struct PageTemplate<'a> {
    t: &'static EffectTexts,
    page: &'a Page,
    story_title: String,
    story_href: String,
    windows: Vec<WindowLink>,
    message: Option<&'static str>,
    measured: Option<Measured>,
}

async fn show(
    State(state): State<AppState>,
    mut page: Page,
    AppPath((_, id)): AppPath<(String, StoryId)>,
    params: Result<AppQuery<EffectParams>, AppError>,
) -> Result<Response, PageError> {
    page.require(Role::Viewer)?;
    page.section = Some(Section::Stories);
    let AppQuery(params) = params?;
    let days = window_days(&params)?;
    let t = texts::<EffectTexts>(page.language);
    let ws = page.workspace()?.clone();
    let story = state
        .store
        .story(&ws.id, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no story {id} in this workspace")))?;
    let effect_href = page.ws_link(&format!("stories/{id}/effect"));
    let windows = WINDOW_DAYS
        .iter()
        .map(|d| WindowLink {
            days: *d,
            href: format!("{effect_href}?days={d}"),
            current: *d == days,
        })
        .collect();
    let moment = state
        .store
        .story_posts(&ws.id, id)
        .await?
        .iter()
        .filter_map(|p| p.published.as_ref().map(|p| p.at))
        .min();
    let (message, measured) = match (moment, ws.own_brand()) {
        (None, _) => (Some(t.not_published), None),
        (Some(_), None) => (Some(t.no_own_brand), None),
        (Some(moment), Some(own)) => {
            let competitors: Vec<&Brand> = ws
                .brands
                .iter()
                .filter(|b| b.role == BrandRole::Competitor)
                .collect();
            let measured = measure(&state, &page, &story, own, &competitors, moment, days).await?;
            (None, Some(measured))
        }
    };
    if page.htmx {
        return render(&FragmentTemplate {
            t,
            page: &page,
            windows,
            message,
            measured,
        });
    }
    render(&PageTemplate {
        t,
        page: &page,
        story_title: story.draft.title.clone(),
        story_href: page.ws_link(&format!("stories/{id}")),
        windows,
        message,
        measured,
    })
}

fn cut(e: jiff::Error) -> AppError {
    AppError::internal(format!("cutting the effect's days: {e}"))
}

async fn measure(
    state: &AppState,
    page: &Page,
    story: &Story,
    own: &Brand,
    competitors: &[&Brand],
    moment: Timestamp,
    days: i64,
) -> Result<Measured, PageError> {
    let t = texts::<EffectTexts>(page.language);
    let zone = page.fmt.zone.clone();
    let today = page.now.to_zoned_datetime(zone.clone()).date();
    let before_days = usize::try_from(days).unwrap_or(0);
    let measured = effect::measure(
        state.store.as_ref(),
        &effect::Measure {
            workspace: &story.workspace,
            own,
            competitors,
            topic: story.draft.topic,
            moment,
            days,
            today,
            time_zone: &state.config.time_zone,
        },
    )
    .await
    .map_err(|e| AppError::internal(format!("measuring the effect: {e}")))?;
    let StoryEffect {
        first,
        day,
        end,
        own: own_counts,
        competitors: competitor_counts,
        effect: result,
    } = measured;
    let mut labels = Vec::new();
    let mut date = first;
    while date < end {
        labels.push(match page.language {
            UiLanguage::Nb => format!("{}.{}.", date.day(), date.month()),
            UiLanguage::En => format!("{}/{}", date.day(), date.month()),
        });
        date = date.tomorrow().map_err(cut)?;
    }
    let mut series = vec![Series {
        name: own.name.clone(),
        values: own_counts.iter().map(|d| d.count as f64).collect(),
        links: Vec::new(),
        tone: Tone::Own,
    }];
    for (i, (brand, counts)) in competitors.iter().zip(&competitor_counts).enumerate() {
        series.push(Series {
            name: brand.name.clone(),
            values: counts.iter().map(|d| d.count as f64).collect(),
            links: Vec::new(),
            tone: Tone::Other(i),
        });
    }
    let published = page.fmt.date(&moment);
    let chart = LineChart {
        id: "story-effect-chart".to_owned(),
        title: t.chart_title.to_owned(),
        summary: t.chart_summary.replace("{brand}", &own.name),
        empty_message: t.chart_empty.to_owned(),
        category_title: t.day.to_owned(),
        x_labels: labels,
        series,
        markers: vec![Marker {
            index: before_days,
            label: format!("{} {published}", t.published_marker),
            link: None,
        }],
        y_format: NumberFormat::Count,
        stacked: false,
    }
    .render();
    let after_days = day.until(end).map_or(0, |s| i64::from(s.get_days()));
    let so_far = if after_days == 0 {
        t.none_yet.to_owned()
    } else {
        t.so_far
            .replace("{n}", &after_days.to_string())
            .replace("{days}", &days.to_string())
    };
    Ok(Measured {
        intro: t
            .intro
            .replace("{brand}", &own.name)
            .replace(
                "{topic}",
                texts::<ExplorerTexts>(page.language).topic_label(story.draft.topic),
            )
            .replace("{date}", &published),
        so_far,
        chart_title: t.chart_title.to_owned(),
        chart,
        rows: rows(&result, &own.name, page.language),
        verdicts: verdicts(&result, page.language),
    })
}

/// `12,3` / `12.3` with a real minus sign.
fn decimal(value: f64, language: UiLanguage) -> String {
    let text = format!("{:.1}", value.abs());
    let text = match language {
        UiLanguage::Nb => text.replace('.', ","),
        UiLanguage::En => text,
    };
    if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("\u{2212}{text}")
    } else {
        text
    }
}

fn signed(value: f64, language: UiLanguage) -> String {
    let text = decimal(value, language);
    if value > 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("+{text}")
    } else {
        text
    }
}

/// `+4,0 (−0,5 til 8,5)`, scaled (100 for percentage points) with a unit.
fn interval_text(
    interval: Option<Interval>,
    scale: f64,
    unit: &str,
    language: UiLanguage,
) -> String {
    let t = texts::<EffectTexts>(language);
    match interval {
        None => t.not_enough.to_owned(),
        Some(i) => format!(
            "{}{unit} ({} {} {})",
            signed(i.estimate * scale, language),
            decimal(i.low * scale, language),
            t.to,
            decimal(i.high * scale, language),
        ),
    }
}

fn verdict_key(interval: Option<Interval>) -> &'static str {
    match interval.map(|i| i.verdict()) {
        Some(Verdict::Up) => "up",
        Some(Verdict::Down) => "down",
        Some(Verdict::Unclear) => "unclear",
        None => "unknown",
    }
}

fn share_text(share: Option<f64>, language: UiLanguage) -> String {
    share.map_or_else(
        || "–".to_owned(),
        |s| format!("{}\u{a0}%", decimal(s * 100.0, language)),
    )
}

fn rows(result: &Effect, brand: &str, language: UiLanguage) -> Vec<Row> {
    let t = texts::<EffectTexts>(language);
    let points = format!("\u{a0}{}", t.points);
    let mut rows = vec![Row {
        key: "volume-own",
        label: t.volume_own.replace("{brand}", brand),
        before: decimal(result.own_volume.before, language),
        after: decimal(result.own_volume.after, language),
        change: interval_text(result.own_volume.change, 1.0, "", language),
        verdict: verdict_key(result.own_volume.change),
    }];
    if let Some(c) = &result.competitor_volume {
        rows.push(Row {
            key: "volume-competitors",
            label: t.volume_competitors.to_owned(),
            before: decimal(c.before, language),
            after: decimal(c.after, language),
            change: interval_text(c.change, 1.0, "", language),
            verdict: verdict_key(c.change),
        });
        rows.push(Row {
            key: "volume-did",
            label: t.volume_did.replace("{brand}", brand),
            before: String::new(),
            after: String::new(),
            change: interval_text(result.volume_did, 1.0, "", language),
            verdict: verdict_key(result.volume_did),
        });
    }
    rows.push(Row {
        key: "negative-own",
        label: t.negative_own.replace("{brand}", brand),
        before: share_text(result.own_negative.before, language),
        after: share_text(result.own_negative.after, language),
        change: interval_text(result.own_negative.change, 100.0, &points, language),
        verdict: verdict_key(result.own_negative.change),
    });
    if let Some(c) = &result.competitor_negative {
        rows.push(Row {
            key: "negative-competitors",
            label: t.negative_competitors.to_owned(),
            before: share_text(c.before, language),
            after: share_text(c.after, language),
            change: interval_text(c.change, 100.0, &points, language),
            verdict: verdict_key(c.change),
        });
        rows.push(Row {
            key: "negative-did",
            label: t.negative_did.replace("{brand}", brand),
            before: String::new(),
            after: String::new(),
            change: interval_text(result.negative_did, 100.0, &points, language),
            verdict: verdict_key(result.negative_did),
        });
    }
    rows
}

/// The verdict on each measure: against the competitors when there are any, else the own
/// change alone.
fn verdicts(result: &Effect, language: UiLanguage) -> Vec<VerdictLine> {
    let t = texts::<EffectTexts>(language);
    let has_competitors = result.competitor_volume.is_some();
    let basis = if has_competitors {
        t.against_competitors
    } else {
        t.own_only
    };
    let line = |key, measure, interval: Option<Interval>| {
        let direction = verdict_key(interval);
        VerdictLine {
            key,
            measure,
            direction,
            words: match direction {
                "up" => t.up,
                "down" => t.down,
                "unclear" => t.unclear,
                _ => t.unknown,
            },
            basis,
        }
    };
    let (volume, negative) = if has_competitors {
        (result.volume_did, result.negative_did)
    } else {
        (result.own_volume.change, result.own_negative.change)
    };
    vec![
        line("volume", t.verdict_volume, volume),
        line("negative", t.verdict_negative, negative),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_in_the_users_language() {
        assert_eq!(decimal(-0.46, UiLanguage::Nb), "\u{2212}0,5");
        assert_eq!(decimal(-0.04, UiLanguage::En), "0.0");
        assert_eq!(signed(4.0, UiLanguage::En), "+4.0");
        assert_eq!(signed(0.0, UiLanguage::En), "0.0");
        let i = Interval {
            estimate: 0.032,
            low: -0.01,
            high: 0.075,
        };
        assert_eq!(
            interval_text(Some(i), 100.0, " pp", UiLanguage::Nb),
            "+3,2 pp (\u{2212}1,0 til 7,5)"
        );
        assert_eq!(
            interval_text(None, 1.0, "", UiLanguage::En),
            "too little data"
        );
    }

    #[test]
    fn bad_windows_are_named() {
        let params = EffectParams {
            days: Some("30".into()),
        };
        assert!(
            window_days(&params)
                .unwrap_err()
                .to_string()
                .contains("`days`")
        );
        assert_eq!(window_days(&EffectParams::default()).unwrap(), 14);
    }
}
