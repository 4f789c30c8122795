use crate::helpers::{refuse_inserts, TestApp};

#[tokio::test]
async fn connect_creates_an_account_and_a_key_that_works() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/v1/connect",
            "application/json",
            r#"{"email": "ada@example.com", "name": "Ada Lovelace"}"#,
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let body = res.json();
    for field in ["account_id", "email", "api_key_id", "api_key", "message"] {
        assert!(body[field].is_string(), "{field} in {body}");
    }
    assert_eq!(body["email"], "ada@example.com");
    assert_eq!(body["account_id"].as_str().unwrap().len(), 36, "a UUID");
    assert!(body["api_key_id"].as_str().unwrap().starts_with("key_"));
    let key = body["api_key"].as_str().unwrap();
    assert!(
        key.starts_with("mc_test_"),
        "development issues sandbox keys: {key}"
    );
    assert!(
        key.len() >= "mc_test_".len() + 32,
        "at least 128 bits of randomness"
    );
    let list = app.get_as(key, "/v1/api-keys").await;
    assert_eq!(list.status, 200, "{}", list.text());
    assert_eq!(
        list.json()["data"][0]["scopes"],
        serde_json::json!(["admin"])
    );
}

#[tokio::test]
async fn connecting_an_existing_email_in_any_case_gives_a_new_key_and_keeps_the_old_one() {
    let app = TestApp::spawn().await;
    let first = app.connect("Grace.Hopper@Example.com").await;
    let second = app.connect("grace.hopper@example.COM").await;
    assert_eq!(first.account_id, second.account_id);
    assert_ne!(first.api_key, second.api_key);
    assert_ne!(first.api_key_id, second.api_key_id);
    for key in [&first.api_key, &second.api_key] {
        assert_eq!(app.get_as(key, "/v1/api-keys").await.status, 200);
    }
    let listed = app.get_as(&first.api_key, "/v1/api-keys").await.json();
    assert_eq!(listed["meta"]["total"], 2);
}

#[tokio::test]
async fn an_invalid_email_is_a_400_with_details() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/v1/connect",
            "application/json",
            r#"{"email": "not-an-email", "name": "X"}"#,
        )
        .await;
    let body = res.assert_error(400, "invalid_request");
    assert_eq!(body["details"][0]["path"], "email");
    assert_eq!(body["details"][0]["value"], "not-an-email");
}

#[tokio::test]
async fn oversized_and_empty_fields_are_a_400_naming_each_field() {
    let app = TestApp::spawn().await;
    let body =
        serde_json::json!({"email": format!("{}@example.com", "a".repeat(300)), "name": "  "});
    let res = app
        .post("/v1/connect", "application/json", body.to_string())
        .await;
    res.assert_error(400, "invalid_request");
    assert_eq!(res.detail_paths(), ["email", "name"]);
}

#[tokio::test]
async fn only_the_hash_of_a_key_is_stored() {
    let app = TestApp::spawn().await;
    let connected = app.connect("hash@example.com").await;
    let raw = &connected.api_key;

    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    let rows: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT key_hash, prefix, name, scopes FROM api_keys")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 1);
    for column in [&rows[0].0, &rows[0].1, &rows[0].2, &rows[0].3] {
        assert!(
            !column.contains(&raw[8..]),
            "the secret part is stored: {column}"
        );
    }
    assert_eq!(rows[0].0, services::identity::sha256_hex(raw));
    assert_eq!(rows[0].1, &raw[..12], "only a short display prefix is kept");

    // On SQLite, the files themselves (database and write-ahead log) never hold the key.
    if let Some(path) = app.database_url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap();
        let folder = std::path::Path::new(path).parent().unwrap();
        for entry in std::fs::read_dir(folder).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            let needle = &raw.as_bytes()[8..];
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "raw key in a file"
            );
        }
    }
}

#[tokio::test]
async fn the_demo_account_is_created_once_on_an_empty_database_and_works() {
    let app = TestApp::spawn().await;
    let demo = app
        .services
        .ensure_demo_account()
        .await
        .unwrap()
        .expect("created");
    assert!(
        app.services.ensure_demo_account().await.unwrap().is_none(),
        "only once"
    );
    assert_eq!(
        app.get_as(demo.api_key.expose(), "/v1/api-keys")
            .await
            .status,
        200
    );
    app.services
        .sign_in(&demo.email, &demo.password, None)
        .await
        .expect("the printed password signs in");
}

#[tokio::test]
async fn when_the_key_cannot_be_stored_no_account_is_left_behind() {
    let app = TestApp::spawn().await;
    refuse_inserts(&app, "api_keys").await;
    let res = app
        .post(
            "/v1/connect",
            "application/json",
            r#"{"email": "half@example.com", "name": "Half Done"}"#,
        )
        .await;
    assert_eq!(res.status, 500, "{}", res.text());
    assert_eq!(res.json()["error"], "internal_error");
    assert_eq!(
        app.count("accounts").await,
        0,
        "the account was rolled back with its key"
    );
}
