//! Make: uploaded parts (SPEC §6). A part is presigned, its bytes go straight to object storage
//! through a signed single-use URL ([`upload`]), and confirming it queues the analysis task
//! ([`analysis`], `crates/mesh`), which leaves the file `ready` with its metrics or `failed`
//! with the reason. The catalog is [`crate::catalog`].

mod analysis;
mod upload;

pub use analysis::{AnalyseFile, DEFAULT_ANALYSIS_TIMEOUT};
pub use upload::{SignedUpload, UploadError};

use std::collections::BTreeMap;

use domain::auth::Scope;
use domain::error::{ErrorCode, ErrorDetail};
use domain::files::{
    ConfirmedBy, FileList, FileStatus, FileView, LengthUnit, PresignRequest, PresignResponse,
    UnitRequest,
};
use domain::ids::FileId;
use domain::time::rfc3339_from_millis;
use serde_json::Value;
use store::files::{FileRow, NewFile};
use store::now_ms;

use crate::error::{Found, Resource};
use crate::{quotas, Caller, ServiceError, Services};
/// The largest part accepted by default (100 MB).
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 100 * 1000 * 1000;
/// An upload that sends no byte for this long is cut off, by default.
pub const DEFAULT_UPLOAD_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// The longest an upload may take, by default: as long as its claim lasts.
pub const DEFAULT_UPLOAD_TIMEOUT: std::time::Duration =
    std::time::Duration::from_millis(store::files::UPLOAD_CLAIM_MS as u64);
/// How long an upload URL works.
pub const UPLOAD_URL_TTL_MS: i64 = 15 * 60 * 1000;
/// Content types an STL upload may declare.
pub const STL_CONTENT_TYPES: [&str; 4] = [
    "model/stl",
    "application/sla",
    "application/vnd.ms-pki.stl",
    "application/octet-stream",
];

impl Services {
    /// `POST /v1/files/presign`: registers a file and returns its single-use upload URL.
    pub async fn presign_file(
        &self,
        caller: &Caller,
        req: PresignRequest,
    ) -> Result<PresignResponse, ServiceError> {
        caller.require(Scope::FilesWrite)?;
        let storage = self.storage()?;
        let mut problems = Vec::new();
        let filename = req.filename.trim();
        if filename.is_empty()
            || filename.chars().count() > 255
            || !filename.to_ascii_lowercase().ends_with(".stl")
            || filename.chars().any(char::is_control)
        {
            problems.push(
                ErrorDetail::new(
                    "filename",
                    "must be an .stl file name of at most 255 characters",
                )
                .with_value(req.filename.clone()),
            );
        }
        let content_type = req.content_type.trim().to_ascii_lowercase();
        if !STL_CONTENT_TYPES.contains(&content_type.as_str()) {
            problems.push(
                ErrorDetail::new(
                    "content_type",
                    format!("must be one of {}", STL_CONTENT_TYPES.join(", ")),
                )
                .with_value(req.content_type.clone()),
            );
        }
        let limit = self.config.max_upload_bytes;
        if req.size_bytes == 0 || req.size_bytes > limit {
            problems.push(
                ErrorDetail::new("size_bytes", format!("must be 1 to {limit} bytes"))
                    .with_value(req.size_bytes),
            );
        }
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        let id = FileId::generate();
        let key = format!("files/{id}.stl");
        let nonce = store::ids::random_hex(16);
        let now = now_ms();
        let expires_at = now + UPLOAD_URL_TTL_MS;
        let size_bytes = i64::try_from(req.size_bytes).unwrap_or(i64::MAX);
        let tx = self.db.begin().await?;
        // A pending upload counts at its announced size, so presigns cannot outrun the quota.
        self.reserve(
            &tx,
            caller,
            &[(quotas::FILES, 1), (quotas::STORED_BYTES, size_bytes)],
        )
        .await?;
        tx.files()
            .create(
                caller.account(),
                NewFile {
                    id: &id,
                    filename,
                    content_type: &content_type,
                    size_bytes,
                    storage_key: &key,
                    upload_nonce: &nonce,
                    upload_expires_at: expires_at,
                },
                now,
            )
            .await?;
        tx.commit().await?;
        let put = storage.presign_put(&key, &content_type, req.size_bytes, expires_at, &nonce);
        Ok(PresignResponse {
            file_id: id,
            upload_url: put.url,
            required_headers: put.headers.into_iter().collect::<BTreeMap<_, _>>(),
            expires_at: rfc3339_from_millis(expires_at),
            next_action: "upload_file_then_confirm".into(),
        })
    }

    /// `POST /v1/files/confirm`: moves an uploaded file to `processing` and queues its
    /// analysis, together.
    pub async fn confirm_file(&self, caller: &Caller, id: &str) -> Result<FileView, ServiceError> {
        caller.require(Scope::FilesWrite)?;
        let id = &file_id(id)?;
        let file = self
            .db
            .files()
            .get(caller.account(), id)
            .await
            .found(Resource::File)?;
        let now = now_ms();
        let tx = self.db.begin().await?;
        if !tx.files().confirm(caller.account(), id, now).await? {
            return Err(ServiceError::InvalidState {
                code: if file.uploaded_at.is_none() {
                    ErrorCode::UploadIncomplete
                } else {
                    ErrorCode::FileAlreadyConfirmed
                },
                message: if file.uploaded_at.is_none() {
                    "The file's bytes have not arrived yet: PUT them to the upload URL first."
                        .into()
                } else {
                    format!("The file was already confirmed; it is '{}'.", file.status)
                },
            });
        }
        tx.tasks()
            .enqueue(AnalyseFile::task(id, caller.account()), now)
            .await?;
        tx.commit().await?;
        file_view(
            &self
                .db
                .files()
                .get(caller.account(), id)
                .await
                .found(Resource::File)?,
        )
    }

    /// `GET /v1/files/{id}`.
    pub async fn file(&self, caller: &Caller, id: &str) -> Result<FileView, ServiceError> {
        caller.require(Scope::FilesWrite)?;
        file_view(
            &self
                .db
                .files()
                .get(caller.account(), &file_id(id)?)
                .await
                .found(Resource::File)?,
        )
    }

    /// `GET /v1/files`: the account's files, newest first (`page`/`per_page` as elsewhere).
    pub async fn list_files(
        &self,
        caller: &Caller,
        offset: u64,
        limit: u32,
    ) -> Result<FileList, ServiceError> {
        caller.require(Scope::FilesWrite)?;
        let (rows, total) = self
            .db
            .files()
            .list(caller.account(), offset, limit)
            .await?;
        Ok(FileList {
            files: rows.iter().map(file_view).collect::<Result<_, _>>()?,
            total,
        })
    }

    /// `DELETE /v1/files/{id}`: removes one of the account's files and its stored bytes, in
    /// any status. The object goes first: should the row's deletion fail, the file is still
    /// listed and deleting it again finishes the job, while the other order could leave bytes
    /// that nothing points to.
    pub async fn delete_file(&self, caller: &Caller, id: &str) -> Result<(), ServiceError> {
        caller.require(Scope::FilesWrite)?;
        let id = &file_id(id)?;
        let files = self.db.files();
        let file = files
            .get(caller.account(), id)
            .await
            .found(Resource::File)?;
        self.storage()?
            .delete(&file.storage_key)
            .await
            .map_err(|e| ServiceError::Internal(e.into()))?;
        files
            .delete(caller.account(), id)
            .await
            .found(Resource::File)
    }

    /// `POST /v1/files/{id}/unit`: the metrics recomputed in the chosen unit (confidence 1.0
    /// when a user confirmed it; the unit's probability when an agent chose it).
    pub async fn set_file_unit(
        &self,
        caller: &Caller,
        id: &str,
        req: UnitRequest,
    ) -> Result<FileView, ServiceError> {
        caller.require(Scope::FilesWrite)?;
        let selected = LengthUnit::parse(&req.selected_unit);
        let confirmed_by = ConfirmedBy::parse(&req.confirmed_by);
        let mut problems = Vec::new();
        if selected.is_none() {
            problems.push(
                ErrorDetail::new(
                    "selected_unit",
                    format!("must be {}", LengthUnit::NAMES.join(", ")),
                )
                .with_value(req.selected_unit.clone()),
            );
        }
        if confirmed_by.is_none() {
            problems.push(
                ErrorDetail::new(
                    "confirmed_by",
                    format!("must be {}", ConfirmedBy::NAMES.join(" or ")),
                )
                .with_value(req.confirmed_by.clone()),
            );
        }
        let (Some(selected), Some(confirmed_by)) = (selected, confirmed_by) else {
            return Err(ServiceError::Invalid(problems));
        };
        let id = &file_id(id)?;
        let unit = mesh::Unit::from(selected);
        let files = self.db.files();
        let file = files
            .get(caller.account(), id)
            .await
            .found(Resource::File)?;
        let analysis: mesh::Analysis = match (file.status, &file.analysis_json) {
            (FileStatus::Ready, Some(text)) => serde_json::from_str(text)
                .map_err(|e| ServiceError::Internal(anyhow::anyhow!("file {id} analysis: {e}")))?,
            _ => {
                return Err(ServiceError::InvalidState {
                    code: ErrorCode::FileNotReady,
                    message: format!(
                        "The file is '{}'; its unit can be set once it is ready.",
                        file.status
                    ),
                })
            }
        };
        let metrics = match confirmed_by {
            ConfirmedBy::User => analysis.metrics_confirmed(unit),
            ConfirmedBy::Agent => analysis.metrics_in(unit),
        };
        let metrics = serde_json::to_string(&metrics).map_err(anyhow::Error::from)?;
        files
            .set_unit(
                caller.account(),
                id,
                selected,
                confirmed_by,
                &metrics,
                now_ms(),
            )
            .await?;
        file_view(
            &files
                .get(caller.account(), id)
                .await
                .found(Resource::File)?,
        )
    }

    fn storage(&self) -> Result<&std::sync::Arc<dyn crate::storage::ObjectStore>, ServiceError> {
        self.storage.as_ref().ok_or_else(|| {
            ServiceError::Internal(anyhow::anyhow!("no object storage is configured"))
        })
    }
}

fn file_view(f: &FileRow) -> Result<FileView, ServiceError> {
    Ok(FileView {
        id: f.id.clone(),
        filename: f.filename.clone(),
        size_bytes: u64::try_from(f.size_bytes).unwrap_or_default(),
        status: f.status,
        metrics_json: f
            .metrics_json
            .as_deref()
            .map(serde_json::from_str::<Value>)
            .transpose()
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("file {} metrics: {e}", f.id)))?,
        selected_unit: f.selected_unit,
        unit_confirmed_by: f.unit_confirmed_by,
        created_at: rfc3339_from_millis(f.created_at),
    })
}

/// A file id from a path or body: a malformed one is simply not found.
fn file_id(id: &str) -> Result<FileId, ServiceError> {
    FileId::parse(id).ok_or(ServiceError::NotFound(Resource::File))
}
