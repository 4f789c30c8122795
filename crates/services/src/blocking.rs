//! CPU-heavy work off the async runtime's threads.

use crate::ServiceError;

/// Runs `work` on the blocking thread pool and waits for it: for computations that can take
/// more than a moment (Pareto fronts, hypervolumes, results exports), which on a runtime
/// thread would stall every request sharing it. A panic in `work` is an internal error.
pub async fn run<R: Send + 'static>(
    work: impl FnOnce() -> R + Send + 'static,
) -> Result<R, ServiceError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ServiceError::Internal(e.into()))
}
