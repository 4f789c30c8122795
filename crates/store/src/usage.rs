//! What an account holds, counted for its plan's quotas in one query.

use crate::{AccountId, Db, StoreError};

/// An account's holdings at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// API keys neither revoked nor expired.
    pub api_keys: i64,
    /// Custom (private) templates.
    pub custom_templates: i64,
    /// Datasets.
    pub datasets: i64,
    /// Files, pending uploads included.
    pub files: i64,
    /// Bytes of datasets and files, pending uploads counted at their announced size.
    pub stored_bytes: i64,
}

/// Usage queries.
#[derive(Debug, Clone)]
pub struct Usages {
    db: Db,
}

impl Db {
    /// Usage counted in this database (or unit of work).
    pub fn usage(&self) -> Usages {
        Usages { db: self.clone() }
    }
}

impl Usages {
    /// What `account` holds at `now` (ms).
    pub async fn of(&self, account: &AccountId, now: i64) -> Result<Usage, StoreError> {
        let (api_keys, custom_templates, datasets, files, stored_bytes): (i64, i64, i64, i64, i64) =
            sqlx::query_as(
                "SELECT \
                 (SELECT COUNT(*) FROM api_keys WHERE account_id = $1 AND revoked_at IS NULL \
                    AND (expires_at IS NULL OR expires_at > $2)), \
                 (SELECT COUNT(*) FROM custom_templates WHERE account_id = $1), \
                 (SELECT COUNT(*) FROM datasets WHERE account_id = $1), \
                 (SELECT COUNT(*) FROM files WHERE account_id = $1), \
                 CAST((SELECT COALESCE(SUM(size_bytes), 0) FROM datasets WHERE account_id = $1) \
                    + (SELECT COALESCE(SUM(size_bytes), 0) FROM files WHERE account_id = $1) \
                    AS BIGINT)",
            )
            .bind(account.as_str())
            .bind(now)
            .fetch_one(&mut *self.db.conn().await?)
            .await?;
        Ok(Usage {
            api_keys,
            custom_templates,
            datasets,
            files,
            stored_bytes,
        })
    }
}
