//! Errors as clients see them: the one error body of the REST API (SPEC §3), and [`ErrorCode`],
//! the one table of every code with its HTTP status and a default sentence. The REST layer,
//! the server functions and the pages that work without JavaScript all take status and
//! wording from here, so a code means the same everywhere.

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

closed_set! {
    /// Every error code the platform answers with (the `error` of the REST body, the `code` of
    /// a page's error). Where the seed documents a code, it is the seed's word.
    pub enum ErrorCode("error code") {
        /// The body is not JSON at all.
        InvalidJson = "invalid_json",
        /// Well-formed but wrong: types, missing fields, bad parameters (one detail per problem).
        InvalidRequest = "invalid_request",
        /// A document (MDL) was read but breaks its rules; every problem, with its level.
        ValidationFailed = "validation_failed",
        /// A dataset does not fit the MDL document it is used with.
        DatasetSchemaMismatch = "dataset_schema_mismatch",
        /// Missing, malformed, unknown, revoked or expired API key.
        InvalidApiKey = "invalid_api_key",
        /// Wrong email or password (never says which).
        InvalidCredentials = "invalid_credentials",
        /// A page or server function needs a signed-in person.
        Unauthenticated = "unauthenticated",
        /// The code mailed for `POST /v1/connect` does not match (the message says how many
        /// tries are left).
        InvalidVerificationCode = "invalid_verification_code",
        /// No code is waiting for this email any more: it expired, was used, or ran out of
        /// tries. Call connect without a code for a new one.
        VerificationCodeExpired = "verification_code_expired",
        /// A mailed link that expired or was already used.
        LinkExpired = "link_expired",
        /// The account's email is not confirmed yet; a link was mailed.
        EmailNotVerified = "email_not_verified",
        /// Authenticated, but not allowed (a missing scope, an address outside the allowlist).
        Forbidden = "forbidden",
        /// A cross-site request that changes something was refused.
        CsrfRejected = "csrf_rejected",
        /// The account holds as many of something (keys, datasets, stored bytes…) as its plan
        /// allows; the message names the limit.
        QuotaExceeded = "quota_exceeded",
        /// An upload URL whose signature does not match.
        InvalidSignature = "invalid_signature",
        /// No such resource or route (also for another account's resources).
        NotFound = "not_found",
        /// No such file in this account (the Make family's word, as the seed writes it).
        FileNotFound = "file_not_found",
        /// The file is not analysed yet (or its analysis failed).
        FileNotReady = "file_not_ready",
        /// The route exists, but not with this method.
        MethodNotAllowed = "method_not_allowed",
        /// The request conflicts with what exists (a name already taken).
        Conflict = "conflict",
        /// Only a campaign in status `created` can start.
        CampaignNotStartable = "campaign_not_startable",
        /// Only a running campaign can stop.
        CampaignNotStoppable = "campaign_not_stoppable",
        /// The campaign has no candidates waiting for lab results.
        CampaignNotAwaitingEvaluations = "campaign_not_awaiting_evaluations",
        /// Only a queued or running job can be cancelled.
        JobNotCancellable = "job_not_cancellable",
        /// Only the newest job of a campaign, once failed or cancelled, can be retried.
        JobNotRetryable = "job_not_retryable",
        /// A job failed (the `code` of a progress `error` event).
        JobFailed = "job_failed",
        /// The file's bytes have not arrived at its upload URL yet.
        UploadIncomplete = "upload_incomplete",
        /// The file was already confirmed.
        FileAlreadyConfirmed = "file_already_confirmed",
        /// The upload URL was already used.
        UploadUrlUsed = "upload_url_used",
        /// The upload URL has expired.
        UploadUrlExpired = "upload_url_expired",
        /// The body is larger than allowed.
        PayloadTooLarge = "payload_too_large",
        /// The body's content type is not one this endpoint takes.
        UnsupportedMediaType = "unsupported_media_type",
        /// Too many requests; retry after `Retry-After` seconds.
        RateLimitExceeded = "rate_limit_exceeded",
        /// The database (or another dependency) is unreachable; retry shortly.
        UpstreamTemporarilyUnavailable = "upstream_temporarily_unavailable",
        /// A bug on the server's side; quote the request id.
        InternalError = "internal_error",
        /// The browser could not reach the server (never sent by the server).
        RequestFailed = "request_failed",
    }
}

impl ErrorCode {
    /// The HTTP status this code answers with.
    pub const fn status(self) -> u16 {
        match self {
            ErrorCode::InvalidJson
            | ErrorCode::InvalidRequest
            | ErrorCode::FileNotReady
            | ErrorCode::InvalidVerificationCode
            | ErrorCode::RequestFailed => 400,
            ErrorCode::InvalidApiKey
            | ErrorCode::InvalidCredentials
            | ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden
            | ErrorCode::CsrfRejected
            | ErrorCode::QuotaExceeded
            | ErrorCode::InvalidSignature
            | ErrorCode::EmailNotVerified => 403,
            ErrorCode::NotFound | ErrorCode::FileNotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Conflict
            | ErrorCode::CampaignNotStartable
            | ErrorCode::CampaignNotStoppable
            | ErrorCode::CampaignNotAwaitingEvaluations
            | ErrorCode::JobNotCancellable
            | ErrorCode::JobNotRetryable
            | ErrorCode::UploadIncomplete
            | ErrorCode::FileAlreadyConfirmed
            | ErrorCode::UploadUrlUsed => 409,
            ErrorCode::UploadUrlExpired
            | ErrorCode::VerificationCodeExpired
            | ErrorCode::LinkExpired => 410,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::ValidationFailed | ErrorCode::DatasetSchemaMismatch => 422,
            ErrorCode::RateLimitExceeded => 429,
            ErrorCode::InternalError | ErrorCode::JobFailed => 500,
            ErrorCode::UpstreamTemporarilyUnavailable => 503,
        }
    }

    /// A sentence for a person when nothing more specific is at hand (a form posted without
    /// JavaScript comes back with only the code).
    pub const fn default_message(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "The request body is not valid JSON.",
            ErrorCode::InvalidRequest => "Some fields are missing or not right; check the form.",
            ErrorCode::ValidationFailed => "The document has errors; see the problems listed.",
            ErrorCode::DatasetSchemaMismatch => "The dataset does not fit the design space.",
            ErrorCode::InvalidApiKey => "The API key is missing, invalid, revoked or expired.",
            ErrorCode::InvalidCredentials => "The email or password is not right.",
            ErrorCode::Unauthenticated => "Please sign in to continue.",
            ErrorCode::InvalidVerificationCode => "The code is not right.",
            ErrorCode::VerificationCodeExpired => {
                "That code has expired or was used up. Ask for a new one."
            }
            ErrorCode::LinkExpired => {
                "This link has expired or was already used. Ask for a new one."
            }
            ErrorCode::EmailNotVerified => {
                "Confirm your email first: we sent you a link. Open it, then sign in."
            }
            ErrorCode::Forbidden => "You are not allowed to do this.",
            ErrorCode::CsrfRejected => "This request came from another site and was refused.",
            ErrorCode::QuotaExceeded => {
                "This account has reached a limit of its plan; delete something first."
            }
            ErrorCode::InvalidSignature => "The upload URL's signature is not valid.",
            ErrorCode::NotFound => "That was not found.",
            ErrorCode::FileNotFound => "That file was not found.",
            ErrorCode::FileNotReady => "The file is not analysed yet.",
            ErrorCode::MethodNotAllowed => "This address does not accept this method.",
            ErrorCode::Conflict => "That already exists; choose another name.",
            ErrorCode::CampaignNotStartable => "Only a campaign that has not started can start.",
            ErrorCode::CampaignNotStoppable => "Only a running campaign can stop.",
            ErrorCode::CampaignNotAwaitingEvaluations => "No candidates are waiting for results.",
            ErrorCode::JobNotCancellable => "Only a queued or running job can be cancelled.",
            ErrorCode::JobNotRetryable => "Only a failed or cancelled job can be retried.",
            ErrorCode::JobFailed => "The job failed.",
            ErrorCode::UploadIncomplete => "The file's bytes have not arrived yet.",
            ErrorCode::FileAlreadyConfirmed => "The file was already confirmed.",
            ErrorCode::UploadUrlUsed => "The upload URL was already used.",
            ErrorCode::UploadUrlExpired => "The upload URL has expired; start the upload again.",
            ErrorCode::PayloadTooLarge => "The request is too large.",
            ErrorCode::UnsupportedMediaType => "The request's content type is not accepted here.",
            ErrorCode::RateLimitExceeded => "Too many attempts. Wait a few minutes and try again.",
            ErrorCode::UpstreamTemporarilyUnavailable => {
                "The service is temporarily unavailable. Please try again in a moment."
            }
            ErrorCode::InternalError => "Something went wrong on our side.",
            ErrorCode::RequestFailed => {
                "The server could not be reached. Check your connection and try again."
            }
        }
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
    pub error: ErrorCode,
    /// A human sentence; never parse it.
    pub message: String,
    /// Per-field problems; may be empty.
    pub details: Vec<ErrorDetail>,
    /// The request id, also sent as `X-Request-ID`.
    pub request_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_an_error_status_and_a_sentence() {
        for &code in ErrorCode::ALL {
            assert!((400..600).contains(&code.status()), "{code}");
            assert!(code.default_message().ends_with('.'), "{code}");
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::FileNotReady.status(), 400, "as the seed answers");
        assert_eq!(ErrorCode::FileNotFound.status(), 404);
    }
}
