//! Early warning (issue 7): `/w/{ws}/alerts` lists the alerts raised, with their reason,
//! time, evidence and each channel's delivery (everyone reads it); `/w/{ws}/setup/alerts`
//! sets them up: admins add, change and delete channels (a webhook, a Slack/Teams incoming
//! webhook, e-mail addresses), whose targets are sealed and never shown back, only a masked
//! hint; leaders and admins change the thresholds and send a test alert. Every change is
//! audited. The loop that raises and delivers the alerts is `omdomme_alerts::watch`,
//! started by [`crate::serve`] with [`watch_context`].

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use omdomme_alerts::deliver::headline;
use omdomme_alerts::watch::{self, WatchContext, lang_of};
use omdomme_alerts::{Thresholds, channels};
use omdomme_store::{
    AlertChannel, AlertChannelDraft, AlertChannelKind, AlertQuery, AuditEntry, DeliveryState, Role,
    StoredThresholds, UiLanguage,
};
use serde::Deserialize;

use super::leadership::{LeadershipTexts, nav};
use super::setup::{NavLink, filled, render_refusal};
use crate::csrf::AppForm;
use crate::error::AppError;
use crate::extract::AppQuery;
use crate::i18n::texts;
use crate::pages::{Page, PageError, Section, render};
use crate::{AppState, connector_clock, texts};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/w/{ws}/alerts", get(list))
        .route("/w/{ws}/setup/alerts", get(setup))
        .route("/w/{ws}/setup/alerts/channel", post(save_channel))
        .route("/w/{ws}/setup/alerts/channel/delete", post(delete_channel))
        .route("/w/{ws}/setup/alerts/thresholds", post(save_thresholds))
        .route("/w/{ws}/setup/alerts/test", post(send_test))
}

/// What the alert loop and the test button need from the app's state.
pub fn watch_context(state: &AppState) -> WatchContext {
    WatchContext::new(
        Arc::clone(&state.store),
        state.secret_key.clone(),
        state.mailer.clone(),
        connector_clock(Arc::clone(&state.clock)),
        &state.config.public_url,
    )
}

texts!(pub AlertsTexts {
    title: "Varsler" / "Alerts",
    intro: "Tidlig varsling: uvanlig mange omtaler eller en uvanlig negativ andel for en merkevare og et tema, sammenlignet med samme time i ukene før, og regler (store kontoer, negativ presse, negative omtaler på et samfunnsansvarstema)." / "Early warning: unusually many mentions or an unusually negative share for a brand and topic, compared with the same hour in the weeks before, and rules (large accounts, negative press, negative mentions on a CSR topic).",
    none: "Ingen varsler ennå." / "No alerts yet.",
    col_time: "Tid" / "Time",
    col_reason: "Hvorfor" / "Why",
    col_evidence: "Omtalene" / "The mentions",
    col_delivery: "Levering" / "Delivery",
    explorer: "Se i utforskeren" / "Open in the explorer",
    no_channels: "Ingen kanaler" / "No channels",
    older: "Eldre varsler" / "Older alerts",
    state_pending: "sendes" / "sending",
    state_sent: "sendt" / "sent",
    state_recorded: "registrert, ikke sendt (syntetisk arbeidsområde)" / "recorded, not sent (synthetic workspace)",
    state_failed: "feilet" / "failed",
    attempts: "forsøk" / "attempts",
    nav_alerts: "Varsler" / "Alerts",
    nav_setup: "Varseloppsett" / "Alert setup",
    setup_title: "Varseloppsett" / "Alert setup",
    setup_intro: "Hvor varslene går, og hvor følsomme de er. Adressene til kanalene lagres kryptert og vises aldri igjen; bare slutten vises." / "Where alerts go, and how sensitive they are. The channels' addresses are stored encrypted and never shown again; only their end is.",
    channels: "Kanaler" / "Channels",
    col_name: "Navn" / "Name",
    col_kind: "Type" / "Kind",
    col_target: "Adresse" / "Address",
    col_lang: "Språk" / "Language",
    col_enabled: "På" / "On",
    col_actions: "Handlinger" / "Actions",
    kind_webhook: "Webhook (JSON)" / "Webhook (JSON)",
    kind_chat: "Slack/Teams (innkommende webhook)" / "Slack/Teams (incoming webhook)",
    kind_email: "E-post" / "E-mail",
    lang_nb: "Bokmål" / "Bokmål",
    lang_en: "Engelsk" / "English",
    on: "på" / "on",
    off: "av" / "off",
    set: "satt" / "set",
    edit: "Endre" / "Edit",
    delete: "Slett" / "Delete",
    confirm_delete: "Slette kanalen? Varsler som er sendt dit, beholdes." / "Delete this channel? Alerts sent there are kept.",
    send_test: "Send et testvarsel" / "Send a test alert",
    channel_heading: "Ny kanal eller endre en" / "New channel, or change one",
    channel_help: "Samme navn endrer kanalen. La adressen stå tom for å beholde den lagrede." / "The same name changes the channel. Leave the address empty to keep the stored one.",
    field_name: "Navn" / "Name",
    field_kind: "Type" / "Kind",
    field_target: "Adresse (URL, eller e-postadresser skilt med komma)" / "Address (URL, or e-mail addresses separated by commas)",
    field_lang: "Språk i varslene" / "Language of the alerts",
    field_enabled: "Send varsler hit" / "Send alerts here",
    save_channel: "Lagre kanalen" / "Save the channel",
    admin_only: "Bare en administrator kan endre kanalene." / "Only an admin can change the channels.",
    no_key: "OMDOMME_SECRET_KEY er ikke satt på serveren, så adresser kan ikke lagres eller åpnes. Start serveren med nøkkelen (lag en med «omdomme sources key»)." / "OMDOMME_SECRET_KEY is not set on the server, so addresses can be neither stored nor opened. Start the server with the key (make one with “omdomme sources key”).",
    no_mailer: "E-post er ikke satt opp ([smtp] i konfigurasjonen): e-postvarsler vil feile med den grunnen." / "E-mail is not set up ([smtp] in the configuration): e-mail alerts will fail for that reason.",
    thresholds: "Terskler" / "Thresholds",
    field_spikes: "Varsle om topper i volum og negativ andel" / "Alert on spikes in volume and negative share",
    field_z: "Robust z-verdi fra og med (minst 1)" / "Robust z-score from (at least 1)",
    field_min_count: "Minst så mange omtaler i timen" / "At least this many mentions in the hour",
    field_baseline_weeks: "Uker bakover i sammenligningen (1–12)" / "Weeks back in the comparison (1–12)",
    field_influencer: "Kontoer med minst så mange følgere (tomt: av)" / "Accounts with at least this many followers (empty: off)",
    field_press: "Negativ presseomtale (RSS)" / "Negative press coverage (RSS)",
    field_csr: "Negative omtaler på et samfunnsansvarstema i timen (0: av)" / "Negative mentions on a CSR topic in the hour (0: off)",
    field_own_only: "Reglene gjelder bare egen merkevare" / "Rules watch only the own brand",
    field_cooldown: "Timer før samme sak varsler igjen (høyst 336)" / "Hours before the same matter alerts again (at most 336)",
    save_thresholds: "Lagre tersklene" / "Save the thresholds",
    leader_only: "Bare en leder kan endre tersklene." / "Only a leader can change the thresholds.",
    saved_channel: "Kanalen er lagret" / "Channel saved",
    deleted_channel: "Kanalen er slettet" / "Channel deleted",
    saved_thresholds: "Tersklene er lagret; varslingen bruker dem innen få sekunder." / "Thresholds saved; alerting uses them within a few seconds.",
    test_sent: "Testvarselet er sendt til" / "The test alert was sent to",
    test_recorded: "Testvarselet er registrert, ikke sendt (syntetisk arbeidsområde):" / "The test alert was recorded, not sent (synthetic workspace):",
    test_failed: "Testvarselet kom ikke fram" / "The test alert did not arrive",
    bad_name: "Gi kanalen et navn (1 til 80 tegn)." / "Give the channel a name (1 to 80 characters).",
    bad_kind: "Velg en av typene i listen." / "Choose one of the kinds in the list.",
    bad_lang: "Velg et av språkene i listen." / "Choose one of the languages in the list.",
    need_target: "En ny kanal trenger en adresse." / "A new channel needs an address.",
    bad_target: "Adressen ble ikke godtatt" / "The address was refused",
    kind_changed: "En ny type trenger en ny adresse." / "A new kind needs a new address.",
    not_found: "Fant ikke kanalen; kanskje noen slettet den." / "The channel was not found; perhaps someone deleted it.",
    bad_number: "Skriv et helt tall." / "Type a whole number.",
    bad_z: "Skriv et tall på minst 1, som 5 eller 4,5." / "Type a number of at least 1, like 5 or 4.5.",
    bad_min_count: "Minst 1." / "At least 1.",
    bad_weeks: "Fra 1 til 12 uker." / "From 1 to 12 weeks.",
    bad_cooldown: "Høyst 336 timer (to uker)." / "At most 336 hours (two weeks).",
});

/// The most alerts on one page.
const PAGE_SIZE: usize = 50;

fn state_label(state: DeliveryState, t: &AlertsTexts) -> &'static str {
    match state {
        DeliveryState::Pending => t.state_pending,
        DeliveryState::Sent => t.state_sent,
        DeliveryState::Recorded => t.state_recorded,
        DeliveryState::Failed => t.state_failed,
    }
}

fn kind_label(kind: AlertChannelKind, t: &AlertsTexts) -> &'static str {
    match kind {
        AlertChannelKind::Webhook => t.kind_webhook,
        AlertChannelKind::Chat => t.kind_chat,
        AlertChannelKind::Email => t.kind_email,
    }
}

fn lang_label(lang: UiLanguage, t: &AlertsTexts) -> &'static str {
    match lang {
        UiLanguage::Nb => t.lang_nb,
        UiLanguage::En => t.lang_en,
    }
}

pub struct EvidenceLink {
    pub href: String,
    pub label: String,
}

pub struct DeliveryRow {
    pub channel: String,
    pub state: &'static str,
    pub state_name: &'static str,
    pub attempts: u32,
    pub error: Option<String>,
}

pub struct AlertRow {
    pub id: i64,
    pub kind: String,
    pub time: String,
    pub headline: String,
    pub explorer: String,
    pub evidence: Vec<EvidenceLink>,
    pub deliveries: Vec<DeliveryRow>,
}

#[derive(askama::Template)]
#[template(path = "alerts.html")]
struct ListTemplate<'a> {
    page: &'a Page,
    t: &'static AlertsTexts,
    lt: &'static LeadershipTexts,
    nav: Vec<NavLink>,
    rows: Vec<AlertRow>,
    older: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    before: Option<i64>,
}

/// `GET /w/{ws}/alerts`: the alerts, newest first, a page at a time.
async fn list(
    State(state): State<AppState>,
    mut page: Page,
    AppQuery(query): AppQuery<ListQuery>,
) -> Result<Response, PageError> {
    page.require(Role::Viewer)?;
    page.section = Some(Section::Leadership);
    let t = texts::<AlertsTexts>(page.language);
    let workspace = page.workspace()?.clone();
    let alerts = state
        .store
        .alerts(&AlertQuery {
            workspace: workspace.id.clone(),
            before: query.before,
            limit: PAGE_SIZE,
        })
        .await?;
    let lang = lang_of(page.language);
    let rows: Vec<AlertRow> = alerts
        .iter()
        .map(|stored| {
            let brand_name = workspace
                .brands
                .iter()
                .find(|b| b.id == stored.brand)
                .map_or(stored.brand.0.as_str(), |b| b.name.as_str());
            let alert = watch::alert_of(stored);
            let headline = alert.as_ref().map_or_else(
                || format!("{brand_name}: {}", stored.kind),
                |a| headline(a, brand_name, lang),
            );
            let day = page.fmt.input_datetime(&stored.hour);
            let day = day.get(..10).unwrap_or_default();
            let mut explorer = format!(
                "explorer?brand={}&from={day}&to={day}",
                super::query_value(&stored.brand.0)
            );
            if let Some(topic) = stored.topic {
                explorer.push_str("&topic=");
                explorer.push_str(topic.as_str());
            }
            AlertRow {
                id: stored.id,
                kind: stored.kind.clone(),
                time: page.fmt.datetime(&stored.at),
                headline,
                explorer: page.ws_link(&explorer),
                evidence: stored
                    .evidence
                    .iter()
                    .map(|id| EvidenceLink {
                        href: page.ws_link(&format!("items/{}", id.0)),
                        label: format!("#{}", id.0),
                    })
                    .collect(),
                deliveries: stored
                    .deliveries
                    .iter()
                    .map(|d| DeliveryRow {
                        channel: d.channel.clone(),
                        state: state_label(d.state, t),
                        state_name: d.state.as_str(),
                        attempts: d.attempts,
                        error: d.error.clone(),
                    })
                    .collect(),
            }
        })
        .collect();
    let older = (alerts.len() == PAGE_SIZE)
        .then(|| {
            alerts
                .last()
                .map(|a| page.ws_link(&format!("alerts?before={}", a.id)))
        })
        .flatten();
    render(&ListTemplate {
        page: &page,
        t,
        lt: texts::<LeadershipTexts>(page.language),
        nav: nav(&page, "alerts"),
        rows,
        older,
    })
}

pub struct ChannelRow {
    pub name: String,
    pub kind: &'static str,
    pub hint: String,
    pub lang: &'static str,
    pub enabled: bool,
}

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// The channel form as typed, kept when refused; never the address.
#[derive(Clone, Debug, Default)]
pub struct ChannelFields {
    pub name: String,
    pub kind: String,
    pub lang: String,
    pub enabled: bool,
}

/// The thresholds form as typed.
#[derive(Clone, Debug)]
pub struct ThresholdFields {
    pub spikes: bool,
    pub z: String,
    pub min_count: String,
    pub baseline_weeks: String,
    pub influencer_followers: String,
    pub press: bool,
    pub csr_negative_per_hour: String,
    pub rules_own_brand_only: bool,
    pub cooldown_hours: String,
}

impl ThresholdFields {
    fn of(t: &Thresholds, language: UiLanguage) -> ThresholdFields {
        let z = match language {
            UiLanguage::Nb => t.z.to_string().replace('.', ","),
            UiLanguage::En => t.z.to_string(),
        };
        ThresholdFields {
            spikes: t.spikes,
            z,
            min_count: t.min_count.to_string(),
            baseline_weeks: t.baseline_weeks.to_string(),
            influencer_followers: t
                .influencer_followers
                .map(|f| f.to_string())
                .unwrap_or_default(),
            press: t.press,
            csr_negative_per_hour: t.csr_negative_per_hour.to_string(),
            rules_own_brand_only: t.rules_own_brand_only,
            cooldown_hours: t.cooldown_hours.to_string(),
        }
    }
}

/// One refused field and why.
#[derive(Clone, Debug)]
pub struct FieldProblem {
    pub field: &'static str,
    pub message: String,
}

#[derive(askama::Template)]
#[template(path = "setup_alerts.html")]
struct SetupTemplate<'a> {
    page: &'a Page,
    t: &'static AlertsTexts,
    lt: &'static LeadershipTexts,
    nav: Vec<NavLink>,
    is_admin: bool,
    can_edit: bool,
    has_key: bool,
    has_mailer: bool,
    channels: Vec<ChannelRow>,
    fields: ChannelFields,
    kinds: Vec<Choice>,
    langs: Vec<Choice>,
    thresholds: ThresholdFields,
    problems: Vec<FieldProblem>,
    notice: Option<String>,
}

impl SetupTemplate<'_> {
    fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|p| p.field == field)
            .map(|p| p.message.as_str())
    }
}

async fn render_setup(
    state: &AppState,
    page: &Page,
    fields: ChannelFields,
    thresholds: Option<ThresholdFields>,
    problems: Vec<FieldProblem>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let t = texts::<AlertsTexts>(page.language);
    let ws = page.workspace()?;
    let stored = state.store.alert_channels(&ws.id).await?;
    let thresholds = match thresholds {
        Some(fields) => fields,
        None => {
            let json = state.store.alert_thresholds(&ws.id).await?.map(|t| t.json);
            ThresholdFields::of(
                &watch::thresholds_of(&ws.id, json.as_deref()),
                page.language,
            )
        }
    };
    let channels = stored
        .iter()
        .map(|c| ChannelRow {
            name: c.name.clone(),
            kind: kind_label(c.kind, t),
            hint: c.hint.clone(),
            lang: lang_label(c.lang, t),
            enabled: c.enabled,
        })
        .collect();
    let kinds = AlertChannelKind::ALL
        .into_iter()
        .map(|k| Choice {
            value: k.as_str(),
            label: kind_label(k, t),
            selected: fields.kind == k.as_str(),
        })
        .collect();
    let langs = UiLanguage::ALL
        .into_iter()
        .map(|l| Choice {
            value: l.as_str(),
            label: lang_label(l, t),
            selected: fields.lang == l.as_str(),
        })
        .collect();
    let template = SetupTemplate {
        page,
        t,
        lt: texts::<LeadershipTexts>(page.language),
        nav: nav(page, "alert-setup"),
        is_admin: page.can(Role::Admin),
        can_edit: page.can(Role::Leader),
        has_key: state.secret_key.is_some(),
        has_mailer: state.mailer.is_some(),
        channels,
        fields,
        kinds,
        langs,
        thresholds,
        problems,
        notice,
    };
    if template.problems.is_empty() {
        render(&template)
    } else {
        render_refusal(&template)
    }
}

fn new_channel_fields(page: &Page) -> ChannelFields {
    ChannelFields {
        lang: page.language.as_str().to_owned(),
        enabled: true,
        ..ChannelFields::default()
    }
}

/// `GET /w/{ws}/setup/alerts`.
async fn setup(
    State(state): State<AppState>,
    mut page: Page,
    AppQuery(query): AppQuery<EditQuery>,
) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Leadership);
    let ws = page.workspace()?.id.clone();
    let fields = match query.edit {
        Some(name) => state
            .store
            .alert_channels(&ws)
            .await?
            .into_iter()
            .find(|c| c.name == name)
            .map_or_else(
                || new_channel_fields(&page),
                |c| ChannelFields {
                    name: c.name,
                    kind: c.kind.as_str().to_owned(),
                    lang: c.lang.as_str().to_owned(),
                    enabled: c.enabled,
                },
            ),
        None => new_channel_fields(&page),
    };
    render_setup(&state, &page, fields, None, Vec::new(), None).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditQuery {
    edit: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelForm {
    name: Option<String>,
    kind: Option<String>,
    target: Option<String>,
    lang: Option<String>,
    enabled: Option<String>,
}

fn audit_entry(page: &Page, action: &str, target: &str, detail: String) -> AuditEntry {
    AuditEntry {
        at: page.now,
        actor: page.user.email.clone(),
        workspace: page.workspace.as_ref().map(|w| w.id.clone()),
        action: action.to_owned(),
        target: target.to_owned(),
        detail,
    }
}

/// `POST /w/{ws}/setup/alerts/channel` (admin): creates or changes a channel by name.
async fn save_channel(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<ChannelForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Admin)?;
    page.section = Some(Section::Leadership);
    let AppForm(form) = form?;
    let t = texts::<AlertsTexts>(page.language);
    let ws = page.workspace()?.id.clone();
    let fields = ChannelFields {
        name: filled(form.name).unwrap_or_default(),
        kind: filled(form.kind).unwrap_or_default(),
        lang: filled(form.lang).unwrap_or_default(),
        enabled: form.enabled.is_some(),
    };
    let typed = filled(form.target);
    let mut problems = Vec::new();
    let problem = |field, message: &str| FieldProblem {
        field,
        message: message.to_owned(),
    };
    if fields.name.chars().count() > 80 || fields.name.is_empty() {
        problems.push(problem("name", t.bad_name));
    }
    let kind = AlertChannelKind::parse(&fields.kind);
    if kind.is_none() {
        problems.push(problem("kind", t.bad_kind));
    }
    let lang = UiLanguage::parse(&fields.lang);
    if lang.is_none() {
        problems.push(problem("lang", t.bad_lang));
    }
    let existing = state
        .store
        .alert_channels(&ws)
        .await?
        .into_iter()
        .find(|c| c.name == fields.name);
    let target = match (kind, &typed) {
        (Some(kind), Some(typed)) => match channels::parse_target(kind, typed) {
            Ok(target) => Some(target),
            Err(error) => {
                problems.push(FieldProblem {
                    field: "target",
                    message: format!("{}: {error}", t.bad_target),
                });
                None
            }
        },
        (Some(kind), None) => {
            match &existing {
                None => problems.push(problem("target", t.need_target)),
                Some(c) if c.kind != kind => problems.push(problem("target", t.kind_changed)),
                Some(_) => {}
            }
            None
        }
        (None, _) => None,
    };
    let key = state.secret_key.as_ref();
    if target.is_some() && key.is_none() {
        problems.push(problem("target", t.no_key));
    }
    let (Some(kind), Some(lang), true) = (kind, lang, problems.is_empty()) else {
        return render_setup(&state, &page, fields, None, problems, None).await;
    };
    let sealed = match (&target, key) {
        (Some(target), Some(key)) => Some(channels::seal(key, &ws, &fields.name, target)),
        _ => None,
    };
    let hint = target
        .as_ref()
        .map(channels::hint)
        .or_else(|| existing.as_ref().map(|c| c.hint.clone()))
        .unwrap_or_default();
    let channel = AlertChannel {
        name: fields.name.clone(),
        kind,
        hint,
        lang,
        enabled: fields.enabled,
        updated_by: page.user.email.clone(),
        updated_at: page.now,
    };
    let detail = format!(
        "kind {}, language {}, {}, address {}",
        kind.as_str(),
        lang.as_str(),
        if fields.enabled { "on" } else { "off" },
        if target.is_some() { "set" } else { "kept" }
    );
    state
        .store
        .put_alert_channel(
            &ws,
            &AlertChannelDraft { channel, sealed },
            &audit_entry(
                &page,
                "alerts.channel",
                &format!("alert-channel:{}", fields.name),
                detail,
            ),
        )
        .await?;
    let notice = format!("{}: {}", t.saved_channel, fields.name);
    render_setup(
        &state,
        &page,
        new_channel_fields(&page),
        None,
        Vec::new(),
        Some(notice),
    )
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameForm {
    name: Option<String>,
}

/// `POST /w/{ws}/setup/alerts/channel/delete` (admin).
async fn delete_channel(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<NameForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Admin)?;
    page.section = Some(Section::Leadership);
    let AppForm(form) = form?;
    let t = texts::<AlertsTexts>(page.language);
    let ws = page.workspace()?.id.clone();
    let name = filled(form.name).unwrap_or_default();
    let audit = audit_entry(
        &page,
        "alerts.channel.delete",
        &format!("alert-channel:{name}"),
        String::new(),
    );
    if !state.store.delete_alert_channel(&ws, &name, &audit).await? {
        let problems = vec![FieldProblem {
            field: "channels",
            message: t.not_found.to_owned(),
        }];
        return render_setup(
            &state,
            &page,
            new_channel_fields(&page),
            None,
            problems,
            None,
        )
        .await;
    }
    let notice = format!("{}: {name}", t.deleted_channel);
    render_setup(
        &state,
        &page,
        new_channel_fields(&page),
        None,
        Vec::new(),
        Some(notice),
    )
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdForm {
    spikes: Option<String>,
    z: Option<String>,
    min_count: Option<String>,
    baseline_weeks: Option<String>,
    influencer_followers: Option<String>,
    press: Option<String>,
    csr_negative_per_hour: Option<String>,
    rules_own_brand_only: Option<String>,
    cooldown_hours: Option<String>,
}

/// A whole number as people type it: `100 000`, `100000`.
fn whole<T: std::str::FromStr>(text: &str) -> Option<T> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    cleaned.parse().ok()
}

/// Reads the thresholds form; every refused field with its reason.
fn read_thresholds(
    fields: &ThresholdFields,
    t: &AlertsTexts,
) -> Result<Thresholds, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut refuse = |field: &'static str, message: &str| {
        problems.push(FieldProblem {
            field,
            message: message.to_owned(),
        });
    };
    let z = fields.z.trim().replace(',', ".").parse::<f64>().ok();
    let z = match z {
        Some(z) if z.is_finite() && z >= 1.0 => z,
        _ => {
            refuse("z", t.bad_z);
            0.0
        }
    };
    let min_count = match whole::<u32>(&fields.min_count) {
        Some(n) if n >= 1 => n,
        Some(_) => {
            refuse("min_count", t.bad_min_count);
            0
        }
        None => {
            refuse("min_count", t.bad_number);
            0
        }
    };
    let baseline_weeks = match whole::<u32>(&fields.baseline_weeks) {
        Some(n) if (1..=12).contains(&n) => n,
        _ => {
            refuse("baseline_weeks", t.bad_weeks);
            0
        }
    };
    let influencer_followers = if fields.influencer_followers.trim().is_empty() {
        None
    } else {
        match whole::<u64>(&fields.influencer_followers) {
            Some(n) => Some(n),
            None => {
                refuse("influencer_followers", t.bad_number);
                None
            }
        }
    };
    let csr_negative_per_hour = whole::<u32>(&fields.csr_negative_per_hour).unwrap_or_else(|| {
        refuse("csr_negative_per_hour", t.bad_number);
        0
    });
    let cooldown_hours = match whole::<u32>(&fields.cooldown_hours) {
        Some(n) if n <= 336 => n,
        Some(_) => {
            refuse("cooldown_hours", t.bad_cooldown);
            0
        }
        None => {
            refuse("cooldown_hours", t.bad_number);
            0
        }
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    let thresholds = Thresholds {
        spikes: fields.spikes,
        z,
        min_count,
        baseline_weeks,
        influencer_followers,
        press: fields.press,
        csr_negative_per_hour,
        rules_own_brand_only: fields.rules_own_brand_only,
        cooldown_hours,
    };
    // The page's checks mirror `Thresholds::problems`; a difference is a bug to see.
    let left = thresholds.problems();
    if left.is_empty() {
        Ok(thresholds)
    } else {
        Err(left
            .into_iter()
            .map(|message| FieldProblem {
                field: "thresholds",
                message,
            })
            .collect())
    }
}

/// `POST /w/{ws}/setup/alerts/thresholds` (leader+).
async fn save_thresholds(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<ThresholdForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Leadership);
    let AppForm(form) = form?;
    let t = texts::<AlertsTexts>(page.language);
    let ws = page.workspace()?.id.clone();
    let fields = ThresholdFields {
        spikes: form.spikes.is_some(),
        z: form.z.unwrap_or_default(),
        min_count: form.min_count.unwrap_or_default(),
        baseline_weeks: form.baseline_weeks.unwrap_or_default(),
        influencer_followers: form.influencer_followers.unwrap_or_default(),
        press: form.press.is_some(),
        csr_negative_per_hour: form.csr_negative_per_hour.unwrap_or_default(),
        rules_own_brand_only: form.rules_own_brand_only.is_some(),
        cooldown_hours: form.cooldown_hours.unwrap_or_default(),
    };
    let thresholds = match read_thresholds(&fields, t) {
        Ok(thresholds) => thresholds,
        Err(problems) => {
            return render_setup(
                &state,
                &page,
                new_channel_fields(&page),
                Some(fields),
                problems,
                None,
            )
            .await;
        }
    };
    let json = serde_json::to_string(&thresholds)
        .map_err(|e| AppError::Internal(format!("writing the thresholds: {e}")))?;
    state
        .store
        .put_alert_thresholds(
            &ws,
            &StoredThresholds {
                json: json.clone(),
                updated_by: page.user.email.clone(),
                updated_at: page.now,
            },
            &audit_entry(&page, "alerts.thresholds", "alert-thresholds", json),
        )
        .await?;
    render_setup(
        &state,
        &page,
        new_channel_fields(&page),
        None,
        Vec::new(),
        Some(t.saved_thresholds.to_owned()),
    )
    .await
}

/// `POST /w/{ws}/setup/alerts/test` (leader+): a made-up alert, marked as a test, to one
/// channel; the outcome is shown and audited.
async fn send_test(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<NameForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Leadership);
    let AppForm(form) = form?;
    let t = texts::<AlertsTexts>(page.language);
    let workspace = page.workspace()?.clone();
    let name = filled(form.name).unwrap_or_default();
    let Some(channel) = state
        .store
        .alert_channels(&workspace.id)
        .await?
        .into_iter()
        .find(|c| c.name == name)
    else {
        let problems = vec![FieldProblem {
            field: "channels",
            message: t.not_found.to_owned(),
        }];
        return render_setup(
            &state,
            &page,
            new_channel_fields(&page),
            None,
            problems,
            None,
        )
        .await;
    };
    let outcome = watch::send_test(&watch_context(&state), &workspace, &channel).await;
    let (detail, notice, problems) = match outcome {
        Ok(Some(attempts)) => (
            format!("sent after {attempts} attempts"),
            Some(format!("{} {name}", t.test_sent)),
            Vec::new(),
        ),
        Ok(None) => (
            "recorded, not sent (synthetic workspace)".to_owned(),
            Some(format!("{} {name}", t.test_recorded)),
            Vec::new(),
        ),
        Err(failure) => (
            format!("failed: {}", failure.reason),
            None,
            vec![FieldProblem {
                field: "channels",
                message: format!("{} ({name}): {}", t.test_failed, failure.reason),
            }],
        ),
    };
    page.audit(
        &state,
        "alerts.test",
        &format!("alert-channel:{name}"),
        &detail,
    )
    .await?;
    render_setup(
        &state,
        &page,
        new_channel_fields(&page),
        None,
        problems,
        notice,
    )
    .await
}
