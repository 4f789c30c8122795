use crate::helpers::TestApp;

#[tokio::test]
async fn the_twelve_built_in_templates_are_listed_and_filtered() {
    let app = TestApp::spawn().await;
    let key = app.connect("templates@example.com").await.api_key;
    let all = app.get_as(&key, "/v1/templates").await;
    assert_eq!(all.status, 200, "{}", all.text());
    let all = all.json();
    assert_eq!(all["meta"]["total"], 12);
    let first = &all["data"][0];
    for field in [
        "id",
        "slug",
        "name",
        "domain",
        "description",
        "parameters_count",
        "objectives_count",
        "default_budget",
        "tags",
    ] {
        assert!(!first[field].is_null(), "{field} in {first}");
    }
    let solar = app.get_as(&key, "/v1/templates?domain=solar").await.json();
    assert_eq!(solar["meta"]["total"], 3);
    assert!(solar["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["domain"] == "solar"));
    let search = app
        .get_as(&key, "/v1/templates?search=CATHODE")
        .await
        .json();
    assert!(search["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["slug"] == "battery/nmc-cathode"));
    let none = app
        .get_as(&key, "/v1/templates?domain=unobtainium")
        .await
        .json();
    assert_eq!(none["meta"]["total"], 0);
    app.get_as(&key, "/v1/templates?colour=red")
        .await
        .assert_error(400, "invalid_request");
}

#[tokio::test]
async fn a_template_is_read_as_json_and_downloaded_as_yaml() {
    let app = TestApp::spawn().await;
    let key = app.connect("template@example.com").await.api_key;
    let res = app.get_as(&key, "/v1/templates/tpl_solar_perovskite").await;
    assert_eq!(res.status, 200, "{}", res.text());
    let data = &res.json()["data"];
    assert_eq!(data["slug"], "solar/perovskite");
    assert_eq!(data["mdl"]["domain"], "solar");
    assert_eq!(
        data["mdl"]["parameters"].as_array().unwrap().len() as u64,
        data["parameters_count"].as_u64().unwrap()
    );

    let file = app
        .get_as(&key, "/v1/templates/tpl_solar_perovskite/download")
        .await;
    assert_eq!(file.status, 200);
    assert!(file
        .header("content-type")
        .unwrap()
        .starts_with("application/yaml"));
    assert!(file
        .header("content-disposition")
        .unwrap()
        .contains("solar-perovskite.yaml"));
    assert!(file.text().contains("domain: solar"), "{}", file.text());

    app.get_as(&key, "/v1/templates/tpl_solar_unknown")
        .await
        .assert_error(404, "not_found");
    app.get_as(&key, "/v1/templates/tpl_solar_unknown/download")
        .await
        .assert_error(404, "not_found");
}
