//! The platform status shown on the home page.

use domain::status::PlatformStatus;
use leptos::prelude::*;

use crate::error::AppError;

/// Version, database backend and task queue counts.
#[server(prefix = "/api/fn", endpoint = "platform_status")]
pub async fn get_platform_status() -> Result<PlatformStatus, AppError> {
    let services = use_context::<services::Services>().ok_or_else(|| {
        crate::error::ssr::from_service(services::ServiceError::Internal(anyhow::anyhow!(
            "Services are missing from the Leptos context"
        )))
    })?;
    services
        .platform_status()
        .await
        .map_err(crate::error::ssr::from_service)
}
