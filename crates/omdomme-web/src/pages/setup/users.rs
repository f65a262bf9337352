//! `/setup/users`: who may log in and with which role. Admins only.
//!
//! Guard rails: nobody changes their own role or deletes themself here (another admin has
//! to), and the last admin can be neither demoted nor deleted, so there is always someone
//! who can manage users. Passwords are checked for length, hashed with argon2 off the async
//! threads, and never logged.

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use omdomme_store::{Role, UiLanguage, UserRecord};
use serde::Deserialize;

use super::{NavLink, SetupTab, nav, render_refusal};
use crate::auth;
use crate::csrf::AppForm;
use crate::error::AppError;
use crate::i18n::texts;
use crate::pages::{Page, PageError, Section, render};
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/setup/users", get(show).post(add))
        .route("/setup/users/role", post(change_role))
        .route("/setup/users/password", post(reset_password))
        .route("/setup/users/delete", post(delete))
}

texts!(pub UsersTexts {
    title: "Brukere og roller" / "Users and roles",
    intro: "Leser ser oversikten og Utforsk; svarer håndterer også innboksen; redaktør endrer merkevarer og kilder; leder ser i tillegg revisjonsloggen; administrator styrer brukerne." / "Viewers see the overview and the explorer; responders also work the inbox; editors change brands and sources; leaders also see the audit log; admins manage users.",
    col_name: "Navn" / "Name",
    col_email: "E-post" / "E-mail",
    col_role: "Rolle" / "Role",
    col_language: "Språk" / "Language",
    col_actions: "Handlinger" / "Actions",
    you: "(deg)" / "(you)",
    change_role: "Bytt rolle" / "Change role",
    new_password: "Nytt passord (minst 12 tegn)" / "New password (at least 12 characters)",
    reset_password: "Sett nytt passord" / "Set new password",
    delete: "Slett" / "Delete",
    confirm_delete: "Slette brukeren? Alle innloggingene deres avsluttes." / "Delete this user? All their sessions end.",
    add_heading: "Legg til en bruker" / "Add a user",
    field_email: "E-post" / "E-mail",
    field_name: "Navn" / "Name",
    field_role: "Rolle" / "Role",
    field_password: "Første passord (minst 12 tegn; gi det videre på en trygg måte)" / "Initial password (at least 12 characters; pass it on safely)",
    field_language: "Språk" / "Language",
    language_nb: "norsk bokmål" / "Norwegian bokmål",
    language_en: "engelsk" / "English",
    add: "Legg til" / "Add",
    added: "Brukeren er lagt til" / "User added",
    role_changed: "Rollen er endret" / "Role changed",
    password_reset: "Nytt passord er satt, og brukerens innlogginger er avsluttet" / "New password set, and the user's sessions ended",
    deleted: "Brukeren er slettet, og innloggingene deres er avsluttet" / "User deleted, and their sessions ended",
    bad_email: "Skriv en gyldig e-postadresse, som navn@firma.no." / "Enter a valid e-mail address, like name@company.no.",
    email_taken: "Det finnes alt en bruker med denne e-postadressen." / "There is already a user with this e-mail address.",
    name_missing: "Skriv brukerens navn (høyst 100 tegn)." / "Enter the user's name (at most 100 characters).",
    role_unknown: "Velg en av rollene i listen." / "Choose one of the roles in the list.",
    language_unknown: "Velg norsk bokmål eller engelsk." / "Choose Norwegian bokmål or English.",
    too_short: "Passordet må ha minst 12 tegn." / "The password needs at least 12 characters.",
    self_role: "Du kan ikke endre din egen rolle: be en annen administrator om det." / "You cannot change your own role: ask another admin to.",
    self_delete: "Du kan ikke slette deg selv: be en annen administrator om det." / "You cannot delete yourself: ask another admin to.",
    last_admin: "Dette er den siste administratoren. Gjør en annen bruker til administrator først." / "This is the last admin. Make another user an admin first.",
});

/// One choice of a role list.
#[derive(Clone, Debug)]
pub struct RoleOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// Every role, `current` selected.
fn role_options(page: &Page, current: Role) -> Vec<RoleOption> {
    Role::ALL
        .iter()
        .map(|role| RoleOption {
            value: role.as_str(),
            label: page.t.role(role),
            selected: *role == current,
        })
        .collect()
}

/// A user as the table shows it.
#[derive(Clone, Debug)]
pub struct UserRow {
    pub email: String,
    pub name: String,
    pub role_label: &'static str,
    pub roles: Vec<RoleOption>,
    pub language: &'static str,
    /// The logged-in admin: no role change or delete for them here.
    pub is_me: bool,
}

/// The add form's fields, kept when the form is refused (never the password).
#[derive(Clone, Debug)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub english: bool,
}

impl Default for NewUser {
    fn default() -> Self {
        NewUser {
            email: String::new(),
            name: String::new(),
            role: Role::Viewer,
            english: false,
        }
    }
}

#[derive(askama::Template)]
#[template(path = "setup_users.html")]
struct UsersTemplate<'a> {
    page: &'a Page,
    t: &'static UsersTexts,
    nav: Vec<NavLink>,
    rows: Vec<UserRow>,
    /// The add form's role list.
    roles: Vec<RoleOption>,
    draft: NewUser,
    notice: Option<String>,
    error: Option<&'static str>,
}

/// Longest name, in characters; the longest e-mail address SMTP allows.
const MAX_NAME_CHARS: usize = 100;
const MAX_EMAIL_CHARS: usize = 254;

/// Plausibly an e-mail address: one `@` with something on both sides, no spaces. Whether
/// it receives mail is not for a form to decide.
fn is_email(email: &str) -> bool {
    email.chars().count() <= MAX_EMAIL_CHARS
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        })
}

fn same_email(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

async fn render_page(
    state: &AppState,
    page: &Page,
    draft: NewUser,
    notice: Option<String>,
    error: Option<&'static str>,
) -> Result<Response, PageError> {
    let t = texts::<UsersTexts>(page.language);
    let users = state.store.users().await?;
    let template = UsersTemplate {
        page,
        t,
        nav: nav(page, SetupTab::Users),
        rows: users
            .into_iter()
            .map(|user| UserRow {
                is_me: same_email(&user.email, &page.user.email),
                language: match user.language {
                    UiLanguage::Nb => t.language_nb,
                    UiLanguage::En => t.language_en,
                },
                role_label: page.t.role(&user.role),
                roles: role_options(page, user.role),
                email: user.email,
                name: user.name,
            })
            .collect(),
        roles: role_options(page, draft.role),
        draft,
        notice,
        error,
    };
    if error.is_some() {
        render_refusal(&template)
    } else {
        render(&template)
    }
}

async fn refuse(state: &AppState, page: &Page, error: &'static str) -> Result<Response, PageError> {
    render_page(state, page, NewUser::default(), None, Some(error)).await
}

async fn show(State(state): State<AppState>, mut page: Page) -> Result<Response, PageError> {
    page.require(Role::Admin)?;
    page.section = Some(Section::Setup);
    render_page(&state, &page, NewUser::default(), None, None).await
}

/// Hashes a password on the blocking pool (argon2 takes a core for a while).
/// The user a form names; 404 when there is none.
async fn named_user(state: &AppState, email: &str) -> Result<UserRecord, PageError> {
    state
        .store
        .user(email)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no user `{email}`")).into())
}

/// Whether `user` is the only admin left.
async fn is_last_admin(state: &AppState, user: &UserRecord) -> Result<bool, PageError> {
    if user.role != Role::Admin {
        return Ok(false);
    }
    let admins = state
        .store
        .users()
        .await?
        .iter()
        .filter(|u| u.role == Role::Admin)
        .count();
    Ok(admins <= 1)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddForm {
    email: String,
    name: String,
    role: String,
    password: String,
    language: Option<String>,
}

/// `POST /setup/users`: a new user with an initial password.
async fn add(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<AddForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Admin)?;
    page.section = Some(Section::Setup);
    let AppForm(form) = form?;
    let t = texts::<UsersTexts>(page.language);
    let role = Role::parse(&form.role);
    let language = match form.language.as_deref() {
        None | Some("") => Some(UiLanguage::Nb),
        Some(code) => UiLanguage::parse(code),
    };
    let draft = NewUser {
        email: form.email.trim().to_owned(),
        name: form.name.trim().to_owned(),
        role: role.unwrap_or(Role::Viewer),
        english: language == Some(UiLanguage::En),
    };
    let problem = if !is_email(&draft.email) {
        Some(t.bad_email)
    } else if draft.name.is_empty() || draft.name.chars().count() > MAX_NAME_CHARS {
        Some(t.name_missing)
    } else if role.is_none() {
        Some(t.role_unknown)
    } else if language.is_none() {
        Some(t.language_unknown)
    } else if auth::check_new_password(&form.password).is_err() {
        Some(t.too_short)
    } else if state.store.user(&draft.email).await?.is_some() {
        Some(t.email_taken)
    } else {
        None
    };
    if let Some(problem) = problem {
        return render_page(&state, &page, draft, None, Some(problem)).await;
    }
    let user = UserRecord {
        email: draft.email.clone(),
        name: draft.name.clone(),
        role: draft.role,
        password_hash: auth::hash_password_off_thread(form.password).await?,
        language: language.unwrap_or_default(),
    };
    state.store.put_user(&user).await?;
    page.audit(
        &state,
        "user.add",
        &user.email,
        &format!("name {:?}, role {}", user.name, user.role.as_str()),
    )
    .await?;
    let notice = format!("{}: {}", t.added, user.email);
    render_page(&state, &page, NewUser::default(), Some(notice), None).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleForm {
    email: String,
    role: String,
}

/// `POST /setup/users/role`: another user's new role.
async fn change_role(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<RoleForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Admin)?;
    page.section = Some(Section::Setup);
    let AppForm(form) = form?;
    let t = texts::<UsersTexts>(page.language);
    let mut user = named_user(&state, &form.email).await?;
    let Some(role) = Role::parse(&form.role) else {
        return refuse(&state, &page, t.role_unknown).await;
    };
    if same_email(&user.email, &page.user.email) {
        return refuse(&state, &page, t.self_role).await;
    }
    if role != Role::Admin && is_last_admin(&state, &user).await? {
        return refuse(&state, &page, t.last_admin).await;
    }
    let old = user.role;
    if old != role {
        user.role = role;
        state.store.put_user(&user).await?;
        page.audit(
            &state,
            "user.role",
            &user.email,
            &format!("{} → {}", old.as_str(), role.as_str()),
        )
        .await?;
    }
    let notice = format!(
        "{}: {} ({})",
        t.role_changed,
        user.email,
        page.t.role(&role)
    );
    render_page(&state, &page, NewUser::default(), Some(notice), None).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordForm {
    email: String,
    password: String,
}

/// `POST /setup/users/password`: sets a new password and ends the user's sessions (all but
/// the admin's own, when resetting their own).
async fn reset_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    mut page: Page,
    form: Result<AppForm<PasswordForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Admin)?;
    page.section = Some(Section::Setup);
    let AppForm(form) = form?;
    let t = texts::<UsersTexts>(page.language);
    let mut user = named_user(&state, &form.email).await?;
    if auth::check_new_password(&form.password).is_err() {
        return refuse(&state, &page, t.too_short).await;
    }
    // The admin's own session survives a reset of their own password.
    let keep = auth::session_token(&headers).map(|token| auth::token_hash(&token));
    let ended = auth::replace_password(&state, &mut user, form.password, keep.as_deref()).await?;
    page.audit(
        &state,
        "user.password_reset",
        &user.email,
        &format!("{ended} sessions ended"),
    )
    .await?;
    let notice = format!("{}: {}", t.password_reset, user.email);
    render_page(&state, &page, NewUser::default(), Some(notice), None).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteForm {
    email: String,
}

/// `POST /setup/users/delete`: removes another user and ends their sessions.
async fn delete(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<DeleteForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Admin)?;
    page.section = Some(Section::Setup);
    let AppForm(form) = form?;
    let t = texts::<UsersTexts>(page.language);
    let user = named_user(&state, &form.email).await?;
    if same_email(&user.email, &page.user.email) {
        return refuse(&state, &page, t.self_delete).await;
    }
    if is_last_admin(&state, &user).await? {
        return refuse(&state, &page, t.last_admin).await;
    }
    state.store.delete_user(&user.email).await?;
    page.audit(
        &state,
        "user.delete",
        &user.email,
        &format!("name {:?}, role {}", user.name, user.role.as_str()),
    )
    .await?;
    let notice = format!("{}: {}", t.deleted, user.email);
    render_page(&state, &page, NewUser::default(), Some(notice), None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_email_addresses() {
        assert!(is_email("kari@nordlys.no"));
        assert!(!is_email("kari"));
        assert!(!is_email("@nordlys.no"));
        assert!(!is_email("kari@"));
        assert!(!is_email("kari nordmann@nordlys.no"));
        assert!(!is_email("a@b@c"));
        assert!(same_email("Kari@Nordlys.no", "kari@nordlys.no"));
    }
}
