//! The durable task queue's vocabulary. A *task* is one row of the queue that background workers
//! claim (running a campaign job, analysing a file, …); it is internal and never in the API,
//! unlike the *jobs* of `/v1/jobs` (see the glossary in the README).

use crate::vocabulary::closed_set;

closed_set! {
    /// Where a task is in its life: `queued → running → completed`, or back to `queued` after a
    /// failed attempt, until `dead` after its last attempt; `cancelled` before it ran.
    pub enum TaskState("task state") {
        /// Waiting for `run_at` and a free worker.
        Queued = "queued",
        /// Leased by a worker.
        Running = "running",
        /// Finished successfully.
        Completed = "completed",
        /// Failed its last attempt; will not run again by itself.
        Dead = "dead",
        /// Cancelled before it ran.
        Cancelled = "cancelled",
    }
}
