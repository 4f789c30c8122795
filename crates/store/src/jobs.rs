//! The durable job queue: one `jobs` table that every worker process shares.
//!
//! A job is claimed by taking a time-limited lease (`lease_owner`, `lease_expires_at`). The
//! worker renews the lease while it runs ([`Jobs::heartbeat`]); if the worker dies, the lease
//! expires and the next claim takes the job again, so a crash loses at most the work in flight.
//! A failure puts the job back with an exponential back-off until `max_attempts`, then it is
//! `dead`. Claiming is one atomic statement: PostgreSQL uses `FOR UPDATE SKIP LOCKED`, SQLite a
//! single `UPDATE … RETURNING` under its database-wide write lock.
//!
//! Every method takes `now` (unix milliseconds) from the caller, so tests can move time.

mod runner;

pub use runner::{permanent, JobHandler, PermanentFailure, Runner, RunnerConfig};

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::Serialize;

use crate::{ids, Backend, Db, StoreError};

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for `run_at` and a free worker.
    Queued,
    /// Leased by a worker.
    Running,
    /// Finished successfully.
    Completed,
    /// Failed `max_attempts` times; will not run again by itself.
    Dead,
    /// Cancelled before it ran.
    Cancelled,
}

impl JobStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Completed => "completed",
            JobStatus::Dead => "dead",
            JobStatus::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobStatus {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "completed" => JobStatus::Completed,
            "dead" => JobStatus::Dead,
            "cancelled" => JobStatus::Cancelled,
            other => return Err(StoreError::Corrupt(format!("unknown job status '{other}'"))),
        })
    }
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// `job_…` id.
    pub id: String,
    /// Which handler runs it.
    pub job_type: String,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// Current state.
    pub status: JobStatus,
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
struct JobRow {
    id: String,
    job_type: String,
    payload: String,
    status: String,
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

const COLUMNS: &str = "id, job_type, payload, status, priority, attempts, max_attempts, run_at, \
    lease_owner, lease_expires_at, last_error, created_at, updated_at, started_at, finished_at";

impl TryFrom<JobRow> for Job {
    type Error = StoreError;

    fn try_from(row: JobRow) -> Result<Self, Self::Error> {
        Ok(Job {
            payload: serde_json::from_str(&row.payload)
                .map_err(|e| StoreError::Corrupt(format!("job {} payload: {e}", row.id)))?,
            status: row.status.parse()?,
            id: row.id,
            job_type: row.job_type,
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

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Which handler runs it.
    pub job_type: String,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// Higher runs first (default 0).
    pub priority: i64,
    /// Attempts before `dead` (default 5).
    pub max_attempts: i64,
    /// Earliest start (ms); `None` means now.
    pub run_at: Option<i64>,
}

impl NewJob {
    /// A job of `job_type` with `payload` and default priority, attempts and start.
    pub fn new(job_type: impl Into<String>, payload: serde_json::Value) -> Self {
        Self {
            job_type: job_type.into(),
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

    /// Sets the priority (higher first).
    #[must_use]
    pub fn priority(mut self, priority: i64) -> Self {
        self.priority = priority;
        self
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

/// What [`Jobs::fail`] did with a failed attempt.
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

/// Counts of jobs per state.
pub use domain::status::JobCounts;

/// The queue's operations. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Jobs {
    db: Db,
}

const MAX_ERROR_LEN: usize = 4000;

impl Db {
    /// The job queue stored in this database.
    pub fn jobs(&self) -> Jobs {
        Jobs { db: self.clone() }
    }
}

impl Jobs {
    /// Adds a job; it runs when `run_at` has passed and a worker is free.
    pub async fn enqueue(&self, new: NewJob, now: i64) -> Result<Job, StoreError> {
        let id = ids::new_id("job");
        let payload = new.payload.to_string();
        let sql = format!(
            "INSERT INTO jobs (id, job_type, payload, status, priority, attempts, max_attempts, \
             run_at, created_at, updated_at) VALUES ($1, $2, $3, 'queued', $4, 0, $5, $6, $7, $7) \
             RETURNING {COLUMNS}"
        );
        let row: JobRow = sqlx::query_as(&sql)
            .bind(&id)
            .bind(&new.job_type)
            .bind(&payload)
            .bind(new.priority)
            .bind(new.max_attempts.max(1))
            .bind(new.run_at.unwrap_or(now))
            .bind(now)
            .fetch_one(self.db.pool())
            .await?;
        row.try_into()
    }

    /// Fetches one job.
    pub async fn get(&self, id: &str) -> Result<Job, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM jobs WHERE id = $1");
        let row: JobRow = sqlx::query_as(&sql)
            .bind(id)
            .fetch_one(self.db.pool())
            .await?;
        row.try_into()
    }

    /// Leases the next runnable job to `worker` until `now + lease_ms`.
    ///
    /// Runnable: queued with `run_at <= now`, or running with an expired lease and attempts
    /// left (its worker died). Highest priority first, then oldest `run_at`.
    pub async fn claim(
        &self,
        worker: &str,
        lease_ms: i64,
        now: i64,
    ) -> Result<Option<Job>, StoreError> {
        let lock = match self.db.backend() {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            // SQLite runs the whole statement under its single write lock.
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = $1, \
             lease_expires_at = $2, started_at = COALESCE(started_at, $3), updated_at = $3 \
             WHERE id = (SELECT id FROM jobs \
                 WHERE (status = 'queued' AND run_at <= $3) \
                    OR (status = 'running' AND lease_expires_at < $3 AND attempts < max_attempts) \
                 ORDER BY priority DESC, run_at ASC, id ASC LIMIT 1 {lock}) \
             RETURNING {COLUMNS}"
        );
        let row: Option<JobRow> = sqlx::query_as(&sql)
            .bind(worker)
            .bind(now.saturating_add(lease_ms))
            .bind(now)
            .fetch_optional(self.db.pool())
            .await?;
        row.map(Job::try_from).transpose()
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
            "UPDATE jobs SET lease_expires_at = $1, updated_at = $2 \
             WHERE id = $3 AND lease_owner = $4 AND status = 'running'",
        )
        .bind(now.saturating_add(lease_ms))
        .bind(now)
        .bind(id)
        .bind(worker)
        .execute(self.db.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks the job completed. `false` when `worker` no longer holds the lease.
    pub async fn complete(&self, id: &str, worker: &str, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET status = 'completed', lease_owner = NULL, lease_expires_at = NULL, \
             finished_at = $1, updated_at = $1 \
             WHERE id = $2 AND lease_owner = $3 AND status = 'running'",
        )
        .bind(now)
        .bind(id)
        .bind(worker)
        .execute(self.db.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a failed attempt: back to the queue after the back-off, or `dead` when no attempts
    /// are left or `permanent` is set.
    pub async fn fail(
        &self,
        job: &Job,
        worker: &str,
        error: &str,
        backoff: &Backoff,
        permanent: bool,
        now: i64,
    ) -> Result<FailOutcome, StoreError> {
        let error = truncate(error, MAX_ERROR_LEN);
        let (outcome, done) = if permanent || job.attempts >= job.max_attempts {
            let done = sqlx::query(
                "UPDATE jobs SET status = 'dead', last_error = $1, lease_owner = NULL, \
                 lease_expires_at = NULL, finished_at = $2, updated_at = $2 \
                 WHERE id = $3 AND lease_owner = $4 AND status = 'running'",
            )
            .bind(error)
            .bind(now)
            .bind(&job.id)
            .bind(worker)
            .execute(self.db.pool())
            .await?;
            (FailOutcome::Dead, done)
        } else {
            let run_at = now.saturating_add(backoff.delay_ms(job.attempts));
            let done = sqlx::query(
                "UPDATE jobs SET status = 'queued', last_error = $1, run_at = $2, \
                 updated_at = $3, lease_owner = NULL, lease_expires_at = NULL \
                 WHERE id = $4 AND lease_owner = $5 AND status = 'running'",
            )
            .bind(error)
            .bind(run_at)
            .bind(now)
            .bind(&job.id)
            .bind(worker)
            .execute(self.db.pool())
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
            "UPDATE jobs SET status = 'queued', attempts = attempts - 1, lease_owner = NULL, \
             lease_expires_at = NULL, run_at = $1, updated_at = $1 \
             WHERE id = $2 AND lease_owner = $3 AND status = 'running'",
        )
        .bind(now)
        .bind(id)
        .bind(worker)
        .execute(self.db.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Cancels a job that has not started. `false` when it was not queued.
    pub async fn cancel(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET status = 'cancelled', finished_at = $1, updated_at = $1 \
             WHERE id = $2 AND status = 'queued'",
        )
        .bind(now)
        .bind(id)
        .execute(self.db.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks `dead` the jobs whose worker died during their last allowed attempt.
    pub async fn reap_exhausted(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET status = 'dead', \
             last_error = 'the worker stopped responding during the last allowed attempt', \
             lease_owner = NULL, lease_expires_at = NULL, finished_at = $1, updated_at = $1 \
             WHERE status = 'running' AND lease_expires_at < $1 AND attempts >= max_attempts",
        )
        .bind(now)
        .execute(self.db.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// Deletes finished jobs (completed, dead, cancelled) that finished before `before` (ms).
    pub async fn purge_finished(&self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM jobs WHERE status IN ('completed', 'dead', 'cancelled') \
             AND finished_at < $1",
        )
        .bind(before)
        .execute(self.db.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// Number of jobs in each state.
    pub async fn counts(&self) -> Result<JobCounts, StoreError> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM jobs GROUP BY status")
                .fetch_all(self.db.pool())
                .await?;
        let mut counts = JobCounts::default();
        for (status, n) in rows {
            let n = u64::try_from(n).unwrap_or_default();
            match status.parse()? {
                JobStatus::Queued => counts.queued = n,
                JobStatus::Running => counts.running = n,
                JobStatus::Completed => counts.completed = n,
                JobStatus::Dead => counts.dead = n,
                JobStatus::Cancelled => counts.cancelled = n,
            }
        }
        Ok(counts)
    }
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

    #[test]
    fn statuses_round_trip() {
        for s in ["queued", "running", "completed", "dead", "cancelled"] {
            assert_eq!(s.parse::<JobStatus>().unwrap().as_str(), s);
        }
        assert!("zombie".parse::<JobStatus>().is_err());
    }
}
