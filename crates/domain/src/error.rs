//! The one error body of the REST API (SPEC §3), used by every `/v1` response that fails.

use serde::{Deserialize, Serialize};

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
    /// `error` or `warning`, for documents validated as a whole (MDL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
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

    /// Marks the detail as an `error` or a `warning`.
    #[must_use]
    pub fn with_level(mut self, level: &str) -> Self {
        self.level = Some(level.to_owned());
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
