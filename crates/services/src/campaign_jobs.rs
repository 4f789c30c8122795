//! Running campaigns: the jobs of `/v1/jobs`, each one run of a campaign's optimisation.
//!
//! - [`lifecycle`]: start and stop, lab candidates and posted results, a campaign's results;
//! - [`run`]: the job body, as the task [`RunCampaignJob`] that a worker runs;
//! - [`lab`]: the lab-in-the-loop protocol inside a run (propose a batch, wait, continue);
//! - [`resource`]: the `/v1/jobs` resource (list, detail, logs, cancel, retry).
//!
//! A run persists every iteration (evaluations, summary, progress) in one transaction before
//! the next begins. A run that starts again after a crash replays the recorded iterations
//! through the deterministic engine (checking that it proposes exactly the recorded
//! candidates, and feeding it the recorded results, so no evaluation is repeated) and carries
//! on from there.

mod lab;
pub mod lifecycle;
pub mod resource;
pub mod run;

use domain::campaigns::{JobCounts, JobFields, JobView};
use domain::ids::JobId;
use domain::time::rfc3339_from_millis;
use serde_json::Value;
use store::campaign_jobs::CampaignJob;
use store::campaigns::Campaign;
use store::tasks::{NewTask, TaskKind};
use store::AccountId;

use crate::ServiceError;

/// Timeout when `start` names none.
pub const DEFAULT_TIMEOUT_HOURS: f64 = 24.0;

/// The task that runs (or resumes) one campaign job to its end.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunCampaignJob {
    /// The job to run.
    pub job_id: JobId,
}

impl TaskKind for RunCampaignJob {
    const NAME: &'static str = "campaign";
    const QUEUE: &'static str = crate::tasks::CAMPAIGNS_QUEUE;
}

impl RunCampaignJob {
    /// The task for `job_id` of `account`, runnable at once.
    pub fn task(job_id: &JobId, account: &AccountId) -> NewTask {
        NewTask::of(&RunCampaignJob {
            job_id: job_id.clone(),
        })
        .for_account(account)
    }
}

/// The campaign's MDL document, validated when the campaign was created; failing here means
/// the stored data is corrupt.
fn stored_mdl(campaign: &Campaign) -> Result<mdl::Mdl, ServiceError> {
    mdl::from_value(&campaign.mdl)
        .map(|(document, _)| document)
        .map_err(|_| {
            ServiceError::Internal(anyhow::anyhow!(
                "the stored MDL of campaign {} is invalid",
                campaign.id
            ))
        })
}

/// The objective names of a document, in MDL order.
fn objective_names(document: &mdl::Mdl) -> Vec<String> {
    document.objectives.iter().map(|o| o.name.clone()).collect()
}

/// `{name: value}` for objective values in MDL order.
fn named(names: &[String], values: &[f64]) -> Value {
    Value::Object(
        names
            .iter()
            .cloned()
            .zip(values.iter().map(|v| Value::from(*v)))
            .collect(),
    )
}

fn count(v: i64) -> u32 {
    u32::try_from(v).unwrap_or_default()
}

/// The API's view of a campaign job, with its progress counts.
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
        status: job.status,
        phase: job.phase,
        worker_id: job.worker_id.clone(),
        timeout_at: rfc3339_from_millis(job.timeout_at),
        created_at: rfc3339_from_millis(job.created_at),
        started_at: job.started_at.map(rfc3339_from_millis),
        finished_at: job.finished_at.map(rfc3339_from_millis),
        error: job.error.clone(),
    }
}

/// The job's iterations with its campaign's budget and evaluations.
fn counts(job: &CampaignJob, budget: i64, evaluations_completed: i64) -> JobCounts {
    JobCounts {
        iteration: count(job.iteration),
        total_iterations: count(job.total_iterations),
        evaluations_completed: count(evaluations_completed),
        budget: count(budget),
    }
}
