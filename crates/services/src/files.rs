//! Make: the catalog and uploaded parts (SPEC §6). A part is presigned, its bytes go straight
//! to object storage through a signed single-use URL, and confirming it queues the analysis
//! job (`crates/mesh`), which leaves the file `ready` with its metrics or `failed` with the
//! reason.

use std::collections::BTreeMap;

use bytes::Bytes;
use domain::auth::Scope;
use domain::error::ErrorDetail;
use domain::files::{FileList, FileView, PresignRequest, PresignResponse, UnitRequest};
use domain::time::rfc3339_from_millis;
use futures::stream::BoxStream;
use serde_json::{json, Value};
use store::files::{FileRow, NewFile};
use store::now_ms;

use crate::storage::StorageError;
use crate::{Caller, ServiceError, Services};

/// The job type that analyses a confirmed file: `{"file_id": "…"}`.
pub const FILE_ANALYSIS_JOB: &str = "file_analysis";
/// The largest part accepted by default (100 MB).
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 100 * 1000 * 1000;
/// How long an upload URL works.
pub const UPLOAD_URL_TTL_MS: i64 = 15 * 60 * 1000;
/// Content types an STL upload may declare.
pub const STL_CONTENT_TYPES: [&str; 4] = [
    "model/stl",
    "application/sla",
    "application/vnd.ms-pki.stl",
    "application/octet-stream",
];

/// Why a signed upload was refused.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// No such file (or the URL names none).
    #[error("There is no upload waiting at this address.")]
    NotFound,
    /// The signature does not match.
    #[error("The upload URL's signature is not valid.")]
    BadSignature,
    /// Past its expiry.
    #[error("The upload URL has expired; presign the file again.")]
    Expired,
    /// Already used (or an upload through it is in progress).
    #[error("The upload URL was already used.")]
    Used,
    /// The request's `Content-Type` is not the presigned one.
    #[error("The upload must have Content-Type {expected}.")]
    WrongContentType {
        /// The presigned type.
        expected: String,
    },
    /// The declared `Content-Length` is not the presigned size.
    #[error("The upload must be exactly {expected} bytes.")]
    WrongSize {
        /// The presigned size.
        expected: u64,
    },
    /// More bytes arrived than presigned.
    #[error("The upload is larger than the {expected} bytes presigned.")]
    TooLarge {
        /// The presigned size.
        expected: u64,
    },
    /// The stream broke off.
    #[error("The upload was interrupted; send it again.")]
    Interrupted,
    /// Anything else.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// An upload arriving at a signed URL.
#[derive(Debug)]
pub struct SignedUpload<'a> {
    /// The storage key from the URL.
    pub key: &'a str,
    /// `expires` from the URL (unix ms).
    pub expires_at: i64,
    /// `nonce` from the URL.
    pub nonce: &'a str,
    /// `signature` from the URL.
    pub signature: &'a str,
    /// The request's `Content-Type`.
    pub content_type: Option<&'a str>,
    /// The request's `Content-Length`, when sent.
    pub content_length: Option<u64>,
}

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
        let id = store::ids::new_uuid();
        let key = format!("files/{id}.stl");
        let nonce = store::ids::random_hex(16);
        let now = now_ms();
        let expires_at = now + UPLOAD_URL_TTL_MS;
        self.db
            .files()
            .create(
                caller.account(),
                NewFile {
                    id: &id,
                    filename,
                    content_type: &content_type,
                    size_bytes: i64::try_from(req.size_bytes).unwrap_or(i64::MAX),
                    storage_key: &key,
                    upload_nonce: &nonce,
                    upload_expires_at: expires_at,
                },
                now,
            )
            .await?;
        let put = storage.presign_put(&key, &content_type, req.size_bytes, expires_at, &nonce);
        Ok(PresignResponse {
            file_id: id,
            upload_url: put.url,
            required_headers: put.headers.into_iter().collect::<BTreeMap<_, _>>(),
            expires_at: rfc3339_from_millis(expires_at),
            next_action: "upload_file_then_confirm".into(),
        })
    }

    /// `PUT {upload_url}`: checks the signature, expiry, single use, content type and size,
    /// then streams the body into storage (never whole in memory).
    pub async fn receive_upload(
        &self,
        upload: SignedUpload<'_>,
        body: BoxStream<'static, Result<Bytes, String>>,
    ) -> Result<(), UploadError> {
        let storage = self.storage()?;
        if !storage.verify_put(
            upload.key,
            upload.expires_at,
            upload.nonce,
            upload.signature,
        ) {
            return Err(UploadError::BadSignature);
        }
        let id = upload
            .key
            .strip_prefix("files/")
            .and_then(|k| k.strip_suffix(".stl"))
            .ok_or(UploadError::NotFound)?;
        let files = self.db.files();
        let file = match files.get_any(id).await {
            Ok(file) => file,
            Err(store::StoreError::NotFound) => return Err(UploadError::NotFound),
            Err(e) => return Err(ServiceError::from(e).into()),
        };
        let now = now_ms();
        if now > upload.expires_at || now > file.upload_expires_at {
            return Err(UploadError::Expired);
        }
        if file.uploaded_at.is_some() || file.upload_nonce != upload.nonce {
            return Err(UploadError::Used);
        }
        let expected = u64::try_from(file.size_bytes).unwrap_or_default();
        let declared = upload.content_type.map(|c| {
            c.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
        if declared.as_deref() != Some(file.content_type.as_str()) {
            return Err(UploadError::WrongContentType {
                expected: file.content_type,
            });
        }
        match upload.content_length {
            Some(n) if n > expected => return Err(UploadError::TooLarge { expected }),
            Some(n) if n != expected => return Err(UploadError::WrongSize { expected }),
            _ => {}
        }
        if !files
            .claim_upload(id, upload.nonce, now)
            .await
            .map_err(ServiceError::from)?
        {
            return Err(UploadError::Used);
        }
        match storage.put(&file.storage_key, body, expected).await {
            Ok(()) => {
                files
                    .finish_upload(id, now_ms())
                    .await
                    .map_err(ServiceError::from)?;
                Ok(())
            }
            Err(e) => {
                files
                    .release_upload(id, now_ms())
                    .await
                    .map_err(ServiceError::from)?;
                Err(match e {
                    StorageError::TooLarge { expected } => UploadError::TooLarge { expected },
                    StorageError::SizeMismatch { expected, .. } => {
                        UploadError::WrongSize { expected }
                    }
                    StorageError::Interrupted(_) => UploadError::Interrupted,
                    other => ServiceError::Internal(other.into()).into(),
                })
            }
        }
    }

    /// `POST /v1/files/confirm`: queues the analysis of an uploaded file.
    pub async fn confirm_file(&self, caller: &Caller, id: &str) -> Result<FileView, ServiceError> {
        caller.require(Scope::FilesWrite)?;
        let files = self.db.files();
        let file = files.get(caller.account(), id).await?;
        let now = now_ms();
        if !files.confirm(caller.account(), id, now).await? {
            return Err(ServiceError::InvalidState {
                code: if file.uploaded_at.is_none() {
                    "upload_incomplete"
                } else {
                    "file_already_confirmed"
                },
                message: if file.uploaded_at.is_none() {
                    "The file's bytes have not arrived yet: PUT them to the upload URL first."
                        .into()
                } else {
                    format!("The file was already confirmed; it is '{}'.", file.status)
                },
            });
        }
        self.db
            .jobs()
            .enqueue(
                store::jobs::NewJob::new(FILE_ANALYSIS_JOB, json!({"file_id": id})),
                now,
            )
            .await?;
        file_view(&files.get(caller.account(), id).await?)
    }

    /// `GET /v1/files/{id}`.
    pub async fn file(&self, caller: &Caller, id: &str) -> Result<FileView, ServiceError> {
        caller.require(Scope::FilesWrite)?;
        file_view(&self.db.files().get(caller.account(), id).await?)
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

    /// `POST /v1/files/{id}/unit`: the metrics recomputed in the chosen unit (confidence 1.0
    /// when a user confirmed it; the unit's probability when an agent chose it).
    pub async fn set_file_unit(
        &self,
        caller: &Caller,
        id: &str,
        req: UnitRequest,
    ) -> Result<FileView, ServiceError> {
        caller.require(Scope::FilesWrite)?;
        let mut problems = Vec::new();
        let unit: Option<mesh::Unit> = req.selected_unit.parse().ok();
        if unit.is_none() {
            problems.push(
                ErrorDetail::new("selected_unit", "must be mm, cm or in")
                    .with_value(req.selected_unit.clone()),
            );
        }
        if !["agent", "user"].contains(&req.confirmed_by.as_str()) {
            problems.push(
                ErrorDetail::new("confirmed_by", "must be agent or user")
                    .with_value(req.confirmed_by.clone()),
            );
        }
        let Some(unit) = unit.filter(|_| problems.is_empty()) else {
            return Err(ServiceError::Invalid(problems));
        };
        let files = self.db.files();
        let file = files.get(caller.account(), id).await?;
        let analysis: mesh::Analysis = match (&file.status[..], &file.analysis_json) {
            ("ready", Some(text)) => serde_json::from_str(text)
                .map_err(|e| ServiceError::Internal(anyhow::anyhow!("file {id} analysis: {e}")))?,
            _ => {
                return Err(ServiceError::InvalidState {
                    code: "file_not_ready",
                    message: format!(
                        "The file is '{}'; its unit can be set once it is ready.",
                        file.status
                    ),
                })
            }
        };
        let metrics = if req.confirmed_by == "user" {
            analysis.metrics_confirmed(unit)
        } else {
            analysis.metrics_in(unit)
        };
        let metrics = serde_json::to_string(&metrics).map_err(anyhow::Error::from)?;
        files
            .set_unit(
                caller.account(),
                id,
                unit.as_str(),
                &req.confirmed_by,
                &metrics,
                now_ms(),
            )
            .await?;
        file_view(&files.get(caller.account(), id).await?)
    }

    /// Runs the analysis job of a confirmed file: parses the stored STL with `crates/mesh` on
    /// a blocking thread and records the metrics, or the reason it failed. Running it again
    /// for a file that is no longer `processing` does nothing.
    pub async fn analyse_file(&self, id: &str) -> Result<(), ServiceError> {
        let files = self.db.files();
        let file = files.get_any(id).await?;
        if file.status != "processing" {
            return Ok(());
        }
        let storage = self.storage()?.clone();
        let key = file.storage_key.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            let (reader, len) = storage.open(&key).map_err(|e| e.to_string())?;
            let mesh = mesh::read_stl(reader, len).map_err(|e| e.to_string())?;
            Ok::<_, String>(mesh::analyse(&mesh))
        })
        .await
        .map_err(|e| ServiceError::Internal(e.into()))?;
        match outcome {
            Ok(analysis) => {
                let analysis_json =
                    serde_json::to_string(&analysis).map_err(anyhow::Error::from)?;
                let metrics =
                    serde_json::to_string(&analysis.metrics()).map_err(anyhow::Error::from)?;
                files
                    .finish_analysis(id, "ready", Some(&analysis_json), &metrics, now_ms())
                    .await?;
            }
            Err(reason) => {
                let metrics = json!({"error": reason}).to_string();
                files
                    .finish_analysis(id, "failed", None, &metrics, now_ms())
                    .await?;
            }
        }
        Ok(())
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
        status: f.status.clone(),
        metrics_json: f
            .metrics_json
            .as_deref()
            .map(serde_json::from_str::<Value>)
            .transpose()
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("file {} metrics: {e}", f.id)))?,
        selected_unit: f.selected_unit.clone(),
        unit_confirmed_by: f.unit_confirmed_by.clone(),
        created_at: rfc3339_from_millis(f.created_at),
    })
}
