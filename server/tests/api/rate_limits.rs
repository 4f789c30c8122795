use crate::helpers::TestApp;

fn header_number(res: &crate::helpers::TestResponse, name: &str) -> i64 {
    res.header(name)
        .unwrap_or_else(|| panic!("{name} missing"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn every_v1_response_carries_rate_limit_headers_and_the_limit_answers_429() {
    let app = TestApp::spawn_with_env(&[("MATTERCRAFT_RATE_LIMIT_PER_MINUTE", "3")]).await;
    let key = app
        .services
        .connect(domain::auth::ConnectRequest {
            email: "limits@example.com".into(),
            name: "Limits".into(),
            code: None,
        })
        .await
        .unwrap();
    let domain::auth::ConnectOutcome::Connected(connected) = key else {
        panic!("a new email connects at once");
    };
    let key = connected.api_key;
    // A window can roll over mid-test; then the sequence is simply run again.
    for _attempt in 0..2 {
        let mut responses = Vec::new();
        for _ in 0..4 {
            responses.push(app.get_as(key.expose(), "/v1/api-keys").await);
        }
        let resets: Vec<i64> = responses
            .iter()
            .map(|r| header_number(r, "x-ratelimit-reset"))
            .collect();
        if resets.iter().any(|r| *r != resets[0]) {
            tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
            continue;
        }
        let remaining: Vec<i64> = responses
            .iter()
            .map(|r| header_number(r, "x-ratelimit-remaining"))
            .collect();
        assert_eq!(remaining, [2, 1, 0, 0]);
        for r in &responses {
            assert_eq!(header_number(r, "x-ratelimit-limit"), 3);
        }
        assert!(responses[..3].iter().all(|r| r.status == 200));
        let limited = &responses[3];
        limited.assert_error(429, "rate_limit_exceeded");
        let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        let now = chrono::Utc::now().timestamp();
        assert!(
            resets[0] > now && resets[0] <= now + 61,
            "reset is unix seconds"
        );
        return;
    }
    panic!("the rate-limit window rolled over twice");
}

#[tokio::test]
async fn anonymous_calls_are_limited_per_address_and_errors_carry_the_headers_too() {
    let app = TestApp::spawn_with_env(&[("MATTERCRAFT_RATE_LIMIT_PER_MINUTE", "2")]).await;
    let res = app.get("/v1/unknown-route").await;
    res.assert_error(404, "not_found");
    assert_eq!(header_number(&res, "x-ratelimit-limit"), 2);
}

#[tokio::test]
async fn paid_plans_get_higher_limits() {
    let app = TestApp::spawn().await;
    let connected = app.connect("pro@example.com").await;
    let free = app.get_as(&connected.api_key, "/v1/api-keys").await;
    assert_eq!(header_number(&free, "x-ratelimit-limit"), 60);
    app.db
        .accounts()
        .set_plan(
            &connected.account(),
            domain::auth::Plan::Scale,
            store::now_ms(),
        )
        .await
        .unwrap();
    let scale = app.get_as(&connected.api_key, "/v1/api-keys").await;
    assert_eq!(header_number(&scale, "x-ratelimit-limit"), 1000);
}

#[tokio::test]
async fn a_limit_of_zero_turns_rate_limiting_off() {
    let app = TestApp::spawn_with_env(&[("MATTERCRAFT_RATE_LIMIT_PER_MINUTE", "0")]).await;
    let res = app.get("/v1/status").await;
    assert_eq!(res.status, 200);
    assert!(res.header("x-ratelimit-limit").is_none());
}

#[tokio::test]
async fn minting_more_keys_does_not_multiply_the_rate_limit() {
    let app = TestApp::spawn_with_env(&[("MATTERCRAFT_RATE_LIMIT_PER_MINUTE", "5")]).await;
    let first = app.connect("minter@example.com").await.api_key;
    let new_key = serde_json::json!({"name": "more", "scopes": ["campaigns:read"]});
    // A window can roll over mid-test; then the sequence is simply run again.
    for _attempt in 0..2 {
        let mut responses = Vec::new();
        let mut keys = vec![first.clone()];
        for _ in 0..2 {
            let res = app
                .call(
                    &first,
                    axum::http::Method::POST,
                    "/v1/api-keys",
                    Some(new_key.clone()),
                )
                .await;
            if res.status == 201 {
                keys.push(res.json()["data"]["api_key"].as_str().unwrap().to_owned());
            }
            responses.push(res);
        }
        for n in 0..4 {
            let key = &keys[(n + 1) % keys.len()];
            responses.push(app.get_as(key, "/v1/campaigns").await);
        }
        let resets: Vec<i64> = responses
            .iter()
            .map(|r| header_number(r, "x-ratelimit-reset"))
            .collect();
        if resets.iter().any(|r| *r != resets[0]) {
            tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
            continue;
        }
        let statuses: Vec<u16> = responses.iter().map(|r| r.status.as_u16()).collect();
        assert_eq!(
            statuses,
            [201, 201, 200, 200, 200, 429],
            "one budget per account"
        );
        assert_eq!(keys.len(), 3);
        return;
    }
    panic!("the rate-limit window rolled over twice");
}
