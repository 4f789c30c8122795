//! Browser sessions. The cookie holds a random token; only its SHA-256 is stored, so a copy
//! of the database cannot be used to sign in.

use crate::accounts::Account;
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

impl Sessions {
    /// Stores a session for `owner` until `expires_at` (ms).
    pub async fn create(
        &self,
        token_hash: &str,
        owner: &AccountId,
        expires_at: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, created_at, expires_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $3)",
        )
        .bind(token_hash)
        .bind(owner.as_str())
        .bind(now)
        .bind(expires_at)
        .execute(&mut *self.db.conn().await?)
        .await?;
        Ok(())
    }

    /// The account of a live session.
    pub async fn account(&self, token_hash: &str, now: i64) -> Result<Option<Account>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT a.id, a.email, a.email_normalized, a.name, a.password_hash, a.plan, a.role, \
             a.created_at, a.updated_at FROM sessions s JOIN accounts a ON a.id = s.account_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&mut *self.db.conn().await?)
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

    /// Deletes sessions that expired before `now` (ms); returns how many.
    pub async fn purge_expired(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
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
