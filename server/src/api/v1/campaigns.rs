//! `/v1/campaigns`: the caller's optimisation campaigns (Discover envelope).

use axum::extract::{FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::{header, StatusCode};
use axum::Json;
use domain::campaigns::CAMPAIGN_LIST;
use domain::campaigns::{
    CampaignDetail, CampaignResults, CampaignStatus, CampaignSummary, CandidateView,
    CreateCampaignRequest, EvaluationInput, EvaluationsAccepted, JobView, StartCampaignRequest,
};
use domain::envelope::{Envelope, ListEnvelope};
use domain::error::ErrorBody;
use services::Services;

use crate::api::auth::{scope, Scoped};
use crate::api::extract::{list_params, ApiJson, ApiQuery};
use crate::api::{envelope, ApiError};

/// Creates a campaign from a JSON MDL document (`mdl`), from a template (`template_id` with
/// optional `overrides`), or from a YAML file (multipart field `mdl_file`, with optional
/// `name` and `domain` fields). MDL problems answer 422 `validation_failed` with every problem
/// and its path; a name already used in the account answers 409 `conflict`.
#[utoipa::path(post, path = "/campaigns", tag = "campaigns", security(("bearer" = [])),
    request_body(content = CreateCampaignRequest, description = "JSON, or multipart/form-data with mdl_file"),
    responses(
        (status = 201, description = "The new campaign, status created", body = Envelope<CampaignDetail>),
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
                form.dataset_id.as_deref(),
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
    dataset_id: Option<String>,
}

async fn read_form(request: Request) -> Result<CampaignForm, ApiError> {
    let bad = |message: &str| ApiError::invalid("mdl_file", message.to_owned());
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|e| bad(&format!("the multipart body cannot be read: {e}")))?;
    let (mut yaml, mut name, mut domain, mut dataset_id) = (None, None, None, None);
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
            "dataset_id" => dataset_id = Some(text).filter(|t| !t.trim().is_empty()),
            other => {
                return Err(ApiError::invalid(
                    other,
                    "unknown field; send mdl_file, and optionally name, domain and dataset_id",
                ))
            }
        }
    }
    Ok(CampaignForm {
        yaml: yaml.ok_or_else(|| bad("send the MDL document (YAML) in the field mdl_file"))?,
        name,
        domain,
        dataset_id,
    })
}

/// Lists the account's campaigns, newest first by default; filters `status` and `domain`.
#[utoipa::path(get, path = "/campaigns", tag = "campaigns", security(("bearer" = [])),
    params(
        ("page" = Option<u32>, Query, description = "Page, from 1"),
        ("per_page" = Option<u32>, Query, description = "1 to 100, default 20"),
        ("sort" = Option<String>, Query, description = "created_at, name, status or domain; '-' for descending"),
        ("status" = Option<CampaignStatus>, Query, description = "Only campaigns in this state"),
        ("domain" = Option<String>, Query, description = "Only campaigns of this domain"),
    ),
    responses(
        (status = 200, description = "A page of campaigns", body = ListEnvelope<CampaignSummary>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub async fn list_campaigns(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::CampaignsRead>,
    RawQuery(query): RawQuery,
) -> Result<Json<ListEnvelope<CampaignSummary>>, ApiError> {
    let params = list_params(query.as_deref(), &CAMPAIGN_LIST)?;
    let (campaigns, total) = services.list_campaigns(&caller, &params).await?;
    Ok(envelope::list(campaigns, total, &params))
}

/// One campaign with its progress, best objectives and MDL.
#[utoipa::path(get, path = "/campaigns/{id}", tag = "campaigns", security(("bearer" = [])),
    params(("id" = String, Path, description = "camp_…")),
    responses((status = 200, body = Envelope<CampaignDetail>), (status = 404, body = ErrorBody)))]
pub async fn get_campaign(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::CampaignsRead>,
    Path(id): Path<String>,
) -> Result<Json<Envelope<CampaignDetail>>, ApiError> {
    Ok(envelope::ok(services.campaign(&caller, &id).await?))
}

/// Deletes a campaign and everything recorded for it.
#[utoipa::path(delete, path = "/campaigns/{id}", tag = "campaigns", security(("bearer" = [])),
    params(("id" = String, Path, description = "camp_…")),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
pub async fn delete_campaign(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::CampaignsDelete>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    services.delete_campaign(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Queues a job that optimises a `created` campaign; 409 `campaign_not_startable` otherwise.
#[utoipa::path(post, path = "/campaigns/{id}/start", tag = "campaigns", security(("bearer" = [])),
    params(("id" = String, Path, description = "camp_…")),
    request_body(content = StartCampaignRequest, description = "Optional; an empty body means defaults"),
    responses((status = 202, description = "The queued job", body = Envelope<JobView>),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn start_campaign(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::CampaignsWrite>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Envelope<JobView>>), ApiError> {
    let req: StartCampaignRequest = if body.iter().all(u8::is_ascii_whitespace) {
        StartCampaignRequest::default()
    } else {
        crate::api::extract::parse_json(&body)?
    };
    let job = services
        .start_campaign(&caller, &id, req.timeout_hours)
        .await?;
    Ok((StatusCode::ACCEPTED, envelope::ok(job)))
}

/// Stops a running campaign within seconds, even in the middle of an iteration (whose work is
/// discarded; every recorded result is kept; the campaign ends `cancelled`); 409
/// `campaign_not_stoppable` unless it is running.
#[utoipa::path(post, path = "/campaigns/{id}/stop", tag = "campaigns", security(("bearer" = [])),
    params(("id" = String, Path, description = "camp_…")),
    responses((status = 202, description = "The job that will stop", body = Envelope<JobView>),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn stop_campaign(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::CampaignsWrite>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Envelope<JobView>>), ApiError> {
    let job = services.stop_campaign(&caller, &id).await?;
    Ok((StatusCode::ACCEPTED, envelope::ok(job)))
}

/// Query of `GET /v1/campaigns/{id}/candidates`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CandidatesQuery {
    /// `pending` or `evaluated`; every candidate when absent.
    status: Option<String>,
}

/// Lab in the loop: the candidates a campaign with an `external` evaluator proposed; with
/// `status=pending`, those waiting for a measurement.
#[utoipa::path(get, path = "/campaigns/{id}/candidates", tag = "campaigns", security(("bearer" = [])),
    params(("id" = String, Path, description = "camp_…"),
        ("status" = Option<String>, Query, description = "pending or evaluated")),
    responses((status = 200, body = Envelope<Vec<CandidateView>>), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn campaign_candidates(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::CampaignsRead>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<CandidatesQuery>,
) -> Result<Json<Envelope<Vec<CandidateView>>>, ApiError> {
    Ok(envelope::ok(
        services
            .campaign_candidates(&caller, &id, query.status.as_deref())
            .await?,
    ))
}

/// Lab in the loop: results for pending candidates, `[{candidate_id, objectives: {...}}]` or
/// `[{candidate_id, failed: true}]`, recorded all or nothing. When they complete the batch,
/// the campaign continues with its next iteration.
#[utoipa::path(post, path = "/campaigns/{id}/evaluations", tag = "campaigns", security(("bearer" = [])),
    params(("id" = String, Path, description = "camp_…")),
    request_body = [EvaluationInput],
    responses((status = 200, body = Envelope<EvaluationsAccepted>), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn post_evaluations(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::CampaignsWrite>,
    Path(id): Path<String>,
    ApiJson(items): ApiJson<Vec<EvaluationInput>>,
) -> Result<Json<Envelope<EvaluationsAccepted>>, ApiError> {
    Ok(envelope::ok(
        services.post_evaluations(&caller, &id, items).await?,
    ))
}

/// Query of `GET /v1/campaigns/{id}/results`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultsQuery {
    /// Only the Pareto front.
    #[serde(default)]
    pareto_only: bool,
    /// `json` (default) or `csv`.
    #[serde(default)]
    format: ResultsFormat,
}

/// Output format of the results.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResultsFormat {
    /// The Discover envelope.
    #[default]
    Json,
    /// One row per evaluation: id, iteration, feasible, is_pareto, parameters, objectives.
    Csv,
}

/// Every evaluation (or only the Pareto front) with the hypervolume and its history per
/// iteration, as JSON or CSV.
#[utoipa::path(get, path = "/campaigns/{id}/results", tag = "campaigns", security(("bearer" = [])),
    params(("id" = String, Path, description = "camp_…"),
        ("pareto_only" = Option<bool>, Query, description = "Only the Pareto front"),
        ("format" = Option<String>, Query, description = "json (default) or csv")),
    responses((status = 200, body = CampaignResults), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn campaign_results(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::CampaignsRead>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ResultsQuery>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let results = services
        .campaign_results(&caller, &id, query.pareto_only)
        .await?;
    // A campaign can hold a hundred thousand rows: writing them out is work for the blocking
    // pool, not for a runtime thread other requests share.
    Ok(match query.format {
        ResultsFormat::Json => {
            let json = envelope::ok(results);
            services::blocking::run(move || json.into_response()).await?
        }
        ResultsFormat::Csv => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{id}-results.csv\""),
                ),
            ],
            services::blocking::run(move || results_csv(&results)).await?,
        )
            .into_response(),
    })
}

/// The results as CSV; parameter columns in name order, then the objectives in MDL order.
fn results_csv(results: &CampaignResults) -> String {
    let mut parameters: Vec<String> = results
        .pareto_front
        .iter()
        .filter_map(|r| r.parameters.as_object())
        .flat_map(|o| o.keys().cloned())
        .collect();
    parameters.sort();
    parameters.dedup();
    let mut out = String::from("id,iteration,feasible,is_pareto");
    for name in parameters.iter().chain(&results.objectives) {
        out.push(',');
        out.push_str(&csv_field(name));
    }
    out.push('\n');
    for row in &results.pareto_front {
        out.push_str(&format!(
            "{},{},{},{}",
            csv_field(&row.id),
            row.iteration,
            row.feasible,
            row.is_pareto
        ));
        for name in &parameters {
            out.push(',');
            out.push_str(&csv_value(&row.parameters[name.as_str()]));
        }
        for name in &results.objectives {
            out.push(',');
            if let Some(objectives) = &row.objectives {
                out.push_str(&csv_value(&objectives[name.as_str()]));
            }
        }
        out.push('\n');
    }
    out
}

fn csv_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => csv_field(s),
        other => other.to_string(),
    }
}

/// What a spreadsheet may take for the start of a formula (OWASP's CSV injection list).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Quotes a field when it holds a comma, a quote or a line break; a field starting with `=`,
/// `+`, `-`, `@`, TAB or CR, or with one of the first four after leading whitespace (which
/// some spreadsheets skip), is prefixed with `'` so spreadsheets never run it as a formula.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(FORMULA_STARTS)
        || text.trim_start().starts_with(['=', '+', '-', '@'])
    {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn exported_values_never_start_a_spreadsheet_formula() {
        for value in [
            "=1+1",
            "+1",
            "-1",
            "@SUM(A1)",
            "\t=1+1",
            "\r=1+1",
            "\t@x",
            " =HYPERLINK(\"x\")",
            "\n-2",
        ] {
            let field = csv_field(value);
            let cell = field.trim_start_matches('"');
            assert!(cell.starts_with('\''), "{value:?} became {field:?}");
        }
        assert_eq!(csv_field("\t=1"), "'\t=1");
        assert_eq!(
            csv_field("\r=1"),
            "\"'\r=1\"",
            "quoted: it holds a line break"
        );
        assert_eq!(csv_field("NMC-811"), "NMC-811", "a dash inside is harmless");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }
}
