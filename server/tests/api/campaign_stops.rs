//! Stopping a campaign in the middle of an iteration (review H4): stop, cancel, the timeout and
//! an abandoned run all end the engine's work within seconds, however long the surrogate would
//! train; what was recorded stays. And a campaign too large for the memory budget is refused
//! when it is created.

use std::time::{Duration, Instant};

use axum::http::Method;
use serde_json::{json, Value};
use tokio::task::JoinHandle;

use crate::helpers::{typed_job_id, TestApp, TEST_WORKER};

const ENV: &[(&str, &str)] = &[("MATTERCRAFT_MAX_JSON_BYTES", "65536")];

/// How long after a stop the run may take to end: one watch interval (1 s), a mini-batch, and
/// the database writes that record the end, with room for a machine whose two cores are shared
/// by these tests' training threads (about 1–2 s alone, up to 6 s with all of them at once).
/// Without cancellation the surrogate would train for many minutes.
const PROMPTLY: Duration = Duration::from_secs(10);

/// An initial design of 8 points (quick), then a surrogate as wide and as patient as MDL
/// allows: training it would take many minutes.
async fn slow_campaign(app: &TestApp, key: &str, name: &str) -> String {
    let res = app
        .call(
            key,
            Method::POST,
            "/v1/campaigns",
            Some(json!({
                "template_id": "battery/nmc-cathode",
                "name": name,
                "overrides": {"optimizer": {
                    "budget": 16, "batch_size": 4, "seed": 11,
                    "active_learning": {"initial_samples": 8, "convergence_threshold": 0},
                    "surrogate_config": {
                        "hidden_layers": [512, 512, 512, 512],
                        "epochs": 10000, "early_stopping_patience": 10000
                    }
                }}
            })),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["data"]["id"].as_str().unwrap().to_owned()
}

/// Starts the campaign and runs its job on a task of its own, as a worker would.
async fn run_in_background(
    app: &TestApp,
    key: &str,
    id: &str,
    start: Option<Value>,
) -> (String, JoinHandle<Result<(), services::ServiceError>>) {
    let res = app
        .call(
            key,
            Method::POST,
            &format!("/v1/campaigns/{id}/start"),
            start,
        )
        .await;
    assert_eq!(res.status, 202, "{}", res.text());
    let job_id = res.json()["data"]["id"].as_str().unwrap().to_owned();
    let services = app.services.clone();
    let job = typed_job_id(&job_id);
    let run = tokio::spawn(async move { services.run_campaign_job(&job, TEST_WORKER, None).await });
    (job_id, run)
}

/// Waits until the job trains its surrogate: phase `acquiring` and training threads at work.
async fn wait_until_training(app: &TestApp, key: &str, job_id: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let job = app.get_as(key, &format!("/v1/jobs/{job_id}")).await.json();
        if job["data"]["phase"] == "acquiring" && training_threads() > 0 {
            return;
        }
        assert!(Instant::now() < deadline, "never started training: {job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Threads of this process training surrogate members.
fn training_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim() == optimizer::surrogate::TRAINING_THREAD)
        .count()
}

/// Waits for the run to end after a stop at `stopped`; panics when it takes longer than
/// [`PROMPTLY`].
async fn ended_promptly(run: JoinHandle<Result<(), services::ServiceError>>, stopped: Instant) {
    tokio::time::timeout(PROMPTLY * 4, run)
        .await
        .expect("the run ends")
        .unwrap()
        .unwrap();
    let took = stopped.elapsed();
    println!("the run ended {took:?} after the stop");
    assert!(took < PROMPTLY, "the run took {took:?} to stop");
    no_training_left().await;
}

/// Waits (briefly: a finished thread takes a moment to leave `/proc`) until no training thread
/// is left.
async fn no_training_left() {
    let since = Instant::now();
    while training_threads() > 0 {
        assert!(
            since.elapsed() < PROMPTLY,
            "training goes on after its run ended"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn campaign(app: &TestApp, key: &str, id: &str) -> Value {
    app.get_as(key, &format!("/v1/campaigns/{id}")).await.json()["data"].clone()
}

async fn log_messages(app: &TestApp, key: &str, job_id: &str) -> Vec<String> {
    app.get_as(key, &format!("/v1/jobs/{job_id}/logs"))
        .await
        .json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["message"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_stop_during_a_long_training_ends_the_campaign_within_seconds_with_results_kept() {
    let app = TestApp::spawn_with_env(ENV).await;
    let key = app.connect("stop-mid@example.com").await.api_key;
    let id = slow_campaign(&app, &key, "stop-mid").await;
    let (job_id, run) = run_in_background(&app, &key, &id, None).await;
    wait_until_training(&app, &key, &job_id).await;

    let stop = app
        .call(
            &key,
            Method::POST,
            &format!("/v1/campaigns/{id}/stop"),
            None,
        )
        .await;
    assert_eq!(stop.status, 202, "{}", stop.text());
    ended_promptly(run, Instant::now()).await;

    let c = campaign(&app, &key, &id).await;
    assert_eq!(c["status"], "cancelled", "{c}");
    assert_eq!(
        c["evaluations_completed"], 8,
        "the initial design is kept; the interrupted iteration recorded nothing"
    );
    let results = app
        .get_as(&key, &format!("/v1/campaigns/{id}/results"))
        .await
        .json();
    assert_eq!(results["data"]["pareto_front"].as_array().unwrap().len(), 8);
    assert!(log_messages(&app, &key, &job_id)
        .await
        .iter()
        .any(|m| m == "Stopped by request; results kept"));
}

#[tokio::test]
async fn cancelling_a_job_mid_iteration_frees_its_worker_within_seconds() {
    let app = TestApp::spawn_with_env(ENV).await;
    let key = app.connect("cancel-mid@example.com").await.api_key;
    let id = slow_campaign(&app, &key, "cancel-mid").await;
    let (job_id, run) = run_in_background(&app, &key, &id, None).await;
    wait_until_training(&app, &key, &job_id).await;

    let cancel = app
        .call(
            &key,
            Method::POST,
            &format!("/v1/jobs/{job_id}/cancel"),
            None,
        )
        .await;
    assert_eq!(cancel.status, 202, "{}", cancel.text());
    ended_promptly(run, Instant::now()).await;

    let job = app.get_as(&key, &format!("/v1/jobs/{job_id}")).await.json();
    assert_eq!(job["data"]["status"], "cancelled", "{job}");
    assert_eq!(campaign(&app, &key, &id).await["status"], "cancelled");
}

#[tokio::test]
async fn a_timeout_reached_mid_iteration_fails_the_job_within_seconds() {
    let app = TestApp::spawn_with_env(ENV).await;
    let key = app.connect("timeout-mid@example.com").await.api_key;
    let id = slow_campaign(&app, &key, "timeout-mid").await;
    // Four seconds: enough for the initial design, then the surrogate outlasts it.
    let hours = 4.0 / 3600.0;
    let started = Instant::now();
    let (job_id, run) =
        run_in_background(&app, &key, &id, Some(json!({"timeout_hours": hours}))).await;
    wait_until_training(&app, &key, &job_id).await;
    let timeout_at = started + Duration::from_secs(4);
    ended_promptly(run, timeout_at).await;

    let c = campaign(&app, &key, &id).await;
    assert_eq!(c["status"], "failed", "{c}");
    assert_eq!(c["evaluations_completed"], 8);
    let job = app.get_as(&key, &format!("/v1/jobs/{job_id}")).await.json();
    assert_eq!(
        job["data"]["error"], "the job ran past its timeout",
        "{job}"
    );
}

#[tokio::test]
async fn an_abandoned_run_stops_training_instead_of_holding_a_thread() {
    let app = TestApp::spawn_with_env(ENV).await;
    let key = app.connect("abandoned@example.com").await.api_key;
    let id = slow_campaign(&app, &key, "abandoned").await;
    let (job_id, run) = run_in_background(&app, &key, &id, None).await;
    wait_until_training(&app, &key, &job_id).await;

    // What the task runner does when the lease is lost or shutdown stops waiting: the run's
    // future is dropped.
    run.abort();
    assert!(run.await.unwrap_err().is_cancelled());
    no_training_left().await;
}

#[tokio::test]
async fn a_campaign_over_the_memory_budget_is_refused_with_its_estimate() {
    let env = &[
        ("MATTERCRAFT_MAX_JSON_BYTES", "65536"),
        ("MATTERCRAFT_CAMPAIGN_MEMORY_MIB", "64"),
    ];
    let app = TestApp::spawn_with_env(env).await;
    let key = app.connect("memory@example.com").await.api_key;
    let res = app
        .call(
            &key,
            Method::POST,
            "/v1/campaigns",
            Some(json!({
                "template_id": "battery/nmc-cathode",
                "name": "too-wide",
                "overrides": {"optimizer": {"surrogate_config": {
                    "hidden_layers": [512, 512, 512, 512]
                }}}
            })),
        )
        .await;
    let body = res.assert_error(422, "validation_failed");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("may need up to") && message.contains("the limit is 64 MiB"),
        "{message}"
    );
    assert_eq!(
        res.detail_paths(),
        ["optimizer.surrogate_config.hidden_layers"]
    );
    assert_eq!(app.count("campaigns").await, 0, "nothing was stored");

    // The default budget (1 GiB) holds the widest surrogate MDL allows.
    let roomy = TestApp::spawn_with_env(ENV).await;
    let key = roomy.connect("roomy@example.com").await.api_key;
    slow_campaign(&roomy, &key, "widest").await;
}

/// A CSV upload as `/v1/datasets` takes it.
async fn upload_csv(app: &TestApp, key: &str, csv: &str) -> String {
    let boundary = "mc-stops-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"rows.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    );
    let res = app
        .request(
            axum::http::Request::post("/v1/datasets")
                .header("authorization", format!("Bearer {key}"))
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(axum::body::Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["data"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_four_objective_warm_start_of_more_than_20000_rows_is_refused_naming_the_limit() {
    let app = TestApp::spawn_with_env(ENV).await;
    let key = app.connect("front-rows@example.com").await.api_key;
    // 20 001 rows on a simplex: none dominates another, the worst case for the front.
    let n = 20_001;
    let mut csv = String::from("x,y,f1,f2,f3,f4\n");
    for i in 0..n {
        let (a, b) = ((i % 150) as f64 / 150.0, (i / 150) as f64 / 150.0);
        csv.push_str(&format!("{a},{b},{a},{b},{},{}\n", 1.0 - a, 1.0 - b));
    }
    let dataset = upload_csv(&app, &key, &csv).await;
    let objectives: Vec<Value> = (1..=4)
        .map(|k| json!({"name": format!("f{k}"), "direction": "minimize"}))
        .collect();
    let res = app
        .call(
            &key,
            Method::POST,
            "/v1/campaigns",
            Some(json!({
                "dataset_id": dataset,
                "mdl": {
                    "name": "four-objectives",
                    "domain": "lab",
                    "evaluator": {"type": "external"},
                    "parameters": [
                        {"name": "x", "type": "continuous", "bounds": [0, 1]},
                        {"name": "y", "type": "continuous", "bounds": [0, 1]}
                    ],
                    "objectives": objectives,
                    "optimizer": {"budget": 20}
                }
            })),
        )
        .await;
    let body = res.assert_error(422, "validation_failed");
    assert_eq!(
        body["message"],
        "With 4 objectives a warm start may bring at most 20 000 usable rows; this dataset has \
         20001."
    );
    assert_eq!(res.detail_paths(), ["dataset_id"]);
    assert_eq!(app.count("campaigns").await, 0);
}
