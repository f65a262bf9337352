//! `omdomme user add`: logins for the web app and API. The password comes from
//! OMDOMME_PASSWORD or the first line of standard input, never from a flag (flags end up
//! in shell history and process lists).

use anyhow::{Context as _, bail};
use clap::{Subcommand, ValueEnum};
use omdomme_store::{Role, UiLanguage, UserRecord};
use omdomme_web::auth::MIN_PASSWORD_CHARS;

use crate::cli::Context;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user, or replace the password and role of an existing one.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value_t = RoleArg::Viewer)]
        role: RoleArg,
        /// The language the web app speaks to the user.
        #[arg(long, value_enum, default_value_t = LanguageArg::Nb)]
        language: LanguageArg,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LanguageArg {
    /// Norwegian bokmål.
    Nb,
    En,
}

impl From<LanguageArg> for UiLanguage {
    fn from(language: LanguageArg) -> UiLanguage {
        match language {
            LanguageArg::Nb => UiLanguage::Nb,
            LanguageArg::En => UiLanguage::En,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RoleArg {
    Admin,
    Leader,
    Editor,
    Responder,
    Viewer,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Admin => Role::Admin,
            RoleArg::Leader => Role::Leader,
            RoleArg::Editor => Role::Editor,
            RoleArg::Responder => Role::Responder,
            RoleArg::Viewer => Role::Viewer,
        }
    }
}

pub async fn run(context: &Context, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            email,
            name,
            role,
            language,
        } => {
            let email = email.trim().to_lowercase();
            if !email.contains('@') {
                bail!("--email {email:?} is not an e-mail address");
            }
            let password = match std::env::var("OMDOMME_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("password (one line on standard input):");
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .context("reading the password")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            if password.chars().count() < MIN_PASSWORD_CHARS {
                bail!("the password needs at least {MIN_PASSWORD_CHARS} characters");
            }
            let store = context.open_store().await?;
            let user = UserRecord {
                email: email.clone(),
                name,
                role: role.into(),
                password_hash: omdomme_web::hash_password(&password)?,
                language: language.into(),
            };
            store.put_user(&user).await?;
            println!("user {email} saved with role {role:?}");
            Ok(())
        }
    }
}
