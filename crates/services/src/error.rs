//! The service layer's error: what went wrong in terms a caller can act on.

use domain::error::ErrorDetail;
use store::StoreError;

use crate::identity::AuthFailure;

/// Errors of service operations; the REST layer and server functions map them to their own.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The resource does not exist or belongs to someone else.
    #[error("not found")]
    NotFound,
    /// The request conflicts with existing state.
    #[error("{0}")]
    Conflict(String),
    /// The resource is not in a state that allows this (e.g. `campaign_not_startable`).
    #[error("{message}")]
    InvalidState {
        /// Stable code.
        code: &'static str,
        /// Why, and what state it is in.
        message: String,
    },
    /// The input is invalid; one detail per problem.
    #[error("invalid input")]
    Invalid(Vec<ErrorDetail>),
    /// A document (MDL) was read but breaks its rules; every problem, with its level.
    #[error("{message}")]
    ValidationFailed {
        /// Stable code: `validation_failed` (MDL) or `dataset_schema_mismatch`.
        code: &'static str,
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
        code: &'static str,
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
}

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ServiceError::NotFound,
            StoreError::Conflict(what) => ServiceError::Conflict(what),
            err if err.is_unavailable() => ServiceError::Unavailable(err.into()),
            err => ServiceError::Internal(err.into()),
        }
    }
}
