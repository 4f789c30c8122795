//! Extractors whose rejections keep the API's error shape (never axum's plain-text bodies).

use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use bytes::Bytes;
use domain::error::ErrorDetail;
use domain::listing::{ListParams, ListSpec};
use serde::de::DeserializeOwned;

use super::ApiError;

/// A JSON body. Not JSON → 400 `invalid_json`; wrong shape (types, missing fields, unknown
/// enum values) → 400 `invalid_request` with the field's path; too large → 413; not declared
/// as JSON → 415.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::UnsupportedMediaType(
                "Send the body as JSON with the header 'Content-Type: application/json'.".into(),
            ));
        }
        let limit_hint = body_limit_hint(&req);
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| bytes_rejection(&rejection, limit_hint))?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Deserialises a JSON document, classifying errors as the API reports them.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => ApiError::InvalidRequest {
                message: "The request body does not have the expected fields and types.".into(),
                details: vec![ErrorDetail::new(
                    if path == "." { "body".to_owned() } else { path },
                    strip_position(&inner.to_string()),
                )],
            },
            _ => ApiError::InvalidJson(format!("The request body is not valid JSON: {inner}.")),
        }
    })?;
    deserializer
        .end()
        .map_err(|e| ApiError::InvalidJson(format!("The request body is not valid JSON: {e}.")))?;
    Ok(value)
}

/// Query-string parameters into `T`; bad values → 400 `invalid_request`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(ApiQuery)
            .map_err(|err| {
                let path = err.path().to_string();
                ApiError::InvalidRequest {
                    message: "The query string has invalid parameters.".into(),
                    details: vec![ErrorDetail::new(
                        if path == "." {
                            "query".to_owned()
                        } else {
                            path
                        },
                        err.into_inner().to_string(),
                    )],
                }
            })
    }
}

fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// Parses paging, sorting and filters for a list endpoint against its `spec`.
pub fn list_params(query: Option<&str>, spec: &ListSpec) -> Result<ListParams, ApiError> {
    let pairs = form_urlencoded_pairs(query.unwrap_or_default());
    ListParams::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), spec).map_err(
        |details| ApiError::InvalidRequest {
            message: "The list parameters are invalid; see details.".into(),
            details,
        },
    )
}

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// The limit to quote in a 413, taken from the declared length when the body limit is unknown.
fn body_limit_hint(req: &Request) -> usize {
    req.extensions()
        .get::<BodyLimit>()
        .map_or(AXUM_DEFAULT_BODY_LIMIT, |l| l.0)
}

/// axum's own default body limit, quoted when the router recorded none.
const AXUM_DEFAULT_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The JSON body limit in force, recorded in request extensions by the `/v1` router.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

fn bytes_rejection(rejection: &BytesRejection, limit: usize) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge { limit }
    } else {
        ApiError::invalid("body", "The request body could not be read.")
    }
}

/// serde_json appends "at line L column C", which means little for a field error.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Order {
        #[expect(dead_code, reason = "only deserialised")]
        quantity: u32,
        #[expect(dead_code, reason = "only deserialised")]
        mode: Mode,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Mode {
        AgentAssisted,
        HumanManual,
    }

    fn field_error(body: &str) -> ErrorDetail {
        match parse_json::<Order>(body.as_bytes()) {
            Err(ApiError::InvalidRequest { details, .. }) => details.into_iter().next().unwrap(),
            other => panic!("expected invalid_request, got {other:?}"),
        }
    }

    #[test]
    fn syntax_errors_are_invalid_json() {
        for body in ["{", "{\"quantity\": }", "not json", "", "{} trailing"] {
            assert!(
                matches!(
                    parse_json::<serde_json::Value>(body.as_bytes()),
                    Err(ApiError::InvalidJson(_))
                ),
                "{body:?}"
            );
        }
    }

    #[test]
    fn wrong_types_name_the_field() {
        let d = field_error(r#"{"quantity": "three", "mode": "human_manual"}"#);
        assert_eq!(d.path, "quantity");
        assert!(d.message.contains("invalid type"), "{}", d.message);
        assert!(!d.message.contains("line 1"), "positions are stripped");
    }

    #[test]
    fn unknown_enum_values_list_the_accepted_ones() {
        let d = field_error(r#"{"quantity": 1, "mode": "teleport"}"#);
        assert_eq!(d.path, "mode");
        assert!(d.message.contains("agent_assisted"), "{}", d.message);
    }

    #[test]
    fn missing_and_unknown_fields_are_reported() {
        assert!(field_error(r#"{"quantity": 1}"#)
            .message
            .contains("missing field `mode`"));
        let d = field_error(r#"{"quantity": 1, "mode": "human_manual", "colour": "red"}"#);
        assert!(
            d.message.contains("unknown field `colour`"),
            "{}",
            d.message
        );
    }

    #[test]
    fn json_content_types_are_recognised() {
        let mut headers = axum::http::HeaderMap::new();
        assert!(!is_json(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            "application/json; charset=utf-8".parse().unwrap(),
        );
        assert!(is_json(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            "application/merge-patch+json".parse().unwrap(),
        );
        assert!(is_json(&headers));
        headers.insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
        assert!(!is_json(&headers));
    }

    #[test]
    fn list_parameters_errors_become_a_400_with_details() {
        const SPEC: ListSpec = ListSpec {
            sort_fields: &["created_at"],
            default_sort: "-created_at",
            filters: &[],
        };
        let ok = list_params(Some("page=2&per_page=5&sort=created_at"), &SPEC).unwrap();
        assert_eq!(ok.offset(), 5);
        match list_params(Some("per_page=500&sort=-name"), &SPEC) {
            Err(ApiError::InvalidRequest { details, .. }) => {
                let paths: Vec<_> = details.iter().map(|d| d.path.as_str()).collect();
                assert_eq!(paths, ["per_page", "sort"]);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
