//! Health, readiness and the platform status snapshot.

use domain::status::PlatformStatus;

use crate::{ServiceError, Services};

impl Services {
    /// Succeeds when the database answers.
    pub async fn readiness(&self) -> Result<(), ServiceError> {
        self.db.ping(Self::READY_TIMEOUT).await?;
        Ok(())
    }

    /// Version, database backend and task queue counts.
    pub async fn platform_status(&self) -> Result<PlatformStatus, ServiceError> {
        Ok(PlatformStatus {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            database: self.db.backend().as_str().to_owned(),
            tasks: self.db.tasks().counts().await?,
        })
    }
}
