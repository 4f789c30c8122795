//! Background workers: the task runner, with every kind of task's handler registered from the
//! one list in `services::tasks`.

use store::tasks::{Runner, RunnerConfig};

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
        lanes: services::tasks::lanes(services::tasks::WorkerSlots {
            campaigns: settings.worker_concurrency,
            files: settings.file_workers,
        }),
        lease: settings.job_lease,
        ..RunnerConfig::new(worker_id)
    };
    services::tasks::register(Runner::new(state.services.db(), config), &state.services)
}

/// Starts the periodic housekeeping (`services::housekeeping`): a sweep now, then every ten
/// minutes, until `stop` resolves. Every worker process runs one; sweeps are idempotent.
pub fn spawn_housekeeping(
    services: &services::Services,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    let services = services.clone();
    tokio::spawn(async move {
        services
            .keep_house(services::housekeeping::HOUSEKEEPING_INTERVAL, stop)
            .await;
    })
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".to_owned())
}
