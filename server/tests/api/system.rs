use axum::body::Body;
use axum::http::Request;

use crate::helpers::TestApp;

#[tokio::test]
async fn health_answers_ok_with_a_request_id() {
    let app = TestApp::spawn().await;
    let res = app.get("/health").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "ok");
    assert!(res.header("x-request-id").unwrap().starts_with("req_"));
}

#[tokio::test]
async fn ready_answers_when_the_database_does() {
    let app = TestApp::spawn().await;
    let res = app.get("/ready").await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["status"], "ready");
}

#[tokio::test]
async fn every_response_carries_a_distinct_request_id() {
    let app = TestApp::spawn().await;
    let mut ids = std::collections::HashSet::new();
    for path in [
        "/health",
        "/v1/status",
        "/v1/nothing-here",
        "/",
        "/no-such-page",
    ] {
        let res = app.get(path).await;
        let id = res
            .header("x-request-id")
            .unwrap_or_else(|| panic!("{path}"))
            .to_owned();
        assert!(ids.insert(id), "{path} reused a request id");
    }
}

#[tokio::test]
async fn a_well_formed_request_id_from_a_proxy_is_kept() {
    let app = TestApp::spawn().await;
    let res = app
        .request(
            Request::get("/v1/nothing")
                .header("x-request-id", "lb-0123456789abcdef")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.header("x-request-id"), Some("lb-0123456789abcdef"));
    assert_eq!(res.json()["request_id"], "lb-0123456789abcdef");
}

#[tokio::test]
async fn status_reports_the_backend_and_task_counts_in_the_envelope() {
    let app = TestApp::spawn().await;
    app.db
        .tasks()
        .enqueue(
            store::tasks::NewTask::new("x", serde_json::json!({})),
            store::now_ms(),
        )
        .await
        .unwrap();
    let res = app.get("/v1/status").await;
    assert_eq!(res.status, 200, "{}", res.text());
    let body = res.json();
    assert_eq!(body["data"]["database"], app.db.backend().as_str());
    assert_eq!(body["data"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        body["data"].get("tasks").is_none(),
        "anonymous callers do not see the platform's activity"
    );
    let user = app.connect("user@example.com").await;
    let seen = app.get_as(&user.api_key, "/v1/status").await.json();
    assert!(seen["data"].get("tasks").is_none(), "nor do users");
    let operator = app.connect("operator@example.com").await;
    app.db
        .accounts()
        .set_role(
            &operator.account(),
            domain::auth::Role::Operator,
            store::now_ms(),
        )
        .await
        .unwrap();
    let seen = app.get_as(&operator.api_key, "/v1/status").await.json();
    assert_eq!(
        seen["data"]["tasks"]["queued"], 1,
        "operators see the queue"
    );
    assert_eq!(
        body["meta"]["request_id"],
        res.header("x-request-id").unwrap()
    );
    let ts = body["meta"]["timestamp"].as_str().unwrap();
    assert!(ts.ends_with('Z') && ts.contains('T'), "{ts}");
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_accepts_it() {
    let app = TestApp::spawn().await;
    let res = app
        .request(
            Request::get("/v1/openapi.json")
                .header("accept-encoding", "gzip")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-encoding"), Some("gzip"));
}
