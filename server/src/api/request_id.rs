//! Request ids and request logging: every response carries `X-Request-ID`.

use std::time::Instant;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The header carrying the request id, in both directions.
pub const HEADER: &str = "x-request-id";

/// Gives the request an id (keeping a well-formed one sent by a proxy), runs it inside that
/// id's scope and a tracing span, logs the outcome, and echoes the id in the response.
pub async fn layer(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_well_formed(v))
        .map_or_else(new_request_id, str::to_owned);
    let method = req.method().clone();
    // The path only: query strings can carry tokens.
    let path = req.uri().path().to_owned();
    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %path);
    let started = Instant::now();
    let mut response = services::request_id::scope(id.clone(), next.run(req))
        .instrument(span.clone())
        .await;
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let status = response.status().as_u16();
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(status, duration_ms, "request failed");
        } else {
            tracing::info!(status, duration_ms, "request served");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

fn new_request_id() -> String {
    format!("req_{}", store::ids::random_hex(12))
}

fn is_well_formed(id: &str) -> bool {
    (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_prefixed_and_unique() {
        let a = new_request_id();
        assert!(a.starts_with("req_") && a.len() == 28, "{a}");
        assert_ne!(a, new_request_id());
    }

    #[test]
    fn only_plain_ids_from_clients_are_kept() {
        assert!(is_well_formed("req_0123456789ab"));
        assert!(is_well_formed("3f2c1a9e-7b7d-4f6b-9a0e-2d3c4b5a6f70"));
        assert!(!is_well_formed("short"));
        assert!(!is_well_formed("has space in it"));
        assert!(!is_well_formed("<script>alert(1)</script>"));
        assert!(!is_well_formed(&"a".repeat(65)));
    }
}
