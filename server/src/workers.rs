//! Background workers: the job runner with every job type's handler registered.
//!
//! Later features add one file per job under `workers/` and register it here.

use store::jobs::{Runner, RunnerConfig};

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
    Runner::new(state.services.db(), config)
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".to_owned())
}
