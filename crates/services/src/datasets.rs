//! Datasets (SPEC §4.3): CSV or JSON tables an account uploads, checked against an MDL
//! document when they warm-start a campaign or serve as a pool-based campaign's candidates.
//! Parsing (with every size limit, review C3) is the `tabular` crate; the check against a
//! document is [`schema`]. Both are CPU work proportional to the file and run off the async
//! threads.

pub mod schema;

use domain::auth::Scope;
use domain::datasets::{DatasetColumn, DatasetDetail, DatasetFormat, DatasetSummary};
use domain::error::{ErrorCode, ErrorDetail, IssueLevel};
use domain::ids::DatasetId;
use domain::listing::{Direction, ListParams};
use domain::time::rfc3339_from_millis;
use mdl::Mdl;
use serde_json::Value;
use store::datasets::{DatasetInfo, NewDataset};
use store::now_ms;

pub use schema::{check_schema, KeepRows, SchemaCheck, UsableRows};
pub use tabular::{
    detect_format, parse_table, Table, MAX_CELLS, MAX_COLUMNS, MAX_COLUMN_NAME_CHARS,
    MAX_DATASET_BYTES, MAX_HEADER_BYTES, MAX_ROWS,
};

use crate::campaigns::MdlSource;
use crate::error::{Found, Resource};
use crate::{quotas, Caller, ServiceError, Services};

/// Rows shown by `GET /v1/datasets/{id}`.
const PREVIEW_ROWS: usize = 10;

/// An upload: the file and its form fields.
#[derive(Debug, Clone)]
pub struct DatasetUpload<'a> {
    /// Display name (default: the file name).
    pub name: Option<&'a str>,
    /// Free text.
    pub description: Option<&'a str>,
    /// The uploaded file's name.
    pub filename: &'a str,
    /// Its content type, when the client sent one.
    pub content_type: Option<&'a str>,
    /// Its bytes.
    pub bytes: &'a [u8],
    /// A template to check the table against at upload.
    pub template_id: Option<&'a str>,
}

impl Services {
    /// `POST /v1/datasets`: stores a CSV or JSON table. With `template_id`, the table is
    /// checked against that template's MDL first (422 `dataset_schema_mismatch`).
    pub async fn upload_dataset(
        &self,
        caller: &Caller,
        upload: DatasetUpload<'_>,
    ) -> Result<DatasetDetail, ServiceError> {
        caller.require(Scope::DatasetsWrite)?;
        let mut problems = Vec::new();
        let name = upload
            .name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(upload.filename)
            .to_owned();
        if name.is_empty() || name.chars().count() > 128 {
            problems.push(ErrorDetail::new("name", "must be 1 to 128 characters"));
        }
        let description = upload.description.unwrap_or_default().trim().to_owned();
        if description.chars().count() > 1024 {
            problems.push(ErrorDetail::new(
                "description",
                "must be at most 1024 characters",
            ));
        }
        let format = detect_format(upload.filename, upload.content_type);
        if format.is_none() {
            problems.push(
                ErrorDetail::new("file", "must be a .csv or .json file")
                    .with_value(upload.filename),
            );
        }
        if upload.bytes.len() > MAX_DATASET_BYTES {
            problems.push(ErrorDetail::new(
                "file",
                format!("must be at most {MAX_DATASET_BYTES} bytes"),
            ));
        }
        let text = std::str::from_utf8(upload.bytes);
        if text.is_err() {
            problems.push(ErrorDetail::new("file", "must be UTF-8 text"));
        }
        let (Some(format), Ok(text), true) = (format, text, problems.is_empty()) else {
            return Err(ServiceError::Invalid(problems));
        };
        let owned = text.to_owned();
        let (table, rows, preview) = blocking(move || {
            let table = parse_table(format, &owned)?;
            let rows = table.to_json();
            let preview: Vec<Value> = table
                .rows()
                .take(PREVIEW_ROWS)
                .map(|r| Value::Object(r.to_object()))
                .collect();
            Ok((table, rows, preview))
        })
        .await?
        .map_err(ServiceError::Invalid)?;
        let row_count = table.len() as i64;
        let columns = serde_json::to_value(table.columns()).map_err(anyhow::Error::from)?;
        let warnings = match upload.template_id {
            Some(id) => {
                let doc = self.template_document(caller, id).await?;
                let (_, doc, _) = crate::campaigns::parse_mdl(MdlSource::Value(doc), None)
                    .await
                    .map_err(|_| {
                        ServiceError::Internal(anyhow::anyhow!("template {id} has an invalid MDL"))
                    })?;
                let check = blocking(move || check_schema(&doc, &table, KeepRows::No)).await?;
                schema_result(check)?.1
            }
            None => Vec::new(),
        };
        let tx = self.db.begin().await?;
        let size = i64::try_from(text.len()).unwrap_or(i64::MAX);
        self.reserve(
            &tx,
            caller,
            &[(quotas::DATASETS, 1), (quotas::STORED_BYTES, size)],
        )
        .await?;
        let stored = tx
            .datasets()
            .create(
                caller.account(),
                NewDataset {
                    name: &name,
                    description: &description,
                    format,
                    filename: upload.filename,
                    columns: &columns,
                    rows: &rows,
                    row_count,
                    content: text,
                },
                now_ms(),
            )
            .await?;
        tx.commit().await?;
        Ok(DatasetDetail {
            summary: dataset_summary(&stored)?,
            preview,
            warnings,
        })
    }

    /// `GET /v1/datasets`: a page of the caller's datasets.
    pub async fn list_datasets(
        &self,
        caller: &Caller,
        params: &ListParams,
    ) -> Result<(Vec<DatasetSummary>, u64), ServiceError> {
        caller.require(Scope::DatasetsRead)?;
        let (rows, total) = self
            .db
            .datasets()
            .list(
                caller.account(),
                params.sort().field(),
                params.sort().direction() == Direction::Descending,
                params.offset(),
                params.per_page(),
            )
            .await?;
        Ok((
            rows.iter().map(dataset_summary).collect::<Result<_, _>>()?,
            total,
        ))
    }

    /// `GET /v1/datasets/{id}`: one of the caller's datasets with its first rows.
    pub async fn dataset(&self, caller: &Caller, id: &str) -> Result<DatasetDetail, ServiceError> {
        caller.require(Scope::DatasetsRead)?;
        let datasets = self.db.datasets();
        let id = &dataset_id(id)?;
        let info = datasets
            .get(caller.account(), id)
            .await
            .found(Resource::Dataset)?;
        let summary = dataset_summary(&info)?;
        let rows = datasets.rows(caller.account(), id).await?;
        let columns = summary.columns.clone();
        let first = blocking(move || Table::from_json(columns, &rows, PREVIEW_ROWS))
            .await?
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("dataset {id}: {e}")))?;
        Ok(DatasetDetail {
            summary,
            preview: first.rows().map(|r| Value::Object(r.to_object())).collect(),
            warnings: Vec::new(),
        })
    }

    /// `GET /v1/datasets/{id}/download`: the file as uploaded.
    pub async fn dataset_file(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<DatasetFile, ServiceError> {
        caller.require(Scope::DatasetsRead)?;
        let datasets = self.db.datasets();
        let id = &dataset_id(id)?;
        let info = datasets
            .get(caller.account(), id)
            .await
            .found(Resource::Dataset)?;
        let content = datasets.content(caller.account(), id).await?;
        Ok(DatasetFile {
            filename: info.filename,
            format: info.format,
            content,
        })
    }

    /// `DELETE /v1/datasets/{id}`.
    pub async fn delete_dataset(&self, caller: &Caller, id: &str) -> Result<(), ServiceError> {
        caller.require(Scope::DatasetsWrite)?;
        self.db
            .datasets()
            .delete(caller.account(), &dataset_id(id)?)
            .await
            .found(Resource::Dataset)
    }

    /// The usable rows of one of `owner`'s datasets for `doc`, with the flagged rows as
    /// warnings; 422 `dataset_schema_mismatch` when the columns do not fit the document.
    /// `path` names the field that referred to the dataset.
    pub(crate) async fn dataset_rows_for(
        &self,
        owner: &store::AccountId,
        id: &str,
        doc: &Mdl,
        path: &str,
    ) -> Result<UsableRows, ServiceError> {
        let datasets = self.db.datasets();
        let unknown = || {
            ServiceError::invalid(
                ErrorDetail::new(path, "no dataset of this account has this id").with_value(id),
            )
        };
        let parsed = DatasetId::parse(id).ok_or_else(unknown)?;
        let info = datasets.get(owner, &parsed).await.map_err(|e| match e {
            store::StoreError::NotFound => unknown(),
            other => other.into(),
        })?;
        let id = &parsed;
        let columns: Vec<DatasetColumn> = serde_json::from_str(&info.columns)
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("dataset {id} columns: {e}")))?;
        let rows = datasets.rows(owner, id).await?;
        let doc = doc.clone();
        let check = blocking(move || {
            Table::from_json(columns, &rows, usize::MAX)
                .map(|table| check_schema(&doc, &table, KeepRows::Yes))
        })
        .await?
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("dataset {id}: {e}")))?;
        schema_result(check)
    }
}

/// A dataset's file as uploaded.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetFile {
    /// The uploaded file's name.
    pub filename: String,
    /// Its format.
    pub format: DatasetFormat,
    /// Its text.
    pub content: String,
}

/// Runs work proportional to a dataset (parsing, checking) on the blocking pool, not on an
/// async thread.
async fn blocking<R: Send + 'static>(
    work: impl FnOnce() -> R + Send + 'static,
) -> Result<R, ServiceError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ServiceError::Internal(e.into()))
}

/// A dataset id from a path: a malformed one is simply not found.
fn dataset_id(id: &str) -> Result<DatasetId, ServiceError> {
    DatasetId::parse(id).ok_or(ServiceError::NotFound(Resource::Dataset))
}

/// The usable rows and warnings, or 422 `dataset_schema_mismatch` with every column problem
/// (also when no row is usable).
fn schema_result(check: SchemaCheck) -> Result<UsableRows, ServiceError> {
    let mut errors: Vec<ErrorDetail> = check
        .errors
        .into_iter()
        .map(|e| e.with_level(IssueLevel::Error))
        .collect();
    if errors.is_empty() && check.usable == 0 {
        errors.push(
            ErrorDetail::new(
                "rows",
                "no row has every parameter in range and every objective",
            )
            .with_level(IssueLevel::Error),
        );
    }
    if errors.is_empty() {
        Ok((check.rows, check.warnings))
    } else {
        errors.extend(check.warnings);
        Err(ServiceError::ValidationFailed {
            code: ErrorCode::DatasetSchemaMismatch,
            message: "The dataset does not fit the MDL document; see details.".into(),
            details: errors,
        })
    }
}

fn dataset_summary(d: &DatasetInfo) -> Result<DatasetSummary, ServiceError> {
    Ok(DatasetSummary {
        id: d.id.clone(),
        name: d.name.clone(),
        description: d.description.clone(),
        format: d.format,
        filename: d.filename.clone(),
        rows: u32::try_from(d.row_count).unwrap_or(u32::MAX),
        columns: serde_json::from_str(&d.columns).map_err(|e| {
            ServiceError::Internal(anyhow::anyhow!("dataset {} columns: {e}", d.id))
        })?,
        size_bytes: u64::try_from(d.size_bytes).unwrap_or_default(),
        created_at: rfc3339_from_millis(d.created_at),
    })
}
