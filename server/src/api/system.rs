//! Liveness, readiness and the platform status.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use domain::envelope::Envelope;
use domain::status::PlatformStatus;
use serde::Serialize;
use services::{Caller, Services};
use utoipa::ToSchema;

use super::{envelope, ApiError};

/// Body of `/health` and `/ready`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Probe {
    /// What the probe found.
    pub status: ProbeStatus,
}

/// `ok` from `/health`, `ready` from `/ready`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProbeStatus {
    /// The process is alive.
    Ok,
    /// The database answers too.
    Ready,
}

/// Liveness: the process is up and serving HTTP. Never touches the database.
#[utoipa::path(get, path = "/health", tag = "system",
    responses((status = 200, description = "The process is alive", body = Probe)))]
pub async fn health() -> Json<Probe> {
    Json(Probe {
        status: ProbeStatus::Ok,
    })
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
    Ok((
        StatusCode::OK,
        Json(Probe {
            status: ProbeStatus::Ready,
        }),
    ))
}

/// The server's version and database backend; with an operator's key or session also the task
/// queue's counts (every account's activity, so nobody else sees them).
#[utoipa::path(get, path = "/status", tag = "system",
    responses(
        (status = 200, description = "Platform status", body = Envelope<PlatformStatus>),
        (status = 503, description = "The database is unreachable", body = domain::error::ErrorBody),
    ))]
pub async fn status(
    State(services): State<Services>,
    caller: Option<Extension<Caller>>,
) -> Result<Json<Envelope<PlatformStatus>>, ApiError> {
    let caller = caller.map(|Extension(caller)| caller);
    Ok(envelope::ok(
        services.platform_status(caller.as_ref()).await?,
    ))
}
