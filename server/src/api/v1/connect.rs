//! `POST /v1/connect` (SPEC §6): an account and an API key from an email.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::auth::{ConnectRequest, ConnectResponse};
use domain::error::ErrorBody;
use services::Services;

use crate::api::extract::ApiJson;
use crate::api::ApiError;

/// Creates the account for a new email (or finds the existing one) and issues a new `admin`
/// API key, shown once. Public; limited per client address.
#[utoipa::path(post, path = "/connect", tag = "accounts",
    request_body = ConnectRequest,
    responses(
        (status = 201, description = "A new key (and the account when the email was new)", body = ConnectResponse),
        (status = 400, description = "Invalid email or name", body = ErrorBody),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
    ))]
pub async fn connect(
    State(services): State<Services>,
    ApiJson(req): ApiJson<ConnectRequest>,
) -> Result<(StatusCode, Json<ConnectResponse>), ApiError> {
    Ok((StatusCode::CREATED, Json(services.connect(req).await?)))
}
