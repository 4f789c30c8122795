//! Accounts: people and agents that own everything else. The [`Account`] row carries the
//! password hash: it stays in `store` and `services`; pages and the API get view types.

use domain::auth::{Plan, Role};
pub use domain::ids::AccountId;

use crate::{Db, StoreError};

/// An Argon2id PHC string. Not `Serialize`, and its `Debug` does not show it.
#[derive(Clone, PartialEq, Eq, sqlx::Type)]
#[sqlx(transparent)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a hash just computed.
    pub fn new(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC string, to verify a password against.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(…)")
    }
}

/// A stored account.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Account {
    /// UUID.
    pub id: AccountId,
    /// As typed at sign-up.
    pub email: String,
    /// Lower-cased; unique.
    pub email_normalized: String,
    /// Display name.
    pub name: String,
    /// Argon2id PHC string, for accounts that can sign in with a password.
    pub password_hash: Option<PasswordHash>,
    /// Rate-limit tier.
    pub plan: Plan,
    /// What it may do beyond its own resources.
    pub role: Role,
    /// Creation time (ms).
    pub created_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
    /// When the owner proved control of the email (a mailed link or code), if ever.
    pub email_verified_at: Option<i64>,
    /// When the owner turned `/v1/connect` off for this account, if they did.
    pub connect_disabled_at: Option<i64>,
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
    pub password_hash: Option<&'a PasswordHash>,
    /// Set when the email is known to be the owner's already (the demo account).
    pub email_verified_at: Option<i64>,
}

pub(crate) const COLUMNS: &str = "id, email, email_normalized, name, password_hash, plan, role, \
     created_at, updated_at, email_verified_at, connect_disabled_at";

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
        self.create_if_absent(new, now)
            .await?
            .ok_or_else(|| StoreError::Conflict("accounts.email_normalized".into()))
    }

    /// Creates an account unless its normalised email is taken (then `None`). Unlike
    /// [`Accounts::create`], a taken email is not an error, so this is safe inside a unit of
    /// work: on PostgreSQL a failed statement would abort the whole transaction.
    pub async fn create_if_absent(
        &self,
        new: NewAccount<'_>,
        now: i64,
    ) -> Result<Option<Account>, StoreError> {
        let id = AccountId::generate();
        let sql = format!(
            "INSERT INTO accounts (id, email, email_normalized, name, password_hash, created_at, \
             updated_at, email_verified_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $7) \
             ON CONFLICT (email_normalized) DO NOTHING RETURNING {COLUMNS}"
        );
        Ok(sqlx::query_as(&sql)
            .bind(&id)
            .bind(new.email)
            .bind(new.email_normalized)
            .bind(new.name)
            .bind(new.password_hash.map(PasswordHash::expose))
            .bind(now)
            .bind(new.email_verified_at)
            .fetch_optional(&mut *self.db.conn().await?)
            .await?)
    }

    /// The account with this normalised email, if any.
    pub async fn find_by_email(&self, normalized: &str) -> Result<Option<Account>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM accounts WHERE email_normalized = $1");
        Ok(sqlx::query_as(&sql)
            .bind(normalized)
            .fetch_optional(&mut *self.db.conn().await?)
            .await?)
    }

    /// One account.
    pub async fn get(&self, id: &AccountId) -> Result<Account, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id.as_str())
            .fetch_one(&mut *self.db.conn().await?)
            .await?)
    }

    /// Sets the password hash (for an account created over the API that later signs up).
    pub async fn set_password_hash(
        &self,
        id: &AccountId,
        hash: &PasswordHash,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE accounts SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(hash.expose())
            .bind(now)
            .bind(id.as_str())
            .execute(&mut *self.db.conn().await?)
            .await?;
        Ok(())
    }

    /// Records that the owner proved control of the email (first time only).
    pub async fn mark_email_verified(&self, id: &AccountId, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE accounts SET email_verified_at = COALESCE(email_verified_at, $1), \
             updated_at = $1 WHERE id = $2",
        )
        .bind(now)
        .bind(id.as_str())
        .execute(&mut *self.db.conn().await?)
        .await?;
        Ok(())
    }

    /// Turns `/v1/connect` on or off for the account.
    pub async fn set_connect_enabled(
        &self,
        id: &AccountId,
        enabled: bool,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE accounts SET connect_disabled_at = $1, updated_at = $2 WHERE id = $3")
            .bind((!enabled).then_some(now))
            .bind(now)
            .bind(id.as_str())
            .execute(&mut *self.db.conn().await?)
            .await?;
        Ok(())
    }

    /// Changes the plan (rate-limit tier).
    pub async fn set_plan(&self, id: &AccountId, plan: Plan, now: i64) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE accounts SET plan = $1, updated_at = $2 WHERE id = $3")
            .bind(plan)
            .bind(now)
            .bind(id.as_str())
            .execute(&mut *self.db.conn().await?)
            .await?;
        crate::error::one_row(&done)
    }

    /// Changes the role (`operator` sees the platform's queues and the operator console).
    pub async fn set_role(&self, id: &AccountId, role: Role, now: i64) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE accounts SET role = $1, updated_at = $2 WHERE id = $3")
            .bind(role)
            .bind(now)
            .bind(id.as_str())
            .execute(&mut *self.db.conn().await?)
            .await?;
        crate::error::one_row(&done)
    }

    /// Locks the account's row for the rest of the unit of work, so that checks of its quotas
    /// and the writes they guard are not raced by another request of the same account (on
    /// SQLite the write also takes the database's write lock at once).
    pub async fn lock(&self, id: &AccountId) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE accounts SET updated_at = updated_at WHERE id = $1")
            .bind(id.as_str())
            .execute(&mut *self.db.conn().await?)
            .await?;
        crate::error::one_row(&done)
    }

    /// Number of accounts.
    pub async fn count(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM accounts")
            .fetch_one(&mut *self.db.conn().await?)
            .await?;
        Ok(n)
    }
}
