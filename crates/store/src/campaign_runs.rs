//! Campaign execution records: evaluations, iteration summaries, the jobs that run campaigns,
//! and their logs. An iteration's evaluations, its summary and the campaign's progress are
//! written in one transaction, so a crash loses at most the iteration in flight.

use sqlx::Acquire;

use crate::{AccountId, Db, StoreError};

/// One recorded evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvaluation {
    /// The candidate's id (`c3-7`).
    pub candidate_id: String,
    /// The iteration that proposed it.
    pub iteration: i64,
    /// Parameter values by name (JSON object).
    pub parameters: serde_json::Value,
    /// Objective values in MDL order; `None` when the evaluation failed.
    pub objectives: Option<Vec<f64>>,
    /// Whether every constraint held.
    pub feasible: bool,
}

/// What one iteration achieved.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredIteration {
    /// 1-based.
    pub iteration: i64,
    /// Evaluations recorded so far.
    pub evaluations_completed: i64,
    /// Hypervolume after it.
    pub hypervolume: f64,
    /// Relative gain over the previous iteration.
    pub hypervolume_improvement: f64,
    /// Points on the feasible Pareto front.
    pub pareto_size: i64,
    /// Held-out loss of the surrogate trained in it.
    pub surrogate_loss: Option<f64>,
    /// When it was recorded (ms).
    pub created_at: i64,
}

/// The campaign's state after an iteration, written with it.
#[derive(Debug, Clone)]
pub struct Progress<'a> {
    /// Iterations done.
    pub iteration: i64,
    /// Evaluations done.
    pub evaluations_completed: i64,
    /// Hypervolume so far.
    pub hypervolume: f64,
    /// Points on the Pareto front.
    pub pareto_size: i64,
    /// Best value per objective (JSON object).
    pub best_objectives: &'a serde_json::Value,
}

/// A job that runs a campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignJob {
    /// `job_…`.
    pub id: String,
    /// Owner.
    pub account_id: String,
    /// The campaign it runs.
    pub campaign_id: String,
    /// `queued`, `running`, `completed`, `failed` or `cancelled`.
    pub status: String,
    /// What it is doing (`queued`, `initial_design`, `acquiring`, `evaluating`, …).
    pub phase: String,
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
struct JobRow {
    id: String,
    account_id: String,
    campaign_id: String,
    status: String,
    phase: String,
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

impl From<JobRow> for CampaignJob {
    fn from(r: JobRow) -> Self {
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
    job: JobRow,
    budget: i64,
    evaluations_completed: i64,
}

const JOB_COLUMNS: &str = "id, account_id, campaign_id, status, phase, worker_id, iteration, \
    total_iterations, cancel_requested, timeout_at, error, created_at, started_at, finished_at";

/// A log line of a job.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct JobLog {
    /// Increasing id (for `since`).
    pub id: i64,
    /// When (ms).
    pub at: i64,
    /// `info`, `warning` or `error`.
    pub level: String,
    /// `[Iter 8/20] Training MLP surrogate (loss: 0.0187)`.
    pub message: String,
}

/// Campaign execution queries.
#[derive(Debug, Clone)]
pub struct CampaignRuns {
    db: Db,
}

impl Db {
    /// Campaign execution records in this database.
    pub fn campaign_runs(&self) -> CampaignRuns {
        CampaignRuns { db: self.clone() }
    }
}

impl CampaignRuns {
    /// Moves one of `owner`'s campaigns from `created` to `running` and queues a job for it,
    /// in one transaction. `Ok(None)` when the campaign is not in `created`.
    pub async fn start(
        &self,
        owner: &AccountId,
        campaign_id: &str,
        timeout_at: i64,
        now: i64,
    ) -> Result<Option<CampaignJob>, StoreError> {
        let mut conn = self.db.pool().acquire().await?;
        let mut tx = conn.begin().await?;
        let moved = sqlx::query(
            "UPDATE campaigns SET status = 'running', started_at = $1, updated_at = $1 \
             WHERE id = $2 AND account_id = $3 AND status = 'created'",
        )
        .bind(now)
        .bind(campaign_id)
        .bind(owner.as_str())
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
    pub async fn job(&self, owner: &AccountId, id: &str) -> Result<CampaignJob, StoreError> {
        let sql =
            format!("SELECT {JOB_COLUMNS} FROM campaign_jobs WHERE id = $1 AND account_id = $2");
        let row: JobRow = sqlx::query_as(&sql)
            .bind(id)
            .bind(owner.as_str())
            .fetch_one(self.db.pool())
            .await?;
        Ok(row.into())
    }

    /// A job by id, whoever owns it (the worker running it).
    pub async fn job_for_worker(&self, id: &str) -> Result<CampaignJob, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM campaign_jobs WHERE id = $1");
        let row: JobRow = sqlx::query_as(&sql)
            .bind(id)
            .fetch_one(self.db.pool())
            .await?;
        Ok(row.into())
    }

    /// The newest job of one of `owner`'s campaigns, if any.
    pub async fn latest_job(
        &self,
        owner: &AccountId,
        campaign_id: &str,
    ) -> Result<Option<CampaignJob>, StoreError> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM campaign_jobs WHERE campaign_id = $1 AND account_id = $2 \
             ORDER BY created_at DESC, id DESC LIMIT 1"
        );
        let row: Option<JobRow> = sqlx::query_as(&sql)
            .bind(campaign_id)
            .bind(owner.as_str())
            .fetch_optional(self.db.pool())
            .await?;
        Ok(row.map(Into::into))
    }

    /// Marks the job running on `worker_id` (first start keeps its time) with its planned
    /// iterations.
    pub async fn mark_running(
        &self,
        id: &str,
        worker_id: &str,
        total_iterations: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE campaign_jobs SET status = 'running', worker_id = $1, total_iterations = $2, \
             started_at = COALESCE(started_at, $3), updated_at = $3 WHERE id = $4",
        )
        .bind(worker_id)
        .bind(total_iterations)
        .bind(now)
        .bind(id)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// Records the job's current phase.
    pub async fn set_phase(&self, id: &str, phase: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE campaign_jobs SET phase = $1, updated_at = $2 WHERE id = $3")
            .bind(phase)
            .bind(now)
            .bind(id)
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    /// Asks one of `owner`'s running or queued jobs to stop after its current iteration.
    /// `false` when the campaign has no such job.
    pub async fn request_cancel(
        &self,
        owner: &AccountId,
        campaign_id: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.cancel_where("campaign_id", campaign_id, owner, now)
            .await
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
             WHERE {column} = $2 AND account_id = $3 AND status IN ('queued', 'running')"
        );
        let done = sqlx::query(&sql)
            .bind(now)
            .bind(value)
            .bind(owner.as_str())
            .execute(self.db.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends the job and its campaign: `job_status` for the job, `campaign_status` for the
    /// campaign (only while it is `running`).
    pub async fn finish(
        &self,
        job: &CampaignJob,
        job_status: &str,
        campaign_status: &str,
        error: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.db.pool().acquire().await?;
        let mut tx = conn.begin().await?;
        sqlx::query(
            "UPDATE campaign_jobs SET status = $1, phase = $1, error = $2, finished_at = $3, \
             updated_at = $3 WHERE id = $4",
        )
        .bind(job_status)
        .bind(error)
        .bind(now)
        .bind(&job.id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE campaigns SET status = $1, finished_at = $2, updated_at = $2 \
             WHERE id = $3 AND status = 'running'",
        )
        .bind(campaign_status)
        .bind(now)
        .bind(&job.campaign_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes one iteration: its evaluations, its summary, the campaign's progress and the
    /// job's iteration count, all or nothing. Writing the same iteration twice is a conflict.
    pub async fn record_iteration(
        &self,
        job: &CampaignJob,
        evaluations: &[StoredEvaluation],
        summary: &StoredIteration,
        progress: &Progress<'_>,
    ) -> Result<(), StoreError> {
        let mut conn = self.db.pool().acquire().await?;
        let mut tx = conn.begin().await?;
        for e in evaluations {
            insert_evaluation(&mut tx, &job.campaign_id, e, summary.created_at).await?;
        }
        // A NULL float is sent by sqlx's Any driver typed as FLOAT4, which then sticks to the
        // cached statement and breaks the next non-NULL FLOAT8; without a loss the column is
        // left out instead (one statement text per shape).
        let columns = if summary.surrogate_loss.is_some() {
            ", surrogate_loss) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        } else {
            ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
        };
        let sql = format!(
            "INSERT INTO campaign_iterations (campaign_id, iteration, evaluations_completed, \
             hypervolume, hypervolume_improvement, pareto_size, created_at{columns}"
        );
        let mut insert = sqlx::query(&sql)
            .bind(&job.campaign_id)
            .bind(summary.iteration)
            .bind(summary.evaluations_completed)
            .bind(summary.hypervolume)
            .bind(summary.hypervolume_improvement)
            .bind(summary.pareto_size)
            .bind(summary.created_at);
        if let Some(loss) = summary.surrogate_loss {
            insert = insert.bind(loss);
        }
        insert.execute(&mut *tx).await?;
        sqlx::query(
            "UPDATE campaigns SET current_iteration = $1, evaluations_completed = $2, \
             hypervolume = $3, pareto_size = $4, best_objectives = $5, updated_at = $6 \
             WHERE id = $7",
        )
        .bind(progress.iteration)
        .bind(progress.evaluations_completed)
        .bind(progress.hypervolume)
        .bind(progress.pareto_size)
        .bind(progress.best_objectives.to_string())
        .bind(summary.created_at)
        .bind(&job.campaign_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE campaign_jobs SET iteration = $1, updated_at = $2 WHERE id = $3")
            .bind(summary.iteration)
            .bind(summary.created_at)
            .bind(&job.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every recorded evaluation of a campaign, in iteration then proposal order.
    pub async fn evaluations(
        &self,
        campaign_id: &str,
    ) -> Result<Vec<StoredEvaluation>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            candidate_id: String,
            iteration: i64,
            parameters: String,
            objectives: Option<String>,
            feasible: i64,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT candidate_id, iteration, parameters, objectives, feasible \
             FROM campaign_evaluations WHERE campaign_id = $1",
        )
        .bind(campaign_id)
        .fetch_all(self.db.pool())
        .await?;
        let mut out = rows
            .into_iter()
            .map(|r| {
                let (parameters, objectives) =
                    decode_point(&r.candidate_id, &r.parameters, r.objectives.as_deref())?;
                Ok(StoredEvaluation {
                    parameters,
                    objectives,
                    feasible: r.feasible != 0,
                    iteration: r.iteration,
                    candidate_id: r.candidate_id,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by_key(|e| (e.iteration, proposal_order(&e.candidate_id)));
        Ok(out)
    }

    /// Every iteration summary of a campaign, in order.
    pub async fn iterations(&self, campaign_id: &str) -> Result<Vec<StoredIteration>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            iteration: i64,
            evaluations_completed: i64,
            hypervolume: f64,
            hypervolume_improvement: f64,
            pareto_size: i64,
            surrogate_loss: Option<f64>,
            created_at: i64,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT iteration, evaluations_completed, hypervolume, hypervolume_improvement, \
             pareto_size, surrogate_loss, created_at FROM campaign_iterations \
             WHERE campaign_id = $1 ORDER BY iteration",
        )
        .bind(campaign_id)
        .fetch_all(self.db.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| StoredIteration {
                iteration: r.iteration,
                evaluations_completed: r.evaluations_completed,
                hypervolume: r.hypervolume,
                hypervolume_improvement: r.hypervolume_improvement,
                pareto_size: r.pareto_size,
                surrogate_loss: r.surrogate_loss,
                created_at: r.created_at,
            })
            .collect())
    }

    /// Appends a log line to a job.
    pub async fn log(
        &self,
        job_id: &str,
        level: &str,
        message: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO job_logs (job_id, at, level, message) VALUES ($1, $2, $3, $4)")
            .bind(job_id)
            .bind(now)
            .bind(level)
            .bind(message)
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    /// The last `tail` log lines of one of `owner`'s jobs, oldest first.
    pub async fn logs(
        &self,
        owner: &AccountId,
        job_id: &str,
        tail: i64,
    ) -> Result<Vec<JobLog>, StoreError> {
        self.logs_filtered(owner, job_id, None, 0, tail).await
    }

    /// The last `tail` log lines of one of `owner`'s jobs whose level is one of `levels` (any
    /// level when `None`), written after `since` (ms), oldest first.
    pub async fn logs_filtered(
        &self,
        owner: &AccountId,
        job_id: &str,
        levels: Option<&[&str]>,
        since: i64,
        tail: i64,
    ) -> Result<Vec<JobLog>, StoreError> {
        self.job(owner, job_id).await?;
        let levels = levels.unwrap_or_default();
        let level_condition = if levels.is_empty() {
            String::new()
        } else {
            let placeholders: Vec<String> =
                (0..levels.len()).map(|k| format!("${}", k + 2)).collect();
            format!("AND level IN ({})", placeholders.join(", "))
        };
        let next = levels.len() + 2;
        let sql = format!(
            "SELECT id, at, level, message FROM job_logs WHERE job_id = $1 \
             {level_condition} AND at > ${next} ORDER BY id DESC LIMIT ${}",
            next + 1
        );
        let mut query = sqlx::query_as(&sql).bind(job_id);
        for level in levels {
            query = query.bind(*level);
        }
        let mut rows: Vec<JobLog> = query
            .bind(since)
            .bind(tail)
            .fetch_all(self.db.pool())
            .await?;
        rows.reverse();
        Ok(rows)
    }
}

/// Queues a job for `campaign_id` inside a transaction that also moved the campaign.
async fn insert_job(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    owner: &AccountId,
    campaign_id: &str,
    timeout_at: i64,
    now: i64,
) -> Result<JobRow, StoreError> {
    let sql = format!(
        "INSERT INTO campaign_jobs (id, account_id, campaign_id, timeout_at, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING {JOB_COLUMNS}"
    );
    Ok(sqlx::query_as(&sql)
        .bind(crate::ids::new_id("job"))
        .bind(owner.as_str())
        .bind(campaign_id)
        .bind(timeout_at)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?)
}

/// Sort fields a job list accepts.
pub const JOB_SORT_FIELDS: &[&str] = &["created_at", "status"];

impl CampaignRuns {
    /// A page of `owner`'s jobs, optionally of one campaign and/or in one status, each with
    /// its campaign's budget and evaluations so far, and the total.
    #[expect(
        clippy::too_many_arguments,
        reason = "one list query's filters, sort and page"
    )]
    pub async fn list_jobs(
        &self,
        owner: &AccountId,
        campaign_id: Option<&str>,
        status: Option<&str>,
        sort: &str,
        descending: bool,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<JobListItem>, u64), StoreError> {
        let order = crate::error::order_by(JOB_SORT_FIELDS, sort, descending)?;
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
        let rows: Vec<JobListRow> = sqlx::query_as(&sql)
            .bind(owner.as_str())
            .bind(campaign_id)
            .bind(status)
            .bind(i64::from(limit))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(self.db.pool())
            .await?;
        let (total,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM campaign_jobs WHERE {condition}"
        ))
        .bind(owner.as_str())
        .bind(campaign_id)
        .bind(status)
        .fetch_one(self.db.pool())
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

    /// Asks one of `owner`'s jobs to stop after its current iteration; `false` unless it is
    /// queued or running.
    pub async fn request_cancel_job(
        &self,
        owner: &AccountId,
        job_id: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.cancel_where("id", job_id, owner, now).await
    }

    /// Queues a new job for the campaign of one of `owner`'s `failed` or `cancelled` jobs (the
    /// newest of its campaign), moving the campaign back to `running`. `Ok(None)` when the job
    /// is not retryable.
    pub async fn retry(
        &self,
        owner: &AccountId,
        job_id: &str,
        timeout_at: i64,
        now: i64,
    ) -> Result<Option<CampaignJob>, StoreError> {
        let job = self.job(owner, job_id).await?;
        let newest = self.latest_job(owner, &job.campaign_id).await?;
        if !matches!(job.status.as_str(), "failed" | "cancelled")
            || newest.is_some_and(|n| n.id != job.id)
        {
            return Ok(None);
        }
        let mut conn = self.db.pool().acquire().await?;
        let mut tx = conn.begin().await?;
        let moved = sqlx::query(
            "UPDATE campaigns SET status = 'running', finished_at = NULL, updated_at = $1 \
             WHERE id = $2 AND account_id = $3 AND status IN ('failed', 'cancelled')",
        )
        .bind(now)
        .bind(&job.campaign_id)
        .bind(owner.as_str())
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            return Ok(None);
        }
        let row = insert_job(&mut tx, owner, &job.campaign_id, timeout_at, now).await?;
        tx.commit().await?;
        Ok(Some(row.into()))
    }
}

async fn insert_evaluation(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    campaign_id: &str,
    e: &StoredEvaluation,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO campaign_evaluations (campaign_id, candidate_id, iteration, \
         parameters, objectives, feasible, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(campaign_id)
    .bind(&e.candidate_id)
    .bind(e.iteration)
    .bind(e.parameters.to_string())
    .bind(
        e.objectives
            .as_ref()
            .map(|o| serde_json::to_string(o).unwrap_or_else(|_| "null".into())),
    )
    .bind(i64::from(e.feasible))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A stored candidate's parameters (JSON object) and objectives (JSON array, or NULL).
fn decode_point(
    candidate_id: &str,
    parameters: &str,
    objectives: Option<&str>,
) -> Result<(serde_json::Value, Option<Vec<f64>>), StoreError> {
    let corrupt =
        |e: serde_json::Error| StoreError::Corrupt(format!("candidate {candidate_id}: {e}"));
    Ok((
        serde_json::from_str(parameters).map_err(corrupt)?,
        objectives
            .map(serde_json::from_str)
            .transpose()
            .map_err(corrupt)?,
    ))
}

/// `c<iteration>-<k>` (or `prior-<k>`): the number `k`, so candidates sort in proposal order.
fn proposal_order(candidate_id: &str) -> u64 {
    candidate_id
        .rsplit('-')
        .next()
        .and_then(|k| k.parse::<u64>().ok())
        .unwrap_or(u64::MAX)
}

/// A candidate of a lab-in-the-loop campaign: proposed, then evaluated through the API.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCandidate {
    /// `c<iteration>-<k>`.
    pub candidate_id: String,
    /// The iteration that proposed it.
    pub iteration: i64,
    /// Parameter values by name (JSON object).
    pub parameters: serde_json::Value,
    /// `pending` or `evaluated`.
    pub status: String,
    /// Posted objective values in MDL order (`None` while pending or when it failed).
    pub objectives: Option<Vec<f64>>,
    /// The lab reported the evaluation as failed.
    pub failed: bool,
}

/// A result posted for a pending candidate: objective values in MDL order, or `None` when the
/// evaluation failed.
#[derive(Debug, Clone, PartialEq)]
pub struct PostedResult {
    /// The candidate.
    pub candidate_id: String,
    /// Values in MDL order; `None` = failed.
    pub objectives: Option<Vec<f64>>,
}

impl CampaignRuns {
    /// Stores a campaign's prior data (a warm start: iteration 0), all or nothing.
    pub async fn record_prior(
        &self,
        campaign_id: &str,
        evaluations: &[StoredEvaluation],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.db.pool().acquire().await?;
        let mut tx = conn.begin().await?;
        for e in evaluations {
            insert_evaluation(&mut tx, campaign_id, e, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Stores a batch proposed to the lab (idempotent: a batch already stored is left as it
    /// is) and puts the job in phase `awaiting_evaluations`, in one transaction.
    pub async fn propose(
        &self,
        job: &CampaignJob,
        batch: &[StoredCandidate],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.db.pool().acquire().await?;
        let mut tx = conn.begin().await?;
        for c in batch {
            sqlx::query(
                "INSERT INTO campaign_candidates (campaign_id, candidate_id, iteration, \
                 parameters, created_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (campaign_id, candidate_id) DO NOTHING",
            )
            .bind(&job.campaign_id)
            .bind(&c.candidate_id)
            .bind(c.iteration)
            .bind(c.parameters.to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE campaign_jobs SET phase = 'awaiting_evaluations', updated_at = $1 WHERE id = $2",
        )
        .bind(now)
        .bind(&job.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A campaign's lab candidates, optionally only those of one `status` or `iteration`, in
    /// proposal order. The caller checks the campaign's owner.
    pub async fn candidates(
        &self,
        campaign_id: &str,
        status: Option<&str>,
        iteration: Option<i64>,
    ) -> Result<Vec<StoredCandidate>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            candidate_id: String,
            iteration: i64,
            parameters: String,
            status: String,
            objectives: Option<String>,
            failed: i64,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT candidate_id, iteration, parameters, status, objectives, failed \
             FROM campaign_candidates WHERE campaign_id = $1 \
             AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR iteration = $3)",
        )
        .bind(campaign_id)
        .bind(status)
        .bind(iteration)
        .fetch_all(self.db.pool())
        .await?;
        let mut out = rows
            .into_iter()
            .map(|r| {
                let (parameters, objectives) =
                    decode_point(&r.candidate_id, &r.parameters, r.objectives.as_deref())?;
                Ok(StoredCandidate {
                    parameters,
                    objectives,
                    failed: r.failed != 0,
                    status: r.status,
                    iteration: r.iteration,
                    candidate_id: r.candidate_id,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by_key(|c| (c.iteration, proposal_order(&c.candidate_id)));
        Ok(out)
    }

    /// Records results for pending candidates, all or nothing: `NotFound` (and nothing
    /// written) when one of them is not pending. Returns how many candidates of the campaign
    /// are still pending.
    pub async fn post_results(
        &self,
        campaign_id: &str,
        results: &[PostedResult],
        now: i64,
    ) -> Result<u64, StoreError> {
        let mut conn = self.db.pool().acquire().await?;
        let mut tx = conn.begin().await?;
        for r in results {
            let done = sqlx::query(
                "UPDATE campaign_candidates SET status = 'evaluated', objectives = $1, \
                 failed = $2, evaluated_at = $3 \
                 WHERE campaign_id = $4 AND candidate_id = $5 AND status = 'pending'",
            )
            .bind(
                r.objectives
                    .as_ref()
                    .map(|o| serde_json::to_string(o).unwrap_or_else(|_| "null".into())),
            )
            .bind(i64::from(r.objectives.is_none()))
            .bind(now)
            .bind(campaign_id)
            .bind(&r.candidate_id)
            .execute(&mut *tx)
            .await?;
            crate::error::one_row(&done)?;
        }
        let (pending,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM campaign_candidates WHERE campaign_id = $1 AND status = 'pending'",
        )
        .bind(campaign_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(u64::try_from(pending).unwrap_or_default())
    }

    /// Claims the right to continue a job that waits for lab results (or for nothing any
    /// more, after a stop): true for exactly one caller, which then queues the job's next run.
    pub async fn wake(&self, job_id: &str, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE campaign_jobs SET phase = 'evaluating', updated_at = $1 \
             WHERE id = $2 AND status = 'running' AND phase = 'awaiting_evaluations'",
        )
        .bind(now)
        .bind(job_id)
        .execute(self.db.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
