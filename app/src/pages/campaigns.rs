//! Discover pages: the campaigns list, a new campaign (templates or MDL), a campaign's
//! dashboard and the templates gallery.

pub mod dashboard_page;
pub mod list_page;
pub mod new_page;
pub mod templates_page;
