//! The REST API under `/v1` (SPEC §3): routes, the error type, extractors and envelopes.

pub mod auth;
pub mod csrf;
pub mod docs;
pub mod envelope;
pub mod error;
pub mod extract;
pub mod request_id;
pub mod system;
pub mod uploads;
pub mod v1;

use axum::extract::{DefaultBodyLimit, OriginalUri};
use axum::routing::get;
use axum::{Extension, Router};
use utoipa::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::config::Settings;
use crate::state::AppState;
pub use error::ApiError;

/// Every documented route, once: `/health`, `/ready` and everything under `/v1`. The router
/// and the OpenAPI document both come from this list, so an operation cannot be served
/// undocumented or documented unserved. Handlers sharing a path go in one `routes!`.
pub fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(docs::ApiDoc::openapi())
        .merge(root_routes())
        .nest("/v1", v1_routes())
}

fn root_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(system::health))
        .routes(routes!(system::ready))
}

fn v1_routes() -> OpenApiRouter<AppState> {
    use v1::{api_keys, campaigns, connect, datasets, files, jobs, templates, ws};
    OpenApiRouter::new()
        .routes(routes!(system::status))
        .routes(routes!(connect::connect))
        .routes(routes!(api_keys::create_api_key, api_keys::list_api_keys))
        .routes(routes!(api_keys::delete_api_key, api_keys::update_api_key))
        .routes(routes!(
            campaigns::create_campaign,
            campaigns::list_campaigns
        ))
        .routes(routes!(campaigns::get_campaign, campaigns::delete_campaign))
        .routes(routes!(campaigns::start_campaign))
        .routes(routes!(campaigns::stop_campaign))
        .routes(routes!(campaigns::campaign_results))
        .routes(routes!(campaigns::campaign_candidates))
        .routes(routes!(campaigns::post_evaluations))
        .routes(routes!(datasets::list_datasets))
        // The upload's own limit replaces the JSON limit for this one method.
        .routes(
            routes!(datasets::upload_dataset).layer(DefaultBodyLimit::max(datasets::UPLOAD_LIMIT)),
        )
        .routes(routes!(datasets::get_dataset, datasets::delete_dataset))
        .routes(routes!(datasets::download_dataset))
        .routes(routes!(ws::campaign_socket))
        .routes(routes!(ws::create_ws_ticket))
        .routes(routes!(files::catalog))
        .routes(routes!(files::list_files))
        .routes(routes!(files::presign))
        .routes(routes!(files::confirm))
        .routes(routes!(files::get_file, files::delete_file))
        .routes(routes!(files::set_unit))
        .routes(routes!(jobs::list_jobs))
        .routes(routes!(jobs::get_job))
        .routes(routes!(jobs::job_logs))
        .routes(routes!(jobs::cancel_job))
        .routes(routes!(jobs::retry_job))
        .routes(routes!(
            templates::list_templates,
            templates::create_template
        ))
        .routes(routes!(templates::get_template))
        .routes(routes!(templates::download_template))
        .routes(routes!(docs::openapi_json))
        .routes(routes!(docs::swagger_ui))
        .routes(routes!(docs::redoc))
}

/// The root router: the documented routes with `/v1`'s limits, authentication and error
/// fallbacks, plus `extra_v1` routes under `/v1` behind the same (tests use it to exercise the
/// extractors).
pub fn router(state: &AppState, extra_v1: Router<AppState>) -> Router<AppState> {
    let settings: &Settings = &state.settings;
    let (root, _) = root_routes().split_for_parts();
    let (v1, _) = v1_routes().split_for_parts();
    let v1 = v1
        .merge(extra_v1)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(settings.max_json_bytes))
        .layer(Extension(extract::BodyLimit(settings.max_json_bytes)))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::layer,
        ));
    root
        // Where the seed points agents: the same document as `/v1/openapi.json`.
        .route("/openapi.json", get(docs::openapi_json))
        .nest("/v1", v1)
}

// Nested routers see their path without `/v1`; `OriginalUri` is what the client sent.
async fn not_found(OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::NotFound(format!("There is no API endpoint at {}.", uri.path()))
}

async fn method_not_allowed(method: axum::http::Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::MethodNotAllowed(format!("{} does not accept {method} requests.", uri.path()))
}
