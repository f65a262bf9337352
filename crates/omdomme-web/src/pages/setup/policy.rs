//! `/w/{ws}/setup/policy`: the workspace's social-media policy, stored as data. Editors read
//! it and try it; leaders change it.
//!
//! The rules are drawn from the policy's JSON, not from the Rust types: every rule shows its
//! id, kind, on/off and block/warn, and each of its other fields as a control by the JSON
//! type (a list of words as a textarea with one per line, a text as a text field, a number,
//! a yes/no), so a new rule kind in `omdomme-policy` shows up here without a change here.
//! The whole policy is also editable as JSON. Every save goes through [`Policy::from_json`],
//! and a refused save shows its problems beside the rule they name while the stored policy
//! stays as it was. "Try it" runs [`omdomme_policy::check`] with the stored policy on a
//! text, as the post page would.

use std::collections::{HashMap, HashSet};

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use omdomme_core::SourceKind;
use omdomme_policy::{Draft, Finding, Policy, Severity};
use omdomme_store::{Role, StoredPolicy, UiLanguage};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{NavLink, SetupTab, nav, render_refusal};
use crate::csrf::AppForm;
use crate::error::AppError;
use crate::i18n::texts;
use crate::pages::{Page, PageError, Section, render};
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/w/{ws}/setup/policy", get(show).post(save_rules))
        .route("/w/{ws}/setup/policy/json", post(save_json))
        .route("/w/{ws}/setup/policy/reset", post(reset))
        .route("/w/{ws}/setup/policy/try", post(try_text))
}

texts!(pub PolicyTexts {
    title: "Retningslinjer for sosiale medier" / "Social-media policy",
    intro: "Hvert innlegg sjekkes mot disse reglene før det godkjennes og igjen før det publiseres. En regel som blokkerer, stopper innlegget; en som advarer, forklarer bare." / "Every post is checked against these rules before it is approved and again before it is published. A blocking rule stops the post; a warning only explains.",
    read_only: "Du kan lese og prøve retningslinjene. Bare en leder kan endre dem." / "You can read and try the policy. Only a leader can change it.",
    is_default: "Standardreglene: arbeidsområdet har ikke endret dem ennå." / "The default rules: this workspace has not changed them yet.",
    changed_by: "Sist endret av" / "Last changed by",
    rules: "Regler" / "Rules",
    rule_id: "Regel" / "Rule",
    kind: "Type" / "Kind",
    enabled: "På" / "On",
    severity: "Når regelen slår til" / "When the rule fires",
    block: "Blokker" / "Block",
    warn: "Advar" / "Warn",
    one_per_line: "én per linje" / "one per line",
    nested: "Redigeres i JSON nedenfor" / "Edited in the JSON below",
    add_remove_in_json: "Legg til eller fjern i JSON nedenfor." / "Add or remove in the JSON below.",
    no_rules: "Ingen regler: alt slipper gjennom. Legg til regler i JSON nedenfor, eller gå tilbake til standardreglene." / "No rules: everything passes. Add rules in the JSON below, or go back to the default rules.",
    save: "Lagre reglene" / "Save the rules",
    advanced: "Avansert: hele retningslinjen som JSON" / "Advanced: the whole policy as JSON",
    advanced_hint: "Her kan du legge til og fjerne regler. Alt sjekkes før det lagres." / "Add and remove rules here. Everything is checked before it is saved.",
    save_json: "Lagre JSON" / "Save the JSON",
    reset: "Tilbake til standardreglene" / "Back to the default rules",
    confirm_reset: "Erstatte arbeidsområdets regler med standardreglene? Endringene deres går tapt." / "Replace this workspace's rules with the default rules? Your changes are lost.",
    saved: "Retningslinjene er lagret." / "The policy is saved.",
    reset_done: "Standardreglene gjelder igjen." / "The default rules apply again.",
    refused: "Retningslinjene ble ikke lagret; de som gjaldt fra før, gjelder fortsatt:" / "The policy was not saved; the one stored before still applies:",
    stale: "Reglene er endret siden siden ble lastet. Last siden på nytt og prøv igjen." / "The rules changed since the page was loaded. Reload the page and try again.",
    not_a_number: "Skriv et tall." / "Enter a number.",
    stored_unreadable: "De lagrede retningslinjene kan ikke leses; standardreglene gjelder til de rettes:" / "The stored policy cannot be read; the default rules apply until it is fixed:",
    try_heading: "Prøv retningslinjene" / "Try the policy",
    try_hint: "Skriv en tekst slik den kunne stått i et innlegg. Sjekken bruker de lagrede reglene, uten kildebelagte påstander fra en historie." / "Write a text as it might appear in a post. The check uses the stored rules, without sourced claims from a story.",
    try_text: "Tekst" / "Text",
    try_channel: "Kanal (for lengden)" / "Channel (for the length)",
    any_channel: "Ingen bestemt" / "None in particular",
    try_button: "Sjekk teksten" / "Check the text",
    try_clean: "Ingen regler slår til på denne teksten." / "No rule fires on this text.",
    try_blocks: "Denne teksten ville blitt stoppet." / "This text would be stopped.",
    try_warns: "Denne teksten ville fått advarsler, men kan publiseres." / "This text would get warnings, but can be published.",
    words: "Ordene" / "The words",
    whole_post: "hele innlegget" / "the whole post",
    empty_text: "Skriv en tekst å sjekke." / "Write a text to check.",
    unknown_channel: "Velg en av kanalene i listen." / "Choose one of the channels in the list.",
});

impl PolicyTexts {
    fn severity(&self, severity: Severity) -> &'static str {
        match severity {
            Severity::Block => self.block,
            Severity::Warn => self.warn,
        }
    }
}

/// The channel kinds a post can go to, for the try box's length check.
const POSTING_KINDS: [SourceKind; 4] = [
    SourceKind::Mastodon,
    SourceKind::Bluesky,
    SourceKind::X,
    SourceKind::Facebook,
];

/// The fields every rule has; the rest are the kind's own.
const COMMON_FIELDS: [&str; 4] = ["id", "kind", "enabled", "severity"];

/// How a rule's own field is edited, by its JSON type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// A list of texts: a textarea, one per line.
    Lines,
    Text,
    Number,
    Flag,
    /// A list of objects (claims with their phrases, named patterns): each element's own
    /// fields; adding and removing elements is done in the JSON.
    Objects,
    /// Anything else: shown, edited in the JSON.
    Nested,
}

#[derive(Clone, Debug)]
pub struct FieldView {
    /// The form field: `r<rule>.f.<name>`.
    pub input: String,
    pub name: String,
    pub control: Control,
    pub value: String,
    pub checked: bool,
    pub error: Option<&'static str>,
    /// The elements of a list of objects.
    pub items: Vec<ItemView>,
}

/// One element of a list of objects: a claim, a named pattern.
#[derive(Clone, Debug)]
pub struct ItemView {
    pub label: String,
    pub fields: Vec<FieldView>,
}

#[derive(Clone, Debug)]
pub struct RuleView {
    pub index: usize,
    pub id: String,
    pub kind: String,
    pub enabled: bool,
    pub block: bool,
    pub fields: Vec<FieldView>,
    /// Lines of the engine's refusal that name this rule.
    pub problems: Vec<String>,
}

/// The try box's answer.
#[derive(Clone, Debug)]
pub struct TryResult {
    pub findings: Vec<FindingView>,
    pub blocks: bool,
    pub problem: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub struct FindingView {
    pub rule: String,
    pub severity: &'static str,
    pub severity_label: &'static str,
    pub words: String,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct ChannelOption {
    pub value: &'static str,
    pub selected: bool,
}

#[derive(askama::Template)]
#[template(path = "setup_policy.html")]
struct PolicyTemplate<'a> {
    page: &'a Page,
    t: &'static PolicyTexts,
    nav: Vec<NavLink>,
    can_edit: bool,
    stored: Option<StoredInfo>,
    /// The JSON the rules form was drawn from: sent back so a save edits what was seen.
    base: String,
    rules: Vec<RuleView>,
    json: String,
    notice: Option<&'static str>,
    /// The engine's refusal, line by line.
    problems: Vec<String>,
    unreadable: Option<String>,
    try_text: String,
    channels: Vec<ChannelOption>,
    try_result: Option<TryResult>,
}

#[derive(askama::Template)]
#[template(path = "setup_policy_try.html")]
struct TryTemplate<'a> {
    t: &'static PolicyTexts,
    try_result: &'a Option<TryResult>,
}

#[derive(Clone, Debug)]
pub struct StoredInfo {
    pub by: String,
    pub at: String,
}

/// What the page shows besides the stored policy: a refused save's text and problems, a
/// notice, the try box's result.
#[derive(Default)]
struct Shown {
    /// The policy JSON to draw the rules from instead of the stored one.
    value: Option<Value>,
    /// The advanced box's text instead of the stored JSON.
    json: Option<String>,
    /// Submitted rule fields, shown as typed.
    raw: HashMap<String, String>,
    field_errors: HashMap<String, &'static str>,
    problems: Vec<String>,
    notice: Option<&'static str>,
    try_text: String,
    try_channel: Option<SourceKind>,
    try_result: Option<TryResult>,
}

/// The policy in force: the stored one if it reads, else the default (with why).
pub async fn current_policy(
    state: &AppState,
    page: &Page,
) -> Result<(Policy, Option<StoredPolicy>, Option<String>), PageError> {
    let ws = page.workspace()?;
    let stored = state.store.policy(&ws.id).await?;
    Ok(match &stored {
        None => (Policy::default(), None, None),
        Some(s) => match Policy::from_json(&s.json) {
            Ok(policy) => (policy, stored, None),
            Err(e) => (Policy::default(), stored, Some(e.problems.join("; "))),
        },
    })
}

fn field_label(name: &str) -> String {
    name.replace('_', " ")
}

/// The rule views of a policy's JSON value.
fn rule_views(value: &Value, shown: &Shown) -> Vec<RuleView> {
    let rules = value.get("rules").and_then(Value::as_array);
    rules
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(index, rule)| {
            let text = |key: &str| {
                rule.get(key)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            let id = text("id");
            let fields = rule
                .as_object()
                .map(|map| field_views(map, &format!("r{index}.f."), shown, true))
                .unwrap_or_default();
            RuleView {
                index,
                problems: shown
                    .problems
                    .iter()
                    .filter(|p| !id.is_empty() && p.contains(&id))
                    .cloned()
                    .collect(),
                kind: field_label(&text("kind")),
                enabled: rule.get("enabled").and_then(Value::as_bool).unwrap_or(true),
                block: text("severity") == "block",
                id,
                fields,
            }
        })
        .collect()
}

/// The controls of a rule's own fields (`top`) or of one element of a list of objects (a
/// claim, a named pattern), whose lists of objects are left to the JSON.
fn field_views(map: &Map<String, Value>, prefix: &str, shown: &Shown, top: bool) -> Vec<FieldView> {
    map.iter()
        .filter(|(name, _)| !top || !COMMON_FIELDS.contains(&name.as_str()))
        .map(|(name, field)| {
            let input = format!("{prefix}{name}");
            let mut control = control_of(field);
            if control == Control::Objects && !top {
                control = Control::Nested;
            }
            let value = shown
                .raw
                .get(&input)
                .cloned()
                .unwrap_or_else(|| match field {
                    Value::Array(items) if control == Control::Lines => items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("\n"),
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    other => serde_json::to_string_pretty(other).unwrap_or_default(),
                });
            let items = match field {
                Value::Array(elements) if control == Control::Objects => elements
                    .iter()
                    .enumerate()
                    .filter_map(|(j, element)| element.as_object().map(|o| (j, o)))
                    .map(|(j, object)| ItemView {
                        label: object
                            .get("name")
                            .and_then(Value::as_str)
                            .map_or_else(|| format!("{}", j + 1), str::to_owned),
                        fields: field_views(object, &format!("{input}.{j}."), shown, false),
                    })
                    .collect(),
                _ => Vec::new(),
            };
            FieldView {
                error: shown.field_errors.get(&input).copied(),
                checked: field.as_bool().unwrap_or(false),
                name: field_label(name),
                input,
                control,
                value,
                items,
            }
        })
        .collect()
}

fn control_of(field: &Value) -> Control {
    match field {
        Value::Array(items) if items.iter().all(Value::is_string) => Control::Lines,
        Value::Array(items) if items.iter().all(Value::is_object) => Control::Objects,
        Value::String(_) => Control::Text,
        Value::Number(_) => Control::Number,
        Value::Bool(_) => Control::Flag,
        _ => Control::Nested,
    }
}

async fn render_page(state: &AppState, page: &Page, shown: Shown) -> Result<Response, PageError> {
    let t = texts::<PolicyTexts>(page.language);
    let (policy, stored, unreadable) = current_policy(state, page).await?;
    let stored_json = match &stored {
        Some(s) => s.json.clone(),
        None => policy.to_json(),
    };
    let value = match &shown.value {
        Some(value) => value.clone(),
        None => serde_json::from_str(&stored_json).unwrap_or(Value::Null),
    };
    let refused = !shown.problems.is_empty() || !shown.field_errors.is_empty();
    let template = PolicyTemplate {
        page,
        t,
        nav: nav(page, SetupTab::Policy),
        can_edit: page.can(Role::Leader),
        stored: stored.as_ref().map(|s| StoredInfo {
            by: s.updated_by.clone(),
            at: page.fmt.datetime(&s.updated_at),
        }),
        base: serde_json::to_string(&value).unwrap_or_default(),
        rules: rule_views(&value, &shown),
        json: shown.json.clone().unwrap_or(stored_json),
        notice: shown.notice,
        problems: shown.problems.clone(),
        unreadable,
        try_text: shown.try_text.clone(),
        channels: POSTING_KINDS
            .iter()
            .map(|k| ChannelOption {
                value: k.as_str(),
                selected: shown.try_channel == Some(*k),
            })
            .collect(),
        try_result: shown.try_result.clone(),
    };
    if refused {
        render_refusal(&template)
    } else {
        render(&template)
    }
}

async fn show(State(state): State<AppState>, mut page: Page) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Setup);
    render_page(&state, &page, Shown::default()).await
}

/// Checks `json` with the engine and stores it; a refusal comes back as its lines.
async fn store_policy(
    state: &AppState,
    page: &Page,
    json: &str,
) -> Result<Result<(), Vec<String>>, PageError> {
    let policy = match Policy::from_json(json) {
        Ok(policy) => policy,
        Err(e) => return Ok(Err(e.problems)),
    };
    let ws = page.workspace()?;
    state
        .store
        .put_policy(
            &ws.id,
            &StoredPolicy {
                json: policy.to_json(),
                updated_by: page.user.email.clone(),
                updated_at: page.now,
            },
        )
        .await?;
    Ok(Ok(()))
}

/// `POST /w/{ws}/setup/policy`: the rules form (`form#policy`), laid over the JSON it was
/// drawn from (`base`).
async fn save_rules(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<Vec<(String, String)>>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Setup);
    let AppForm(fields) = form?;
    let t = texts::<PolicyTexts>(page.language);
    let form: HashMap<String, String> = fields.into_iter().collect();
    let base = form.get("base").map(String::as_str).unwrap_or("");
    let Ok(mut value) = serde_json::from_str::<Value>(base) else {
        return Err(AppError::BadRequest(
            "field `base`: the form did not send the policy it was drawn from; reload the page"
                .to_owned(),
        )
        .into());
    };
    let mut bad_numbers = HashSet::new();
    if let Err(stale) = overlay(&mut value, &form, &mut bad_numbers) {
        return render_page(
            &state,
            &page,
            Shown {
                problems: vec![format!("{} {stale}", t.stale)],
                ..Shown::default()
            },
        )
        .await;
    }
    let field_errors: HashMap<String, &'static str> = bad_numbers
        .into_iter()
        .map(|input| (input, t.not_a_number))
        .collect();
    let json = serde_json::to_string_pretty(&value).unwrap_or_default();
    if !field_errors.is_empty() {
        return render_page(
            &state,
            &page,
            Shown {
                value: Some(value),
                raw: form,
                field_errors,
                problems: vec![t.not_a_number.to_owned()],
                json: Some(json),
                ..Shown::default()
            },
        )
        .await;
    }
    match store_policy(&state, &page, &json).await? {
        Ok(()) => {
            render_page(
                &state,
                &page,
                Shown {
                    notice: Some(t.saved),
                    ..Shown::default()
                },
            )
            .await
        }
        Err(problems) => {
            render_page(
                &state,
                &page,
                Shown {
                    value: Some(value),
                    raw: form,
                    problems,
                    json: Some(json),
                    ..Shown::default()
                },
            )
            .await
        }
    }
}

/// Sets each rule's common and own fields from the form. A rule whose id in the form is not
/// the one at its place in `value` means the page was stale: `Err` with that id. Numbers
/// that do not read go into `errors` by their input name, and keep their old value.
fn overlay(
    value: &mut Value,
    form: &HashMap<String, String>,
    errors: &mut HashSet<String>,
) -> Result<(), String> {
    let Some(rules) = value.get_mut("rules").and_then(Value::as_array_mut) else {
        return Ok(());
    };
    for (index, rule) in rules.iter_mut().enumerate() {
        let Some(rule) = rule.as_object_mut() else {
            continue;
        };
        let id = rule
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let prefix = format!("r{index}.");
        match form.get(&format!("{prefix}id")) {
            Some(sent) if *sent == id => {}
            _ => return Err(id),
        }
        rule.insert(
            "enabled".to_owned(),
            Value::Bool(form.contains_key(&format!("{prefix}enabled"))),
        );
        if let Some(severity) = form.get(&format!("{prefix}severity"))
            && (severity == "block" || severity == "warn")
        {
            rule.insert("severity".to_owned(), Value::String(severity.clone()));
        }
        overlay_fields(rule, &format!("{prefix}f."), form, errors, true);
    }
    Ok(())
}

fn overlay_fields(
    map: &mut Map<String, Value>,
    prefix: &str,
    form: &HashMap<String, String>,
    errors: &mut HashSet<String>,
    top: bool,
) {
    for (name, field) in map.iter_mut() {
        if top && COMMON_FIELDS.contains(&name.as_str()) {
            continue;
        }
        let input = format!("{prefix}{name}");
        let sent = form.get(&input);
        match (control_of(field), sent) {
            (Control::Lines, Some(text)) => {
                *field = Value::Array(
                    text.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(|l| Value::String(l.to_owned()))
                        .collect(),
                );
            }
            (Control::Text, Some(text)) => *field = Value::String(text.trim().to_owned()),
            (Control::Number, Some(text)) => {
                let text = text.trim().replace(',', ".");
                // Whole numbers stay whole: a length limit is no float.
                let number = if field.is_i64() || field.is_u64() {
                    text.parse::<i64>().ok().map(Value::from)
                } else {
                    text.parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map(Value::Number)
                };
                match number {
                    Some(number) => *field = number,
                    None => {
                        errors.insert(input);
                    }
                }
            }
            (Control::Flag, _) => *field = Value::Bool(sent.is_some()),
            (Control::Objects, _) if top => {
                if let Value::Array(elements) = field {
                    for (j, element) in elements.iter_mut().enumerate() {
                        if let Some(object) = element.as_object_mut() {
                            overlay_fields(object, &format!("{input}.{j}."), form, errors, false);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonForm {
    json: String,
}

/// `POST /w/{ws}/setup/policy/json`: the whole policy as JSON.
async fn save_json(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<JsonForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Setup);
    let AppForm(form) = form?;
    let t = texts::<PolicyTexts>(page.language);
    match store_policy(&state, &page, &form.json).await? {
        Ok(()) => {
            render_page(
                &state,
                &page,
                Shown {
                    notice: Some(t.saved),
                    ..Shown::default()
                },
            )
            .await
        }
        Err(problems) => {
            render_page(
                &state,
                &page,
                Shown {
                    // Rules that read are drawn as sent, so problems land beside them.
                    value: serde_json::from_str(&form.json).ok(),
                    json: Some(form.json),
                    problems,
                    ..Shown::default()
                },
            )
            .await
        }
    }
}

/// `POST /w/{ws}/setup/policy/reset`: back to [`Policy::default`].
async fn reset(State(state): State<AppState>, mut page: Page) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Setup);
    let t = texts::<PolicyTexts>(page.language);
    if let Err(problems) = store_policy(&state, &page, &Policy::default().to_json()).await? {
        return Err(AppError::internal(format!(
            "the default policy does not read: {}",
            problems.join("; ")
        ))
        .into());
    }
    render_page(
        &state,
        &page,
        Shown {
            notice: Some(t.reset_done),
            ..Shown::default()
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TryForm {
    text: String,
    channel: Option<String>,
}

/// The findings as the page shows them, in the user's language.
pub fn finding_views(findings: &[Finding], language: UiLanguage) -> Vec<FindingView> {
    let t = texts::<PolicyTexts>(language);
    findings
        .iter()
        .map(|f| FindingView {
            rule: f.rule.clone(),
            severity: match f.severity {
                Severity::Block => "block",
                Severity::Warn => "warn",
            },
            severity_label: t.severity(f.severity),
            words: if f.words.is_empty() {
                t.whole_post.to_owned()
            } else {
                f.words.clone()
            },
            message: match language {
                UiLanguage::Nb => f.message_nb.clone(),
                UiLanguage::En => f.message_en.clone(),
            },
        })
        .collect()
}

/// `POST /w/{ws}/setup/policy/try`: the stored policy's findings on a text; htmx gets the
/// result alone.
async fn try_text(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<TryForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Setup);
    let AppForm(form) = form?;
    let t = texts::<PolicyTexts>(page.language);
    let channel = match form.channel.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(name) => SourceKind::parse(name)
            .filter(|k| POSTING_KINDS.contains(k))
            .map(Some)
            .ok_or(t.unknown_channel),
    };
    let result = match channel {
        Err(problem) => TryResult {
            findings: Vec::new(),
            blocks: false,
            problem: Some(problem),
        },
        Ok(_) if form.text.trim().is_empty() => TryResult {
            findings: Vec::new(),
            blocks: false,
            problem: Some(t.empty_text),
        },
        Ok(channel) => {
            let (policy, _, _) = current_policy(&state, &page).await?;
            let findings = omdomme_policy::check(
                &policy,
                &Draft {
                    text: &form.text,
                    channel,
                    sourced_proof: Vec::new(),
                },
            );
            TryResult {
                blocks: omdomme_policy::blocks(&findings),
                findings: finding_views(&findings, page.language),
                problem: None,
            }
        }
    };
    if page.htmx {
        return render(&TryTemplate {
            t,
            try_result: &Some(result),
        });
    }
    render_page(
        &state,
        &page,
        Shown {
            try_channel: form.channel.as_deref().and_then(SourceKind::parse),
            try_text: form.text,
            try_result: Some(result),
            ..Shown::default()
        },
    )
    .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_drawn_from_json_whatever_their_kind() {
        let value: Value = serde_json::from_str(
            r#"{"rules":[{"id":"a","kind":"future_kind","severity":"block","enabled":false,
                "terms":["x","y"],"note":"n","limit":3,"strict":true,"nested":{"k":1}}]}"#,
        )
        .unwrap();
        let views = rule_views(&value, &Shown::default());
        assert_eq!(views.len(), 1);
        let rule = &views[0];
        assert_eq!((rule.id.as_str(), rule.kind.as_str()), ("a", "future kind"));
        assert!(rule.block && !rule.enabled);
        let by_name: HashMap<_, _> = rule.fields.iter().map(|f| (f.name.as_str(), f)).collect();
        assert_eq!(by_name["terms"].control, Control::Lines);
        assert_eq!(by_name["terms"].value, "x\ny");
        assert_eq!(by_name["note"].control, Control::Text);
        assert_eq!(by_name["limit"].control, Control::Number);
        assert_eq!(by_name["strict"].control, Control::Flag);
        assert_eq!(by_name["nested"].control, Control::Nested);
    }

    #[test]
    fn the_form_is_laid_over_the_json_it_came_from() {
        let mut value: Value = serde_json::from_str(
            r#"{"rules":[{"id":"a","kind":"k","severity":"block","enabled":true,
                "terms":["x"],"limit":3,"strict":true}]}"#,
        )
        .unwrap();
        let form: HashMap<String, String> = [
            ("r0.id", "a"),
            ("r0.severity", "warn"),
            ("r0.f.terms", " Prosjekt Nordlys \n\n  Falk\n"),
            ("r0.f.limit", "oops"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let mut errors = HashSet::new();
        overlay(&mut value, &form, &mut errors).unwrap();
        let rule = &value["rules"][0];
        assert_eq!(rule["enabled"], false);
        assert_eq!(rule["severity"], "warn");
        assert_eq!(
            rule["terms"],
            serde_json::json!(["Prosjekt Nordlys", "Falk"])
        );
        assert_eq!(rule["strict"], false);
        assert_eq!(rule["limit"], 3, "a bad number keeps the old value");
        assert!(errors.contains("r0.f.limit"));
        // A form from before the rules changed is refused.
        let stale: HashMap<String, String> =
            [("r0.id".to_owned(), "b".to_owned())].into_iter().collect();
        assert_eq!(
            overlay(&mut value, &stale, &mut errors),
            Err("a".to_owned())
        );
    }
}
