//! The platform status shown on the home page.

use domain::status::PlatformStatus;
use leptos::prelude::*;

use crate::error::AppError;

/// Version, database backend and job queue counts.
#[server(prefix = "/api/fn", endpoint = "platform_status")]
pub async fn get_platform_status() -> Result<PlatformStatus, AppError> {
    let services = use_context::<services::Services>().ok_or_else(|| AppError {
        code: "internal_error".to_owned(),
        message: "The server is misconfigured.".to_owned(),
        request_id: Some(services::request_id::current()),
        details: Vec::new(),
    })?;
    services
        .platform_status()
        .await
        .map_err(crate::error::ssr::from_service)
}
