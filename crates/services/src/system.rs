//! Health, readiness and the platform status snapshot.

use domain::status::PlatformStatus;

use domain::auth::Role;

use crate::{Caller, ServiceError, Services};

impl Services {
    /// Succeeds when the database answers.
    pub async fn readiness(&self) -> Result<(), ServiceError> {
        self.db.ping(Self::READY_TIMEOUT).await?;
        Ok(())
    }

    /// Version and database backend for everyone; the task queue's counts (every account's
    /// activity) only for an operator. Answers 503 when the database is away, for anyone.
    pub async fn platform_status(
        &self,
        caller: Option<&Caller>,
    ) -> Result<PlatformStatus, ServiceError> {
        self.readiness().await?;
        let operator = caller.is_some_and(|c| c.role == Role::Operator);
        Ok(PlatformStatus {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            database: self.db.backend().as_str().to_owned(),
            tasks: if operator {
                Some(self.db.tasks().counts().await?)
            } else {
                None
            },
        })
    }
}
