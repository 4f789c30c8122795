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
        let mut document = super::documented_routes().into_openapi();
        document_common_errors(&mut document);
        document
            .to_pretty_json()
            .expect("the OpenAPI document is plain data and always serializes")
    })
}

/// Adds to every `/v1` operation the error answers any of them can give, where the handler
/// did not describe them itself: 400 for bad parameters or bodies, 401 for a bad credential
/// (an anonymous route refuses a bad key too), 403 for a cross-site request or a missing scope,
/// 413 and 415 for bodies, 429 over the rate limit and 503 while the database is away.
fn document_common_errors(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    };
    for (path, item) in document.paths.paths.iter_mut() {
        if !path.starts_with("/v1/") {
            continue;
        }
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            let takes_input = operation.request_body.is_some()
                || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let mut common = vec![
                ("401", "No valid API key, session or ticket (invalid_api_key)"),
                ("403", "Not allowed: a missing scope, an address outside the key's allowlist, a cross-site request or a quota (forbidden, csrf_rejected, quota_exceeded)"),
                ("429", "Over the rate limit (rate_limit_exceeded); see Retry-After"),
                ("503", "The database is unreachable (upstream_temporarily_unavailable); retry shortly"),
            ];
            if takes_input {
                common.push((
                    "400",
                    "A parameter or the body is not valid (invalid_request, invalid_json)",
                ));
            }
            if operation.request_body.is_some() {
                common.push(("413", "The body is larger than allowed (payload_too_large)"));
                common.push((
                    "415",
                    "The body's content type is not accepted here (unsupported_media_type)",
                ));
            }
            for (status, description) in common {
                if !operation.responses.responses.contains_key(status) {
                    operation
                        .responses
                        .responses
                        .insert(status.to_owned(), error(description).into());
                }
            }
        }
    }
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
