//! Browser sessions. The cookie holds a random token; only its SHA-256 is stored, so a copy
//! of the database cannot be used to sign in. A session ends at its absolute expiry, or
//! earlier when it has not been used for the idle limit the caller passes.

use domain::ids::SessionId;

use crate::accounts::{Account, COLUMNS};
use crate::{AccountId, Db, StoreError};

/// Session queries.
#[derive(Debug, Clone)]
pub struct Sessions {
    db: Db,
}

impl Db {
    /// The sessions stored in this database.
    pub fn sessions(&self) -> Sessions {
        Sessions { db: self.clone() }
    }
}

/// A new session.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// SHA-256 (hex) of the cookie's token.
    pub token_hash: &'a str,
    /// Whose it is.
    pub owner: &'a AccountId,
    /// Absolute expiry (ms).
    pub expires_at: i64,
    /// The browser's `User-Agent`, shortened, for the session list.
    pub user_agent: Option<&'a str>,
    /// The address it signed in from, for the session list.
    pub client_address: Option<&'a str>,
}

/// A session as stored (never the token).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Session {
    /// `sess_…`.
    pub id: SessionId,
    /// SHA-256 (hex) of the cookie's token.
    pub token_hash: String,
    /// Signed in at (ms).
    pub created_at: i64,
    /// Absolute expiry (ms).
    pub expires_at: i64,
    /// Last use (ms), updated at most once a minute.
    pub last_seen_at: i64,
    /// The browser's `User-Agent`, shortened.
    pub user_agent: Option<String>,
    /// The address it signed in from.
    pub client_address: Option<String>,
}

const SESSION_COLUMNS: &str =
    "id, token_hash, created_at, expires_at, last_seen_at, user_agent, client_address";

/// How often `last_seen_at` is written at most: a session used many times a minute costs one
/// write a minute.
const TOUCH_EVERY_MS: i64 = 60_000;

impl Sessions {
    /// Stores a session; its id.
    pub async fn create(&self, new: NewSession<'_>, now: i64) -> Result<SessionId, StoreError> {
        let id = SessionId::generate();
        sqlx::query(
            "INSERT INTO sessions (id, token_hash, account_id, created_at, expires_at, \
             last_seen_at, user_agent, client_address) VALUES ($1, $2, $3, $4, $5, $4, $6, $7)",
        )
        .bind(&id)
        .bind(new.token_hash)
        .bind(new.owner.as_str())
        .bind(now)
        .bind(new.expires_at)
        .bind(new.user_agent)
        .bind(new.client_address)
        .execute(&mut *self.db.conn().await?)
        .await?;
        Ok(id)
    }

    /// The account of a live session: not past its absolute expiry and used within `idle_ms`.
    /// Marks the session as used now (at most once a minute), which slides the idle limit.
    pub async fn account(
        &self,
        token_hash: &str,
        now: i64,
        idle_ms: i64,
    ) -> Result<Option<Account>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM accounts WHERE id = (SELECT account_id FROM sessions \
             WHERE token_hash = $1 AND expires_at > $2 AND last_seen_at > $3)"
        );
        let account: Option<Account> = sqlx::query_as(&sql)
            .bind(token_hash)
            .bind(now)
            .bind(now - idle_ms)
            .fetch_optional(&mut *self.db.conn().await?)
            .await?;
        if account.is_some() {
            sqlx::query(
                "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2 AND last_seen_at < $3",
            )
            .bind(now)
            .bind(token_hash)
            .bind(now - TOUCH_EVERY_MS)
            .execute(&mut *self.db.conn().await?)
            .await?;
        }
        Ok(account)
    }

    /// `owner`'s live sessions, most recently used first.
    pub async fn list(
        &self,
        owner: &AccountId,
        now: i64,
        idle_ms: i64,
    ) -> Result<Vec<Session>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE account_id = $1 AND expires_at > $2 \
             AND last_seen_at > $3 ORDER BY last_seen_at DESC, created_at DESC"
        );
        Ok(sqlx::query_as(&sql)
            .bind(owner.as_str())
            .bind(now)
            .bind(now - idle_ms)
            .fetch_all(&mut *self.db.conn().await?)
            .await?)
    }

    /// Ends one session.
    pub async fn delete(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *self.db.conn().await?)
            .await?;
        Ok(())
    }

    /// Ends one of `owner`'s sessions by its id; `NotFound` for another account's.
    pub async fn delete_by_id(&self, owner: &AccountId, id: &SessionId) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE id = $1 AND account_id = $2")
            .bind(id)
            .bind(owner.as_str())
            .execute(&mut *self.db.conn().await?)
            .await?;
        crate::error::one_row(&done)
    }

    /// Deletes sessions past their absolute expiry or idle for longer than `idle_ms`; returns
    /// how many.
    pub async fn purge_expired(&self, now: i64, idle_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(now)
            .bind(now - idle_ms)
            .execute(&mut *self.db.conn().await?)
            .await?;
        Ok(done.rows_affected())
    }

    /// Ends every session of `owner`.
    pub async fn delete_all(&self, owner: &AccountId) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1")
            .bind(owner.as_str())
            .execute(&mut *self.db.conn().await?)
            .await?;
        Ok(done.rows_affected())
    }
}
