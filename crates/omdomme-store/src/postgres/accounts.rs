//! Users, sessions and the audit log. Emails compare without case: users are keyed by the
//! lower-cased email, sessions matched by `lower(email)` (indexed).

use omdomme_core::WorkspaceId;
use tokio_postgres::types::ToSql;
use tokio_postgres::{GenericClient, Row};

use super::time::PgTime;
use super::{db, text};
use crate::{
    AuditEntry, AuditQuery, AuditRecord, MAX_AUDIT_PAGE, Role, SessionRecord, StoreError,
    StoreResult, UiLanguage, UserRecord,
};

const USER_COLUMNS: &str = "email, name, role, password_hash, language";

fn read_user(r: &Row) -> StoreResult<UserRecord> {
    let role: String = r.get(2);
    let language: String = r.get(4);
    Ok(UserRecord {
        email: r.get(0),
        name: r.get(1),
        role: Role::parse(&role)
            .ok_or_else(|| StoreError::Database(format!("unknown role `{role}` stored")))?,
        password_hash: r.get(3),
        language: UiLanguage::parse(&language).ok_or_else(|| {
            StoreError::Database(format!("unknown interface language `{language}` stored"))
        })?,
    })
}

/// The key users are stored under: emails compare without case.
fn email_key(email: &str) -> String {
    email.to_lowercase()
}

pub(super) async fn put_user(client: &impl GenericClient, user: &UserRecord) -> StoreResult<()> {
    client
        .execute(
            "INSERT INTO users (email_key, email, name, role, password_hash, language) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (email_key) DO UPDATE SET email = excluded.email, \
             name = excluded.name, role = excluded.role, \
             password_hash = excluded.password_hash, language = excluded.language",
            &[
                &email_key(&user.email),
                &user.email,
                &user.name,
                &user.role.as_str(),
                &user.password_hash,
                &user.language.as_str(),
            ],
        )
        .await
        .map_err(db("storing the user"))?;
    Ok(())
}

pub(super) async fn user(
    client: &impl GenericClient,
    email: &str,
) -> StoreResult<Option<UserRecord>> {
    client
        .query_opt(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE email_key = $1"),
            &[&email_key(email)],
        )
        .await
        .map_err(db("reading the user"))?
        .map(|r| read_user(&r))
        .transpose()
}

pub(super) async fn users(client: &impl GenericClient) -> StoreResult<Vec<UserRecord>> {
    client
        .query(
            &format!("SELECT {USER_COLUMNS} FROM users ORDER BY email_key"),
            &[],
        )
        .await
        .map_err(db("listing the users"))?
        .iter()
        .map(read_user)
        .collect()
}

pub(super) async fn delete_user(client: &mut super::Client, email: &str) -> StoreResult<bool> {
    let failed = db("deleting the user");
    let key = email_key(email);
    let tx = client.transaction().await.map_err(&failed)?;
    tx.execute("DELETE FROM sessions WHERE lower(email) = $1", &[&key])
        .await
        .map_err(db("ending the user's sessions"))?;
    let deleted = tx
        .execute("DELETE FROM users WHERE email_key = $1", &[&key])
        .await
        .map_err(&failed)?;
    tx.commit().await.map_err(&failed)?;
    Ok(deleted > 0)
}

pub(super) async fn put_session(
    client: &impl GenericClient,
    session: &SessionRecord,
) -> StoreResult<()> {
    client
        .execute(
            "INSERT INTO sessions (token_hash, email, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (token_hash) DO UPDATE SET email = excluded.email, \
             expires_at = excluded.expires_at",
            &[
                &session.token_hash,
                &session.email,
                &PgTime(session.expires_at),
            ],
        )
        .await
        .map_err(db("storing the session"))?;
    Ok(())
}

pub(super) async fn session(
    client: &impl GenericClient,
    token_hash: &str,
) -> StoreResult<Option<SessionRecord>> {
    let failed = db("reading the session");
    let Some(r) = client
        .query_opt(
            "SELECT token_hash, email, expires_at FROM sessions WHERE token_hash = $1",
            &[&token_hash],
        )
        .await
        .map_err(&failed)?
    else {
        return Ok(None);
    };
    let PgTime(expires_at) = r.try_get(2).map_err(&failed)?;
    Ok(Some(SessionRecord {
        token_hash: r.get(0),
        email: r.get(1),
        expires_at,
    }))
}

pub(super) async fn delete_session(
    client: &impl GenericClient,
    token_hash: &str,
) -> StoreResult<()> {
    client
        .execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])
        .await
        .map_err(db("deleting the session"))?;
    Ok(())
}

pub(super) async fn delete_sessions_of(
    client: &impl GenericClient,
    email: &str,
    keep: Option<&str>,
) -> StoreResult<u64> {
    client
        .execute(
            "DELETE FROM sessions WHERE lower(email) = $1 AND token_hash IS DISTINCT FROM $2",
            &[&email_key(email), &keep],
        )
        .await
        .map_err(db("ending the user's sessions"))
}

pub(super) async fn append_audit(
    client: &impl GenericClient,
    entry: &AuditEntry,
) -> StoreResult<()> {
    client
        .execute(
            "INSERT INTO audit_log (at, actor, workspace, action, target, detail) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &PgTime(entry.at),
                &text::encode(&entry.actor),
                &entry.workspace.as_ref().map(|w| w.0.as_str()),
                &entry.action,
                &text::encode(&entry.target),
                &text::encode(&entry.detail),
            ],
        )
        .await
        .map_err(db("appending to the audit log"))?;
    Ok(())
}

pub(super) async fn audit_log(
    client: &impl GenericClient,
    query: &AuditQuery,
) -> StoreResult<Vec<AuditRecord>> {
    if query.limit == 0 || query.limit > MAX_AUDIT_PAGE {
        return Err(StoreError::Invalid(format!(
            "an audit page holds 1 to {MAX_AUDIT_PAGE} entries, not {}",
            query.limit
        )));
    }
    // LIKE with an escaped prefix, so `_` and `%` in a filter match only themselves.
    let action_like = query.action_prefix.as_ref().map(|prefix| {
        let escaped = prefix
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("{escaped}%")
    });
    let actor = query
        .actor
        .as_deref()
        .map(|a| text::encode(a).to_lowercase());
    let target = query.target.as_deref().map(text::encode);
    let workspace = query.workspace.as_ref().map(|w| w.0.as_str());
    let limit = query.limit as i64;
    // Only the filters given become conditions, so each one can use its index.
    let mut values: Vec<&(dyn ToSql + Sync)> = Vec::new();
    let mut conditions: Vec<String> = Vec::new();
    if let Some(w) = &workspace {
        values.push(w);
        conditions.push(format!("workspace = ${}", values.len()));
    }
    if let Some(a) = &actor {
        values.push(a);
        conditions.push(format!("lower(actor) = ${}", values.len()));
    }
    if let Some(like) = &action_like {
        values.push(like);
        conditions.push(format!("action LIKE ${} ESCAPE '\\'", values.len()));
    }
    if let Some(target) = &target {
        values.push(target);
        conditions.push(format!("target = ${}", values.len()));
    }
    if let Some(before) = &query.before {
        values.push(before);
        conditions.push(format!("id < ${}", values.len()));
    }
    values.push(&limit);
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT id, at, actor, workspace, action, target, detail FROM audit_log {filter} \
         ORDER BY id DESC LIMIT ${}",
        values.len()
    );
    let failed = db("reading the audit log");
    let rows = client.query(&sql, &values).await.map_err(&failed)?;
    rows.iter()
        .map(|r| {
            let PgTime(at) = r.try_get(1).map_err(&failed)?;
            let workspace: Option<String> = r.get(3);
            Ok(AuditRecord {
                id: r.get(0),
                entry: AuditEntry {
                    at,
                    actor: text::decode(r.get(2)),
                    workspace: workspace.map(WorkspaceId),
                    action: r.get(4),
                    target: text::decode(r.get(5)),
                    detail: text::decode(r.get(6)),
                },
            })
        })
        .collect()
}
