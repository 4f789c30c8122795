//! Nobody gets into an account that is not theirs: sign-up on an account made over the API,
//! the set-password link, sessions (list, sign out everywhere, rotation), client addresses
//! behind proxies, and the cost of password hashing under load (security review H1–H3, L8).

use axum::body::Body;
use axum::http::Request;

use crate::helpers::browser::{
    call_fn, get_with_cookie, latest_mail, mailed_token, set_cookie, signed_in_browser,
    signed_up_browser, PASSWORD,
};
use crate::helpers::{from_address, TestApp};

#[tokio::test]
async fn sign_up_on_a_connect_created_account_does_not_sign_the_caller_in() {
    let app = TestApp::spawn().await;
    let agent = app.connect("lab-robot@example.com").await;
    let res = call_fn(
        &app,
        "sign_up",
        &[
            ("name", "Intruder"),
            ("email", "lab-robot@example.com"),
            ("password", "intruder password"),
            ("next", "/account"),
        ],
        true,
        None,
    )
    .await;
    assert_eq!(res.status, 302, "{}", res.text());
    assert_eq!(res.header("location"), Some("/check-email"));
    assert!(set_cookie(&res, "mc_session").is_none(), "not signed in");
    let intruder = call_fn(
        &app,
        "sign_in",
        &[
            ("email", "lab-robot@example.com"),
            ("password", "intruder password"),
            ("next", "/"),
        ],
        false,
        None,
    )
    .await;
    assert_eq!(intruder.status, 401, "the typed password was not attached");

    // The mailbox's owner sets the first password with the mailed link and is signed in.
    let mail = latest_mail(&app, "lab-robot@example.com", "password").await;
    assert!(mail.contains("no password yet"), "{mail}");
    let token = mailed_token(&app, "lab-robot@example.com", "/set-password").await;
    let page = app.get(&format!("/set-password?token={token}")).await;
    assert_eq!(page.status, 200);
    let set = call_fn(
        &app,
        "set_password",
        &[("token", &token), ("password", PASSWORD)],
        true,
        None,
    )
    .await;
    assert_eq!(set.status, 302, "{}", set.text());
    assert_eq!(set.header("location"), Some("/account"));
    let cookie = set_cookie(&set, "mc_session")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let keys = get_with_cookie(&app, "/v1/api-keys", &cookie).await.json();
    assert_eq!(
        keys["data"][0]["id"],
        agent.api_key_id.as_str(),
        "the same account"
    );
    signed_in_browser(&app, "lab-robot@example.com").await;
}

#[tokio::test]
async fn a_set_password_link_checks_the_password_before_it_is_used_up() {
    let app = TestApp::spawn().await;
    signed_up_browser(&app, "short@example.com").await;
    call_fn(
        &app,
        "forgot_password",
        &[("email", "short@example.com")],
        true,
        None,
    )
    .await;
    let token = mailed_token(&app, "short@example.com", "/set-password").await;
    let short = call_fn(
        &app,
        "set_password",
        &[("token", &token), ("password", "short")],
        false,
        None,
    )
    .await;
    assert_eq!(short.status, 400, "{}", short.text());
    assert_eq!(short.json()["details"][0]["path"], "password");
    let ok = call_fn(
        &app,
        "set_password",
        &[("token", &token), ("password", "long enough now")],
        false,
        None,
    )
    .await;
    assert_eq!(ok.status, 200, "the link still works: {}", ok.text());
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_unknown_emails() {
    let app = TestApp::spawn().await;
    signed_up_browser(&app, "known@example.com").await;
    let known = call_fn(
        &app,
        "forgot_password",
        &[("email", "known@example.com")],
        true,
        None,
    )
    .await;
    let unknown = call_fn(
        &app,
        "forgot_password",
        &[("email", "nobody@example.com")],
        true,
        None,
    )
    .await;
    assert_eq!(known.status, 302);
    assert_eq!(unknown.status, 302);
    assert_eq!(known.header("location"), unknown.header("location"));
    app.run_pending_tasks().await;
    assert!(app.mail_to("nobody@example.com").await.is_empty());
    assert!(latest_mail(&app, "known@example.com", "password")
        .await
        .contains("/set-password?token="));
}

#[tokio::test]
async fn setting_a_password_ends_every_other_session() {
    let app = TestApp::spawn().await;
    let first = signed_up_browser(&app, "rotate@example.com").await;
    let second = signed_in_browser(&app, "rotate@example.com").await;
    assert_eq!(
        get_with_cookie(&app, "/v1/api-keys", &first).await.status,
        200
    );
    let mailed = call_fn(&app, "mail_password_link", &[], true, Some(&second)).await;
    assert_eq!(mailed.status, 302, "{}", mailed.text());
    let token = mailed_token(&app, "rotate@example.com", "/set-password").await;
    let set = call_fn(
        &app,
        "set_password",
        &[("token", &token), ("password", "a new password!")],
        true,
        None,
    )
    .await;
    assert_eq!(set.status, 302);
    let fresh = set_cookie(&set, "mc_session")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    for old in [&first, &second] {
        get_with_cookie(&app, "/v1/api-keys", old)
            .await
            .assert_error(401, "invalid_api_key");
    }
    assert_eq!(
        get_with_cookie(&app, "/v1/api-keys", &fresh).await.status,
        200
    );
}

#[tokio::test]
async fn the_account_page_lists_sessions_and_sign_out_everywhere_ends_them_all() {
    let app = TestApp::spawn().await;
    let here = signed_up_browser(&app, "everywhere@example.com").await;
    let elsewhere = signed_in_browser(&app, "everywhere@example.com").await;
    let page = get_with_cookie(&app, "/account", &here).await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert_eq!(html.matches("data-session=").count(), 2, "{html}");
    assert!(html.contains("(this browser)"));
    assert!(html.contains("TestBrowser/1.0"));
    assert!(html.contains("Sign out everywhere"));
    let out = call_fn(&app, "sign_out_everywhere", &[], true, Some(&here)).await;
    assert_eq!(out.status, 302, "{}", out.text());
    for cookie in [&here, &elsewhere] {
        get_with_cookie(&app, "/v1/api-keys", cookie)
            .await
            .assert_error(401, "invalid_api_key");
    }
}

#[tokio::test]
async fn one_session_can_be_ended_from_another_but_not_from_another_account() {
    let app = TestApp::spawn().await;
    let here = signed_up_browser(&app, "one@example.com").await;
    let other = signed_in_browser(&app, "one@example.com").await;
    let stranger = signed_up_browser(&app, "stranger@example.com").await;
    let page = get_with_cookie(&app, "/account", &here).await.text();
    let other_id = page
        .match_indices("data-session=\"")
        .map(|(at, m)| page[at + m.len()..].split('"').next().unwrap().to_owned())
        .find(|id| {
            let row = &page[page.find(&format!("data-session=\"{id}\"")).unwrap()..];
            !row[..row.find("</tr>").unwrap()].contains("(this browser)")
        })
        .unwrap();
    let refused = call_fn(
        &app,
        "end_session",
        &[("id", &other_id)],
        false,
        Some(&stranger),
    )
    .await;
    assert_eq!(refused.status, 404, "{}", refused.text());
    assert_eq!(
        get_with_cookie(&app, "/v1/api-keys", &other).await.status,
        200
    );
    let ended = call_fn(
        &app,
        "end_session",
        &[("id", &other_id)],
        false,
        Some(&here),
    )
    .await;
    assert_eq!(ended.status, 200, "{}", ended.text());
    get_with_cookie(&app, "/v1/api-keys", &other)
        .await
        .assert_error(401, "invalid_api_key");
    assert_eq!(
        get_with_cookie(&app, "/v1/api-keys", &here).await.status,
        200
    );
}

#[tokio::test]
async fn an_idle_session_ends_after_seven_days() {
    let app = TestApp::spawn().await;
    let cookie = signed_up_browser(&app, "idle@example.com").await;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    let eight_days_ago = services::now_ms() - 8 * 24 * 3_600_000;
    sqlx::query("UPDATE sessions SET last_seen_at = $1")
        .bind(eight_days_ago)
        .execute(&pool)
        .await
        .unwrap();
    get_with_cookie(&app, "/v1/api-keys", &cookie)
        .await
        .assert_error(401, "invalid_api_key");
}

/// `GET /v1/api-keys` with `key` from the socket peer `peer`, with `X-Forwarded-For`.
async fn from_behind(app: &TestApp, key: &str, peer: &str, forwarded: &str) -> u16 {
    let req = Request::get("/v1/api-keys")
        .header("authorization", format!("Bearer {key}"))
        .header("x-forwarded-for", forwarded)
        .body(Body::empty())
        .unwrap();
    app.request(from_address(req, peer)).await.status.as_u16()
}

#[tokio::test]
async fn a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = TestApp::spawn_with_env(&[("MATTERCRAFT_TRUSTED_PROXIES", "10.0.0.0/8")]).await;
    let admin = app.connect("allow@example.com").await.api_key;
    let created = app
        .create_key(
            &admin,
            serde_json::json!({"name": "office", "scopes": ["admin"]}),
        )
        .await;
    let limited = created["api_key"].as_str().unwrap().to_owned();
    let patched = app
        .call(
            &admin,
            axum::http::Method::PATCH,
            &format!("/v1/api-keys/{}", created["id"].as_str().unwrap()),
            Some(serde_json::json!({"allowed_ips": ["203.0.113.0/24"]})),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    // Straight from the Internet, claiming to be in the office: refused.
    assert_eq!(
        from_behind(&app, &limited, "198.51.100.2", "203.0.113.7").await,
        403
    );
    // Through our proxy, which appended the real address after the forged one: refused.
    assert_eq!(
        from_behind(&app, &limited, "10.0.0.5", "203.0.113.7, 198.51.100.2").await,
        403
    );
    // Through our proxy from the office: allowed.
    assert_eq!(
        from_behind(&app, &limited, "10.0.0.5", "203.0.113.7").await,
        200
    );
}

/// The process's peak resident memory (VmHWM), in bytes, after resetting it to the current
/// use: the Linux `clear_refs` interface.
fn reset_peak_memory() {
    std::fs::write("/proc/self/clear_refs", "5").expect("Linux can reset the peak RSS");
}

fn peak_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

fn current_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn fifty_parallel_sign_ups_stay_under_a_memory_bound() {
    let app = TestApp::spawn_with_env(&[("MATTERCRAFT_RATE_LIMIT_PER_MINUTE", "0")]).await;
    // Warm up once, so allocator growth of the first hash is not counted.
    signed_up_browser(&app, "warm@example.com").await;
    reset_peak_memory();
    let before = current_memory();
    let sign_ups = (0..50).map(|i| {
        let services = app.services.clone();
        tokio::spawn(async move {
            let client = services::ClientInfo {
                address: Some(format!("198.51.100.{}", i + 1).parse().unwrap()),
                user_agent: None,
            };
            services
                .sign_up(
                    "Load",
                    &format!("load{i}@example.com"),
                    &secrecy::SecretString::from("long enough password"),
                    &client,
                )
                .await
        })
    });
    for done in futures::future::join_all(sign_ups).await {
        done.unwrap().unwrap();
    }
    let grown = peak_memory().saturating_sub(before);
    let cores = std::thread::available_parallelism().map_or(2, usize::from) as u64;
    // Argon2id holds 19 MiB per hash; one hash per core at a time, plus slack for the rest.
    // (Measured: +5 MiB; with the crate allocating per hash on the blocking pool, +288 MiB.)
    let bound = cores * 19 * 1024 * 1024 + 64 * 1024 * 1024;
    assert!(
        grown < bound,
        "peak grew by {} MiB for 50 parallel sign-ups (bound {} MiB)",
        grown >> 20,
        bound >> 20
    );
    assert_eq!(app.count("accounts").await, 51);
}
