//! Discover pages: the campaigns list and a campaign's dashboard.

pub mod dashboard_page;
pub mod list_page;
