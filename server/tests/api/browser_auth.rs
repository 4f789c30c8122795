//! Browser sign-up, sign-in and sign-out through the server functions, as a form post without
//! JavaScript would make them, plus session cookies and CSRF protection.

use axum::body::Body;
use axum::http::Request;

use crate::helpers::{refuse_inserts, TestApp, TestResponse};

const HOST: &str = "127.0.0.1:3000";

fn form(fields: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// A server-function call as a browser makes it: same-origin, HTML form or fetch.
async fn call_fn(
    app: &TestApp,
    name: &str,
    fields: &[(&str, &str)],
    html: bool,
    cookie: Option<&str>,
) -> TestResponse {
    let mut req = Request::post(format!("/api/fn/{name}"))
        .header("host", HOST)
        .header("origin", format!("http://{HOST}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "accept",
            if html {
                "text/html,application/xhtml+xml"
            } else {
                "application/json"
            },
        );
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    app.request(req.body(Body::from(form(fields))).unwrap())
        .await
}

fn session_cookie(res: &TestResponse) -> String {
    let set = res
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("mc_session="))
        .unwrap_or_else(|| panic!("no session cookie; status {} {}", res.status, res.text()));
    set.split(';').next().unwrap().to_owned()
}

async fn sign_up(app: &TestApp, email: &str) -> String {
    let res = call_fn(
        app,
        "sign_up",
        &[
            ("name", "Marie Curie"),
            ("email", email),
            ("password", "radium-1898!"),
            ("next", "/account"),
        ],
        true,
        None,
    )
    .await;
    assert_eq!(res.status, 302, "{}", res.text());
    session_cookie(&res)
}

#[tokio::test]
async fn signing_up_without_javascript_sets_a_safe_cookie_and_redirects() {
    let app = TestApp::spawn().await;
    let res = call_fn(
        &app,
        "sign_up",
        &[
            ("name", "Marie Curie"),
            ("email", "marie@example.com"),
            ("password", "radium-1898!"),
            ("next", "/settings/api-keys"),
        ],
        true,
        None,
    )
    .await;
    assert_eq!(res.status, 302, "{}", res.text());
    assert_eq!(res.header("location"), Some("/settings/api-keys"));
    let set = res.header("set-cookie").unwrap();
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Lax"), "{set}");
    assert!(!set.contains("Secure"), "plain HTTP on this machine: {set}");

    let cookie = session_cookie(&res);
    let page = app
        .request(
            Request::get("/account")
                .header("cookie", &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("marie@example.com"));
    let api = app
        .request(
            Request::get("/v1/api-keys")
                .header("cookie", &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        api.status,
        200,
        "the session works on the API too: {}",
        api.text()
    );
}

#[tokio::test]
async fn the_session_cookie_is_secure_outside_this_machine() {
    let app = TestApp::spawn().await;
    let req = Request::post("/api/fn/sign_up")
        .header("host", "mattercraft.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html")
        .body(Body::from(form(&[
            ("name", "A"),
            ("email", "s@example.com"),
            ("password", "long enough pw"),
            ("next", "/"),
        ])))
        .unwrap();
    let res = app.request(req).await;
    assert!(res.header("set-cookie").unwrap().contains("; Secure"));
}

#[tokio::test]
async fn pages_that_need_a_user_redirect_to_sign_in_and_back() {
    let app = TestApp::spawn().await;
    let res = app
        .request(
            Request::get("/settings/api-keys")
                .header("accept", "text/html,application/xhtml+xml")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, 302, "{}", res.text());
    assert_eq!(
        res.header("location"),
        Some("/signin?next=/settings/api-keys")
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = TestApp::spawn().await;
    sign_up(&app, "known@example.com").await;
    let wrong = call_fn(
        &app,
        "sign_in",
        &[
            ("email", "known@example.com"),
            ("password", "wrong password"),
            ("next", "/"),
        ],
        false,
        None,
    )
    .await;
    let unknown = call_fn(
        &app,
        "sign_in",
        &[
            ("email", "nobody@example.com"),
            ("password", "wrong password"),
            ("next", "/"),
        ],
        false,
        None,
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    assert_eq!(wrong.json()["code"], "invalid_credentials");
    assert_eq!(wrong.json()["message"], unknown.json()["message"]);
}

#[tokio::test]
async fn a_failed_sign_in_without_javascript_returns_to_the_form_with_the_error() {
    let app = TestApp::spawn().await;
    let res = call_fn(
        &app,
        "sign_in",
        &[
            ("email", "x@example.com"),
            ("password", "nope nope nope"),
            ("next", "/account"),
        ],
        true,
        None,
    )
    .await;
    assert_eq!(res.status, 302);
    assert_eq!(
        res.header("location"),
        Some("/signin?error=invalid_credentials&next=%2Faccount")
    );
    let page = app
        .get("/signin?error=invalid_credentials&next=%2Faccount")
        .await;
    assert!(page.text().contains("The email or password is not right."));
}

#[tokio::test]
async fn sign_in_is_throttled_per_email() {
    let app = TestApp::spawn().await;
    sign_up(&app, "target@example.com").await;
    for _ in 0..10 {
        let res = call_fn(
            &app,
            "sign_in",
            &[
                ("email", "target@example.com"),
                ("password", "guess guess guess"),
                ("next", "/"),
            ],
            false,
            None,
        )
        .await;
        assert_eq!(res.status, 401);
    }
    let res = call_fn(
        &app,
        "sign_in",
        &[
            ("email", "TARGET@example.com"),
            ("password", "radium-1898!"),
            ("next", "/"),
        ],
        false,
        None,
    )
    .await;
    assert_eq!(res.status, 429, "{}", res.text());
    assert_eq!(res.json()["code"], "rate_limit_exceeded");
    let other = call_fn(
        &app,
        "sign_in",
        &[
            ("email", "other@example.com"),
            ("password", "guess guess guess"),
            ("next", "/"),
        ],
        false,
        None,
    )
    .await;
    assert_eq!(other.status, 401, "other emails are not locked out");
}

#[tokio::test]
async fn signing_in_then_out_ends_the_session() {
    let app = TestApp::spawn().await;
    sign_up(&app, "cycle@example.com").await;
    let res = call_fn(
        &app,
        "sign_in",
        &[
            ("email", "cycle@example.com"),
            ("password", "radium-1898!"),
            ("next", "/account"),
        ],
        true,
        None,
    )
    .await;
    assert_eq!(res.status, 302);
    let cookie = session_cookie(&res);
    let out = call_fn(&app, "sign_out", &[], true, Some(&cookie)).await;
    assert_eq!(out.status, 302);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    let api = app
        .request(
            Request::get("/v1/api-keys")
                .header("cookie", &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    api.assert_error(401, "invalid_api_key");
}

#[tokio::test]
async fn signing_up_twice_with_one_email_is_a_conflict() {
    let app = TestApp::spawn().await;
    sign_up(&app, "twice@example.com").await;
    let res = call_fn(
        &app,
        "sign_up",
        &[
            ("name", "B"),
            ("email", "Twice@Example.com"),
            ("password", "another password"),
            ("next", "/"),
        ],
        false,
        None,
    )
    .await;
    assert_eq!(res.status, 409);
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let app = TestApp::spawn().await;
    let cookie = sign_up(&app, "csrf@example.com").await;
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let res = app
            .request(
                Request::post("/api/fn/sign_out")
                    .header("host", HOST)
                    .header("cookie", &cookie)
                    .header(name, value)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        res.assert_error(403, "csrf_rejected");
        let api = app
            .request(
                Request::post("/v1/api-keys")
                    .header("host", HOST)
                    .header("cookie", &cookie)
                    .header("content-type", "application/json")
                    .header(name, value)
                    .body(Body::from(r#"{"name":"evil","scopes":["admin"]}"#))
                    .unwrap(),
            )
            .await;
        api.assert_error(403, "csrf_rejected");
    }
    let still = app
        .request(
            Request::get("/v1/api-keys")
                .header("cookie", &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(still.json()["meta"]["total"], 0, "no key was created");
}

#[tokio::test]
async fn when_the_session_cannot_be_stored_no_account_is_left_behind() {
    let app = TestApp::spawn().await;
    refuse_inserts(&app, "sessions").await;
    let res = call_fn(
        &app,
        "sign_up",
        &[
            ("name", "Half Done"),
            ("email", "half@example.com"),
            ("password", "radium-1898!"),
            ("next", "/account"),
        ],
        false,
        None,
    )
    .await;
    assert_eq!(res.status, 500, "{}", res.text());
    assert_eq!(
        app.count("accounts").await,
        0,
        "the account was rolled back"
    );
}
