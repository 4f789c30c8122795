//! The analysis task: parses a confirmed file's STL with `crates/mesh` on a blocking thread and
//! records its metrics (`ready`), or the reason it failed (`failed`).

use domain::files::FileStatus;
use domain::ids::FileId;
use serde_json::json;
use store::now_ms;
use store::tasks::{Handles, NewTask, TaskContext, TaskKind};

use crate::{ServiceError, Services};

/// The task that analyses one confirmed file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AnalyseFile {
    /// The file to analyse.
    pub file_id: FileId,
}

impl TaskKind for AnalyseFile {
    const NAME: &'static str = "file_analysis";
}

impl AnalyseFile {
    /// The task for `file_id`, runnable at once.
    pub fn task(file_id: &FileId) -> NewTask {
        NewTask::of(&AnalyseFile {
            file_id: file_id.clone(),
        })
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
        let outcome = tokio::task::spawn_blocking(move || {
            let (reader, len) = storage.open(&key).map_err(|e| e.to_string())?;
            let mesh = mesh::read_stl(reader, len).map_err(|e| e.to_string())?;
            Ok::<_, String>(mesh::analyse(&mesh))
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
