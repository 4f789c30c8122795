//! Running campaigns: start and stop, the job that optimises a campaign, and its results.
//!
//! The job persists every iteration (evaluations, summary, progress) in one transaction before
//! the next begins. A job that runs again after a crash replays the recorded iterations through
//! the deterministic engine (checking that it proposes exactly the recorded candidates, and
//! feeding it the recorded results, so no evaluation is repeated) and carries on from there.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use domain::auth::Scope;
use domain::campaigns::{
    CampaignResults, CampaignStatus, CandidateView, ConvergencePoint, EvaluationInput,
    EvaluationsAccepted, JobCounts, JobDetail, JobFields, JobLogLine, JobPhase, JobProgress,
    JobTiming, JobView, LogLevel, ResultRow,
};
use domain::error::ErrorDetail;
use domain::listing::{Direction, ListParams};
use domain::time::rfc3339_from_millis;
use optimizer::campaign::{Campaign as Engine, Candidate, LogLine, Outcome, Status};
use optimizer::encoding::{Point, Value as ParamValue};
use serde_json::{json, Map, Value};
use store::campaign_runs::{
    CampaignJob, PostedResult, Progress, StoredCandidate, StoredEvaluation, StoredIteration,
};
use store::{now_ms, AccountId};

use crate::{Caller, ServiceError, Services};

/// The job type the runner dispatches to [`Services::run_campaign_job`].
pub const CAMPAIGN_JOB: &str = "campaign";

/// Timeout when `start` names none.
pub const DEFAULT_TIMEOUT_HOURS: f64 = 24.0;

impl Services {
    /// `POST /v1/campaigns/{id}/start`: queues a job for a `created` campaign.
    pub async fn start_campaign(
        &self,
        caller: &Caller,
        id: &str,
        timeout_hours: Option<f64>,
    ) -> Result<JobView, ServiceError> {
        caller.require(Scope::CampaignsWrite)?;
        let campaign = self.db.campaigns().get(caller.account(), id).await?;
        let hours = timeout_hours.unwrap_or(DEFAULT_TIMEOUT_HOURS);
        if !(hours > 0.0 && hours <= 24.0 * 30.0) {
            return Err(ServiceError::invalid(
                domain::error::ErrorDetail::new(
                    "timeout_hours",
                    "must be more than 0 and at most 720",
                )
                .with_value(hours),
            ));
        }
        let now = now_ms();
        let timeout_at = now + (hours * 3_600_000.0) as i64;
        let job = self
            .db
            .campaign_runs()
            .start(caller.account(), id, timeout_at, now)
            .await?
            .ok_or_else(|| ServiceError::InvalidState {
                code: "campaign_not_startable",
                message: format!(
                    "Only a campaign in status 'created' can start; this one is '{}'.",
                    campaign.status
                ),
            })?;
        self.db
            .jobs()
            .enqueue(
                store::jobs::NewJob::new(CAMPAIGN_JOB, serde_json::json!({"job_id": job.id})),
                now,
            )
            .await?;
        Ok(job_view(&job, counts(&job, &campaign)))
    }

    /// `POST /v1/campaigns/{id}/stop`: the running job stops after its current iteration and
    /// keeps its results; the campaign ends `cancelled`.
    pub async fn stop_campaign(&self, caller: &Caller, id: &str) -> Result<JobView, ServiceError> {
        caller.require(Scope::CampaignsWrite)?;
        let campaign = self.db.campaigns().get(caller.account(), id).await?;
        let runs = self.db.campaign_runs();
        if campaign.status != CampaignStatus::Running.as_str()
            || !runs.request_cancel(caller.account(), id, now_ms()).await?
        {
            return Err(ServiceError::InvalidState {
                code: "campaign_not_stoppable",
                message: format!(
                    "Only a running campaign can stop; this one is '{}'.",
                    campaign.status
                ),
            });
        }
        let job = runs
            .latest_job(caller.account(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        self.wake_waiting_job(&job.id).await?;
        Ok(job_view(&job, counts(&job, &campaign)))
    }

    /// A job waiting for lab results holds no worker; when something it waits for changes
    /// (the batch is complete, a stop was asked) exactly one caller queues its next run.
    async fn wake_waiting_job(&self, job_id: &str) -> Result<bool, ServiceError> {
        let now = now_ms();
        if !self.db.campaign_runs().wake(job_id, now).await? {
            return Ok(false);
        }
        self.db
            .jobs()
            .enqueue(
                store::jobs::NewJob::new(CAMPAIGN_JOB, json!({"job_id": job_id})),
                now,
            )
            .await?;
        Ok(true)
    }

    /// `GET /v1/campaigns/{id}/candidates`: the candidates a lab-in-the-loop campaign has
    /// proposed, optionally only `pending` or `evaluated` ones.
    pub async fn campaign_candidates(
        &self,
        caller: &Caller,
        id: &str,
        status: Option<&str>,
    ) -> Result<Vec<CandidateView>, ServiceError> {
        caller.require(Scope::CampaignsRead)?;
        if let Some(status) = status {
            if !["pending", "evaluated"].contains(&status) {
                return Err(ServiceError::invalid(
                    ErrorDetail::new("status", "must be pending or evaluated").with_value(status),
                ));
            }
        }
        let campaign = self.db.campaigns().get(caller.account(), id).await?;
        let document = stored_mdl(&campaign)?;
        let names: Vec<String> = document.objectives.iter().map(|o| o.name.clone()).collect();
        Ok(self
            .db
            .campaign_runs()
            .candidates(id, status, None)
            .await?
            .into_iter()
            .map(|c| CandidateView {
                candidate_id: c.candidate_id,
                iteration: u32::try_from(c.iteration).unwrap_or_default(),
                parameters: c.parameters,
                status: c.status,
                objectives: c.objectives.as_ref().map(|o| named(&names, o)),
                failed: c.failed,
            })
            .collect())
    }

    /// `POST /v1/campaigns/{id}/evaluations`: results measured in the lab for pending
    /// candidates, all or nothing. When they complete the batch, the campaign continues.
    pub async fn post_evaluations(
        &self,
        caller: &Caller,
        id: &str,
        items: Vec<EvaluationInput>,
    ) -> Result<EvaluationsAccepted, ServiceError> {
        caller.require(Scope::CampaignsWrite)?;
        let campaign = self.db.campaigns().get(caller.account(), id).await?;
        let document = stored_mdl(&campaign)?;
        if document.evaluator != mdl::Evaluator::External {
            return Err(ServiceError::InvalidState {
                code: "campaign_not_awaiting_evaluations",
                message: "Only a lab-in-the-loop campaign (evaluator 'external') takes posted \
                          results; this one is evaluated by the server."
                    .into(),
            });
        }
        let runs = self.db.campaign_runs();
        let pending: std::collections::HashSet<String> = runs
            .candidates(id, Some("pending"), None)
            .await?
            .into_iter()
            .map(|c| c.candidate_id)
            .collect();
        // A stopped or finished campaign's last batch stays listed, but takes no results.
        if pending.is_empty() || campaign.status != CampaignStatus::Running.as_str() {
            return Err(ServiceError::InvalidState {
                code: "campaign_not_awaiting_evaluations",
                message: format!(
                    "No candidates are waiting for results; the campaign is '{}'.",
                    campaign.status
                ),
            });
        }
        let results = lab_results(&document, &items, &pending)?;
        let left = runs
            .post_results(id, &results, now_ms())
            .await
            .map_err(|e| match e {
                store::StoreError::NotFound => ServiceError::Conflict(
                    "Some of these candidates were evaluated by another request meanwhile; \
                     nothing was recorded."
                        .into(),
                ),
                other => other.into(),
            })?;
        let mut batch_complete = false;
        if left == 0 {
            if let Some(job) = runs.latest_job(caller.account(), id).await? {
                batch_complete = self.wake_waiting_job(&job.id).await?;
            }
        }
        Ok(EvaluationsAccepted {
            accepted: results.len() as u32,
            pending: u32::try_from(left).unwrap_or(u32::MAX),
            batch_complete,
        })
    }

    /// `GET /v1/campaigns/{id}/results`: every evaluation (or only the Pareto front), the
    /// hypervolume and the convergence history.
    pub async fn campaign_results(
        &self,
        caller: &Caller,
        id: &str,
        pareto_only: bool,
    ) -> Result<CampaignResults, ServiceError> {
        caller.require(Scope::CampaignsRead)?;
        let campaign = self.db.campaigns().get(caller.account(), id).await?;
        let document = stored_mdl(&campaign)?;
        let runs = self.db.campaign_runs();
        let evaluations = runs.evaluations(id).await?;
        let names: Vec<String> = document.objectives.iter().map(|o| o.name.clone()).collect();
        let signs: Vec<f64> = document
            .objectives
            .iter()
            .map(|o| {
                if o.direction == mdl::Direction::Maximize {
                    -1.0
                } else {
                    1.0
                }
            })
            .collect();
        // The front: feasible, successful evaluations that no other one dominates.
        let usable: Vec<(usize, Vec<f64>)> = evaluations
            .iter()
            .enumerate()
            .filter(|(_, e)| e.feasible)
            .filter_map(|(i, e)| {
                e.objectives
                    .as_ref()
                    .map(|o| (i, o.iter().zip(&signs).map(|(v, s)| v * s).collect()))
            })
            .collect();
        let points: Vec<Vec<f64>> = usable.iter().map(|(_, p)| p.clone()).collect();
        let front: std::collections::HashSet<usize> = optimizer::pareto::non_dominated(&points)
            .into_iter()
            .map(|k| usable[k].0)
            .collect();
        let rows = evaluations
            .iter()
            .enumerate()
            .filter(|(i, _)| !pareto_only || front.contains(i))
            .map(|(i, e)| ResultRow {
                id: e.candidate_id.clone(),
                parameters: e.parameters.clone(),
                objectives: e.objectives.as_ref().map(|o| named(&names, o)),
                iteration: u32::try_from(e.iteration).unwrap_or_default(),
                feasible: e.feasible,
                is_pareto: front.contains(&i),
            })
            .collect();
        let history = runs
            .iterations(id)
            .await?
            .into_iter()
            .map(|it| ConvergencePoint {
                iteration: u32::try_from(it.iteration).unwrap_or_default(),
                evaluations_completed: u32::try_from(it.evaluations_completed).unwrap_or_default(),
                hypervolume: it.hypervolume,
                pareto_size: u32::try_from(it.pareto_size).unwrap_or_default(),
                surrogate_loss: it.surrogate_loss,
            })
            .collect();
        Ok(CampaignResults {
            campaign_id: campaign.id,
            status: CampaignStatus::parse(&campaign.status).unwrap_or(CampaignStatus::Failed),
            objectives: names,
            hypervolume: campaign.hypervolume,
            pareto_front: rows,
            convergence_history: history,
        })
    }

    /// Runs (or resumes) the campaign job `job_id` to its end on the worker `worker_id` (shown
    /// as the job's `worker_id`). `crash_after` stops it after that iteration as if the
    /// process died there (tests of recovery use it).
    pub async fn run_campaign_job(
        &self,
        job_id: &str,
        worker_id: &str,
        crash_after: Option<u32>,
    ) -> Result<(), ServiceError> {
        let runs = self.db.campaign_runs();
        let job = runs.job_for_worker(job_id).await?;
        if matches!(job.status.as_str(), "completed" | "failed" | "cancelled") {
            return Ok(());
        }
        // A job waiting for lab results only runs again once woken (batch complete, stop),
        // or here, past its timeout, to fail.
        if job.phase == JobPhase::AwaitingEvaluations.as_str()
            && (now_ms() <= job.timeout_at || !runs.wake(&job.id, now_ms()).await?)
        {
            return Ok(());
        }
        let owner = AccountId::new(job.account_id.clone());
        let campaign = self.db.campaigns().get(&owner, &job.campaign_id).await?;
        let document = match stored_mdl(&campaign) {
            Ok(document) => document,
            Err(err) => {
                runs.finish(
                    &job,
                    "failed",
                    "failed",
                    Some("the stored MDL is invalid"),
                    now_ms(),
                )
                .await?;
                return Err(err);
            }
        };
        let lines: Arc<Mutex<Vec<LogLine>>> = Arc::default();
        let sink = Arc::clone(&lines);
        let mut engine = Engine::new(document.clone());
        // A pool-based campaign chooses among its dataset's usable rows.
        let mut pool: Vec<Outcome> = Vec::new();
        if let mdl::Evaluator::Dataset { dataset_id } = &document.evaluator {
            let rows = match self
                .dataset_rows_for(&owner, dataset_id, &document, "evaluator.dataset_id")
                .await
            {
                Ok((rows, _)) => rows,
                Err(e) => {
                    let why = format!("its dataset {dataset_id} cannot be used: {e}");
                    self.log(&job, "error", &why).await?;
                    runs.finish(&job, "failed", "failed", Some(&why), now_ms())
                        .await?;
                    self.announce_end(&job, "failed", Some(&why), &engine);
                    return Ok(());
                }
            };
            let (points, outcomes): (Vec<Point>, Vec<Outcome>) = rows.into_iter().unzip();
            pool = outcomes;
            engine = engine
                .with_pool(points)
                .map_err(|e| ServiceError::Internal(e.into()))?;
        }
        let recorded = runs.evaluations(&campaign.id).await?;
        // Prior data (a warm start) recorded when the campaign was created.
        let prior: Vec<(Point, Outcome)> = recorded
            .iter()
            .filter(|e| e.iteration == 0)
            .map(|e| prior_row(&document, e))
            .collect();
        if !prior.is_empty() {
            engine
                .warm_start(prior)
                .map_err(|e| ServiceError::Internal(e.into()))?;
        }
        runs.mark_running(
            &job.id,
            worker_id,
            i64::from(engine.total_iterations()),
            now_ms(),
        )
        .await?;

        // Replay what earlier runs recorded.
        let done_iterations = recorded.iter().map(|e| e.iteration).max().unwrap_or(0);
        if done_iterations > 0 {
            runs.set_phase(&job.id, JobPhase::Resuming.as_str(), now_ms())
                .await?;
            let (e, result) = tokio::task::spawn_blocking(move || {
                let result = replay(&mut engine, &recorded, done_iterations);
                (engine, result)
            })
            .await
            .map_err(|e| ServiceError::Internal(e.into()))?;
            engine = e;
            if let Err(why) = result {
                runs.finish(&job, "failed", "failed", Some(&why), now_ms())
                    .await?;
                return Err(ServiceError::Internal(anyhow::anyhow!(why)));
            }
            self.log(
                &job,
                "info",
                &format!("Resumed after iteration {done_iterations}"),
            )
            .await?;
        }
        engine = engine.with_observer(move |line| {
            if let Ok(mut lines) = sink.lock() {
                lines.push(line.clone());
            }
        });

        let names: Vec<String> = document.objectives.iter().map(|o| o.name.clone()).collect();
        loop {
            if engine.status() != Status::Running {
                break;
            }
            let current = runs.job_for_worker(&job.id).await?;
            if current.cancel_requested {
                self.log(&job, "info", "Stopped by request; results kept")
                    .await?;
                runs.finish(&job, "cancelled", "cancelled", None, now_ms())
                    .await?;
                self.announce_end(&job, "cancelled", None, &engine);
                return Ok(());
            }
            if now_ms() > current.timeout_at {
                let why = "the job ran past its timeout";
                self.log(&job, "error", why).await?;
                runs.finish(&job, "failed", "failed", Some(why), now_ms())
                    .await?;
                self.announce_end(&job, "failed", Some(why), &engine);
                return Ok(());
            }
            let phase = if engine.iteration() == 0 {
                JobPhase::InitialDesign
            } else {
                JobPhase::Acquiring
            };
            runs.set_phase(&job.id, phase.as_str(), now_ms()).await?;
            let (e, batch) = tokio::task::spawn_blocking(move || {
                let batch = engine.ask();
                (engine, batch)
            })
            .await
            .map_err(|e| ServiceError::Internal(e.into()))?;
            engine = e;
            if batch.is_empty() {
                break;
            }
            let hub = self.progress();
            let iteration_no = engine.iteration();
            let outcomes: Vec<Outcome> = match &document.evaluator {
                mdl::Evaluator::External => {
                    let at = (engine.iteration(), engine.total_iterations());
                    match self.lab_outcomes(&job, at, &names, &batch, phase).await? {
                        LabBatch::Ready(outcomes) => outcomes,
                        LabBatch::Waiting => return Ok(()),
                        LabBatch::Mismatch(why) => {
                            self.log(&job, "error", &why).await?;
                            runs.finish(&job, "failed", "failed", Some(&why), now_ms())
                                .await?;
                            self.announce_end(&job, "failed", Some(&why), &engine);
                            return Ok(());
                        }
                    }
                }
                evaluator => {
                    runs.set_phase(&job.id, JobPhase::Evaluating.as_str(), now_ms())
                        .await?;
                    hub.publish(
                        &job.campaign_id,
                        "iteration_start",
                        json!({"iteration": iteration_no,
                               "total_iterations": engine.total_iterations(),
                               "phase": phase, "batch_size": batch.len()}),
                    );
                    batch
                        .iter()
                        .map(|c| match evaluator {
                            mdl::Evaluator::Dataset { .. } => c
                                .pool_row
                                .and_then(|row| pool.get(row).cloned())
                                .unwrap_or(Outcome::Failed),
                            _ => optimizer::campaign::simulate(&document, &c.parameters),
                        })
                        .collect()
                }
            };
            let results: Vec<(String, Outcome)> = batch
                .iter()
                .zip(outcomes)
                .enumerate()
                .map(|(k, (c, outcome))| {
                    let objectives = match &outcome {
                        Outcome::Objectives(values) => Value::Object(
                            names
                                .iter()
                                .filter_map(|n| values.get(n).map(|v| (n.clone(), Value::from(*v))))
                                .collect(),
                        ),
                        Outcome::Failed => Value::Null,
                    };
                    hub.publish(
                        &job.campaign_id,
                        "evaluation_complete",
                        json!({"iteration": iteration_no, "evaluation_index": k + 1,
                               "batch_size": batch.len(), "candidate_id": c.id,
                               "objectives": objectives}),
                    );
                    (c.id.clone(), outcome)
                })
                .collect();
            let summary = engine
                .tell(&results)
                .map_err(|e| ServiceError::Internal(anyhow::anyhow!("tell: {e}")))?;
            let (evaluations, iteration, best) = iteration_record(&engine, &batch, &summary);
            self.db
                .campaign_runs()
                .record_iteration(
                    &job,
                    &evaluations,
                    &iteration,
                    &Progress {
                        iteration: iteration.iteration,
                        evaluations_completed: iteration.evaluations_completed,
                        hypervolume: iteration.hypervolume,
                        pareto_size: iteration.pareto_size,
                        best_objectives: &best,
                    },
                )
                .await?;
            self.progress().publish(
                &job.campaign_id,
                "iteration_complete",
                json!({"iteration": summary.iteration,
                       "evaluations_completed": summary.evaluations_completed,
                       "hypervolume": summary.hypervolume,
                       "hypervolume_improvement": summary.hypervolume_improvement,
                       "pareto_size": summary.pareto_size,
                       "surrogate_loss": summary.surrogate_loss,
                       "best_objectives": best}),
            );
            let pending: Vec<LogLine> = lines
                .lock()
                .map(|mut l| l.drain(..).collect())
                .unwrap_or_default();
            for line in pending {
                self.log(&job, line.level, &line.to_string()).await?;
            }
            if crash_after == Some(summary.iteration) {
                return Ok(());
            }
        }
        let (job_status, campaign_status) = match engine.status() {
            Status::Converged => ("completed", "converged"),
            _ => ("completed", "completed"),
        };
        self.log(
            &job,
            "info",
            &format!(
                "Campaign {campaign_status} after {} iterations and {} evaluations (hypervolume {:.6})",
                engine.iteration(),
                engine.spent(),
                engine.hypervolume()
            ),
        )
        .await?;
        runs.finish(&job, job_status, campaign_status, None, now_ms())
            .await?;
        self.announce_end(&job, campaign_status, None, &engine);
        Ok(())
    }

    /// Tells the campaign's watchers it ended (`campaign_complete`, after an `error` when it
    /// failed).
    fn announce_end(&self, job: &CampaignJob, status: &str, error: Option<&str>, engine: &Engine) {
        let hub = self.progress();
        if let Some(message) = error {
            hub.publish(
                &job.campaign_id,
                "error",
                json!({"code": "job_failed", "message": message, "iteration": engine.iteration()}),
            );
        }
        hub.publish(
            &job.campaign_id,
            "campaign_complete",
            json!({"status": status, "total_iterations": engine.iteration(),
                   "total_evaluations": engine.spent(),
                   "final_hypervolume": engine.hypervolume(),
                   "pareto_size": engine.pareto_front().len()}),
        );
    }

    /// The lab's results for `batch`: proposes it (and waits) the first time, waits while
    /// some results are missing, and checks that what was proposed is what the engine asks
    /// for now.
    async fn lab_outcomes(
        &self,
        job: &CampaignJob,
        (iteration_no, total): (u32, u32),
        names: &[String],
        batch: &[Candidate],
        phase: JobPhase,
    ) -> Result<LabBatch, ServiceError> {
        let runs = self.db.campaign_runs();
        let iteration = i64::from(iteration_no);
        let stored = runs
            .candidates(&job.campaign_id, None, Some(iteration))
            .await?;
        if stored.is_empty() {
            let proposed: Vec<StoredCandidate> = batch
                .iter()
                .map(|c| StoredCandidate {
                    candidate_id: c.id.clone(),
                    iteration,
                    parameters: serde_json::to_value(&c.parameters).unwrap_or(Value::Null),
                    status: "pending".into(),
                    objectives: None,
                    failed: false,
                })
                .collect();
            runs.propose(job, &proposed, now_ms()).await?;
            // Wakes the job at its timeout in case no results ever come.
            self.db
                .jobs()
                .enqueue(
                    store::jobs::NewJob::new(CAMPAIGN_JOB, json!({"job_id": job.id}))
                        .run_at(job.timeout_at + 1_000),
                    now_ms(),
                )
                .await?;
            self.log(
                job,
                "info",
                &format!(
                    "[Iter {iteration_no}/{total}] Waiting for lab results for {} candidates",
                    batch.len()
                ),
            )
            .await?;
            self.progress().publish(
                &job.campaign_id,
                "iteration_start",
                json!({"iteration": iteration_no,
                       "total_iterations": total,
                       "phase": JobPhase::AwaitingEvaluations, "batch_size": batch.len(),
                       "proposed_by": phase}),
            );
            return Ok(LabBatch::Waiting);
        }
        let by_id: HashMap<&str, &StoredCandidate> = stored
            .iter()
            .map(|c| (c.candidate_id.as_str(), c))
            .collect();
        let same = stored.len() == batch.len()
            && batch.iter().all(|c| {
                by_id.get(c.id.as_str()).is_some_and(|s| {
                    serde_json::to_value(&c.parameters).ok().as_ref() == Some(&s.parameters)
                })
            });
        if !same {
            return Ok(LabBatch::Mismatch(format!(
                "cannot continue: the candidates stored for iteration {iteration} differ from \
                 the ones the optimizer proposes"
            )));
        }
        if stored.iter().any(|c| c.status == "pending") {
            runs.set_phase(&job.id, JobPhase::AwaitingEvaluations.as_str(), now_ms())
                .await?;
            return Ok(LabBatch::Waiting);
        }
        runs.set_phase(&job.id, JobPhase::Evaluating.as_str(), now_ms())
            .await?;
        Ok(LabBatch::Ready(
            batch
                .iter()
                .map(
                    |c| match by_id.get(c.id.as_str()).and_then(|s| s.objectives.as_ref()) {
                        Some(values) => Outcome::Objectives(
                            names.iter().cloned().zip(values.iter().copied()).collect(),
                        ),
                        None => Outcome::Failed,
                    },
                )
                .collect(),
        ))
    }

    async fn log(&self, job: &CampaignJob, level: &str, message: &str) -> Result<(), ServiceError> {
        Ok(self
            .db
            .campaign_runs()
            .log(&job.id, level, message, now_ms())
            .await?)
    }
}

impl Services {
    /// `GET /v1/jobs`: a page of the caller's jobs, filtered by `campaign_id` and `status`.
    pub async fn list_jobs(
        &self,
        caller: &Caller,
        params: &ListParams,
    ) -> Result<(Vec<JobView>, u64), ServiceError> {
        caller.require(Scope::CampaignsRead)?;
        let (jobs, total) = self
            .db
            .campaign_runs()
            .list_jobs(
                caller.account(),
                params.filter("campaign_id"),
                params.filter("status"),
                params.sort().field(),
                params.sort().direction() == Direction::Descending,
                params.offset(),
                params.per_page(),
            )
            .await?;
        Ok((
            jobs.iter()
                .map(|item| {
                    let counts = JobCounts {
                        evaluations_completed: count(item.evaluations_completed),
                        budget: count(item.budget),
                        ..job_counts(&item.job)
                    };
                    job_view(&item.job, counts)
                })
                .collect(),
            total,
        ))
    }

    /// `GET /v1/jobs/{id}`: one of the caller's jobs with its progress and timing.
    pub async fn job(&self, caller: &Caller, id: &str) -> Result<JobDetail, ServiceError> {
        caller.require(Scope::CampaignsRead)?;
        let job = self.db.campaign_runs().job(caller.account(), id).await?;
        let campaign = self
            .db
            .campaigns()
            .get(caller.account(), &job.campaign_id)
            .await?;
        let end = job.finished_at.unwrap_or_else(now_ms);
        let elapsed = job
            .started_at
            .map_or(0.0, |start| (end - start).max(0) as f64 / 1000.0);
        let done = job.iteration.max(0);
        let avg = (done > 0).then(|| elapsed / done as f64);
        let remaining = avg
            .filter(|_| job.status == "running")
            .map(|avg| avg * (job.total_iterations - done).max(0) as f64);
        Ok(JobDetail {
            progress: JobProgress {
                counts: counts(&job, &campaign),
                current_phase: phase_of(&job),
                hypervolume: campaign.hypervolume,
                best_objectives: campaign.best_objectives,
            },
            timing: JobTiming {
                elapsed_seconds: elapsed,
                avg_iteration_seconds: avg,
                estimated_remaining_seconds: remaining,
            },
            job: job_fields(&job),
        })
    }

    /// `GET /v1/jobs/{id}/logs`: the last `tail` lines (default 100, at most 1000) at `level`
    /// or more severe (default `info`: debug lines only when asked for), after `since`
    /// (RFC 3339).
    pub async fn job_logs(
        &self,
        caller: &Caller,
        id: &str,
        level: Option<&str>,
        since: Option<&str>,
        tail: Option<i64>,
    ) -> Result<Vec<JobLogLine>, ServiceError> {
        caller.require(Scope::CampaignsRead)?;
        let mut problems = Vec::new();
        let min_level = match level {
            None => LogLevel::Info,
            Some(text) => LogLevel::parse(text).unwrap_or_else(|| {
                let names: Vec<&str> = LogLevel::ALL.iter().map(|l| l.as_str()).collect();
                problems.push(
                    ErrorDetail::new(
                        "level",
                        format!(
                            "must be one of {} (the least severe level to show)",
                            names.join(", ")
                        ),
                    )
                    .with_value(text),
                );
                LogLevel::Info
            }),
        };
        let since_ms = match since {
            None => 0,
            Some(text) => match chrono::DateTime::parse_from_rfc3339(text) {
                Ok(t) => t.timestamp_millis(),
                Err(_) => {
                    problems.push(
                        ErrorDetail::new("since", "must be an RFC 3339 time").with_value(text),
                    );
                    0
                }
            },
        };
        let tail = tail.unwrap_or(100);
        if !(1..=1000).contains(&tail) {
            problems.push(ErrorDetail::new("tail", "must be 1 to 1000").with_value(tail));
        }
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        let levels: Vec<&str> = min_level.and_above().map(LogLevel::as_str).collect();
        self.db
            .campaign_runs()
            .logs_filtered(caller.account(), id, Some(&levels), since_ms, tail)
            .await?
            .into_iter()
            .map(|l| {
                Ok(JobLogLine {
                    id: l.id,
                    timestamp: rfc3339_from_millis(l.at),
                    level: LogLevel::parse(&l.level).ok_or_else(|| {
                        ServiceError::Internal(anyhow::anyhow!(
                            "job {id} has a log line of unknown level {:?}",
                            l.level
                        ))
                    })?,
                    message: l.message,
                })
            })
            .collect()
    }

    /// `POST /v1/jobs/{id}/cancel`: a queued or running job stops after its current iteration.
    pub async fn cancel_job(&self, caller: &Caller, id: &str) -> Result<JobView, ServiceError> {
        caller.require(Scope::CampaignsWrite)?;
        let runs = self.db.campaign_runs();
        let job = runs.job(caller.account(), id).await?;
        if !runs
            .request_cancel_job(caller.account(), id, now_ms())
            .await?
        {
            return Err(ServiceError::InvalidState {
                code: "job_not_cancellable",
                message: format!(
                    "Only a queued or running job can be cancelled; this one is '{}'.",
                    job.status
                ),
            });
        }
        self.wake_waiting_job(id).await?;
        self.job_with_counts(caller, runs.job(caller.account(), id).await?)
            .await
    }

    /// `POST /v1/jobs/{id}/retry`: a new job for the campaign of a failed or cancelled job,
    /// resuming from the last completed iteration with every recorded evaluation.
    pub async fn retry_job(&self, caller: &Caller, id: &str) -> Result<JobView, ServiceError> {
        caller.require(Scope::CampaignsWrite)?;
        let now = now_ms();
        let runs = self.db.campaign_runs();
        let job = runs
            .retry(
                caller.account(),
                id,
                now + (DEFAULT_TIMEOUT_HOURS * 3_600_000.0) as i64,
                now,
            )
            .await?
            .ok_or_else(|| ServiceError::InvalidState {
                code: "job_not_retryable",
                message:
                    "Only the newest job of a campaign, once failed or cancelled, can be retried."
                        .into(),
            })?;
        self.db
            .jobs()
            .enqueue(
                store::jobs::NewJob::new(CAMPAIGN_JOB, serde_json::json!({"job_id": job.id})),
                now,
            )
            .await?;
        self.job_with_counts(caller, job).await
    }

    /// The API's view of one of the caller's jobs, with its campaign's counts.
    async fn job_with_counts(
        &self,
        caller: &Caller,
        job: CampaignJob,
    ) -> Result<JobView, ServiceError> {
        let campaign = self
            .db
            .campaigns()
            .get(caller.account(), &job.campaign_id)
            .await?;
        Ok(job_view(&job, counts(&job, &campaign)))
    }
}

/// The campaign's MDL document, validated when the campaign was created; failing here means
/// the stored data is corrupt.
fn stored_mdl(campaign: &store::campaigns::Campaign) -> Result<mdl::Mdl, ServiceError> {
    mdl::from_value(&campaign.mdl)
        .map(|(document, _)| document)
        .map_err(|_| {
            ServiceError::Internal(anyhow::anyhow!(
                "the stored MDL of campaign {} is invalid",
                campaign.id
            ))
        })
}

/// What one finished iteration writes: its evaluations, its summary and the best value of
/// each objective so far. Built without awaiting (the engine is not `Sync`).
fn iteration_record(
    engine: &Engine,
    batch: &[Candidate],
    summary: &optimizer::campaign::IterationSummary,
) -> (Vec<StoredEvaluation>, StoredIteration, Value) {
    let ids: std::collections::HashSet<&str> = batch.iter().map(|c| c.id.as_str()).collect();
    let evaluations: Vec<StoredEvaluation> = engine
        .evaluations()
        .iter()
        .filter(|e| ids.contains(e.id.as_str()))
        .map(|e| StoredEvaluation {
            candidate_id: e.id.clone(),
            iteration: i64::from(e.iteration),
            parameters: serde_json::to_value(&e.parameters).unwrap_or(Value::Null),
            objectives: e.objectives.clone(),
            feasible: e.feasible,
        })
        .collect();
    let mut best = Map::new();
    for (j, o) in engine.mdl().objectives.iter().enumerate() {
        let values = engine
            .evaluations()
            .iter()
            .filter(|e| e.feasible)
            .filter_map(|e| e.objectives.as_ref().map(|v| v[j]));
        let value = if o.direction == mdl::Direction::Maximize {
            values.reduce(f64::max)
        } else {
            values.reduce(f64::min)
        };
        if let Some(v) = value {
            best.insert(o.name.clone(), Value::from(v));
        }
    }
    let iteration = StoredIteration {
        iteration: i64::from(summary.iteration),
        evaluations_completed: summary.evaluations_completed as i64,
        hypervolume: summary.hypervolume,
        hypervolume_improvement: summary.hypervolume_improvement,
        pareto_size: summary.pareto_size as i64,
        surrogate_loss: summary.surrogate_loss,
        created_at: now_ms(),
    };
    (evaluations, iteration, Value::Object(best))
}

/// Feeds `recorded` (iterations 1..=`through`) back into a fresh engine: each iteration's
/// proposals must be exactly the recorded candidates, which then get their recorded results.
fn replay(engine: &mut Engine, recorded: &[StoredEvaluation], through: i64) -> Result<(), String> {
    let names: Vec<String> = engine
        .mdl()
        .objectives
        .iter()
        .map(|o| o.name.clone())
        .collect();
    for iteration in 1..=through {
        let batch = engine.ask();
        let stored: HashMap<&str, &StoredEvaluation> = recorded
            .iter()
            .filter(|e| e.iteration == iteration)
            .map(|e| (e.candidate_id.as_str(), e))
            .collect();
        if batch.len() != stored.len() {
            return Err(format!(
                "cannot resume: iteration {iteration} proposed {} candidates but {} were recorded",
                batch.len(),
                stored.len()
            ));
        }
        let mut results = Vec::with_capacity(batch.len());
        for c in &batch {
            let Some(e) = stored.get(c.id.as_str()) else {
                return Err(format!(
                    "cannot resume: candidate {} was not recorded",
                    c.id
                ));
            };
            if serde_json::to_value(&c.parameters).ok().as_ref() != Some(&e.parameters) {
                return Err(format!(
                    "cannot resume: candidate {} differs from the recorded one",
                    c.id
                ));
            }
            let outcome = match &e.objectives {
                Some(values) => {
                    Outcome::Objectives(names.iter().cloned().zip(values.iter().copied()).collect())
                }
                None => Outcome::Failed,
            };
            results.push((c.id.clone(), outcome));
        }
        engine
            .tell(&results)
            .map_err(|e| format!("cannot resume: {e}"))?;
    }
    Ok(())
}

/// Where a lab-in-the-loop batch stands.
enum LabBatch {
    /// Every result is in, in batch order.
    Ready(Vec<Outcome>),
    /// Results are missing; the job waits (holding no worker).
    Waiting,
    /// The stored batch is not what the optimizer proposes (corrupt state).
    Mismatch(String),
}

/// Checks posted results against the document and the pending candidates: every objective
/// as a finite number, or `failed: true`; each candidate once. Every problem is reported.
fn lab_results(
    document: &mdl::Mdl,
    items: &[EvaluationInput],
    pending: &std::collections::HashSet<String>,
) -> Result<Vec<PostedResult>, ServiceError> {
    let mut problems = Vec::new();
    if items.is_empty() || items.len() > 1000 {
        problems.push(ErrorDetail::new("body", "give 1 to 1000 results"));
    }
    let names: Vec<&str> = document
        .objectives
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut results = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = |field: &str| format!("[{i}].{field}");
        if !pending.contains(&item.candidate_id) {
            problems.push(
                ErrorDetail::new(
                    at("candidate_id"),
                    "not a pending candidate of this campaign",
                )
                .with_value(item.candidate_id.clone()),
            );
        } else if !seen.insert(item.candidate_id.as_str()) {
            problems.push(
                ErrorDetail::new(at("candidate_id"), "appears twice in this request")
                    .with_value(item.candidate_id.clone()),
            );
        }
        match (&item.objectives, item.failed) {
            (Some(_), true) => problems.push(ErrorDetail::new(
                at("failed"),
                "a failed evaluation has no objectives",
            )),
            (None, false) => problems.push(ErrorDetail::new(
                at("objectives"),
                format!(
                    "give a value for each of: {}, or failed: true",
                    names.join(", ")
                ),
            )),
            (None, true) => results.push(PostedResult {
                candidate_id: item.candidate_id.clone(),
                objectives: None,
            }),
            (Some(values), false) => {
                let Some(values) = values.as_object() else {
                    problems.push(ErrorDetail::new(
                        at("objectives"),
                        "must be an object of objective values by name",
                    ));
                    continue;
                };
                for key in values.keys() {
                    if !names.contains(&key.as_str()) {
                        let hint = mdl::did_you_mean(key, names.iter().copied())
                            .map(|s| format!(" Did you mean '{s}'?"))
                            .unwrap_or_default();
                        problems.push(ErrorDetail::new(
                            at(&format!("objectives.{key}")),
                            format!("not an objective of this campaign.{hint}"),
                        ));
                    }
                }
                let mut row = Vec::with_capacity(names.len());
                for name in &names {
                    match values.get(*name).and_then(Value::as_f64) {
                        Some(v) if v.is_finite() => row.push(v),
                        Some(_) | None => problems.push(
                            ErrorDetail::new(
                                at(&format!("objectives.{name}")),
                                "must be a finite number",
                            )
                            .with_value(values.get(*name).cloned().unwrap_or(Value::Null)),
                        ),
                    }
                }
                results.push(PostedResult {
                    candidate_id: item.candidate_id.clone(),
                    objectives: Some(row),
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(results)
    } else {
        Err(ServiceError::Invalid(problems))
    }
}

/// A recorded prior row as the engine's input.
fn prior_row(document: &mdl::Mdl, e: &StoredEvaluation) -> (Point, Outcome) {
    let point: Point = e
        .parameters
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let value = match v {
                        Value::String(s) => ParamValue::Choice(s.clone()),
                        other => ParamValue::Number(other.as_f64().unwrap_or(f64::NAN)),
                    };
                    (k.clone(), value)
                })
                .collect()
        })
        .unwrap_or_default();
    let outcome = match &e.objectives {
        Some(values) => Outcome::Objectives(
            document
                .objectives
                .iter()
                .map(|o| o.name.clone())
                .zip(values.iter().copied())
                .collect(),
        ),
        None => Outcome::Failed,
    };
    (point, outcome)
}

fn named(names: &[String], values: &[f64]) -> Value {
    Value::Object(
        names
            .iter()
            .cloned()
            .zip(values.iter().map(|v| Value::from(*v)))
            .collect(),
    )
}

/// The API's view of a campaign job.
pub fn job_view(job: &CampaignJob, counts: JobCounts) -> JobView {
    JobView {
        job: job_fields(job),
        progress: counts,
    }
}

fn job_fields(job: &CampaignJob) -> JobFields {
    JobFields {
        id: job.id.clone(),
        campaign_id: job.campaign_id.clone(),
        status: job.status.clone(),
        phase: phase_of(job),
        worker_id: job.worker_id.clone(),
        timeout_at: rfc3339_from_millis(job.timeout_at),
        created_at: rfc3339_from_millis(job.created_at),
        started_at: job.started_at.map(rfc3339_from_millis),
        finished_at: job.finished_at.map(rfc3339_from_millis),
        error: job.error.clone(),
    }
}

/// The job's phase. Every phase is written from [`JobPhase`] (and a migration renamed the old
/// `acquisition`), so an unknown one is a corrupt row: it is shown as the job's status rather
/// than failing the whole list.
fn phase_of(job: &CampaignJob) -> JobPhase {
    JobPhase::parse(&job.phase)
        .or_else(|| JobPhase::parse(&job.status))
        .unwrap_or(JobPhase::Queued)
}

fn count(v: i64) -> u32 {
    u32::try_from(v).unwrap_or_default()
}

/// The job's own iteration counts (the campaign's budget and evaluations left at 0).
fn job_counts(job: &CampaignJob) -> JobCounts {
    JobCounts {
        iteration: count(job.iteration),
        total_iterations: count(job.total_iterations),
        evaluations_completed: 0,
        budget: 0,
    }
}

/// The job's counts with its campaign's budget and evaluations.
fn counts(job: &CampaignJob, campaign: &store::campaigns::Campaign) -> JobCounts {
    JobCounts {
        evaluations_completed: count(campaign.evaluations_completed),
        budget: count(campaign.budget),
        ..job_counts(job)
    }
}
