//! Make wire types: the catalog and uploaded parts (SPEC §6). The Make family answers with
//! bare JSON objects (no envelope).

use serde::{Deserialize, Serialize};

use crate::ids::FileId;
use crate::vocabulary::closed_set;

closed_set! {
    /// Where an uploaded part is: `pending_upload → processing → ready | failed`.
    pub enum FileStatus("file status") {
        /// Presigned; the bytes have not arrived (or not been confirmed).
        PendingUpload = "pending_upload",
        /// Confirmed; the analysis is queued or running.
        Processing = "processing",
        /// Analysed: `metrics_json` holds the metrics; it can be quoted.
        Ready = "ready",
        /// The analysis failed: `metrics_json` holds `{"error": reason}`.
        Failed = "failed",
    }
}

closed_set! {
    /// The unit an STL's coordinates are in (STL files do not say).
    pub enum LengthUnit("unit") {
        /// Millimetres.
        Mm = "mm",
        /// Centimetres.
        Cm = "cm",
        /// Inches.
        In = "in",
    }
}

impl LengthUnit {
    /// Millimetres per unit.
    pub fn millimetres(self) -> f64 {
        match self {
            LengthUnit::Mm => 1.0,
            LengthUnit::Cm => 10.0,
            LengthUnit::In => 25.4,
        }
    }
}

#[cfg(feature = "mesh")]
impl From<LengthUnit> for mesh::Unit {
    fn from(unit: LengthUnit) -> Self {
        match unit {
            LengthUnit::Mm => mesh::Unit::Mm,
            LengthUnit::Cm => mesh::Unit::Cm,
            LengthUnit::In => mesh::Unit::In,
        }
    }
}

#[cfg(feature = "mesh")]
impl From<mesh::Unit> for LengthUnit {
    fn from(unit: mesh::Unit) -> Self {
        match unit {
            mesh::Unit::Mm => LengthUnit::Mm,
            mesh::Unit::Cm => LengthUnit::Cm,
            mesh::Unit::In => LengthUnit::In,
        }
    }
}

closed_set! {
    /// Who chose a part's unit; a user's choice makes the unit confidence 1.0.
    pub enum ConfirmedBy("confirmed_by") {
        /// An agent over the API.
        Agent = "agent",
        /// A person.
        User = "user",
    }
}

closed_set! {
    /// A printing process of the catalog.
    pub enum Process("process") {
        /// Stereolithography (resins).
        Sla = "SLA",
        /// Selective laser sintering (nylons).
        Sls = "SLS",
        /// Selective laser melting (metals).
        Slm = "SLM",
        /// Fused deposition modelling (thermoplastics).
        Fdm = "FDM",
    }
}

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
    pub file_id: FileId,
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
    pub id: FileId,
    /// The client's name for it.
    pub filename: String,
    /// Its size.
    pub size_bytes: u64,
    /// Where the part is.
    pub status: FileStatus,
    /// SPEC §6 metrics once `ready`; `{"error": reason}` when `failed`; null before.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub metrics_json: Option<serde_json::Value>,
    /// The unit chosen through `/unit`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_unit: Option<LengthUnit>,
    /// Who chose it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_confirmed_by: Option<ConfirmedBy>,
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
    /// `mm`, `cm` or `in`. Kept as sent: the service parses both fields and reports every
    /// bad one at once.
    #[cfg_attr(feature = "openapi", schema(value_type = LengthUnit))]
    pub selected_unit: String,
    /// `agent` or `user` (a user's choice makes the confidence 1.0).
    #[cfg_attr(feature = "openapi", schema(value_type = ConfirmedBy))]
    pub confirmed_by: String,
}

/// One process and material of the catalog; prices in CNY, as the seed gives them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogItem {
    /// Material id, e.g. `sla_white`.
    pub id: String,
    /// The printing process.
    pub process: Process,
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
