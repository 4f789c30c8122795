use crate::helpers::TestApp;

#[tokio::test]
async fn the_openapi_document_is_3_1_and_describes_the_endpoints() {
    let app = TestApp::spawn().await;
    let res = app.get("/v1/openapi.json").await;
    assert_eq!(res.status, 200);
    let doc = res.json();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    for path in ["/health", "/ready", "/v1/status"] {
        assert!(
            doc["paths"][path]["get"].is_object(),
            "{path} is documented"
        );
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}

#[tokio::test]
async fn the_document_is_also_at_the_root_where_the_seed_points_agents() {
    let app = TestApp::spawn().await;
    let root = app.get("/openapi.json").await;
    assert_eq!(root.status, 200, "{}", root.text());
    assert!(root
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(root.json(), app.get("/v1/openapi.json").await.json());
}

#[tokio::test]
async fn the_document_lists_every_job_phase_and_log_level() {
    let app = TestApp::spawn().await;
    let doc = app.get("/v1/openapi.json").await.json();
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["JobPhase"]["enum"],
        serde_json::json!([
            "queued",
            "resuming",
            "initial_design",
            "acquiring",
            "evaluating",
            "awaiting_evaluations",
            "completed",
            "failed",
            "cancelled"
        ])
    );
    assert_eq!(
        schemas["LogLevel"]["enum"],
        serde_json::json!(["debug", "info", "warning", "error"])
    );
    let level = doc["paths"]["/v1/jobs/{id}/logs"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "level")
        .cloned()
        .unwrap();
    assert!(
        level["description"].as_str().unwrap().contains("Minimum"),
        "{level}"
    );
}

#[tokio::test]
async fn swagger_ui_and_redoc_load_only_local_assets() {
    let app = TestApp::spawn().await;
    for (page, asset) in [
        ("/v1/docs", "/vendor/swagger-ui/swagger-ui-bundle.js"),
        ("/v1/redoc", "/vendor/redoc/redoc.standalone.js"),
    ] {
        let res = app.get(page).await;
        assert_eq!(res.status, 200);
        assert!(res.header("content-type").unwrap().starts_with("text/html"));
        let html = res.text();
        assert!(html.contains(asset), "{page} loads {asset}");
        assert!(
            !html.contains("https://"),
            "{page} loads nothing from elsewhere"
        );
        let script = app.get(asset).await;
        assert_eq!(script.status, 200, "{asset} is served");
        assert!(script.body.len() > 100_000, "{asset} is the real bundle");
    }
    let init = app.get("/vendor/swagger-ui/init.js").await;
    assert!(init.text().contains("/v1/openapi.json"));
}
