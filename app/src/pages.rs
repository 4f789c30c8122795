//! Routed pages, one per file.

pub mod area_page;
pub mod auth;
pub mod campaigns;
pub mod datasets;
pub mod home_page;
pub mod jobs;
pub mod not_found_page;
pub mod print;
pub mod settings;
