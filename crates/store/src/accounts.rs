//! Accounts: people and agents that own everything else.

use std::fmt;

use crate::{Db, StoreError};

/// An account's id. Repository methods that touch an account's resources take one, so every
/// such query is scoped to its owner: another account's row is simply not found.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountId(String);

impl AccountId {
    /// Wraps an id read from a trusted place (the database, a verified credential).
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stored account.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Account {
    /// UUID.
    pub id: String,
    /// As typed at sign-up.
    pub email: String,
    /// Lower-cased; unique.
    pub email_normalized: String,
    /// Display name.
    pub name: String,
    /// Argon2id PHC string, for accounts that can sign in with a password.
    pub password_hash: Option<String>,
    /// `free`, `pro` or `scale` (rate-limit tier).
    pub plan: String,
    /// `user` or `operator`.
    pub role: String,
    /// Creation time (ms).
    pub created_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
}

impl Account {
    /// This account's id.
    pub fn account_id(&self) -> AccountId {
        AccountId(self.id.clone())
    }
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    /// As typed.
    pub email: &'a str,
    /// Lower-cased.
    pub email_normalized: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Argon2id hash, when a password was chosen.
    pub password_hash: Option<&'a str>,
}

const COLUMNS: &str =
    "id, email, email_normalized, name, password_hash, plan, role, created_at, updated_at";

/// Account queries.
#[derive(Debug, Clone)]
pub struct Accounts {
    db: Db,
}

impl Db {
    /// The accounts stored in this database.
    pub fn accounts(&self) -> Accounts {
        Accounts { db: self.clone() }
    }
}

impl Accounts {
    /// Creates an account; `Conflict` when the normalised email is taken.
    pub async fn create(&self, new: NewAccount<'_>, now: i64) -> Result<Account, StoreError> {
        let id = crate::ids::new_uuid();
        let sql = format!(
            "INSERT INTO accounts (id, email, email_normalized, name, password_hash, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING {COLUMNS}"
        );
        Ok(sqlx::query_as(&sql)
            .bind(&id)
            .bind(new.email)
            .bind(new.email_normalized)
            .bind(new.name)
            .bind(new.password_hash)
            .bind(now)
            .fetch_one(self.db.pool())
            .await?)
    }

    /// The account with this normalised email, if any.
    pub async fn find_by_email(&self, normalized: &str) -> Result<Option<Account>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM accounts WHERE email_normalized = $1");
        Ok(sqlx::query_as(&sql)
            .bind(normalized)
            .fetch_optional(self.db.pool())
            .await?)
    }

    /// One account.
    pub async fn get(&self, id: &AccountId) -> Result<Account, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id.as_str())
            .fetch_one(self.db.pool())
            .await?)
    }

    /// Sets the password hash (for an account created over the API that later signs up).
    pub async fn set_password_hash(
        &self,
        id: &AccountId,
        hash: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE accounts SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(hash)
            .bind(now)
            .bind(id.as_str())
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    /// Changes the plan (rate-limit tier).
    pub async fn set_plan(&self, id: &AccountId, plan: &str, now: i64) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE accounts SET plan = $1, updated_at = $2 WHERE id = $3")
            .bind(plan)
            .bind(now)
            .bind(id.as_str())
            .execute(self.db.pool())
            .await?;
        crate::error::one_row(&done)
    }

    /// Number of accounts.
    pub async fn count(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM accounts")
            .fetch_one(self.db.pool())
            .await?;
        Ok(n)
    }
}
