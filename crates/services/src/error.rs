//! The service layer's error, and its one mapping to what clients see: every [`ServiceError`]
//! has an [`ErrorCode`] (which gives the HTTP status), a message safe to show, its details and
//! an optional `Retry-After`. The REST layer and the server functions both use this mapping.

use domain::error::{ErrorCode, ErrorDetail};
use store::StoreError;

use crate::identity::AuthFailure;

/// What was not found (another account's resources are not found either).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// A campaign.
    Campaign,
    /// A job of `/v1/jobs`.
    Job,
    /// A dataset.
    Dataset,
    /// A template.
    Template,
    /// An API key.
    ApiKey,
    /// An uploaded part (Make family: `file_not_found`).
    File,
    /// Something the store did not name.
    Record,
}

impl Resource {
    /// The resource's name in a sentence.
    fn noun(self) -> &'static str {
        match self {
            Resource::Campaign => "campaign",
            Resource::Job => "job",
            Resource::Dataset => "dataset",
            Resource::Template => "template",
            Resource::ApiKey => "API key",
            Resource::File => "file",
            Resource::Record => "resource",
        }
    }
}

/// Errors of service operations.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The resource does not exist or belongs to someone else.
    #[error("{} not found", .0.noun())]
    NotFound(Resource),
    /// The request conflicts with existing state (e.g. a name already taken).
    #[error("{0}")]
    Conflict(String),
    /// The resource is not in a state that allows this (e.g. `campaign_not_startable`).
    #[error("{message}")]
    InvalidState {
        /// Stable code.
        code: ErrorCode,
        /// Why, and what state it is in.
        message: String,
    },
    /// The input is invalid; one detail per problem.
    #[error("invalid input")]
    Invalid(Vec<ErrorDetail>),
    /// A document (MDL, a dataset) was read but breaks its rules; every problem, with its level.
    #[error("{message}")]
    ValidationFailed {
        /// `validation_failed` or `dataset_schema_mismatch`.
        code: ErrorCode,
        /// Summary sentence.
        message: String,
        /// Every problem found.
        details: Vec<ErrorDetail>,
    },
    /// The API key or session is missing, unknown, revoked or expired.
    #[error("not authenticated")]
    Unauthenticated(AuthFailure),
    /// Wrong email or password (deliberately not saying which).
    #[error("wrong email or password")]
    InvalidCredentials,
    /// Authenticated, but not allowed to do this.
    #[error("{message}")]
    Forbidden {
        /// Stable code, e.g. `forbidden`.
        code: ErrorCode,
        /// What is missing.
        message: String,
    },
    /// Too many attempts; retry after this many seconds.
    #[error("too many attempts")]
    Throttled {
        /// Seconds until the next attempt may succeed.
        retry_after_secs: u64,
    },
    /// A dependency (the database) is unreachable; retrying later may succeed.
    #[error("a dependency is temporarily unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// A bug or an unexpected failure; logged, never shown in detail.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ServiceError {
    /// A single-field validation error.
    pub fn invalid(detail: ErrorDetail) -> Self {
        ServiceError::Invalid(vec![detail])
    }

    /// The code clients see.
    pub fn code(&self) -> ErrorCode {
        match self {
            ServiceError::NotFound(Resource::File) => ErrorCode::FileNotFound,
            ServiceError::NotFound(_) => ErrorCode::NotFound,
            ServiceError::Conflict(_) => ErrorCode::Conflict,
            ServiceError::InvalidState { code, .. }
            | ServiceError::ValidationFailed { code, .. }
            | ServiceError::Forbidden { code, .. } => *code,
            ServiceError::Invalid(_) => ErrorCode::InvalidRequest,
            ServiceError::Unauthenticated(AuthFailure::AddressNotAllowed(_)) => {
                ErrorCode::Forbidden
            }
            ServiceError::Unauthenticated(_) => ErrorCode::InvalidApiKey,
            ServiceError::InvalidCredentials => ErrorCode::InvalidCredentials,
            ServiceError::Throttled { .. } => ErrorCode::RateLimitExceeded,
            ServiceError::Unavailable(_) => ErrorCode::UpstreamTemporarilyUnavailable,
            ServiceError::Internal(_) => ErrorCode::InternalError,
        }
    }

    /// A sentence safe to show anyone: it never contains an internal cause.
    pub fn public_message(&self) -> String {
        match self {
            ServiceError::NotFound(resource) => {
                let noun = resource.noun();
                let mut capital = noun.chars();
                let first = capital.next().map(|c| c.to_ascii_uppercase());
                format!(
                    "{}{} not found: no {noun} with this id exists in this account.",
                    first.unwrap_or_default(),
                    capital.as_str()
                )
            }
            ServiceError::Conflict(message)
            | ServiceError::InvalidState { message, .. }
            | ServiceError::ValidationFailed { message, .. }
            | ServiceError::Forbidden { message, .. } => message.clone(),
            ServiceError::Invalid(details) => match details.as_slice() {
                [one] => format!("{}: {}", one.path, one.message),
                _ => "The request is invalid; see details.".to_owned(),
            },
            ServiceError::Unauthenticated(failure) => match failure {
                AuthFailure::Missing => {
                    "This endpoint needs an API key: send 'Authorization: Bearer <key>'.".to_owned()
                }
                AuthFailure::Invalid => "The API key is invalid or has been revoked.".to_owned(),
                AuthFailure::Expired(at) => {
                    format!("This API key expired at {at}. Create a new key.")
                }
                AuthFailure::AddressNotAllowed(ip) => {
                    format!("This API key may not be used from {ip}; see its allowed_ips.")
                }
            },
            ServiceError::Throttled { retry_after_secs } => format!(
                "Too many attempts. Try again in {} minutes.",
                retry_after_secs.div_ceil(60).max(1)
            ),
            ServiceError::InvalidCredentials
            | ServiceError::Unavailable(_)
            | ServiceError::Internal(_) => self.code().default_message().to_owned(),
        }
    }

    /// The per-field problems, if any.
    pub fn details(&self) -> &[ErrorDetail] {
        match self {
            ServiceError::Invalid(details) | ServiceError::ValidationFailed { details, .. } => {
                details
            }
            _ => &[],
        }
    }

    /// Seconds a client should wait before retrying, when waiting helps.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            ServiceError::Throttled { retry_after_secs } => Some(*retry_after_secs),
            ServiceError::Unavailable(_) => Some(5),
            _ => None,
        }
    }

    /// The cause to log (internal failures and outages); `None` for the caller's own mistakes.
    pub fn cause(&self) -> Option<&anyhow::Error> {
        match self {
            ServiceError::Unavailable(cause) | ServiceError::Internal(cause) => Some(cause),
            _ => None,
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ServiceError::NotFound(Resource::Record),
            StoreError::Conflict(what) => ServiceError::Conflict(what),
            err if err.is_unavailable() => ServiceError::Unavailable(err.into()),
            err => ServiceError::Internal(err.into()),
        }
    }
}

/// Names the resource a store lookup was for, so "not found" says what was not found (and
/// the Make family answers `file_not_found`).
pub(crate) trait Found<T> {
    /// `NotFound(what)` when the store found nothing; other errors as they are.
    fn found(self, what: Resource) -> Result<T, ServiceError>;
}

impl<T> Found<T> for Result<T, StoreError> {
    fn found(self, what: Resource) -> Result<T, ServiceError> {
        self.map_err(|e| match e {
            StoreError::NotFound => ServiceError::NotFound(what),
            other => other.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_the_seeds_file_not_found_and_others_not_found() {
        assert_eq!(
            ServiceError::NotFound(Resource::File).code(),
            ErrorCode::FileNotFound
        );
        assert_eq!(
            ServiceError::NotFound(Resource::Campaign).code(),
            ErrorCode::NotFound
        );
        assert_eq!(
            ServiceError::NotFound(Resource::Campaign).public_message(),
            "Campaign not found: no campaign with this id exists in this account."
        );
    }

    #[test]
    fn internal_causes_never_reach_the_message() {
        let err = ServiceError::Internal(anyhow::anyhow!("password=hunter2 at db.internal"));
        assert!(!err.public_message().contains("hunter2"));
        assert_eq!(err.code().status(), 500);
        assert!(err.cause().is_some());
    }
}
