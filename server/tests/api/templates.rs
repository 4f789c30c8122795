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
async fn templates_page_and_sort_like_every_other_list() {
    let app = TestApp::spawn().await;
    let key = app.connect("template-pages@example.com").await.api_key;
    let slugs = |body: &serde_json::Value| -> Vec<String> {
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = app.get_as(&key, "/v1/templates?per_page=5").await.json();
    let meta = &first["meta"];
    assert_eq!(
        [
            &meta["total"],
            &meta["page"],
            &meta["per_page"],
            &meta["pages"]
        ],
        [12, 1, 5, 3],
        "{meta}"
    );
    let default_order = slugs(&first);
    let mut sorted = default_order.clone();
    sorted.sort();
    assert_eq!(default_order, sorted, "the default sort is by slug");
    let last = app
        .get_as(&key, "/v1/templates?per_page=5&page=3")
        .await
        .json();
    assert_eq!(last["meta"]["page"], 3);
    assert_eq!(slugs(&last).len(), 2);
    let mut all = Vec::new();
    for page in 1..=3 {
        let body = app
            .get_as(&key, &format!("/v1/templates?per_page=5&page={page}"))
            .await
            .json();
        all.extend(slugs(&body));
    }
    let distinct: std::collections::BTreeSet<&String> = all.iter().collect();
    assert_eq!(distinct.len(), 12, "pages neither repeat nor skip: {all:?}");
    let beyond = app.get_as(&key, "/v1/templates?page=9").await.json();
    assert_eq!(beyond["data"], serde_json::json!([]));
    assert_eq!(beyond["meta"]["total"], 12);

    let by_budget = app
        .get_as(&key, "/v1/templates?sort=-default_budget&per_page=100")
        .await
        .json();
    let budgets: Vec<u64> = by_budget["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["default_budget"].as_u64().unwrap())
        .collect();
    assert!(budgets.windows(2).all(|w| w[0] >= w[1]), "{budgets:?}");
    let filtered = app
        .get_as(&key, "/v1/templates?domain=battery&sort=-name&per_page=2")
        .await
        .json();
    assert_eq!(filtered["meta"]["total"], 3);
    assert_eq!(filtered["meta"]["pages"], 2);
    let names: Vec<&str> = filtered["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names[0] >= names[1], "{names:?}");

    let bad = app
        .get_as(&key, "/v1/templates?sort=colour&per_page=0&page=0")
        .await;
    bad.assert_error(400, "invalid_request");
    let mut paths = bad.detail_paths();
    paths.sort();
    assert_eq!(paths, ["page", "per_page", "sort"]);
}

#[tokio::test]
async fn a_template_is_read_as_json_and_downloaded_as_yaml() {
    let app = TestApp::spawn().await;
    let key = app.connect("template@example.com").await.api_key;
    let res = app
        .get_as(&key, "/v1/templates/tmpl_solar_perovskite")
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let data = &res.json()["data"];
    assert_eq!(data["slug"], "solar/perovskite");
    assert_eq!(data["mdl"]["domain"], "solar");
    assert_eq!(
        data["mdl"]["parameters"].as_array().unwrap().len() as u64,
        data["parameters_count"].as_u64().unwrap()
    );

    let file = app
        .get_as(&key, "/v1/templates/tmpl_solar_perovskite/download")
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

    app.get_as(&key, "/v1/templates/tmpl_solar_unknown")
        .await
        .assert_error(404, "not_found");
    app.get_as(&key, "/v1/templates/tmpl_solar_unknown/download")
        .await
        .assert_error(404, "not_found");
}

#[tokio::test]
async fn a_saved_template_is_private_to_its_account_and_starts_campaigns() {
    let app = TestApp::spawn_with_env(&[("MATTERCRAFT_MAX_JSON_BYTES", "65536")]).await;
    let key = app.connect("tmpl@example.com").await.api_key;
    let other = app.connect("tmpl-other@example.com").await.api_key;
    let mdl = serde_json::json!({
        "name": "my-screen",
        "domain": "battery",
        "description": "Nickel-rich screen at two anneal temperatures",
        "parameters": [
            {"name": "nickel", "type": "continuous", "bounds": [0.3, 0.9]},
            {"name": "anneal", "type": "integer", "bounds": [600, 900]}
        ],
        "objectives": [{"name": "capacity", "direction": "maximize"}],
        "optimizer": {"budget": 20, "seed": 1},
        "evaluator": {"type": "external"}
    });
    let res = app
        .call(
            &key,
            axum::http::Method::POST,
            "/v1/templates",
            Some(serde_json::json!({"mdl": mdl, "tags": ["nickel", "in-house"]})),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let saved = res.json()["data"].clone();
    let id = saved["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("tmpl_"), "{id}");
    assert_eq!(saved["slug"], "battery/my-screen");
    assert_eq!(saved["custom"], true);
    assert_eq!(saved["default_budget"], 20);
    assert_eq!(saved["parameters_count"], 2);
    assert_eq!(
        saved["description"],
        "Nickel-rich screen at two anneal temperatures"
    );

    let mine = app
        .get_as(&key, "/v1/templates?search=in-house")
        .await
        .json();
    assert_eq!(mine["meta"]["total"], 1);
    assert_eq!(mine["data"][0]["id"], id.as_str());
    assert_eq!(
        app.get_as(&key, "/v1/templates").await.json()["meta"]["total"],
        13
    );
    let yaml = app
        .get_as(&key, &format!("/v1/templates/{id}/download"))
        .await;
    assert_eq!(yaml.status, 200);
    let (parsed, _) = mdl::parse_yaml(&yaml.text()).expect("the download is valid MDL");
    assert_eq!(parsed.name, "my-screen");
    let by_slug = app.get_as(&key, "/v1/templates/battery%2Fmy-screen").await;
    assert_eq!(by_slug.status, 200, "{}", by_slug.text());

    // A campaign from it, with overrides.
    let campaign = app
        .call(
            &key,
            axum::http::Method::POST,
            "/v1/campaigns",
            Some(serde_json::json!({"template_id": id, "name": "from-mine",
                                    "overrides": {"optimizer": {"budget": 12}}})),
        )
        .await;
    assert_eq!(campaign.status, 201, "{}", campaign.text());
    assert_eq!(campaign.json()["data"]["budget"], 12);

    // Nobody else sees it or uses it.
    assert_eq!(
        app.get_as(&other, "/v1/templates").await.json()["meta"]["total"],
        12
    );
    app.get_as(&other, &format!("/v1/templates/{id}"))
        .await
        .assert_error(404, "not_found");
    app.get_as(&other, &format!("/v1/templates/{id}/download"))
        .await
        .assert_error(404, "not_found");
    let stolen = app
        .call(
            &other,
            axum::http::Method::POST,
            "/v1/campaigns",
            Some(serde_json::json!({"template_id": id, "name": "stolen"})),
        )
        .await;
    stolen.assert_error(400, "invalid_request");
    assert_eq!(stolen.detail_paths(), ["template_id"]);

    // The same slug twice is a conflict; an invalid document is a 422 with paths; a slug
    // of a built-in template is refused.
    app.call(
        &key,
        axum::http::Method::POST,
        "/v1/templates",
        Some(serde_json::json!({"mdl": mdl})),
    )
    .await
    .assert_error(409, "conflict");
    let mut broken = mdl.clone();
    broken["parameters"][0]["bounds"] = serde_json::json!([5, 1]);
    let invalid = app
        .call(
            &key,
            axum::http::Method::POST,
            "/v1/templates",
            Some(serde_json::json!({"mdl": broken, "slug": "other"})),
        )
        .await;
    invalid.assert_error(422, "validation_failed");
    assert!(invalid
        .detail_paths()
        .contains(&"parameters[0].bounds".to_owned()));
    let builtin = app
        .call(
            &key,
            axum::http::Method::POST,
            "/v1/templates",
            Some(serde_json::json!({"mdl": mdl, "slug": "battery/nmc-cathode"})),
        )
        .await;
    builtin.assert_error(400, "invalid_request");
    assert_eq!(builtin.detail_paths(), ["slug"]);
}

/// An MDL document for a custom template: `parameters` design variables and `budget`.
fn custom_mdl(name: &str, domain: &str, parameters: usize, budget: u32) -> serde_json::Value {
    let parameters: Vec<serde_json::Value> = (0..parameters)
        .map(|i| serde_json::json!({"name": format!("x{i}"), "type": "continuous", "bounds": [0.0, 1.0]}))
        .collect();
    serde_json::json!({
        "name": name,
        "domain": domain,
        "description": format!("Screen {name}"),
        "parameters": parameters,
        "objectives": [{"name": "yield", "direction": "maximize"}],
        "optimizer": {"budget": budget, "seed": 1},
        "evaluator": {"type": "external"}
    })
}

#[tokio::test]
async fn custom_templates_page_in_the_database_in_the_same_order_as_the_built_ins() {
    let app = TestApp::spawn_with_env(&[
        ("MATTERCRAFT_MAX_JSON_BYTES", "65536"),
        ("MATTERCRAFT_RATE_LIMIT_PER_MINUTE", "0"),
    ])
    .await;
    let key = app.connect("many-templates@example.com").await.api_key;
    // Names, domains, sizes and budgets that interleave with the built-ins under every sort,
    // and one name equal to a built-in's (the slug breaks the tie).
    let mut saved = 0;
    for i in 0..23usize {
        let domain = ["battery", "solar", "water", "catalyst"][i % 4];
        let name = format!("{}-zq-{i:02}", ["alpha", "Zeta", "mid"][i % 3]);
        let budget = [10, 50, 200, 400, 1000][i % 5];
        let body = serde_json::json!({
            "mdl": custom_mdl(&name, domain, 1 + i % 5, budget),
            "tags": [format!("batch-{}", i % 2)],
        });
        let res = app
            .call(&key, axum::http::Method::POST, "/v1/templates", Some(body))
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        saved += 1;
    }
    let twin = serde_json::json!({
        "mdl": custom_mdl("nmc-cathode", "battery", 3, 200),
        "slug": "battery/nmc-cathode-b",
    });
    let res = app
        .call(&key, axum::http::Method::POST, "/v1/templates", Some(twin))
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    saved += 1;
    let total = 12 + saved;

    let ids = |body: &serde_json::Value| -> Vec<String> {
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    for (filter, expected_total) in [
        ("", total),
        ("&domain=battery", 3 + 6 + 1),
        ("&search=BATCH-1", 11),
        ("&search=ZQ&domain=solar", 6),
        ("&search=%25", 0),
    ] {
        let whole = app
            .get_as(&key, &format!("/v1/templates?per_page=100{filter}"))
            .await
            .json();
        assert_eq!(whole["meta"]["total"], expected_total, "{filter}");
        let items = whole["data"].as_array().unwrap().clone();
        assert_eq!(items.len(), expected_total, "{filter}");
        for sort in [
            "slug",
            "-slug",
            "name",
            "-name",
            "domain",
            "-domain",
            "parameters_count",
            "-parameters_count",
            "objectives_count",
            "default_budget",
            "-default_budget",
        ] {
            // What the order must be, worked out here from the items themselves.
            let (field, descending) = match sort.strip_prefix('-') {
                Some(field) => (field, true),
                None => (sort, false),
            };
            let mut expected = items.clone();
            expected.sort_by(|a, b| {
                let by_field = if a[field].is_number() {
                    a[field].as_u64().cmp(&b[field].as_u64())
                } else {
                    a[field].as_str().cmp(&b[field].as_str())
                };
                let ordering = by_field.then_with(|| a["slug"].as_str().cmp(&b["slug"].as_str()));
                let ordering = if descending {
                    ordering.reverse()
                } else {
                    ordering
                };
                ordering.then_with(|| a["custom"].as_bool().cmp(&b["custom"].as_bool()))
            });
            let expected: Vec<String> = expected
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_owned())
                .collect();
            for per_page in [3, 7, 100] {
                let mut paged = Vec::new();
                for page in 1.. {
                    let body = app
                        .get_as(
                            &key,
                            &format!(
                                "/v1/templates?sort={sort}&per_page={per_page}&page={page}{filter}"
                            ),
                        )
                        .await
                        .json();
                    assert_eq!(body["meta"]["total"], expected_total);
                    let got = ids(&body);
                    if got.is_empty() {
                        break;
                    }
                    assert!(got.len() <= per_page);
                    paged.extend(got);
                    assert!(page < 20, "paging never ends: {sort} {filter}");
                }
                assert_eq!(paged, expected, "sort {sort}, {per_page} a page{filter}");
            }
        }
    }
}

#[tokio::test]
async fn the_template_list_never_reads_an_mdl_document() {
    let app = TestApp::spawn_with_env(&[("MATTERCRAFT_MAX_JSON_BYTES", "65536")]).await;
    let key = app.connect("summary-only@example.com").await.api_key;
    let res = app
        .call(
            &key,
            axum::http::Method::POST,
            "/v1/templates",
            Some(serde_json::json!({"mdl": custom_mdl("lean", "battery", 2, 30)})),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let id = res.json()["data"]["id"].as_str().unwrap().to_owned();
    // Were the list to load documents, this one would break it.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    sqlx::query("UPDATE custom_templates SET mdl = 'not a document'")
        .execute(&pool)
        .await
        .unwrap();
    let list = app.get_as(&key, "/v1/templates?search=lean").await;
    assert_eq!(list.status, 200, "{}", list.text());
    let listed = &list.json()["data"][0];
    assert_eq!(listed["id"], id.as_str());
    assert_eq!(
        [
            &listed["parameters_count"],
            &listed["objectives_count"],
            &listed["default_budget"]
        ],
        [2, 1, 30]
    );
}
