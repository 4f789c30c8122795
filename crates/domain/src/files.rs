//! Make wire types: the catalog and uploaded parts (SPEC §6). The Make family answers with
//! bare JSON objects (no envelope).

use serde::{Deserialize, Serialize};

/// `POST /v1/files/presign`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PresignRequest {
    /// The part's file name; must end in `.stl`.
    pub filename: String,
    /// `model/stl`, `application/sla`, `application/vnd.ms-pki.stl` or
    /// `application/octet-stream`; the upload must carry the same.
    pub content_type: String,
    /// The exact number of bytes that will be uploaded (at most the limit, 100 MB by default).
    pub size_bytes: u64,
}

/// Where and how to upload a presigned file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PresignResponse {
    /// The new file's id (UUID).
    pub file_id: String,
    /// `PUT` the bytes here, once, before `expires_at`.
    pub upload_url: String,
    /// Headers the upload must carry (`Content-Type`, `Content-Length`).
    pub required_headers: std::collections::BTreeMap<String, String>,
    /// When the upload URL stops working (RFC 3339).
    pub expires_at: String,
    /// `upload_file_then_confirm`.
    pub next_action: String,
}

/// `POST /v1/files/confirm`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    /// The uploaded file.
    pub file_id: String,
}

/// A file as `GET /v1/files/{id}` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileView {
    /// UUID.
    pub id: String,
    /// The client's name for it.
    pub filename: String,
    /// Its size.
    pub size_bytes: u64,
    /// `pending_upload`, `processing`, `ready` or `failed`.
    pub status: String,
    /// SPEC §6 metrics once `ready`; `{"error": reason}` when `failed`; null before.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub metrics_json: Option<serde_json::Value>,
    /// The unit chosen through `/unit`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_unit: Option<String>,
    /// Who chose it: `agent` or `user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_confirmed_by: Option<String>,
    /// Creation (RFC 3339).
    pub created_at: String,
}

/// `GET /v1/files`: the account's files, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileList {
    /// The files.
    pub files: Vec<FileView>,
    /// How many the account has.
    pub total: u64,
}

/// `POST /v1/files/{id}/unit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UnitRequest {
    /// `mm`, `cm` or `in`.
    pub selected_unit: String,
    /// `agent` or `user` (a user's choice makes the confidence 1.0).
    pub confirmed_by: String,
}

/// One process and material of the catalog; prices in CNY, as the seed gives them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogItem {
    /// Material id, e.g. `sla_white`.
    pub id: String,
    /// `SLA`, `SLS`, `SLM` or `FDM`.
    pub process: String,
    /// Display name.
    pub material: String,
    /// Density in g/cm³.
    pub density_g_cm3: f64,
    /// Price per gram of printed part in yuan (CNY major units), e.g. `0.3`.
    pub base_rate_per_g: f64,
    /// The smallest charge for an order line, in fen.
    pub minimum_fee_cents: i64,
    /// Fastest lead time in days.
    pub lead_time_min_days: u32,
    /// Slowest lead time in days.
    pub lead_time_max_days: u32,
}

/// `GET /v1/catalog`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Catalog {
    /// Every process and material.
    pub items: Vec<CatalogItem>,
    /// What a quote needs from the user.
    pub required_user_inputs: Vec<String>,
    /// `agent_assisted`, `agent_autonomous`, `human_manual`.
    pub supported_execution_modes: Vec<String>,
}
