//! The signed single-use upload URL: `PUT {upload_url}` is checked (signature, expiry, single
//! use, content type, size) before a byte is stored, then streamed into object storage, never
//! held in memory. A failed upload gives its claim back, so the URL can be retried until it
//! expires; a complete one uses it up.

use bytes::Bytes;
use domain::ids::FileId;
use futures::stream::BoxStream;
use store::now_ms;

use crate::storage::StorageError;
use crate::{ServiceError, Services};

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
            .and_then(FileId::parse)
            .ok_or(UploadError::NotFound)?;
        let id = &id;
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
}
