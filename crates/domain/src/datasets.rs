//! Discover wire types: datasets (SPEC §4.3) — uploaded CSV or JSON tables used to warm-start
//! campaigns or as the pool a pool-based campaign chooses from.

use serde::{Deserialize, Serialize};

use crate::error::ErrorDetail;

/// A column of a dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DatasetColumn {
    /// The header (CSV) or key (JSON).
    pub name: String,
    /// `number` when every non-empty value is a finite number, otherwise `text`.
    pub kind: String,
    /// Rows with no value in this column.
    pub empty: u32,
}

/// A dataset as `GET /v1/datasets` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DatasetSummary {
    /// `ds_…`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// `csv` or `json`.
    pub format: String,
    /// The uploaded file's name.
    pub filename: String,
    /// Number of rows.
    pub rows: u32,
    /// The columns, in file order.
    pub columns: Vec<DatasetColumn>,
    /// Size of the uploaded file.
    pub size_bytes: u64,
    /// Upload time (RFC 3339).
    pub created_at: String,
}

/// One dataset with its first rows, and (after an upload checked against a template) what
/// the check found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DatasetDetail {
    /// The summary fields.
    #[serde(flatten)]
    pub summary: DatasetSummary,
    /// The first 10 rows, as objects keyed by column.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub preview: Vec<serde_json::Value>,
    /// Rows the schema check flagged (out of bounds, empty objectives), when one ran.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ErrorDetail>,
}
