//! `ApiError`: the only place the REST error body is built (SPEC §3).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::error::{ErrorBody, ErrorDetail};
use services::{AuthFailure, ServiceError};

/// Every way a `/v1` request can fail. Internal causes are logged once and never sent.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
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
    /// 422 `validation_failed`: a document (MDL) was read but breaks its rules; one detail per
    /// problem, each with its `level`.
    #[error("{message}")]
    ValidationFailed {
        /// `validation_failed` or `dataset_schema_mismatch`.
        code: &'static str,
        /// Summary sentence.
        message: String,
        /// Every problem found.
        details: Vec<ErrorDetail>,
    },
    /// 401 `invalid_api_key`: missing, malformed, unknown, revoked or expired credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 401 `invalid_credentials`: wrong email or password (never says which).
    #[error("The email or password is not right.")]
    InvalidCredentials,
    /// 403: authenticated but not allowed (e.g. `forbidden` for a missing scope).
    #[error("{message}")]
    Forbidden {
        /// Stable code.
        code: &'static str,
        /// What is missing.
        message: String,
    },
    /// 429 `rate_limit_exceeded`, with `Retry-After`.
    #[error("Too many requests. Retry after {retry_after_secs} seconds.")]
    RateLimited {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// 404 `not_found`: no such route or resource (also for other accounts' resources).
    #[error("{0}")]
    NotFound(String),
    /// 405 `method_not_allowed`.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 409 `conflict`.
    #[error("{0}")]
    Conflict(String),
    /// 409 with a specific code: the resource's state does not allow this
    /// (`campaign_not_startable`, `campaign_not_stoppable`).
    #[error("{message}")]
    InvalidState {
        /// Stable code.
        code: &'static str,
        /// Why.
        message: String,
    },
    /// 410: something that existed is no longer usable (an expired upload URL).
    #[error("{message}")]
    Gone {
        /// Stable code, e.g. `upload_url_expired`.
        code: &'static str,
        /// What happened and what to do.
        message: String,
    },
    /// 413 `payload_too_large`.
    #[error("The request body is larger than the limit of {limit} bytes.")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// 415 `unsupported_media_type`.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 503 `upstream_temporarily_unavailable`: the database (or another dependency) is away.
    #[error("A service this request needs is temporarily unavailable. Please retry shortly.")]
    Unavailable,
    /// 500 `internal_error`: a bug; the cause is logged with the request id.
    #[error("Something went wrong on our side. Quote the request id if you contact us.")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidJson(_) | ApiError::InvalidRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::ValidationFailed { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) | ApiError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) | ApiError::InvalidState { .. } => StatusCode::CONFLICT,
            ApiError::Gone { .. } => StatusCode::GONE,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable snake_case code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidJson(_) => "invalid_json",
            ApiError::InvalidRequest { .. } => "invalid_request",
            ApiError::ValidationFailed { code, .. } => code,
            ApiError::Unauthorized(_) => "invalid_api_key",
            ApiError::InvalidCredentials => "invalid_credentials",
            ApiError::Forbidden { code, .. } | ApiError::Gone { code, .. } => code,
            ApiError::RateLimited { .. } => "rate_limit_exceeded",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::InvalidState { code, .. } => code,
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Unavailable => "upstream_temporarily_unavailable",
            ApiError::Internal(_) => "internal_error",
        }
    }

    /// A 400 with one detail.
    pub fn invalid(path: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::InvalidRequest {
            details: vec![ErrorDetail::new(path, message.clone())],
            message,
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::NotFound => ApiError::NotFound("That resource was not found.".into()),
            ServiceError::Conflict(what) => ApiError::Conflict(what),
            ServiceError::InvalidState { code, message } => {
                ApiError::InvalidState { code, message }
            }
            ServiceError::Invalid(details) => ApiError::InvalidRequest {
                message: "The request is invalid; see details.".into(),
                details,
            },
            ServiceError::ValidationFailed {
                code,
                message,
                details,
            } => ApiError::ValidationFailed {
                code,
                message,
                details,
            },
            ServiceError::Unavailable(cause) => {
                tracing::warn!(error = format!("{cause:#}"), "dependency unavailable");
                ApiError::Unavailable
            }
            ServiceError::Internal(cause) => ApiError::Internal(cause),
            ServiceError::Unauthenticated(failure) => match failure {
                AuthFailure::Missing => ApiError::Unauthorized(
                    "This endpoint needs an API key: send 'Authorization: Bearer <key>'.".into(),
                ),
                AuthFailure::Invalid => {
                    ApiError::Unauthorized("The API key is invalid or has been revoked.".into())
                }
                AuthFailure::Expired(at) => ApiError::Unauthorized(format!(
                    "This API key expired at {at}. Create a new key."
                )),
                AuthFailure::AddressNotAllowed(ip) => ApiError::Forbidden {
                    code: "forbidden",
                    message: format!(
                        "This API key may not be used from {ip}; see its allowed_ips."
                    ),
                },
            },
            ServiceError::InvalidCredentials => ApiError::InvalidCredentials,
            ServiceError::Forbidden { code, message } => ApiError::Forbidden { code, message },
            ServiceError::Throttled { retry_after_secs } => {
                ApiError::RateLimited { retry_after_secs }
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let request_id = services::request_id::current();
        if let ApiError::Internal(cause) = &self {
            tracing::error!(request_id = %request_id, error = format!("{cause:#}"), "internal error");
        }
        let status = self.status();
        let retry_after = match &self {
            ApiError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            ApiError::Unavailable => Some(5),
            _ => None,
        };
        let mut response = (
            status,
            Json(ErrorBody {
                error: self.code().to_owned(),
                message: self.to_string(),
                details: match self {
                    ApiError::InvalidRequest { details, .. }
                    | ApiError::ValidationFailed { details, .. } => details,
                    _ => Vec::new(),
                },
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
    use super::*;

    #[test]
    fn every_variant_has_its_status_and_code() {
        let cases = [
            (ApiError::InvalidJson("x".into()), 400, "invalid_json"),
            (ApiError::invalid("page", "bad"), 400, "invalid_request"),
            (
                ApiError::ValidationFailed {
                    code: "validation_failed",
                    message: "x".into(),
                    details: Vec::new(),
                },
                422,
                "validation_failed",
            ),
            (ApiError::Unauthorized("x".into()), 401, "invalid_api_key"),
            (ApiError::InvalidCredentials, 401, "invalid_credentials"),
            (
                ApiError::Forbidden {
                    code: "forbidden",
                    message: "x".into(),
                },
                403,
                "forbidden",
            ),
            (
                ApiError::RateLimited {
                    retry_after_secs: 3,
                },
                429,
                "rate_limit_exceeded",
            ),
            (ApiError::NotFound("x".into()), 404, "not_found"),
            (
                ApiError::MethodNotAllowed("x".into()),
                405,
                "method_not_allowed",
            ),
            (ApiError::Conflict("x".into()), 409, "conflict"),
            (
                ApiError::PayloadTooLarge { limit: 1 },
                413,
                "payload_too_large",
            ),
            (
                ApiError::UnsupportedMediaType("x".into()),
                415,
                "unsupported_media_type",
            ),
            (
                ApiError::Unavailable,
                503,
                "upstream_temporarily_unavailable",
            ),
            (
                ApiError::Internal(anyhow::anyhow!("secret cause")),
                500,
                "internal_error",
            ),
        ];
        for (err, status, code) in cases {
            assert_eq!(err.status().as_u16(), status, "{code}");
            assert_eq!(err.code(), code);
        }
    }

    #[test]
    fn internal_causes_are_never_in_the_message() {
        let err = ApiError::Internal(anyhow::anyhow!("password=hunter2"));
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn service_errors_map_to_api_errors() {
        let unavailable = ServiceError::Unavailable(anyhow::anyhow!("connection refused"));
        assert_eq!(
            ApiError::from(unavailable).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            ApiError::from(ServiceError::NotFound).status(),
            StatusCode::NOT_FOUND
        );
        let invalid = ServiceError::Invalid(vec![ErrorDetail::new("name", "too long")]);
        match ApiError::from(invalid) {
            ApiError::InvalidRequest { details, .. } => assert_eq!(details[0].path, "name"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
