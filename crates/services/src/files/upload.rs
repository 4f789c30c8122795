//! The signed single-use upload URL: `PUT {upload_url}` is checked (signature, expiry, single
//! use, content type, size) before a byte is stored, then streamed into object storage, never
//! held in memory. A failed upload gives its claim back, so the URL can be retried until it
//! expires; a complete one uses it up. An upload that stalls (no byte for
//! [`ServiceConfig::upload_idle_timeout`](crate::ServiceConfig)) or takes too long in all is
//! cut off the same way, so a slow-drip client cannot hold a connection, a temporary file and
//! the claim (security review L13).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use domain::ids::FileId;
use futures::stream::BoxStream;
use futures::StreamExt;
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
    /// The client stopped sending, or took longer than allowed.
    #[error("The upload was cut off: {0}; send it again.")]
    TimedOut(String),
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
        let cut_off = Arc::new(AtomicBool::new(false));
        let body = with_deadlines(
            body,
            self.config.upload_idle_timeout,
            self.config.upload_timeout,
            cut_off.clone(),
        );
        match storage.put(&file.storage_key, body, expected).await {
            Ok(()) => match files.finish_upload(id, now_ms()).await {
                Ok(()) => Ok(()),
                Err(store::StoreError::NotFound) => {
                    // The file was deleted while its bytes arrived: they belong to nothing.
                    let _ = storage.delete(&file.storage_key).await;
                    Err(UploadError::NotFound)
                }
                Err(e) => Err(ServiceError::from(e).into()),
            },
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
                    StorageError::Interrupted(why) if cut_off.load(Ordering::SeqCst) => {
                        UploadError::TimedOut(why)
                    }
                    StorageError::Interrupted(_) => UploadError::Interrupted,
                    other => ServiceError::Internal(other.into()).into(),
                })
            }
        }
    }
}

/// `body`, ended with an error once no chunk arrives for `idle` or the whole has taken `total`;
/// `cut_off` tells the caller that a deadline, not the client, ended it.
fn with_deadlines(
    body: BoxStream<'static, Result<Bytes, String>>,
    idle: Duration,
    total: Duration,
    cut_off: Arc<AtomicBool>,
) -> BoxStream<'static, Result<Bytes, String>> {
    let deadline = tokio::time::Instant::now() + total;
    futures::stream::unfold(Some(body), move |body| {
        let cut_off = cut_off.clone();
        async move {
            let mut body = body?;
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(idle.min(left), body.next()).await {
                Ok(Some(chunk)) => Some((chunk, Some(body))),
                Ok(None) => None,
                Err(_) => {
                    cut_off.store(true, Ordering::SeqCst);
                    let why = if left <= idle {
                        format!("it took longer than {} s", total.as_secs())
                    } else {
                        format!("no bytes arrived for {} s", idle.as_secs())
                    };
                    Some((Err(why), None))
                }
            }
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_stalled_upload_is_cut_off_after_the_idle_timeout() {
        let stalled = futures::stream::iter([Ok(Bytes::from_static(b"solid"))])
            .chain(futures::stream::pending())
            .boxed();
        let cut_off = Arc::new(AtomicBool::new(false));
        let got: Vec<_> = with_deadlines(
            stalled,
            Duration::from_secs(30),
            Duration::from_secs(600),
            cut_off.clone(),
        )
        .collect()
        .await;
        assert_eq!(got.len(), 2);
        assert_eq!(got[1], Err("no bytes arrived for 30 s".to_owned()));
        assert!(cut_off.load(Ordering::SeqCst));
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_drip_upload_is_cut_off_at_the_overall_timeout() {
        // A byte every 21 s never trips the idle timeout, but the total is bounded.
        let drip = futures::stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_secs(21)).await;
            Some((Ok(Bytes::from_static(b"x")), ()))
        })
        .boxed();
        let cut_off = Arc::new(AtomicBool::new(false));
        let started = tokio::time::Instant::now();
        let got: Vec<_> = with_deadlines(
            drip,
            Duration::from_secs(30),
            Duration::from_secs(600),
            cut_off.clone(),
        )
        .collect()
        .await;
        assert_eq!(started.elapsed(), Duration::from_secs(600));
        assert_eq!(got.len(), 29, "28 bytes, then the cut");
        assert_eq!(
            got.last(),
            Some(&Err("it took longer than 600 s".to_owned()))
        );
        assert!(cut_off.load(Ordering::SeqCst));
    }

    #[tokio::test(start_paused = true)]
    async fn a_prompt_upload_passes_through_whole() {
        let chunks =
            futures::stream::iter([Ok(Bytes::from_static(b"ab")), Ok(Bytes::from_static(b"cd"))])
                .boxed();
        let cut_off = Arc::new(AtomicBool::new(false));
        let got: Vec<_> = with_deadlines(
            chunks,
            Duration::from_secs(1),
            Duration::from_secs(2),
            cut_off.clone(),
        )
        .collect()
        .await;
        assert_eq!(got.len(), 2);
        assert!(!cut_off.load(Ordering::SeqCst));
    }
}
