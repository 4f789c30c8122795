//! `/v1/datasets`: CSV or JSON tables the account uploads, to warm-start campaigns or as the
//! candidate pool of a pool-based campaign (Discover envelope).

use axum::extract::{FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use domain::datasets::DATASET_LIST;
use domain::datasets::{DatasetDetail, DatasetFormat, DatasetSummary};
use domain::envelope::{Envelope, ListEnvelope};
use domain::error::ErrorBody;
use services::datasets::{DatasetUpload, MAX_DATASET_BYTES};
use services::Services;

use crate::api::auth::{scope, Scoped};
use crate::api::extract::list_params;
use crate::api::{envelope, ApiError};

/// Room for the multipart framing and the small fields around the file.
pub const UPLOAD_LIMIT: usize = MAX_DATASET_BYTES + 64 * 1024;

/// Uploads a dataset: multipart `file` (`.csv` with a header row, or `.json` with an array of
/// objects; at most 10 MiB), optional `name` and `description`, and optional `template_id`
/// to check the table against that template's MDL (422 `dataset_schema_mismatch` with every
/// missing or mistyped column; rows out of bounds or without objectives come back as
/// warnings).
#[utoipa::path(post, path = "/datasets", tag = "datasets", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "file, name, description, template_id"),
    responses(
        (status = 201, description = "The dataset with its first rows", body = Envelope<DatasetDetail>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
pub async fn upload_dataset(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::DatasetsWrite>,
    request: Request,
) -> Result<(StatusCode, Json<Envelope<DatasetDetail>>), ApiError> {
    let form = read_form(request).await?;
    let Some((filename, content_type, bytes)) = form.file else {
        return Err(ApiError::invalid(
            "file",
            "send the dataset (CSV or JSON) in the field file",
        ));
    };
    let dataset = services
        .upload_dataset(
            &caller,
            DatasetUpload {
                name: form.name.as_deref(),
                description: form.description.as_deref(),
                filename: &filename,
                content_type: content_type.as_deref(),
                bytes: &bytes,
                template_id: form.template_id.as_deref(),
            },
        )
        .await?;
    Ok(envelope::created(dataset))
}

#[derive(Default)]
struct DatasetForm {
    file: Option<(String, Option<String>, axum::body::Bytes)>,
    name: Option<String>,
    description: Option<String>,
    template_id: Option<String>,
}

async fn read_form(request: Request) -> Result<DatasetForm, ApiError> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge {
                limit: MAX_DATASET_BYTES,
            }
        } else {
            ApiError::invalid(
                "file",
                format!("the multipart body cannot be read: {}", e.body_text()),
            )
        }
    };
    let mut multipart = Multipart::from_request(request, &()).await.map_err(|e| {
        ApiError::invalid(
            "body",
            format!("send multipart/form-data: {}", e.body_text()),
        )
    })?;
    let mut form = DatasetForm::default();
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let field_name = field.name().unwrap_or_default().to_owned();
        if field_name == "file" {
            let filename = field.file_name().unwrap_or("dataset").to_owned();
            let content_type = field.content_type().map(str::to_owned);
            let bytes = field.bytes().await.map_err(unreadable)?;
            form.file = Some((filename, content_type, bytes));
            continue;
        }
        let text = field.text().await.map_err(unreadable)?;
        let value = Some(text).filter(|t| !t.trim().is_empty());
        match field_name.as_str() {
            "name" => form.name = value,
            "description" => form.description = value,
            "template_id" => form.template_id = value,
            other => {
                return Err(ApiError::invalid(
                    other,
                    "unknown field; send file, and optionally name, description and template_id",
                ))
            }
        }
    }
    Ok(form)
}

/// Lists the account's datasets, newest first by default.
#[utoipa::path(get, path = "/datasets", tag = "datasets", security(("bearer" = [])),
    params(
        ("page" = Option<u32>, Query, description = "Page, from 1"),
        ("per_page" = Option<u32>, Query, description = "1 to 100, default 20"),
        ("sort" = Option<String>, Query, description = "created_at, name, row_count or size_bytes; '-' for descending"),
    ),
    responses((status = 200, body = ListEnvelope<DatasetSummary>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list_datasets(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::DatasetsRead>,
    RawQuery(query): RawQuery,
) -> Result<Json<ListEnvelope<DatasetSummary>>, ApiError> {
    let params = list_params(query.as_deref(), &DATASET_LIST)?;
    let (datasets, total) = services.list_datasets(&caller, &params).await?;
    Ok(envelope::list(datasets, total, &params))
}

/// One dataset with its columns and first 10 rows.
#[utoipa::path(get, path = "/datasets/{id}", tag = "datasets", security(("bearer" = [])),
    params(("id" = String, Path, description = "ds_…")),
    responses((status = 200, body = Envelope<DatasetDetail>), (status = 404, body = ErrorBody)))]
pub async fn get_dataset(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::DatasetsRead>,
    Path(id): Path<String>,
) -> Result<Json<Envelope<DatasetDetail>>, ApiError> {
    Ok(envelope::ok(services.dataset(&caller, &id).await?))
}

/// The dataset's file exactly as uploaded.
#[utoipa::path(get, path = "/datasets/{id}/download", tag = "datasets", security(("bearer" = [])),
    params(("id" = String, Path, description = "ds_…")),
    responses((status = 200, description = "text/csv or application/json", body = String),
        (status = 404, body = ErrorBody)))]
pub async fn download_dataset(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::DatasetsRead>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let services::datasets::DatasetFile {
        filename,
        format,
        content,
    } = services.dataset_file(&caller, &id).await?;
    let content_type = match format {
        DatasetFormat::Csv => "text/csv; charset=utf-8",
        DatasetFormat::Json => "application/json",
    };
    // The stored name came from the client: keep it to safe characters in the header.
    let safe: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe}\""),
            ),
        ],
        content,
    ))
}

/// Deletes a dataset. Campaigns warm-started from it keep their copied rows; a pool-based
/// campaign that still needs it fails with a clear reason when it next runs.
#[utoipa::path(delete, path = "/datasets/{id}", tag = "datasets", security(("bearer" = [])),
    params(("id" = String, Path, description = "ds_…")),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
pub async fn delete_dataset(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::DatasetsWrite>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    services.delete_dataset(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
