use std::time::Duration;

use axum::http::Method;
use serde_json::{json, Value};

use domain::campaigns::{CampaignStatus, LogLevel, ProgressEvent};

use crate::helpers::{assert_hidden_from, typed_job_id, TestApp, TEST_WORKER};

const ENV: &[(&str, &str)] = &[("MATTERCRAFT_MAX_JSON_BYTES", "65536")];
/// Initial design of 8, then two iterations of 4: quick, and still two surrogate rounds.
const BUDGET: u64 = 16;

async fn small_campaign(app: &TestApp, key: &str, name: &str) -> String {
    let res = app
        .call(
            key,
            Method::POST,
            "/v1/campaigns",
            Some(json!({
                "template_id": "battery/nmc-cathode",
                "name": name,
                "overrides": {"optimizer": {
                    "budget": BUDGET, "batch_size": 4, "seed": 11,
                    "active_learning": {"initial_samples": 8, "convergence_threshold": 0},
                    "surrogate_config": {"epochs": 40}
                }}
            })),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["data"]["id"].as_str().unwrap().to_owned()
}

async fn start(app: &TestApp, key: &str, id: &str, body: Option<Value>) -> Value {
    let res = app
        .call(
            key,
            Method::POST,
            &format!("/v1/campaigns/{id}/start"),
            body,
        )
        .await;
    assert_eq!(res.status, 202, "{}", res.text());
    res.json()["data"].clone()
}

async fn detail(app: &TestApp, key: &str, id: &str) -> Value {
    app.get_as(key, &format!("/v1/campaigns/{id}")).await.json()["data"].clone()
}

async fn results(app: &TestApp, key: &str, id: &str, query: &str) -> Value {
    let res = app
        .get_as(key, &format!("/v1/campaigns/{id}/results{query}"))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["data"].clone()
}

fn ids_and_parameters(results: &Value) -> Vec<(String, Value)> {
    results["pareto_front"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["parameters"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_started_campaign_runs_on_the_queue_to_completion_with_results() {
    let app = TestApp::spawn_with_env(ENV).await;
    let connected = app.connect("run@example.com").await;
    let key = connected.api_key.clone();
    let id = small_campaign(&app, &key, "run-me").await;
    let job = start(&app, &key, &id, None).await;
    assert_eq!(job["status"], "queued");
    assert!(job["id"].as_str().unwrap().starts_with("job_"));
    assert_eq!(detail(&app, &key, &id).await["status"], "running");
    let again = app
        .call(
            &key,
            Method::POST,
            &format!("/v1/campaigns/{id}/start"),
            None,
        )
        .await;
    again.assert_error(409, "campaign_not_startable");

    // The task that start queued runs the whole job, with the handler the server registers.
    assert_eq!(app.run_pending_tasks().await, 1);
    assert_eq!(
        app.run_pending_tasks().await,
        0,
        "nothing is left on the queue"
    );
    let finished = detail(&app, &key, &id).await;

    assert_eq!(finished["status"], "completed", "{finished}");
    assert_eq!(finished["evaluations_completed"], BUDGET);
    assert_eq!(finished["current_iteration"], 3);
    assert!(
        finished["hypervolume"].as_f64().unwrap() > 0.0,
        "{finished}"
    );
    assert!(finished["pareto_size"].as_u64().unwrap() >= 1);
    for objective in ["specific_capacity", "capacity_retention", "cobalt_cost"] {
        assert!(
            finished["best_objectives"][objective].is_number(),
            "{finished}"
        );
    }
    assert!(finished["started_at"].is_string());

    let all = results(&app, &key, &id, "").await;
    assert_eq!(all["pareto_front"].as_array().unwrap().len() as u64, BUDGET);
    let history = all["convergence_history"].as_array().unwrap();
    assert_eq!(history.len(), 3);
    assert!(history
        .windows(2)
        .all(|w| w[1]["hypervolume"].as_f64() >= w[0]["hypervolume"].as_f64()));
    assert!(
        history[1]["surrogate_loss"].is_number(),
        "iteration 2 trained a surrogate"
    );
    let front = results(&app, &key, &id, "?pareto_only=true").await;
    let rows = front["pareto_front"].as_array().unwrap();
    assert_eq!(rows.len() as u64, finished["pareto_size"].as_u64().unwrap());
    assert!(rows
        .iter()
        .all(|r| r["is_pareto"] == true && r["feasible"] == true));

    let csv = app
        .get_as(&key, &format!("/v1/campaigns/{id}/results?format=csv"))
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let text = csv.text();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("id,iteration,feasible,is_pareto,"),
        "{header}"
    );
    assert!(
        header.ends_with("specific_capacity,capacity_retention,cobalt_cost"),
        "{header}"
    );
    assert_eq!(lines.count() as u64, BUDGET);

    let logs = app
        .db
        .campaign_jobs()
        .logs(
            &connected.account(),
            &typed_job_id(job["id"].as_str().unwrap()),
            100,
        )
        .await
        .unwrap();
    assert!(
        logs.iter().any(|l| l
            .message
            .starts_with("[Iter 2/3] Training MLP surrogate (loss: ")),
        "{logs:?}"
    );
    assert!(
        logs.iter().any(|l| l
            .message
            .contains("CMA-ES acquisition: 4 candidates proposed")),
        "{logs:?}"
    );
}

#[tokio::test]
async fn a_job_killed_mid_run_resumes_without_losing_or_repeating_evaluations() {
    let app = TestApp::spawn_with_env(ENV).await;
    let key = app.connect("resume@example.com").await.api_key;
    // The same design space twice: one run straight through, one killed after iteration 2.
    let straight = small_campaign(&app, &key, "straight").await;
    let killed = small_campaign(&app, &key, "killed").await;
    let straight_job = start(&app, &key, &straight, None).await;
    app.services
        .run_campaign_job(
            &typed_job_id(straight_job["id"].as_str().unwrap()),
            TEST_WORKER,
            None,
        )
        .await
        .unwrap();

    let job = start(&app, &key, &killed, Some(json!({"timeout_hours": 2}))).await;
    let job_id = job["id"].as_str().unwrap();
    app.services
        .run_campaign_job(&typed_job_id(job_id), TEST_WORKER, Some(2))
        .await
        .unwrap();
    let midway = detail(&app, &key, &killed).await;
    assert_eq!(midway["status"], "running");
    assert_eq!(midway["current_iteration"], 2);
    assert_eq!(midway["evaluations_completed"], 12);

    // Another worker picks the job up again (its lease expired) and finishes it.
    app.services
        .run_campaign_job(&typed_job_id(job_id), TEST_WORKER, None)
        .await
        .unwrap();
    let done = detail(&app, &key, &killed).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["evaluations_completed"], BUDGET);

    let resumed = ids_and_parameters(&results(&app, &key, &killed, "").await);
    let mut ids: Vec<&String> = resumed.iter().map(|(id, _)| id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len() as u64, BUDGET, "no evaluation lost or repeated");
    // The engine is deterministic, so the resumed run proposed exactly what the uninterrupted
    // one did.
    assert_eq!(
        resumed,
        ids_and_parameters(&results(&app, &key, &straight, "").await)
    );
    let history = results(&app, &key, &killed, "").await["convergence_history"].clone();
    assert_eq!(history.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn stopping_ends_the_campaign_cancelled_after_the_current_iteration_with_results_kept() {
    let app = TestApp::spawn_with_env(ENV).await;
    let key = app.connect("stop@example.com").await.api_key;
    let id = small_campaign(&app, &key, "stop-me").await;
    app.call(
        &key,
        Method::POST,
        &format!("/v1/campaigns/{id}/stop"),
        None,
    )
    .await
    .assert_error(409, "campaign_not_stoppable");
    let job = start(&app, &key, &id, None).await;
    let job_id = job["id"].as_str().unwrap();
    app.services
        .run_campaign_job(&typed_job_id(job_id), TEST_WORKER, Some(1))
        .await
        .unwrap();

    let stop = app
        .call(
            &key,
            Method::POST,
            &format!("/v1/campaigns/{id}/stop"),
            None,
        )
        .await;
    assert_eq!(stop.status, 202, "{}", stop.text());
    assert_eq!(stop.json()["data"]["id"], job_id);
    app.services
        .run_campaign_job(&typed_job_id(job_id), TEST_WORKER, None)
        .await
        .unwrap();

    let d = detail(&app, &key, &id).await;
    assert_eq!(d["status"], "cancelled", "{d}");
    assert_eq!(
        d["evaluations_completed"], 8,
        "the first iteration's results are kept"
    );
    assert_eq!(
        results(&app, &key, &id, "").await["pareto_front"]
            .as_array()
            .unwrap()
            .len(),
        8
    );
    app.call(
        &key,
        Method::POST,
        &format!("/v1/campaigns/{id}/stop"),
        None,
    )
    .await
    .assert_error(409, "campaign_not_stoppable");
    app.call(
        &key,
        Method::POST,
        &format!("/v1/campaigns/{id}/start"),
        None,
    )
    .await
    .assert_error(409, "campaign_not_startable");
}

#[tokio::test]
async fn a_job_past_its_timeout_fails_the_campaign() {
    let app = TestApp::spawn_with_env(ENV).await;
    let key = app.connect("timeout@example.com").await.api_key;
    let id = small_campaign(&app, &key, "slow").await;
    // About 4 ms: gone by the time a worker looks at it.
    let job = start(&app, &key, &id, Some(json!({"timeout_hours": 0.000001}))).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    app.services
        .run_campaign_job(
            &typed_job_id(job["id"].as_str().unwrap()),
            TEST_WORKER,
            None,
        )
        .await
        .unwrap();
    assert_eq!(detail(&app, &key, &id).await["status"], "failed");
}

#[tokio::test]
async fn bad_start_requests_are_refused_clearly() {
    let app = TestApp::spawn_with_env(ENV).await;
    let key = app.connect("bad-start@example.com").await.api_key;
    let id = small_campaign(&app, &key, "bad-start").await;
    let path = format!("/v1/campaigns/{id}/start");
    let negative = app
        .call(
            &key,
            Method::POST,
            &path,
            Some(json!({"timeout_hours": -1})),
        )
        .await;
    negative.assert_error(400, "invalid_request");
    assert_eq!(negative.detail_paths(), ["timeout_hours"]);
    app.call(
        &key,
        Method::POST,
        &path,
        Some(json!({"timeout_hours": "soon"})),
    )
    .await
    .assert_error(400, "invalid_request");
    assert_eq!(
        detail(&app, &key, &id).await["status"],
        "created",
        "nothing started"
    );

    app.get_as(&key, &format!("/v1/campaigns/{id}/results?format=xml"))
        .await
        .assert_error(400, "invalid_request");
}

#[tokio::test]
async fn another_account_cannot_start_stop_or_read_results() {
    let app = TestApp::spawn_with_env(ENV).await;
    let owner = app.connect("run-owner@example.com").await.api_key;
    let other = app.connect("run-other@example.com").await.api_key;
    let id = small_campaign(&app, &owner, "mine").await;
    assert_hidden_from(
        &app,
        &other,
        &[
            (Method::POST, format!("/v1/campaigns/{id}/start"), None),
            (Method::POST, format!("/v1/campaigns/{id}/stop"), None),
            (Method::GET, format!("/v1/campaigns/{id}/results"), None),
        ],
    )
    .await;
    assert_eq!(detail(&app, &owner, &id).await["status"], "created");
}

#[tokio::test]
async fn jobs_show_progress_and_logs_and_can_be_cancelled_then_retried_to_the_end() {
    let app = TestApp::spawn_with_env(ENV).await;
    let key = app.connect("jobs@example.com").await.api_key;
    let other = app.connect("jobs-other@example.com").await.api_key;
    let id = small_campaign(&app, &key, "job-life").await;
    let first = start(&app, &key, &id, None).await;
    let first_id = first["id"].as_str().unwrap().to_owned();
    app.services
        .run_campaign_job(&typed_job_id(&first_id), TEST_WORKER, Some(1))
        .await
        .unwrap();

    let running = app.get_as(&key, &format!("/v1/jobs/{first_id}")).await;
    assert_eq!(running.status, 200, "{}", running.text());
    let running = running.json()["data"].clone();
    assert_eq!(running["status"], "running");
    assert_eq!(running["progress"]["iteration"], 1);
    assert_eq!(running["progress"]["total_iterations"], 3);
    assert_eq!(running["progress"]["evaluations_completed"], 8);
    assert_eq!(running["progress"]["budget"], BUDGET);
    assert!(
        running["timing"]["estimated_remaining_seconds"].is_number(),
        "{running}"
    );

    // Cancel through the jobs API; the worker stops before the next iteration.
    let cancel = app
        .call(
            &key,
            Method::POST,
            &format!("/v1/jobs/{first_id}/cancel"),
            None,
        )
        .await;
    assert_eq!(cancel.status, 202, "{}", cancel.text());
    app.services
        .run_campaign_job(&typed_job_id(&first_id), TEST_WORKER, None)
        .await
        .unwrap();
    assert_eq!(detail(&app, &key, &id).await["status"], "cancelled");
    app.call(
        &key,
        Method::POST,
        &format!("/v1/jobs/{first_id}/cancel"),
        None,
    )
    .await
    .assert_error(409, "job_not_cancellable");

    // Retry: a new job that reuses the 8 recorded evaluations and finishes the budget.
    let retry = app
        .call(
            &key,
            Method::POST,
            &format!("/v1/jobs/{first_id}/retry"),
            None,
        )
        .await;
    assert_eq!(retry.status, 202, "{}", retry.text());
    let second_id = retry.json()["data"]["id"].as_str().unwrap().to_owned();
    assert_ne!(second_id, first_id);
    assert_eq!(detail(&app, &key, &id).await["status"], "running");
    app.call(
        &key,
        Method::POST,
        &format!("/v1/jobs/{first_id}/retry"),
        None,
    )
    .await
    .assert_error(409, "job_not_retryable");
    app.services
        .run_campaign_job(&typed_job_id(&second_id), TEST_WORKER, None)
        .await
        .unwrap();
    let done = detail(&app, &key, &id).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["evaluations_completed"], BUDGET);
    let ids: std::collections::HashSet<String> =
        ids_and_parameters(&results(&app, &key, &id, "").await)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
    assert_eq!(ids.len() as u64, BUDGET, "no evaluation lost or repeated");
    app.call(
        &key,
        Method::POST,
        &format!("/v1/jobs/{second_id}/retry"),
        None,
    )
    .await
    .assert_error(409, "job_not_retryable");

    let list = app
        .get_as(&key, &format!("/v1/jobs?campaign_id={id}&sort=created_at"))
        .await
        .json();
    assert_eq!(list["meta"]["total"], 2);
    assert_eq!(list["data"][0]["status"], "cancelled");
    assert_eq!(list["data"][1]["status"], "completed");
    assert_eq!(
        app.get_as(&key, "/v1/jobs?status=completed").await.json()["meta"]["total"],
        1
    );

    let finished = app
        .get_as(&key, &format!("/v1/jobs/{second_id}"))
        .await
        .json()["data"]
        .clone();
    assert!(finished["timing"]["elapsed_seconds"].as_f64().unwrap() >= 0.0);
    assert!(finished["timing"]["estimated_remaining_seconds"].is_null());
    assert!(finished["finished_at"].is_string());

    let logs = app
        .get_as(&key, &format!("/v1/jobs/{second_id}/logs"))
        .await
        .json()["data"]
        .clone();
    let messages: Vec<&str> = logs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["message"].as_str().unwrap())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("Resumed after iteration 1")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("[Iter 2/3] Training MLP surrogate (loss: ")),
        "{messages:?}"
    );
    let tail = app
        .get_as(&key, &format!("/v1/jobs/{second_id}/logs?tail=1"))
        .await
        .json()["data"]
        .clone();
    assert_eq!(tail.as_array().unwrap().len(), 1);
    assert!(
        tail[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Campaign completed"),
        "{tail}"
    );
    let future = app
        .get_as(
            &key,
            &format!("/v1/jobs/{second_id}/logs?since=2999-01-01T00:00:00Z"),
        )
        .await
        .json();
    assert_eq!(future["data"].as_array().unwrap().len(), 0);
    let bad = app
        .get_as(
            &key,
            &format!("/v1/jobs/{second_id}/logs?level=trace&tail=0&since=yesterday"),
        )
        .await;
    bad.assert_error(400, "invalid_request");
    assert_eq!(bad.detail_paths(), ["level", "since", "tail"]);

    assert_hidden_from(
        &app,
        &other,
        &[
            (Method::GET, format!("/v1/jobs/{second_id}"), None),
            (Method::GET, format!("/v1/jobs/{second_id}/logs"), None),
            (Method::POST, format!("/v1/jobs/{first_id}/retry"), None),
            (Method::POST, format!("/v1/jobs/{second_id}/cancel"), None),
        ],
    )
    .await;
    assert_eq!(
        app.get_as(&other, "/v1/jobs").await.json()["meta"]["total"],
        0
    );
}

#[tokio::test]
async fn progress_streams_over_a_websocket_on_a_real_port() {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::{self, Message};

    let app = TestApp::spawn_with_env(ENV).await;
    let key = app.connect("ws@example.com").await.api_key;
    let other = app.connect("ws-other@example.com").await.api_key;
    let id = small_campaign(&app, &key, "watched").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    // A client that cannot send headers opens the socket with a ticket, never its key.
    let ticket = |key: String| {
        let app = &app;
        async move {
            let res = app.call(&key, Method::POST, "/v1/ws-tickets", None).await;
            assert_eq!(res.status, 201, "{}", res.text());
            res.json()["data"]["ticket"].as_str().unwrap().to_owned()
        }
    };
    let url = |ticket: &str| format!("ws://{addr}/v1/ws/campaigns/{id}?ticket={ticket}");
    let refused = |result: Result<_, tungstenite::Error>| match result {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("the handshake should have been refused"),
    };
    assert_eq!(
        refused(
            tokio_tungstenite::connect_async(format!("ws://{addr}/v1/ws/campaigns/{id}")).await
        ),
        401
    );
    assert_eq!(
        refused(tokio_tungstenite::connect_async(url("wst1.nope")).await),
        401
    );
    let other_ticket = ticket(other.clone()).await;
    assert_eq!(
        refused(tokio_tungstenite::connect_async(url(&other_ticket)).await),
        404
    );
    let own_ticket = ticket(key.clone()).await;

    let (mut socket, _) = tokio_tungstenite::connect_async(url(&own_ticket))
        .await
        .unwrap();
    let job = start(&app, &key, &id, None).await;
    let job_id = job["id"].as_str().unwrap().to_owned();
    let services = app.services.clone();
    let runner = tokio::spawn(async move {
        services
            .run_campaign_job(&typed_job_id(&job_id), TEST_WORKER, None)
            .await
    });

    let mut messages: Vec<Value> = Vec::new();
    let read = async {
        while let Some(frame) = socket.next().await {
            match frame.unwrap() {
                Message::Text(text) => messages.push(serde_json::from_str(&text).unwrap()),
                Message::Close(_) => break,
                _ => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(120), read)
        .await
        .expect("the socket closes after campaign_complete");
    runner.await.unwrap().unwrap();

    let kinds: Vec<&str> = messages
        .iter()
        .map(|m| m["type"].as_str().unwrap())
        .collect();
    let mut expected = Vec::new();
    for batch in [8, 4, 4] {
        expected.push("iteration_start");
        expected.extend(std::iter::repeat_n("evaluation_complete", batch));
        expected.push("iteration_complete");
    }
    expected.push("campaign_complete");
    assert_eq!(kinds, expected);
    assert!(messages
        .iter()
        .all(|m| m["timestamp"].as_str().unwrap().ends_with('Z')));
    let first = &messages[0]["data"];
    assert_eq!(first["iteration"], 1);
    assert_eq!(first["total_iterations"], 3);
    assert_eq!(first["batch_size"], 8);
    assert_eq!(first["phase"], "initial_design");
    // The seed's word for the surrogate-driven rounds.
    assert_eq!(messages[10]["type"], "iteration_start");
    assert_eq!(messages[10]["data"]["phase"], "acquiring");
    assert_eq!(messages[1]["data"]["evaluation_index"], 1);
    assert!(messages[1]["data"]["objectives"]["specific_capacity"].is_number());
    let done = &messages[9]["data"];
    assert_eq!(done["iteration"], 1);
    assert_eq!(done["evaluations_completed"], 8);
    assert!(done["hypervolume"].as_f64().unwrap() > 0.0);
    let last = &messages.last().unwrap()["data"];
    assert_eq!(last["status"], "completed");
    assert_eq!(last["total_evaluations"], BUDGET);
    assert_eq!(last["total_iterations"], 3);

    // Twenty sockets per account, however many keys it mints: the twenty-first is refused.
    let second = app
        .create_key(
            &key,
            serde_json::json!({"name": "second", "scopes": ["campaigns:read"]}),
        )
        .await["api_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut open = Vec::new();
    let own_ticket = ticket(key.clone()).await;
    let second_ticket = ticket(second).await;
    for n in 0..20 {
        let chosen = if n % 2 == 0 {
            &own_ticket
        } else {
            &second_ticket
        };
        open.push(
            tokio_tungstenite::connect_async(url(chosen))
                .await
                .unwrap()
                .0,
        );
    }
    for chosen in [&own_ticket, &second_ticket] {
        assert_eq!(
            refused(tokio_tungstenite::connect_async(url(chosen)).await),
            429
        );
    }
    drop(open);
}

#[tokio::test]
async fn on_postgresql_a_watcher_on_one_instance_sees_a_job_run_by_another() {
    // Two server instances over one PostgreSQL database, whichever backend this run selected.
    let url = store::testing::fresh_postgres_url().await;
    let a = TestApp::spawn_with(url.clone(), axum::Router::new()).await;
    let b = TestApp::spawn_with(url, axum::Router::new()).await;
    assert!(a.services.progress().start_relay(&a.db).await.unwrap());
    assert!(b.services.progress().start_relay(&b.db).await.unwrap());
    let key = a.connect("relay@example.com").await.api_key;
    let id = small_campaign(&a, &key, "relayed").await;
    let mut watcher = a.services.progress().subscribe(&id);

    let job = start(&b, &key, &id, None).await;
    b.services
        .run_campaign_job(
            &typed_job_id(job["id"].as_str().unwrap()),
            TEST_WORKER,
            None,
        )
        .await
        .unwrap();

    let mut kinds = Vec::new();
    let read = async {
        loop {
            let event = watcher.recv().await.unwrap().event;
            kinds.push(event.kind().to_owned());
            if let ProgressEvent::CampaignComplete {
                status,
                total_evaluations,
                ..
            } = event
            {
                assert_eq!(status, CampaignStatus::Completed);
                assert_eq!(u64::from(total_evaluations), BUDGET);
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("instance A hears instance B's job end");
    assert_eq!(kinds.first().map(String::as_str), Some("iteration_start"));
    assert_eq!(
        kinds.iter().filter(|k| *k == "iteration_complete").count(),
        3
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "evaluation_complete").count() as u64,
        BUDGET
    );
}

#[tokio::test]
async fn job_list_items_carry_their_worker_and_nested_progress_like_the_seed() {
    let app = TestApp::spawn_with_env(ENV).await;
    let key = app.connect("job-shape@example.com").await.api_key;
    let id = small_campaign(&app, &key, "job-shape").await;
    let queued = start(&app, &key, &id, None).await;
    let job_id = queued["id"].as_str().unwrap().to_owned();
    // Before a worker takes it: no worker yet, the budget known, nothing done.
    assert!(queued["worker_id"].is_null(), "{queued}");
    assert_eq!(
        queued["progress"],
        json!({"iteration": 0, "total_iterations": 0, "evaluations_completed": 0, "budget": BUDGET})
    );
    assert_eq!(queued["phase"], "queued");

    app.services
        .run_campaign_job(&typed_job_id(&job_id), TEST_WORKER, Some(1))
        .await
        .unwrap();
    let list = app.get_as(&key, "/v1/jobs").await;
    assert_eq!(list.status, 200, "{}", list.text());
    let item = list.json()["data"][0].clone();
    assert_eq!(item["id"], job_id.as_str());
    assert_eq!(item["campaign_id"], id.as_str());
    assert_eq!(item["worker_id"], TEST_WORKER);
    assert_eq!(
        item["progress"],
        json!({"iteration": 1, "total_iterations": 3, "evaluations_completed": 8, "budget": BUDGET}),
        "{item}"
    );
    for moved in ["iteration", "total_iterations"] {
        assert!(
            item.get(moved).is_none(),
            "{moved} lives in progress: {item}"
        );
    }

    let detail = app.get_as(&key, &format!("/v1/jobs/{job_id}")).await.json()["data"].clone();
    assert_eq!(detail["worker_id"], TEST_WORKER);
    assert_eq!(detail["progress"]["evaluations_completed"], 8);
    assert_eq!(detail["progress"]["current_phase"], detail["phase"]);
    let phases = app.get("/v1/openapi.json").await.json()["components"]["schemas"]["JobPhase"]
        ["enum"]
        .clone();
    assert!(
        phases.as_array().unwrap().contains(&json!(detail["phase"])),
        "{phases}"
    );
}

#[tokio::test]
async fn job_log_level_is_a_minimum_and_debug_shows_each_proposed_candidate() {
    let app = TestApp::spawn_with_env(ENV).await;
    let key = app.connect("job-levels@example.com").await.api_key;
    let id = small_campaign(&app, &key, "job-levels").await;
    let job = start(&app, &key, &id, None).await;
    let job_id = job["id"].as_str().unwrap().to_owned();
    app.services
        .run_campaign_job(&typed_job_id(&job_id), TEST_WORKER, None)
        .await
        .unwrap();
    // A warning and an error, as a failing evaluation or a failed run would write them.
    let jobs = app.db.campaign_jobs();
    let typed = typed_job_id(&job_id);
    jobs.log(
        &typed,
        LogLevel::Warning,
        "[Iter 3/3] 1 evaluation failed",
        store::now_ms(),
    )
    .await
    .unwrap();
    jobs.log(
        &typed,
        LogLevel::Error,
        "the lab went offline",
        store::now_ms(),
    )
    .await
    .unwrap();

    let levels = |query: &'static str| {
        let app = &app;
        let key = key.clone();
        let job_id = job_id.clone();
        async move {
            let res = app
                .get_as(&key, &format!("/v1/jobs/{job_id}/logs?tail=1000{query}"))
                .await;
            assert_eq!(res.status, 200, "{}", res.text());
            res.json()["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    (
                        l["level"].as_str().unwrap().to_owned(),
                        l["message"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let warnings = levels("&level=warning").await;
    assert!(!warnings.is_empty());
    assert!(
        warnings.iter().all(|(l, _)| l == "warning" || l == "error"),
        "{warnings:?}"
    );
    assert!(warnings.iter().any(|(l, _)| l == "error"), "{warnings:?}");
    assert_eq!(levels("&level=error").await.len(), 1);

    let debug = levels("&level=debug").await;
    let proposed: Vec<&String> = debug
        .iter()
        .filter(|(l, _)| l == "debug")
        .map(|(_, m)| m)
        .collect();
    assert_eq!(
        proposed.len() as u64,
        BUDGET,
        "one line per candidate: {proposed:?}"
    );
    assert!(
        proposed[0].starts_with("[Iter 1/3] Proposed c1-1: "),
        "{}",
        proposed[0]
    );
    // Without a level (or with info) the log reads as before: no debug lines.
    let default = levels("").await;
    assert!(default.iter().all(|(l, _)| l != "debug"), "{default:?}");
    assert_eq!(default, levels("&level=info").await);
    assert_eq!(default.len() + proposed.len(), debug.len());
}
