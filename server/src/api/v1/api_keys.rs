//! `/v1/api-keys`: the caller's API keys (Discover envelope; `admin` scope).

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use domain::auth::API_KEY_LIST;
use domain::auth::{ApiKeyView, CreateApiKeyRequest, CreatedApiKey, UpdateApiKeyRequest};
use domain::envelope::{Envelope, ListEnvelope};
use domain::error::ErrorBody;
use services::Services;

use crate::api::auth::{scope, Scoped};
use crate::api::extract::{list_params, ApiJson};
use crate::api::{envelope, ApiError};

/// Creates a key with the given scopes and optional expiry. The key is in the response once.
#[utoipa::path(post, path = "/api-keys", tag = "api-keys", security(("bearer" = [])),
    request_body = CreateApiKeyRequest,
    responses(
        (status = 201, description = "The new key, shown once", body = Envelope<CreatedApiKey>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub async fn create_api_key(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::Admin>,
    ApiJson(req): ApiJson<CreateApiKeyRequest>,
) -> Result<(StatusCode, Json<Envelope<CreatedApiKey>>), ApiError> {
    Ok(envelope::created(
        services.create_api_key(&caller, req).await?,
    ))
}

/// Lists the account's keys (never the secrets), newest first by default.
#[utoipa::path(get, path = "/api-keys", tag = "api-keys", security(("bearer" = [])),
    params(
        ("page" = Option<u32>, Query, description = "Page, from 1"),
        ("per_page" = Option<u32>, Query, description = "1 to 100, default 20"),
        ("sort" = Option<String>, Query, description = "created_at, name or last_used_at; '-' for descending"),
    ),
    responses(
        (status = 200, description = "A page of keys", body = ListEnvelope<ApiKeyView>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub async fn list_api_keys(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::Admin>,
    RawQuery(query): RawQuery,
) -> Result<Json<ListEnvelope<ApiKeyView>>, ApiError> {
    let params = list_params(query.as_deref(), &API_KEY_LIST)?;
    let (keys, total) = services.list_api_keys(&caller, &params).await?;
    Ok(envelope::list(keys, total, &params))
}

/// Revokes a key at once; requests with it get 401 from then on.
#[utoipa::path(delete, path = "/api-keys/{id}", tag = "api-keys", security(("bearer" = [])),
    params(("id" = String, Path, description = "key_…")),
    responses((status = 204, description = "Revoked"), (status = 404, body = ErrorBody)))]
pub async fn delete_api_key(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::Admin>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    services.revoke_api_key(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets the networks a key may be used from (`allowed_ips`, CIDR) or renames it.
#[utoipa::path(patch, path = "/api-keys/{id}", tag = "api-keys", security(("bearer" = [])),
    params(("id" = String, Path, description = "key_…")),
    request_body = UpdateApiKeyRequest,
    responses((status = 200, body = Envelope<ApiKeyView>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_api_key(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::Admin>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdateApiKeyRequest>,
) -> Result<Json<Envelope<ApiKeyView>>, ApiError> {
    Ok(envelope::ok(
        services.update_api_key(&caller, &id, req).await?,
    ))
}
