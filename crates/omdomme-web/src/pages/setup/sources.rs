//! `/w/{ws}/setup/sources`: every live source of the workspace with its health (status,
//! last success, last error and what to do about it, items per minute, silence) and
//! whether a credential is stored; never the credential. Editors and up may switch sources
//! from an OPML import or the web app on and off, or delete them; sources from the config
//! file belong to the file, which is written into the store again at every start.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use omdomme_core::{HealthStatus, SourceKey, SourceKind, WorkspaceId};
use omdomme_store::{Role, SourceDefinition, SourceOrigin, SourceRecord, UiLanguage};
use serde::Deserialize;

use super::{NavLink, SetupTab, nav, render_refusal};
use crate::csrf::AppForm;
use crate::error::AppError;
use crate::i18n::texts;
use crate::pages::{Page, PageError, Section, render};
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/w/{ws}/setup/sources", get(show))
        .route("/w/{ws}/setup/sources/enabled", post(set_enabled))
        .route("/w/{ws}/setup/sources/delete", post(delete))
}

texts!(pub SourcesTexts {
    title: "Kilder og helse" / "Sources and health",
    intro: "Kildene Omdømme lytter til i dette arbeidsområdet, og hvordan de har det nå." / "The sources Omdømme listens to in this workspace, and how they are doing now.",
    col_source: "Kilde" / "Source",
    col_status: "Status" / "Status",
    col_activity: "Aktivitet" / "Activity",
    col_credential: "Nøkkel" / "Credential",
    col_actions: "Handlinger" / "Actions",
    origin_config: "fra konfigurasjonsfilen" / "from the config file",
    origin_opml: "fra en OPML-import" / "from an OPML import",
    origin_ui: "lagt til i nettappen" / "added in the web app",
    status_new: "ny, ikke kjørt ennå" / "new, not run yet",
    status_ok: "i drift" / "working",
    status_silent: "uvanlig stille" / "unusually quiet",
    status_failing: "feiler" / "failing",
    enabled: "på" / "on",
    disabled: "slått av" / "disabled",
    last_success: "Siste vellykkede henting:" / "Last successful fetch:",
    never: "ingen ennå" / "none yet",
    last_item: "Siste nye innlegg:" / "Last new item:",
    per_minute: "innlegg per minutt" / "items per minute",
    total: "innlegg i alt" / "items in all",
    last_error: "Siste feil" / "Last error",
    failures: "feil på rad" / "failures in a row",
    what_to_do: "Hva du kan gjøre:" / "What to do:",
    credential_set: "lagret (vises aldri)" / "stored (never shown)",
    credential_none: "ingen" / "none",
    enable: "Slå på" / "Enable",
    disable: "Slå av" / "Disable",
    delete: "Slett" / "Delete",
    confirm_delete: "Slette kilden? Innleggene den alt har samlet inn, blir liggende." / "Delete this source? The items it already collected stay.",
    config_owned: "Står i konfigurasjonsfilen: endre den der ([[workspaces.sources]], enabled = false for å slå den av). Filen skrives inn igjen ved hver oppstart, så endringer her ville blitt overskrevet." / "Defined in the config file: change it there ([[workspaces.sources]], enabled = false to switch it off). The file is written in again at every start, so changes made here would be overwritten.",
    restart_note: "Å slå en kilde av eller på gjelder fra neste oppstart av Omdømme (omdomme serve eller omdomme collect)." / "Switching a source on or off takes effect at Omdømme's next start (omdomme serve or omdomme collect).",
    credential_note: "Nøkler (tokens, app-passord, webhook-hemmeligheter) lagres kryptert med «omdomme sources credential set» og vises aldri her." / "Credentials (tokens, app passwords, webhook secrets) are stored sealed with “omdomme sources credential set” and are never shown here.",
    empty_title: "Ingen kilder ennå" / "No sources yet",
    empty_config: "Legg til kilder i konfigurasjonsfilen under [[workspaces.sources]] (se README-en) og start Omdømme på nytt, eller importer nyhetsstrømmer fra en OPML-fil med:" / "Add sources to the config file under [[workspaces.sources]] (see the README) and restart Omdømme, or import feeds from an OPML file with:",
    enabled_notice: "Kilden er slått på" / "Source switched on",
    disabled_notice: "Kilden er slått av" / "Source switched off",
    deleted_notice: "Kilden er slettet" / "Source deleted",
    hint_token_expired: "Tilgangen er utløpt eller trukket tilbake. Lag et nytt token hos plattformen og lagre det med «omdomme sources credential set»." / "Access expired or was revoked. Issue a new token on the platform and store it with “omdomme sources credential set”.",
    hint_scope_missing: "Nøkkelen mangler en tillatelse. Gi tokenet eller appen tillatelsen meldingen nevner, og lagre nøkkelen på nytt." / "The credential lacks a permission. Grant the token or app the permission the message names and store it again.",
    hint_endpoint_retired: "Plattformen har fjernet eller flyttet tjenesten. Oppdater Omdømme, eller rett adressen i kildens oppsett." / "The platform removed or moved the endpoint. Update Omdømme, or correct the address in the source's definition.",
    hint_account_suspended: "Kontoen, siden eller appen er sperret av plattformen. Det må ordnes med plattformen." / "The platform suspended the account, page or app. That has to be sorted out with the platform.",
    hint_quota_spent: "Kvoten hos plattformen er brukt opp. Kilden prøver igjen når kvoten fornyes; vurder en større avtale." / "The platform's quota is spent. The source tries again when it resets; consider a larger plan.",
    hint_rate_limited: "For mange forespørsler. Kilden venter og prøver igjen av seg selv." / "Too many requests. The source waits and tries again by itself.",
    hint_unavailable: "Plattformen svarer ikke nå. Kilden prøver igjen av seg selv; varer det, sjekk nettverket og adressen." / "The platform is not answering now. The source retries by itself; if it lasts, check the network and the address.",
    hint_bad_payload: "Plattformen svarte med noe uventet. Varer det, si fra til den som drifter Omdømme." / "The platform answered with something unexpected. If it lasts, tell whoever runs Omdømme.",
    hint_config: "Kildens oppsett er feil (adresse, nøkkel eller søk). Rett det slik meldingen sier." / "The source's definition is wrong (address, credential or query). Correct it as the message says.",
    hint_store: "Innleggene kunne ikke lagres. Sjekk ledig diskplass og loggen." / "The items could not be stored. Check the free disk space and the log.",
    hint_other: "Meldingen over sier hva som gikk galt." / "The message above says what went wrong.",
    hint_silent: "Ingen nye innlegg på lenge: sjekk at strømmen, kontoen eller søket fortsatt finnes og at tilgangen ikke er trukket tilbake." / "No new items for a long while: check that the feed, account or query still exists and that access was not revoked.",
});

/// A source's last failure as the table shows it.
#[derive(Clone, Debug)]
pub struct ErrorView {
    pub when: String,
    pub kind: String,
    pub message: String,
    pub hint: &'static str,
}

/// A source as the table shows it.
#[derive(Clone, Debug)]
pub struct SourceRow {
    /// `kind:name`, what the forms send back.
    pub key: String,
    pub kind: &'static str,
    pub name: String,
    pub origin: &'static str,
    /// Sources from the config file are changed there, not here.
    pub editable: bool,
    pub enabled: bool,
    /// `new`, `ok`, `silent` or `failing`.
    pub status: &'static str,
    pub status_label: &'static str,
    pub status_class: &'static str,
    pub last_success: Option<String>,
    pub last_item: Option<String>,
    pub per_minute: String,
    pub total: String,
    pub error: Option<ErrorView>,
    pub failures: u32,
    pub silence: Option<String>,
    pub has_credential: bool,
}

#[derive(askama::Template)]
#[template(path = "setup_sources.html")]
struct SourcesTemplate<'a> {
    page: &'a Page,
    t: &'static SourcesTexts,
    nav: Vec<NavLink>,
    rows: Vec<SourceRow>,
    notice: Option<String>,
    error: Option<&'static str>,
}

/// What to do about a failure, from its kind (the connectors' `ErrorKind` names, or
/// `store`).
fn hint(t: &'static SourcesTexts, kind: &str) -> &'static str {
    match kind {
        "token_expired" => t.hint_token_expired,
        "scope_missing" => t.hint_scope_missing,
        "endpoint_retired" => t.hint_endpoint_retired,
        "account_suspended" => t.hint_account_suspended,
        "quota_spent" => t.hint_quota_spent,
        "rate_limited" => t.hint_rate_limited,
        "unavailable" => t.hint_unavailable,
        "bad_payload" => t.hint_bad_payload,
        "config" => t.hint_config,
        "store" => t.hint_store,
        _ => t.hint_other,
    }
}

/// A rate with one decimal, with the decimal comma in bokmål.
fn rate(language: UiLanguage, per_minute: f64) -> String {
    let text = format!("{:.1}", per_minute.max(0.0));
    match language {
        UiLanguage::Nb => text.replace('.', ","),
        UiLanguage::En => text,
    }
}

fn row(page: &Page, t: &'static SourcesTexts, record: &SourceRecord) -> SourceRow {
    let health = &record.health;
    let status = health.status(page.now);
    let (status_label, status_class) = match status {
        HealthStatus::New => (t.status_new, "neutral"),
        HealthStatus::Ok => (t.status_ok, "ok"),
        HealthStatus::Silent => (t.status_silent, "warn"),
        HealthStatus::Failing => (t.status_failing, "bad"),
    };
    let when = |at: &jiff::Timestamp| {
        format!(
            "{} ({})",
            page.fmt.datetime(at),
            page.fmt.ago(at, &page.now)
        )
    };
    SourceRow {
        key: record.key.to_string(),
        kind: record.key.kind.as_str(),
        name: record.key.name.clone(),
        origin: match record.origin {
            SourceOrigin::Config => t.origin_config,
            SourceOrigin::Opml => t.origin_opml,
            SourceOrigin::Ui => t.origin_ui,
        },
        editable: record.origin != SourceOrigin::Config,
        enabled: record.enabled,
        status: status.as_str(),
        status_label,
        status_class,
        last_success: health.last_success.as_ref().map(when),
        last_item: health.last_item_at.as_ref().map(when),
        per_minute: rate(page.language, health.items_per_minute),
        total: page.fmt.number(health.items_total),
        error: health.last_error.as_ref().map(|error| ErrorView {
            when: when(&error.at),
            kind: error.kind.clone(),
            message: error.message.clone(),
            hint: hint(t, &error.kind),
        }),
        failures: health.failures_in_a_row,
        silence: health.silence(page.now),
        has_credential: record.has_credential,
    }
}

async fn render_page(
    state: &AppState,
    page: &Page,
    notice: Option<String>,
    error: Option<&'static str>,
) -> Result<Response, PageError> {
    let t = texts::<SourcesTexts>(page.language);
    let workspace = page.workspace()?;
    let records = state.store.sources(&workspace.id).await?;
    let template = SourcesTemplate {
        page,
        t,
        nav: nav(page, SetupTab::Sources),
        rows: records.iter().map(|r| row(page, t, r)).collect(),
        notice,
        error,
    };
    if error.is_some() {
        render_refusal(&template)
    } else {
        render(&template)
    }
}

async fn show(State(state): State<AppState>, mut page: Page) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Setup);
    render_page(&state, &page, None, None).await
}

/// The source a form names as `kind:name`; 404 when the workspace has no such source.
async fn named_source(
    state: &AppState,
    workspace: &WorkspaceId,
    key: &str,
) -> Result<SourceRecord, PageError> {
    let unknown = || AppError::NotFound(format!("no source `{key}` in this workspace"));
    let (kind, name) = key.split_once(':').ok_or_else(unknown)?;
    let kind = SourceKind::parse(kind).ok_or_else(unknown)?;
    let key = SourceKey::new(kind, name);
    Ok(state
        .store
        .source(workspace, &key)
        .await?
        .ok_or_else(unknown)?)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnabledForm {
    /// `kind:name`.
    source: String,
    enabled: bool,
}

/// `POST /w/{ws}/setup/sources/enabled`: switches a source from an OPML import or the web
/// app on or off.
async fn set_enabled(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<EnabledForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Setup);
    let AppForm(form) = form?;
    let t = texts::<SourcesTexts>(page.language);
    let workspace = page.workspace()?.id.clone();
    let record = named_source(&state, &workspace, &form.source).await?;
    if record.origin == SourceOrigin::Config {
        return render_page(&state, &page, None, Some(t.config_owned)).await;
    }
    if record.enabled != form.enabled {
        state
            .store
            .put_source(
                &workspace,
                &SourceDefinition {
                    key: record.key.clone(),
                    spec: record.spec,
                    origin: record.origin,
                    enabled: form.enabled,
                },
                page.now,
            )
            .await?;
        let action = if form.enabled {
            "source.enable"
        } else {
            "source.disable"
        };
        page.audit(
            &state,
            action,
            &record.key.to_string(),
            &format!("origin {}", record.origin.as_str()),
        )
        .await?;
    }
    let notice = if form.enabled {
        t.enabled_notice
    } else {
        t.disabled_notice
    };
    render_page(
        &state,
        &page,
        Some(format!("{notice}: {}", record.key)),
        None,
    )
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteForm {
    /// `kind:name`.
    source: String,
}

/// `POST /w/{ws}/setup/sources/delete`: removes a source from an OPML import or the web app
/// with its cursor, health and credential; its items stay.
async fn delete(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<DeleteForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Setup);
    let AppForm(form) = form?;
    let t = texts::<SourcesTexts>(page.language);
    let workspace = page.workspace()?.id.clone();
    let record = named_source(&state, &workspace, &form.source).await?;
    if record.origin == SourceOrigin::Config {
        return render_page(&state, &page, None, Some(t.config_owned)).await;
    }
    state.store.delete_source(&workspace, &record.key).await?;
    page.audit(
        &state,
        "source.delete",
        &record.key.to_string(),
        &format!(
            "origin {}, {} items collected",
            record.origin.as_str(),
            record.health.items_total
        ),
    )
    .await?;
    render_page(
        &state,
        &page,
        Some(format!("{}: {}", t.deleted_notice, record.key)),
        None,
    )
    .await
}
