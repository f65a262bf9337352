//! Users, sessions and the audit log: small tables read one row at a time, apart from the
//! audit log, which is read newest first a page at a time through its indexes.

use jiff::Timestamp;
use omdomme_core::WorkspaceId;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use super::db;
use super::inbox::Conditions;
use crate::{
    AuditEntry, AuditQuery, AuditRecord, MAX_AUDIT_PAGE, Role, SessionRecord, StoreError,
    StoreResult, UiLanguage, UserRecord,
};

const USER_COLUMNS: &str = "email, name, role, password_hash, language";

fn conversion_error(column: usize, message: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, message.into())
}

fn read_user(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserRecord> {
    let role: String = r.get(2)?;
    let language: String = r.get(4)?;
    Ok(UserRecord {
        email: r.get(0)?,
        name: r.get(1)?,
        role: Role::parse(&role)
            .ok_or_else(|| conversion_error(2, format!("unknown role `{role}`")))?,
        password_hash: r.get(3)?,
        language: UiLanguage::parse(&language)
            .ok_or_else(|| conversion_error(4, format!("unknown language `{language}`")))?,
    })
}

fn timestamp(column: usize, micros: i64) -> rusqlite::Result<Timestamp> {
    Timestamp::from_microsecond(micros).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Integer, e.into())
    })
}

pub(super) fn put_user(conn: &Connection, user: &UserRecord) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO users (email, name, role, password_hash, language) \
         VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (email) DO UPDATE SET email = excluded.email, name = excluded.name, \
         role = excluded.role, password_hash = excluded.password_hash, \
         language = excluded.language",
        params![
            user.email,
            user.name,
            user.role.as_str(),
            user.password_hash,
            user.language.as_str()
        ],
    )
    .map_err(db("storing the user"))?;
    Ok(())
}

pub(super) fn user(conn: &Connection, email: &str) -> StoreResult<Option<UserRecord>> {
    conn.prepare_cached(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE email = ?1"
    ))
    .and_then(|mut s| s.query_row([email], read_user).optional())
    .map_err(db("reading the user"))
}

pub(super) fn users(conn: &Connection) -> StoreResult<Vec<UserRecord>> {
    conn.prepare_cached(&format!(
        "SELECT {USER_COLUMNS} FROM users ORDER BY email COLLATE NOCASE"
    ))
    .and_then(|mut s| s.query_map([], read_user)?.collect())
    .map_err(db("listing the users"))
}

pub(super) fn delete_user(conn: &mut Connection, email: &str) -> StoreResult<bool> {
    let tx = conn.transaction().map_err(db("deleting the user"))?;
    tx.execute("DELETE FROM sessions WHERE email = ?1", [email])
        .map_err(db("ending the user's sessions"))?;
    let deleted = tx
        .execute("DELETE FROM users WHERE email = ?1", [email])
        .map_err(db("deleting the user"))?;
    tx.commit().map_err(db("deleting the user"))?;
    Ok(deleted > 0)
}

pub(super) fn put_session(conn: &Connection, session: &SessionRecord) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO sessions (token_hash, email, expires_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (token_hash) DO UPDATE SET email = excluded.email, \
         expires_at = excluded.expires_at",
        params![
            session.token_hash,
            session.email,
            session.expires_at.as_microsecond()
        ],
    )
    .map_err(db("storing the session"))?;
    Ok(())
}

pub(super) fn session(conn: &Connection, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
    conn.prepare_cached("SELECT token_hash, email, expires_at FROM sessions WHERE token_hash = ?1")
        .and_then(|mut s| {
            s.query_row([token_hash], |r| {
                Ok(SessionRecord {
                    token_hash: r.get(0)?,
                    email: r.get(1)?,
                    expires_at: timestamp(2, r.get(2)?)?,
                })
            })
            .optional()
        })
        .map_err(db("reading the session"))
}

pub(super) fn delete_session(conn: &Connection, token_hash: &str) -> StoreResult<()> {
    conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])
        .map_err(db("deleting the session"))?;
    Ok(())
}

pub(super) fn delete_sessions_of(
    conn: &Connection,
    email: &str,
    keep: Option<&str>,
) -> StoreResult<u64> {
    let ended = conn
        .execute(
            "DELETE FROM sessions WHERE email = ?1 AND token_hash IS NOT ?2",
            params![email, keep],
        )
        .map_err(db("ending the user's sessions"))?;
    Ok(ended as u64)
}

pub(super) fn append_audit(conn: &Connection, entry: &AuditEntry) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, actor, workspace, action, target, detail) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut s| {
        s.execute(params![
            entry.at.as_microsecond(),
            entry.actor,
            entry.workspace.as_ref().map(|w| w.0.as_str()),
            entry.action,
            entry.target,
            entry.detail
        ])
    })
    .map_err(db("writing the audit log"))?;
    Ok(())
}

pub(super) fn audit_log(conn: &Connection, query: &AuditQuery) -> StoreResult<Vec<AuditRecord>> {
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
    // Only the filters given become conditions, so each one can use its index
    // (`audit_by_target` for a post's history, `audit_by_workspace`, `audit_by_actor`).
    let mut c = Conditions {
        sql: "SELECT id, at, actor, workspace, action, target, detail FROM audit_log \
              WHERE 1"
            .to_owned(),
        values: Vec::new(),
    };
    if let Some(workspace) = &query.workspace {
        c.and("workspace = ?", [Value::Text(workspace.0.clone())]);
    }
    if let Some(actor) = &query.actor {
        c.and("actor = ? COLLATE NOCASE", [Value::Text(actor.clone())]);
    }
    if let Some(like) = action_like {
        c.and("action LIKE ? ESCAPE '\\'", [Value::Text(like)]);
    }
    if let Some(target) = &query.target {
        c.and("target = ?", [Value::Text(target.clone())]);
    }
    if let Some(before) = query.before {
        c.and("id < ?", [Value::Integer(before)]);
    }
    c.sql.push_str(" ORDER BY id DESC LIMIT ?");
    c.values.push(Value::Integer(query.limit as i64));
    conn.prepare_cached(&c.sql)
        .and_then(|mut s| {
            s.query_map(params_from_iter(c.values.iter()), |r| {
                let workspace: Option<String> = r.get(3)?;
                Ok(AuditRecord {
                    id: r.get(0)?,
                    entry: AuditEntry {
                        at: timestamp(1, r.get(1)?)?,
                        actor: r.get(2)?,
                        workspace: workspace.map(WorkspaceId),
                        action: r.get(4)?,
                        target: r.get(5)?,
                        detail: r.get(6)?,
                    },
                })
            })?
            .collect()
        })
        .map_err(db("reading the audit log"))
}
