//! The service layer. REST handlers (`server`) and server functions (`app`) are thin wrappers
//! over these operations, so the browser and the API can never disagree.

pub mod blocking;
pub mod campaign_jobs;
pub mod campaigns;
pub mod catalog;
pub mod datasets;
pub mod error;
pub mod files;
pub mod housekeeping;
pub mod identity;
pub mod mail;
pub mod network;
pub mod progress;
pub mod quotas;
pub mod rate_limit;
pub mod request_id;
pub mod storage;
mod system;
pub mod tasks;
pub mod ws_tickets;

use std::sync::Arc;
use std::time::Duration;

use domain::auth::KeyKind;
pub use error::{Resource, ServiceError};
pub use identity::{AuthFailure, AuthMethod, Caller, ClientInfo};
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
    /// How long a browser session lasts at most.
    pub session_ttl: Duration,
    /// A session not used for this long ends (each use slides it).
    pub session_idle: Duration,
    /// The reverse proxies whose `X-Forwarded-For` is believed (see [`network`]).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The site's address as users reach it (`MATTERCRAFT_PUBLIC_URL`), for mailed links.
    pub public_url: String,
    /// Cookies are `Secure` and the session cookie is `__Host-` prefixed (HTTPS).
    pub secure_cookies: bool,
    /// Sign-ups (and "forgot password" requests) allowed per client address per hour.
    pub signups_per_address_per_hour: i64,
    /// The most memory one running campaign may need (its worst case, estimated from its
    /// settings and data); a campaign over it is refused when created and when started.
    pub campaign_memory_bytes: u64,
    /// How long reading and measuring one uploaded file may take; over it the file is
    /// `failed` with that reason.
    pub analysis_timeout: Duration,
    /// The largest part a file upload may have.
    pub max_upload_bytes: u64,
    /// An upload `PUT` that sends no byte for this long is cut off (its claim given back).
    pub upload_idle_timeout: Duration,
    /// An upload `PUT` taking longer than this in all is cut off (at most
    /// [`store::files::UPLOAD_CLAIM_MS`], so a claim never outlives its upload).
    pub upload_timeout: Duration,
}

impl ServiceConfig {
    /// Development defaults: test keys, 60 requests/minute, sessions of 30 days (7 idle),
    /// plain-HTTP cookies on `http://127.0.0.1:3000`.
    pub fn development() -> Self {
        Self {
            default_key_kind: KeyKind::Test,
            rate_limit_per_minute: 60,
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            session_idle: Duration::from_secs(7 * 24 * 3600),
            trusted_proxies: Vec::new(),
            public_url: "http://127.0.0.1:3000".to_owned(),
            secure_cookies: false,
            signups_per_address_per_hour: 10,
            campaign_memory_bytes: campaigns::DEFAULT_CAMPAIGN_MEMORY_BYTES,
            analysis_timeout: files::DEFAULT_ANALYSIS_TIMEOUT,
            max_upload_bytes: files::DEFAULT_MAX_UPLOAD_BYTES,
            upload_idle_timeout: files::DEFAULT_UPLOAD_IDLE_TIMEOUT,
            upload_timeout: files::DEFAULT_UPLOAD_TIMEOUT,
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
    ws_tickets: Option<ws_tickets::TicketKey>,
    mailer: Option<mail::Mailer>,
    passwords: identity::PasswordHashing,
}

impl Services {
    /// Services over `db`.
    pub fn new(db: Db, config: ServiceConfig) -> Self {
        Self {
            db,
            config: Arc::new(config),
            progress: progress::ProgressHub::default(),
            storage: None,
            ws_tickets: None,
            mailer: None,
            passwords: identity::PasswordHashing::per_core(),
        }
    }

    /// The same services with `storage` for uploaded files (without one, file operations
    /// fail as misconfigured).
    #[must_use]
    pub fn with_storage(mut self, storage: Arc<dyn storage::ObjectStore>) -> Self {
        self.storage = Some(storage);
        self
    }

    /// The same services signing websocket tickets with `key` (without one, creating or using
    /// a ticket fails as misconfigured).
    #[must_use]
    pub fn with_ws_tickets(mut self, key: ws_tickets::TicketKey) -> Self {
        self.ws_tickets = Some(key);
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

    /// The session cookie's name: `__Host-mc_session` over HTTPS, `mc_session` otherwise.
    pub fn session_cookie_name(&self) -> &'static str {
        domain::auth::session_cookie_name(self.config.secure_cookies)
    }

    /// How long a readiness probe waits for the database.
    pub const READY_TIMEOUT: Duration = Duration::from_secs(2);
}
