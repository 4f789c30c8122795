//! Liveness, readiness and the platform status.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::envelope::Envelope;
use domain::status::PlatformStatus;
use serde::Serialize;
use services::Services;
use utoipa::ToSchema;

use super::{envelope, ApiError};

/// Body of `/health` and `/ready`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Probe {
    /// `ok` or `ready`.
    pub status: &'static str,
}

/// Liveness: the process is up and serving HTTP. Never touches the database.
#[utoipa::path(get, path = "/health", tag = "system",
    responses((status = 200, description = "The process is alive", body = Probe)))]
pub async fn health() -> Json<Probe> {
    Json(Probe { status: "ok" })
}

/// Readiness: the database answers. 503 while it does not; the process keeps running.
#[utoipa::path(get, path = "/ready", tag = "system",
    responses(
        (status = 200, description = "Ready to serve", body = Probe),
        (status = 503, description = "The database is unreachable", body = domain::error::ErrorBody),
    ))]
pub async fn ready(
    State(services): State<Services>,
) -> Result<(StatusCode, Json<Probe>), ApiError> {
    services.readiness().await?;
    Ok((StatusCode::OK, Json(Probe { status: "ready" })))
}

/// `{"data": PlatformStatus, "meta": Meta}` (documentation of the envelope's shape).
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusResponse {
    /// The status.
    pub data: PlatformStatus,
    /// Request metadata.
    pub meta: domain::envelope::Meta,
}

/// The server's version, database backend and job queue counts.
#[utoipa::path(get, path = "/status", tag = "system",
    responses(
        (status = 200, description = "Platform status", body = Envelope<PlatformStatus>),
        (status = 503, description = "The database is unreachable", body = domain::error::ErrorBody),
    ))]
pub async fn status(
    State(services): State<Services>,
) -> Result<Json<Envelope<PlatformStatus>>, ApiError> {
    Ok(envelope::ok(services.platform_status().await?))
}
