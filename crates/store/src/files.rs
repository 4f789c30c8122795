//! Uploaded parts (Make family). Every owner-facing query takes the owner's [`AccountId`];
//! the upload and analysis steps, which act for a signed URL or a job, take the file id alone.

use domain::files::{ConfirmedBy, FileStatus, LengthUnit};
use domain::ids::FileId;

use crate::{AccountId, Db, StoreError};

/// A stored file.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct FileRow {
    /// UUID.
    pub id: FileId,
    /// Owner.
    pub account_id: AccountId,
    /// The name the client gave.
    pub filename: String,
    /// The content type the upload must carry.
    pub content_type: String,
    /// The exact size the upload must have.
    pub size_bytes: i64,
    /// Where it is.
    pub status: FileStatus,
    /// Where the bytes are in object storage.
    pub storage_key: String,
    /// The random part of the upload URL; empty once the upload is complete.
    pub upload_nonce: String,
    /// When the upload URL stops working (ms).
    pub upload_expires_at: i64,
    /// An upload in progress since (ms).
    pub upload_started_at: Option<i64>,
    /// When the bytes arrived (ms).
    pub uploaded_at: Option<i64>,
    /// The unit-free analysis (JSON), once analysed.
    pub analysis_json: Option<String>,
    /// SPEC §6 metrics (JSON), or `{"error": ...}` when the analysis failed.
    pub metrics_json: Option<String>,
    /// The unit chosen through `/unit`, if any.
    pub selected_unit: Option<LengthUnit>,
    /// Who chose it.
    pub unit_confirmed_by: Option<ConfirmedBy>,
    /// Creation (ms).
    pub created_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
}

/// A file to register before its upload.
#[derive(Debug, Clone)]
pub struct NewFile<'a> {
    /// UUID (also part of the storage key).
    pub id: &'a FileId,
    /// The client's name for it.
    pub filename: &'a str,
    /// The content type the upload must carry.
    pub content_type: &'a str,
    /// The exact size the upload must have.
    pub size_bytes: i64,
    /// Where the bytes will be stored.
    pub storage_key: &'a str,
    /// The random part of the upload URL.
    pub upload_nonce: &'a str,
    /// When the upload URL stops working (ms).
    pub upload_expires_at: i64,
}

/// How long an upload may hold its claim before another attempt may take over (ms).
pub const UPLOAD_CLAIM_MS: i64 = 10 * 60 * 1000;

const COLUMNS: &str = "id, account_id, filename, content_type, size_bytes, status, storage_key, \
    upload_nonce, upload_expires_at, upload_started_at, uploaded_at, analysis_json, metrics_json, \
    selected_unit, unit_confirmed_by, created_at, updated_at";

/// File queries.
#[derive(Debug, Clone)]
pub struct Files {
    db: Db,
}

impl Db {
    /// The files stored in this database.
    pub fn files(&self) -> Files {
        Files { db: self.clone() }
    }
}

impl Files {
    /// Registers a file awaiting its upload.
    pub async fn create(
        &self,
        owner: &AccountId,
        new: NewFile<'_>,
        now: i64,
    ) -> Result<FileRow, StoreError> {
        let sql = format!(
            "INSERT INTO files (id, account_id, filename, content_type, size_bytes, storage_key, \
             upload_nonce, upload_expires_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING {COLUMNS}"
        );
        Ok(sqlx::query_as(&sql)
            .bind(new.id.as_str())
            .bind(owner.as_str())
            .bind(new.filename)
            .bind(new.content_type)
            .bind(new.size_bytes)
            .bind(new.storage_key)
            .bind(new.upload_nonce)
            .bind(new.upload_expires_at)
            .bind(now)
            .fetch_one(&mut *self.db.conn().await?)
            .await?)
    }

    /// One of `owner`'s files; `NotFound` for anyone else's.
    pub async fn get(&self, owner: &AccountId, id: &FileId) -> Result<FileRow, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM files WHERE id = $1 AND account_id = $2");
        Ok(sqlx::query_as(&sql)
            .bind(id.as_str())
            .bind(owner.as_str())
            .fetch_one(&mut *self.db.conn().await?)
            .await?)
    }

    /// A file by id alone, for its signed upload URL and its analysis job.
    pub async fn get_any(&self, id: &FileId) -> Result<FileRow, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM files WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id.as_str())
            .fetch_one(&mut *self.db.conn().await?)
            .await?)
    }

    /// `owner`'s files, newest first, and the total.
    pub async fn list(
        &self,
        owner: &AccountId,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<FileRow>, u64), StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM files WHERE account_id = $1 \
             ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
        );
        let rows = sqlx::query_as(&sql)
            .bind(owner.as_str())
            .bind(i64::from(limit))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(&mut *self.db.conn().await?)
            .await?;
        let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM files WHERE account_id = $1")
            .bind(owner.as_str())
            .fetch_one(&mut *self.db.conn().await?)
            .await?;
        Ok((rows, u64::try_from(total).unwrap_or_default()))
    }

    /// Claims the upload for one request: true when `nonce` matches, the URL has not
    /// expired, no upload completed and none is in progress (or the one in progress is older
    /// than [`UPLOAD_CLAIM_MS`]).
    pub async fn claim_upload(
        &self,
        id: &FileId,
        nonce: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE files SET upload_started_at = $1, updated_at = $1 \
             WHERE id = $2 AND upload_nonce = $3 AND upload_nonce <> '' \
             AND status = $4 AND uploaded_at IS NULL AND upload_expires_at >= $1 \
             AND (upload_started_at IS NULL OR upload_started_at < $5)",
        )
        .bind(now)
        .bind(id.as_str())
        .bind(nonce)
        .bind(FileStatus::PendingUpload)
        .bind(now - UPLOAD_CLAIM_MS)
        .execute(&mut *self.db.conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives a failed upload's claim back, so the URL can be used again until it expires.
    pub async fn release_upload(&self, id: &FileId, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE files SET upload_started_at = NULL, updated_at = $1 \
             WHERE id = $2 AND uploaded_at IS NULL",
        )
        .bind(now)
        .bind(id.as_str())
        .execute(&mut *self.db.conn().await?)
        .await?;
        Ok(())
    }

    /// Records a complete upload; the URL never works again.
    pub async fn finish_upload(&self, id: &FileId, now: i64) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE files SET uploaded_at = $1, upload_nonce = '', upload_started_at = NULL, \
             updated_at = $1 WHERE id = $2 AND uploaded_at IS NULL",
        )
        .bind(now)
        .bind(id.as_str())
        .execute(&mut *self.db.conn().await?)
        .await?;
        crate::error::one_row(&done)
    }

    /// Moves one of `owner`'s uploaded files to `processing`; false when it is not an
    /// uploaded `pending_upload` file.
    pub async fn confirm(
        &self,
        owner: &AccountId,
        id: &FileId,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE files SET status = $1, updated_at = $2 \
             WHERE id = $3 AND account_id = $4 AND status = $5 AND uploaded_at IS NOT NULL",
        )
        .bind(FileStatus::Processing)
        .bind(now)
        .bind(id.as_str())
        .bind(owner.as_str())
        .bind(FileStatus::PendingUpload)
        .execute(&mut *self.db.conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends the analysis: `ready` with the analysis and metrics, or `failed` with
    /// `{"error": ...}` as metrics. Only a `processing` file changes.
    pub async fn finish_analysis(
        &self,
        id: &FileId,
        outcome: FileStatus,
        analysis_json: Option<&str>,
        metrics_json: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE files SET status = $1, analysis_json = $2, metrics_json = $3, updated_at = $4 \
             WHERE id = $5 AND status = $6",
        )
        .bind(outcome)
        .bind(analysis_json)
        .bind(metrics_json)
        .bind(now)
        .bind(id.as_str())
        .bind(FileStatus::Processing)
        .execute(&mut *self.db.conn().await?)
        .await?;
        Ok(())
    }

    /// Deletes one of `owner`'s files; `NotFound` for anyone else's (its stored object is the
    /// caller's to remove).
    pub async fn delete(&self, owner: &AccountId, id: &FileId) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM files WHERE id = $1 AND account_id = $2")
            .bind(id.as_str())
            .bind(owner.as_str())
            .execute(&mut *self.db.conn().await?)
            .await?;
        crate::error::one_row(&done)
    }

    /// Up to `limit` files whose upload URL expired before `before` (ms) without the bytes
    /// arriving, oldest first: presigns nobody used, and uploads that failed for good.
    pub async fn abandoned_uploads(
        &self,
        before: i64,
        limit: u32,
    ) -> Result<Vec<FileRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM files WHERE status = $1 AND uploaded_at IS NULL \
             AND upload_expires_at < $2 ORDER BY upload_expires_at, id LIMIT $3"
        );
        Ok(sqlx::query_as(&sql)
            .bind(FileStatus::PendingUpload)
            .bind(before)
            .bind(i64::from(limit))
            .fetch_all(&mut *self.db.conn().await?)
            .await?)
    }

    /// Deletes an abandoned upload's row (see [`Files::abandoned_uploads`]); false when it is
    /// gone already or its bytes arrived after all.
    pub async fn delete_abandoned(&self, id: &FileId, before: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "DELETE FROM files WHERE id = $1 AND status = $2 AND uploaded_at IS NULL \
             AND upload_expires_at < $3",
        )
        .bind(id.as_str())
        .bind(FileStatus::PendingUpload)
        .bind(before)
        .execute(&mut *self.db.conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stores a chosen unit and the metrics recomputed in it for one of `owner`'s files.
    pub async fn set_unit(
        &self,
        owner: &AccountId,
        id: &FileId,
        unit: LengthUnit,
        confirmed_by: ConfirmedBy,
        metrics_json: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE files SET selected_unit = $1, unit_confirmed_by = $2, metrics_json = $3, \
             updated_at = $4 WHERE id = $5 AND account_id = $6 AND status = $7",
        )
        .bind(unit)
        .bind(confirmed_by)
        .bind(metrics_json)
        .bind(now)
        .bind(id.as_str())
        .bind(owner.as_str())
        .bind(FileStatus::Ready)
        .execute(&mut *self.db.conn().await?)
        .await?;
        crate::error::one_row(&done)
    }
}
