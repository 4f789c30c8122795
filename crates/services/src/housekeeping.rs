//! Housekeeping: what the platform keeps only for a while is removed by one periodic sweep
//! (security review M5, L12). Every process that runs workers sweeps once at start and then
//! every [`HOUSEKEEPING_INTERVAL`]; each step is a delete of what is past its time, so several
//! processes sweeping at once do no harm.
//!
//! | what | removed when |
//! | --- | --- |
//! | browser sessions | past their expiry, or idle longer than the idle limit |
//! | rate and throttle counters | their window started over [`COUNTER_RETENTION_MS`] ago |
//! | mailed codes and links | ended (used or expired) over [`CHALLENGE_RETENTION_MS`] ago |
//! | presigned files whose bytes never arrived | the upload URL expired and no upload can still be running; the row and any object go |
//! | partial uploads in object storage | not written for longer than the longest upload |
//! | finished background tasks (completed, dead, cancelled) | finished over [`TASK_RETENTION_MS`] ago |

use std::future::Future;
use std::time::{Duration, SystemTime};

use store::files::UPLOAD_CLAIM_MS;
use store::now_ms;

use crate::{ServiceError, Services};

/// How often each worker process sweeps.
pub const HOUSEKEEPING_INTERVAL: Duration = Duration::from_secs(10 * 60);
/// Rate counter windows are kept this long after they start: longer than any window in use
/// (the longest is an hour), so no live count is lost.
pub const COUNTER_RETENTION_MS: i64 = 48 * 3_600_000;
/// Mailed challenges are kept this long after they end: longer than the hour over which
/// mails to one address are counted.
pub const CHALLENGE_RETENTION_MS: i64 = 24 * 3_600_000;
/// Finished tasks are kept this long, for operators looking into what ran (a campaign's own
/// record is its job, which stays).
pub const TASK_RETENTION_MS: i64 = 7 * 24 * 3_600_000;
/// Abandoned uploads are removed this many at a time.
const BATCH: u32 = 200;

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Expired or idle browser sessions.
    pub sessions: u64,
    /// Old rate and throttle counter windows.
    pub rate_counters: u64,
    /// Ended mailed codes and links.
    pub email_challenges: u64,
    /// Presigned files whose bytes never arrived (rows; their objects, if any, with them).
    pub abandoned_uploads: u64,
    /// Partial uploads left in object storage.
    pub leftover_objects: u64,
    /// Finished background tasks.
    pub finished_tasks: u64,
}

impl Services {
    /// One sweep as of `now` (ms); see the module documentation.
    pub async fn housekeeping(&self, now: i64) -> Result<Swept, ServiceError> {
        let idle = i64::try_from(self.config.session_idle.as_millis()).unwrap_or(i64::MAX);
        Ok(Swept {
            sessions: self.db.sessions().purge_expired(now, idle).await?,
            rate_counters: self
                .db
                .rate_counters()
                .purge(now - COUNTER_RETENTION_MS)
                .await?,
            email_challenges: self
                .db
                .email_challenges()
                .purge(now - CHALLENGE_RETENTION_MS)
                .await?,
            abandoned_uploads: self.sweep_abandoned_uploads(now).await?,
            leftover_objects: self.sweep_leftover_objects(now).await?,
            finished_tasks: self
                .db
                .tasks()
                .purge_finished(now - TASK_RETENTION_MS)
                .await?,
        })
    }

    /// Sweeps at once, then every `every`, until `shutdown` resolves; a failed sweep is logged
    /// and the next one tries again.
    pub async fn keep_house(&self, every: Duration, shutdown: impl Future<Output = ()>) {
        let sweeps = async {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                match self.housekeeping(now_ms()).await {
                    Ok(swept) if swept != Swept::default() => {
                        tracing::info!(?swept, "housekeeping removed what had expired");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "housekeeping failed; retrying later"),
                }
            }
        };
        tokio::select! {
            () = sweeps => {}
            () = shutdown => {}
        }
    }

    /// Files presigned but never uploaded, once their URL has expired and any upload that
    /// claimed it in time has run out: the object (present if the bytes were stored but not
    /// recorded) goes first, then the row.
    async fn sweep_abandoned_uploads(&self, now: i64) -> Result<u64, ServiceError> {
        let Some(storage) = self.storage.as_ref() else {
            return Ok(0);
        };
        let before = now - UPLOAD_CLAIM_MS;
        let files = self.db.files();
        let mut removed = 0;
        loop {
            let batch = files.abandoned_uploads(before, BATCH).await?;
            for file in &batch {
                storage
                    .delete(&file.storage_key)
                    .await
                    .map_err(|e| ServiceError::Internal(e.into()))?;
                if files.delete_abandoned(&file.id, before).await? {
                    removed += 1;
                }
            }
            if batch.len() < BATCH as usize {
                return Ok(removed);
            }
        }
    }

    /// Partial uploads not written to for longer than the longest upload may take.
    async fn sweep_leftover_objects(&self, now: i64) -> Result<u64, ServiceError> {
        let Some(storage) = self.storage.as_ref() else {
            return Ok(0);
        };
        let now = SystemTime::UNIX_EPOCH + Duration::from_millis(u64::try_from(now).unwrap_or(0));
        let older_than = now
            .checked_sub(self.config.upload_timeout + Duration::from_secs(60))
            .unwrap_or(SystemTime::UNIX_EPOCH);
        storage
            .sweep_leftovers(older_than)
            .await
            .map_err(|e| ServiceError::Internal(e.into()))
    }
}
