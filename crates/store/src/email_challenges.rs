//! One-time secrets mailed to an account's address: connect codes, email-verification links
//! and set-password links. Only the SHA-256 of the secret is stored; a challenge is live until
//! it expires, is used once, or runs out of attempts.

use domain::auth::ChallengePurpose;
use domain::ids::ChallengeId;

use crate::{AccountId, Db, StoreError};

/// Challenge queries.
#[derive(Debug, Clone)]
pub struct EmailChallenges {
    db: Db,
}

impl Db {
    /// The email challenges stored in this database.
    pub fn email_challenges(&self) -> EmailChallenges {
        EmailChallenges { db: self.clone() }
    }
}

/// A new challenge.
#[derive(Debug, Clone)]
pub struct NewChallenge<'a> {
    /// Whose address it was mailed to.
    pub account_id: &'a AccountId,
    /// What it proves.
    pub purpose: ChallengePurpose,
    /// SHA-256 (hex) of the mailed secret.
    pub secret_hash: &'a str,
    /// Wrong answers allowed before it is dead.
    pub max_attempts: i64,
    /// Dead after this time (ms).
    pub expires_at: i64,
}

/// A stored challenge.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Challenge {
    /// `chal_…`.
    pub id: ChallengeId,
    /// Whose address it was mailed to.
    pub account_id: AccountId,
    /// What it proves.
    pub purpose: ChallengePurpose,
    /// SHA-256 (hex) of the mailed secret.
    pub secret_hash: String,
    /// Answers checked so far (right or wrong).
    pub attempts: i64,
    /// Answers allowed.
    pub max_attempts: i64,
    /// Dead after this time (ms).
    pub expires_at: i64,
    /// When it was used, if it was.
    pub used_at: Option<i64>,
    /// Mailed at (ms).
    pub created_at: i64,
}

const COLUMNS: &str = "id, account_id, purpose, secret_hash, attempts, max_attempts, expires_at, \
     used_at, created_at";

/// A live challenge: unused, unexpired, with attempts left (`$N` is `now`).
fn live(now: &str) -> String {
    format!("used_at IS NULL AND expires_at > {now} AND attempts < max_attempts")
}

impl EmailChallenges {
    /// Stores a challenge.
    pub async fn create(&self, new: NewChallenge<'_>, now: i64) -> Result<Challenge, StoreError> {
        let sql = format!(
            "INSERT INTO email_challenges (id, account_id, purpose, secret_hash, max_attempts, \
             expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
        );
        Ok(sqlx::query_as(&sql)
            .bind(ChallengeId::generate())
            .bind(new.account_id.as_str())
            .bind(new.purpose)
            .bind(new.secret_hash)
            .bind(new.max_attempts)
            .bind(new.expires_at)
            .bind(now)
            .fetch_one(&mut *self.db.conn().await?)
            .await?)
    }

    /// The newest live challenge of `account` for `purpose`.
    pub async fn latest_live(
        &self,
        account: &AccountId,
        purpose: ChallengePurpose,
        now: i64,
    ) -> Result<Option<Challenge>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM email_challenges WHERE account_id = $1 AND purpose = $2 AND {} \
             ORDER BY created_at DESC, id DESC LIMIT 1",
            live("$3")
        );
        Ok(sqlx::query_as(&sql)
            .bind(account.as_str())
            .bind(purpose)
            .bind(now)
            .fetch_optional(&mut *self.db.conn().await?)
            .await?)
    }

    /// How many challenges for `purpose` were mailed to `account` since `since` (ms): the
    /// brake on how often one address can be mailed.
    pub async fn count_since(
        &self,
        account: &AccountId,
        purpose: ChallengePurpose,
        since: i64,
    ) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM email_challenges WHERE account_id = $1 AND purpose = $2 \
             AND created_at > $3",
        )
        .bind(account.as_str())
        .bind(purpose)
        .bind(since)
        .fetch_one(&mut *self.db.conn().await?)
        .await?;
        Ok(n)
    }

    /// Counts one answer against a live challenge and returns it as it is now (attempts
    /// included); `None` when it is not live. Counting first, in one statement, means
    /// parallel guesses cannot get more tries than allowed.
    pub async fn attempt(
        &self,
        id: &ChallengeId,
        now: i64,
    ) -> Result<Option<Challenge>, StoreError> {
        let sql = format!(
            "UPDATE email_challenges SET attempts = attempts + 1 WHERE id = $1 AND {} \
             RETURNING {COLUMNS}",
            live("$2")
        );
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .bind(now)
            .fetch_optional(&mut *self.db.conn().await?)
            .await?)
    }

    /// Uses a challenge up. `false` when another request used it first (or it expired).
    pub async fn consume(&self, id: &ChallengeId, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE email_challenges SET used_at = $2 WHERE id = $1 AND used_at IS NULL \
             AND expires_at > $2",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *self.db.conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// One challenge, live or not.
    pub async fn get(&self, id: &ChallengeId) -> Result<Option<Challenge>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM email_challenges WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.db.conn().await?)
            .await?)
    }

    /// Ends every live challenge of `account` for `purpose` (a newer one replaces them, or
    /// what they proved has happened).
    pub async fn retire(
        &self,
        account: &AccountId,
        purpose: ChallengePurpose,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE email_challenges SET used_at = $3 WHERE account_id = $1 AND purpose = $2 \
             AND used_at IS NULL",
        )
        .bind(account.as_str())
        .bind(purpose)
        .bind(now)
        .execute(&mut *self.db.conn().await?)
        .await?;
        Ok(())
    }

    /// Deletes challenges that ended before `before` (ms); returns how many.
    pub async fn purge(&self, before: i64) -> Result<u64, StoreError> {
        let done =
            sqlx::query("DELETE FROM email_challenges WHERE expires_at < $1 OR used_at < $1")
                .bind(before)
                .execute(&mut *self.db.conn().await?)
                .await?;
        Ok(done.rows_affected())
    }
}
