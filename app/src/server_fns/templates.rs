//! The template gallery's operations.

use domain::campaigns::TemplateSummary;
use leptos::prelude::*;

use crate::error::AppError;

/// The built-in templates and the account's own; `None` for a visitor who is not signed in (the service needs a
/// caller, so the gallery invites visitors to sign in).
#[server(prefix = "/api/fn", endpoint = "list_templates")]
pub async fn list_templates() -> Result<Option<Vec<TemplateSummary>>, AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let Some((_, caller)) = signed_in().await? else {
        return Ok(None);
    };
    let params = first_page(&domain::campaigns::TEMPLATE_LIST, &[])?;
    services()?
        .list_templates(&caller, &params)
        .await
        .map(|(templates, _)| Some(templates))
        .map_err(from_service)
}
