//! The durable task queue: one `tasks` table that every worker process shares.
//!
//! A *task* is one unit of background work (run a campaign job, analyse a file, …). Each kind
//! of task is a type implementing [`TaskKind`]: its name and its payload are declared once,
//! [`NewTask::of`] enqueues a value of that type and the handler registered with
//! [`Runner::handle`] receives it back, typed.
//!
//! A task is claimed by taking a time-limited lease (`lease_owner`, `lease_expires_at`). The
//! worker renews the lease while it runs ([`Tasks::heartbeat`]); if the worker dies, the lease
//! expires and the next claim takes the task again, so a crash loses at most the work in
//! flight. A failure puts the task back with an exponential back-off until `max_attempts`, then
//! it is `dead`. Claiming is one atomic statement: PostgreSQL uses `FOR UPDATE SKIP LOCKED`,
//! SQLite a single `UPDATE … RETURNING` under its database-wide write lock. Enqueueing on a
//! unit of work ([`crate::Tx`]) makes the task visible to workers only when it commits.
//!
//! Every method takes `now` (unix milliseconds) from the caller, so tests can move time.

mod runner;

pub use runner::{
    permanent, Handles, LaneSlots, PermanentFailure, Runner, RunnerConfig, TaskContext, TaskHandler,
};

use std::time::Duration;

use domain::auth::Plan;
use domain::ids::TaskId;
pub use domain::tasks::TaskState;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{AccountId, Backend, Db, StoreError};

/// A kind of task: the name stored with it and the payload its handler receives, declared
/// once (the shape of crates.io's `BackgroundJob`).
pub trait TaskKind: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Unique name, stored in the task's `kind`.
    const NAME: &'static str;
    /// Attempts before the task is `dead`.
    const MAX_ATTEMPTS: i64 = 5;
    /// The queue it waits in: each queue has worker slots of its own (see [`Lane`]).
    const QUEUE: &'static str = DEFAULT_QUEUE;
}

/// The queue of task kinds that name none.
pub const DEFAULT_QUEUE: &str = "background";

/// A task as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// `task_…` (rows queued before tasks had their own prefix keep `job_…`).
    pub id: String,
    /// Which handler runs it: a [`TaskKind::NAME`].
    pub kind: String,
    /// The queue it waits in: a [`TaskKind::QUEUE`].
    pub queue: String,
    /// The account it works for, when it works for one: claims take accounts in turn.
    pub account_id: Option<String>,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// Current state.
    pub status: TaskState,
    /// Higher runs first.
    pub priority: i64,
    /// Claims so far (the current one included while running).
    pub attempts: i64,
    /// Attempts before the job is `dead`.
    pub max_attempts: i64,
    /// Not claimed before this time (ms).
    pub run_at: i64,
    /// The worker holding the lease, while running.
    pub lease_owner: Option<String>,
    /// When the lease runs out (ms), while running.
    pub lease_expires_at: Option<i64>,
    /// The last failure's message.
    pub last_error: Option<String>,
    /// When enqueued (ms).
    pub created_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
    /// First claim (ms).
    pub started_at: Option<i64>,
    /// When it reached a final state (ms).
    pub finished_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct TaskRow {
    id: String,
    kind: String,
    queue: String,
    account_id: Option<String>,
    payload: String,
    status: TaskState,
    priority: i64,
    attempts: i64,
    max_attempts: i64,
    run_at: i64,
    lease_owner: Option<String>,
    lease_expires_at: Option<i64>,
    last_error: Option<String>,
    created_at: i64,
    updated_at: i64,
    started_at: Option<i64>,
    finished_at: Option<i64>,
}

const COLUMNS: &str =
    "id, kind, queue, account_id, payload, status, priority, attempts, max_attempts, run_at, \
    lease_owner, lease_expires_at, last_error, created_at, updated_at, started_at, finished_at";

impl TryFrom<TaskRow> for Task {
    type Error = StoreError;

    fn try_from(row: TaskRow) -> Result<Self, Self::Error> {
        Ok(Task {
            payload: serde_json::from_str(&row.payload)
                .map_err(|e| StoreError::Corrupt(format!("task {} payload: {e}", row.id)))?,
            status: row.status,
            id: row.id,
            kind: row.kind,
            queue: row.queue,
            account_id: row.account_id,
            priority: row.priority,
            attempts: row.attempts,
            max_attempts: row.max_attempts,
            run_at: row.run_at,
            lease_owner: row.lease_owner,
            lease_expires_at: row.lease_expires_at,
            last_error: row.last_error,
            created_at: row.created_at,
            updated_at: row.updated_at,
            started_at: row.started_at,
            finished_at: row.finished_at,
        })
    }
}

/// A task to enqueue.
#[derive(Debug, Clone)]
pub struct NewTask {
    /// Which handler runs it.
    pub kind: String,
    /// The queue it waits in.
    pub queue: String,
    /// The account it works for (see [`NewTask::for_account`]).
    pub account_id: Option<String>,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// Higher runs first (default 0).
    pub priority: i64,
    /// Attempts before `dead` (default 5).
    pub max_attempts: i64,
    /// Earliest start (ms); `None` means now.
    pub run_at: Option<i64>,
}

impl NewTask {
    /// A task of kind `T` with this payload, its kind's attempts, default priority and start.
    pub fn of<T: TaskKind>(task: &T) -> Self {
        Self {
            kind: T::NAME.to_owned(),
            queue: T::QUEUE.to_owned(),
            account_id: None,
            // A payload is a plain struct of ids and numbers: serialising it cannot fail.
            payload: serde_json::to_value(task).unwrap_or(serde_json::Value::Null),
            priority: 0,
            max_attempts: T::MAX_ATTEMPTS,
            run_at: None,
        }
    }

    /// A task of the kind named `kind` with a raw `payload` (the queue's own tests; services
    /// use [`NewTask::of`]).
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> Self {
        Self {
            kind: kind.into(),
            queue: DEFAULT_QUEUE.to_owned(),
            account_id: None,
            payload,
            priority: 0,
            max_attempts: 5,
            run_at: None,
        }
    }

    /// Sets the number of attempts before the job is `dead`.
    #[must_use]
    pub fn max_attempts(mut self, n: i64) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Delays the first run until `run_at` (ms).
    #[must_use]
    pub fn run_at(mut self, run_at: i64) -> Self {
        self.run_at = Some(run_at);
        self
    }

    /// Marks the task as work for `account`: claims share a queue's slots between accounts in
    /// turn and hold each account to its cap ([`Lane`]).
    #[must_use]
    pub fn for_account(mut self, account: &AccountId) -> Self {
        self.account_id = Some(account.as_str().to_owned());
        self
    }

    /// Puts the task in `queue` instead of its kind's (the queue's own tests).
    #[must_use]
    pub fn in_queue(mut self, queue: impl Into<String>) -> Self {
        self.queue = queue.into();
        self
    }

    /// Sets the priority (higher first).
    #[must_use]
    pub fn priority(mut self, priority: i64) -> Self {
        self.priority = priority;
        self
    }
}

/// Which tasks a claim may take, and how it shares them between accounts.
///
/// Every claim is fair: among the runnable tasks of the highest priority it takes the account
/// with the fewest tasks running in the queue, then the one served least recently, so one
/// account's ten queued tasks wait their turn behind another's one. With `account_cap` an
/// account whose plan's number of tasks already run in the queue gets nothing until one ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    /// The queue to take from; `None` takes from every queue (tests, `run_pending`).
    pub queue: Option<String>,
    /// Tasks of one account running at once in this queue, by plan; `None` for no cap.
    pub account_cap: Option<PlanCaps>,
}

impl Lane {
    /// Every queue, no cap per account.
    pub fn any() -> Self {
        Self {
            queue: None,
            account_cap: None,
        }
    }

    /// The queue named `queue`, no cap per account.
    pub fn queue(queue: impl Into<String>) -> Self {
        Self {
            queue: Some(queue.into()),
            account_cap: None,
        }
    }

    /// The same lane, holding each account to `caps`.
    #[must_use]
    pub fn capped(mut self, caps: PlanCaps) -> Self {
        self.account_cap = Some(caps);
        self
    }
}

/// A number of tasks per plan (e.g. campaigns one account may run at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanCaps {
    /// For `free` accounts (and tasks of accounts that no longer exist).
    pub free: u32,
    /// For `pro` accounts.
    pub pro: u32,
    /// For `scale` accounts.
    pub scale: u32,
}

impl PlanCaps {
    /// The cap of `plan`.
    pub fn of(&self, plan: Plan) -> u32 {
        match plan {
            Plan::Free => self.free,
            Plan::Pro => self.pro,
            Plan::Scale => self.scale,
        }
    }
}

/// Exponential back-off between attempts: `base × 2^(attempt-1)`, capped at `max`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Delay after the first failure.
    pub base: Duration,
    /// Longest delay.
    pub max: Duration,
}

impl Backoff {
    /// Delay in milliseconds after failed attempt number `attempt` (1-based).
    pub fn delay_ms(&self, attempt: i64) -> i64 {
        let exp = u32::try_from(attempt.saturating_sub(1).clamp(0, 32)).unwrap_or(32);
        let base = i64::try_from(self.base.as_millis()).unwrap_or(i64::MAX);
        let max = i64::try_from(self.max.as_millis()).unwrap_or(i64::MAX);
        base.saturating_mul(1_i64 << exp.min(62)).min(max)
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(5),
            max: Duration::from_secs(3600),
        }
    }
}

/// What [`Tasks::fail`] did with a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOutcome {
    /// Queued again; not before this time (ms).
    Retrying {
        /// Earliest next attempt (ms).
        run_at: i64,
    },
    /// No attempts left (or the failure was permanent): the job is `dead`.
    Dead,
    /// This worker no longer held the lease, so nothing was changed.
    LeaseLost,
}

/// Counts of tasks per state.
pub use domain::status::TaskCounts;

/// The queue's operations. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Tasks {
    db: Db,
}

const MAX_ERROR_LEN: usize = 4000;

impl Db {
    /// The task queue stored in this database.
    pub fn tasks(&self) -> Tasks {
        Tasks { db: self.clone() }
    }
}

impl Tasks {
    /// Adds a task; it runs when `run_at` has passed and a worker is free (and, on a unit of
    /// work, once that commits).
    pub async fn enqueue(&self, new: NewTask, now: i64) -> Result<Task, StoreError> {
        let id = TaskId::generate();
        let payload = new.payload.to_string();
        let sql = format!(
            "INSERT INTO tasks (id, kind, queue, account_id, payload, status, priority, attempts, \
             max_attempts, run_at, created_at, updated_at) \
             VALUES ($1, $2, $9, $10, $3, $4, $5, 0, $6, $7, $8, $8) \
             RETURNING {COLUMNS}"
        );
        let row: TaskRow = sqlx::query_as(&sql)
            .bind(id.as_str())
            .bind(&new.kind)
            .bind(&payload)
            .bind(TaskState::Queued)
            .bind(new.priority)
            .bind(new.max_attempts.max(1))
            .bind(new.run_at.unwrap_or(now))
            .bind(now)
            .bind(&new.queue)
            .bind(new.account_id.as_deref())
            .fetch_one(&mut *self.db.conn().await?)
            .await?;
        row.try_into()
    }

    /// Fetches one job.
    pub async fn get(&self, id: &str) -> Result<Task, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM tasks WHERE id = $1");
        let row: TaskRow = sqlx::query_as(&sql)
            .bind(id)
            .fetch_one(&mut *self.db.conn().await?)
            .await?;
        row.try_into()
    }

    /// Leases the next runnable task of any queue to `worker` until `now + lease_ms` (see
    /// [`Tasks::claim_in`]).
    pub async fn claim(
        &self,
        worker: &str,
        lease_ms: i64,
        now: i64,
    ) -> Result<Option<Task>, StoreError> {
        self.claim_in(&Lane::any(), worker, lease_ms, now).await
    }

    /// Leases the next runnable task of `lane` to `worker` until `now + lease_ms`.
    ///
    /// Runnable: queued with `run_at <= now`, or running with an expired lease and attempts
    /// left (its worker died). Highest priority first; then accounts in turn (fewest running
    /// in the queue, then least recently served); then oldest `run_at`. An account at its
    /// lane's cap is passed over. On PostgreSQL claims of one queue take turns on an advisory
    /// lock, so two workers cannot both see room under a cap and both take it.
    pub async fn claim_in(
        &self,
        lane: &Lane,
        worker: &str,
        lease_ms: i64,
        now: i64,
    ) -> Result<Option<Task>, StoreError> {
        let (lock, locked) = match self.db.backend() {
            Backend::Postgres => ("FOR UPDATE OF t SKIP LOCKED", true),
            // SQLite runs the whole statement under its single write lock.
            Backend::Sqlite => ("", false),
        };
        // Tasks of the same account in the same queue that hold a live lease.
        let running = "(SELECT COUNT(*) FROM tasks r WHERE r.queue = t.queue \
            AND r.account_id = t.account_id AND r.status = $1 AND r.lease_expires_at >= $4)";
        let sql = format!(
            "UPDATE tasks SET status = $1, attempts = attempts + 1, lease_owner = $2, \
             lease_expires_at = $3, started_at = COALESCE(started_at, $4), updated_at = $4 \
             WHERE id = (SELECT t.id FROM tasks t LEFT JOIN accounts a ON a.id = t.account_id \
                 WHERE (CAST($6 AS TEXT) IS NULL OR t.queue = $6) \
                   AND ((t.status = $5 AND t.run_at <= $4) \
                     OR (t.status = $1 AND t.lease_expires_at < $4 AND t.attempts < t.max_attempts)) \
                   AND (t.account_id IS NULL OR CAST($7 AS BIGINT) IS NULL \
                     OR {running} < CASE a.plan WHEN $10 THEN $8 WHEN $11 THEN $9 ELSE $7 END) \
                 ORDER BY t.priority DESC, {running} ASC, \
                   COALESCE((SELECT MAX(r.started_at) FROM tasks r WHERE r.queue = t.queue \
                     AND r.account_id = t.account_id), 0) ASC, \
                   t.run_at ASC, t.id ASC \
                 LIMIT 1 {lock}) \
             RETURNING {COLUMNS}"
        );
        let caps = lane.account_cap;
        let query = sqlx::query_as::<_, TaskRow>(&sql)
            .bind(TaskState::Running)
            .bind(worker)
            .bind(now.saturating_add(lease_ms))
            .bind(now)
            .bind(TaskState::Queued)
            .bind(lane.queue.as_deref())
            .bind(caps.map(|c| i64::from(c.free)))
            .bind(caps.map(|c| i64::from(c.pro)))
            .bind(caps.map(|c| i64::from(c.scale)))
            .bind(Plan::Pro)
            .bind(Plan::Scale);
        let row = if locked && !self.db.in_transaction() {
            let tx = self.db.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(claim_lock_key(lane.queue.as_deref()))
                .execute(&mut *tx.conn().await?)
                .await?;
            let row = query.fetch_optional(&mut *tx.conn().await?).await?;
            tx.commit().await?;
            row
        } else {
            query.fetch_optional(&mut *self.db.conn().await?).await?
        };
        row.map(Task::try_from).transpose()
    }

    /// Extends `worker`'s lease on job `id`. `false` means the lease was lost (it expired and
    /// another worker took the job, or the job was cancelled): stop working on it.
    pub async fn heartbeat(
        &self,
        id: &str,
        worker: &str,
        lease_ms: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE tasks SET lease_expires_at = $1, updated_at = $2 \
             WHERE id = $3 AND lease_owner = $4 AND status = $5",
        )
        .bind(now.saturating_add(lease_ms))
        .bind(now)
        .bind(id)
        .bind(worker)
        .bind(TaskState::Running)
        .execute(&mut *self.db.conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks the job completed. `false` when `worker` no longer holds the lease.
    pub async fn complete(&self, id: &str, worker: &str, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE tasks SET status = $1, lease_owner = NULL, lease_expires_at = NULL, \
             finished_at = $2, updated_at = $2 \
             WHERE id = $3 AND lease_owner = $4 AND status = $5",
        )
        .bind(TaskState::Completed)
        .bind(now)
        .bind(id)
        .bind(worker)
        .bind(TaskState::Running)
        .execute(&mut *self.db.conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a failed attempt: back to the queue after the back-off, or `dead` when no attempts
    /// are left or `permanent` is set.
    pub async fn fail(
        &self,
        job: &Task,
        worker: &str,
        error: &str,
        backoff: &Backoff,
        permanent: bool,
        now: i64,
    ) -> Result<FailOutcome, StoreError> {
        let error = truncate(error, MAX_ERROR_LEN);
        let (outcome, done) = if permanent || job.attempts >= job.max_attempts {
            let done = sqlx::query(
                "UPDATE tasks SET status = $1, last_error = $2, lease_owner = NULL, \
                 lease_expires_at = NULL, finished_at = $3, updated_at = $3 \
                 WHERE id = $4 AND lease_owner = $5 AND status = $6",
            )
            .bind(TaskState::Dead)
            .bind(error)
            .bind(now)
            .bind(&job.id)
            .bind(worker)
            .bind(TaskState::Running)
            .execute(&mut *self.db.conn().await?)
            .await?;
            (FailOutcome::Dead, done)
        } else {
            let run_at = now.saturating_add(backoff.delay_ms(job.attempts));
            let done = sqlx::query(
                "UPDATE tasks SET status = $1, last_error = $2, run_at = $3, \
                 updated_at = $4, lease_owner = NULL, lease_expires_at = NULL \
                 WHERE id = $5 AND lease_owner = $6 AND status = $7",
            )
            .bind(TaskState::Queued)
            .bind(error)
            .bind(run_at)
            .bind(now)
            .bind(&job.id)
            .bind(worker)
            .bind(TaskState::Running)
            .execute(&mut *self.db.conn().await?)
            .await?;
            (FailOutcome::Retrying { run_at }, done)
        };
        Ok(if done.rows_affected() == 1 {
            outcome
        } else {
            FailOutcome::LeaseLost
        })
    }

    /// Gives a leased job back without counting the attempt (graceful shutdown).
    pub async fn release(&self, id: &str, worker: &str, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE tasks SET status = $1, attempts = attempts - 1, lease_owner = NULL, \
             lease_expires_at = NULL, run_at = $2, updated_at = $2 \
             WHERE id = $3 AND lease_owner = $4 AND status = $5",
        )
        .bind(TaskState::Queued)
        .bind(now)
        .bind(id)
        .bind(worker)
        .bind(TaskState::Running)
        .execute(&mut *self.db.conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Cancels a job that has not started. `false` when it was not queued.
    pub async fn cancel(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE tasks SET status = $1, finished_at = $2, updated_at = $2 \
             WHERE id = $3 AND status = $4",
        )
        .bind(TaskState::Cancelled)
        .bind(now)
        .bind(id)
        .bind(TaskState::Queued)
        .execute(&mut *self.db.conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks `dead` the tasks whose worker died during their last allowed attempt.
    pub async fn reap_exhausted(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE tasks SET status = $1, last_error = $2, \
             lease_owner = NULL, lease_expires_at = NULL, finished_at = $3, updated_at = $3 \
             WHERE status = $4 AND lease_expires_at < $3 AND attempts >= max_attempts",
        )
        .bind(TaskState::Dead)
        .bind("the worker stopped responding during the last allowed attempt")
        .bind(now)
        .bind(TaskState::Running)
        .execute(&mut *self.db.conn().await?)
        .await?;
        Ok(done.rows_affected())
    }

    /// Deletes finished tasks (completed, dead, cancelled) that finished before `before` (ms).
    pub async fn purge_finished(&self, before: i64) -> Result<u64, StoreError> {
        let done =
            sqlx::query("DELETE FROM tasks WHERE status IN ($1, $2, $3) AND finished_at < $4")
                .bind(TaskState::Completed)
                .bind(TaskState::Dead)
                .bind(TaskState::Cancelled)
                .bind(before)
                .execute(&mut *self.db.conn().await?)
                .await?;
        Ok(done.rows_affected())
    }

    /// Number of tasks in each state.
    pub async fn counts(&self) -> Result<TaskCounts, StoreError> {
        let rows: Vec<(TaskState, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM tasks GROUP BY status")
                .fetch_all(&mut *self.db.conn().await?)
                .await?;
        let mut counts = TaskCounts::default();
        for (status, n) in rows {
            let n = u64::try_from(n).unwrap_or_default();
            match status {
                TaskState::Queued => counts.queued = n,
                TaskState::Running => counts.running = n,
                TaskState::Completed => counts.completed = n,
                TaskState::Dead => counts.dead = n,
                TaskState::Cancelled => counts.cancelled = n,
            }
        }
        Ok(counts)
    }
}

/// The PostgreSQL advisory lock that claims from `queue` take turns on: a fixed prefix and the
/// queue name's FNV-1a hash, so it is the same in every process.
fn claim_lock_key(queue: Option<&str>) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in "mattercraft.tasks.claim:"
        .bytes()
        .chain(queue.unwrap_or("*").bytes())
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let b = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_millis(1000),
        };
        let delays: Vec<i64> = (1..=6).map(|a| b.delay_ms(a)).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(b.delay_ms(10_000), 1000);
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate("héllo", 2), "h");
        assert_eq!(truncate("abc", 10), "abc");
    }

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Ping {
        n: u32,
    }

    impl TaskKind for Ping {
        const NAME: &'static str = "ping";
        const MAX_ATTEMPTS: i64 = 2;
    }

    #[test]
    fn a_typed_task_carries_its_name_payload_and_attempts() {
        let task = NewTask::of(&Ping { n: 7 });
        assert_eq!(task.kind, "ping");
        assert_eq!(task.payload, serde_json::json!({"n": 7}));
        assert_eq!(task.max_attempts, 2);
    }
}
