//! Hostile input in the request line and in sign-in fields: control characters in a path or a
//! query never crash a handler (security review L1): every documented `GET` and every page
//! answers LF, NUL or TAB in its ids and query values with a 4xx (or, for a page, at worst the
//! page itself), never a 5xx or a dropped connection; and an email longer than 254
//! characters is refused before anything is written (review L12).

use axum::body::Body;
use axum::http::Request;

use crate::helpers::browser::{call_fn, signed_up_browser, PASSWORD};
use crate::helpers::TestApp;

/// Percent-encoded LF, NUL and TAB, alone and inside an otherwise plausible value.
const HOSTILE: [&str; 6] = [
    "%0a",
    "%00",
    "%09",
    "x%0ay",
    "tmpl_%00",
    "%0d%0aSet-Cookie:%20a=b",
];

/// The documented `GET` paths and their query parameters' names.
fn documented_gets(doc: &serde_json::Value) -> Vec<(String, Vec<String>)> {
    let mut gets = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        let queries = get["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect();
        gets.push((path.clone(), queries));
    }
    gets
}

/// `path` with every `{param}` segment replaced by `value`.
fn with_segments(path: &str, value: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') || segment.starts_with(':') {
                value
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Who asks.
#[derive(Clone, Copy)]
enum As<'a> {
    Nobody,
    Key(&'a str),
    Browser(&'a str),
}

/// Sends hostile requests and keeps every answer that is a 5xx (or otherwise not allowed).
struct Probe<'a> {
    app: &'a TestApp,
    sent: usize,
    failures: Vec<String>,
}

impl<'a> Probe<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            sent: 0,
            failures: Vec::new(),
        }
    }

    /// GETs `uri` as `who`; the status (a 5xx is recorded as a failure).
    async fn get(&mut self, uri: &str, who: As<'_>) -> u16 {
        let mut request = Request::get(uri);
        match who {
            As::Nobody => {}
            As::Key(key) => request = request.header("authorization", format!("Bearer {key}")),
            As::Browser(cookie) => request = request.header("cookie", cookie),
        }
        let res = self.app.request(request.body(Body::empty()).unwrap()).await;
        self.sent += 1;
        let status = res.status.as_u16();
        if status >= 500 {
            self.failures
                .push(format!("GET {uri}: {status} {}", res.text()));
        }
        status
    }

    /// Like [`Probe::get`], and anything but a 4xx is a failure.
    async fn get_refused(&mut self, uri: &str, who: As<'_>) {
        let status = self.get(uri, who).await;
        if !(400..500).contains(&status) {
            self.failures
                .push(format!("GET {uri}: {status}, not a 4xx"));
        }
    }

    /// Panics listing every failure, if any.
    fn assert_clean(&self) {
        assert!(
            self.failures.is_empty(),
            "{} of {} requests failed:\n{}",
            self.failures.len(),
            self.sent,
            self.failures.join("\n")
        );
    }
}

#[tokio::test]
async fn control_characters_in_any_documented_get_are_a_4xx_never_a_crash() {
    // Every request reaches its handler: no rate limit answers first.
    let app = TestApp::spawn_with_env(&[("MATTERCRAFT_RATE_LIMIT_PER_MINUTE", "0")]).await;
    let key = app.connect("control-chars@example.com").await.api_key;
    let doc = app.get("/v1/openapi.json").await.json();
    let gets = documented_gets(&doc);
    assert!(gets.len() > 20, "the whole documented surface: {gets:?}");
    let mut probe = Probe::new(&app);
    for (path, queries) in &gets {
        for value in HOSTILE {
            for who in [As::Key(&key), As::Nobody] {
                if path.contains('{') {
                    probe.get_refused(&with_segments(path, value), who).await;
                }
                let concrete = with_segments(path, "unknown_1");
                for name in queries {
                    probe.get(&format!("{concrete}?{name}={value}"), who).await;
                }
                // A name nobody documented, and a control character in the name itself.
                probe.get(&format!("{concrete}?{value}={value}"), who).await;
                probe.get(&format!("{concrete}{value}"), who).await;
            }
        }
    }
    probe.assert_clean();
    assert!(probe.sent > 500, "{}", probe.sent);
    assert_eq!(app.get("/health").await.status, 200, "still serving");
}

#[tokio::test]
async fn control_characters_in_any_page_path_or_query_never_crash_it() {
    let app = TestApp::spawn_with_env(&[("MATTERCRAFT_RATE_LIMIT_PER_MINUTE", "0")]).await;
    let cookie = signed_up_browser(&app, "control-pages@example.com").await;
    let pages: Vec<String> = leptos_axum::generate_route_list(app::App)
        .iter()
        .map(|route| route.path().to_owned())
        .collect();
    assert!(pages.iter().any(|p| p.contains('{')), "{pages:?}");
    let mut probe = Probe::new(&app);
    for page in &pages {
        for value in HOSTILE {
            for who in [As::Nobody, As::Browser(&cookie)] {
                probe.get(&with_segments(page, value), who).await;
                let concrete = with_segments(page, "unknown_1");
                for name in ["next", "campaign_id", "error", "page", "token", "email"] {
                    probe.get(&format!("{concrete}?{name}={value}"), who).await;
                }
            }
        }
    }
    probe.assert_clean();
    assert_eq!(app.get("/health").await.status, 200, "still serving");
}

#[tokio::test]
async fn an_email_over_254_characters_is_refused_before_anything_is_written() {
    let app = TestApp::spawn().await;
    for email in [
        format!("{}@example.com", "a".repeat(243)),
        format!("{}@example.com", "b".repeat(100_000)),
    ] {
        assert!(email.len() > 254);
        let connect = app
            .post(
                "/v1/connect",
                "application/json",
                serde_json::json!({"email": email, "name": "Long"}).to_string(),
            )
            .await;
        assert!(
            (400..500).contains(&connect.status.as_u16()),
            "connect: {}",
            connect.status
        );
        for (name, fields) in [
            (
                "sign_in",
                vec![
                    ("email", email.as_str()),
                    ("password", PASSWORD),
                    ("next", "/account"),
                ],
            ),
            (
                "sign_up",
                vec![
                    ("name", "Long"),
                    ("email", email.as_str()),
                    ("password", PASSWORD),
                    ("next", "/account"),
                ],
            ),
        ] {
            let res = call_fn(&app, name, &fields, false, None).await;
            assert!(
                (400..500).contains(&res.status.as_u16()),
                "{name}: {} {}",
                res.status,
                res.text()
            );
        }
    }
    assert_eq!(app.count("accounts").await, 0);
    assert_eq!(app.count("email_challenges").await, 0);
    // Only the per-address request counters exist, none named after an email.
    assert_eq!(
        app.count("rate_counters WHERE bucket LIKE '%aaaa%' OR bucket LIKE '%bbbb%' OR LENGTH(bucket) > 200")
            .await,
        0
    );
}
