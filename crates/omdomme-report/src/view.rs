//! The report in words: every figure of [`Report`] formatted in bokmål or English, the
//! charts rendered by omdomme-charts. The HTML and the PDF both show this and nothing else,
//! so the two always say the same.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use omdomme_charts::{Bar, BarChart, LineChart, NumberFormat, Rendered, Segment, Series, Tone};
use omdomme_core::{SentimentLabel, SourceKind, Topic};
use omdomme_store::UiLanguage;
use serde::Serialize;

use crate::actions::{Action, SLA_TARGET, UNANSWERED_LIMIT};
use crate::goals::NotMeasured;
use crate::model::{Compared, Report, ratio};
use crate::period::PeriodKind;
use omdomme_core::openness::Component;

/// The words of the report in one language.
#[derive(Debug, Serialize)]
pub struct Texts {
    pub title_week: &'static str,
    pub title_month: &'static str,
    pub generated: &'static str,
    pub synthetic: &'static str,
    pub compared_with: &'static str,
    pub headline: &'static str,
    pub kpi_mentions: &'static str,
    pub kpi_negative: &'static str,
    pub kpi_share: &'static str,
    pub kpi_response: &'static str,
    pub kpi_sla: &'static str,
    pub goals: &'static str,
    pub goal: &'static str,
    pub metric: &'static str,
    pub target: &'static str,
    pub deadline: &'static str,
    pub owner: &'static str,
    pub goals_none: &'static str,
    pub goals_note: &'static str,
    pub actual: &'static str,
    pub status: &'static str,
    pub reached: &'static str,
    pub not_reached: &'static str,
    pub not_measurable: &'static str,
    pub no_data_yet: &'static str,
    pub monthly_only: &'static str,
    pub index: &'static str,
    pub index_intro: &'static str,
    pub index_none: &'static str,
    pub index_value: &'static str,
    pub index_missing: &'static str,
    pub response_rate: &'static str,
    pub median_short: &'static str,
    pub csr_answered: &'static str,
    pub dialog_share: &'static str,
    pub maturity: &'static str,
    pub maturity_summary: &'static str,
    pub maturity_done: &'static str,
    pub maturity_check: &'static str,
    pub maturity_evidence: &'static str,
    pub maturity_next: &'static str,
    pub in_place: &'static str,
    pub missing: &'static str,
    pub competition: &'static str,
    pub brand: &'static str,
    pub mentions: &'static str,
    pub change: &'static str,
    pub share_of_voice: &'static str,
    pub negative_share: &'static str,
    pub volume_chart: &'static str,
    pub volume_summary: &'static str,
    pub sentiment_chart: &'static str,
    pub sentiment_summary: &'static str,
    pub share_chart: &'static str,
    pub share_summary: &'static str,
    pub no_data: &'static str,
    pub day: &'static str,
    pub negative: &'static str,
    pub neutral: &'static str,
    pub positive: &'static str,
    pub topics: &'static str,
    pub topic: &'static str,
    pub topics_none: &'static str,
    pub press: &'static str,
    pub press_none: &'static str,
    pub source: &'static str,
    pub engagement: &'static str,
    pub published_at: &'static str,
    pub crisis: &'static str,
    pub crisis_none: &'static str,
    pub crisis_line: &'static str,
    pub in_the_hour: &'static str,
    pub that_day: &'static str,
    pub first_items: &'static str,
    pub responses: &'static str,
    pub arrived: &'static str,
    pub answered: &'static str,
    pub unanswered: &'static str,
    pub median_response: &'static str,
    pub p90_response: &'static str,
    pub sla_met: &'static str,
    pub this_period: &'static str,
    pub previous_period: &'static str,
    pub stories: &'static str,
    pub stories_none: &'static str,
    pub story: &'static str,
    pub channel: &'static str,
    pub effects: &'static str,
    pub effects_intro: &'static str,
    pub effect_volume: &'static str,
    pub effect_negative: &'static str,
    pub up: &'static str,
    pub down: &'static str,
    pub unclear: &'static str,
    pub unknown: &'static str,
    pub insights: &'static str,
    pub insights_none: &'static str,
    pub insights_intro: &'static str,
    pub theme_size: &'static str,
    pub actions: &'static str,
    pub actions_none: &'static str,
    pub minutes: &'static str,
    pub hours: &'static str,
    pub points: &'static str,
}

const NB: Texts = Texts {
    title_week: "Ledelsesrapport uke {week} {year}",
    title_month: "Ledelsesrapport {month} {year}",
    generated: "Laget {at}",
    synthetic: "Syntetiske demodata, ikke ekte omtale.",
    compared_with: "Sammenlignet med {previous}",
    headline: "Hovedtall",
    kpi_mentions: "Omtaler av {brand}",
    kpi_negative: "Andel negative",
    kpi_share: "Andel av omtalen (share of voice)",
    kpi_response: "Median svartid",
    kpi_sla: "Svart innen SLA",
    goals: "Mål",
    goal: "Mål",
    metric: "Måltall",
    target: "Mål\u{AD}verdi",
    deadline: "Frist",
    owner: "Eier",
    goals_none: "Ingen mål er satt. Legg dem inn under Oppsett → Mål.",
    goals_note: "Målt i perioden der måltallet er kjent (svarprosent, svartid, engasjement, delinger eller svar per innlegg, dialogandel, historier per måned); andre måltall vises som ikke målbare ennå.",
    actual: "I perioden",
    status: "Status",
    reached: "nådd",
    not_reached: "ikke nådd",
    not_measurable: "ikke målbart ennå",
    no_data_yet: "ingen data i perioden",
    monthly_only: "måles per måned",
    index: "Engasjement og åpenhet mot konkurrentene",
    index_intro: "Indeksen (0–100) veier svarandel, svartid, CSR-spørsmål besvart offentlig, dialogandel og engasjement per innlegg; formelen står i docs/engagement-openness-index.md.",
    index_none: "Ingen åpenhetstall i perioden. Registrer merkevarenes kontoer, så telles svarene deres.",
    index_value: "Indeks",
    index_missing: "for lite data",
    response_rate: "Svarandel",
    median_short: "Median svartid",
    csr_answered: "CSR besvart",
    dialog_share: "Dialogandel",
    maturity: "Modenhet: policy, beskyttelse, muligheter",
    maturity_summary: "{in_place} av {total} på plass. Neste steg: {stage}.",
    maturity_done: "{in_place} av {total} på plass: alt er på plass.",
    maturity_check: "Punkt",
    maturity_evidence: "Grunnlag",
    maturity_next: "Neste steg",
    in_place: "på plass",
    missing: "mangler",
    competition: "Omtale mot konkurrentene",
    brand: "Merkevare",
    mentions: "Omtaler",
    change: "Endring",
    share_of_voice: "Andel av omtalen",
    negative_share: "Andel negative",
    volume_chart: "Omtaler per dag",
    volume_summary: "Omtaler per dag av {brand} og konkurrentene i perioden.",
    sentiment_chart: "Stemningen rundt {brand} per dag",
    sentiment_summary: "Negative, nøytrale og positive omtaler av {brand} per dag, stablet.",
    share_chart: "Andel av omtalen",
    share_summary: "Hver merkevares andel av all omtale av merkevarene i perioden.",
    no_data: "Ingen omtaler i perioden.",
    day: "Dag",
    negative: "Negativ",
    neutral: "Nøytral",
    positive: "Positiv",
    topics: "Samfunnsansvar: temaer",
    topic: "Tema",
    topics_none: "Ingen omtale av samfunnsansvar i perioden.",
    press: "Viktige presseoppslag",
    press_none: "Ingen presseoppslag om {brand} i perioden.",
    source: "Kilde",
    engagement: "Engasjement",
    published_at: "Publisert",
    crisis: "Kriser",
    crisis_none: "Ingen uvanlig topp i negativ omtale i perioden.",
    crisis_line: "{start} – {end}: {negative} negative omtaler; toppen {peak} med {peak_count} {unit} (normalt {baseline}).",
    in_the_hour: "i timen",
    that_day: "den dagen",
    first_items: "De første omtalene",
    responses: "Svartider",
    arrived: "Henvendelser",
    answered: "Besvart",
    unanswered: "Ubesvart nå",
    median_response: "Median tid til første svar",
    p90_response: "90 % besvart innen",
    sla_met: "Svart innen SLA",
    this_period: "Perioden",
    previous_period: "Perioden før",
    stories: "Publiserte historier",
    stories_none: "Ingen innlegg publisert i perioden.",
    story: "Historie",
    channel: "Kanal",
    effects: "Effekt av historiene",
    effects_intro: "Omtalen av egen merkevare om historiens tema sju dager før og etter første innlegg, mot konkurrentene (95 % konfidensintervall).",
    effect_volume: "Omtalen",
    effect_negative: "Andelen negative",
    up: "økte",
    down: "falt",
    unclear: "ingen klar endring",
    unknown: "for lite data ennå",
    insights: "Produkt og tjenester: hva kundene sier",
    insights_none: "For få tilbakemeldinger om produkt og tjenester i perioden til å finne temaer.",
    insights_intro: "Tilbakemeldinger om produkt og kundeopplevelse, gruppert etter ordene de deler.",
    theme_size: "{size} omtaler (før: {before}), {negative} negative",
    actions: "Anbefalte tiltak",
    actions_none: "Ingen tiltak anbefales ut fra tallene.",
    minutes: "min",
    hours: "t",
    points: "pp",
};

const EN: Texts = Texts {
    title_week: "Leadership report week {week} {year}",
    title_month: "Leadership report {month} {year}",
    generated: "Made {at}",
    synthetic: "Synthetic demo data, not real mentions.",
    compared_with: "Compared with {previous}",
    headline: "Headline figures",
    kpi_mentions: "Mentions of {brand}",
    kpi_negative: "Negative share",
    kpi_share: "Share of voice",
    kpi_response: "Median response time",
    kpi_sla: "Answered within SLA",
    goals: "Goals",
    goal: "Goal",
    metric: "Metric",
    target: "Target",
    deadline: "Deadline",
    owner: "Owner",
    goals_none: "No goals are set. Add them under Setup → Goals.",
    goals_note: "Measured in the period where the metric is known (response rate, response time, engagement, shares or replies per post, dialog share, stories per month); other metrics show as not measurable yet.",
    actual: "In the period",
    status: "Status",
    reached: "reached",
    not_reached: "not reached",
    not_measurable: "not measurable yet",
    no_data_yet: "no data in the period",
    monthly_only: "measured per month",
    index: "Engagement and openness against the competitors",
    index_intro: "The index (0–100) weighs the response rate, response times, CSR questions answered in public, the dialog share and engagement per post; the formula is in docs/engagement-openness-index.md.",
    index_none: "No openness figures in the period. Register the brands' accounts so their answers are counted.",
    index_value: "Index",
    index_missing: "too little data",
    response_rate: "Response rate",
    median_short: "Median response",
    csr_answered: "CSR answered",
    dialog_share: "Dialog share",
    maturity: "Maturity: policy, protection, opportunity",
    maturity_summary: "{in_place} of {total} in place. Next stage: {stage}.",
    maturity_done: "{in_place} of {total} in place: everything is in place.",
    maturity_check: "Check",
    maturity_evidence: "Evidence",
    maturity_next: "Next step",
    in_place: "in place",
    missing: "missing",
    competition: "Mentions against the competitors",
    brand: "Brand",
    mentions: "Mentions",
    change: "Change",
    share_of_voice: "Share of voice",
    negative_share: "Negative share",
    volume_chart: "Mentions per day",
    volume_summary: "Mentions per day of {brand} and the competitors in the period.",
    sentiment_chart: "Sentiment about {brand} per day",
    sentiment_summary: "Negative, neutral and positive mentions of {brand} per day, stacked.",
    share_chart: "Share of voice",
    share_summary: "Each brand's share of all brand mentions in the period.",
    no_data: "No mentions in the period.",
    day: "Day",
    negative: "Negative",
    neutral: "Neutral",
    positive: "Positive",
    topics: "Corporate responsibility topics",
    topic: "Topic",
    topics_none: "No mentions of corporate responsibility in the period.",
    press: "Notable press items",
    press_none: "No press items about {brand} in the period.",
    source: "Source",
    engagement: "Engagement",
    published_at: "Published",
    crisis: "Crises",
    crisis_none: "No unusual peak in negative mentions in the period.",
    crisis_line: "{start} – {end}: {negative} negative mentions; the peak {peak} with {peak_count} {unit} (normally {baseline}).",
    in_the_hour: "in the hour",
    that_day: "that day",
    first_items: "The first mentions",
    responses: "Response times",
    arrived: "Inquiries",
    answered: "Answered",
    unanswered: "Unanswered now",
    median_response: "Median time to first response",
    p90_response: "90 % answered within",
    sla_met: "Answered within SLA",
    this_period: "This period",
    previous_period: "Period before",
    stories: "Published stories",
    stories_none: "No posts published in the period.",
    story: "Story",
    channel: "Channel",
    effects: "Effect of the stories",
    effects_intro: "Mentions of the own brand on the story's topic seven days before and after its first post, against the competitors (95 % confidence interval).",
    effect_volume: "Mentions",
    effect_negative: "Negative share",
    up: "moved up",
    down: "moved down",
    unclear: "no clear change",
    unknown: "too little data yet",
    insights: "Products and services: what customers say",
    insights_none: "Too little feedback on products and services in the period to find themes.",
    insights_intro: "Feedback on products and the customer experience, grouped by the words it shares.",
    theme_size: "{size} mentions (before: {before}), {negative} negative",
    actions: "Recommended actions",
    actions_none: "The figures call for no action.",
    minutes: "min",
    hours: "h",
    points: "pp",
};

/// The texts of a language.
pub fn texts(language: UiLanguage) -> &'static Texts {
    match language {
        UiLanguage::Nb => &NB,
        UiLanguage::En => &EN,
    }
}

const MONTHS_NB: [&str; 12] = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A headline figure.
#[derive(Clone, Debug, Serialize)]
pub struct Kpi {
    pub label: String,
    pub value: String,
    /// Against the period before: "+12 %", "−3,1 pp"; empty when there is nothing to compare.
    pub change: String,
    /// `good`, `bad` or `same`, for colour.
    pub tone: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct BrandRow {
    pub name: String,
    pub own: bool,
    pub mentions: String,
    pub change: String,
    pub share: String,
    pub negative_share: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct TopicRow {
    pub name: String,
    pub mentions: String,
    pub change: String,
    pub negative_share: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct PressRow {
    pub title: String,
    pub source: String,
    pub published: String,
    pub engagement: String,
    /// Only http(s) links are kept.
    pub url: Option<String>,
    pub sentiment: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ItemLine {
    pub time: String,
    pub author: String,
    pub text: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct CrisisView {
    pub summary: String,
    pub first_items: Vec<ItemLine>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ResponseRow {
    pub label: String,
    pub now: String,
    pub before: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct GoalRow {
    pub name: String,
    pub metric: String,
    pub target: String,
    pub deadline: String,
    pub owner: String,
    /// The figure in the period, or why there is none.
    pub actual: String,
    pub status: String,
    /// `good`, `bad` or `same` (not measured), for colour.
    pub tone: &'static str,
}

/// A brand's index in the period.
#[derive(Clone, Debug, Serialize)]
pub struct IndexRow {
    pub name: String,
    pub own: bool,
    pub index: String,
    pub change: String,
    pub response_rate: String,
    pub median: String,
    pub csr: String,
    pub dialog: String,
}

/// One maturity check.
#[derive(Clone, Debug, Serialize)]
pub struct MaturityRow {
    pub stage: String,
    pub check: String,
    pub in_place: bool,
    pub state: String,
    pub evidence: String,
    /// Empty when in place.
    pub next_step: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct PublishedRow {
    pub at: String,
    pub story: String,
    pub channel: String,
    pub excerpt: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct EffectRow {
    pub story: String,
    pub topic: String,
    pub published: String,
    pub volume: String,
    pub negative: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ThemeView {
    pub label: String,
    pub size: String,
    pub negative: bool,
    pub quotes: Vec<String>,
}

/// A chart for both documents: the SVG, its data table (HTML) and its title.
#[derive(Clone, Debug, Serialize)]
pub struct ChartView {
    /// File name in the PDF's virtual folder: `volume.svg`.
    pub file: String,
    pub title: String,
    #[serde(skip)]
    pub rendered: Rendered,
}

/// The whole report in words.
#[derive(Debug, Serialize)]
pub struct ReportView {
    pub lang: &'static str,
    pub t: &'static Texts,
    pub title: String,
    pub workspace: String,
    pub dates: String,
    pub compared_with: String,
    pub generated: String,
    pub synthetic: bool,
    pub kpis: Vec<Kpi>,
    pub goals: Vec<GoalRow>,
    /// Empty when no brand has openness figures in the period.
    pub index: Vec<IndexRow>,
    pub maturity_summary: String,
    pub maturity: Vec<MaturityRow>,
    pub brands: Vec<BrandRow>,
    pub charts: Vec<ChartView>,
    pub topics: Vec<TopicRow>,
    pub press: Vec<PressRow>,
    pub press_none: String,
    pub crises: Vec<CrisisView>,
    pub responses: Vec<ResponseRow>,
    pub published: Vec<PublishedRow>,
    pub effects: Vec<EffectRow>,
    pub themes: Vec<ThemeView>,
    pub actions: Vec<String>,
}

/// Formats numbers the reader's way.
struct Numbers {
    language: UiLanguage,
}

impl Numbers {
    fn count(&self, n: u64) -> String {
        NumberFormat::Count.format(n as f64)
    }

    fn decimal(&self, value: f64, decimals: usize) -> String {
        let text = format!("{:.*}", decimals, value.abs());
        let text = match self.language {
            UiLanguage::Nb => text.replace('.', ","),
            UiLanguage::En => text,
        };
        if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
            format!("\u{2212}{text}")
        } else {
            text
        }
    }

    /// A share 0–1 as "12,3 %".
    fn percent(&self, share: Option<f64>) -> String {
        share.map_or_else(
            || "–".to_owned(),
            |s| format!("{}\u{a0}%", self.decimal(s * 100.0, 1)),
        )
    }

    /// Relative change of a count: "+12 %"; empty when there was nothing before.
    fn relative(&self, change: Compared<u64>) -> String {
        if change.before == 0 {
            return String::new();
        }
        let value = (change.now as f64 / change.before as f64 - 1.0) * 100.0;
        self.signed(value, 0, "\u{a0}%")
    }

    /// Change of a share in percentage points: "+3,1 pp".
    fn points(&self, change: Compared<Option<f64>>, unit: &str) -> String {
        match (change.now, change.before) {
            (Some(now), Some(before)) => {
                self.signed((now - before) * 100.0, 1, &format!("\u{a0}{unit}"))
            }
            _ => String::new(),
        }
    }

    fn signed(&self, value: f64, decimals: usize, unit: &str) -> String {
        let text = self.decimal(value, decimals);
        let sign = if value > 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
            "+"
        } else {
            ""
        };
        format!("{sign}{text}{unit}")
    }

    fn minutes(&self, minutes: Option<f64>) -> String {
        let t = texts(self.language);
        NumberFormat::Minutes {
            hour: t.hours.to_owned(),
            minute: t.minutes.to_owned(),
        }
        .format(minutes.unwrap_or(f64::NAN))
    }
}

fn tone(change: f64, higher_is_better: bool) -> &'static str {
    if change.abs() < 1e-9 {
        "same"
    } else if (change > 0.0) == higher_is_better {
        "good"
    } else {
        "bad"
    }
}

/// Only http(s) links reach a document.
fn safe_url(url: Option<&str>) -> Option<String> {
    url.filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .map(str::to_owned)
}

fn channel_name(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Rss => "RSS",
        SourceKind::Mastodon => "Mastodon",
        SourceKind::Bluesky => "Bluesky",
        SourceKind::X => "X",
        SourceKind::Facebook => "Facebook",
        SourceKind::File => "File",
        SourceKind::Webhook => "Webhook",
    }
}

/// The topic's name in the language.
pub fn topic_name(topic: Topic, language: UiLanguage) -> &'static str {
    match language {
        UiLanguage::En => match topic {
            Topic::Climate => "Climate & environment",
            Topic::Labour => "Labour & supply chain",
            Topic::Diversity => "Diversity & inclusion",
            Topic::Employer => "Employer & workplace",
            Topic::Governance => "Governance & ethics",
            Topic::Community => "Community",
            Topic::Product => "Product & customer experience",
        },
        UiLanguage::Nb => match topic {
            Topic::Climate => "Klima og miljø",
            Topic::Labour => "Arbeidsforhold og leverandørkjede",
            Topic::Diversity => "Mangfold og inkludering",
            Topic::Employer => "Arbeidsgiver og arbeidsplass",
            Topic::Governance => "Styring og etikk",
            Topic::Community => "Lokalsamfunn",
            Topic::Product => "Produkt og kundeopplevelse",
        },
    }
}

impl ReportView {
    /// The report in `language`, times in `zone`.
    pub fn new(report: &Report, language: UiLanguage, zone: &TimeZone) -> ReportView {
        let t = texts(language);
        let n = Numbers { language };
        let date = |d: jiff::civil::Date| match language {
            UiLanguage::Nb => format!("{}.{}.{}", d.day(), d.month(), d.year()),
            UiLanguage::En => format!(
                "{} {} {}",
                d.day(),
                &MONTHS_EN[(d.month() - 1) as usize][..3],
                d.year()
            ),
        };
        let time = |at: Timestamp| {
            let z = at.to_zoned_datetime(zone.clone());
            format!("{} {:02}:{:02}", date(z.date()), z.hour(), z.minute())
        };
        let short_day = |d: jiff::civil::Date| match language {
            UiLanguage::Nb => format!("{}.{}.", d.day(), d.month()),
            UiLanguage::En => format!("{}/{}", d.day(), d.month()),
        };
        let period = &report.period;
        let months = match language {
            UiLanguage::Nb => MONTHS_NB,
            UiLanguage::En => MONTHS_EN,
        };
        let period_name = |p: &crate::period::Period| match p.kind {
            PeriodKind::Week => {
                let week = p.first.iso_week_date();
                match language {
                    UiLanguage::Nb => format!("uke {} {}", week.week(), week.year()),
                    UiLanguage::En => format!("week {} {}", week.week(), week.year()),
                }
            }
            PeriodKind::Month => {
                format!(
                    "{} {}",
                    months[(p.first.month() - 1) as usize],
                    p.first.year()
                )
            }
        };
        let title = match period.kind {
            PeriodKind::Week => {
                let week = period.first.iso_week_date();
                t.title_week
                    .replace("{week}", &week.week().to_string())
                    .replace("{year}", &week.year().to_string())
            }
            PeriodKind::Month => t
                .title_month
                .replace("{month}", months[(period.first.month() - 1) as usize])
                .replace("{year}", &period.first.year().to_string()),
        };
        let last_day = period.end.yesterday().unwrap_or(period.end);
        let own = &report.own;
        let own_name = own.brand.name.clone();

        let responses = &report.responses;
        let response_change = match (
            responses.now.median_minutes,
            responses.before.median_minutes,
        ) {
            (Some(now), Some(before)) if before > 0.0 => (now / before - 1.0) * 100.0,
            _ => 0.0,
        };
        let negative = own.negative_share();
        let kpis = vec![
            Kpi {
                label: t.kpi_mentions.replace("{brand}", &own_name),
                value: n.count(own.mentions.now),
                change: n.relative(own.mentions),
                tone: tone(own.mentions.now as f64 - own.mentions.before as f64, true),
            },
            Kpi {
                label: t.kpi_negative.to_owned(),
                value: n.percent(negative.now),
                change: n.points(negative, t.points),
                tone: tone(
                    negative.now.unwrap_or(0.0) - negative.before.unwrap_or(0.0),
                    false,
                ),
            },
            Kpi {
                label: t.kpi_share.to_owned(),
                value: n.percent(Some(own.share.now)),
                change: n.points(
                    Compared {
                        now: Some(own.share.now),
                        before: Some(own.share.before),
                    },
                    t.points,
                ),
                tone: tone(own.share.now - own.share.before, true),
            },
            Kpi {
                label: t.kpi_response.to_owned(),
                value: n.minutes(responses.now.median_minutes),
                change: if response_change == 0.0 {
                    String::new()
                } else {
                    n.signed(response_change, 0, "\u{a0}%")
                },
                tone: tone(response_change, false),
            },
            Kpi {
                label: t.kpi_sla.to_owned(),
                value: n.percent(responses.now.sla_met_share()),
                change: n.points(
                    Compared {
                        now: responses.now.sla_met_share(),
                        before: responses.before.sla_met_share(),
                    },
                    t.points,
                ),
                tone: tone(
                    responses.now.sla_met_share().unwrap_or(0.0)
                        - responses.before.sla_met_share().unwrap_or(0.0),
                    true,
                ),
            },
        ];

        let goals = report
            .goal_actuals
            .iter()
            .map(|a| {
                let g = &a.goal;
                let figure =
                    |v: f64| n.decimal(v, if v.fract() == 0.0 || v >= 100.0 { 0 } else { 1 });
                let (actual, status, tone) = match (a.actual, a.met()) {
                    (Ok(v), Some(true)) => (figure(v), t.reached, "good"),
                    (Ok(v), Some(false)) => (figure(v), t.not_reached, "bad"),
                    (Ok(v), None) => (figure(v), "", "same"),
                    (Err(NotMeasured::UnknownMetric), _) => {
                        ("–".to_owned(), t.not_measurable, "same")
                    }
                    (Err(NotMeasured::NoData), _) => ("–".to_owned(), t.no_data_yet, "same"),
                    (Err(NotMeasured::MonthlyOnly), _) => ("–".to_owned(), t.monthly_only, "same"),
                };
                GoalRow {
                    name: g.draft.name.clone(),
                    metric: g.draft.metric.clone(),
                    target: g.draft.target.map_or_else(|| "–".to_owned(), figure),
                    deadline: g.draft.deadline.map_or_else(|| "–".to_owned(), date),
                    owner: g.draft.owner.clone().unwrap_or_else(|| "–".to_owned()),
                    actual,
                    status: status.to_owned(),
                    tone,
                }
            })
            .collect();

        let index_rows: Vec<IndexRow> = if report.index.iter().any(|i| i.now.is_some()) {
            report
                .index
                .iter()
                .map(|i| {
                    let component = |c: Component| {
                        i.now
                            .as_ref()
                            .and_then(|b| b.index.component(c))
                            .filter(|c| c.score.is_some())
                            .and_then(|c| c.raw)
                    };
                    let value = i.now.as_ref().and_then(|b| b.index.index);
                    IndexRow {
                        name: i.brand.name.clone(),
                        own: i.brand.role == omdomme_core::BrandRole::Own,
                        index: value
                            .map_or_else(|| t.index_missing.to_owned(), |v| n.decimal(v, 0)),
                        change: match (value, i.before) {
                            (Some(now), Some(before)) => n.signed(now - before, 0, ""),
                            _ => String::new(),
                        },
                        response_rate: n.percent(component(Component::ResponseRate)),
                        median: n.minutes(component(Component::MedianResponse)),
                        csr: n.percent(component(Component::CsrAnswered)),
                        dialog: n.percent(component(Component::DialogShare)),
                    }
                })
                .collect()
        } else {
            Vec::new()
        };

        let maturity = &report.maturity;
        let total = maturity.assessments.len();
        let in_place = maturity.in_place();
        let maturity_summary = match maturity.current_stage() {
            Some(stage) => t
                .maturity_summary
                .replace("{stage}", stage.title().get(language)),
            None => t.maturity_done.to_owned(),
        }
        .replace("{in_place}", &in_place.to_string())
        .replace("{total}", &total.to_string());
        let maturity_rows = maturity
            .assessments
            .iter()
            .map(|a| MaturityRow {
                stage: a.check.stage().title().get(language).to_owned(),
                check: a.check.title().get(language).to_owned(),
                in_place: a.in_place,
                state: if a.in_place { t.in_place } else { t.missing }.to_owned(),
                evidence: a.evidence(language).to_owned(),
                next_step: if a.in_place {
                    String::new()
                } else {
                    a.check.next_step().get(language).to_owned()
                },
            })
            .collect();

        let brands = std::iter::once(own)
            .chain(&report.competitors)
            .map(|b| BrandRow {
                name: b.brand.name.clone(),
                own: std::ptr::eq(b, own),
                mentions: n.count(b.mentions.now),
                change: n.relative(b.mentions),
                share: n.percent(Some(b.share.now)),
                negative_share: n.percent(b.negative_share().now),
            })
            .collect();

        let labels: Vec<String> = report.days.iter().map(|d| short_day(*d)).collect();
        let mut competitor_index = 0;
        let volume = LineChart {
            id: "report-volume".to_owned(),
            title: t.volume_chart.to_owned(),
            summary: t.volume_summary.replace("{brand}", &own_name),
            empty_message: t.no_data.to_owned(),
            category_title: t.day.to_owned(),
            x_labels: labels.clone(),
            series: report
                .daily
                .iter()
                .map(|(brand, counts)| Series {
                    name: brand.name.clone(),
                    values: counts.iter().map(|c| *c as f64).collect(),
                    links: Vec::new(),
                    tone: if brand.id == own.brand.id {
                        Tone::Own
                    } else {
                        competitor_index += 1;
                        Tone::Other(competitor_index - 1)
                    },
                })
                .collect(),
            markers: Vec::new(),
            y_format: NumberFormat::Count,
            stacked: false,
        }
        .render();
        let sentiment_series = |label: &str, i: usize, tone: Tone| Series {
            name: label.to_owned(),
            values: report.own_sentiment.iter().map(|d| d[i] as f64).collect(),
            links: Vec::new(),
            tone,
        };
        let sentiment = LineChart {
            id: "report-sentiment".to_owned(),
            title: t.sentiment_chart.replace("{brand}", &own_name),
            summary: t.sentiment_summary.replace("{brand}", &own_name),
            empty_message: t.no_data.to_owned(),
            category_title: t.day.to_owned(),
            x_labels: labels,
            series: vec![
                sentiment_series(t.negative, 0, Tone::Negative),
                sentiment_series(t.neutral, 1, Tone::Neutral),
                sentiment_series(t.positive, 2, Tone::Positive),
            ],
            markers: Vec::new(),
            y_format: NumberFormat::Count,
            stacked: true,
        }
        .render();
        let share = BarChart {
            id: "report-share".to_owned(),
            title: t.share_chart.to_owned(),
            summary: t.share_summary.to_owned(),
            empty_message: t.no_data.to_owned(),
            category_title: t.brand.to_owned(),
            bars: std::iter::once(own)
                .chain(&report.competitors)
                .enumerate()
                .map(|(i, b)| Bar {
                    label: b.brand.name.clone(),
                    link: None,
                    segments: vec![Segment {
                        name: t.share_of_voice.to_owned(),
                        value: (b.share.now * 100.0).round(),
                        tone: if i == 0 {
                            Tone::Own
                        } else {
                            Tone::Other(i - 1)
                        },
                        link: None,
                    }],
                })
                .collect(),
            x_format: NumberFormat::Percent,
            target: None,
        }
        .render();
        let charts = vec![
            ChartView {
                file: "volume.svg".to_owned(),
                title: t.volume_chart.to_owned(),
                rendered: volume,
            },
            ChartView {
                file: "sentiment.svg".to_owned(),
                title: t.sentiment_chart.replace("{brand}", &own_name),
                rendered: sentiment,
            },
            ChartView {
                file: "share.svg".to_owned(),
                title: t.share_chart.to_owned(),
                rendered: share,
            },
        ];

        let topics = report
            .topics
            .iter()
            .map(|topic| TopicRow {
                name: topic_name(topic.topic, language).to_owned(),
                mentions: n.count(topic.mentions.now),
                change: n.relative(topic.mentions),
                negative_share: n.percent(ratio(topic.negative, topic.mentions.now)),
            })
            .collect();

        let sentiment_word = |label: SentimentLabel| match label {
            SentimentLabel::Negative => t.negative,
            SentimentLabel::Positive => t.positive,
            _ => t.neutral,
        };
        let press = report
            .press
            .iter()
            .map(|p| {
                let item = &p.item.item;
                PressRow {
                    title: item
                        .title
                        .clone()
                        .filter(|s| !s.trim().is_empty())
                        .unwrap_or_else(|| first_words(&item.text, 120)),
                    source: item.source.name.clone(),
                    published: time(item.published_at),
                    engagement: n.count(p.engagement),
                    url: safe_url(item.url.as_deref()),
                    sentiment: sentiment_word(p.sentiment).to_owned(),
                }
            })
            .collect();

        // A crisis found in days reads in dates: its end is the last day, not the midnight after.
        let when = |at: Timestamp, hourly: bool, end: bool| {
            if hourly {
                return time(at);
            }
            let day = at.to_zoned_datetime(zone.clone()).date();
            date(if end {
                day.yesterday().unwrap_or(day)
            } else {
                day
            })
        };
        let crises = report
            .crises
            .iter()
            .map(|c| CrisisView {
                summary: t
                    .crisis_line
                    .replace("{start}", &when(c.start, c.hourly, false))
                    .replace("{end}", &when(c.end, c.hourly, true))
                    .replace("{negative}", &n.count(c.negative))
                    .replace("{peak}", &when(c.peak, c.hourly, false))
                    .replace("{peak_count}", &n.count(c.peak_count))
                    .replace("{baseline}", &n.decimal(c.baseline, 0))
                    .replace("{unit}", if c.hourly { t.in_the_hour } else { t.that_day }),
                first_items: c
                    .first_items
                    .iter()
                    .map(|i| ItemLine {
                        time: time(i.item.published_at),
                        author: format!("@{}", i.item.author.handle),
                        text: first_words(&i.item.text, 200),
                    })
                    .collect(),
            })
            .collect();

        let row = |label: &str, f: &dyn Fn(&crate::model::Responses) -> String| ResponseRow {
            label: label.to_owned(),
            now: f(&responses.now),
            before: f(&responses.before),
        };
        let responses = vec![
            row(t.arrived, &|r| n.count(r.arrived)),
            row(t.answered, &|r| n.count(r.answered)),
            row(t.unanswered, &|r| n.count(r.unanswered)),
            row(t.median_response, &|r| n.minutes(r.median_minutes)),
            row(t.p90_response, &|r| n.minutes(r.p90_minutes)),
            row(t.sla_met, &|r| n.percent(r.sla_met_share())),
        ];

        let published = report
            .published
            .iter()
            .map(|p| PublishedRow {
                at: time(p.at),
                story: p.story_title.clone(),
                channel: channel_name(p.channel.kind).to_owned(),
                excerpt: first_words(&p.excerpt, 140),
            })
            .collect();

        let verdict = |interval: Option<omdomme_core::effect::Interval>| {
            use omdomme_core::effect::Verdict;
            match interval.map(|i| i.verdict()) {
                Some(Verdict::Up) => t.up,
                Some(Verdict::Down) => t.down,
                Some(Verdict::Unclear) => t.unclear,
                None => t.unknown,
            }
            .to_owned()
        };
        let effects = report
            .effects
            .iter()
            .map(|e| {
                let has_competitors = e.effect.competitor_volume.is_some();
                let (volume, negative) = if has_competitors {
                    (e.effect.volume_did, e.effect.negative_did)
                } else {
                    (e.effect.own_volume.change, e.effect.own_negative.change)
                };
                EffectRow {
                    story: e.title.clone(),
                    topic: topic_name(e.topic, language).to_owned(),
                    published: time(e.moment),
                    volume: verdict(volume),
                    negative: verdict(negative),
                }
            })
            .collect();

        let themes = report
            .themes
            .iter()
            .map(|theme| ThemeView {
                label: theme.label.clone(),
                size: t
                    .theme_size
                    .replace("{size}", &n.count(theme.size as u64))
                    .replace("{before}", &n.count(theme.size_before as u64))
                    .replace("{negative}", &n.percent(Some(theme.negative_share()))),
                negative: theme.negative_share() >= 0.5,
                quotes: theme.quotes.clone(),
            })
            .collect();

        let actions = report
            .actions
            .iter()
            .map(|a| action_text(a, report, language, &n, &time))
            .collect();

        ReportView {
            lang: language.as_str(),
            t,
            title,
            workspace: report.workspace.name.clone(),
            dates: format!("{} – {}", date(period.first), date(last_day)),
            compared_with: t
                .compared_with
                .replace("{previous}", &period_name(&report.previous)),
            generated: t.generated.replace("{at}", &time(report.generated_at)),
            synthetic: report.workspace.synthetic,
            kpis,
            goals,
            index: index_rows,
            maturity_summary,
            maturity: maturity_rows,
            brands,
            charts,
            topics,
            press,
            press_none: t.press_none.replace("{brand}", &own_name),
            crises,
            responses,
            published,
            effects,
            themes,
            actions,
        }
    }
}

fn action_text(
    action: &Action,
    report: &Report,
    language: UiLanguage,
    n: &Numbers,
    time: &dyn Fn(Timestamp) -> String,
) -> String {
    let nb = language == UiLanguage::Nb;
    match action {
        Action::CrisisWithoutResponse { crisis } => {
            let start = report
                .crises
                .get(*crisis)
                .map_or_else(String::new, |c| time(c.start));
            if nb {
                format!(
                    "Krisen som begynte {start} har ikke fått noe publisert svar. Vurder en uttalelse i kanalene der den sprer seg."
                )
            } else {
                format!(
                    "The crisis that began {start} has had no published response. Consider a statement in the channels where it spreads."
                )
            }
        }
        Action::AnswerInquiries { unanswered } => {
            let count = n.count(*unanswered);
            if nb {
                format!(
                    "{count} henvendelser fra perioden er ubesvart (grensen er {UNANSWERED_LIMIT}). Sett av folk til innboksen."
                )
            } else {
                format!(
                    "{count} inquiries from the period are unanswered (the limit is {UNANSWERED_LIMIT}). Put people on the inbox."
                )
            }
        }
        Action::MeetSla { met_share, missed } => {
            let share = n.percent(Some(*met_share));
            let target = n.percent(Some(SLA_TARGET));
            let missed = n.count(*missed);
            if nb {
                format!(
                    "Bare {share} ble besvart innen SLA (mål {target}); {missed} kom for sent. Se på bemanning og eskalering."
                )
            } else {
                format!(
                    "Only {share} were answered within the SLA (target {target}); {missed} were late. Review staffing and escalation."
                )
            }
        }
        Action::NegativeThemeGrowing {
            label,
            size,
            before,
        } => {
            if nb {
                format!(
                    "Negative tilbakemeldinger om «{label}» øker ({before} → {size}). Ta det opp med produkt- eller kundeserviceansvarlig."
                )
            } else {
                format!(
                    "Negative feedback about \"{label}\" is growing ({before} → {size}). Raise it with the product or customer service owner."
                )
            }
        }
        Action::NegativeTopic {
            topic,
            negative_share,
        } => {
            let name = topic_name(*topic, language);
            let share = n.percent(Some(*negative_share));
            if nb {
                format!(
                    "{share} av omtalen om «{name}» er negativ. Vurder en historie med dokumenterte fakta om temaet."
                )
            } else {
                format!(
                    "{share} of the mentions about \"{name}\" are negative. Consider a story with documented facts on the topic."
                )
            }
        }
        Action::ShareOfVoiceFell { now, before } => {
            let (now, before) = (n.percent(Some(*now)), n.percent(Some(*before)));
            if nb {
                format!(
                    "Andelen av omtalen falt fra {before} til {now}. Se hva konkurrentene gjorde i perioden."
                )
            } else {
                format!(
                    "The share of voice fell from {before} to {now}. Look at what the competitors did in the period."
                )
            }
        }
    }
}

/// The first `chars` characters of a text on one line, cut at a word.
///
/// Emoji and pictographs are left out: the report's fonts have none, and a PDF would show
/// an empty box in their place.
pub(crate) fn first_words(text: &str, chars: usize) -> String {
    let drawable: String = text.chars().filter(|c| !is_pictograph(*c)).collect();
    let flat = drawable.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= chars {
        return flat;
    }
    let cut: String = flat.chars().take(chars).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end_matches([',', '.', ';', ':']))
}

fn is_pictograph(c: char) -> bool {
    matches!(u32::from(c), 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0xFE00..=0xFE0F | 0x200D)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_cut_at_a_word() {
        let long = "ord, ".repeat(100);
        let cut = first_words(&long, 50);
        assert!(cut.chars().count() <= 51, "{cut}");
        assert!(cut.ends_with("ord…"), "{cut}");
        assert_eq!(first_words("kort  tekst\n", 50), "kort tekst");
        assert_eq!(first_words("Bra! \u{1F60A}", 50), "Bra!");
    }
}
