//! The API keys page's operations, for the signed-in user.

use domain::auth::{ApiKeyView, CreatedApiKey, Scope};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;

/// The account's keys, newest first (no secrets).
#[server(prefix = "/api/fn", endpoint = "list_api_keys")]
pub async fn list_api_keys() -> Result<Vec<ApiKeyView>, AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let caller = require_caller().await?;
    let params = first_page(&domain::auth::API_KEY_LIST, &[])?;
    let (keys, _) = services()?
        .list_api_keys(&caller, &params)
        .await
        .map_err(from_service)?;
    Ok(keys)
}

/// Creates a key; `expires_on` is an optional date (`YYYY-MM-DD`, end of that day UTC).
#[server(prefix = "/api/fn", endpoint = "create_api_key", input = Json)]
pub async fn create_api_key(
    name: String,
    scopes: Vec<Scope>,
    expires_on: Option<String>,
) -> Result<CreatedApiKey, AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let caller = require_caller().await?;
    let expires_at = expires_on
        .filter(|d| !d.trim().is_empty())
        .map(|d| format!("{}T23:59:59Z", d.trim()));
    let request = domain::auth::CreateApiKeyRequest {
        name,
        scopes,
        expires_at,
        kind: None,
    };
    services()?
        .create_api_key(&caller, request)
        .await
        .map_err(from_service)
}

/// Revokes one of the account's keys.
#[server(prefix = "/api/fn", endpoint = "revoke_api_key")]
pub async fn revoke_api_key(id: String) -> Result<(), AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let caller = require_caller().await?;
    services()?
        .revoke_api_key(&caller, &id)
        .await
        .map_err(from_service)
}
