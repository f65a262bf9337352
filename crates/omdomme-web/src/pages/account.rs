//! `/account`: the user's own password and interface language.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use omdomme_store::{Role, UiLanguage};
use serde::Deserialize;

use super::{Page, PageError, Section, local_path, render};
use crate::auth;
use crate::csrf::AppForm;
use crate::error::AppError;
use crate::i18n::texts;
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(show))
        .route("/account/password", post(change_password))
        .route("/account/language", post(change_language))
}

texts!(pub AccountTexts {
    title: "Min konto" / "My account",
    signed_in_as: "Logget inn som" / "Signed in as",
    role: "Rolle" / "Role",
    password_heading: "Bytt passord" / "Change password",
    current_password: "Nåværende passord" / "Current password",
    new_password: "Nytt passord (minst 12 tegn)" / "New password (at least 12 characters)",
    repeat_password: "Gjenta det nye passordet" / "Repeat the new password",
    change_password: "Bytt passord" / "Change password",
    password_changed: "Passordet er byttet. Andre innlogginger er logget ut." / "Password changed. Your other sessions were logged out.",
    wrong_current: "Det nåværende passordet stemmer ikke." / "The current password is wrong.",
    mismatch: "De to nye passordene er ikke like." / "The two new passwords differ.",
    too_short: "Det nye passordet må ha minst 12 tegn." / "The new password needs at least 12 characters.",
    language_heading: "Språk i Omdømme" / "Language in Omdømme",
    language_nb: "Norsk bokmål" / "Norwegian bokmål",
    language_en: "English" / "English",
});

#[derive(askama::Template)]
#[template(path = "account.html")]
struct AccountTemplate<'a> {
    page: &'a Page,
    a: &'static AccountTexts,
    notice: Option<&'a str>,
    error: Option<&'a str>,
}

async fn show(mut page: Page) -> Result<Response, PageError> {
    page.require(Role::Viewer)?;
    page.section = Some(Section::Account);
    render(&AccountTemplate {
        a: texts::<AccountTexts>(page.language),
        page: &page,
        notice: None,
        error: None,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
}

async fn change_password(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    mut page: Page,
    AppForm(form): AppForm<PasswordForm>,
) -> Result<Response, PageError> {
    page.require(Role::Viewer)?;
    page.section = Some(Section::Account);
    let a = texts::<AccountTexts>(page.language);
    let problem = if form.new != form.repeat {
        Some(a.mismatch)
    } else if auth::check_new_password(&form.new).is_err() {
        Some(a.too_short)
    } else {
        None
    };
    let failed = |error: &'static str| {
        let page = &page;
        async move {
            let mut response = render(&AccountTemplate {
                page,
                a,
                notice: None,
                error: Some(error),
            })?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok::<Response, PageError>(response)
        }
    };
    if let Some(problem) = problem {
        return failed(problem).await;
    }
    let Some(mut user) = auth::check_login(&state, &page.user.email, form.current).await? else {
        return failed(a.wrong_current).await;
    };
    let keep = auth::session_token(&headers).map(|t| auth::token_hash(&t));
    let ended = auth::replace_password(&state, &mut user, form.new, keep.as_deref()).await?;
    page.audit(
        &state,
        "user.password",
        &user.email,
        &format!("{ended} other sessions ended"),
    )
    .await?;
    render(&AccountTemplate {
        page: &page,
        a,
        notice: Some(a.password_changed),
        error: None,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageForm {
    language: String,
    next: Option<String>,
}

async fn change_language(
    State(state): State<AppState>,
    page: Page,
    AppForm(form): AppForm<LanguageForm>,
) -> Result<Response, PageError> {
    page.require(Role::Viewer)?;
    let language = UiLanguage::parse(&form.language).ok_or_else(|| {
        AppError::BadRequest(format!(
            "unknown language `{}`: use nb or en",
            form.language
        ))
    })?;
    let mut user = state
        .store
        .user(&page.user.email)
        .await?
        .ok_or_else(|| AppError::Unauthorized("the user no longer exists".to_owned()))?;
    user.language = language;
    state.store.put_user(&user).await?;
    Ok(Redirect::to(&local_path(form.next.as_deref())).into_response())
}
