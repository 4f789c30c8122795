//! What campaigns measured: the recorded evaluations, the summary of every iteration, and the
//! candidates a lab-in-the-loop campaign proposed. An iteration's evaluations, its summary,
//! the campaign's progress and its job's iteration count are written in one transaction, so a
//! crash loses at most the iteration in flight. Callers check the campaign's owner first.

use domain::campaigns::{CandidateStatus, JobPhase};
use domain::ids::CampaignId;
use sqlx::Connection;

use crate::campaign_jobs::CampaignJob;
use crate::{Db, StoreError};

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

/// A candidate of a lab-in-the-loop campaign: proposed, then evaluated through the API.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCandidate {
    /// `c<iteration>-<k>`.
    pub candidate_id: String,
    /// The iteration that proposed it.
    pub iteration: i64,
    /// Parameter values by name (JSON object).
    pub parameters: serde_json::Value,
    /// Whether its result is in.
    pub status: CandidateStatus,
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

/// Evaluation, iteration and candidate queries.
#[derive(Debug, Clone)]
pub struct Evaluations {
    db: Db,
}

impl Db {
    /// The evaluations, iterations and lab candidates stored in this database.
    pub fn evaluations(&self) -> Evaluations {
        Evaluations { db: self.clone() }
    }
}

impl Evaluations {
    /// Writes one iteration: its evaluations, its summary, the campaign's progress and the
    /// job's iteration count, all or nothing. Writing the same iteration twice is a conflict.
    pub async fn record_iteration(
        &self,
        job: &CampaignJob,
        evaluations: &[StoredEvaluation],
        summary: &StoredIteration,
        progress: &Progress<'_>,
    ) -> Result<(), StoreError> {
        let mut conn = self.db.conn().await?;
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
            .bind(job.campaign_id.as_str())
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
        .bind(job.campaign_id.as_str())
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE campaign_jobs SET iteration = $1, updated_at = $2 WHERE id = $3")
            .bind(summary.iteration)
            .bind(summary.created_at)
            .bind(job.id.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every recorded evaluation of a campaign, in iteration then proposal order.
    pub async fn evaluations(
        &self,
        campaign_id: &CampaignId,
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
        .bind(campaign_id.as_str())
        .fetch_all(&mut *self.db.conn().await?)
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
    pub async fn iterations(
        &self,
        campaign_id: &CampaignId,
    ) -> Result<Vec<StoredIteration>, StoreError> {
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
        .bind(campaign_id.as_str())
        .fetch_all(&mut *self.db.conn().await?)
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

    /// Stores a campaign's prior data (a warm start: iteration 0), all or nothing.
    pub async fn record_prior(
        &self,
        campaign_id: &CampaignId,
        evaluations: &[StoredEvaluation],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.db.conn().await?;
        let mut tx = conn.begin().await?;
        for e in evaluations {
            insert_evaluation(&mut tx, campaign_id, e, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Stores a batch proposed to the lab (idempotent: a batch already stored is left as it
    /// is) and puts the job in phase `awaiting_evaluations`, all or nothing.
    pub async fn propose(
        &self,
        job: &CampaignJob,
        batch: &[StoredCandidate],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.db.conn().await?;
        let mut tx = conn.begin().await?;
        for c in batch {
            sqlx::query(
                "INSERT INTO campaign_candidates (campaign_id, candidate_id, iteration, \
                 parameters, created_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (campaign_id, candidate_id) DO NOTHING",
            )
            .bind(job.campaign_id.as_str())
            .bind(&c.candidate_id)
            .bind(c.iteration)
            .bind(c.parameters.to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE campaign_jobs SET phase = $1, updated_at = $2 WHERE id = $3")
            .bind(JobPhase::AwaitingEvaluations)
            .bind(now)
            .bind(job.id.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A campaign's lab candidates, optionally only those of one `status` or `iteration`, in
    /// proposal order. The caller checks the campaign's owner.
    pub async fn candidates(
        &self,
        campaign_id: &CampaignId,
        status: Option<CandidateStatus>,
        iteration: Option<i64>,
    ) -> Result<Vec<StoredCandidate>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            candidate_id: String,
            iteration: i64,
            parameters: String,
            status: CandidateStatus,
            objectives: Option<String>,
            failed: i64,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT candidate_id, iteration, parameters, status, objectives, failed \
             FROM campaign_candidates WHERE campaign_id = $1 \
             AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR iteration = $3)",
        )
        .bind(campaign_id.as_str())
        .bind(status)
        .bind(iteration)
        .fetch_all(&mut *self.db.conn().await?)
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
        campaign_id: &CampaignId,
        results: &[PostedResult],
        now: i64,
    ) -> Result<u64, StoreError> {
        let mut conn = self.db.conn().await?;
        let mut tx = conn.begin().await?;
        for r in results {
            let done = sqlx::query(
                "UPDATE campaign_candidates SET status = $1, objectives = $2, \
                 failed = $3, evaluated_at = $4 \
                 WHERE campaign_id = $5 AND candidate_id = $6 AND status = $7",
            )
            .bind(CandidateStatus::Evaluated)
            .bind(
                r.objectives
                    .as_ref()
                    .map(|o| serde_json::to_string(o).unwrap_or_else(|_| "null".into())),
            )
            .bind(i64::from(r.objectives.is_none()))
            .bind(now)
            .bind(campaign_id.as_str())
            .bind(&r.candidate_id)
            .bind(CandidateStatus::Pending)
            .execute(&mut *tx)
            .await?;
            crate::error::one_row(&done)?;
        }
        let (pending,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM campaign_candidates WHERE campaign_id = $1 AND status = $2",
        )
        .bind(campaign_id.as_str())
        .bind(CandidateStatus::Pending)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(u64::try_from(pending).unwrap_or_default())
    }
}

async fn insert_evaluation(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    campaign_id: &CampaignId,
    e: &StoredEvaluation,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO campaign_evaluations (campaign_id, candidate_id, iteration, \
         parameters, objectives, feasible, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(campaign_id.as_str())
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
