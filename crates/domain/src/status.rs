//! What the platform reports about itself (`GET /v1/status` and the home page).

use serde::{Deserialize, Serialize};

/// Counts of background tasks (the queue workers claim) by state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskCounts {
    /// Waiting to run (including retries waiting for their back-off).
    pub queued: u64,
    /// Leased by a worker right now.
    pub running: u64,
    /// Finished successfully.
    pub completed: u64,
    /// Gave up after the maximum number of attempts.
    pub dead: u64,
    /// Cancelled before running.
    pub cancelled: u64,
}

/// A snapshot of the running platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlatformStatus {
    /// The server's version.
    pub version: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// Tasks on the shared queue, over all workers and accounts: shown to operators only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks: Option<TaskCounts>,
}
