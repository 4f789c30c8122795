//! The jobs of `/v1/jobs` — each one run of a campaign's optimisation — and their logs. (The
//! queue that workers claim holds *tasks*, in [`crate::tasks`]; a campaign job is driven by
//! tasks.) Every owner-facing query takes the owner's [`AccountId`]; the worker running a job
//! reads it by id alone.

use domain::campaigns::{CampaignStatus, JobPhase, JobStatus, LogLevel};
use domain::ids::{CampaignId, JobId};
use sqlx::Connection;

use crate::{AccountId, Db, StoreError};

/// A job that runs a campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignJob {
    /// `job_…`.
    pub id: JobId,
    /// Owner.
    pub account_id: AccountId,
    /// The campaign it runs.
    pub campaign_id: CampaignId,
    /// Where it is in its life.
    pub status: JobStatus,
    /// What it is doing.
    pub phase: JobPhase,
    /// The worker that holds it, or last held it.
    pub worker_id: Option<String>,
    /// Iterations done.
    pub iteration: i64,
    /// Iterations planned.
    pub total_iterations: i64,
    /// The owner asked it to stop after the current iteration.
    pub cancel_requested: bool,
    /// When it gives up (ms).
    pub timeout_at: i64,
    /// Why it failed.
    pub error: Option<String>,
    /// Creation (ms).
    pub created_at: i64,
    /// Start of its first run (ms).
    pub started_at: Option<i64>,
    /// End (ms).
    pub finished_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct CampaignJobRow {
    id: JobId,
    account_id: AccountId,
    campaign_id: CampaignId,
    status: JobStatus,
    phase: JobPhase,
    worker_id: Option<String>,
    iteration: i64,
    total_iterations: i64,
    cancel_requested: i64,
    timeout_at: i64,
    error: Option<String>,
    created_at: i64,
    started_at: Option<i64>,
    finished_at: Option<i64>,
}

impl From<CampaignJobRow> for CampaignJob {
    fn from(r: CampaignJobRow) -> Self {
        CampaignJob {
            id: r.id,
            account_id: r.account_id,
            campaign_id: r.campaign_id,
            status: r.status,
            phase: r.phase,
            worker_id: r.worker_id,
            iteration: r.iteration,
            total_iterations: r.total_iterations,
            cancel_requested: r.cancel_requested != 0,
            timeout_at: r.timeout_at,
            error: r.error,
            created_at: r.created_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
        }
    }
}

/// A job in a list, with its campaign's counts.
#[derive(Debug, Clone, PartialEq)]
pub struct JobListItem {
    /// The job.
    pub job: CampaignJob,
    /// Its campaign's budget.
    pub budget: i64,
    /// Its campaign's evaluations so far.
    pub evaluations_completed: i64,
}

#[derive(sqlx::FromRow)]
struct JobListRow {
    #[sqlx(flatten)]
    job: CampaignJobRow,
    budget: i64,
    evaluations_completed: i64,
}

const JOB_COLUMNS: &str = "id, account_id, campaign_id, status, phase, worker_id, iteration, \
    total_iterations, cancel_requested, timeout_at, error, created_at, started_at, finished_at";

/// A log line of a job.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct JobLog {
    /// Increasing id.
    pub id: i64,
    /// When (ms).
    pub at: i64,
    /// How severe.
    pub level: LogLevel,
    /// `[Iter 8/20] Training MLP surrogate (loss: 0.0187)`.
    pub message: String,
}

/// Filters of a job list.
#[derive(Debug, Clone, Default)]
pub struct JobFilter<'a> {
    /// Only this campaign's jobs.
    pub campaign_id: Option<&'a CampaignId>,
    /// Only jobs in this status.
    pub status: Option<JobStatus>,
}

/// Campaign job queries.
#[derive(Debug, Clone)]
pub struct CampaignJobs {
    db: Db,
}

impl Db {
    /// The campaign jobs stored in this database.
    pub fn campaign_jobs(&self) -> CampaignJobs {
        CampaignJobs { db: self.clone() }
    }
}

impl CampaignJobs {
    /// Moves one of `owner`'s campaigns from `created` to `running` and creates its job, all or
    /// nothing. `Ok(None)` when the campaign is not in `created`.
    pub async fn start(
        &self,
        owner: &AccountId,
        campaign_id: &CampaignId,
        timeout_at: i64,
        now: i64,
    ) -> Result<Option<CampaignJob>, StoreError> {
        let mut conn = self.db.conn().await?;
        let mut tx = conn.begin().await?;
        let moved = sqlx::query(
            "UPDATE campaigns SET status = $1, started_at = $2, updated_at = $2 \
             WHERE id = $3 AND account_id = $4 AND status = $5",
        )
        .bind(CampaignStatus::Running)
        .bind(now)
        .bind(campaign_id.as_str())
        .bind(owner.as_str())
        .bind(CampaignStatus::Created)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            return Ok(None);
        }
        let row = insert_job(&mut tx, owner, campaign_id, timeout_at, now).await?;
        tx.commit().await?;
        Ok(Some(row.into()))
    }

    /// One of `owner`'s jobs.
    pub async fn job(&self, owner: &AccountId, id: &JobId) -> Result<CampaignJob, StoreError> {
        let sql =
            format!("SELECT {JOB_COLUMNS} FROM campaign_jobs WHERE id = $1 AND account_id = $2");
        let row: CampaignJobRow = sqlx::query_as(&sql)
            .bind(id.as_str())
            .bind(owner.as_str())
            .fetch_one(&mut *self.db.conn().await?)
            .await?;
        Ok(row.into())
    }

    /// A job by id, whoever owns it (the worker running it).
    pub async fn job_for_worker(&self, id: &JobId) -> Result<CampaignJob, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM campaign_jobs WHERE id = $1");
        let row: CampaignJobRow = sqlx::query_as(&sql)
            .bind(id.as_str())
            .fetch_one(&mut *self.db.conn().await?)
            .await?;
        Ok(row.into())
    }

    /// The newest job of one of `owner`'s campaigns, if any.
    pub async fn latest_job(
        &self,
        owner: &AccountId,
        campaign_id: &CampaignId,
    ) -> Result<Option<CampaignJob>, StoreError> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM campaign_jobs WHERE campaign_id = $1 AND account_id = $2 \
             ORDER BY created_at DESC, id DESC LIMIT 1"
        );
        let row: Option<CampaignJobRow> = sqlx::query_as(&sql)
            .bind(campaign_id.as_str())
            .bind(owner.as_str())
            .fetch_optional(&mut *self.db.conn().await?)
            .await?;
        Ok(row.map(Into::into))
    }

    /// Marks the job running on `worker_id` (first start keeps its time) with its planned
    /// iterations.
    pub async fn mark_running(
        &self,
        id: &JobId,
        worker_id: &str,
        total_iterations: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE campaign_jobs SET status = $1, worker_id = $2, total_iterations = $3, \
             started_at = COALESCE(started_at, $4), updated_at = $4 WHERE id = $5",
        )
        .bind(JobStatus::Running)
        .bind(worker_id)
        .bind(total_iterations)
        .bind(now)
        .bind(id.as_str())
        .execute(&mut *self.db.conn().await?)
        .await?;
        Ok(())
    }

    /// Records the job's current phase.
    pub async fn set_phase(&self, id: &JobId, phase: JobPhase, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE campaign_jobs SET phase = $1, updated_at = $2 WHERE id = $3")
            .bind(phase)
            .bind(now)
            .bind(id.as_str())
            .execute(&mut *self.db.conn().await?)
            .await?;
        Ok(())
    }

    /// Asks the queued or running job of one of `owner`'s campaigns to stop after its current
    /// iteration. `false` when the campaign has no such job.
    pub async fn request_cancel(
        &self,
        owner: &AccountId,
        campaign_id: &CampaignId,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.cancel_where("campaign_id", campaign_id.as_str(), owner, now)
            .await
    }

    /// Asks one of `owner`'s jobs to stop after its current iteration; `false` unless it is
    /// queued or running.
    pub async fn request_cancel_job(
        &self,
        owner: &AccountId,
        job_id: &JobId,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.cancel_where("id", job_id.as_str(), owner, now).await
    }

    /// Sets `cancel_requested` on `owner`'s queued or running jobs whose `column` (`id` or
    /// `campaign_id`) is `value`; whether any was.
    async fn cancel_where(
        &self,
        column: &'static str,
        value: &str,
        owner: &AccountId,
        now: i64,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE campaign_jobs SET cancel_requested = 1, updated_at = $1 \
             WHERE {column} = $2 AND account_id = $3 AND status IN ($4, $5)"
        );
        let done = sqlx::query(&sql)
            .bind(now)
            .bind(value)
            .bind(owner.as_str())
            .bind(JobStatus::Queued)
            .bind(JobStatus::Running)
            .execute(&mut *self.db.conn().await?)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends the job (its phase becomes its final status) and its campaign (only while that is
    /// `running`), all or nothing.
    pub async fn finish(
        &self,
        job: &CampaignJob,
        end: JobEnd<'_>,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.db.conn().await?;
        let mut tx = conn.begin().await?;
        sqlx::query(
            "UPDATE campaign_jobs SET status = $1, phase = $2, error = $3, finished_at = $4, \
             updated_at = $4 WHERE id = $5",
        )
        .bind(end.job)
        .bind(JobPhase::ended(end.job))
        .bind(end.error)
        .bind(now)
        .bind(job.id.as_str())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE campaigns SET status = $1, finished_at = $2, updated_at = $2 \
             WHERE id = $3 AND status = $4",
        )
        .bind(end.campaign)
        .bind(now)
        .bind(job.campaign_id.as_str())
        .bind(CampaignStatus::Running)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Appends a log line to a job.
    pub async fn log(
        &self,
        job_id: &JobId,
        level: LogLevel,
        message: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO job_logs (job_id, at, level, message) VALUES ($1, $2, $3, $4)")
            .bind(job_id.as_str())
            .bind(now)
            .bind(level)
            .bind(message)
            .execute(&mut *self.db.conn().await?)
            .await?;
        Ok(())
    }

    /// The last `tail` log lines of one of `owner`'s jobs, at every level, oldest first.
    pub async fn logs(
        &self,
        owner: &AccountId,
        job_id: &JobId,
        tail: i64,
    ) -> Result<Vec<JobLog>, StoreError> {
        self.logs_filtered(owner, job_id, LogLevel::ALL, 0, tail)
            .await
    }

    /// The last `tail` log lines of one of `owner`'s jobs whose level is one of `levels`,
    /// written after `since` (ms), oldest first.
    pub async fn logs_filtered(
        &self,
        owner: &AccountId,
        job_id: &JobId,
        levels: &[LogLevel],
        since: i64,
        tail: i64,
    ) -> Result<Vec<JobLog>, StoreError> {
        self.job(owner, job_id).await?;
        if levels.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (0..levels.len()).map(|k| format!("${}", k + 2)).collect();
        let next = levels.len() + 2;
        let sql = format!(
            "SELECT id, at, level, message FROM job_logs WHERE job_id = $1 \
             AND level IN ({}) AND at > ${next} ORDER BY id DESC LIMIT ${}",
            placeholders.join(", "),
            next + 1
        );
        let mut query = sqlx::query_as(&sql).bind(job_id.as_str());
        for level in levels {
            query = query.bind(*level);
        }
        let mut rows: Vec<JobLog> = query
            .bind(since)
            .bind(tail)
            .fetch_all(&mut *self.db.conn().await?)
            .await?;
        rows.reverse();
        Ok(rows)
    }

    /// A page of `owner`'s jobs matching `filter`, each with its campaign's budget and
    /// evaluations so far, and the total. `sort` must be one of the list spec's `sort_fields`.
    pub async fn list(
        &self,
        owner: &AccountId,
        filter: &JobFilter<'_>,
        sort: &str,
        descending: bool,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<JobListItem>, u64), StoreError> {
        let order =
            crate::error::order_by(domain::campaigns::JOB_LIST.sort_fields, sort, descending)?;
        let condition = "account_id = $1 AND ($2 IS NULL OR campaign_id = $2) \
                         AND ($3 IS NULL OR status = $3)";
        // Correlated lookups by primary key keep the FROM clause to one table, so the sort
        // columns stay unambiguous.
        let sql = format!(
            "SELECT {JOB_COLUMNS}, \
             (SELECT c.budget FROM campaigns c WHERE c.id = campaign_jobs.campaign_id) AS budget, \
             (SELECT c.evaluations_completed FROM campaigns c \
              WHERE c.id = campaign_jobs.campaign_id) AS evaluations_completed \
             FROM campaign_jobs WHERE {condition} {order} LIMIT $4 OFFSET $5"
        );
        let campaign = filter.campaign_id.map(CampaignId::as_str);
        let rows: Vec<JobListRow> = sqlx::query_as(&sql)
            .bind(owner.as_str())
            .bind(campaign)
            .bind(filter.status)
            .bind(i64::from(limit))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(&mut *self.db.conn().await?)
            .await?;
        let (total,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM campaign_jobs WHERE {condition}"
        ))
        .bind(owner.as_str())
        .bind(campaign)
        .bind(filter.status)
        .fetch_one(&mut *self.db.conn().await?)
        .await?;
        Ok((
            rows.into_iter()
                .map(|r| JobListItem {
                    job: r.job.into(),
                    budget: r.budget,
                    evaluations_completed: r.evaluations_completed,
                })
                .collect(),
            u64::try_from(total).unwrap_or_default(),
        ))
    }

    /// Creates a new job for the campaign of one of `owner`'s failed or cancelled jobs (the
    /// newest of its campaign), moving the campaign back to `running`, all or nothing.
    /// `Ok(None)` when the job is not retryable.
    pub async fn retry(
        &self,
        owner: &AccountId,
        job_id: &JobId,
        timeout_at: i64,
        now: i64,
    ) -> Result<Option<CampaignJob>, StoreError> {
        let job = self.job(owner, job_id).await?;
        let newest = self.latest_job(owner, &job.campaign_id).await?;
        if !job.status.is_retryable() || newest.is_some_and(|n| n.id != job.id) {
            return Ok(None);
        }
        let mut conn = self.db.conn().await?;
        let mut tx = conn.begin().await?;
        let moved = sqlx::query(
            "UPDATE campaigns SET status = $1, finished_at = NULL, updated_at = $2 \
             WHERE id = $3 AND account_id = $4 AND status IN ($5, $6)",
        )
        .bind(CampaignStatus::Running)
        .bind(now)
        .bind(job.campaign_id.as_str())
        .bind(owner.as_str())
        .bind(CampaignStatus::Failed)
        .bind(CampaignStatus::Cancelled)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            return Ok(None);
        }
        let row = insert_job(&mut tx, owner, &job.campaign_id, timeout_at, now).await?;
        tx.commit().await?;
        Ok(Some(row.into()))
    }

    /// Claims the right to continue a job that waits for lab results (or for nothing any
    /// more, after a stop): true for exactly one caller, which then queues the job's next run.
    pub async fn wake(&self, job_id: &JobId, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE campaign_jobs SET phase = $1, updated_at = $2 \
             WHERE id = $3 AND status = $4 AND phase = $5",
        )
        .bind(JobPhase::Evaluating)
        .bind(now)
        .bind(job_id.as_str())
        .bind(JobStatus::Running)
        .bind(JobPhase::AwaitingEvaluations)
        .execute(&mut *self.db.conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

/// How a job ends: the job's status, the campaign's, and why when it failed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JobEnd<'a> {
    /// The job's final status.
    pub job: JobStatus,
    /// The campaign's final status.
    pub campaign: CampaignStatus,
    /// Why it failed.
    pub error: Option<&'a str>,
}

impl<'a> JobEnd<'a> {
    /// The budget was spent (`completed`) or the hypervolume stopped improving (`converged`).
    pub fn finished(campaign: CampaignStatus) -> Self {
        JobEnd {
            job: JobStatus::Completed,
            campaign,
            error: None,
        }
    }

    /// Stopped by its owner: both `cancelled`, results kept.
    pub fn cancelled() -> Self {
        JobEnd {
            job: JobStatus::Cancelled,
            campaign: CampaignStatus::Cancelled,
            error: None,
        }
    }

    /// Both `failed`, with the reason.
    pub fn failed(why: &'a str) -> Self {
        JobEnd {
            job: JobStatus::Failed,
            campaign: CampaignStatus::Failed,
            error: Some(why),
        }
    }
}

/// Creates a job for `campaign_id` inside a transaction that also moved the campaign.
async fn insert_job(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    owner: &AccountId,
    campaign_id: &CampaignId,
    timeout_at: i64,
    now: i64,
) -> Result<CampaignJobRow, StoreError> {
    let sql = format!(
        "INSERT INTO campaign_jobs (id, account_id, campaign_id, status, phase, timeout_at, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING {JOB_COLUMNS}"
    );
    Ok(sqlx::query_as(&sql)
        .bind(JobId::generate().as_str())
        .bind(owner.as_str())
        .bind(campaign_id.as_str())
        .bind(JobStatus::Queued)
        .bind(JobPhase::Queued)
        .bind(timeout_at)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?)
}
