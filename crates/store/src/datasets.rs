//! Datasets an account uploaded: the file as uploaded (for download) and its parsed table
//! (columns and rows as JSON text, written and read by the `tabular` crate) for previews, warm
//! starts and pool-based campaigns. Every query takes the owner's [`AccountId`].

use domain::datasets::DatasetFormat;
use domain::ids::DatasetId;

use crate::{AccountId, Db, StoreError};

/// A stored dataset without its content.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DatasetInfo {
    /// `ds_…`.
    pub id: DatasetId,
    /// Owner.
    pub account_id: AccountId,
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The uploaded file's format.
    pub format: DatasetFormat,
    /// The uploaded file's name.
    pub filename: String,
    /// Column descriptions (JSON array).
    pub columns: String,
    /// Number of rows.
    pub row_count: i64,
    /// Size of the uploaded file.
    pub size_bytes: i64,
    /// Upload time (ms).
    pub created_at: i64,
}

/// A dataset to store.
#[derive(Debug, Clone)]
pub struct NewDataset<'a> {
    /// Display name.
    pub name: &'a str,
    /// Free text.
    pub description: &'a str,
    /// The uploaded file's format.
    pub format: DatasetFormat,
    /// The uploaded file's name.
    pub filename: &'a str,
    /// Column descriptions (JSON array).
    pub columns: &'a serde_json::Value,
    /// The rows in their stored form (JSON text).
    pub rows: &'a str,
    /// Number of rows.
    pub row_count: i64,
    /// The file as uploaded.
    pub content: &'a str,
}

const COLUMNS: &str =
    "id, account_id, name, description, format, filename, columns, row_count, size_bytes, created_at";

/// Dataset queries.
#[derive(Debug, Clone)]
pub struct Datasets {
    db: Db,
}

impl Db {
    /// The datasets stored in this database.
    pub fn datasets(&self) -> Datasets {
        Datasets { db: self.clone() }
    }
}

impl Datasets {
    /// Stores a dataset for `owner`.
    pub async fn create(
        &self,
        owner: &AccountId,
        new: NewDataset<'_>,
        now: i64,
    ) -> Result<DatasetInfo, StoreError> {
        let id = DatasetId::generate();
        let sql = format!(
            "INSERT INTO datasets (id, account_id, name, description, format, filename, columns, \
             row_count, size_bytes, content, rows_json, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {COLUMNS}"
        );
        Ok(sqlx::query_as(&sql)
            .bind(id.as_str())
            .bind(owner.as_str())
            .bind(new.name)
            .bind(new.description)
            .bind(new.format)
            .bind(new.filename)
            .bind(new.columns.to_string())
            .bind(new.row_count)
            .bind(i64::try_from(new.content.len()).unwrap_or(i64::MAX))
            .bind(new.content)
            .bind(new.rows)
            .bind(now)
            .fetch_one(&mut *self.db.conn().await?)
            .await?)
    }

    /// One of `owner`'s datasets; `NotFound` for anyone else's.
    pub async fn get(&self, owner: &AccountId, id: &DatasetId) -> Result<DatasetInfo, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM datasets WHERE id = $1 AND account_id = $2");
        Ok(sqlx::query_as(&sql)
            .bind(id.as_str())
            .bind(owner.as_str())
            .fetch_one(&mut *self.db.conn().await?)
            .await?)
    }

    /// The rows of one of `owner`'s datasets in their stored form (JSON text).
    pub async fn rows(&self, owner: &AccountId, id: &DatasetId) -> Result<String, StoreError> {
        let (text,): (String,) =
            sqlx::query_as("SELECT rows_json FROM datasets WHERE id = $1 AND account_id = $2")
                .bind(id.as_str())
                .bind(owner.as_str())
                .fetch_one(&mut *self.db.conn().await?)
                .await?;
        Ok(text)
    }

    /// The file of one of `owner`'s datasets, as uploaded.
    pub async fn content(&self, owner: &AccountId, id: &DatasetId) -> Result<String, StoreError> {
        let (text,): (String,) =
            sqlx::query_as("SELECT content FROM datasets WHERE id = $1 AND account_id = $2")
                .bind(id.as_str())
                .bind(owner.as_str())
                .fetch_one(&mut *self.db.conn().await?)
                .await?;
        Ok(text)
    }

    /// A page of `owner`'s datasets and the total. `sort` must be one of the list spec's `sort_fields`.
    pub async fn list(
        &self,
        owner: &AccountId,
        sort: &str,
        descending: bool,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<DatasetInfo>, u64), StoreError> {
        let order =
            crate::error::order_by(domain::datasets::DATASET_LIST.sort_fields, sort, descending)?;
        let sql = format!(
            "SELECT {COLUMNS} FROM datasets WHERE account_id = $1 {order} LIMIT $2 OFFSET $3"
        );
        let rows: Vec<DatasetInfo> = sqlx::query_as(&sql)
            .bind(owner.as_str())
            .bind(i64::from(limit))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(&mut *self.db.conn().await?)
            .await?;
        let (total,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM datasets WHERE account_id = $1")
                .bind(owner.as_str())
                .fetch_one(&mut *self.db.conn().await?)
                .await?;
        Ok((rows, u64::try_from(total).unwrap_or_default()))
    }

    /// Deletes one of `owner`'s datasets; `NotFound` for anyone else's. Campaigns that copied
    /// its rows keep them.
    pub async fn delete(&self, owner: &AccountId, id: &DatasetId) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM datasets WHERE id = $1 AND account_id = $2")
            .bind(id.as_str())
            .bind(owner.as_str())
            .execute(&mut *self.db.conn().await?)
            .await?;
        crate::error::one_row(&done)
    }
}
