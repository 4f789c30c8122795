//! `/v1/campaigns`: the caller's optimisation campaigns (Discover envelope).

use axum::extract::{FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::{header, StatusCode};
use axum::Json;
use domain::campaigns::{CampaignDetail, CampaignStatus, CampaignSummary, CreateCampaignRequest};
use domain::envelope::{Envelope, ListEnvelope};
use domain::error::ErrorBody;
use domain::listing::{FilterSpec, ListSpec};
use services::Services;

use crate::api::auth::{scope, Scoped};
use crate::api::extract::{list_params, ApiJson};
use crate::api::{envelope, ApiError};

const STATUSES: &[&str] = &[
    CampaignStatus::Created.as_str(),
    CampaignStatus::Running.as_str(),
    CampaignStatus::Completed.as_str(),
    CampaignStatus::Converged.as_str(),
    CampaignStatus::Failed.as_str(),
    CampaignStatus::Cancelled.as_str(),
];

const LIST: ListSpec = ListSpec {
    sort_fields: store::campaigns::SORT_FIELDS,
    default_sort: "-created_at",
    filters: &[
        FilterSpec {
            name: "status",
            allowed: Some(STATUSES),
        },
        FilterSpec {
            name: "domain",
            allowed: None,
        },
    ],
};

/// Creates a campaign from a JSON MDL document (`mdl`), from a template (`template_id` with
/// optional `overrides`), or from a YAML file (multipart field `mdl_file`, with optional
/// `name` and `domain` fields). MDL problems answer 422 `validation_failed` with every problem
/// and its path; a name already used in the account answers 409 `conflict`.
#[utoipa::path(post, path = "/v1/campaigns", tag = "campaigns", security(("bearer" = [])),
    request_body(content = CreateCampaignRequest, description = "JSON, or multipart/form-data with mdl_file"),
    responses(
        (status = 201, description = "The new campaign, status created", body = CampaignDetail),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
pub async fn create_campaign(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::CampaignsWrite>,
    request: Request,
) -> Result<(StatusCode, Json<Envelope<CampaignDetail>>), ApiError> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    let campaign = if multipart {
        let form = read_form(request).await?;
        services
            .create_campaign_from_yaml(
                &caller,
                &form.yaml,
                form.name.as_deref(),
                form.domain.as_deref(),
            )
            .await?
    } else {
        let ApiJson(req) = ApiJson::<CreateCampaignRequest>::from_request(request, &()).await?;
        services.create_campaign(&caller, req).await?
    };
    Ok(envelope::created(campaign))
}

/// The fields of a multipart campaign upload.
struct CampaignForm {
    yaml: String,
    name: Option<String>,
    domain: Option<String>,
}

async fn read_form(request: Request) -> Result<CampaignForm, ApiError> {
    let bad = |message: &str| ApiError::invalid("mdl_file", message.to_owned());
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|e| bad(&format!("the multipart body cannot be read: {e}")))?;
    let (mut yaml, mut name, mut domain) = (None, None, None);
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| bad(&format!("the multipart body cannot be read: {e}")))?
    {
        let field_name = field.name().unwrap_or_default().to_owned();
        let text = field.text().await.map_err(|e| {
            ApiError::invalid(
                &field_name,
                format!("this field cannot be read as UTF-8 text: {e}"),
            )
        })?;
        match field_name.as_str() {
            "mdl_file" => yaml = Some(text),
            "name" => name = Some(text).filter(|t| !t.trim().is_empty()),
            "domain" => domain = Some(text).filter(|t| !t.trim().is_empty()),
            other => {
                return Err(ApiError::invalid(
                    other,
                    "unknown field; send mdl_file, and optionally name and domain",
                ))
            }
        }
    }
    Ok(CampaignForm {
        yaml: yaml.ok_or_else(|| bad("send the MDL document (YAML) in the field mdl_file"))?,
        name,
        domain,
    })
}

/// Lists the account's campaigns, newest first by default; filters `status` and `domain`.
#[utoipa::path(get, path = "/v1/campaigns", tag = "campaigns", security(("bearer" = [])),
    params(
        ("page" = Option<u32>, Query, description = "Page, from 1"),
        ("per_page" = Option<u32>, Query, description = "1 to 100, default 20"),
        ("sort" = Option<String>, Query, description = "created_at, name, status or domain; '-' for descending"),
        ("status" = Option<CampaignStatus>, Query, description = "Only campaigns in this state"),
        ("domain" = Option<String>, Query, description = "Only campaigns of this domain"),
    ),
    responses(
        (status = 200, description = "A page of campaigns", body = [CampaignSummary]),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub async fn list_campaigns(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::CampaignsRead>,
    RawQuery(query): RawQuery,
) -> Result<Json<ListEnvelope<CampaignSummary>>, ApiError> {
    let params = list_params(query.as_deref(), &LIST)?;
    let (campaigns, total) = services.list_campaigns(&caller, &params).await?;
    Ok(envelope::list(campaigns, total, &params))
}

/// One campaign with its progress, best objectives and MDL.
#[utoipa::path(get, path = "/v1/campaigns/{id}", tag = "campaigns", security(("bearer" = [])),
    params(("id" = String, Path, description = "cmp_…")),
    responses((status = 200, body = CampaignDetail), (status = 404, body = ErrorBody)))]
pub async fn get_campaign(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::CampaignsRead>,
    Path(id): Path<String>,
) -> Result<Json<Envelope<CampaignDetail>>, ApiError> {
    Ok(envelope::ok(services.campaign(&caller, &id).await?))
}

/// Deletes a campaign and everything recorded for it.
#[utoipa::path(delete, path = "/v1/campaigns/{id}", tag = "campaigns", security(("bearer" = [])),
    params(("id" = String, Path, description = "cmp_…")),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
pub async fn delete_campaign(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::CampaignsDelete>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    services.delete_campaign(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
