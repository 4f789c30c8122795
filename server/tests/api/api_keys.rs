use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request};
use serde_json::json;

use crate::helpers::browser::signed_up_browser;
use crate::helpers::{assert_hidden_from, from_address, TestApp};

#[tokio::test]
async fn keys_of_every_kind_are_issued_with_their_prefix_and_authenticate() {
    let app = TestApp::spawn().await;
    // A signed-in person may create keys of any kind (an API key only its own kind).
    let cookie = signed_up_browser(&app, "kinds@example.com").await;
    for (kind, prefix) in [("live", "mc_live_"), ("test", "mc_test_"), ("ci", "mc_ci_")] {
        let res = app
            .request(
                Request::post("/v1/api-keys")
                    .header("cookie", &cookie)
                    .header("content-type", "application/json")
                    .body(Body::from(
                        json!({"name": kind, "scopes": ["admin"], "kind": kind}).to_string(),
                    ))
                    .unwrap(),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let created = res.json()["data"].clone();
        let key = created["api_key"].as_str().unwrap();
        assert!(key.starts_with(prefix), "{key}");
        assert_eq!(created["kind"], kind);
        assert!(created["prefix"].as_str().unwrap().starts_with(prefix));
        assert_eq!(
            app.get_as(key, "/v1/api-keys").await.status,
            200,
            "{kind} key works"
        );
    }
}

#[tokio::test]
async fn the_list_shows_usage_but_never_secrets() {
    let app = TestApp::spawn().await;
    let admin = app.connect("list@example.com").await.api_key;
    for _ in 0..2 {
        app.get_as(&admin, "/v1/api-keys").await;
    }
    let res = app
        .get_as(&admin, "/v1/api-keys?sort=-created_at&per_page=10")
        .await;
    assert_eq!(res.status, 200);
    assert!(!res.text().contains(&admin[8..]), "no secret in the list");
    let body = res.json();
    let key = &body["data"][0];
    assert!(key.get("api_key").is_none());
    assert!(key["last_used_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(key["request_count"], 3, "this request included");
    assert_eq!(body["meta"]["per_page"], 10);
    assert_eq!(body["meta"]["pages"], 1);
}

#[tokio::test]
async fn list_parameters_are_validated() {
    let app = TestApp::spawn().await;
    let admin = app.connect("params@example.com").await.api_key;
    let res = app
        .get_as(&admin, "/v1/api-keys?sort=secret&per_page=500")
        .await;
    let body = res.assert_error(400, "invalid_request");
    assert_eq!(body["details"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_key_without_the_needed_scope_is_refused_with_403_naming_it() {
    let app = TestApp::spawn().await;
    let admin = app.connect("scopes@example.com").await.api_key;
    let reader = app
        .create_key(
            &admin,
            json!({"name": "reader", "scopes": ["campaigns:read"]}),
        )
        .await;
    let res = app
        .get_as(reader["api_key"].as_str().unwrap(), "/v1/api-keys")
        .await;
    let body = res.assert_error(403, "forbidden");
    assert!(body["message"].as_str().unwrap().contains("'admin'"));
}

#[tokio::test]
async fn unknown_scopes_and_bad_expiry_are_rejected() {
    let app = TestApp::spawn().await;
    let admin = app.connect("badkey@example.com").await.api_key;
    let res = app
        .call(
            &admin,
            Method::POST,
            "/v1/api-keys",
            Some(json!({"name": "x", "scopes": ["root"]})),
        )
        .await;
    let body = res.assert_error(400, "invalid_request");
    assert_eq!(body["details"][0]["path"], "scopes[0]");
    let res = app
        .call(
            &admin,
            Method::POST,
            "/v1/api-keys",
            Some(json!({"name": "x", "scopes": [], "expires_at": "2001-01-01T00:00:00Z"})),
        )
        .await;
    res.assert_error(400, "invalid_request");
    assert_eq!(res.detail_paths(), ["scopes", "expires_at"]);
}

#[tokio::test]
async fn unknown_malformed_and_missing_keys_get_401() {
    let app = TestApp::spawn().await;
    let unknown = app
        .get_as(
            "mc_live_0123456789abcdef0123456789abcdef0123456789abcdef",
            "/v1/api-keys",
        )
        .await;
    let body = unknown.assert_error(401, "invalid_api_key");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("invalid or has been revoked"));
    let malformed = app
        .request(
            Request::get("/v1/api-keys")
                .header("authorization", "Basic dXNlcjpwYXNz")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    malformed.assert_error(401, "invalid_api_key");
    app.get("/v1/api-keys")
        .await
        .assert_error(401, "invalid_api_key");
    app.get_as("not-a-key", "/v1/api-keys")
        .await
        .assert_error(401, "invalid_api_key");
}

#[tokio::test]
async fn a_revoked_key_gets_the_same_401_as_an_unknown_one() {
    let app = TestApp::spawn().await;
    let admin = app.connect("revoke@example.com").await.api_key;
    let victim = app
        .create_key(&admin, json!({"name": "temp", "scopes": ["admin"]}))
        .await;
    let key = victim["api_key"].as_str().unwrap();
    assert_eq!(app.get_as(key, "/v1/api-keys").await.status, 200);
    let path = format!("/v1/api-keys/{}", victim["id"].as_str().unwrap());
    assert_eq!(
        app.call(&admin, Method::DELETE, &path, None).await.status,
        204
    );
    let revoked = app.get_as(key, "/v1/api-keys").await;
    let unknown = app
        .get_as(&format!("{}0000", &key[..key.len() - 4]), "/v1/api-keys")
        .await;
    let (a, b) = (
        revoked.assert_error(401, "invalid_api_key"),
        unknown.assert_error(401, "invalid_api_key"),
    );
    assert_eq!(
        a["message"], b["message"],
        "revoked and unknown keys look the same"
    );
    let listed = app.get_as(&admin, "/v1/api-keys").await.json();
    let row = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "temp")
        .unwrap();
    assert!(row["revoked_at"].is_string());
}

#[tokio::test]
async fn an_expired_key_gets_401_and_its_holder_is_told_it_expired() {
    let app = TestApp::spawn().await;
    let admin = app.connect("expiry@example.com").await.api_key;
    let soon = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let created = app
        .create_key(
            &admin,
            json!({"name": "short", "scopes": ["admin"], "expires_at": soon.to_rfc3339()}),
        )
        .await;
    let key = created["api_key"].as_str().unwrap();
    assert_eq!(app.get_as(key, "/v1/api-keys").await.status, 200);
    tokio::time::sleep(Duration::from_millis(1700)).await;
    let body = app
        .get_as(key, "/v1/api-keys")
        .await
        .assert_error(401, "invalid_api_key");
    assert!(
        body["message"].as_str().unwrap().contains("expired"),
        "{body}"
    );
}

#[tokio::test]
async fn an_ip_allowlist_admits_only_its_networks() {
    let app = TestApp::spawn().await;
    let admin = app.connect("allowlist@example.com").await;
    let path = format!("/v1/api-keys/{}", admin.api_key_id);
    let bad = app
        .call(
            &admin.api_key,
            Method::PATCH,
            &path,
            Some(json!({"allowed_ips": ["nonsense"]})),
        )
        .await;
    assert_eq!(
        bad.assert_error(400, "invalid_request")["details"][0]["path"],
        "allowed_ips[0]"
    );

    let res = app
        .call(
            &admin.api_key,
            Method::PATCH,
            &path,
            Some(json!({"allowed_ips": ["203.0.113.0/24", "2001:db8::1"]})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        res.json()["data"]["allowed_ips"],
        json!(["203.0.113.0/24", "2001:db8::1/128"])
    );

    let from = |ip: &str| {
        from_address(
            Request::get("/v1/api-keys")
                .header("authorization", format!("Bearer {}", admin.api_key))
                .body(Body::empty())
                .unwrap(),
            ip,
        )
    };
    assert_eq!(app.request(from("203.0.113.77")).await.status, 200);
    let refused = app.request(from("198.51.100.7")).await;
    let body = refused.assert_error(403, "forbidden");
    assert!(body["message"].as_str().unwrap().contains("198.51.100.7"));
    let unknown_address = app.get_as(&admin.api_key, "/v1/api-keys").await;
    unknown_address.assert_error(403, "forbidden");
}

#[tokio::test]
async fn another_accounts_keys_are_404_and_stay_untouched() {
    let app = TestApp::spawn().await;
    let owner = app.connect("owner@example.com").await;
    let intruder = app.connect("intruder@example.com").await;
    let path = format!("/v1/api-keys/{}", owner.api_key_id);
    assert_hidden_from(
        &app,
        &intruder.api_key,
        &[
            (
                Method::PATCH,
                path.clone(),
                Some(json!({"allowed_ips": ["10.0.0.0/8"]})),
            ),
            (Method::DELETE, path.clone(), None),
        ],
    )
    .await;
    let listed = app.get_as(&intruder.api_key, "/v1/api-keys").await.json();
    assert_eq!(
        listed["meta"]["total"], 1,
        "the intruder sees only their own key"
    );
    assert_eq!(
        app.get_as(&owner.api_key, "/v1/api-keys").await.status,
        200,
        "still valid"
    );
    let mine = app.get_as(&owner.api_key, "/v1/api-keys").await.json();
    assert_eq!(mine["data"][0]["allowed_ips"], json!([]));
}
