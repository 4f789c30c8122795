use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use server::api::extract::ApiJson;
use server::state::AppState;

use crate::helpers::TestApp;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Quote {
    quantity: u32,
    mode: Mode,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Mode {
    AgentAssisted,
    HumanManual,
}

/// The app with a JSON endpoint built on the API's own extractor, behind the real middleware
/// and the real `/v1` body limit (1024 bytes in tests).
async fn app_with_json_endpoint() -> TestApp {
    let extra: Router<AppState> = Router::new().route(
        "/test-quotes",
        post(|ApiJson(quote): ApiJson<Quote>| async move { Json(quote) }),
    );
    TestApp::spawn_with(store::testing::fresh_database_url().await, extra).await
}

#[tokio::test]
async fn unknown_v1_routes_answer_a_json_404() {
    let app = TestApp::spawn().await;
    let res = app.get("/v1/no/such/thing").await;
    let body = res.assert_error(404, "not_found");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("/v1/no/such/thing"));
}

#[tokio::test]
async fn a_wrong_method_answers_405_in_the_error_shape() {
    let app = TestApp::spawn().await;
    let res = app.post("/v1/status", "application/json", "{}").await;
    res.assert_error(405, "method_not_allowed");
}

#[tokio::test]
async fn a_valid_body_is_accepted() {
    let app = app_with_json_endpoint().await;
    let res = app
        .post(
            "/v1/test-quotes",
            "application/json",
            r#"{"quantity": 2, "mode": "human_manual"}"#,
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["quantity"], 2);
}

#[tokio::test]
async fn malformed_json_is_a_400_in_the_error_shape() {
    let app = app_with_json_endpoint().await;
    let res = app
        .post("/v1/test-quotes", "application/json", r#"{"quantity": 2,"#)
        .await;
    let body = res.assert_error(400, "invalid_json");
    assert!(body["message"].as_str().unwrap().contains("not valid JSON"));
}

#[tokio::test]
async fn wrong_types_are_a_400_naming_the_field() {
    let app = app_with_json_endpoint().await;
    let res = app
        .post(
            "/v1/test-quotes",
            "application/json",
            r#"{"quantity": "two", "mode": "human_manual"}"#,
        )
        .await;
    let body = res.assert_error(400, "invalid_request");
    assert_eq!(body["details"][0]["path"], "quantity");
}

#[tokio::test]
async fn unknown_enum_values_are_a_400_listing_the_choices() {
    let app = app_with_json_endpoint().await;
    let res = app
        .post(
            "/v1/test-quotes",
            "application/json",
            r#"{"quantity": 1, "mode": "teleport"}"#,
        )
        .await;
    let body = res.assert_error(400, "invalid_request");
    assert_eq!(body["details"][0]["path"], "mode");
    assert!(body["details"][0]["message"]
        .as_str()
        .unwrap()
        .contains("human_manual"));
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413() {
    let app = app_with_json_endpoint().await;
    let big = format!(
        r#"{{"quantity": 1, "mode": "human_manual", "pad": "{}"}}"#,
        "x".repeat(4096)
    );
    let res = app.post("/v1/test-quotes", "application/json", big).await;
    let body = res.assert_error(413, "payload_too_large");
    assert!(body["message"].as_str().unwrap().contains("1024 bytes"));
}

#[tokio::test]
async fn a_body_not_declared_as_json_is_a_415() {
    let app = app_with_json_endpoint().await;
    let res = app
        .post(
            "/v1/test-quotes",
            "text/plain",
            r#"{"quantity": 1, "mode": "human_manual"}"#,
        )
        .await;
    res.assert_error(415, "unsupported_media_type");
}
