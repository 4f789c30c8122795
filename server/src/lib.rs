//! The MatterCraft server: the Leptos web app, the REST API under `/v1`, and the background
//! workers, over the shared service layer. `main` and the tests build the same router with
//! [`build_router`].

pub mod api;
pub mod config;
pub mod security_headers;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod workers;

use axum::http::StatusCode;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;

use crate::state::AppState;

/// How long a page or a server function may take before it answers 503.
pub const PAGE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The whole HTTP surface: `/health`, `/ready`, `/v1/...`, server functions under `/api/fn`,
/// static assets and the server-rendered pages.
pub fn build_router(state: AppState) -> Router {
    build_router_with(state, Router::new())
}

/// [`build_router`] with `extra_v1` routes mounted under `/v1`, behind the same middleware,
/// limits and error handling (tests use it to exercise the API's extractors).
pub fn build_router_with(state: AppState, extra_v1: Router<AppState>) -> Router {
    let routes = generate_route_list(app::App);
    let services = state.services.clone();
    let context = move || {
        provide_context(services.clone());
        security_headers::provide_request_nonce();
    };
    let options = state.leptos_options.clone();
    // Pages render in async mode: the response is produced once every resource has resolved.
    // A page that cannot finish in time (a stuck query, or a lost wake-up inside the renderer)
    // answers 503 instead of holding the connection forever.
    let pages = Router::new()
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, app::shell))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            PAGE_TIMEOUT,
        ));
    api::router(&state, extra_v1)
        .route(
            "/uploads/{*key}",
            axum::routing::put(api::uploads::put_upload)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .merge(pages)
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(api::csrf::layer))
        .layer(axum::middleware::from_fn(api::request_id::layer))
        .layer(axum::middleware::from_fn_with_state(
            std::sync::Arc::new(security_headers::SecurityHeaders::from_settings(
                &state.settings,
                &state.leptos_options,
            )),
            security_headers::layer,
        ))
        .with_state(state)
}
