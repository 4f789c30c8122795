//! `POST /v1/connect` (SPEC §6): an account and an API key from an email; for an email that
//! has an account, only with the code mailed to it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::auth::{ConnectOutcome, ConnectRequest, ConnectResponse, VerificationRequired};
use domain::error::ErrorBody;
use services::Services;

use crate::api::extract::ApiJson;
use crate::api::ApiError;

/// A new email: creates the account and issues an `admin` API key, shown once (201). An email
/// that has an account: no key; a one-time code is mailed to the address (202
/// `verification_required`); the same call with `code` then issues the key (201). Public;
/// limited per client address.
#[utoipa::path(post, path = "/connect", tag = "accounts",
    request_body = ConnectRequest,
    responses(
        (status = 201, description = "A new key (and the account when the email was new)", body = ConnectResponse),
        (status = 202, description = "The email has an account: ask its owner for the mailed code", body = VerificationRequired),
        (status = 400, description = "Invalid email or name, or a wrong code (`invalid_verification_code`)", body = ErrorBody),
        (status = 410, description = "No code is waiting: expired, used or out of tries (`verification_code_expired`)", body = ErrorBody),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
    ))]
pub async fn connect(
    State(services): State<Services>,
    ApiJson(req): ApiJson<ConnectRequest>,
) -> Result<(StatusCode, Json<ConnectOutcome>), ApiError> {
    let outcome = services.connect(req).await?;
    let status = match outcome {
        ConnectOutcome::Connected(_) => StatusCode::CREATED,
        ConnectOutcome::VerificationRequired(_) => StatusCode::ACCEPTED,
    };
    Ok((status, Json(outcome)))
}
