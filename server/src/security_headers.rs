//! Browser security headers on every response: a Content-Security-Policy, `nosniff`, a
//! referrer policy, no framing, and HSTS in production.
//!
//! Pages get a policy that allows scripts from this origin only, plus the inline scripts
//! Leptos writes (the hydration bootstrap, serialized resources, the theme script), which carry
//! a per-request nonce: [`layer`] draws the nonce, hands it to the renderer through a request
//! extension ([`provide_request_nonce`] puts it in the Leptos context, where `use_nonce` and
//! `HydrationScripts` read it), and writes the same nonce into the header. Anything else that
//! has not set its own policy (the API's JSON, files, the documentation viewers set theirs) gets
//! one that allows nothing to load or frame it.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use leptos::nonce::Nonce;

use crate::config::{Environment, Settings};

/// The Stripe origins the payment pages load scripts, frames and API calls from.
const STRIPE_JS: &str = "https://js.stripe.com";
const STRIPE_API: &str = "https://api.stripe.com";
const STRIPE_HOOKS: &str = "https://hooks.stripe.com";

/// The policy of responses that are not pages: nothing may load from or frame them.
pub const NON_PAGE_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// What the pages' policy must allow beyond this origin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CspOptions {
    /// Stripe is configured: allow Stripe.js, its frames and its API.
    pub stripe: bool,
    /// `cargo leptos watch` is running: allow its live-reload websocket on this port.
    pub live_reload_port: Option<u32>,
}

/// The Content-Security-Policy of a page whose inline scripts carry `nonce`.
///
/// Scripts come from this origin or carry the nonce; `'wasm-unsafe-eval'` lets the page
/// compile its WebAssembly (and nothing else: no `eval`). Styles, images and connections stay
/// on this origin (`'self'` covers the same-origin websocket, `ws:`/`wss:` included); images
/// may also be `data:`/`blob:` URLs. No plugins, no `<base>` elsewhere, forms post here only,
/// and no other site may frame the page.
pub fn page_policy(nonce: &str, options: CspOptions) -> String {
    let mut script = format!("'self' 'nonce-{nonce}' 'wasm-unsafe-eval'");
    let mut connect = String::from("'self'");
    let mut frame = String::from("'self'");
    if options.stripe {
        script.push_str(&format!(" {STRIPE_JS}"));
        connect.push_str(&format!(" {STRIPE_API}"));
        frame.push_str(&format!(" {STRIPE_JS} {STRIPE_HOOKS}"));
    }
    if let Some(port) = options.live_reload_port {
        connect.push_str(&format!(" ws://*:{port} wss://*:{port}"));
    }
    format!(
        "default-src 'self'; script-src {script}; style-src 'self'; \
         img-src 'self' data: blob:; font-src 'self'; connect-src {connect}; \
         frame-src {frame}; worker-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy of the Swagger UI and ReDoc pages (`/v1/docs`, `/v1/redoc`): their scripts are
/// files from this origin, but both inject `<style>` elements and inline `style` attributes, and
/// ReDoc starts a worker from a `blob:` URL.
pub fn docs_policy() -> &'static str {
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; \
     worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; \
     frame-ancestors 'none'"
}

/// The headers' configuration, fixed at start-up.
#[derive(Debug, Clone, Default)]
pub struct SecurityHeaders {
    /// What pages may load beyond this origin.
    pub csp: CspOptions,
    /// Send `Strict-Transport-Security` (production: served over HTTPS behind a proxy).
    pub hsts: bool,
}

impl SecurityHeaders {
    /// HSTS in production; no Stripe yet (there is no Stripe configuration); the live-reload
    /// socket while `cargo leptos watch` runs (it sets `LEPTOS_WATCH`).
    pub fn from_settings(settings: &Settings, leptos: &leptos::config::LeptosOptions) -> Self {
        let watching = std::env::var_os("LEPTOS_WATCH").is_some();
        Self {
            csp: CspOptions {
                stripe: false,
                live_reload_port: watching
                    .then_some(leptos.reload_external_port.unwrap_or(leptos.reload_port)),
            },
            hsts: settings.environment == Environment::Production,
        }
    }
}

/// This request's CSP nonce, as a request extension (see [`provide_request_nonce`]).
#[derive(Debug, Clone)]
pub struct RequestNonce(pub Nonce);

/// In the Leptos context of a page render: replaces the nonce `leptos_axum` drew with the one
/// [`layer`] put in the request, so the scripts carry the nonce the header names. Call it in
/// the router's additional context (after `leptos_axum`'s own contexts).
pub fn provide_request_nonce() {
    let nonce = leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<RequestNonce>().cloned());
    if let Some(RequestNonce(nonce)) = nonce {
        leptos::prelude::provide_context(nonce);
    }
}

/// The middleware: draws the request's nonce and adds the headers to the response (a policy
/// the handler set itself is kept).
pub async fn layer(
    State(config): State<Arc<SecurityHeaders>>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce = Nonce::new();
    req.extensions_mut().insert(RequestNonce(nonce.clone()));
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let html = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
        let policy = if html {
            HeaderValue::from_str(&page_policy(&nonce, config.csp))
        } else {
            Ok(HeaderValue::from_static(NON_PAGE_POLICY))
        };
        // The nonce is URL-safe base64, so the policy is always a valid header value.
        if let Ok(policy) = policy {
            headers.insert(header::CONTENT_SECURITY_POLICY, policy);
        }
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if config.hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directive<'a>(policy: &'a str, name: &str) -> Option<&'a str> {
        policy
            .split(';')
            .map(str::trim)
            .find_map(|d| d.strip_prefix(name)?.strip_prefix(' '))
    }

    #[test]
    fn pages_allow_only_this_origin_and_the_nonce_without_stripe() {
        let policy = page_policy("abc123", CspOptions::default());
        assert_eq!(directive(&policy, "default-src"), Some("'self'"));
        assert_eq!(
            directive(&policy, "script-src"),
            Some("'self' 'nonce-abc123' 'wasm-unsafe-eval'")
        );
        assert_eq!(directive(&policy, "connect-src"), Some("'self'"));
        assert_eq!(directive(&policy, "frame-src"), Some("'self'"));
        assert_eq!(directive(&policy, "img-src"), Some("'self' data: blob:"));
        assert_eq!(directive(&policy, "style-src"), Some("'self'"));
        assert_eq!(directive(&policy, "object-src"), Some("'none'"));
        assert_eq!(directive(&policy, "base-uri"), Some("'self'"));
        assert_eq!(directive(&policy, "form-action"), Some("'self'"));
        assert_eq!(directive(&policy, "frame-ancestors"), Some("'none'"));
        assert!(!policy.contains("stripe"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(!policy.contains("'unsafe-eval'"), "{policy}");
    }

    #[test]
    fn with_stripe_pages_may_load_stripe_js_its_frames_and_its_api() {
        let policy = page_policy(
            "abc123",
            CspOptions {
                stripe: true,
                ..CspOptions::default()
            },
        );
        assert_eq!(
            directive(&policy, "script-src"),
            Some("'self' 'nonce-abc123' 'wasm-unsafe-eval' https://js.stripe.com")
        );
        assert_eq!(
            directive(&policy, "connect-src"),
            Some("'self' https://api.stripe.com")
        );
        assert_eq!(
            directive(&policy, "frame-src"),
            Some("'self' https://js.stripe.com https://hooks.stripe.com")
        );
        assert_eq!(directive(&policy, "frame-ancestors"), Some("'none'"));
    }

    #[test]
    fn the_live_reload_socket_is_allowed_only_while_watching() {
        let policy = page_policy(
            "n",
            CspOptions {
                live_reload_port: Some(3001),
                ..CspOptions::default()
            },
        );
        assert_eq!(
            directive(&policy, "connect-src"),
            Some("'self' ws://*:3001 wss://*:3001")
        );
    }

    #[test]
    fn the_documentation_viewers_may_use_inline_styles_but_not_inline_scripts() {
        let policy = docs_policy();
        assert_eq!(directive(policy, "script-src"), Some("'self'"));
        assert_eq!(
            directive(policy, "style-src"),
            Some("'self' 'unsafe-inline'")
        );
        assert_eq!(directive(policy, "frame-ancestors"), Some("'none'"));
    }
}
