//! Server functions, served under `/api/fn/` (never `/v1`). Bodies only delegate to services.

pub mod api_keys;
pub mod auth;
pub mod campaigns;
pub mod datasets;
pub mod files;
pub mod jobs;
pub mod lab;
pub mod status;
pub mod templates;

/// The URL prefix of every server function.
pub const PREFIX: &str = "/api/fn";

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    //! What server functions share: the services, the request's cookies and address, and the
    //! session cookie itself.

    use std::net::SocketAddr;

    use axum::extract::ConnectInfo;
    use domain::auth::{cookie_value, UserView};
    use http::{header, HeaderMap, HeaderValue};
    use leptos::prelude::use_context;
    use services::{AuthFailure, Caller, ServiceError, Services};

    use crate::error::ssr::from_service;
    use crate::error::AppError;

    /// The service layer, provided to every request by the server.
    pub fn services() -> Result<Services, AppError> {
        use_context::<Services>().ok_or_else(|| {
            from_service(ServiceError::Internal(anyhow::anyhow!(
                "Services are missing from the Leptos context"
            )))
        })
    }

    /// The request's headers.
    pub async fn headers() -> Result<HeaderMap, AppError> {
        leptos_axum::extract::<HeaderMap>()
            .await
            .map_err(|e| from_service(ServiceError::Internal(anyhow::anyhow!("{e}"))))
    }

    /// Where the request comes from: the client's address (the socket peer, or the
    /// `X-Forwarded-For` entry our trusted proxies vouch for) and its `User-Agent`.
    pub async fn client_info(services: &Services, headers: &HeaderMap) -> services::ClientInfo {
        let peer = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
            .await
            .ok()
            .map(|ConnectInfo(addr)| addr.ip());
        let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
        services::ClientInfo {
            address: services::network::client_address(
                forwarded,
                peer,
                &services.config().trusted_proxies,
            ),
            user_agent: headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        }
    }

    /// The session cookie's value, if the browser sent one (under the name this site uses:
    /// over HTTPS only the `__Host-` cookie counts, so a sibling subdomain cannot plant one).
    pub fn session_token(services: &Services, headers: &HeaderMap) -> Option<String> {
        headers
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|c| cookie_value(c, services.session_cookie_name()))
            .map(str::to_owned)
    }

    /// The signed-in person and their caller, if any.
    pub async fn signed_in() -> Result<Option<(UserView, Caller)>, AppError> {
        let services = services()?;
        let headers = headers().await?;
        match session_token(&services, &headers) {
            Some(token) => services.session(&token).await.map_err(from_service),
            None => Ok(None),
        }
    }

    /// The signed-in caller, or 401 `unauthenticated`.
    pub async fn require_caller() -> Result<Caller, AppError> {
        signed_in()
            .await?
            .map(|(_, caller)| caller)
            .ok_or_else(|| from_service(ServiceError::Unauthenticated(AuthFailure::Missing)))
    }

    /// Sets (or, with `None`, clears) the session cookie: HttpOnly, SameSite=Lax, `Path=/`;
    /// over HTTPS also `Secure` and named `__Host-mc_session`. Whether the site is HTTPS comes
    /// from configuration (`MATTERCRAFT_ENV`, `MATTERCRAFT_PUBLIC_URL`), never from the
    /// request's `Host` header, which a reverse proxy may rewrite.
    pub fn set_session_cookie(services: &Services, session: Option<(&str, i64)>) {
        let name = services.session_cookie_name();
        let secure = if services.config().secure_cookies {
            "; Secure"
        } else {
            ""
        };
        let cookie = match session {
            Some((token, expires_at)) => {
                let max_age = (expires_at - services::now_ms()).max(0) / 1000;
                format!("{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
            }
            None => format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
        };
        if let (Some(response), Ok(value)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            HeaderValue::from_str(&cookie),
        ) {
            response.append_header(header::SET_COOKIE, value);
        }
    }

    /// True for a plain HTML form post (JavaScript off): the browser wants a page back.
    pub fn wants_html(headers: &HeaderMap) -> bool {
        headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    }

    /// Without JavaScript, sends the browser back to the local page `back` with `error=<code>`
    /// added to its query; with it, returns the error for the page to show in place.
    pub fn back_to_form(headers: &HeaderMap, error: AppError, back: &str) -> Result<(), AppError> {
        if wants_html(headers) {
            redirect(&with_query(
                &safe_next(back),
                &[("error", error.code.as_str())],
            ))
        } else {
            Err(error)
        }
    }

    /// The list parameters for the first (largest) page of a list with `spec`, plus `filters`.
    pub fn first_page(
        spec: &domain::listing::ListSpec,
        filters: &[(&str, &str)],
    ) -> Result<domain::listing::ListParams, AppError> {
        let per_page = domain::listing::MAX_PER_PAGE.to_string();
        domain::listing::ListParams::parse(
            filters
                .iter()
                .copied()
                .chain([("per_page", per_page.as_str())]),
            spec,
        )
        .map_err(|d| from_service(ServiceError::Invalid(d)))
    }

    /// `path` with `pairs` added to its query string, each value percent-encoded.
    pub fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let separator = if path.contains('?') { '&' } else { '?' };
        format!("{path}{separator}{query}")
    }

    /// A local path to continue to after signing in; anything else becomes `/account`, so a
    /// crafted link cannot send the user to another site (see [`local_path`]).
    pub fn safe_next(next: &str) -> String {
        local_path(next).unwrap_or_else(|| "/account".to_owned())
    }

    /// `path` as a same-origin path to put in a `Location` header, or `None` when it is not
    /// one: it must start with exactly one `/`, hold no ASCII control character, whitespace or
    /// backslash (browsers drop TAB, CR and LF and read `\` as `/`, so `/\t/evil.example`
    /// would become `//evil.example`), and, resolved as a URL against this site's origin, stay
    /// on that origin with a path that starts with a single `/` (also once `%2F`/`%5C` are
    /// decoded, as a proxy might). The result is the resolved path, query and fragment, so
    /// dot segments are already applied. Any fixed origin gives the same verdict as the real
    /// one: a path that stays on one origin stays on every origin.
    pub fn local_path(path: &str) -> Option<String> {
        if !path.starts_with('/')
            || path.starts_with("//")
            || path.contains('\\')
            || path
                .bytes()
                .any(|b| b.is_ascii_control() || b.is_ascii_whitespace())
        {
            return None;
        }
        let site = url::Url::parse("http://site.invalid/").ok()?;
        let resolved = site.join(path).ok()?;
        if resolved.origin() != site.origin() {
            return None;
        }
        let local = &resolved[url::Position::BeforePath..];
        let start = local.get(..4).unwrap_or(local).to_ascii_lowercase();
        let doubled = local.starts_with("//") || start == "/%2f" || start == "/%5c";
        (local.starts_with('/') && !doubled).then(|| local.to_owned())
    }

    /// Sends the browser to the local page `path` (a 302 for a plain form post, a client-side
    /// navigation otherwise). Use it for any target built from request data:
    /// `leptos_axum::redirect` panics on a value that is not a valid header, so anything but a
    /// same-origin path ([`local_path`]) answers 400 `invalid_request` instead. ([`safe_next`]
    /// already gives a valid path, and constant paths need no check.)
    pub fn redirect(path: &str) -> Result<(), AppError> {
        match local_path(path) {
            Some(path) => {
                leptos_axum::redirect(&path);
                Ok(())
            }
            None => Err(from_service(ServiceError::invalid(
                domain::error::ErrorDetail::new("path", "is not a path on this site"),
            ))),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::{local_path, safe_next, with_query};

        #[test]
        fn query_values_are_percent_encoded_once() {
            assert_eq!(
                with_query("/sign-in", &[("error", "conflict"), ("next", "/a b?c=d&e")]),
                "/sign-in?error=conflict&next=%2Fa+b%3Fc%3Dd%26e"
            );
            assert_eq!(
                with_query("/campaigns/new?template=x", &[("error", "invalid_request")]),
                "/campaigns/new?template=x&error=invalid_request"
            );
        }

        #[test]
        fn only_local_paths_are_followed_after_sign_in() {
            assert_eq!(safe_next("/settings/api-keys"), "/settings/api-keys");
            assert_eq!(
                safe_next("/campaigns/new?template=x#top"),
                "/campaigns/new?template=x#top"
            );
            for hostile in [
                "https://evil.example",
                "http:evil.example",
                "javascript:alert(1)",
                "evil.example",
                "//evil.example",
                "/\\evil.example",
                "\\/evil.example",
                "/\t/evil.example",
                "/\n/evil.example",
                "/\r\n/evil.example",
                "\t//evil.example",
                " /evil",
                "/ /evil",
                "/\x0b/evil.example",
                "/\x7f/evil.example",
                "/%2F%2Fevil.example",
                "/%2f/evil.example",
                "/%5C/evil.example",
                "/../..//evil.example",
                "/./\\evil.example",
                "",
            ] {
                assert_eq!(safe_next(hostile), "/account", "{hostile:?}");
            }
        }

        #[test]
        fn local_paths_are_resolved_and_encoded_before_use() {
            assert_eq!(local_path("/a/../b/./c").as_deref(), Some("/b/c"));
            assert_eq!(local_path("/caf\u{e9}").as_deref(), Some("/caf%C3%A9"));
            assert_eq!(local_path("/%09/x").as_deref(), Some("/%09/x"));
            for path in ["/a/../b", "/caf\u{e9}", "/x?y=\u{e9}"] {
                let local = local_path(path).unwrap();
                assert!(
                    http::HeaderValue::from_str(&local).is_ok(),
                    "{local:?} is a valid header value"
                );
            }
        }
    }
}
