//! Browser sign-up, email confirmation, sign-in and sign-out through the server functions, as
//! a form post without JavaScript would make them, plus session cookies and CSRF protection.

use axum::body::Body;
use axum::http::Request;

use crate::helpers::browser::{
    call_fn, call_fn_from, form, get_with_cookie, latest_mail, mailed_token, set_cookie,
    signed_in_browser, signed_up_browser, HOST, PASSWORD,
};
use crate::helpers::{refuse_inserts, TestApp};

#[tokio::test]
async fn signing_up_mails_a_link_that_confirms_the_email_and_signs_in_with_a_safe_cookie() {
    let app = TestApp::spawn().await;
    let res = call_fn(
        &app,
        "sign_up",
        &[
            ("name", "Marie Curie"),
            ("email", "marie@example.com"),
            ("password", PASSWORD),
            ("next", "/settings/api-keys"),
        ],
        true,
        None,
    )
    .await;
    assert_eq!(res.status, 302, "{}", res.text());
    assert_eq!(res.header("location"), Some("/check-email"));
    assert!(
        set_cookie(&res, "mc_session").is_none(),
        "nobody is signed in before the email is confirmed"
    );
    let page = app.get("/check-email").await;
    assert!(page.text().contains("Check your email"));

    let token = mailed_token(&app, "marie@example.com", "/verify-email").await;
    // Opening the link only shows a button: a mail scanner following links changes nothing.
    let link_page = app.get(&format!("/verify-email?token={token}")).await;
    assert_eq!(link_page.status, 200);
    assert!(link_page.text().contains("Confirm and sign in"));
    let confirmed = call_fn(&app, "confirm_email", &[("token", &token)], true, None).await;
    assert_eq!(confirmed.status, 302, "{}", confirmed.text());
    assert_eq!(confirmed.header("location"), Some("/account"));
    let set = set_cookie(&confirmed, "mc_session").expect("a session cookie");
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Lax"), "{set}");
    assert!(set.contains("Path=/"), "{set}");
    assert!(!set.contains("Secure"), "plain HTTP on this machine: {set}");
    let cookie = set.split(';').next().unwrap();
    let account = get_with_cookie(&app, "/account", cookie).await;
    assert_eq!(account.status, 200);
    assert!(account.text().contains("marie@example.com"));
    let api = get_with_cookie(&app, "/v1/api-keys", cookie).await;
    assert_eq!(
        api.status,
        200,
        "the session works on the API too: {}",
        api.text()
    );
}

#[tokio::test]
async fn a_mailed_link_works_once_and_a_forged_one_never() {
    let app = TestApp::spawn().await;
    call_fn(
        &app,
        "sign_up",
        &[
            ("name", "Once"),
            ("email", "once@example.com"),
            ("password", PASSWORD),
            ("next", "/"),
        ],
        true,
        None,
    )
    .await;
    let token = mailed_token(&app, "once@example.com", "/verify-email").await;
    let first = call_fn(&app, "confirm_email", &[("token", &token)], false, None).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let again = call_fn(&app, "confirm_email", &[("token", &token)], false, None).await;
    assert_eq!(again.status, 410, "{}", again.text());
    assert_eq!(again.json()["code"], "link_expired");
    let (id, secret) = token.split_once('.').unwrap();
    let mut forged_secret = secret.to_owned();
    forged_secret.replace_range(0..1, if secret.starts_with('0') { "1" } else { "0" });
    for forged in [
        format!("{id}.{forged_secret}"),
        "chal_nope.abc".to_owned(),
        "garbage".to_owned(),
        String::new(),
    ] {
        let res = call_fn(&app, "confirm_email", &[("token", &forged)], false, None).await;
        assert_eq!(res.status, 410, "{forged}: {}", res.text());
    }
    // Without JavaScript the failure comes back to the link's page, which says why.
    let html = call_fn(&app, "confirm_email", &[("token", &token)], true, None).await;
    assert_eq!(html.status, 302);
    let back = html.header("location").unwrap().to_owned();
    assert!(
        back.starts_with("/verify-email?error=link_expired"),
        "{back}"
    );
    assert!(app
        .get(&back)
        .await
        .text()
        .contains("expired or was already used"));
}

#[tokio::test]
async fn an_unconfirmed_account_cannot_sign_in_and_gets_a_new_link() {
    let app = TestApp::spawn().await;
    call_fn(
        &app,
        "sign_up",
        &[
            ("name", "Pending"),
            ("email", "pending@example.com"),
            ("password", PASSWORD),
            ("next", "/"),
        ],
        true,
        None,
    )
    .await;
    let res = call_fn(
        &app,
        "sign_in",
        &[
            ("email", "pending@example.com"),
            ("password", PASSWORD),
            ("next", "/"),
        ],
        false,
        None,
    )
    .await;
    assert_eq!(res.status, 403, "{}", res.text());
    assert_eq!(res.json()["code"], "email_not_verified");
    assert!(set_cookie(&res, "mc_session").is_none());
    app.run_pending_tasks().await;
    let links = app
        .mail_to("pending@example.com")
        .await
        .iter()
        .filter(|m| m.text.contains("/verify-email?token="))
        .count();
    assert_eq!(links, 2, "the sign-up's link and a new one");
    // The newest link signs in.
    let token = mailed_token(&app, "pending@example.com", "/verify-email").await;
    let ok = call_fn(&app, "confirm_email", &[("token", &token)], true, None).await;
    assert_eq!(ok.status, 302);
    assert!(set_cookie(&ok, "mc_session").is_some());
}

#[tokio::test]
async fn signing_up_with_an_existing_email_answers_like_a_new_one_and_changes_nothing() {
    let app = TestApp::spawn().await;
    signed_up_browser(&app, "twice@example.com").await;
    let res = call_fn(
        &app,
        "sign_up",
        &[
            ("name", "Intruder"),
            ("email", "Twice@Example.com"),
            ("password", "intruder password"),
            ("next", "/"),
        ],
        true,
        None,
    )
    .await;
    assert_eq!(res.status, 302, "{}", res.text());
    assert_eq!(
        res.header("location"),
        Some("/check-email"),
        "same answer as a new email"
    );
    assert!(set_cookie(&res, "mc_session").is_none());
    let json = call_fn(
        &app,
        "sign_up",
        &[
            ("name", "Intruder"),
            ("email", "twice@example.com"),
            ("password", "intruder password"),
            ("next", "/"),
        ],
        false,
        None,
    )
    .await;
    assert_eq!(
        json.status,
        200,
        "no conflict to tell the emails apart: {}",
        json.text()
    );
    // The owner hears of it and can reset; the intruder's password opens nothing.
    let mail = latest_mail(&app, "twice@example.com", "already").await;
    assert!(mail.contains("/set-password?token="), "{mail}");
    let intruder = call_fn(
        &app,
        "sign_in",
        &[
            ("email", "twice@example.com"),
            ("password", "intruder password"),
            ("next", "/"),
        ],
        false,
        None,
    )
    .await;
    assert_eq!(intruder.status, 401);
    signed_in_browser(&app, "twice@example.com").await;
}

#[tokio::test]
async fn when_the_confirmation_mail_cannot_be_queued_no_account_is_left_behind() {
    let app = TestApp::spawn().await;
    refuse_inserts(&app, "tasks").await;
    let res = call_fn(
        &app,
        "sign_up",
        &[
            ("name", "Half Done"),
            ("email", "half@example.com"),
            ("password", PASSWORD),
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

#[tokio::test]
async fn the_session_cookie_is_secure_and_host_bound_from_configuration_behind_a_proxy() {
    let app = TestApp::spawn_with_env(&[
        ("MATTERCRAFT_PUBLIC_URL", "https://mattercraft.example"),
        ("MATTERCRAFT_TRUSTED_PROXIES", "127.0.0.1"),
    ])
    .await;
    call_fn(
        &app,
        "sign_up",
        &[
            ("name", "Proxied"),
            ("email", "proxied@example.com"),
            ("password", PASSWORD),
            ("next", "/"),
        ],
        true,
        None,
    )
    .await;
    let token = mailed_token(&app, "proxied@example.com", "/verify-email").await;
    // The proxy rewrote Host to the backend's address (nginx's default): still Secure.
    let res = call_fn(&app, "confirm_email", &[("token", &token)], true, None).await;
    assert_eq!(res.status, 302, "{}", res.text());
    let set = set_cookie(&res, "__Host-mc_session").expect("the __Host- cookie");
    assert!(set.contains("; Secure"), "{set}");
    assert!(set.contains("Path=/"), "{set}");
    assert!(!set.contains("Domain"), "{set}");
    assert!(set_cookie(&res, "mc_session").is_none());
    let cookie = set.split(';').next().unwrap();
    assert_eq!(
        get_with_cookie(&app, "/v1/api-keys", cookie).await.status,
        200
    );
    // A cookie without the prefix (as a sibling subdomain could plant) is not a session here.
    let planted = cookie.replacen("__Host-mc_session", "mc_session", 1);
    get_with_cookie(&app, "/v1/api-keys", &planted)
        .await
        .assert_error(401, "invalid_api_key");
    // The mailed link points at the public address, not at the backend.
    let mail = latest_mail(&app, "proxied@example.com", "Confirm").await;
    assert!(
        mail.contains("https://mattercraft.example/verify-email?token="),
        "{mail}"
    );
}

#[tokio::test]
async fn on_plain_http_the_host_header_cannot_make_the_cookie_insecure_or_secure() {
    // Development on this machine: no Secure, whatever Host says.
    let app = TestApp::spawn().await;
    call_fn(
        &app,
        "sign_up",
        &[
            ("name", "A"),
            ("email", "s@example.com"),
            ("password", PASSWORD),
            ("next", "/"),
        ],
        true,
        None,
    )
    .await;
    let token = mailed_token(&app, "s@example.com", "/verify-email").await;
    let req = Request::post("/api/fn/confirm_email")
        .header("host", "mattercraft.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html")
        .body(Body::from(form(&[("token", &token)])))
        .unwrap();
    let res = app.request(req).await;
    let set = set_cookie(&res, "mc_session").expect("cookie");
    assert!(!set.contains("Secure"), "{set}");
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
    signed_up_browser(&app, "known@example.com").await;
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

/// A sign-in attempt for `email` with `password` from `ip`; its status.
async fn attempt(app: &TestApp, email: &str, password: &str, ip: &str) -> u16 {
    call_fn_from(
        app,
        "sign_in",
        &[("email", email), ("password", password), ("next", "/")],
        false,
        None,
        ip,
    )
    .await
    .status
    .as_u16()
}

#[tokio::test]
async fn a_guesser_is_throttled_but_cannot_lock_the_owner_out() {
    let app = TestApp::spawn().await;
    signed_up_browser(&app, "target@example.com").await;
    for _ in 0..10 {
        assert_eq!(
            attempt(
                &app,
                "target@example.com",
                "guess guess guess",
                "198.51.100.7"
            )
            .await,
            401
        );
    }
    assert_eq!(
        attempt(&app, "TARGET@example.com", PASSWORD, "198.51.100.7").await,
        429,
        "the guesser's address is paused, even with the right password"
    );
    assert_eq!(
        attempt(&app, "target@example.com", PASSWORD, "203.0.113.20").await,
        200,
        "the owner, elsewhere, still gets in"
    );
    assert_eq!(
        attempt(
            &app,
            "other@example.com",
            "guess guess guess",
            "203.0.113.21"
        )
        .await,
        401,
        "other emails are not locked out"
    );
    // And the mailed link gets anyone back in whatever the counters say.
    let forgot = call_fn_from(
        &app,
        "forgot_password",
        &[("email", "target@example.com")],
        false,
        None,
        "198.51.100.7",
    )
    .await;
    assert_eq!(forgot.status, 200, "{}", forgot.text());
    let token = mailed_token(&app, "target@example.com", "/set-password").await;
    let set = call_fn_from(
        &app,
        "set_password",
        &[("token", &token), ("password", "a brand new password")],
        true,
        None,
        "198.51.100.7",
    )
    .await;
    assert_eq!(set.status, 302, "{}", set.text());
    assert!(set_cookie(&set, "mc_session").is_some());
}

#[tokio::test]
async fn parallel_guesses_get_no_more_tries_than_the_limit() {
    let app = TestApp::spawn().await;
    signed_up_browser(&app, "race@example.com").await;
    let guesses = (0..30).map(|_| {
        attempt(
            &app,
            "race@example.com",
            "guess guess guess",
            "198.51.100.8",
        )
    });
    let statuses = futures::future::join_all(guesses).await;
    let judged = statuses.iter().filter(|s| **s == 401).count();
    let paused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(judged + paused, 30, "{statuses:?}");
    assert!(
        judged <= 10,
        "at most 10 guesses were checked: {statuses:?}"
    );
}

#[tokio::test]
async fn ipv6_guessers_are_counted_by_their_64_prefix() {
    let app = TestApp::spawn().await;
    signed_up_browser(&app, "v6@example.com").await;
    for i in 0..10 {
        let ip = format!("2001:db8:7:7::{:x}", i + 1);
        assert_eq!(
            attempt(&app, "v6@example.com", "guess guess guess", &ip).await,
            401
        );
    }
    assert_eq!(
        attempt(
            &app,
            "v6@example.com",
            "guess guess guess",
            "2001:db8:7:7:ffff::1"
        )
        .await,
        429,
        "a new address in the same /64 is the same guesser"
    );
}

#[tokio::test]
async fn signing_in_then_out_ends_the_session() {
    let app = TestApp::spawn().await;
    signed_up_browser(&app, "cycle@example.com").await;
    let cookie = signed_in_browser(&app, "cycle@example.com").await;
    let out = call_fn(&app, "sign_out", &[], true, Some(&cookie)).await;
    assert_eq!(out.status, 302);
    assert!(set_cookie(&out, "mc_session")
        .unwrap()
        .contains("Max-Age=0"));
    get_with_cookie(&app, "/v1/api-keys", &cookie)
        .await
        .assert_error(401, "invalid_api_key");
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let app = TestApp::spawn().await;
    let cookie = signed_up_browser(&app, "csrf@example.com").await;
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
    let still = get_with_cookie(&app, "/v1/api-keys", &cookie).await;
    assert_eq!(still.json()["meta"]["total"], 0, "no key was created");
}
