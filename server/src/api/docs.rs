//! The OpenAPI 3.1 document, generated from the handlers, and the two documentation viewers.
//! Swagger UI and ReDoc are served from `public/vendor/` (no CDN; they work offline).

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{Html, IntoResponse};
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
    modifiers(&BearerAuth),
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

/// The whole document: [`ApiDoc`]'s info, schemas and tags with the paths of
/// [`super::documented_routes`], serialized once.
pub fn openapi() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let document = super::documented_routes().into_openapi();
        document
            .to_pretty_json()
            .expect("the OpenAPI document is plain data and always serializes")
    })
}

/// The OpenAPI 3.1 document for this API. The same document is served at `/openapi.json`,
/// where the seed points agents.
#[utoipa::path(get, path = "/openapi.json", tag = "system",
    responses((status = 200, description = "This document", content_type = "application/json")))]
pub async fn openapi_json() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], openapi())
}

/// Swagger UI over this document, served locally.
#[utoipa::path(get, path = "/docs", tag = "system",
    responses((status = 200, description = "An HTML page", content_type = "text/html")))]
pub async fn swagger_ui() -> impl IntoResponse {
    viewer(
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

/// ReDoc over this document, served locally.
#[utoipa::path(get, path = "/redoc", tag = "system",
    responses((status = 200, description = "An HTML page", content_type = "text/html")))]
pub async fn redoc() -> impl IntoResponse {
    viewer(
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

/// A documentation viewer's page, with the policy its inline styles need.
fn viewer(html: &'static str) -> impl IntoResponse {
    (
        [(
            header::CONTENT_SECURITY_POLICY,
            crate::security_headers::docs_policy(),
        )],
        Html(html),
    )
}
