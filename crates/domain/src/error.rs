//! The one error body of the REST API (SPEC §3), used by every `/v1` response that fails.

use serde::{Deserialize, Serialize};

use crate::vocabulary::closed_set;

closed_set! {
    /// How serious one problem of a document checked as a whole (MDL, a dataset) is.
    pub enum IssueLevel("issue level") {
        /// The document is refused.
        Error = "error",
        /// Accepted, but worth a look.
        Warning = "warning",
    }
}

/// One problem inside an error: where it is (`path`), what is wrong, and the offending value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Location of the problem, e.g. `parameters[0].bounds`, `per_page` or `body`.
    pub path: String,
    /// A human sentence describing the problem.
    pub message: String,
    /// The value that was rejected, when it helps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    /// For documents checked as a whole (MDL, datasets): an error or a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<IssueLevel>,
}

impl ErrorDetail {
    /// A detail without an offending value.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
            value: None,
            level: None,
        }
    }

    /// Marks the detail as an error or a warning.
    #[must_use]
    pub fn with_level(mut self, level: IssueLevel) -> Self {
        self.level = Some(level);
        self
    }

    /// Attaches the rejected value.
    #[must_use]
    pub fn with_value(mut self, value: impl Into<serde_json::Value>) -> Self {
        self.value = Some(value.into());
        self
    }
}

/// `{"error", "message", "details", "request_id"}`: the body of every failed `/v1` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable snake_case code that programs match on, e.g. `not_found`.
    pub error: String,
    /// A human sentence; never parse it.
    pub message: String,
    /// Per-field problems; may be empty.
    pub details: Vec<ErrorDetail>,
    /// The request id, also sent as `X-Request-ID`.
    pub request_id: String,
}
