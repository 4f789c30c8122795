//! The job body: runs (or resumes) one campaign job to its end, one iteration at a time.
//!
//! [`Services::run_campaign_job`] loads the job ([`Run::prepare`]), replays what earlier runs
//! recorded ([`Run::resume`]), then repeats [`Run::iterate`] (propose a batch, evaluate it,
//! record it) until the engine stops, the owner cancels or the timeout passes. Every way a run
//! can end goes through [`Run::end`], which logs, records the end on the job and its campaign,
//! and tells the campaign's watchers, so no ending is silent.
//!
//! The engine's work (training, acquisition, telling results, replaying) runs on the blocking
//! pool with a cancel flag. While it runs, [`Run::blocking`] reads the job every
//! [`WATCH_INTERVAL`]: a stop, a cancel or the timeout sets the flag, the engine returns within
//! moments with nothing changed, and the run ends as it would have between iterations (the
//! interrupted iteration's work is lost; everything recorded stays). When the run itself is
//! dropped (its lease was lost, or shutdown gave up waiting) the flag is set too, so no
//! abandoned computation keeps a thread busy.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::campaigns::{CampaignStatus, JobPhase, LogLevel, ProgressEvent};
use domain::ids::JobId;
use optimizer::campaign::{
    Campaign as Engine, CampaignError, Candidate, IterationSummary, LogLine, Outcome, Status,
};
use optimizer::cancel::Cancel;
use optimizer::encoding::{Point, Value as ParamValue};
use serde_json::{Map, Value};
use store::campaign_jobs::{CampaignJob, JobEnd};
use store::evaluations::{Progress, StoredEvaluation, StoredIteration};
use store::now_ms;
use store::tasks::{Handles, TaskContext};

use super::lab::LabBatch;
use super::{objective_names, stored_mdl, RunCampaignJob};
use crate::error::{Found, Resource};
use crate::{ServiceError, Services};

/// How often a running engine step checks whether its job was stopped or timed out.
pub const WATCH_INTERVAL: Duration = Duration::from_secs(1);

#[async_trait::async_trait]
impl Handles<RunCampaignJob> for Services {
    async fn handle(&self, task: RunCampaignJob, context: &TaskContext) -> anyhow::Result<()> {
        self.run_campaign_job(&task.job_id, &context.worker_id, None)
            .await
            .map_err(|e| anyhow::Error::new(e).context(format!("campaign job {}", task.job_id)))
    }
}

impl Services {
    /// Runs (or resumes) the campaign job `job_id` to its end on the worker `worker_id` (shown
    /// as the job's `worker_id`). `crash_after` stops it after that iteration as if the
    /// process died there (tests of recovery use it).
    pub async fn run_campaign_job(
        &self,
        job_id: &JobId,
        worker_id: &str,
        crash_after: Option<u32>,
    ) -> Result<(), ServiceError> {
        let Some(mut run) = Run::prepare(self, job_id).await? else {
            return Ok(());
        };
        self.db
            .campaign_jobs()
            .mark_running(
                &run.job.id,
                worker_id,
                i64::from(run.engine.total_iterations()),
                now_ms(),
            )
            .await?;
        if !run.resume().await? {
            return Ok(());
        }
        loop {
            match run.iterate().await? {
                Step::Continue(iteration) if crash_after == Some(iteration) => return Ok(()),
                Step::Continue(_) => {}
                Step::Waiting | Step::Ended => return Ok(()),
                Step::Done => break,
            }
        }
        let campaign_status = match run.engine.status() {
            Status::Converged => CampaignStatus::Converged,
            _ => CampaignStatus::Completed,
        };
        let message = format!(
            "Campaign {campaign_status} after {} iterations and {} evaluations (hypervolume {:.6})",
            run.engine.iteration(),
            run.engine.spent(),
            run.engine.hypervolume()
        );
        run.end(JobEnd::finished(campaign_status), LogLevel::Info, &message)
            .await
    }
}

/// What one call of [`Run::iterate`] led to.
enum Step {
    /// An iteration was recorded (its number); go on.
    Continue(u32),
    /// The engine has nothing more to propose: the run is complete.
    Done,
    /// The job waits for lab results (it holds no worker meanwhile).
    Waiting,
    /// The run ended (cancelled, timed out or failed) and said so.
    Ended,
}

/// One run of a campaign job: the job, its campaign's document and the engine.
pub(super) struct Run<'a> {
    services: &'a Services,
    job: CampaignJob,
    document: mdl::Mdl,
    engine: Engine,
    /// A pool-based campaign's measured outcomes, by usable row.
    pool: Vec<Outcome>,
    names: Vec<String>,
    /// The engine's log lines, written after each iteration.
    lines: Arc<Mutex<Vec<LogLine>>>,
    /// Recorded evaluations from earlier runs, replayed by [`Run::resume`].
    recorded: Vec<StoredEvaluation>,
    /// The engine's cancel flag (see the module documentation).
    cancel: Cancel,
}

impl<'a> Run<'a> {
    /// Loads the job and what it needs. `None` when there is nothing to do: the job has ended,
    /// it waits for lab results that have not all come (and its timeout has not passed), or
    /// it could not start (and that was recorded).
    async fn prepare(
        services: &'a Services,
        job_id: &JobId,
    ) -> Result<Option<Run<'a>>, ServiceError> {
        let jobs = services.db.campaign_jobs();
        let job = jobs.job_for_worker(job_id).await?;
        if job.status.is_final() {
            return Ok(None);
        }
        // A job waiting for lab results only runs again once woken (batch complete, stop),
        // or here, past its timeout, to fail.
        if job.phase == JobPhase::AwaitingEvaluations
            && (now_ms() <= job.timeout_at || !jobs.wake(&job.id, now_ms()).await?)
        {
            return Ok(None);
        }
        let campaign = services
            .db
            .campaigns()
            .get(&job.account_id, &job.campaign_id)
            .await
            .found(Resource::Campaign)?;
        let Ok(document) = stored_mdl(&campaign) else {
            let why = "the stored MDL is invalid";
            end_job(
                services,
                &job,
                JobEnd::failed(why),
                LogLevel::Error,
                why,
                Totals::default(),
            )
            .await?;
            return Ok(None);
        };
        let cancel = Cancel::new();
        let mut run = Run {
            services,
            engine: Engine::new(document.clone()).with_cancel(cancel.clone()),
            names: objective_names(&document),
            document,
            job,
            pool: Vec::new(),
            lines: Arc::default(),
            recorded: Vec::new(),
            cancel,
        };
        if let Err(why) = run.load_pool().await? {
            run.end(JobEnd::failed(&why), LogLevel::Error, &why).await?;
            return Ok(None);
        }
        let recorded = services
            .db
            .evaluations()
            .evaluations(&run.job.campaign_id)
            .await?;
        // Prior data (a warm start) recorded when the campaign was created.
        let document = run.document.clone();
        let (recorded, warm) = run
            .blocking(move |engine| {
                let prior: Vec<(Point, Outcome)> = recorded
                    .iter()
                    .filter(|e| e.iteration == 0)
                    .map(|e| prior_row(&document, e))
                    .collect();
                let warm = if prior.is_empty() {
                    Ok(0)
                } else {
                    engine.warm_start(prior)
                };
                (recorded, warm)
            })
            .await?;
        warm.map_err(|e| ServiceError::Internal(e.into()))?;
        run.recorded = recorded;
        if let Err(why) = run.fits_in_memory() {
            run.end(JobEnd::failed(&why), LogLevel::Error, &why).await?;
            return Ok(None);
        }
        Ok(Some(run))
    }

    /// `Err(why)` when the campaign's worst-case memory is over the budget per running
    /// campaign (it was checked at creation; the budget may have been lowered since).
    fn fits_in_memory(&self) -> Result<(), String> {
        let rows = optimizer::memory::DataRows {
            prior: self.recorded.iter().filter(|e| e.iteration == 0).count(),
            pool: self.pool.len(),
        };
        crate::campaigns::memory_check(&self.document, rows, self.services.config())
            .map_err(|e| e.to_string())
    }

    /// Runs `work` on the engine on the blocking pool (training and acquisition take
    /// seconds, and must not hold an async thread); a fresh engine stands in meanwhile.
    /// Meanwhile the job is read every [`WATCH_INTERVAL`]: a stop, a cancel or the timeout
    /// sets the engine's cancel flag, and so does dropping this future.
    async fn blocking<R: Send + 'static>(
        &mut self,
        work: impl FnOnce(&mut Engine) -> R + Send + 'static,
    ) -> Result<R, ServiceError> {
        let mut engine = self.take_engine();
        let task = tokio::task::spawn_blocking(move || {
            let result = work(&mut engine);
            (engine, result)
        });
        let (engine, result) = watch(self.services, &self.job.id, &self.cancel, task).await?;
        self.engine = engine;
        Ok(result)
    }

    /// The engine, for one of its consuming builders; a fresh one stands in until it is put
    /// back.
    fn take_engine(&mut self) -> Engine {
        std::mem::replace(&mut self.engine, Engine::new(self.document.clone()))
    }

    /// A pool-based campaign chooses among its dataset's usable rows: loads them. `Err(why)`
    /// when the dataset cannot be used any more.
    async fn load_pool(&mut self) -> Result<Result<(), String>, ServiceError> {
        let mdl::Evaluator::Dataset { dataset_id } = &self.document.evaluator else {
            return Ok(Ok(()));
        };
        let rows = match self
            .services
            .dataset_rows_for(
                &self.job.account_id,
                dataset_id,
                &self.document,
                "evaluator.dataset_id",
            )
            .await
        {
            Ok((rows, _)) => rows,
            Err(e) => return Ok(Err(format!("its dataset {dataset_id} cannot be used: {e}"))),
        };
        let (points, outcomes): (Vec<Point>, Vec<Outcome>) = rows.into_iter().unzip();
        self.pool = outcomes;
        // Encoding every row takes a while for a large pool.
        let document = self.document.clone();
        self.blocking(move |engine| {
            let plain = std::mem::replace(engine, Engine::new(document));
            plain.with_pool(points).map(|pooled| *engine = pooled)
        })
        .await?
        .map_err(|e| ServiceError::Internal(e.into()))?;
        Ok(Ok(()))
    }

    /// Replays the iterations earlier runs recorded (phase `resuming`), then starts collecting
    /// the engine's log lines. `false` when the replay did not match and the run ended.
    async fn resume(&mut self) -> Result<bool, ServiceError> {
        let done_iterations = self.recorded.iter().map(|e| e.iteration).max().unwrap_or(0);
        // Not kept for the rest of the run: a warm start's rows can be many.
        let recorded = std::mem::take(&mut self.recorded);
        if done_iterations > 0 {
            self.set_phase(JobPhase::Resuming).await?;
            let result = self
                .blocking(move |engine| replay(engine, &recorded, done_iterations))
                .await?;
            match result {
                Ok(()) => {}
                Err(Replay::Cancelled) => {
                    self.stopped().await?;
                    return Ok(false);
                }
                Err(Replay::Mismatch(why)) => {
                    self.end(JobEnd::failed(&why), LogLevel::Error, &why)
                        .await?;
                    return Ok(false);
                }
            }
            self.log(
                LogLevel::Info,
                &format!("Resumed after iteration {done_iterations}"),
            )
            .await?;
        }
        let sink = Arc::clone(&self.lines);
        self.engine = self.take_engine().with_observer(move |line| {
            if let Ok(mut lines) = sink.lock() {
                lines.push(line.clone());
            }
        });
        Ok(true)
    }

    /// One iteration: checks for a stop or the timeout, proposes a batch, evaluates it (or
    /// hands it to the lab) and records it.
    async fn iterate(&mut self) -> Result<Step, ServiceError> {
        if self.engine.status() != Status::Running {
            return Ok(Step::Done);
        }
        if let Some(step) = self.end_if_stopped().await? {
            return Ok(step);
        }
        let phase = if self.engine.iteration() == 0 {
            JobPhase::InitialDesign
        } else {
            JobPhase::Acquiring
        };
        self.set_phase(phase).await?;
        let Some(batch) = self.propose().await? else {
            return self.stopped().await;
        };
        if batch.is_empty() {
            return Ok(Step::Done);
        }
        let outcomes = match self.document.evaluator {
            mdl::Evaluator::External => match self.lab_outcomes(&batch, phase).await? {
                LabBatch::Ready(outcomes) => outcomes,
                LabBatch::Waiting => return Ok(Step::Waiting),
                LabBatch::Mismatch(why) => {
                    self.end(JobEnd::failed(&why), LogLevel::Error, &why)
                        .await?;
                    return Ok(Step::Ended);
                }
            },
            _ => {
                self.set_phase(JobPhase::Evaluating).await?;
                self.publish(ProgressEvent::IterationStart {
                    iteration: self.engine.iteration(),
                    total_iterations: self.engine.total_iterations(),
                    phase,
                    batch_size: batch.len() as u32,
                    proposed_by: None,
                });
                self.evaluate(&batch)
            }
        };
        match self.record(&batch, outcomes).await? {
            Some(iteration) => Ok(Step::Continue(iteration)),
            None => self.stopped().await,
        }
    }

    /// Ends the run when its owner stopped or cancelled it (`cancelled`, results kept) or its
    /// timeout passed (`failed`); `None` when it goes on.
    async fn end_if_stopped(&mut self) -> Result<Option<Step>, ServiceError> {
        let current = self
            .services
            .db
            .campaign_jobs()
            .job_for_worker(&self.job.id)
            .await?;
        if current.cancel_requested {
            self.end(
                JobEnd::cancelled(),
                LogLevel::Info,
                "Stopped by request; results kept",
            )
            .await?;
            return Ok(Some(Step::Ended));
        }
        if now_ms() > current.timeout_at {
            let why = "the job ran past its timeout";
            self.end(JobEnd::failed(why), LogLevel::Error, why).await?;
            return Ok(Some(Step::Ended));
        }
        Ok(None)
    }

    /// After an engine step was cancelled: ends the run for the reason the watch saw.
    async fn stopped(&mut self) -> Result<Step, ServiceError> {
        match self.end_if_stopped().await? {
            Some(step) => Ok(step),
            // The flag is set for a stop or the timeout, or when the job stopped being this
            // run's (then nobody waits here): leave the job to whoever holds it now.
            None => Ok(Step::Ended),
        }
    }

    /// The next batch (the surrogate is trained and the acquisition maximised off the async
    /// threads); `None` when the step was cancelled.
    async fn propose(&mut self) -> Result<Option<Vec<Candidate>>, ServiceError> {
        match self.blocking(Engine::ask).await? {
            Ok(batch) => Ok(Some(batch)),
            Err(CampaignError::Cancelled) => Ok(None),
            Err(e) => Err(ServiceError::Internal(anyhow::anyhow!("ask: {e}"))),
        }
    }

    /// Outcomes from the domain simulator, or from the dataset rows a pool-based campaign
    /// picked.
    fn evaluate(&self, batch: &[Candidate]) -> Vec<Outcome> {
        batch
            .iter()
            .map(|c| match self.document.evaluator {
                mdl::Evaluator::Dataset { .. } => c
                    .pool_row
                    .and_then(|row| self.pool.get(row).cloned())
                    .unwrap_or(Outcome::Failed),
                _ => optimizer::campaign::simulate(&self.document, &c.parameters),
            })
            .collect()
    }

    /// Tells the engine the outcomes and writes the iteration (evaluations, summary, the
    /// campaign's progress) in one transaction; then the watchers and the log hear of it.
    /// Returns the iteration's number; `None` when telling was cancelled (nothing recorded).
    async fn record(
        &mut self,
        batch: &[Candidate],
        outcomes: Vec<Outcome>,
    ) -> Result<Option<u32>, ServiceError> {
        let iteration_no = self.engine.iteration();
        let objectives: Vec<Option<Value>> = outcomes
            .iter()
            .map(|outcome| match outcome {
                Outcome::Objectives(values) => Some(Value::Object(
                    self.names
                        .iter()
                        .filter_map(|n| values.get(n).map(|v| (n.clone(), Value::from(*v))))
                        .collect(),
                )),
                Outcome::Failed => None,
            })
            .collect();
        let results: Vec<(String, Outcome)> = batch
            .iter()
            .zip(outcomes)
            .map(|(c, outcome)| (c.id.clone(), outcome))
            .collect();
        // The front's hypervolume (and the record built from every evaluation) off the async
        // threads.
        let told = batch.to_vec();
        let told = self
            .blocking(move |engine| {
                let summary = engine.tell(&results)?;
                let record = iteration_record(engine, &told, &summary);
                Ok::<_, CampaignError>((summary, record))
            })
            .await?;
        let (summary, (evaluations, iteration, best)) = match told {
            Ok(done) => done,
            Err(CampaignError::Cancelled) => return Ok(None),
            Err(e) => return Err(ServiceError::Internal(anyhow::anyhow!("tell: {e}"))),
        };
        for (k, (c, objectives)) in batch.iter().zip(objectives).enumerate() {
            self.publish(ProgressEvent::EvaluationComplete {
                iteration: iteration_no,
                evaluation_index: k as u32 + 1,
                batch_size: batch.len() as u32,
                candidate_id: c.id.clone(),
                objectives,
            });
        }
        self.services
            .db
            .evaluations()
            .record_iteration(
                &self.job,
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
        self.publish(ProgressEvent::IterationComplete {
            iteration: summary.iteration,
            evaluations_completed: summary.evaluations_completed as u32,
            hypervolume: summary.hypervolume,
            hypervolume_improvement: summary.hypervolume_improvement,
            pareto_size: summary.pareto_size as u32,
            surrogate_loss: summary.surrogate_loss,
            best_objectives: best,
        });
        self.flush_engine_log().await?;
        Ok(Some(summary.iteration))
    }

    /// Ends the run: logs `message` at `level`, records the end on the job and its campaign,
    /// and tells the watchers (`error` first when it failed, then `campaign_complete`).
    async fn end(
        &mut self,
        end: JobEnd<'_>,
        level: LogLevel,
        message: &str,
    ) -> Result<(), ServiceError> {
        self.flush_engine_log().await?;
        let pareto_size = self
            .blocking(|engine| engine.pareto_front().len() as u32)
            .await?;
        let totals = Totals {
            iterations: self.engine.iteration(),
            evaluations: self.engine.spent() as u32,
            hypervolume: self.engine.hypervolume(),
            pareto_size,
        };
        end_job(self.services, &self.job, end, level, message, totals).await
    }

    /// Writes the log lines the engine produced since the last call.
    async fn flush_engine_log(&mut self) -> Result<(), ServiceError> {
        let pending: Vec<LogLine> = self
            .lines
            .lock()
            .map(|mut l| l.drain(..).collect())
            .unwrap_or_default();
        for line in pending {
            self.log(log_level(line.level), &line.to_string()).await?;
        }
        Ok(())
    }

    pub(super) async fn log(&mut self, level: LogLevel, message: &str) -> Result<(), ServiceError> {
        Ok(self
            .services
            .db
            .campaign_jobs()
            .log(&self.job.id, level, message, now_ms())
            .await?)
    }

    pub(super) async fn set_phase(&mut self, phase: JobPhase) -> Result<(), ServiceError> {
        Ok(self
            .services
            .db
            .campaign_jobs()
            .set_phase(&self.job.id, phase, now_ms())
            .await?)
    }

    pub(super) fn publish(&self, event: ProgressEvent) {
        self.services
            .progress()
            .publish(&self.job.campaign_id, event);
    }

    pub(super) fn job(&self) -> &CampaignJob {
        &self.job
    }

    pub(super) fn services(&self) -> &Services {
        self.services
    }

    pub(super) fn engine(&self) -> &Engine {
        &self.engine
    }

    pub(super) fn names(&self) -> &[String] {
        &self.names
    }
}

/// Awaits `task`, setting `cancel` when the job is stopped, cancelled, past its timeout or no
/// longer running (read every [`WATCH_INTERVAL`]), or when this future is dropped before
/// `task` ends.
async fn watch<T>(
    services: &Services,
    job_id: &JobId,
    cancel: &Cancel,
    task: tokio::task::JoinHandle<T>,
) -> Result<T, ServiceError> {
    let abandoned = CancelOnDrop(Some(cancel.clone()));
    tokio::pin!(task);
    let mut ticks = tokio::time::interval(WATCH_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        tokio::select! {
            joined = &mut task => {
                abandoned.disarm();
                return joined.map_err(|e| ServiceError::Internal(e.into()));
            }
            _ = ticks.tick(), if !cancel.is_cancelled() => {
                match services.db.campaign_jobs().job_for_worker(job_id).await {
                    Ok(job) => {
                        if job.cancel_requested || now_ms() > job.timeout_at || job.status.is_final() {
                            cancel.cancel();
                        }
                    }
                    // The database may be briefly away: the step goes on, and the next check
                    // or the step's end decides.
                    Err(e) => tracing::warn!(job.id = %job_id, error = %e, "could not check the job"),
                }
            }
        }
    }
}

/// Sets the cancel flag when dropped, unless disarmed first.
struct CancelOnDrop(Option<Cancel>);

impl CancelOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(cancel) = &self.0 {
            cancel.cancel();
        }
    }
}

/// What a campaign had reached when its job ended.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    iterations: u32,
    evaluations: u32,
    hypervolume: f64,
    pareto_size: u32,
}

/// Ends a job: logs `message` at `level`, records the end on the job and its campaign, and
/// tells the watchers (`error` first when it failed, then `campaign_complete`).
async fn end_job(
    services: &Services,
    job: &CampaignJob,
    end: JobEnd<'_>,
    level: LogLevel,
    message: &str,
    totals: Totals,
) -> Result<(), ServiceError> {
    let jobs = services.db.campaign_jobs();
    jobs.log(&job.id, level, message, now_ms()).await?;
    jobs.finish(job, end, now_ms()).await?;
    let hub = services.progress();
    if let Some(why) = end.error {
        hub.publish(
            &job.campaign_id,
            ProgressEvent::Error {
                code: domain::error::ErrorCode::JobFailed,
                message: why.to_owned(),
                iteration: totals.iterations,
            },
        );
    }
    hub.publish(
        &job.campaign_id,
        ProgressEvent::CampaignComplete {
            status: end.campaign,
            total_iterations: totals.iterations,
            total_evaluations: totals.evaluations,
            final_hypervolume: totals.hypervolume,
            pareto_size: totals.pareto_size,
        },
    );
    Ok(())
}

/// The job log's level for one of the engine's lines.
fn log_level(level: optimizer::campaign::Level) -> LogLevel {
    match level {
        optimizer::campaign::Level::Debug => LogLevel::Debug,
        optimizer::campaign::Level::Info => LogLevel::Info,
        optimizer::campaign::Level::Warning => LogLevel::Warning,
    }
}

/// A prior evaluation (iteration 0) as the engine takes it.
fn prior_row(document: &mdl::Mdl, e: &StoredEvaluation) -> (Point, Outcome) {
    let point: Point = e
        .parameters
        .as_object()
        .map(|m| {
            m.iter()
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
            objective_names(document)
                .into_iter()
                .zip(values.iter().copied())
                .collect(),
        ),
        None => Outcome::Failed,
    };
    (point, outcome)
}

/// What one finished iteration writes: its evaluations, its summary and the best value of
/// each objective so far. Built without awaiting (the engine is not `Sync`).
fn iteration_record(
    engine: &Engine,
    batch: &[Candidate],
    summary: &IterationSummary,
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

/// Why a replay stopped.
enum Replay {
    /// The cancel flag was set.
    Cancelled,
    /// The engine does not propose what was recorded.
    Mismatch(String),
}

impl From<CampaignError> for Replay {
    fn from(e: CampaignError) -> Self {
        match e {
            CampaignError::Cancelled => Replay::Cancelled,
            other => Replay::Mismatch(format!("cannot resume: {other}")),
        }
    }
}

/// Feeds `recorded` (iterations 1..=`through`) back into a fresh engine: each iteration's
/// proposals must be exactly the recorded candidates, which then get their recorded results.
fn replay(engine: &mut Engine, recorded: &[StoredEvaluation], through: i64) -> Result<(), Replay> {
    let names = objective_names(engine.mdl());
    for iteration in 1..=through {
        let batch = engine.ask()?;
        let stored: HashMap<&str, &StoredEvaluation> = recorded
            .iter()
            .filter(|e| e.iteration == iteration)
            .map(|e| (e.candidate_id.as_str(), e))
            .collect();
        if batch.len() != stored.len() {
            return Err(Replay::Mismatch(format!(
                "cannot resume: iteration {iteration} proposed {} candidates but {} were recorded",
                batch.len(),
                stored.len()
            )));
        }
        let mut results = Vec::with_capacity(batch.len());
        for c in &batch {
            let Some(e) = stored.get(c.id.as_str()) else {
                return Err(Replay::Mismatch(format!(
                    "cannot resume: candidate {} was not recorded",
                    c.id
                )));
            };
            if serde_json::to_value(&c.parameters).ok().as_ref() != Some(&e.parameters) {
                return Err(Replay::Mismatch(format!(
                    "cannot resume: candidate {} differs from the recorded one",
                    c.id
                )));
            }
            let outcome = match &e.objectives {
                Some(values) => {
                    Outcome::Objectives(names.iter().cloned().zip(values.iter().copied()).collect())
                }
                None => Outcome::Failed,
            };
            results.push((c.id.clone(), outcome));
        }
        engine.tell(&results)?;
    }
    Ok(())
}
