//! Persistence for MatterCraft: one [`Db`] handle that serves SQLite or PostgreSQL, chosen by the
//! database URL at run time, its migrations, the unit of work ([`Tx`]), and the durable task
//! queue that background work uses.
//!
//! Queries go through sqlx's `Any` driver with portable SQL; backend-specific SQL is used only
//! where the semantics differ (task claiming). Timestamps are stored as unix milliseconds
//! (`BIGINT`) so both backends compare and order them the same way; JSON is stored as text.
//! Models hold the vocabulary of `domain` (statuses, phases, units and ids are enums and
//! newtypes, encoded as text), so a stored value outside its set is a decode error.

pub mod accounts;
pub mod api_keys;
pub mod campaign_jobs;
pub mod campaigns;
pub mod datasets;
mod db;
pub mod email_challenges;
mod error;
pub mod evaluations;
pub mod files;
pub mod ids;
pub mod rate_counters;
pub mod sessions;
pub mod tasks;
pub mod templates;
#[cfg(feature = "testing")]
pub mod testing;
pub mod usage;

pub use accounts::AccountId;
pub use db::{now_ms, Backend, Db, DbOptions, Tx};
pub use error::StoreError;
