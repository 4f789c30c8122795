use crate::helpers::TestApp;

#[tokio::test]
async fn the_home_page_is_rendered_on_the_server_with_live_status() {
    let app = TestApp::spawn().await;
    let res = app.get("/").await;
    assert_eq!(res.status, 200);
    let html = res.text();
    assert!(html.contains("From a material idea to a physical object"));
    for area in ["Campaigns", "Print", "Orders", "Settings", "API docs"] {
        assert!(html.contains(area), "the navigation names {area}");
    }
    assert!(
        html.contains(app.db.backend().as_str()),
        "the status panel is complete without JavaScript"
    );
}

#[tokio::test]
async fn an_unknown_page_is_the_styled_404_with_status_404() {
    let app = TestApp::spawn().await;
    let res = app.get("/definitely/not/here").await;
    assert_eq!(res.status, 404);
    let html = res.text();
    assert!(html.contains("Page not found"));
    assert!(html.contains("Go to the home page"));
}

#[tokio::test]
async fn server_functions_live_under_their_own_prefix() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/api/fn/platform_status",
            "application/x-www-form-urlencoded",
            "",
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["database"], app.db.backend().as_str());
}
