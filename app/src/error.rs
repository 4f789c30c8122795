//! `AppError`: what a server function reports to the page, and the view that shows it.

use leptos::prelude::*;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A failure a page can show: a stable `code` to branch on, a human message, and the request
/// id to quote to support.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    /// Stable snake_case code, e.g. `upstream_temporarily_unavailable`.
    pub code: String,
    /// A sentence for the person using the page.
    pub message: String,
    /// The request that failed, when known.
    pub request_id: Option<String>,
    /// Per-field problems, for forms to show beside their fields.
    #[serde(default)]
    pub details: Vec<domain::error::ErrorDetail>,
}

impl AppError {
    /// The message for `field`, if the error names it.
    pub fn field(&self, field: &str) -> Option<String> {
        self.details
            .iter()
            .find(|d| d.path == field)
            .map(|d| d.message.clone())
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let message = match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => {
                "The server could not be reached. Check your connection and try again.".to_owned()
            }
            other => format!("The request failed: {other}"),
        };
        AppError {
            code: "request_failed".to_owned(),
            message,
            request_id: None,
            details: Vec::new(),
        }
    }
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use http::StatusCode;
    use leptos::prelude::use_context;
    use services::ServiceError;

    use super::AppError;

    /// Maps a service error to an `AppError`, setting the HTTP status of the server function's
    /// response (Leptos answers 500 otherwise). Internal causes are logged, never sent.
    pub fn from_service(err: ServiceError) -> AppError {
        let mut details = Vec::new();
        let (status, code, message) = match err {
            ServiceError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "That was not found.".to_owned(),
            ),
            ServiceError::Conflict(what) => (StatusCode::CONFLICT, "conflict", what),
            ServiceError::InvalidState { code, message } => (StatusCode::CONFLICT, code, message),
            ServiceError::Invalid(problems) => {
                let message = problems
                    .iter()
                    .map(|d| format!("{}: {}", d.path, d.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                details = problems;
                (StatusCode::BAD_REQUEST, "invalid_request", message)
            }
            ServiceError::ValidationFailed {
                code,
                message,
                details: problems,
            } => {
                details = problems;
                (StatusCode::UNPROCESSABLE_ENTITY, code, message)
            }
            ServiceError::Unauthenticated(_) => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Please sign in to continue.".to_owned(),
            ),
            ServiceError::InvalidCredentials => (
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "The email or password is not right.".to_owned(),
            ),
            ServiceError::Forbidden { code, message } => (StatusCode::FORBIDDEN, code, message),
            ServiceError::Throttled { retry_after_secs } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_exceeded",
                format!(
                    "Too many attempts. Try again in {} minutes.",
                    retry_after_secs.div_ceil(60)
                ),
            ),
            ServiceError::Unavailable(cause) => {
                tracing_warn(&format!("{cause:#}"));
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "upstream_temporarily_unavailable",
                    "The database is temporarily unavailable. Please try again in a moment."
                        .to_owned(),
                )
            }
            ServiceError::Internal(cause) => {
                tracing_warn(&format!("{cause:#}"));
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "Something went wrong on our side.".to_owned(),
                )
            }
        };
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(status);
        }
        AppError {
            code: code.to_owned(),
            message,
            request_id: Some(services::request_id::current()),
            details,
        }
    }

    fn tracing_warn(cause: &str) {
        tracing::error!(error = %cause, "server function failed");
    }
}

/// Shows errors caught by an `<ErrorBoundary>` with their request ids.
#[component]
pub fn ErrorList(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! {
        <div class="alert alert-error" role="alert">
            <p class="alert-title">"Something went wrong"</p>
            <ul>
                {move || {
                    errors
                        .get()
                        .into_iter()
                        .map(|(_, e)| {
                            let text = e.to_string();
                            view! { <li>{text}</li> }
                        })
                        .collect_view()
                }}
            </ul>
        </div>
    }
}

/// Renders one `AppError` with its request id.
#[component]
pub fn AppErrorView(error: AppError) -> impl IntoView {
    view! {
        <div class="alert alert-error" role="alert">
            <p class="alert-title">{error.message}</p>
            {error
                .request_id
                .map(|id| view! { <p class="muted">"Request id: " <code>{id}</code></p> })}
        </div>
    }
}
