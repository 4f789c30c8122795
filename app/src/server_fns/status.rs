//! The platform status shown on the home page.

use domain::status::PlatformStatus;
use leptos::prelude::*;

use crate::error::AppError;

/// Version and database backend; the task queue's counts too for a signed-in operator.
#[server(prefix = "/api/fn", endpoint = "platform_status")]
pub async fn get_platform_status() -> Result<PlatformStatus, AppError> {
    use crate::server_fns::ssr::{services, signed_in};
    let services = services()?;
    let caller = signed_in().await?.map(|(_, caller)| caller);
    services
        .platform_status(caller.as_ref())
        .await
        .map_err(crate::error::ssr::from_service)
}
