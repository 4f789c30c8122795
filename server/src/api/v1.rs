//! `/v1` resources, one file each.

pub mod api_keys;
pub mod campaigns;
pub mod connect;
pub mod datasets;
pub mod files;
pub mod jobs;
pub mod templates;
pub mod ws;
