//! `AppError`: what a server function reports to the page, and the view that shows it.

use domain::error::ErrorCode;
use leptos::prelude::*;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A failure a page can show: a stable `code` to branch on, a human message, and the request
/// id to quote to support.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    /// Stable code, e.g. `upstream_temporarily_unavailable`.
    pub code: ErrorCode,
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

    /// The error a form posted without JavaScript came back with (`?error=<code>`): the code's
    /// own sentence, since only the code travels in the address.
    pub fn from_code(code: &str) -> Self {
        let code = ErrorCode::parse(code).unwrap_or(ErrorCode::InternalError);
        AppError {
            code,
            message: code.default_message().to_owned(),
            request_id: None,
            details: Vec::new(),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let code = match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => {
                ErrorCode::RequestFailed
            }
            _ => ErrorCode::InternalError,
        };
        AppError {
            code,
            message: code.default_message().to_owned(),
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

    /// Maps a service error to an `AppError` through the services' one mapping, setting the
    /// HTTP status of the server function's response (Leptos answers 500 otherwise). Internal
    /// causes are logged, never sent.
    pub fn from_service(err: ServiceError) -> AppError {
        let code = err.code();
        if let Some(cause) = err.cause() {
            tracing::error!(error = format!("{cause:#}"), code = %code, "server function failed");
        }
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(
                StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            );
        }
        AppError {
            code,
            message: err.public_message(),
            request_id: Some(services::request_id::current()),
            details: err.details().to_vec(),
        }
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
