//! API keys. Only the SHA-256 of a key is stored; every query about a key that a caller
//! names takes the owner's [`AccountId`].

use domain::auth::{KeyKind, Scope};
use domain::ids::ApiKeyId;

use crate::{AccountId, Db, StoreError};

/// A stored API key.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    /// `key_…`.
    pub id: ApiKeyId,
    /// Owner.
    pub account_id: AccountId,
    /// Label.
    pub name: String,
    /// First characters of the key, for recognition.
    pub prefix: String,
    /// Live, test or CI.
    pub kind: KeyKind,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// CIDR networks the key may be used from; empty = anywhere.
    pub allowed_ips: Vec<String>,
    /// Expiry (ms).
    pub expires_at: Option<i64>,
    /// Last authenticated use (ms).
    pub last_used_at: Option<i64>,
    /// Authenticated requests.
    pub request_count: i64,
    /// Revocation time (ms).
    pub revoked_at: Option<i64>,
    /// Creation time (ms).
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct ApiKeyRow {
    id: ApiKeyId,
    account_id: AccountId,
    name: String,
    prefix: String,
    kind: KeyKind,
    scopes: String,
    allowed_ips: String,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
    request_count: i64,
    revoked_at: Option<i64>,
    created_at: i64,
}

impl TryFrom<ApiKeyRow> for ApiKey {
    type Error = StoreError;

    fn try_from(row: ApiKeyRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str, e: serde_json::Error| {
            StoreError::Corrupt(format!("api key {} {what}: {e}", row.id))
        };
        Ok(ApiKey {
            scopes: serde_json::from_str(&row.scopes).map_err(|e| corrupt("scopes", e))?,
            allowed_ips: serde_json::from_str(&row.allowed_ips)
                .map_err(|e| corrupt("allowed_ips", e))?,
            id: row.id,
            account_id: row.account_id,
            name: row.name,
            prefix: row.prefix,
            kind: row.kind,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
            request_count: row.request_count,
            revoked_at: row.revoked_at,
            created_at: row.created_at,
        })
    }
}

/// A key to store.
#[derive(Debug, Clone)]
pub struct NewApiKey<'a> {
    /// Label.
    pub name: &'a str,
    /// Display prefix.
    pub prefix: &'a str,
    /// Live, test or CI.
    pub kind: KeyKind,
    /// Hex SHA-256 of the full key.
    pub key_hash: &'a str,
    /// What it may do.
    pub scopes: &'a [Scope],
    /// Expiry (ms).
    pub expires_at: Option<i64>,
}

const COLUMNS: &str = "id, account_id, name, prefix, kind, scopes, allowed_ips, expires_at, \
    last_used_at, request_count, revoked_at, created_at";

/// API key queries.
#[derive(Debug, Clone)]
pub struct ApiKeys {
    db: Db,
}

impl Db {
    /// The API keys stored in this database.
    pub fn api_keys(&self) -> ApiKeys {
        ApiKeys { db: self.clone() }
    }
}

impl ApiKeys {
    /// Stores a new key for `owner`.
    pub async fn create(
        &self,
        owner: &AccountId,
        new: NewApiKey<'_>,
        now: i64,
    ) -> Result<ApiKey, StoreError> {
        let id = ApiKeyId::generate();
        let scopes = serde_json::to_string(new.scopes).unwrap_or_else(|_| "[]".into());
        let sql = format!(
            "INSERT INTO api_keys (id, account_id, name, prefix, kind, key_hash, scopes, \
             expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING {COLUMNS}"
        );
        let row: ApiKeyRow = sqlx::query_as(&sql)
            .bind(id.as_str())
            .bind(owner.as_str())
            .bind(new.name)
            .bind(new.prefix)
            .bind(new.kind)
            .bind(new.key_hash)
            .bind(&scopes)
            .bind(new.expires_at)
            .bind(now)
            .fetch_one(&mut *self.db.conn().await?)
            .await?;
        row.try_into()
    }

    /// The key with this hash, whoever owns it (authentication).
    pub async fn find_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE key_hash = $1");
        let row: Option<ApiKeyRow> = sqlx::query_as(&sql)
            .bind(key_hash)
            .fetch_optional(&mut *self.db.conn().await?)
            .await?;
        row.map(ApiKey::try_from).transpose()
    }

    /// One of `owner`'s keys; `NotFound` for anyone else's.
    pub async fn get(&self, owner: &AccountId, id: &ApiKeyId) -> Result<ApiKey, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE id = $1 AND account_id = $2");
        let row: ApiKeyRow = sqlx::query_as(&sql)
            .bind(id.as_str())
            .bind(owner.as_str())
            .fetch_one(&mut *self.db.conn().await?)
            .await?;
        row.try_into()
    }

    /// A page of `owner`'s keys and the total. `sort` must be one of the list spec's `sort_fields`.
    pub async fn list(
        &self,
        owner: &AccountId,
        sort: &str,
        descending: bool,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<ApiKey>, u64), StoreError> {
        let order =
            crate::error::order_by(domain::auth::API_KEY_LIST.sort_fields, sort, descending)?;
        let sql = format!(
            "SELECT {COLUMNS} FROM api_keys WHERE account_id = $1 \
             {order} LIMIT $2 OFFSET $3"
        );
        let rows: Vec<ApiKeyRow> = sqlx::query_as(&sql)
            .bind(owner.as_str())
            .bind(i64::from(limit))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(&mut *self.db.conn().await?)
            .await?;
        let (total,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM api_keys WHERE account_id = $1")
                .bind(owner.as_str())
                .fetch_one(&mut *self.db.conn().await?)
                .await?;
        let keys = rows
            .into_iter()
            .map(ApiKey::try_from)
            .collect::<Result<_, _>>()?;
        Ok((keys, u64::try_from(total).unwrap_or_default()))
    }

    /// Revokes one of `owner`'s keys (idempotent); `NotFound` for anyone else's.
    pub async fn revoke(
        &self,
        owner: &AccountId,
        id: &ApiKeyId,
        now: i64,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) \
             WHERE id = $2 AND account_id = $3",
        )
        .bind(now)
        .bind(id.as_str())
        .bind(owner.as_str())
        .execute(&mut *self.db.conn().await?)
        .await?;
        crate::error::one_row(&done)
    }

    /// Replaces the allowlist and/or the name of one of `owner`'s keys.
    pub async fn update(
        &self,
        owner: &AccountId,
        id: &ApiKeyId,
        allowed_ips: Option<&[String]>,
        name: Option<&str>,
    ) -> Result<ApiKey, StoreError> {
        let ips = allowed_ips.map(|ips| serde_json::to_string(ips).unwrap_or_else(|_| "[]".into()));
        let done = sqlx::query(
            "UPDATE api_keys SET allowed_ips = COALESCE($1, allowed_ips), name = COALESCE($2, name) \
             WHERE id = $3 AND account_id = $4",
        )
        .bind(ips)
        .bind(name)
        .bind(id.as_str())
        .bind(owner.as_str())
        .execute(&mut *self.db.conn().await?)
        .await?;
        crate::error::one_row(&done)?;
        self.get(owner, id).await
    }

    /// Counts one authenticated use of key `id`.
    pub async fn record_use(&self, id: &ApiKeyId, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE api_keys SET last_used_at = $1, request_count = request_count + 1 WHERE id = $2",
        )
        .bind(now)
        .bind(id.as_str())
        .execute(&mut *self.db.conn().await?)
        .await?;
        Ok(())
    }
}
