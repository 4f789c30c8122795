//! `/v1/jobs`: the caller's campaign jobs — list, detail with progress and timing, logs,
//! cancel and retry.

use domain::auth::Scope;
use domain::campaigns::{
    JobDetail, JobLogLine, JobProgress, JobStatus, JobTiming, JobView, LogLevel,
};
use domain::error::{ErrorCode, ErrorDetail};
use domain::ids::{CampaignId, JobId};
use domain::listing::{Direction, ListParams};
use domain::time::rfc3339_from_millis;
use store::campaign_jobs::{CampaignJob, JobFilter};
use store::now_ms;

use super::{counts, job_fields, job_view, RunCampaignJob, DEFAULT_TIMEOUT_HOURS};
use crate::error::{Found, Resource};
use crate::{Caller, ServiceError, Services};

/// A job id from a path: a malformed one is simply not found.
fn job_id(id: &str) -> Result<JobId, ServiceError> {
    JobId::parse(id).ok_or(ServiceError::NotFound(Resource::Job))
}

impl Services {
    /// `GET /v1/jobs`: a page of the caller's jobs, filtered by `campaign_id` and `status`.
    pub async fn list_jobs(
        &self,
        caller: &Caller,
        params: &ListParams,
    ) -> Result<(Vec<JobView>, u64), ServiceError> {
        caller.require(Scope::CampaignsRead)?;
        // A malformed campaign id matches no job, like an unknown one.
        let campaign = match params.filter("campaign_id") {
            Some(text) => match CampaignId::parse(text) {
                Some(id) => Some(id),
                None => return Ok((Vec::new(), 0)),
            },
            None => None,
        };
        let filter = JobFilter {
            campaign_id: campaign.as_ref(),
            status: params.filter("status").and_then(JobStatus::parse),
        };
        let (jobs, total) = self
            .db
            .campaign_jobs()
            .list(
                caller.account(),
                &filter,
                params.sort().field(),
                params.sort().direction() == Direction::Descending,
                params.offset(),
                params.per_page(),
            )
            .await?;
        Ok((
            jobs.iter()
                .map(|item| {
                    job_view(
                        &item.job,
                        counts(&item.job, item.budget, item.evaluations_completed),
                    )
                })
                .collect(),
            total,
        ))
    }

    /// `GET /v1/jobs/{id}`: one of the caller's jobs with its progress and timing.
    pub async fn job(&self, caller: &Caller, id: &str) -> Result<JobDetail, ServiceError> {
        caller.require(Scope::CampaignsRead)?;
        let job = self
            .db
            .campaign_jobs()
            .job(caller.account(), &job_id(id)?)
            .await
            .found(Resource::Job)?;
        let campaign = self
            .db
            .campaigns()
            .get(caller.account(), &job.campaign_id)
            .await
            .found(Resource::Campaign)?;
        let end = job.finished_at.unwrap_or_else(now_ms);
        let elapsed = job
            .started_at
            .map_or(0.0, |start| (end - start).max(0) as f64 / 1000.0);
        let done = job.iteration.max(0);
        let avg = (done > 0).then(|| elapsed / done as f64);
        let remaining = avg
            .filter(|_| job.status == JobStatus::Running)
            .map(|avg| avg * (job.total_iterations - done).max(0) as f64);
        Ok(JobDetail {
            progress: JobProgress {
                counts: counts(&job, campaign.budget, campaign.evaluations_completed),
                current_phase: job.phase,
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
        let levels: Vec<LogLevel> = min_level.and_above().collect();
        Ok(self
            .db
            .campaign_jobs()
            .logs_filtered(caller.account(), &job_id(id)?, &levels, since_ms, tail)
            .await?
            .into_iter()
            .map(|l| JobLogLine {
                id: l.id,
                timestamp: rfc3339_from_millis(l.at),
                level: l.level,
                message: l.message,
            })
            .collect())
    }

    /// `POST /v1/jobs/{id}/cancel`: a queued or running job stops within seconds, even in the
    /// middle of an iteration (whose work is discarded); recorded results stay.
    pub async fn cancel_job(&self, caller: &Caller, id: &str) -> Result<JobView, ServiceError> {
        caller.require(Scope::CampaignsWrite)?;
        let id = job_id(id)?;
        let jobs = self.db.campaign_jobs();
        let job = jobs.job(caller.account(), &id).await.found(Resource::Job)?;
        if !jobs
            .request_cancel_job(caller.account(), &id, now_ms())
            .await?
        {
            return Err(ServiceError::InvalidState {
                code: ErrorCode::JobNotCancellable,
                message: format!(
                    "Only a queued or running job can be cancelled; this one is '{}'.",
                    job.status
                ),
            });
        }
        self.wake_waiting_job(&id, caller.account()).await?;
        self.job_with_counts(
            caller,
            jobs.job(caller.account(), &id).await.found(Resource::Job)?,
        )
        .await
    }

    /// `POST /v1/jobs/{id}/retry`: a new job for the campaign of a failed or cancelled job,
    /// resuming from the last completed iteration with every recorded evaluation; the job and
    /// the task that runs it are created together.
    pub async fn retry_job(&self, caller: &Caller, id: &str) -> Result<JobView, ServiceError> {
        caller.require(Scope::CampaignsWrite)?;
        let id = job_id(id)?;
        let now = now_ms();
        let tx = self.db.begin().await?;
        let job = tx
            .campaign_jobs()
            .retry(
                caller.account(),
                &id,
                now + (DEFAULT_TIMEOUT_HOURS * 3_600_000.0) as i64,
                now,
            )
            .await?
            .ok_or_else(|| ServiceError::InvalidState {
                code: ErrorCode::JobNotRetryable,
                message:
                    "Only the newest job of a campaign, once failed or cancelled, can be retried."
                        .into(),
            })?;
        tx.tasks()
            .enqueue(RunCampaignJob::task(&job.id, caller.account()), now)
            .await?;
        tx.commit().await?;
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
            .await
            .found(Resource::Campaign)?;
        Ok(job_view(
            &job,
            counts(&job, campaign.budget, campaign.evaluations_completed),
        ))
    }
}
