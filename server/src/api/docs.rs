//! The OpenAPI 3.1 document, generated from the handlers, and the two documentation viewers.
//! Swagger UI and ReDoc are served from `public/vendor/` (no CDN; they work offline).

use axum::response::Html;
use axum::Json;
use utoipa::OpenApi;

/// The API description; handlers' `///` summaries become operation descriptions.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "MatterCraft API",
        description = "Discover (optimization campaigns) and Make (parts, quotes, orders) over \
            REST. Errors always have the shape {error, message, details, request_id}; every \
            response carries X-Request-ID.",
    ),
    paths(
        super::system::health,
        super::system::ready,
        super::system::status,
        super::v1::connect::connect,
        super::v1::api_keys::create_api_key,
        super::v1::api_keys::list_api_keys,
        super::v1::api_keys::delete_api_key,
        super::v1::api_keys::update_api_key,
        super::v1::campaigns::create_campaign,
        super::v1::campaigns::list_campaigns,
        super::v1::campaigns::get_campaign,
        super::v1::campaigns::delete_campaign,
        super::v1::campaigns::start_campaign,
        super::v1::campaigns::stop_campaign,
        super::v1::campaigns::campaign_results,
        super::v1::campaigns::campaign_candidates,
        super::v1::campaigns::post_evaluations,
        super::v1::files::catalog,
        super::v1::files::presign,
        super::v1::files::confirm,
        super::v1::files::get_file,
        super::v1::files::list_files,
        super::v1::files::set_unit,
        super::v1::datasets::upload_dataset,
        super::v1::datasets::list_datasets,
        super::v1::datasets::get_dataset,
        super::v1::datasets::download_dataset,
        super::v1::datasets::delete_dataset,
        super::v1::ws::campaign_socket,
        super::v1::jobs::list_jobs,
        super::v1::jobs::get_job,
        super::v1::jobs::job_logs,
        super::v1::jobs::cancel_job,
        super::v1::jobs::retry_job,
        super::v1::templates::list_templates,
        super::v1::templates::get_template,
        super::v1::templates::create_template,
        super::v1::templates::download_template,
    ),
    modifiers(&BearerAuth),
    components(schemas(
        domain::error::ErrorBody,
        domain::error::ErrorDetail,
        domain::envelope::Meta,
        domain::envelope::ListMeta,
        domain::campaigns::CampaignStatus,
        domain::campaigns::CampaignSummary,
        domain::campaigns::CampaignDetail,
        domain::campaigns::CreateCampaignRequest,
        domain::campaigns::TemplateSummary,
        domain::campaigns::TemplateDetail,
        domain::campaigns::StartCampaignRequest,
        domain::campaigns::JobPhase,
        domain::campaigns::LogLevel,
        domain::campaigns::JobFields,
        domain::campaigns::JobCounts,
        domain::campaigns::JobView,
        domain::campaigns::ResultRow,
        domain::campaigns::ConvergencePoint,
        domain::campaigns::CampaignResults,
        domain::campaigns::JobProgress,
        domain::campaigns::JobTiming,
        domain::campaigns::JobDetail,
        domain::campaigns::JobLogLine,
        domain::campaigns::CreateTemplateRequest,
        domain::campaigns::CandidateView,
        domain::campaigns::EvaluationInput,
        domain::campaigns::EvaluationsAccepted,
        domain::files::PresignRequest,
        domain::files::PresignResponse,
        domain::files::ConfirmRequest,
        domain::files::FileView,
        domain::files::FileList,
        domain::files::UnitRequest,
        domain::files::CatalogItem,
        domain::files::Catalog,
        domain::datasets::DatasetColumn,
        domain::datasets::DatasetSummary,
        domain::datasets::DatasetDetail,
    )),
    tags(
        (name = "system", description = "Health, readiness and platform status"),
        (name = "accounts", description = "Connect: an account and an API key from an email"),
        (name = "api-keys", description = "The account's API keys (admin scope)"),
        (name = "campaigns", description = "Optimization campaigns over an MDL design space"),
        (name = "jobs", description = "The jobs that run campaigns: progress, logs, cancel, retry"),
        (name = "templates", description = "Built-in MDL templates per materials domain, and the account's own"),
        (name = "files", description = "Make: the print catalog and uploaded parts with their mesh metrics"),
        (name = "datasets", description = "Uploaded CSV/JSON tables: warm starts and candidate pools"),
    ),
)]
pub struct ApiDoc;

/// Declares `Authorization: Bearer mc_…` as the `bearer` security scheme.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key: mc_live_…, mc_test_… or mc_ci_…"))
                    .build(),
            ),
        );
    }
}

/// `GET /v1/openapi.json`, and the same document at `/openapi.json` (where the seed points
/// agents).
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// `GET /v1/docs`: Swagger UI.
pub async fn swagger_ui() -> Html<&'static str> {
    Html(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MatterCraft API · Swagger UI</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/vendor/swagger-ui/swagger-ui.css">
</head>
<body>
<p style="margin:0;padding:.5rem 1rem;font-family:system-ui,sans-serif"><a href="/">← MatterCraft</a> · <a href="/v1/redoc">ReDoc</a> · <a href="/v1/openapi.json">openapi.json</a></p>
<div id="swagger-ui"></div>
<script src="/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/vendor/swagger-ui/init.js"></script>
</body>
</html>"#,
    )
}

/// `GET /v1/redoc`: ReDoc.
pub async fn redoc() -> Html<&'static str> {
    Html(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MatterCraft API · ReDoc</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
<redoc spec-url="/v1/openapi.json"></redoc>
<script src="/vendor/redoc/redoc.standalone.js"></script>
</body>
</html>"#,
    )
}
