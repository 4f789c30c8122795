//! Lab in the loop: a campaign whose evaluator is `external` proposes batches, waits holding
//! no worker, and continues when the lab posts results through the API.

use std::time::Duration;

use axum::http::Method;
use serde_json::{json, Value};

use domain::campaigns::{CampaignStatus, JobPhase, JobStatus};
use domain::ids::CampaignId;

use crate::helpers::{assert_hidden_from, typed_job_id, TestApp, TEST_WORKER};

const ENV: &[(&str, &str)] = &[("MATTERCRAFT_MAX_JSON_BYTES", "65536")];

/// `battery/nmc-cathode` measured by the "lab": 6 initial candidates, then batches of 3.
async fn lab_campaign(app: &TestApp, key: &str, name: &str, budget: u64) -> String {
    let res = app
        .call(
            key,
            Method::POST,
            "/v1/campaigns",
            Some(json!({
                "template_id": "battery/nmc-cathode",
                "name": name,
                "overrides": {
                    "evaluator": {"type": "external"},
                    "optimizer": {
                        "budget": budget, "batch_size": 3, "seed": 5,
                        "active_learning": {"initial_samples": 6, "convergence_threshold": 0},
                        "surrogate_config": {"epochs": 30}
                    }
                }
            })),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["data"]["id"].as_str().unwrap().to_owned()
}

async fn pending(app: &TestApp, key: &str, id: &str) -> Vec<Value> {
    let res = app
        .get_as(
            key,
            &format!("/v1/campaigns/{id}/candidates?status=pending"),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["data"].as_array().unwrap().clone()
}

/// What the lab measures: the battery simulator stands in for the instrument.
fn measure(mdl_doc: &mdl::Mdl, candidate: &Value) -> Value {
    let point: optimizer::encoding::Point = candidate["parameters"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let value = match v {
                Value::String(s) => optimizer::encoding::Value::Choice(s.clone()),
                other => optimizer::encoding::Value::Number(other.as_f64().unwrap()),
            };
            (k.clone(), value)
        })
        .collect();
    match optimizer::campaign::simulate(mdl_doc, &point) {
        optimizer::campaign::Outcome::Objectives(values) => json!({
            "candidate_id": candidate["candidate_id"],
            "objectives": values,
        }),
        optimizer::campaign::Outcome::Failed => {
            json!({"candidate_id": candidate["candidate_id"], "failed": true})
        }
    }
}

async fn post(app: &TestApp, key: &str, id: &str, body: Value) -> crate::helpers::TestResponse {
    app.call(
        key,
        Method::POST,
        &format!("/v1/campaigns/{id}/evaluations"),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_lab_campaign_waits_for_posted_results_and_runs_on_the_queue_to_completion() {
    let app = TestApp::spawn_with_env(ENV).await;
    let connected = app.connect("lab@example.com").await;
    let key = connected.api_key.clone();
    let id = lab_campaign(&app, &key, "lab-run", 12).await;
    let doc = app
        .get_as(&key, &format!("/v1/campaigns/{id}"))
        .await
        .json()["data"]["mdl"]
        .clone();
    let (doc, _) = mdl::from_value(&doc).unwrap();
    assert!(
        pending(&app, &key, &id).await.is_empty(),
        "nothing before start"
    );
    app.call(
        &key,
        Method::POST,
        &format!("/v1/campaigns/{id}/start"),
        None,
    )
    .await;

    let owner = connected.account();
    let campaign_id = CampaignId::parse(&id).unwrap();
    let mut batches = Vec::new();
    loop {
        // The job runs until it has proposed a batch, then gives its worker back.
        app.run_pending_tasks().await;
        let campaign = app.db.campaigns().get(&owner, &campaign_id).await.unwrap();
        if campaign.status != CampaignStatus::Running {
            break;
        }
        assert!(batches.len() < 10, "the campaign should have ended by now");
        let job = app
            .db
            .campaign_jobs()
            .latest_job(&owner, &campaign_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(job.phase, JobPhase::AwaitingEvaluations);
        let listed = pending(&app, &key, &id).await;
        assert!(!listed.is_empty(), "a waiting job has a batch pending");
        batches.push(listed.len());
        let results: Vec<Value> = listed.iter().map(|c| measure(&doc, c)).collect();
        // Post in two parts: the first leaves the batch open, the second completes it.
        let (first, rest) = results.split_at(1);
        let partial = post(&app, &key, &id, json!(first)).await;
        assert_eq!(partial.status, 200, "{}", partial.text());
        assert_eq!(partial.json()["data"]["accepted"], 1);
        assert_eq!(partial.json()["data"]["batch_complete"], false);
        let done = post(&app, &key, &id, json!(rest)).await;
        assert_eq!(done.status, 200, "{}", done.text());
        assert_eq!(done.json()["data"]["pending"], 0);
        assert_eq!(done.json()["data"]["batch_complete"], true);
    }

    assert_eq!(batches, [6, 3, 3], "the initial design, then two batches");
    let finished = app
        .get_as(&key, &format!("/v1/campaigns/{id}"))
        .await
        .json()["data"]
        .clone();
    assert_eq!(finished["status"], "completed", "{finished}");
    assert_eq!(finished["evaluations_completed"], 12);
    assert!(finished["hypervolume"].as_f64().unwrap() > 0.0);
    // Every result posted is recorded exactly as measured.
    let results = app
        .get_as(&key, &format!("/v1/campaigns/{id}/results"))
        .await
        .json()["data"]
        .clone();
    let rows = results["pareto_front"].as_array().unwrap();
    assert_eq!(rows.len(), 12);
    let evaluated = app
        .get_as(
            &key,
            &format!("/v1/campaigns/{id}/candidates?status=evaluated"),
        )
        .await
        .json()["data"]
        .clone();
    for c in evaluated.as_array().unwrap() {
        let row = rows
            .iter()
            .find(|r| r["id"] == c["candidate_id"])
            .expect("recorded");
        assert_eq!(row["objectives"], c["objectives"]);
        assert_eq!(row["parameters"], c["parameters"]);
    }
    let jobs = app.db.campaign_jobs();
    let logs = jobs
        .logs(
            &owner,
            &jobs
                .latest_job(&owner, &campaign_id)
                .await
                .unwrap()
                .unwrap()
                .id,
            100,
        )
        .await
        .unwrap();
    assert!(
        logs.iter()
            .any(|l| l.message == "[Iter 1/3] Waiting for lab results for 6 candidates"),
        "{logs:?}"
    );
}

#[tokio::test]
async fn posted_results_are_checked_and_nothing_is_recorded_when_one_is_wrong() {
    let app = TestApp::spawn_with_env(ENV).await;
    let key = app.connect("lab-bad@example.com").await.api_key;
    let id = lab_campaign(&app, &key, "lab-bad", 12).await;
    // Before the campaign proposes anything, there is nothing to post.
    post(
        &app,
        &key,
        &id,
        json!([{"candidate_id": "c1-1", "failed": true}]),
    )
    .await
    .assert_error(409, "campaign_not_awaiting_evaluations");
    let job = app.start_campaign(&key, &id).await;
    app.services
        .run_campaign_job(&typed_job_id(&job), TEST_WORKER, None)
        .await
        .unwrap();
    let batch = pending(&app, &key, &id).await;
    assert_eq!(batch.len(), 6);
    let first = batch[0]["candidate_id"].as_str().unwrap();
    let second = batch[1]["candidate_id"].as_str().unwrap();
    let bad = post(
        &app,
        &key,
        &id,
        json!([
            {"candidate_id": first, "objectives": {"specific_capacity": 180, "capacity_retention": 90}},
            {"candidate_id": second, "objectives": {"specific_capacty": 1, "capacity_retention": 2,
                                                   "cobalt_cost": "cheap"}},
            {"candidate_id": "c9-9", "failed": true},
            {"candidate_id": first, "failed": true, "objectives": {}}
        ]),
    )
    .await;
    bad.assert_error(400, "invalid_request");
    let paths = bad.detail_paths();
    for expected in [
        "[0].objectives.cobalt_cost",
        "[1].objectives.specific_capacty",
        "[1].objectives.specific_capacity",
        "[1].objectives.cobalt_cost",
        "[2].candidate_id",
        "[3].candidate_id",
        "[3].failed",
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "{expected} in {paths:?}"
        );
    }
    let hint = bad.json()["details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"] == "[1].objectives.specific_capacty")
        .unwrap()["message"]
        .clone();
    assert!(
        hint.as_str()
            .unwrap()
            .contains("Did you mean 'specific_capacity'?"),
        "{hint}"
    );
    assert_eq!(
        pending(&app, &key, &id).await.len(),
        6,
        "nothing was recorded"
    );
    for body in [
        json!([]),
        json!({"candidate_id": first}),
        json!([{"candidate_id": 7}]),
    ] {
        let res = post(&app, &key, &id, body).await;
        assert_eq!(res.status, 400, "{}", res.text());
    }
    app.get_as(&key, &format!("/v1/campaigns/{id}/candidates?status=done"))
        .await
        .assert_error(400, "invalid_request");

    // A failed measurement is recorded as failed, and cannot be posted twice.
    let ok = post(
        &app,
        &key,
        &id,
        json!([{"candidate_id": first, "failed": true}]),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.json()["data"]["pending"], 5);
    let again = post(
        &app,
        &key,
        &id,
        json!([{"candidate_id": first, "failed": true}]),
    )
    .await;
    again.assert_error(400, "invalid_request");
    assert_eq!(again.detail_paths(), ["[0].candidate_id"]);

    // A simulator campaign takes no posted results.
    let sim = app
        .call(
            &key,
            Method::POST,
            "/v1/campaigns",
            Some(json!({"template_id": "battery/nmc-cathode", "name": "sim"})),
        )
        .await
        .json()["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    post(
        &app,
        &key,
        &sim,
        json!([{"candidate_id": "c1-1", "failed": true}]),
    )
    .await
    .assert_error(409, "campaign_not_awaiting_evaluations");
}

#[tokio::test]
async fn a_waiting_lab_campaign_stops_at_once_and_keeps_what_was_measured() {
    let app = TestApp::spawn_with_env(ENV).await;
    let connected = app.connect("lab-stop@example.com").await;
    let key = connected.api_key.clone();
    let id = lab_campaign(&app, &key, "lab-stop", 12).await;
    let doc = app
        .get_as(&key, &format!("/v1/campaigns/{id}"))
        .await
        .json()["data"]["mdl"]
        .clone();
    let (doc, _) = mdl::from_value(&doc).unwrap();
    let job = app.start_campaign(&key, &id).await;
    app.services
        .run_campaign_job(&typed_job_id(&job), TEST_WORKER, None)
        .await
        .unwrap();
    let batch = pending(&app, &key, &id).await;
    let results: Vec<Value> = batch.iter().map(|c| measure(&doc, c)).collect();
    let done = post(&app, &key, &id, json!(results)).await;
    assert_eq!(done.json()["data"]["batch_complete"], true);
    // The woken job runs (as the queue would), records iteration 1 and waits again.
    app.services
        .run_campaign_job(&typed_job_id(&job), TEST_WORKER, None)
        .await
        .unwrap();
    assert_eq!(pending(&app, &key, &id).await.len(), 3);
    // A run without anything new to act on leaves it waiting.
    app.services
        .run_campaign_job(&typed_job_id(&job), TEST_WORKER, None)
        .await
        .unwrap();
    let owner = connected.account();
    let waiting = app
        .db
        .campaign_jobs()
        .job(&owner, &typed_job_id(&job))
        .await
        .unwrap();
    assert_eq!(waiting.phase, JobPhase::AwaitingEvaluations);
    assert_eq!(waiting.status, JobStatus::Running);

    let stop = app
        .call(
            &key,
            Method::POST,
            &format!("/v1/campaigns/{id}/stop"),
            None,
        )
        .await;
    assert_eq!(stop.status, 202, "{}", stop.text());
    // The stop woke the job: its next run ends it.
    app.services
        .run_campaign_job(&typed_job_id(&job), TEST_WORKER, None)
        .await
        .unwrap();
    let stopped = app
        .get_as(&key, &format!("/v1/campaigns/{id}"))
        .await
        .json()["data"]
        .clone();
    assert_eq!(stopped["status"], "cancelled", "{stopped}");
    assert_eq!(
        stopped["evaluations_completed"], 6,
        "the measured batch is kept"
    );
    post(
        &app,
        &key,
        &id,
        json!([{"candidate_id": "c2-1", "failed": true}]),
    )
    .await
    .assert_error(409, "campaign_not_awaiting_evaluations");
}

#[tokio::test]
async fn a_lab_campaign_still_waiting_at_its_timeout_fails_when_woken() {
    let app = TestApp::spawn_with_env(ENV).await;
    let connected = app.connect("lab-late@example.com").await;
    let key = connected.api_key.clone();
    let id = lab_campaign(&app, &key, "lab-late", 12).await;
    // Two seconds (the first batch is proposed well within them).
    let job = app
        .call(
            &key,
            Method::POST,
            &format!("/v1/campaigns/{id}/start"),
            Some(json!({"timeout_hours": 2.0 / 3600.0})),
        )
        .await
        .json()["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.services
        .run_campaign_job(&typed_job_id(&job), TEST_WORKER, None)
        .await
        .unwrap();
    assert_eq!(pending(&app, &key, &id).await.len(), 6);
    let owner = connected.account();
    let waiting = app
        .db
        .campaign_jobs()
        .job(&owner, &typed_job_id(&job))
        .await
        .unwrap();
    assert_eq!(waiting.phase, JobPhase::AwaitingEvaluations);
    // The wake-up the job queued for its timeout runs after it: the job fails then.
    tokio::time::sleep(Duration::from_millis(
        u64::try_from(waiting.timeout_at - store::now_ms()).unwrap_or(0) + 50,
    ))
    .await;
    app.services
        .run_campaign_job(&typed_job_id(&job), TEST_WORKER, None)
        .await
        .unwrap();
    let late = app
        .get_as(&key, &format!("/v1/campaigns/{id}"))
        .await
        .json()["data"]
        .clone();
    assert_eq!(late["status"], "failed", "{late}");
    let failed = app
        .db
        .campaign_jobs()
        .job(&owner, &typed_job_id(&job))
        .await
        .unwrap();
    assert_eq!(
        failed.error.as_deref(),
        Some("the job ran past its timeout")
    );
}

#[tokio::test]
async fn another_account_cannot_see_or_answer_a_labs_candidates() {
    let app = TestApp::spawn_with_env(ENV).await;
    let owner = app.connect("lab-owner@example.com").await.api_key;
    let other = app.connect("lab-other@example.com").await.api_key;
    let id = lab_campaign(&app, &owner, "lab-private", 12).await;
    let job = app.start_campaign(&owner, &id).await;
    app.services
        .run_campaign_job(&typed_job_id(&job), TEST_WORKER, None)
        .await
        .unwrap();
    assert_hidden_from(
        &app,
        &other,
        &[
            (
                Method::GET,
                format!("/v1/campaigns/{id}/candidates?status=pending"),
                None,
            ),
            (
                Method::POST,
                format!("/v1/campaigns/{id}/evaluations"),
                Some(json!([{"candidate_id": "c1-1", "failed": true}])),
            ),
        ],
    )
    .await;
    assert_eq!(pending(&app, &owner, &id).await.len(), 6, "untouched");
}
