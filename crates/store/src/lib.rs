//! Persistence for MatterCraft: one [`Db`] handle that serves SQLite or PostgreSQL, chosen by the
//! database URL at run time, its migrations, and the durable job queue that background work uses.
//!
//! Queries go through sqlx's `Any` driver with portable SQL; backend-specific SQL is used only
//! where the semantics differ (job claiming). Timestamps are stored as unix milliseconds
//! (`BIGINT`) so both backends compare and order them the same way; JSON is stored as text.

pub mod accounts;
pub mod api_keys;
pub mod campaign_runs;
pub mod campaigns;
pub mod datasets;
mod db;
mod error;
pub mod files;
pub mod ids;
pub mod jobs;
pub mod rate_counters;
pub mod sessions;
pub mod templates;
#[cfg(feature = "testing")]
pub mod testing;

pub use accounts::AccountId;
pub use db::{now_ms, Backend, Db, DbOptions};
pub use error::StoreError;
