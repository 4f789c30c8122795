//! Cross-site request forgery protection for everything a browser can post to: server
//! functions, form posts, and `/v1` calls authenticated by the session cookie.
//!
//! Unsafe methods (anything but GET, HEAD, OPTIONS) are refused with 403 when the browser says
//! the request comes from another site (`Sec-Fetch-Site: cross-site|same-site`) or its `Origin`
//! names another host. Requests without either header come from non-browser clients, which
//! cannot ride on a victim's cookies; requests with `Authorization` carry their own credential.
//! The session cookie is also `SameSite=Lax`. (The same approach as Go's
//! `http.CrossOriginProtection`.)

use axum::extract::Request;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiError;

/// Refuses cross-site unsafe requests.
pub async fn layer(req: Request, next: Next) -> Response {
    if is_cross_site_write(&req) {
        return ApiError::Refused {
            code: domain::error::ErrorCode::CsrfRejected,
            message: "This request came from another site and was refused.".into(),
        }
        .into_response();
    }
    next.run(req).await
}

fn is_cross_site_write(req: &Request) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || req.headers().contains_key(header::AUTHORIZATION)
    {
        return false;
    }
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    origin == "null" || origin_host != host
}

#[cfg(test)]
mod tests {
    use axum::body::Body;

    use super::*;

    fn request(method: Method, headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::builder().method(method).uri("/api/fn/sign_out");
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn cross_site_posts_are_refused() {
        assert!(is_cross_site_write(&request(
            Method::POST,
            &[("sec-fetch-site", "cross-site")]
        )));
        assert!(is_cross_site_write(&request(
            Method::POST,
            &[("sec-fetch-site", "same-site")]
        )));
        assert!(is_cross_site_write(&request(
            Method::POST,
            &[
                ("host", "mattercraft.example"),
                ("origin", "https://evil.example")
            ]
        )));
        assert!(is_cross_site_write(&request(
            Method::DELETE,
            &[("origin", "null")]
        )));
    }

    #[test]
    fn same_origin_reads_and_non_browser_clients_pass() {
        assert!(!is_cross_site_write(&request(
            Method::POST,
            &[("sec-fetch-site", "same-origin")]
        )));
        assert!(!is_cross_site_write(&request(
            Method::POST,
            &[
                ("host", "127.0.0.1:3000"),
                ("origin", "http://127.0.0.1:3000")
            ]
        )));
        assert!(!is_cross_site_write(&request(
            Method::GET,
            &[("sec-fetch-site", "cross-site")]
        )));
        assert!(!is_cross_site_write(&request(Method::POST, &[])));
        assert!(!is_cross_site_write(&request(
            Method::POST,
            &[
                ("sec-fetch-site", "cross-site"),
                ("authorization", "Bearer mc_live_x")
            ]
        )));
    }
}
