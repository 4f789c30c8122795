//! A browser over the server functions: form posts as a page makes them (same-origin, with or
//! without JavaScript), session cookies, and the mailed links and codes a person would open.

use axum::body::Body;
use axum::http::Request;

use super::{from_address, TestApp, TestResponse};

/// The host the test browser talks to.
pub const HOST: &str = "127.0.0.1:3000";

/// The password every test person signs up with.
pub const PASSWORD: &str = "radium-1898!";

/// A form body.
pub fn form(fields: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// A server-function call as a browser makes it: same-origin, HTML form (`html`) or fetch,
/// from 127.0.0.1.
pub async fn call_fn(
    app: &TestApp,
    name: &str,
    fields: &[(&str, &str)],
    html: bool,
    cookie: Option<&str>,
) -> TestResponse {
    call_fn_from(app, name, fields, html, cookie, "127.0.0.1").await
}

/// [`call_fn`] from the client address `ip`.
pub async fn call_fn_from(
    app: &TestApp,
    name: &str,
    fields: &[(&str, &str)],
    html: bool,
    cookie: Option<&str>,
    ip: &str,
) -> TestResponse {
    let mut req = Request::post(format!("/api/fn/{name}"))
        .header("host", HOST)
        .header("origin", format!("http://{HOST}"))
        .header("user-agent", "TestBrowser/1.0")
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
    app.request(from_address(
        req.body(Body::from(form(fields))).unwrap(),
        ip,
    ))
    .await
}

/// The `Set-Cookie` header that sets cookie `name`, if the response has one.
pub fn set_cookie<'a>(res: &'a TestResponse, name: &str) -> Option<&'a str> {
    res.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
}

/// The `name=value` of the session cookie the response sets (plain-HTTP name).
pub fn session_cookie(res: &TestResponse) -> String {
    let set = set_cookie(res, "mc_session")
        .unwrap_or_else(|| panic!("no session cookie; status {} {}", res.status, res.text()));
    set.split(';').next().unwrap().to_owned()
}

/// Sends the queued mail and returns the newest message's text to `email` whose subject
/// contains `subject`.
pub async fn latest_mail(app: &TestApp, email: &str, subject: &str) -> String {
    app.run_pending_tasks().await;
    let mail = app.mail_to(email).await;
    mail.into_iter()
        .rev()
        .find(|m| m.subject.contains(subject))
        .unwrap_or_else(|| panic!("no mail to {email} about '{subject}'"))
        .text
}

/// The `token` of the newest mailed link to `path` (e.g. `/verify-email`) for `email`.
pub async fn mailed_token(app: &TestApp, email: &str, path: &str) -> String {
    app.run_pending_tasks().await;
    let mail = app.mail_to(email).await;
    mail.iter()
        .rev()
        .find_map(|m| token_in(&m.text, path))
        .unwrap_or_else(|| panic!("no {path} link mailed to {email}"))
}

/// The token of the first `…{path}?token=…` link in `text`.
pub fn token_in(text: &str, path: &str) -> Option<String> {
    let marker = format!("{path}?token=");
    let at = text.find(&marker)? + marker.len();
    Some(
        text[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
            .collect(),
    )
}

/// The newest connect code mailed to `email` (`XXXXX-XXXXX`).
pub async fn mailed_code(app: &TestApp, email: &str) -> String {
    let text = latest_mail(app, email, "connect code").await;
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-'))
        .find(|w| w.len() == 11 && w.as_bytes()[5] == b'-')
        .unwrap_or_else(|| panic!("no code in: {text}"))
        .to_owned()
}

/// Signs up `email` as a person would: the form, the mailed confirmation link, the button on
/// its page. The signed-in browser's session cookie.
pub async fn signed_up_browser(app: &TestApp, email: &str) -> String {
    let res = call_fn(
        app,
        "sign_up",
        &[
            ("name", "Marie Curie"),
            ("email", email),
            ("password", PASSWORD),
            ("next", "/account"),
        ],
        true,
        None,
    )
    .await;
    assert_eq!(res.status, 302, "{}", res.text());
    assert_eq!(res.header("location"), Some("/check-email"));
    let token = mailed_token(app, email, "/verify-email").await;
    let confirmed = call_fn(app, "confirm_email", &[("token", &token)], true, None).await;
    assert_eq!(confirmed.status, 302, "{}", confirmed.text());
    assert_eq!(confirmed.header("location"), Some("/account"));
    session_cookie(&confirmed)
}

/// Signs `email` in with [`PASSWORD`]; the session cookie.
pub async fn signed_in_browser(app: &TestApp, email: &str) -> String {
    let res = call_fn(
        app,
        "sign_in",
        &[
            ("email", email),
            ("password", PASSWORD),
            ("next", "/account"),
        ],
        true,
        None,
    )
    .await;
    assert_eq!(res.status, 302, "{}", res.text());
    session_cookie(&res)
}

/// `GET path` with `cookie`.
pub async fn get_with_cookie(app: &TestApp, path: &str, cookie: &str) -> TestResponse {
    app.request(
        Request::get(path)
            .header("cookie", cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}
