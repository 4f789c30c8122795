//! `/v1/templates`: the built-in MDL templates and the account's own (Discover envelope).

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use domain::campaigns::TEMPLATE_LIST;
use domain::campaigns::{CreateTemplateRequest, TemplateDetail, TemplateSummary};
use domain::envelope::{Envelope, ListEnvelope};
use domain::error::ErrorBody;
use services::Services;

use crate::api::auth::{scope, Scoped};
use crate::api::extract::{list_params, ApiJson};
use crate::api::{envelope, ApiError};

/// Lists the built-in templates and the account's own, optionally of one `domain` or matching
/// `search`, paged and sorted like every Discover list (default sort `slug`).
#[utoipa::path(get, path = "/templates", tag = "templates", security(("bearer" = [])),
    params(
        ("page" = Option<u32>, Query, description = "Page, from 1"),
        ("per_page" = Option<u32>, Query, description = "1 to 100, default 20"),
        ("sort" = Option<String>, Query, description = "slug (default), name, domain, parameters_count, objectives_count or default_budget; '-' for descending"),
        ("domain" = Option<String>, Query, description = "e.g. battery"),
        ("search" = Option<String>, Query, description = "Text in the slug, name, description or tags"),
    ),
    responses(
        (status = 200, description = "A page of the matching templates", body = ListEnvelope<TemplateSummary>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub async fn list_templates(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::TemplatesRead>,
    RawQuery(query): RawQuery,
) -> Result<Json<ListEnvelope<TemplateSummary>>, ApiError> {
    let params = list_params(query.as_deref(), &TEMPLATE_LIST)?;
    let (templates, total) = services.list_templates(&caller, &params).await?;
    Ok(envelope::list(templates, total, &params))
}

/// Saves an MDL document as a template only this account sees (`tmpl_…`). An invalid
/// document answers 422 `validation_failed`; a slug already used answers 409 `conflict`.
#[utoipa::path(post, path = "/templates", tag = "templates", security(("bearer" = [])),
    request_body = CreateTemplateRequest,
    responses((status = 201, body = Envelope<TemplateDetail>), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_template(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::CampaignsWrite>,
    ApiJson(req): ApiJson<CreateTemplateRequest>,
) -> Result<(StatusCode, Json<Envelope<TemplateDetail>>), ApiError> {
    Ok(envelope::created(
        services.create_template(&caller, req).await?,
    ))
}

/// One template (by `tmpl_…`/`tmpl_…` id or by slug) with its MDL document as JSON.
#[utoipa::path(get, path = "/templates/{id}", tag = "templates", security(("bearer" = [])),
    params(("id" = String, Path, description = "tmpl_…, tmpl_… or the slug")),
    responses((status = 200, body = Envelope<TemplateDetail>), (status = 404, body = ErrorBody)))]
pub async fn get_template(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::TemplatesRead>,
    Path(id): Path<String>,
) -> Result<Json<Envelope<TemplateDetail>>, ApiError> {
    Ok(envelope::ok(services.template(&caller, &id).await?))
}

/// The template's MDL document as a YAML file.
#[utoipa::path(get, path = "/templates/{id}/download", tag = "templates", security(("bearer" = [])),
    params(("id" = String, Path, description = "tmpl_…, tmpl_… or the slug")),
    responses((status = 200, description = "The MDL document written as YAML", content_type = "application/yaml", body = serde_json::Value),
        (status = 404, body = ErrorBody)))]
pub async fn download_template(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::TemplatesRead>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let (file_name, yaml) = services.template_yaml(&caller, &id).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/yaml; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        yaml,
    ))
}
