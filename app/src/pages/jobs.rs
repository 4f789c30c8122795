//! Discover pages: the account's campaign jobs and one job's progress and log.

pub mod job_page;
pub mod list_page;
