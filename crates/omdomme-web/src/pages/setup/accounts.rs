//! `/w/{ws}/setup/accounts`: which accounts on each platform belong to the own brand and to
//! each competitor. The Engagement & Openness index counts an answer to an inquiry, a reply
//! and a broadcast post only when one of the brand's accounts wrote it, so without accounts
//! a brand has no dialog, no answers and no engagement in the index.
//!
//! Editors see the accounts; leaders add and remove them, each change in the audit log.
//! A change recounts the workspace's openness figures in the store (one read of its items),
//! so the index is right at once, also for the past.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use omdomme_core::{BrandId, BrandRole, SourceKind};
use omdomme_store::{BrandAccount, Role, UiLanguage};
use serde::Deserialize;

use super::{NavLink, SetupTab, filled, nav, render_refusal};
use crate::csrf::AppForm;
use crate::i18n::texts;
use crate::pages::explorer::source_label;
use crate::pages::{Page, PageError, Section, render};
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/w/{ws}/setup/accounts", get(show).post(add))
        .route("/w/{ws}/setup/accounts/delete", post(remove))
}

texts!(pub AccountsTexts {
    title: "Merkevarekontoer" / "Brand accounts",
    intro: "Kontoene hver merkevare svarer og publiserer fra, per plattform. Åpenhetsindeksen teller et svar på en henvendelse, et svar i en tråd og et eget innlegg bare når en av merkevarens kontoer skrev det." / "The accounts each brand answers and posts from, per platform. The openness index counts an answer to an inquiry, a reply in a thread and a post of its own only when one of the brand's accounts wrote it.",
    recount: "En endring teller indeksen opp igjen fra alle lagrede innlegg, også bakover i tid; med mange innlegg tar det noen sekunder." / "A change recounts the index from every stored item, the past included; with many items it takes a few seconds.",
    read_only: "Du kan se kontoene. Bare en leder kan endre dem." / "You can see the accounts. Only a leader can change them.",
    col_brand: "Merkevare" / "Brand",
    col_platform: "Plattform" / "Platform",
    col_handle: "Konto" / "Account",
    col_actions: "Handlinger" / "Actions",
    own: "egen" / "own",
    competitor: "konkurrent" / "competitor",
    no_accounts: "Ingen kontoer: svar og egne innlegg telles ikke for denne merkevaren." / "No accounts: answers and own posts are not counted for this brand.",
    no_brands: "Arbeidsområdet har ingen merkevarer ennå. Legg dem til under Merkevarer og søk." / "The workspace has no brands yet. Add them under Brands and queries.",
    remove: "Fjern" / "Remove",
    confirm_remove: "Fjerne kontoen? Svarene og innleggene dens telles ikke lenger for merkevaren." / "Remove this account? Its answers and posts no longer count for the brand.",
    add_heading: "Legg til en konto" / "Add an account",
    field_brand: "Merkevare" / "Brand",
    field_platform: "Plattform" / "Platform",
    field_handle: "Brukernavn eller side-ID (uten @)" / "Handle or page id (without @)",
    add: "Legg til kontoen" / "Add the account",
    added: "Kontoen er lagt til" / "Account added",
    removed: "Kontoen er fjernet" / "Account removed",
    bad_brand: "Velg en av merkevarene i listen." / "Choose one of the brands in the list.",
    bad_platform: "Velg en av plattformene i listen." / "Choose one of the platforms in the list.",
    bad_handle: "Skriv brukernavnet som ett ord uten mellomrom, høyst 200 tegn." / "Write the handle as one word without spaces, at most 200 characters.",
    taken: "Kontoen hører allerede til en annen merkevare: {brand}." / "The account already belongs to another brand: {brand}.",
    already: "Merkevaren har allerede denne kontoen." / "The brand already has this account.",
    not_found: "Fant ikke kontoen; kanskje noen fjernet den." / "The account was not found; perhaps someone removed it.",
});

/// The platforms a brand has accounts on: the social ones, and the webhook for replies a
/// system of the company's own sends in. Press feeds and file imports have no accounts.
pub const ACCOUNT_KINDS: [SourceKind; 5] = [
    SourceKind::Mastodon,
    SourceKind::Bluesky,
    SourceKind::X,
    SourceKind::Facebook,
    SourceKind::Webhook,
];

/// Longest handle in bytes, as the store keeps it.
const MAX_HANDLE_BYTES: usize = 200;

#[derive(Clone, Debug)]
pub struct AccountRow {
    pub kind: &'static str,
    pub platform: &'static str,
    pub handle: String,
}

#[derive(Clone, Debug)]
pub struct BrandAccounts {
    pub id: String,
    pub name: String,
    pub own: bool,
    pub accounts: Vec<AccountRow>,
}

#[derive(Clone, Debug)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The add form as typed, kept when refused.
#[derive(Clone, Debug, Default)]
pub struct AccountFields {
    pub brand: String,
    pub platform: String,
    pub handle: String,
}

/// One refused field and why.
#[derive(Clone, Debug)]
pub struct FieldProblem {
    pub field: &'static str,
    pub message: String,
}

#[derive(askama::Template)]
#[template(path = "setup_accounts.html")]
struct AccountsTemplate<'a> {
    page: &'a Page,
    t: &'static AccountsTexts,
    nav: Vec<NavLink>,
    can_edit: bool,
    brands: Vec<BrandAccounts>,
    brand_choices: Vec<Choice>,
    platform_choices: Vec<Choice>,
    fields: AccountFields,
    problems: Vec<FieldProblem>,
    notice: Option<String>,
}

impl AccountsTemplate<'_> {
    fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|p| p.field == field)
            .map(|p| p.message.as_str())
    }
}

async fn render_page(
    state: &AppState,
    page: &Page,
    fields: AccountFields,
    problems: Vec<FieldProblem>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let t = texts::<AccountsTexts>(page.language);
    let ws = page.workspace()?;
    let accounts = state.store.brand_accounts(&ws.id).await?;
    // The own brand first, then the competitors in the workspace's order.
    let mut ordered: Vec<_> = ws.brands.iter().collect();
    ordered.sort_by_key(|b| b.role != BrandRole::Own);
    let brands = ordered
        .iter()
        .map(|b| BrandAccounts {
            id: b.id.0.clone(),
            name: b.name.clone(),
            own: b.role == BrandRole::Own,
            accounts: accounts
                .iter()
                .filter(|a| a.brand == b.id)
                .map(|a| AccountRow {
                    kind: a.kind.as_str(),
                    platform: source_label(a.kind),
                    handle: a.handle.clone(),
                })
                .collect(),
        })
        .collect();
    let brand_choices = ordered
        .iter()
        .map(|b| Choice {
            value: b.id.0.clone(),
            label: b.name.clone(),
            selected: fields.brand == b.id.0,
        })
        .collect();
    let platform_choices = ACCOUNT_KINDS
        .iter()
        .map(|k| Choice {
            value: k.as_str().to_owned(),
            label: source_label(*k).to_owned(),
            selected: fields.platform == k.as_str(),
        })
        .collect();
    let refused = !problems.is_empty();
    let template = AccountsTemplate {
        page,
        t,
        nav: nav(page, SetupTab::Accounts),
        can_edit: page.can(Role::Leader),
        brands,
        brand_choices,
        platform_choices,
        fields,
        problems,
        notice,
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
    render_page(&state, &page, AccountFields::default(), Vec::new(), None).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountForm {
    brand: Option<String>,
    platform: Option<String>,
    handle: Option<String>,
}

impl AccountForm {
    fn fields(self) -> AccountFields {
        AccountFields {
            brand: filled(self.brand).unwrap_or_default(),
            platform: filled(self.platform).unwrap_or_default(),
            handle: filled(self.handle).unwrap_or_default(),
        }
    }
}

/// A handle as the store keeps it: without `@`, in lower case.
fn normalised(handle: &str) -> String {
    handle.trim().trim_start_matches('@').to_lowercase()
}

/// The form checked against the workspace's brands: the account, or every problem by its
/// field.
fn check(
    fields: &AccountFields,
    brands: &[BrandId],
    t: &AccountsTexts,
) -> Result<BrandAccount, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut problem = |field, message: &str| {
        problems.push(FieldProblem {
            field,
            message: message.to_owned(),
        });
    };
    let brand = brands.iter().find(|b| b.0 == fields.brand).cloned();
    if brand.is_none() {
        problem("brand", t.bad_brand);
    }
    let kind = SourceKind::parse(&fields.platform).filter(|k| ACCOUNT_KINDS.contains(k));
    if kind.is_none() {
        problem("platform", t.bad_platform);
    }
    let handle = normalised(&fields.handle);
    if handle.is_empty()
        || handle.len() > MAX_HANDLE_BYTES
        || handle.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        problem("handle", t.bad_handle);
    }
    match (brand, kind) {
        (Some(brand), Some(kind)) if problems.is_empty() => Ok(BrandAccount {
            brand,
            kind,
            handle,
        }),
        _ => Err(problems),
    }
}

fn audit_detail(account: &BrandAccount) -> String {
    format!("{} @{}", account.kind.as_str(), account.handle)
}

/// `POST /w/{ws}/setup/accounts`: gives a brand one more account.
async fn add(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<AccountForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Setup);
    let AppForm(form) = form?;
    let t = texts::<AccountsTexts>(page.language);
    let ws = page.workspace()?.clone();
    let fields = form.fields();
    let brand_ids: Vec<BrandId> = ws.brands.iter().map(|b| b.id.clone()).collect();
    let account = match check(&fields, &brand_ids, t) {
        Ok(account) => account,
        Err(problems) => return render_page(&state, &page, fields, problems, None).await,
    };
    let existing = state.store.brand_accounts(&ws.id).await?;
    if let Some(holder) = existing
        .iter()
        .find(|a| a.kind == account.kind && a.handle == account.handle)
    {
        let message = if holder.brand == account.brand {
            t.already.to_owned()
        } else {
            let name = ws
                .brands
                .iter()
                .find(|b| b.id == holder.brand)
                .map_or_else(|| holder.brand.0.clone(), |b| b.name.clone());
            t.taken.replace("{brand}", &name)
        };
        let problems = vec![FieldProblem {
            field: "handle",
            message,
        }];
        return render_page(&state, &page, fields, problems, None).await;
    }
    let mut accounts: Vec<BrandAccount> = existing
        .into_iter()
        .filter(|a| a.brand == account.brand)
        .collect();
    accounts.push(account.clone());
    state
        .store
        .put_brand_accounts(&ws.id, &account.brand, &accounts)
        .await?;
    page.audit(
        &state,
        "brand_account.add",
        &format!("brand:{}", account.brand),
        &audit_detail(&account),
    )
    .await?;
    let notice = format!(
        "{}: {} @{}",
        t.added,
        source_label(account.kind),
        account.handle
    );
    render_page(
        &state,
        &page,
        AccountFields {
            brand: account.brand.0,
            ..AccountFields::default()
        },
        Vec::new(),
        Some(notice),
    )
    .await
}

/// `POST /w/{ws}/setup/accounts/delete`: takes an account from its brand.
async fn remove(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<AccountForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Setup);
    let AppForm(form) = form?;
    let t = texts::<AccountsTexts>(page.language);
    let ws = page.workspace()?.clone();
    let fields = form.fields();
    let existing = state.store.brand_accounts(&ws.id).await?;
    let kind = SourceKind::parse(&fields.platform);
    let handle = normalised(&fields.handle);
    let found = existing
        .iter()
        .find(|a| a.brand.0 == fields.brand && Some(a.kind) == kind && a.handle == handle)
        .cloned();
    let Some(account) = found else {
        let problems = vec![FieldProblem {
            field: "remove",
            message: t.not_found.to_owned(),
        }];
        return render_page(&state, &page, AccountFields::default(), problems, None).await;
    };
    let remaining: Vec<BrandAccount> = existing
        .into_iter()
        .filter(|a| a.brand == account.brand && *a != account)
        .collect();
    state
        .store
        .put_brand_accounts(&ws.id, &account.brand, &remaining)
        .await?;
    page.audit(
        &state,
        "brand_account.remove",
        &format!("brand:{}", account.brand),
        &audit_detail(&account),
    )
    .await?;
    let notice = format!(
        "{}: {} @{}",
        t.removed,
        source_label(account.kind),
        account.handle
    );
    render_page(
        &state,
        &page,
        AccountFields::default(),
        Vec::new(),
        Some(notice),
    )
    .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn brands() -> Vec<BrandId> {
        vec![BrandId("nordlys".to_owned())]
    }

    #[test]
    fn a_handle_is_kept_as_the_store_compares_it() {
        let fields = AccountFields {
            brand: "nordlys".into(),
            platform: "x".into(),
            handle: "@NordlysAS".into(),
        };
        let account = check(&fields, &brands(), &AccountsTexts::EN).unwrap();
        assert_eq!(account.handle, "nordlysas");
        assert_eq!(account.kind, SourceKind::X);
    }

    #[test]
    fn every_problem_is_named_by_its_field() {
        let t = &AccountsTexts::EN;
        let fields = AccountFields {
            brand: "nobody".into(),
            platform: "rss".into(),
            handle: "two words".into(),
        };
        let problems = check(&fields, &brands(), t).unwrap_err();
        let named: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(named, ["brand", "platform", "handle"]);
        let long = AccountFields {
            brand: "nordlys".into(),
            platform: "x".into(),
            handle: "a".repeat(MAX_HANDLE_BYTES + 1),
        };
        assert_eq!(check(&long, &brands(), t).unwrap_err()[0].field, "handle");
        let only_at = AccountFields {
            handle: "@".into(),
            ..long
        };
        assert_eq!(
            check(&only_at, &brands(), t).unwrap_err()[0].field,
            "handle"
        );
    }
}
