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

/// Every operation in the document, as `METHOD /path`, in path order.
fn operations(doc: &serde_json::Value) -> Vec<(String, String)> {
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                operations.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    operations
}

#[tokio::test]
async fn the_documented_operations_are_the_served_ones() {
    let app = TestApp::spawn().await;
    let doc = app.get("/v1/openapi.json").await.json();
    let operations = operations(&doc);
    // The review copy: adding, removing or moving a route shows up here.
    insta::assert_snapshot!(operations
        .iter()
        .map(|(method, path)| format!("{method} {path}"))
        .collect::<Vec<_>>()
        .join("\n"));
    for (method, path) in &operations {
        let concrete = path.replace("{id}", "unknown_1");
        let res = app
            .request(
                axum::http::Request::builder()
                    .method(method.as_str())
                    .uri(&concrete)
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from("{}"))
                    .unwrap(),
            )
            .await;
        assert_ne!(
            res.status, 405,
            "{method} {path} is documented but not served"
        );
        if res.status == 404 {
            assert!(
                !res.text().contains("There is no API endpoint"),
                "{method} {path} is documented but not served: {}",
                res.text()
            );
        }
    }
}

#[tokio::test]
async fn an_undocumented_path_or_method_is_not_served() {
    let app = TestApp::spawn().await;
    let res = app.get("/v1/orders-that-do-not-exist").await;
    assert_eq!(res.status, 404);
    assert_eq!(res.json()["error"], "not_found");
    let res = app
        .request(
            axum::http::Request::delete("/v1/catalog")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, 405);
    assert_eq!(res.json()["error"], "method_not_allowed");
}

#[tokio::test]
async fn documented_bodies_are_the_envelopes_the_handlers_return() {
    let app = TestApp::spawn().await;
    let doc = app.get("/v1/openapi.json").await.json();
    let body = |path: &str, method: &str, status: &str| {
        let schema = &doc["paths"][path][method]["responses"][status]["content"]
            ["application/json"]["schema"];
        resolve(&doc, schema)
    };
    let single = body("/v1/campaigns/{id}", "get", "200");
    assert!(single["properties"]["data"].is_object(), "{single}");
    assert!(single["properties"]["meta"].is_object(), "{single}");
    let list = body("/v1/jobs", "get", "200");
    assert_eq!(
        resolve(&doc, &list["properties"]["data"])["type"],
        "array",
        "{list}"
    );
    let meta = resolve(&doc, &list["properties"]["meta"]);
    for field in ["page", "per_page", "total", "request_id"] {
        assert!(meta["properties"][field].is_object(), "{field} in {meta}");
    }
}

/// Follows a `$ref` to its schema.
fn resolve<'a>(doc: &'a serde_json::Value, schema: &'a serde_json::Value) -> &'a serde_json::Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

#[tokio::test]
async fn every_schema_the_document_refers_to_is_in_it() {
    let app = TestApp::spawn().await;
    let doc = app.get("/v1/openapi.json").await.json();
    let mut references = Vec::new();
    collect_references(&doc, &mut references);
    assert!(references.len() > 50, "{} references", references.len());
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let missing: Vec<&String> = references
        .iter()
        .filter(|r| !schemas.contains_key(r.trim_start_matches("#/components/schemas/")))
        .collect();
    assert!(missing.is_empty(), "missing schemas: {missing:?}");
}

fn collect_references(value: &serde_json::Value, into: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value.as_str()) {
                    ("$ref", Some(reference)) => into.push(reference.to_owned()),
                    _ => collect_references(value, into),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_references(v, into)),
        _ => {}
    }
}
