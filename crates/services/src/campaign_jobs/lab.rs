//! Lab in the loop inside a run: the first time a batch is proposed it is stored as pending
//! candidates and the job waits (holding no worker, phase `awaiting_evaluations`); results
//! arrive through `POST /v1/campaigns/{id}/evaluations`, and the post that completes the batch
//! wakes the job, which replays its iterations and takes the results from here.

use std::collections::HashMap;

use domain::campaigns::{CandidateStatus, JobPhase, LogLevel, ProgressEvent};
use optimizer::campaign::{Candidate, Outcome};
use serde_json::Value;
use store::evaluations::StoredCandidate;
use store::now_ms;

use super::run::Run;
use super::RunCampaignJob;
use crate::ServiceError;

/// Where a lab-in-the-loop batch stands.
pub(super) enum LabBatch {
    /// Every result is in, in batch order.
    Ready(Vec<Outcome>),
    /// Results are missing; the job waits (holding no worker).
    Waiting,
    /// The stored batch is not what the optimizer proposes (corrupt state).
    Mismatch(String),
}

impl Run<'_> {
    /// The lab's results for `batch`: proposes it (and waits) the first time, waits while
    /// some results are missing, and checks that what was proposed is what the engine asks
    /// for now.
    pub(super) async fn lab_outcomes(
        &mut self,
        batch: &[Candidate],
        proposed_by: JobPhase,
    ) -> Result<LabBatch, ServiceError> {
        let (iteration_no, total) = (self.engine().iteration(), self.engine().total_iterations());
        let iteration = i64::from(iteration_no);
        let db = &self.services().db;
        let stored = db
            .evaluations()
            .candidates(&self.job().campaign_id, None, Some(iteration))
            .await?;
        if stored.is_empty() {
            self.propose_to_lab(batch, iteration).await?;
            self.log(
                LogLevel::Info,
                &format!(
                    "[Iter {iteration_no}/{total}] Waiting for lab results for {} candidates",
                    batch.len()
                ),
            )
            .await?;
            self.publish(ProgressEvent::IterationStart {
                iteration: iteration_no,
                total_iterations: total,
                phase: JobPhase::AwaitingEvaluations,
                batch_size: batch.len() as u32,
                proposed_by: Some(proposed_by),
            });
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
        if stored.iter().any(|c| c.status == CandidateStatus::Pending) {
            self.set_phase(JobPhase::AwaitingEvaluations).await?;
            return Ok(LabBatch::Waiting);
        }
        self.set_phase(JobPhase::Evaluating).await?;
        let names = self.names();
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

    /// Stores the batch as pending candidates (the job waits from now on) and, in the same
    /// unit of work, queues a wake-up at the job's timeout in case no results ever come.
    async fn propose_to_lab(
        &mut self,
        batch: &[Candidate],
        iteration: i64,
    ) -> Result<(), ServiceError> {
        let proposed: Vec<StoredCandidate> = batch
            .iter()
            .map(|c| StoredCandidate {
                candidate_id: c.id.clone(),
                iteration,
                parameters: serde_json::to_value(&c.parameters).unwrap_or(Value::Null),
                status: CandidateStatus::Pending,
                objectives: None,
                failed: false,
            })
            .collect();
        let job = self.job();
        let now = now_ms();
        let tx = self.services().db.begin().await?;
        tx.evaluations().propose(job, &proposed, now).await?;
        tx.tasks()
            .enqueue(
                RunCampaignJob::task(&job.id, &job.account_id).run_at(job.timeout_at + 1_000),
                now,
            )
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
