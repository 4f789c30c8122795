use axum::body::Body;
use axum::http::{Method, Request};
use serde_json::{json, Value};

use crate::helpers::{assert_hidden_from, TestApp, TestResponse};

/// Room for whole MDL documents in JSON bodies (the test default is 1 KiB).
const ENV: &[(&str, &str)] = &[("MATTERCRAFT_MAX_JSON_BYTES", "65536")];

fn mdl(name: &str) -> Value {
    json!({
        "name": name,
        "domain": "battery",
        "parameters": [
            {"name": "nickel", "type": "continuous", "bounds": [0.3, 0.9]},
            {"name": "anneal", "type": "integer", "bounds": [600, 900]}
        ],
        "objectives": [
            {"name": "capacity", "direction": "maximize"},
            {"name": "cost", "direction": "minimize"}
        ],
        "optimizer": {"budget": 40, "seed": 7},
        "evaluator": {"type": "external"}
    })
}

async fn create(app: &TestApp, key: &str, body: Value) -> TestResponse {
    app.call(key, Method::POST, "/v1/campaigns", Some(body))
        .await
}

async fn upload(app: &TestApp, key: &str, fields: &[(&str, &str)]) -> TestResponse {
    let boundary = "mc-test-boundary";
    let mut body = String::new();
    for (name, value) in fields {
        let file = if *name == "mdl_file" {
            "; filename=\"campaign.yaml\"\r\nContent-Type: application/yaml"
        } else {
            ""
        };
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    app.request(
        Request::post("/v1/campaigns")
            .header("authorization", format!("Bearer {key}"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn a_campaign_created_from_json_mdl_is_listed_and_readable() {
    let app = TestApp::spawn_with_env(ENV).await;
    let key = app.connect("mdl@example.com").await.api_key;
    let res = create(&app, &key, json!({"mdl": mdl("nmc-screen")})).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let data = &res.json()["data"];
    let id = data["id"].as_str().unwrap();
    assert!(id.starts_with("camp_"), "{id}");
    assert_eq!(data["name"], "nmc-screen");
    assert_eq!(data["domain"], "battery");
    assert_eq!(data["status"], "created");
    assert_eq!(data["budget"], 40);
    assert_eq!(data["parameters_count"], 2);
    assert_eq!(data["objectives_count"], 2);
    assert_eq!(data["evaluations_completed"], 0);
    assert!(data["created_at"].as_str().unwrap().ends_with('Z'));

    let detail = app.get_as(&key, &format!("/v1/campaigns/{id}")).await;
    assert_eq!(detail.status, 200, "{}", detail.text());
    let d = &detail.json()["data"];
    assert_eq!(d["mdl"]["parameters"][1]["name"], "anneal");
    assert_eq!(d["current_iteration"], 0);
    assert_eq!(d["pareto_size"], 0);
    assert!(d["hypervolume"].is_null() && d["started_at"].is_null());

    let list = app.get_as(&key, "/v1/campaigns").await.json();
    assert_eq!(list["meta"]["total"], 1);
    assert_eq!(list["data"][0]["id"], id);
}

#[tokio::test]
async fn a_name_already_used_in_the_account_is_a_conflict_but_not_across_accounts() {
    let app = TestApp::spawn_with_env(ENV).await;
    let a = app.connect("dup-a@example.com").await.api_key;
    let b = app.connect("dup-b@example.com").await.api_key;
    assert_eq!(
        create(&app, &a, json!({"mdl": mdl("same")})).await.status,
        201
    );
    let again = create(&app, &a, json!({"mdl": mdl("same")})).await;
    let body = again.assert_error(409, "conflict");
    assert!(body["message"].as_str().unwrap().contains("same"), "{body}");
    // An explicit name wins over the document's, so a copy can be made under another name.
    let renamed = create(&app, &a, json!({"name": "same-2", "mdl": mdl("same")})).await;
    assert_eq!(renamed.status, 201, "{}", renamed.text());
    assert_eq!(renamed.json()["data"]["name"], "same-2");
    assert_eq!(
        create(&app, &b, json!({"mdl": mdl("same")})).await.status,
        201
    );
}

#[tokio::test]
async fn an_invalid_mdl_is_a_422_listing_every_problem_at_its_path() {
    let app = TestApp::spawn_with_env(ENV).await;
    let key = app.connect("bad-mdl@example.com").await.api_key;
    let mut doc = mdl("broken");
    doc["parameters"][0]["bounds"] = json!([0.9, 0.3]);
    doc["objectives"][1]["direction"] = json!("minimise");
    doc["optimizer"]["budgett"] = json!(10);
    let res = create(&app, &key, json!({"mdl": doc})).await;
    let body = res.assert_error(422, "validation_failed");
    let paths = res.detail_paths();
    for expected in [
        "parameters[0].bounds",
        "objectives[1].direction",
        "optimizer.budgett",
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "{expected} in {paths:?}"
        );
    }
    assert!(body["details"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["level"] == "error" || d["level"] == "warning"));
    let hint = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"] == "optimizer.budgett")
        .unwrap();
    assert!(
        hint["message"].as_str().unwrap().contains("budget"),
        "{hint}"
    );
    // Nothing was stored.
    assert_eq!(
        app.get_as(&key, "/v1/campaigns").await.json()["meta"]["total"],
        0
    );
}

#[tokio::test]
async fn a_request_must_say_where_the_mdl_comes_from_exactly_once() {
    let app = TestApp::spawn_with_env(ENV).await;
    let key = app.connect("which@example.com").await.api_key;
    create(&app, &key, json!({"name": "nothing"}))
        .await
        .assert_error(400, "invalid_request");
    let both = create(
        &app,
        &key,
        json!({"mdl": mdl("x"), "template_id": "battery/nmc-cathode"}),
    )
    .await;
    both.assert_error(400, "invalid_request");
    assert_eq!(both.detail_paths(), ["template_id"]);
    let unknown = create(&app, &key, json!({"template_id": "battery/none"})).await;
    unknown.assert_error(400, "invalid_request");
    assert_eq!(unknown.detail_paths(), ["template_id"]);
    let wrong_domain = create(&app, &key, json!({"domain": "solar", "mdl": mdl("x")})).await;
    wrong_domain.assert_error(400, "invalid_request");
    assert_eq!(wrong_domain.detail_paths(), ["domain"]);
    create(&app, &key, json!({"mdl": mdl("x"), "colour": "red"}))
        .await
        .assert_error(400, "invalid_request");
}

#[tokio::test]
async fn a_template_with_overrides_becomes_a_campaign() {
    let app = TestApp::spawn_with_env(ENV).await;
    let key = app.connect("tpl@example.com").await.api_key;
    let template = app.get_as(&key, "/v1/templates/battery/nmc-cathode").await;
    // Slugs hold a slash, so the path form uses the tmpl_ id.
    assert_eq!(template.status, 404);
    let template = app
        .get_as(&key, "/v1/templates/tmpl_battery_nmc-cathode")
        .await
        .json();
    let parameters = template["data"]["parameters_count"].clone();

    let res = create(
        &app,
        &key,
        json!({
            "template_id": "battery/nmc-cathode",
            "name": "my-nmc",
            "overrides": {"optimizer": {"budget": 60}, "description": null}
        }),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let data = &res.json()["data"];
    assert_eq!(data["name"], "my-nmc");
    assert_eq!(data["domain"], "battery");
    assert_eq!(data["budget"], 60);
    assert_eq!(data["parameters_count"], parameters);
    assert!(
        data["mdl"].get("description").is_none(),
        "null removes a key"
    );
    assert_eq!(
        data["mdl"]["optimizer"]["seed"],
        template["data"]["mdl"]["optimizer"]["seed"]
    );

    let bad = create(
        &app,
        &key,
        json!({"template_id": "tmpl_battery_nmc-cathode", "overrides": {"optimizer": {"budget": 3}}}),
    )
    .await;
    bad.assert_error(422, "validation_failed");
    assert!(
        bad.detail_paths().contains(&"optimizer.budget".to_owned()),
        "{:?}",
        bad.detail_paths()
    );
}

#[tokio::test]
async fn a_yaml_file_upload_becomes_a_campaign_and_bad_yaml_is_a_422() {
    let app = TestApp::spawn().await;
    let key = app.connect("yaml@example.com").await.api_key;
    let yaml = "name: from-file\ndomain: water\nparameters:\n  - {name: pore, type: continuous, bounds: [1, 5]}\n\
                objectives:\n  - {name: flux, direction: maximize}\n\
                optimizer: {budget: 30, seed: 3}\nevaluator: {type: external}\n";
    let res = upload(&app, &key, &[("mdl_file", yaml)]).await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["data"]["name"], "from-file");
    assert_eq!(res.json()["data"]["domain"], "water");

    let renamed = upload(&app, &key, &[("mdl_file", yaml), ("name", "renamed")]).await;
    assert_eq!(renamed.status, 201, "{}", renamed.text());
    assert_eq!(renamed.json()["data"]["name"], "renamed");

    let broken = upload(&app, &key, &[("mdl_file", "name: [unclosed")]).await;
    broken.assert_error(422, "validation_failed");
    upload(&app, &key, &[("name", "no-file")])
        .await
        .assert_error(400, "invalid_request");
    upload(&app, &key, &[("mdl_file", yaml), ("colour", "red")])
        .await
        .assert_error(400, "invalid_request");
}

#[tokio::test]
async fn hostile_mdl_documents_are_422s_with_a_path_and_the_server_keeps_answering() {
    // Review C2 and H6: each of these once ended the process (stack overflow) or filled the
    // memory (alias expansion).
    let app = TestApp::spawn_with_env(&[("MATTERCRAFT_MAX_JSON_BYTES", "1048576")]).await;
    let key = app.connect("hostile-mdl@example.com").await.api_key;
    let mut doc = mdl("nested");
    let deep = format!("{}nickel{} <= 1", "(".repeat(100_000), ")".repeat(100_000));
    doc["constraints"] = json!([{ "expression": deep }]);
    let res = create(&app, &key, json!({ "mdl": doc })).await;
    res.assert_error(422, "validation_failed");
    assert_eq!(res.detail_paths(), ["constraints[0].expression"]);

    let minuses = format!(
        "name: minuses\ndomain: battery\nparameters: [{{name: x, type: continuous, bounds: [0, 1]}}]\n\
         objectives: [{{name: y, direction: maximize}}]\noptimizer: {{seed: 1}}\nconstraints:\n  - expression: \"{}x <= 1\"\n",
        "-".repeat(200_000)
    );
    let res = upload(&app, &key, &[("mdl_file", &minuses)]).await;
    res.assert_error(422, "validation_failed");
    assert_eq!(res.detail_paths(), ["constraints[0].expression"]);

    let bomb = format!(
        "a: &a [{}]\nb: [{}]\n",
        vec!["1"; 10_000].join(", "),
        vec!["*a"; 10_000].join(", ")
    );
    let res = upload(&app, &key, &[("mdl_file", &bomb)]).await;
    let body = res.assert_error(422, "validation_failed");
    assert_eq!(
        body["details"][0]["message"],
        "YAML anchors and aliases are not allowed (line 1): write each value out"
    );

    assert_eq!(app.get_as(&key, "/v1/campaigns").await.status, 200);
}

#[tokio::test]
async fn lists_filter_sort_and_page() {
    let app = TestApp::spawn_with_env(ENV).await;
    let key = app.connect("lists@example.com").await.api_key;
    for name in ["c-one", "a-two", "b-three"] {
        assert_eq!(
            create(&app, &key, json!({"mdl": mdl(name)})).await.status,
            201
        );
    }
    let mut water = mdl("w-four");
    water["domain"] = json!("water");
    assert_eq!(create(&app, &key, json!({"mdl": water})).await.status, 201);

    let names = |res: TestResponse| -> Vec<String> {
        res.json()["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(app.get_as(&key, "/v1/campaigns?sort=name").await),
        ["a-two", "b-three", "c-one", "w-four"]
    );
    assert_eq!(
        names(app.get_as(&key, "/v1/campaigns?domain=water").await),
        ["w-four"]
    );
    let page = app
        .get_as(&key, "/v1/campaigns?sort=-name&per_page=2&page=2")
        .await
        .json();
    assert_eq!(page["meta"]["total"], 4);
    assert_eq!(page["meta"]["pages"], 2);
    assert_eq!(page["data"][0]["name"], "b-three");
    assert_eq!(
        app.get_as(&key, "/v1/campaigns?status=created")
            .await
            .json()["meta"]["total"],
        4
    );
    assert_eq!(
        app.get_as(&key, "/v1/campaigns?status=running")
            .await
            .json()["meta"]["total"],
        0
    );
    let bad = app
        .get_as(&key, "/v1/campaigns?status=paused&sort=budget")
        .await;
    bad.assert_error(400, "invalid_request");
    assert_eq!(bad.detail_paths().len(), 2, "{}", bad.text());
}

#[tokio::test]
async fn another_accounts_campaigns_are_404_and_deleting_needs_the_scope() {
    let app = TestApp::spawn_with_env(ENV).await;
    let owner = app.connect("owner@example.com").await.api_key;
    let other = app.connect("other@example.com").await.api_key;
    let id = create(&app, &owner, json!({"mdl": mdl("private")}))
        .await
        .json()["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/campaigns/{id}");
    assert_hidden_from(
        &app,
        &other,
        &[
            (Method::GET, path.clone(), None),
            (Method::DELETE, path.clone(), None),
        ],
    )
    .await;
    assert_eq!(
        app.get_as(&other, "/v1/campaigns").await.json()["meta"]["total"],
        0
    );

    let reader = app
        .create_key(
            &owner,
            json!({"name": "reader", "scopes": ["campaigns:read"]}),
        )
        .await["api_key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.get_as(&reader, &path).await.status, 200);
    let denied = app.call(&reader, Method::DELETE, &path, None).await;
    let body = denied.assert_error(403, "forbidden");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("campaigns:delete"),
        "{body}"
    );
    create(&app, &reader, json!({"mdl": mdl("nope")}))
        .await
        .assert_error(403, "forbidden");

    let deleted = app.call(&owner, Method::DELETE, &path, None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    app.get_as(&owner, &path)
        .await
        .assert_error(404, "not_found");
    app.get_as(&owner, "/v1/campaigns/camp_unknown")
        .await
        .assert_error(404, "not_found");
}
