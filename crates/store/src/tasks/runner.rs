//! The worker loop that claims tasks from the queue and runs their handlers.
//!
//! Each task runs in its own tokio task with a heartbeat that renews the lease every third of
//! the lease time. If the lease is lost the handler is dropped (stopping its work at the next
//! `.await`); a panic in a handler counts as a failed attempt, never as a crashed worker.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use futures::FutureExt;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::{Backoff, FailOutcome, Lane, Task, TaskKind, Tasks};
use crate::{now_ms, Db, StoreError};

/// Runs the tasks of one kind, given as stored (the queue's own tests register raw handlers;
/// services use [`Handles`]). Implementations must be idempotent: after a crash the same task
/// can run again from the start (or from whatever progress it persisted).
#[async_trait]
pub trait TaskHandler: Send + Sync + 'static {
    /// Does the work for `task`. An error is retried with back-off unless it wraps
    /// [`PermanentFailure`] (see [`permanent`]).
    async fn run(&self, task: &Task) -> anyhow::Result<()>;
}

/// What a handler may want to know about the task it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskContext {
    /// The task's id.
    pub id: String,
    /// The worker running it (its lease owner).
    pub worker_id: String,
    /// This attempt's number, from 1.
    pub attempt: i64,
}

/// Handles the tasks of kind `T`, receiving each one's payload typed. Must be idempotent
/// (see [`TaskHandler`]).
#[async_trait]
pub trait Handles<T: TaskKind>: Send + Sync + 'static {
    /// Does the work. An error is retried with back-off unless it wraps [`PermanentFailure`].
    async fn handle(&self, task: T, context: &TaskContext) -> anyhow::Result<()>;
}

/// A typed handler seen as a raw one: decodes the payload (a payload that does not decode is a
/// permanent failure: retrying cannot fix it) and passes it on.
struct Typed<T, H> {
    handler: H,
    kind: std::marker::PhantomData<fn() -> T>,
}

#[async_trait]
impl<T: TaskKind, H: Handles<T>> TaskHandler for Typed<T, H> {
    async fn run(&self, task: &Task) -> anyhow::Result<()> {
        let payload: T = serde_json::from_value(task.payload.clone()).map_err(|e| {
            permanent(format!(
                "a {} task whose payload does not decode: {e}",
                T::NAME
            ))
        })?;
        let context = TaskContext {
            id: task.id.clone(),
            worker_id: task.lease_owner.clone().unwrap_or_default(),
            attempt: task.attempts,
        };
        self.handler.handle(payload, &context).await
    }
}

/// Marks an error as not worth retrying (e.g. corrupt input): the job goes straight to `dead`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PermanentFailure(pub String);

/// Wraps `err` so the runner does not retry it.
pub fn permanent(err: impl std::fmt::Display) -> anyhow::Error {
    PermanentFailure(err.to_string()).into()
}

/// How a [`Runner`] behaves.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// Unique name of this worker, stored as the lease owner.
    pub worker_id: String,
    /// The lanes this runner claims from, each with slots of its own, so a busy queue (long
    /// campaigns) never holds up another (file analysis, mail).
    pub lanes: Vec<LaneSlots>,
    /// Lease length; the heartbeat renews it every third.
    pub lease: Duration,
    /// Wait between claims when the queue is empty.
    pub poll_interval: Duration,
    /// Delay between attempts of a failing job.
    pub backoff: Backoff,
    /// How long shutdown waits for running jobs before giving them back to the queue.
    pub shutdown_grace: Duration,
}

/// A lane and how many of its tasks this runner runs at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaneSlots {
    /// Which tasks, shared how between accounts.
    pub lane: Lane,
    /// Tasks of this lane run at once by this runner (at least 1).
    pub slots: usize,
}

impl LaneSlots {
    /// `slots` at once from `lane`.
    pub fn new(lane: Lane, slots: usize) -> Self {
        Self {
            lane,
            slots: slots.max(1),
        }
    }
}

impl RunnerConfig {
    /// Defaults: one lane over every queue with 2 slots, 30 s lease, 1 s poll, 5 s × 2ⁿ
    /// back-off up to 1 h, 20 s grace.
    pub fn new(worker_id: impl Into<String>) -> Self {
        Self {
            worker_id: worker_id.into(),
            lanes: vec![LaneSlots::new(Lane::any(), 2)],
            lease: Duration::from_secs(30),
            poll_interval: Duration::from_secs(1),
            backoff: Backoff::default(),
            shutdown_grace: Duration::from_secs(20),
        }
    }
}

/// Claims and runs jobs. Cheap to clone; clones share handlers and in-flight bookkeeping.
#[derive(Clone)]
pub struct Runner {
    inner: Arc<Inner>,
}

struct Inner {
    jobs: Tasks,
    handlers: HashMap<String, Arc<dyn TaskHandler>>,
    config: RunnerConfig,
    in_flight: Mutex<HashSet<String>>,
}

impl Runner {
    /// A runner on `db` with no handlers yet.
    pub fn new(db: &Db, config: RunnerConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                jobs: db.tasks(),
                handlers: HashMap::new(),
                config,
                in_flight: Mutex::new(HashSet::new()),
            }),
        }
    }

    /// Registers `handler` for the tasks of kind `T`. Call before the runner is cloned or
    /// started.
    ///
    /// # Panics
    /// When called after the runner was cloned (a programming error at start-up).
    #[must_use]
    pub fn handle<T: TaskKind>(self, handler: impl Handles<T>) -> Self {
        self.register(
            T::NAME,
            Typed {
                handler,
                kind: std::marker::PhantomData,
            },
        )
    }

    /// Registers a raw handler for the tasks named `kind` (the queue's own tests; services
    /// register typed handlers with [`Runner::handle`]).
    ///
    /// # Panics
    /// When called after the runner was cloned (a programming error at start-up).
    #[must_use]
    pub fn register(mut self, kind: &str, handler: impl TaskHandler) -> Self {
        Arc::get_mut(&mut self.inner)
            .expect("register handlers before cloning the runner")
            .handlers
            .insert(kind.to_owned(), Arc::new(handler));
        self
    }

    /// This runner's worker id.
    pub fn worker_id(&self) -> &str {
        &self.inner.config.worker_id
    }

    /// Claims and runs tasks from every lane until `shutdown` resolves, then waits up to the
    /// grace period for running tasks and gives the rest back to the queue.
    pub async fn run_until(&self, shutdown: impl Future<Output = ()>) {
        let config = &self.inner.config;
        let (stop, _) = tokio::sync::watch::channel(false);
        let mut lanes = JoinSet::new();
        for lane in config.lanes.clone() {
            let runner = self.clone();
            let mut stopped = stop.subscribe();
            lanes.spawn(async move {
                runner
                    .run_lane(&lane, async move {
                        // An error means the sender is gone: stop as well.
                        let _ = stopped.wait_for(|stop| *stop).await;
                    })
                    .await;
            });
        }
        tracing::info!(
            worker.id = %config.worker_id,
            lanes = ?config.lanes.iter().map(|l| (l.lane.queue.as_deref().unwrap_or("*"), l.slots)).collect::<Vec<_>>(),
            "task runner started"
        );
        shutdown.await;
        let _ = stop.send(true);
        while lanes.join_next().await.is_some() {}
        tracing::info!(worker.id = %config.worker_id, "task runner stopped");
    }

    /// One lane's loop: a claim whenever one of its slots is free.
    async fn run_lane(&self, lane: &LaneSlots, shutdown: impl Future<Output = ()>) {
        let config = &self.inner.config;
        let slots = Arc::new(Semaphore::new(lane.slots.max(1)));
        let mut tasks = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            let permit = tokio::select! {
                () = &mut shutdown => break,
                permit = slots.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
            };
            while tasks.try_join_next().is_some() {}
            match self.claim_next(&lane.lane).await {
                Ok(Some(job)) => {
                    let runner = self.clone();
                    tasks.spawn(async move {
                        runner.execute(job).await;
                        drop(permit);
                    });
                }
                Ok(None) => {
                    drop(permit);
                    tokio::select! {
                        () = &mut shutdown => break,
                        () = tokio::time::sleep(config.poll_interval) => {}
                    }
                }
                Err(err) => {
                    drop(permit);
                    tracing::warn!(error = %err, "could not claim a task; retrying");
                    tokio::select! {
                        () = &mut shutdown => break,
                        () = tokio::time::sleep(config.poll_interval * 2) => {}
                    }
                }
            }
        }
        let waiting = async { while tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(config.shutdown_grace, waiting)
            .await
            .is_err()
        {
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
            self.release_in_flight().await;
        }
    }

    /// Runs every task that is runnable now, one at a time, lane after lane, until none is
    /// left; returns how many ran. Tasks whose back-off puts them in the future are left for
    /// later. Tests use it to drain the queue synchronously.
    pub async fn run_pending(&self) -> Result<usize, StoreError> {
        let mut ran = 0;
        loop {
            let mut claimed = None;
            for lane in &self.inner.config.lanes {
                claimed = self.claim_next(&lane.lane).await?;
                if claimed.is_some() {
                    break;
                }
            }
            let Some(job) = claimed else { return Ok(ran) };
            self.execute(job).await;
            ran += 1;
        }
    }

    async fn claim_next(&self, lane: &Lane) -> Result<Option<Task>, StoreError> {
        let jobs = &self.inner.jobs;
        let now = now_ms();
        let reaped = jobs.reap_exhausted(now).await?;
        if reaped > 0 {
            tracing::warn!(
                count = reaped,
                "tasks whose worker died on the last attempt are dead"
            );
        }
        let lease_ms = i64::try_from(self.inner.config.lease.as_millis()).unwrap_or(i64::MAX);
        jobs.claim_in(lane, &self.inner.config.worker_id, lease_ms, now)
            .await
    }

    async fn execute(&self, job: Task) {
        let inner = &self.inner;
        let worker = inner.config.worker_id.as_str();
        let started = std::time::Instant::now();
        self.track(&job.id, true);
        let span = tracing::info_span!(
            "task",
            task.id = %job.id,
            task.kind = %job.kind,
            task.attempt = job.attempts
        );

        let result = match inner.handlers.get(&job.kind) {
            None => Some(Err(permanent(format!(
                "no handler is registered for task kind '{}'",
                job.kind
            )))),
            Some(handler) => {
                let work = AssertUnwindSafe(handler.run(&job)).catch_unwind();
                tokio::select! {
                    outcome = work => Some(outcome.unwrap_or_else(|panic| {
                        Err(anyhow::anyhow!("the task panicked: {}", panic_message(&panic)))
                    })),
                    () = self.keep_lease(&job) => None,
                }
            }
        };
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let now = now_ms();
        match result {
            None => tracing::warn!(
                parent: &span,
                duration_ms,
                "lease lost (another worker took the task over); work abandoned"
            ),
            Some(Ok(())) => match inner.jobs.complete(&job.id, worker, now).await {
                Ok(true) => tracing::info!(parent: &span, duration_ms, "task completed"),
                Ok(false) => tracing::warn!(
                    parent: &span,
                    duration_ms,
                    "task finished after its lease was lost; result kept by the new owner"
                ),
                Err(err) => {
                    tracing::error!(parent: &span, error = %err, "could not record completion")
                }
            },
            Some(Err(err)) => {
                let is_permanent = err.downcast_ref::<PermanentFailure>().is_some();
                let message = format!("{err:#}");
                match inner
                    .jobs
                    .fail(
                        &job,
                        worker,
                        &message,
                        &inner.config.backoff,
                        is_permanent,
                        now,
                    )
                    .await
                {
                    Ok(FailOutcome::Retrying { run_at }) => tracing::warn!(
                        parent: &span,
                        duration_ms,
                        error = %message,
                        retry_in_ms = run_at - now,
                        "task failed; will retry"
                    ),
                    Ok(FailOutcome::Dead) => tracing::error!(
                        parent: &span,
                        duration_ms,
                        error = %message,
                        "task failed for the last time; it is dead"
                    ),
                    Ok(FailOutcome::LeaseLost) => tracing::warn!(
                        parent: &span,
                        error = %message,
                        "task failed after its lease was lost"
                    ),
                    Err(store_err) => tracing::error!(
                        parent: &span,
                        error = %store_err,
                        "could not record the failure; the lease will expire and the task rerun"
                    ),
                }
            }
        }
        self.track(&job.id, false);
    }

    /// Renews the lease until it is lost; only returns when it was.
    async fn keep_lease(&self, job: &Task) {
        let config = &self.inner.config;
        let lease_ms = i64::try_from(config.lease.as_millis()).unwrap_or(i64::MAX);
        let mut ticks = tokio::time::interval((config.lease / 3).max(Duration::from_millis(10)));
        ticks.tick().await;
        loop {
            ticks.tick().await;
            match self
                .inner
                .jobs
                .heartbeat(&job.id, &config.worker_id, lease_ms, now_ms())
                .await
            {
                Ok(true) => {}
                Ok(false) => return,
                // The database may be briefly away; keep working and try again next tick.
                Err(err) => tracing::warn!(task.id = %job.id, error = %err, "heartbeat failed"),
            }
        }
    }

    fn track(&self, id: &str, running: bool) {
        let mut set = self
            .inner
            .in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if running {
            set.insert(id.to_owned());
        } else {
            set.remove(id);
        }
    }

    async fn release_in_flight(&self) {
        let ids: Vec<String> = {
            let mut set = self
                .inner
                .in_flight
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            set.drain().collect()
        };
        for id in ids {
            match self
                .inner
                .jobs
                .release(&id, &self.inner.config.worker_id, now_ms())
                .await
            {
                Ok(_) => tracing::info!(task.id = %id, "task given back to the queue at shutdown"),
                Err(err) => tracing::warn!(task.id = %id, error = %err, "could not release task"),
            }
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}
