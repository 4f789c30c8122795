//! `/v1/catalog` and `/v1/files`: the print catalog and the caller's uploaded parts (Make
//! family: bare JSON objects).

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use domain::error::ErrorBody;
use domain::files::{
    Catalog, ConfirmRequest, FileList, FileView, PresignRequest, PresignResponse, UnitRequest,
};
use domain::listing::ListSpec;
use services::Services;

use crate::api::auth::{scope, Scoped};
use crate::api::extract::{list_params, ApiJson};
use crate::api::ApiError;

/// Processes and materials with their prices (CNY minor units) and lead times. Public.
#[utoipa::path(get, path = "/catalog", tag = "files",
    responses((status = 200, body = Catalog)))]
pub async fn catalog(State(services): State<Services>) -> Json<Catalog> {
    Json(services.catalog())
}

/// Registers an STL file and returns its single-use upload URL (valid 15 minutes) and the
/// headers the upload must carry; then `PUT` the bytes there and confirm.
#[utoipa::path(post, path = "/files/presign", tag = "files", security(("bearer" = [])),
    request_body = PresignRequest,
    responses((status = 201, body = PresignResponse), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn presign(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::FilesWrite>,
    ApiJson(req): ApiJson<PresignRequest>,
) -> Result<(StatusCode, Json<PresignResponse>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(services.presign_file(&caller, req).await?),
    ))
}

/// Queues the analysis of an uploaded file (status `processing`); 409 `upload_incomplete`
/// before its bytes arrived.
#[utoipa::path(post, path = "/files/confirm", tag = "files", security(("bearer" = [])),
    request_body = ConfirmRequest,
    responses((status = 202, body = FileView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn confirm(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::FilesWrite>,
    ApiJson(req): ApiJson<ConfirmRequest>,
) -> Result<(StatusCode, Json<FileView>), ApiError> {
    Ok((
        StatusCode::ACCEPTED,
        Json(services.confirm_file(&caller, &req.file_id).await?),
    ))
}

/// One of the account's files with its status and, once ready, its metrics.
#[utoipa::path(get, path = "/files/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = String, Path, description = "The file's UUID")),
    responses((status = 200, body = FileView), (status = 404, body = ErrorBody)))]
pub async fn get_file(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::FilesWrite>,
    Path(id): Path<String>,
) -> Result<Json<FileView>, ApiError> {
    Ok(Json(services.file(&caller, &id).await?))
}

/// Deletes one of the account's files, whatever its status, and its stored bytes; its upload
/// URL stops working.
#[utoipa::path(delete, path = "/files/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = String, Path, description = "The file's UUID")),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
pub async fn delete_file(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::FilesWrite>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    services.delete_file(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

const LIST: ListSpec = ListSpec {
    sort_fields: &["created_at"],
    default_sort: "-created_at",
    filters: &[],
};

/// The account's files, newest first (`page`, `per_page`).
#[utoipa::path(get, path = "/files", tag = "files", security(("bearer" = [])),
    params(("page" = Option<u32>, Query, description = "Page, from 1"),
        ("per_page" = Option<u32>, Query, description = "1 to 100, default 20")),
    responses((status = 200, body = FileList), (status = 400, body = ErrorBody)))]
pub async fn list_files(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::FilesWrite>,
    RawQuery(query): RawQuery,
) -> Result<Json<FileList>, ApiError> {
    let params = list_params(query.as_deref(), &LIST)?;
    Ok(Json(
        services
            .list_files(&caller, params.offset(), params.per_page())
            .await?,
    ))
}

/// Reads the part in another unit (`mm`, `cm`, `in`): the metrics are recomputed; a user's
/// confirmation makes the unit confidence 1.0.
#[utoipa::path(post, path = "/files/{id}/unit", tag = "files", security(("bearer" = [])),
    params(("id" = String, Path, description = "The file's UUID")),
    request_body = UnitRequest,
    responses((status = 200, body = FileView), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn set_unit(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::FilesWrite>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UnitRequest>,
) -> Result<Json<FileView>, ApiError> {
    Ok(Json(services.set_file_unit(&caller, &id, req).await?))
}
