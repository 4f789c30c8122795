//! Background workers: the job runner with every job type's handler registered.
//!
//! Later features add one file per job under `workers/` and register it here.

use services::campaign_runs::CAMPAIGN_JOB;
use services::files::FILE_ANALYSIS_JOB;
use services::Services;
use store::jobs::{Job, JobHandler, Runner, RunnerConfig};

use crate::config::Settings;
use crate::state::AppState;

/// Builds the runner that `serve` and `worker` start, named after this host and process.
pub fn runner(state: &AppState, settings: &Settings) -> Runner {
    let worker_id = format!(
        "{}-{}-{}",
        hostname(),
        std::process::id(),
        store::ids::random_hex(3)
    );
    let config = RunnerConfig {
        concurrency: settings.worker_concurrency,
        lease: settings.job_lease,
        ..RunnerConfig::new(worker_id)
    };
    with_handlers(Runner::new(state.services.db(), config), &state.services)
}

/// `runner` with every job type's handler registered, running through `services`.
pub fn with_handlers(runner: Runner, services: &Services) -> Runner {
    runner
        .register(
            CAMPAIGN_JOB,
            CampaignJobHandler {
                services: services.clone(),
            },
        )
        .register(
            FILE_ANALYSIS_JOB,
            FileAnalysisHandler {
                services: services.clone(),
            },
        )
}

/// Analyses one confirmed file: `{"file_id": "…"}`.
pub struct FileAnalysisHandler {
    /// The service layer the job runs through.
    pub services: Services,
}

#[async_trait::async_trait]
impl JobHandler for FileAnalysisHandler {
    async fn run(&self, job: &Job) -> anyhow::Result<()> {
        let Some(id) = job.payload.get("file_id").and_then(|v| v.as_str()) else {
            return Err(store::jobs::permanent(
                "file analysis job without a file_id",
            ));
        };
        self.services
            .analyse_file(id)
            .await
            .map_err(|e| anyhow::anyhow!("file analysis {id}: {e}"))
    }
}

/// Runs (or resumes after a crash) one campaign job: `{"job_id": "job_…"}`.
pub struct CampaignJobHandler {
    /// The service layer the job runs through.
    pub services: Services,
}

#[async_trait::async_trait]
impl JobHandler for CampaignJobHandler {
    async fn run(&self, job: &Job) -> anyhow::Result<()> {
        let Some(id) = job.payload.get("job_id").and_then(|v| v.as_str()) else {
            return Err(store::jobs::permanent("campaign job without a job_id"));
        };
        // The runner claimed the job under its worker id, which the job then shows.
        let worker = job.lease_owner.as_deref().unwrap_or("unknown");
        self.services
            .run_campaign_job(id, worker, None)
            .await
            .map_err(|e| anyhow::anyhow!("campaign job {id}: {e}"))
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".to_owned())
}
