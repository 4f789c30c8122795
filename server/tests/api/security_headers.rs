//! Browser security headers (review L3, and M8's HSTS): a Content-Security-Policy whose nonce
//! is fresh on every page and is the one every inline script carries, `nosniff`, a referrer
//! policy, no framing; HSTS in production only.

use server::security_headers::{docs_policy, NON_PAGE_POLICY};

use crate::helpers::{TestApp, TestResponse};

/// The nonce the page's policy allows scripts with.
fn policy_nonce(res: &TestResponse) -> String {
    let policy = res
        .header("content-security-policy")
        .expect("a Content-Security-Policy");
    let script_src = policy
        .split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix("script-src "))
        .unwrap_or_else(|| panic!("no script-src in {policy}"));
    script_src
        .split(' ')
        .find_map(|s| s.strip_prefix("'nonce-")?.strip_suffix('\''))
        .unwrap_or_else(|| panic!("no nonce in {policy}"))
        .to_owned()
}

/// Every `<script …>` opening tag of the page.
fn script_tags(html: &str) -> Vec<&str> {
    html.match_indices("<script")
        .map(|(at, _)| &html[at..at + html[at..].find('>').unwrap()])
        .collect()
}

fn assert_browser_headers(res: &TestResponse) {
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        res.header("referrer-policy"),
        Some("strict-origin-when-cross-origin")
    );
    assert_eq!(res.header("x-frame-options"), Some("DENY"));
}

#[tokio::test]
async fn every_page_has_a_fresh_nonce_that_its_inline_scripts_carry() {
    let app = TestApp::spawn().await;
    let mut nonces = Vec::new();
    for path in ["/", "/", "/signin", "/no-such-page"] {
        let res = app.get(path).await;
        assert!(
            res.header("content-type").unwrap().starts_with("text/html"),
            "{path}"
        );
        assert_browser_headers(&res);
        assert!(
            res.header("strict-transport-security").is_none(),
            "no HSTS in development"
        );
        let policy = res.header("content-security-policy").unwrap();
        for directive in [
            "default-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "connect-src 'self'",
        ] {
            assert!(policy.contains(directive), "{path}: {policy}");
        }
        assert!(!policy.contains("stripe"), "no Stripe configured: {policy}");
        let nonce = policy_nonce(&res);
        assert!(nonce.len() >= 22, "128 bits: {nonce}");
        let html = res.text();
        let tags = script_tags(&html);
        // The theme script and the hydration bootstrap, at least.
        assert!(tags.len() >= 2, "{path}: {tags:?}");
        for tag in tags {
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: {tag} lacks the response's nonce"
            );
        }
        nonces.push(nonce);
    }
    let mut unique = nonces.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        nonces.len(),
        "a new nonce per response: {nonces:?}"
    );
}

#[tokio::test]
async fn api_responses_and_files_allow_nothing_to_load_or_frame_them() {
    let app = TestApp::spawn().await;
    for path in ["/v1/status", "/health", "/v1/nope", "/favicon.svg"] {
        let res = app.get(path).await;
        assert_eq!(
            res.header("content-security-policy"),
            Some(NON_PAGE_POLICY),
            "{path}"
        );
        assert_browser_headers(&res);
    }
}

#[tokio::test]
async fn the_documentation_viewers_keep_their_own_policy() {
    let app = TestApp::spawn().await;
    for path in ["/v1/docs", "/v1/redoc"] {
        let res = app.get(path).await;
        assert_eq!(res.status, 200);
        assert_eq!(res.header("content-security-policy"), Some(docs_policy()));
        assert_browser_headers(&res);
        assert!(
            !res.text().contains("<script>"),
            "{path}: no inline script (the policy allows none)"
        );
    }
}

#[tokio::test]
async fn strict_transport_security_is_sent_in_production_only() {
    let app = TestApp::spawn_with_env(&[
        ("MATTERCRAFT_ENV", "production"),
        ("MATTERCRAFT_PUBLIC_URL", "https://mattercraft.example"),
    ])
    .await;
    for path in ["/", "/v1/status"] {
        let res = app.get(path).await;
        assert_eq!(
            res.header("strict-transport-security"),
            Some("max-age=31536000; includeSubDomains"),
            "{path}"
        );
        assert_browser_headers(&res);
    }
}
