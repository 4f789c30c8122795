//! Where the browser is sent after a form post: `next` after signing in stays on this site
//! whatever it holds (review M1), and a control character in a redirect target or a path
//! segment is an error answer, never a panic that drops the connection (review L1).

use axum::body::Body;
use axum::http::Request;

use crate::helpers::{TestApp, TestResponse};

pub const HOST: &str = "127.0.0.1:3000";

/// A server function called as a browser form post without JavaScript (`html`) or as the
/// hydrated page's fetch.
pub async fn form_post(
    app: &TestApp,
    name: &str,
    fields: &[(&str, &str)],
    html: bool,
    cookie: Option<&str>,
) -> TestResponse {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
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
    app.request(req.body(Body::from(body)).unwrap()).await
}

/// The demo account (created on the empty database): its email, password and admin key.
pub async fn demo_account(app: &TestApp) -> (String, String, String) {
    let demo = app
        .services
        .ensure_demo_account()
        .await
        .unwrap()
        .expect("the database is empty");
    (
        demo.email,
        secrecy::ExposeSecret::expose_secret(&demo.password).to_owned(),
        demo.api_key.expose().to_owned(),
    )
}

/// The `name=value` of the session cookie a response sets.
pub fn session_cookie(res: &TestResponse) -> String {
    res.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("mc_session=") && !c.contains("Max-Age=0"))
        .and_then(|c| c.split(';').next())
        .unwrap_or_else(|| panic!("no session cookie; status {} {}", res.status, res.text()))
        .to_owned()
}

/// Signs in as `email` without JavaScript, continuing to `next`.
async fn sign_in(app: &TestApp, email: &str, password: &str, next: &str) -> TestResponse {
    form_post(
        app,
        "sign_in",
        &[("email", email), ("password", password), ("next", next)],
        true,
        None,
    )
    .await
}

/// A `Location` a browser resolves to this site: one leading `/`, no backslash, nothing a
/// browser would strip.
fn stays_on_site(location: &str) -> bool {
    location.starts_with('/')
        && !location.starts_with("//")
        && !location.contains('\\')
        && !location
            .bytes()
            .any(|b| b.is_ascii_control() || b.is_ascii_whitespace())
}

#[tokio::test]
async fn signing_in_with_a_crafted_next_never_leaves_the_site() {
    let app = TestApp::spawn().await;
    let (email, password, _) = demo_account(&app).await;
    for next in [
        // `?next=/%09/evil.example` arrives as a TAB, which browsers strip: `//evil.example`.
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "\t/evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "//evil.example",
        "///evil.example",
        "https://evil.example",
        "javascript:alert(1)",
        "/%2F%2Fevil.example",
        "/%5cevil.example",
        "/../..//evil.example",
        "/ /evil.example",
        "",
    ] {
        let res = sign_in(&app, &email, &password, next).await;
        assert_eq!(res.status, 302, "{next:?}: {}", res.text());
        assert_eq!(res.header("location"), Some("/account"), "{next:?}");
        session_cookie(&res);
    }
    // A percent-encoded TAB that stays encoded is a (missing) page of this site.
    let res = sign_in(&app, &email, &password, "/%09/evil.example").await;
    assert_eq!(res.header("location"), Some("/%09/evil.example"));
    let res = sign_in(&app, &email, &password, "/settings/api-keys?tab=new").await;
    assert_eq!(res.header("location"), Some("/settings/api-keys?tab=new"));
}

#[tokio::test]
async fn with_javascript_the_client_side_redirect_also_stays_on_site() {
    let app = TestApp::spawn().await;
    let (email, password, _) = demo_account(&app).await;
    let res = form_post(
        &app,
        "sign_in",
        &[
            ("email", &email),
            ("password", &password),
            ("next", "/\t/evil.example"),
        ],
        false,
        None,
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.header("location"), Some("/account"));
}

#[tokio::test]
async fn a_failed_sign_in_or_sign_up_carries_only_a_safe_next_back_to_the_form() {
    let app = TestApp::spawn().await;
    let res = sign_in(
        &app,
        "nobody@example.com",
        "wrong password",
        "/\t/evil.example",
    )
    .await;
    assert_eq!(res.status, 302, "{}", res.text());
    let location = res.header("location").unwrap();
    assert!(location.starts_with("/signin?"), "{location}");
    assert!(location.ends_with("next=%2Faccount"), "{location}");
    let res = form_post(
        &app,
        "sign_up",
        &[
            ("name", "Mallory"),
            ("email", "not an email"),
            ("password", "short"),
            ("next", "//evil.example"),
        ],
        true,
        None,
    )
    .await;
    assert_eq!(res.status, 302, "{}", res.text());
    let location = res.header("location").unwrap();
    assert!(location.starts_with("/signup?"), "{location}");
    assert!(location.ends_with("next=%2Faccount"), "{location}");
}

#[tokio::test]
async fn a_control_character_in_a_lab_forms_campaign_id_is_an_error_not_a_panic() {
    let app = TestApp::spawn().await;
    let (email, password, _) = demo_account(&app).await;
    let cookie = session_cookie(&sign_in(&app, &email, &password, "/").await);
    for campaign_id in [
        "camp_x\n",
        "camp_x\r\nSet-Cookie: mc_session=attacker",
        "camp_\t/evil.example",
        "camp_x\u{7f}",
        "../../\\evil.example",
    ] {
        for html in [true, false] {
            let res = form_post(
                &app,
                "submit_lab_result",
                &[
                    ("campaign_id", campaign_id),
                    ("candidate_id", "cand_1"),
                    ("values[score]", "1.0"),
                ],
                html,
                Some(&cookie),
            )
            .await;
            assert_eq!(res.status, 404, "{campaign_id:?}: {}", res.text());
            assert!(
                res.header("location").is_none_or(stays_on_site),
                "{campaign_id:?}: {:?}",
                res.header("location")
            );
        }
    }
}
