//! The service layer. REST handlers (`server`) and server functions (`app`) are thin wrappers
//! over these operations, so the browser and the API can never disagree.

pub mod campaign_jobs;
pub mod campaigns;
pub mod catalog;
pub mod datasets;
pub mod error;
pub mod files;
pub mod identity;
pub mod mail;
pub mod progress;
pub mod rate_limit;
pub mod request_id;
pub mod storage;
mod system;
pub mod tasks;

use std::sync::Arc;
use std::time::Duration;

use domain::auth::KeyKind;
pub use error::{Resource, ServiceError};
pub use identity::{AuthFailure, AuthMethod, Caller};
/// Milliseconds since the Unix epoch, the platform's unit of time.
pub use store::now_ms;
use store::Db;

/// Choices made at start-up that services need.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Kind of key `/v1/connect` issues and `/v1/api-keys` defaults to: `test` in development
    /// (payments are test-mode there), `live` in production.
    pub default_key_kind: KeyKind,
    /// Requests per minute for the `free` plan and for anonymous callers; 0 turns limits off.
    pub rate_limit_per_minute: u32,
    /// How long a browser session lasts.
    pub session_ttl: Duration,
    /// Believe `X-Forwarded-For` for the client address (only behind a proxy that sets it).
    pub trust_proxy: bool,
    /// The largest part a file upload may have.
    pub max_upload_bytes: u64,
}

impl ServiceConfig {
    /// Development defaults: test keys, 60 requests/minute, 30-day sessions.
    pub fn development() -> Self {
        Self {
            default_key_kind: KeyKind::Test,
            rate_limit_per_minute: 60,
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            trust_proxy: false,
            max_upload_bytes: files::DEFAULT_MAX_UPLOAD_BYTES,
        }
    }
}

/// Everything a request needs to reach the platform's state. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Services {
    db: Db,
    config: Arc<ServiceConfig>,
    progress: progress::ProgressHub,
    storage: Option<Arc<dyn storage::ObjectStore>>,
    mailer: Option<mail::Mailer>,
}

impl Services {
    /// Services over `db`.
    pub fn new(db: Db, config: ServiceConfig) -> Self {
        Self {
            db,
            config: Arc::new(config),
            progress: progress::ProgressHub::default(),
            storage: None,
            mailer: None,
        }
    }

    /// The same services with `storage` for uploaded files (without one, file operations
    /// fail as misconfigured).
    #[must_use]
    pub fn with_storage(mut self, storage: Arc<dyn storage::ObjectStore>) -> Self {
        self.storage = Some(storage);
        self
    }

    /// The database handle.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Live campaign progress (websockets subscribe here).
    pub fn progress(&self) -> &progress::ProgressHub {
        &self.progress
    }

    /// The configuration.
    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    /// How long a readiness probe waits for the database.
    pub const READY_TIMEOUT: Duration = Duration::from_secs(2);
}
