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
use axum::routing::{delete, get, post};
use axum::{Extension, Router};

use crate::config::Settings;
use crate::state::AppState;
pub use error::ApiError;

/// Every `/v1` route, plus `extra` routes under the same limits. Unknown paths and wrong
/// methods answer in the error shape.
pub fn v1_router(state: &AppState, extra: Router<AppState>) -> Router<AppState> {
    let settings: &Settings = &state.settings;
    Router::new()
        .route("/status", get(system::status))
        .route("/connect", post(v1::connect::connect))
        .route(
            "/api-keys",
            post(v1::api_keys::create_api_key).get(v1::api_keys::list_api_keys),
        )
        .route(
            "/api-keys/{id}",
            delete(v1::api_keys::delete_api_key).patch(v1::api_keys::update_api_key),
        )
        .route(
            "/campaigns",
            post(v1::campaigns::create_campaign).get(v1::campaigns::list_campaigns),
        )
        .route(
            "/campaigns/{id}",
            get(v1::campaigns::get_campaign).delete(v1::campaigns::delete_campaign),
        )
        .route("/campaigns/{id}/start", post(v1::campaigns::start_campaign))
        .route("/campaigns/{id}/stop", post(v1::campaigns::stop_campaign))
        .route(
            "/campaigns/{id}/results",
            get(v1::campaigns::campaign_results),
        )
        .route(
            "/campaigns/{id}/candidates",
            get(v1::campaigns::campaign_candidates),
        )
        .route(
            "/campaigns/{id}/evaluations",
            post(v1::campaigns::post_evaluations),
        )
        .route(
            "/datasets",
            post(v1::datasets::upload_dataset)
                .layer(DefaultBodyLimit::max(v1::datasets::UPLOAD_LIMIT))
                .get(v1::datasets::list_datasets),
        )
        .route(
            "/datasets/{id}",
            get(v1::datasets::get_dataset).delete(v1::datasets::delete_dataset),
        )
        .route(
            "/datasets/{id}/download",
            get(v1::datasets::download_dataset),
        )
        .route("/ws/campaigns/{id}", get(v1::ws::campaign_socket))
        .route("/catalog", get(v1::files::catalog))
        .route("/files", get(v1::files::list_files))
        .route("/files/presign", post(v1::files::presign))
        .route("/files/confirm", post(v1::files::confirm))
        .route("/files/{id}", get(v1::files::get_file))
        .route("/files/{id}/unit", post(v1::files::set_unit))
        .route("/jobs", get(v1::jobs::list_jobs))
        .route("/jobs/{id}", get(v1::jobs::get_job))
        .route("/jobs/{id}/logs", get(v1::jobs::job_logs))
        .route("/jobs/{id}/cancel", post(v1::jobs::cancel_job))
        .route("/jobs/{id}/retry", post(v1::jobs::retry_job))
        .route(
            "/templates",
            get(v1::templates::list_templates).post(v1::templates::create_template),
        )
        .route("/templates/{id}", get(v1::templates::get_template))
        .route(
            "/templates/{id}/download",
            get(v1::templates::download_template),
        )
        .route("/openapi.json", get(docs::openapi_json))
        .route("/docs", get(docs::swagger_ui))
        .route("/redoc", get(docs::redoc))
        .merge(extra)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(settings.max_json_bytes))
        .layer(Extension(extract::BodyLimit(settings.max_json_bytes)))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::layer,
        ))
}

// Nested routers see their path without `/v1`; `OriginalUri` is what the client sent.
async fn not_found(OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::NotFound(format!("There is no API endpoint at {}.", uri.path()))
}

async fn method_not_allowed(method: axum::http::Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::MethodNotAllowed(format!("{} does not accept {method} requests.", uri.path()))
}
