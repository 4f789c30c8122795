//! `PUT /uploads/{key}`: where a presigned upload URL of the local object store points. The
//! URL's signature is the credential (no API key); the body streams into storage.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use domain::error::{ErrorCode, ErrorDetail};
use futures::StreamExt;
use serde::Deserialize;
use services::files::{SignedUpload, UploadError};
use services::Services;

use super::extract::ApiQuery;
use super::ApiError;

/// The signed part of an upload URL.
#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    expires: i64,
    nonce: String,
    signature: String,
}

/// Receives a presigned upload.
pub async fn put_upload(
    State(services): State<Services>,
    Path(key): Path<String>,
    query: Result<ApiQuery<UploadQuery>, ApiError>,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    // A missing or mangled signature part is a signature problem, not a request problem.
    let ApiQuery(q) = query.map_err(|_| ApiError::Refused {
        code: ErrorCode::InvalidSignature,
        message: "The upload URL is incomplete; use the upload_url from presign as it is.".into(),
    })?;
    let header = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let content_length = header(header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
    let stream = body
        .into_data_stream()
        .map(|chunk| chunk.map_err(|e| e.to_string()))
        .boxed();
    services
        .receive_upload(
            SignedUpload {
                key: &key,
                expires_at: q.expires,
                nonce: &q.nonce,
                signature: &q.signature,
                content_type: header(header::CONTENT_TYPE),
                content_length,
            },
            stream,
        )
        .await
        .map_err(upload_error)?;
    Ok(StatusCode::OK)
}

fn upload_error(e: UploadError) -> ApiError {
    let message = e.to_string();
    match e {
        UploadError::NotFound => ApiError::NotFound(message),
        UploadError::BadSignature => ApiError::Refused {
            code: ErrorCode::InvalidSignature,
            message,
        },
        UploadError::Expired => ApiError::Refused {
            code: ErrorCode::UploadUrlExpired,
            message,
        },
        UploadError::Used => ApiError::Refused {
            code: ErrorCode::UploadUrlUsed,
            message,
        },
        UploadError::WrongContentType { expected } => ApiError::InvalidRequest {
            message,
            details: vec![
                ErrorDetail::new("Content-Type", "must be the presigned type").with_value(expected),
            ],
        },
        UploadError::WrongSize { expected } => ApiError::InvalidRequest {
            message,
            details: vec![
                ErrorDetail::new("Content-Length", "must be the presigned size")
                    .with_value(expected),
            ],
        },
        UploadError::TooLarge { expected } => ApiError::PayloadTooLarge {
            limit: usize::try_from(expected).unwrap_or(usize::MAX),
        },
        UploadError::Interrupted => ApiError::InvalidRequest {
            message,
            details: Vec::new(),
        },
        UploadError::TimedOut(why) => ApiError::InvalidRequest {
            message,
            details: vec![ErrorDetail::new("body", format!("cut off: {why}"))],
        },
        UploadError::Service(e) => e.into(),
    }
}
