//! Settings pages.

pub mod api_keys_page;
pub mod settings_page;
