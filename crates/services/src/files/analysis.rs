//! The analysis task: parses a confirmed file's STL with `crates/mesh` on a blocking thread and
//! records its metrics (`ready`), or the reason it failed (`failed`).
//!
//! Each file gets a time budget ([`crate::ServiceConfig::analysis_timeout`], 60 s by default):
//! the mesh crate checks it every few thousand triangles, so a file that takes longer ends
//! `failed` with "analysis took longer than 60 s; the file may be too complex" and its worker
//! moves on. That failure is permanent (the same file takes as long again), so it is recorded,
//! not retried.

use domain::files::FileStatus;
use domain::ids::FileId;
use serde_json::json;
use store::tasks::{Handles, NewTask, TaskContext, TaskKind};
use store::{now_ms, AccountId};

use crate::{ServiceError, Services};

/// How long one file's reading and analysis may take by default.
pub const DEFAULT_ANALYSIS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The task that analyses one confirmed file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AnalyseFile {
    /// The file to analyse.
    pub file_id: FileId,
}

impl TaskKind for AnalyseFile {
    const NAME: &'static str = "file_analysis";
    const QUEUE: &'static str = crate::tasks::FILES_QUEUE;
}

impl AnalyseFile {
    /// The task for `file_id` of `account`, runnable at once.
    pub fn task(file_id: &FileId, account: &AccountId) -> NewTask {
        NewTask::of(&AnalyseFile {
            file_id: file_id.clone(),
        })
        .for_account(account)
    }
}

#[async_trait::async_trait]
impl Handles<AnalyseFile> for Services {
    async fn handle(&self, task: AnalyseFile, _: &TaskContext) -> anyhow::Result<()> {
        self.analyse_file(&task.file_id)
            .await
            .map_err(|e| anyhow::Error::new(e).context(format!("file analysis {}", task.file_id)))
    }
}

impl Services {
    /// Analyses a confirmed file: parses the stored STL with `crates/mesh` on a blocking thread
    /// and records the metrics, or the reason it failed. Running it again for a file that is
    /// no longer `processing`, or that was deleted meanwhile, does nothing.
    pub async fn analyse_file(&self, id: &FileId) -> Result<(), ServiceError> {
        let files = self.db.files();
        let file = match files.get_any(id).await {
            Err(store::StoreError::NotFound) => return Ok(()),
            found => found?,
        };
        if file.status != FileStatus::Processing {
            return Ok(());
        }
        let storage = self.storage()?.clone();
        let key = file.storage_key.clone();
        let limit = self.config.analysis_timeout;
        let outcome = tokio::task::spawn_blocking(move || {
            // Started on the blocking thread: time spent waiting for one is not the file's.
            let budget = mesh::Budget::within(limit);
            let (reader, len) = storage.open(&key).map_err(|e| e.to_string())?;
            let mesh = mesh::read_stl_within(reader, len, &budget).map_err(|e| e.to_string())?;
            mesh::analyse_within(&mesh, &budget).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| ServiceError::Internal(e.into()))?;
        match outcome {
            Ok(analysis) => {
                let analysis_json =
                    serde_json::to_string(&analysis).map_err(anyhow::Error::from)?;
                let metrics =
                    serde_json::to_string(&analysis.metrics()).map_err(anyhow::Error::from)?;
                files
                    .finish_analysis(
                        id,
                        FileStatus::Ready,
                        Some(&analysis_json),
                        &metrics,
                        now_ms(),
                    )
                    .await?;
            }
            Err(reason) => {
                let metrics = json!({"error": reason}).to_string();
                files
                    .finish_analysis(id, FileStatus::Failed, None, &metrics, now_ms())
                    .await?;
            }
        }
        Ok(())
    }
}
