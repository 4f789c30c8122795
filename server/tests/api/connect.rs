use axum::http::Method;
use serde_json::json;

use crate::helpers::browser::mailed_code;
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

/// `POST /v1/connect` with `body`.
async fn connect_with(app: &TestApp, body: serde_json::Value) -> crate::helpers::TestResponse {
    app.post("/v1/connect", "application/json", body.to_string())
        .await
}

#[tokio::test]
async fn connect_with_an_existing_email_issues_no_key_without_the_mailed_code() {
    let app = TestApp::spawn().await;
    let owner = app.connect("Grace.Hopper@Example.com").await;
    // Anyone naming the email (in any case) gets no key, only a request for the code.
    let res = connect_with(
        &app,
        json!({"email": "grace.hopper@example.COM", "name": "claude-agent"}),
    )
    .await;
    assert_eq!(res.status, 202, "{}", res.text());
    let body = res.json();
    assert_eq!(body["status"], "verification_required");
    assert_eq!(body["next_action"], "ask_user_for_code");
    assert!(body["message"].as_str().unwrap().contains("code"));
    assert!(
        body.get("api_key").is_none(),
        "no key without proof: {body}"
    );
    let keys = app.get_as(&owner.api_key, "/v1/api-keys").await.json();
    assert_eq!(keys["meta"]["total"], 1, "nothing was issued");

    // The code reaches the address (through the SMTP server in the test command).
    let code = mailed_code(&app, "Grace.Hopper@Example.com").await;
    let wrong = connect_with(
        &app,
        json!({"email": "grace.hopper@example.com", "name": "claude-agent", "code": "AAAAA-AAAAA"}),
    )
    .await;
    let err = wrong.assert_error(400, "invalid_verification_code");
    assert!(
        err["message"].as_str().unwrap().contains("4 tries left"),
        "{err}"
    );

    let typed = code.to_lowercase().replace('-', " ");
    let ok = connect_with(
        &app,
        json!({"email": "grace.hopper@example.com", "name": "claude-agent", "code": typed}),
    )
    .await;
    assert_eq!(ok.status, 201, "{}", ok.text());
    let connected = ok.json();
    assert_eq!(connected["account_id"], owner.account_id.as_str());
    let key = connected["api_key"].as_str().unwrap();
    assert_ne!(key, owner.api_key);
    for key in [key, owner.api_key.as_str()] {
        assert_eq!(
            app.get_as(key, "/v1/api-keys").await.status,
            200,
            "both keys work"
        );
    }
    let listed = app.get_as(key, "/v1/api-keys").await.json();
    assert_eq!(listed["meta"]["total"], 2);
    let names: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("claude-agent (connect, ")),
        "the owner can tell whose key it is: {names:?}"
    );

    // The code is single use.
    let replay = connect_with(
        &app,
        json!({"email": "grace.hopper@example.com", "name": "claude-agent", "code": code}),
    )
    .await;
    replay.assert_error(410, "verification_code_expired");
}

#[tokio::test]
async fn a_connect_code_dies_after_five_wrong_tries_or_fifteen_minutes() {
    let app = TestApp::spawn().await;
    app.connect("tries@example.com").await;
    let ask = json!({"email": "tries@example.com", "name": "agent"});
    assert_eq!(connect_with(&app, ask.clone()).await.status, 202);
    let code = mailed_code(&app, "tries@example.com").await;
    for left in (1..5).rev() {
        let res = connect_with(
            &app,
            json!({"email": "tries@example.com", "name": "agent", "code": "00000-00000"}),
        )
        .await;
        let body = res.assert_error(400, "invalid_verification_code");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains(&format!("{left} tr")),
            "{body}"
        );
    }
    connect_with(
        &app,
        json!({"email": "tries@example.com", "name": "agent", "code": "00000-00000"}),
    )
    .await
    .assert_error(410, "verification_code_expired");
    connect_with(
        &app,
        json!({"email": "tries@example.com", "name": "agent", "code": code}),
    )
    .await
    .assert_error(410, "verification_code_expired");

    // A fresh code, left to expire.
    assert_eq!(connect_with(&app, ask).await.status, 202);
    let fresh = mailed_code(&app, "tries@example.com").await;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    sqlx::query("UPDATE email_challenges SET expires_at = 1")
        .execute(&pool)
        .await
        .unwrap();
    connect_with(
        &app,
        json!({"email": "tries@example.com", "name": "agent", "code": fresh}),
    )
    .await
    .assert_error(410, "verification_code_expired");
}

#[tokio::test]
async fn parallel_code_guesses_get_five_tries_in_all() {
    let app = TestApp::spawn_with_env(&[("MATTERCRAFT_RATE_LIMIT_PER_MINUTE", "0")]).await;
    app.connect("burst@example.com").await;
    let ask = json!({"email": "burst@example.com", "name": "agent"});
    assert_eq!(connect_with(&app, ask).await.status, 202);
    let guesses = (0..20).map(|i| {
        connect_with(
            &app,
            json!({"email": "burst@example.com", "name": "agent", "code": format!("{i:05}-00000")}),
        )
    });
    let statuses: Vec<u16> = futures::future::join_all(guesses)
        .await
        .iter()
        .map(|r| r.status.as_u16())
        .collect();
    let judged = statuses.iter().filter(|s| **s == 400).count();
    assert!(judged <= 5, "{statuses:?}");
    assert!(
        statuses.iter().all(|s| [400, 410].contains(s)),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn asking_again_and_again_mails_at_most_five_codes_an_hour() {
    let app = TestApp::spawn_with_env(&[("MATTERCRAFT_RATE_LIMIT_PER_MINUTE", "0")]).await;
    app.connect("inbox@example.com").await;
    for _ in 0..8 {
        let res = connect_with(&app, json!({"email": "inbox@example.com", "name": "agent"})).await;
        assert_eq!(res.status, 202, "the answer does not change");
    }
    app.run_pending_tasks().await;
    let codes = app
        .mail_to("inbox@example.com")
        .await
        .iter()
        .filter(|m| m.subject.contains("connect code"))
        .count();
    assert_eq!(codes, 5);
}

#[tokio::test]
async fn an_owner_can_turn_connect_off_and_is_told_when_someone_tries() {
    let app = TestApp::spawn().await;
    let owner = app.connect("closed@example.com").await;
    let caller = app
        .services
        .authenticate_key(&owner.api_key, None)
        .await
        .unwrap();
    app.services
        .set_connect_enabled(&caller, false)
        .await
        .unwrap();
    let res = connect_with(
        &app,
        json!({"email": "closed@example.com", "name": "agent"}),
    )
    .await;
    assert_eq!(
        res.status,
        202,
        "the answer gives nothing away: {}",
        res.text()
    );
    app.run_pending_tasks().await;
    let mail = app.mail_to("closed@example.com").await;
    assert!(
        mail.iter().all(|m| !m.subject.contains("connect code")),
        "no code is mailed"
    );
    assert!(
        mail.iter().any(|m| m.text.contains("turned off")),
        "the owner is told someone tried"
    );
    connect_with(
        &app,
        json!({"email": "closed@example.com", "name": "agent", "code": "ABCDE-FGHJK"}),
    )
    .await
    .assert_error(410, "verification_code_expired");
    app.services
        .set_connect_enabled(&caller, true)
        .await
        .unwrap();
    assert_eq!(
        connect_with(
            &app,
            json!({"email": "closed@example.com", "name": "agent"})
        )
        .await
        .status,
        202
    );
    mailed_code(&app, "closed@example.com").await;
}

#[tokio::test]
async fn a_mc_test_key_cannot_mint_a_live_key() {
    let app = TestApp::spawn().await;
    let admin = app.connect("sandbox@example.com").await.api_key;
    assert!(admin.starts_with("mc_test_"));
    let live = app
        .call(
            &admin,
            Method::POST,
            "/v1/api-keys",
            Some(json!({"name": "escape", "scopes": ["admin"], "kind": "live"})),
        )
        .await;
    let body = live.assert_error(403, "forbidden");
    assert!(
        body["message"].as_str().unwrap().contains("mc_test_"),
        "{body}"
    );
    let same = app
        .call(
            &admin,
            Method::POST,
            "/v1/api-keys",
            Some(json!({"name": "more sandbox", "scopes": ["campaigns:read"]})),
        )
        .await;
    assert_eq!(same.status, 201, "{}", same.text());
    assert!(same.json()["data"]["api_key"]
        .as_str()
        .unwrap()
        .starts_with("mc_test_"));
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
        .sign_in(
            &demo.email,
            &demo.password,
            &services::ClientInfo::default(),
        )
        .await
        .expect("the printed password signs in (the demo email counts as confirmed)");
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
