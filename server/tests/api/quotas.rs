//! Per-account quotas: keys, custom templates, datasets, files and stored bytes (pending
//! uploads included) stop at the plan's limit with 403 `quota_exceeded` naming it, and nothing
//! is written; racing requests cannot take more than the last place.

use axum::http::Method;
use serde_json::json;

use crate::helpers::parts::presign;
use crate::helpers::TestApp;

async fn unlimited_app() -> TestApp {
    TestApp::spawn_with_env(&[("MATTERCRAFT_RATE_LIMIT_PER_MINUTE", "0")]).await
}

fn key_body(n: usize) -> serde_json::Value {
    json!({"name": format!("key {n}"), "scopes": ["campaigns:read"]})
}

#[tokio::test]
async fn minting_keys_stops_at_the_plans_limit_until_one_is_revoked() {
    let app = unlimited_app().await;
    let admin = app.connect("keys-quota@example.com").await.api_key;
    // The connect key is the first of 25.
    let mut last = String::new();
    for n in 1..25 {
        last = app.create_key(&admin, key_body(n)).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
    }
    let res = app
        .call(&admin, Method::POST, "/v1/api-keys", Some(key_body(25)))
        .await;
    let body = res.assert_error(403, "quota_exceeded");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("api_keys") && message.contains("25"),
        "{message}"
    );
    assert_eq!(app.count("api_keys").await, 25, "nothing was written");

    let revoked = app
        .call(
            &admin,
            Method::DELETE,
            &format!("/v1/api-keys/{last}"),
            None,
        )
        .await;
    assert!(revoked.status.is_success(), "{}", revoked.text());
    app.create_key(&admin, key_body(26)).await;
}

#[tokio::test]
async fn racing_key_requests_cannot_pass_the_limit_together() {
    let app = unlimited_app().await;
    let admin = app.connect("race-quota@example.com").await.api_key;
    for n in 1..20 {
        app.create_key(&admin, key_body(n)).await;
    }
    let attempts = (0..15).map(|n| {
        app.call(
            &admin,
            Method::POST,
            "/v1/api-keys",
            Some(key_body(100 + n)),
        )
    });
    let statuses: Vec<u16> = futures::future::join_all(attempts)
        .await
        .iter()
        .map(|r| r.status.as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        5,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 403),
        "{statuses:?}"
    );
    assert_eq!(app.count("api_keys").await, 25);
}

#[tokio::test]
async fn pending_uploads_count_against_the_stored_bytes_quota() {
    let app = unlimited_app().await;
    let key = app.connect("bytes-quota@example.com").await.api_key;
    let big =
        json!({"filename": "big.stl", "content_type": "model/stl", "size_bytes": 100_000_000});
    // Ten announced 100 MB uploads: 1.0e9 of the free plan's 1 GiB, none of them sent yet.
    for _ in 0..10 {
        let res = presign(&app, &key, big.clone()).await;
        assert_eq!(res.status, 201, "{}", res.text());
    }
    let res = presign(&app, &key, big).await;
    let body = res.assert_error(403, "quota_exceeded");
    assert!(
        body["message"].as_str().unwrap().contains("stored_bytes"),
        "{body}"
    );
    let small = json!({"filename": "small.stl", "content_type": "model/stl", "size_bytes": 1_000});
    assert_eq!(
        presign(&app, &key, small).await.status,
        201,
        "what fits still fits"
    );
    // Another account is not affected.
    let other = app.connect("bytes-other@example.com").await.api_key;
    let mine = json!({"filename": "x.stl", "content_type": "model/stl", "size_bytes": 100_000_000});
    assert_eq!(presign(&app, &other, mine).await.status, 201);
}

#[tokio::test]
async fn custom_templates_stop_at_the_plans_limit() {
    let app = unlimited_app().await;
    let key = app.connect("tmpl-quota@example.com").await.api_key;
    let template = |n: usize| {
        json!({"mdl": {
            "name": format!("screen-{n}"),
            "domain": "battery",
            "parameters": [{"name": "nickel", "type": "continuous", "bounds": [0.3, 0.9]}],
            "objectives": [{"name": "capacity", "direction": "maximize"}],
            "optimizer": {"budget": 20, "seed": 1},
            "evaluator": {"type": "external"}
        }})
    };
    for n in 0..50 {
        let res = app
            .call(&key, Method::POST, "/v1/templates", Some(template(n)))
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
    }
    let res = app
        .call(&key, Method::POST, "/v1/templates", Some(template(50)))
        .await;
    let body = res.assert_error(403, "quota_exceeded");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("custom_templates"),
        "{body}"
    );
    assert_eq!(app.count("custom_templates").await, 50);
}

#[tokio::test]
async fn a_paid_plan_gets_more_room() {
    let app = unlimited_app().await;
    let connected = app.connect("pro-quota@example.com").await;
    app.db
        .accounts()
        .set_plan(
            &connected.account(),
            domain::auth::Plan::Pro,
            store::now_ms(),
        )
        .await
        .unwrap();
    for n in 1..30 {
        app.create_key(&connected.api_key, key_body(n)).await;
    }
    assert_eq!(app.count("api_keys").await, 30);
}
