//! `ApiError`: the only place the REST error body is built (SPEC §3).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::error::{ErrorBody, ErrorCode, ErrorDetail};
use services::ServiceError;

/// Every way a `/v1` request can fail. The status always comes from the code's row in
/// [`ErrorCode`]; failures from the services keep their code, message and details from the
/// services' one mapping ([`ServiceError::code`] and friends). Internal causes are logged once
/// and never sent.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A failure the service layer reported.
    #[error("{}", .0.public_message())]
    Service(ServiceError),
    /// 400 `invalid_json`: the body is not JSON at all.
    #[error("{0}")]
    InvalidJson(String),
    /// 400 `invalid_request`: well-formed but wrong (types, missing fields, bad parameters).
    #[error("{message}")]
    InvalidRequest {
        /// Summary sentence.
        message: String,
        /// One entry per problem.
        details: Vec<ErrorDetail>,
    },
    /// A refusal with its own code, found by the REST layer itself (a cross-site post, an
    /// upload URL that is not valid, expired or used).
    #[error("{message}")]
    Refused {
        /// Stable code.
        code: ErrorCode,
        /// What happened and what to do.
        message: String,
    },
    /// 429 `rate_limit_exceeded`, with `Retry-After`.
    #[error("Too many requests. Retry after {retry_after_secs} seconds.")]
    RateLimited {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// 404 `not_found`: no such route.
    #[error("{0}")]
    NotFound(String),
    /// 405 `method_not_allowed`.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 413 `payload_too_large`.
    #[error("The request body is larger than the limit of {limit} bytes.")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// 415 `unsupported_media_type`.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 500 `internal_error`: a bug in the REST layer; the cause is logged with the request id.
    #[error("Something went wrong on our side. Quote the request id if you contact us.")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// The stable code clients match on.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Service(err) => err.code(),
            ApiError::InvalidJson(_) => ErrorCode::InvalidJson,
            ApiError::InvalidRequest { .. } => ErrorCode::InvalidRequest,
            ApiError::Refused { code, .. } => *code,
            ApiError::RateLimited { .. } => ErrorCode::RateLimitExceeded,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::MethodNotAllowed(_) => ErrorCode::MethodNotAllowed,
            ApiError::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            ApiError::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            ApiError::Internal(_) => ErrorCode::InternalError,
        }
    }

    /// The HTTP status: the code's.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// A 400 with one detail.
    pub fn invalid(path: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::InvalidRequest {
            details: vec![ErrorDetail::new(path, message.clone())],
            message,
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::Service(err) => err.retry_after(),
            ApiError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        ApiError::Service(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let request_id = services::request_id::current();
        match &self {
            ApiError::Internal(cause) => {
                tracing::error!(request_id = %request_id, error = format!("{cause:#}"), "internal error");
            }
            ApiError::Service(err) => match (err.code(), err.cause()) {
                (ErrorCode::InternalError, Some(cause)) => {
                    tracing::error!(request_id = %request_id, error = format!("{cause:#}"), "internal error");
                }
                (_, Some(cause)) => {
                    tracing::warn!(request_id = %request_id, error = format!("{cause:#}"), "dependency unavailable");
                }
                _ => {}
            },
            _ => {}
        }
        let status = self.status();
        let retry_after = self.retry_after();
        let details = match &self {
            ApiError::InvalidRequest { details, .. } => details.clone(),
            ApiError::Service(err) => err.details().to_vec(),
            _ => Vec::new(),
        };
        let mut response = (
            status,
            Json(ErrorBody {
                error: self.code(),
                message: self.to_string(),
                details,
                request_id,
            }),
        )
            .into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use services::{AuthFailure, Resource};

    use super::*;

    /// One value of every variant; the `match` makes adding a variant without a case here a
    /// compile error.
    fn every_variant() -> Vec<ApiError> {
        let all = vec![
            ApiError::Service(ServiceError::NotFound(Resource::Campaign)),
            ApiError::InvalidJson("x".into()),
            ApiError::invalid("page", "bad"),
            ApiError::Refused {
                code: ErrorCode::CsrfRejected,
                message: "x".into(),
            },
            ApiError::RateLimited {
                retry_after_secs: 3,
            },
            ApiError::NotFound("x".into()),
            ApiError::MethodNotAllowed("x".into()),
            ApiError::PayloadTooLarge { limit: 1 },
            ApiError::UnsupportedMediaType("x".into()),
            ApiError::Internal(anyhow::anyhow!("secret cause")),
        ];
        for err in &all {
            match err {
                ApiError::Service(_)
                | ApiError::InvalidJson(_)
                | ApiError::InvalidRequest { .. }
                | ApiError::Refused { .. }
                | ApiError::RateLimited { .. }
                | ApiError::NotFound(_)
                | ApiError::MethodNotAllowed(_)
                | ApiError::PayloadTooLarge { .. }
                | ApiError::UnsupportedMediaType(_)
                | ApiError::Internal(_) => {}
            }
        }
        all
    }

    #[test]
    fn every_variant_has_its_status_and_code() {
        let expected = [
            (404, "not_found"),
            (400, "invalid_json"),
            (400, "invalid_request"),
            (403, "csrf_rejected"),
            (429, "rate_limit_exceeded"),
            (404, "not_found"),
            (405, "method_not_allowed"),
            (413, "payload_too_large"),
            (415, "unsupported_media_type"),
            (500, "internal_error"),
        ];
        let all = every_variant();
        assert_eq!(all.len(), expected.len());
        for (err, (status, code)) in all.iter().zip(expected) {
            assert_eq!(err.status().as_u16(), status, "{code}");
            assert_eq!(err.code().as_str(), code);
        }
    }

    #[test]
    fn every_service_error_keeps_its_code_and_status() {
        let cases = [
            (
                ServiceError::NotFound(Resource::File),
                404,
                "file_not_found",
            ),
            (ServiceError::Conflict("x".into()), 409, "conflict"),
            (
                ServiceError::InvalidState {
                    code: ErrorCode::FileNotReady,
                    message: "x".into(),
                },
                400,
                "file_not_ready",
            ),
            (
                ServiceError::Invalid(vec![ErrorDetail::new("name", "too long")]),
                400,
                "invalid_request",
            ),
            (
                ServiceError::ValidationFailed {
                    code: ErrorCode::ValidationFailed,
                    message: "x".into(),
                    details: Vec::new(),
                },
                422,
                "validation_failed",
            ),
            (
                ServiceError::Unauthenticated(AuthFailure::Invalid),
                401,
                "invalid_api_key",
            ),
            (
                ServiceError::Unauthenticated(AuthFailure::AddressNotAllowed(
                    "192.0.2.1".parse().unwrap(),
                )),
                403,
                "forbidden",
            ),
            (ServiceError::InvalidCredentials, 401, "invalid_credentials"),
            (
                ServiceError::Forbidden {
                    code: ErrorCode::Forbidden,
                    message: "x".into(),
                },
                403,
                "forbidden",
            ),
            (
                ServiceError::Throttled {
                    retry_after_secs: 60,
                },
                429,
                "rate_limit_exceeded",
            ),
            (
                ServiceError::Unavailable(anyhow::anyhow!("refused")),
                503,
                "upstream_temporarily_unavailable",
            ),
            (
                ServiceError::Internal(anyhow::anyhow!("bug")),
                500,
                "internal_error",
            ),
        ];
        for (err, status, code) in cases {
            let api = ApiError::from(err);
            assert_eq!(api.status().as_u16(), status, "{code}");
            assert_eq!(api.code().as_str(), code);
        }
    }

    #[test]
    fn internal_causes_are_never_in_the_message() {
        for err in [
            ApiError::Internal(anyhow::anyhow!("password=hunter2")),
            ApiError::Service(ServiceError::Internal(anyhow::anyhow!("password=hunter2"))),
        ] {
            assert!(!err.to_string().contains("hunter2"));
        }
    }
}
