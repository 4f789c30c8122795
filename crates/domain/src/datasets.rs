//! Discover wire types: datasets (SPEC §4.3) — uploaded CSV or JSON tables used to warm-start
//! campaigns or as the pool a pool-based campaign chooses from.

use serde::{Deserialize, Serialize};

use crate::error::ErrorDetail;
use crate::ids::DatasetId;
use crate::listing::ListSpec;
use crate::vocabulary::closed_set;

closed_set! {
    /// What a dataset column holds.
    pub enum ColumnKind("column kind") {
        /// Every non-empty value is a finite number.
        Number = "number",
        /// Anything else: some non-empty value is not a finite number.
        Text = "text",
    }
}

closed_set! {
    /// The file format a dataset was uploaded in.
    pub enum DatasetFormat("dataset format") {
        /// Comma-separated values with a header row.
        Csv = "csv",
        /// A JSON array of objects.
        Json = "json",
    }
}

/// What `GET /v1/datasets` accepts: paging and `sort` by `created_at` (default, newest first),
/// `name`, `row_count` or `size_bytes`.
pub const DATASET_LIST: ListSpec = ListSpec {
    sort_fields: &["created_at", "name", "row_count", "size_bytes"],
    default_sort: "-created_at",
    filters: &[],
};

/// A column of a dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DatasetColumn {
    /// The header (CSV) or key (JSON).
    pub name: String,
    /// `number` when every non-empty value is a finite number, otherwise `text`.
    pub kind: ColumnKind,
    /// Rows with no value in this column.
    pub empty: u32,
}

/// A dataset as `GET /v1/datasets` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DatasetSummary {
    /// `ds_…`.
    pub id: DatasetId,
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The uploaded file's format.
    pub format: DatasetFormat,
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
