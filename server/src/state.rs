//! The state every handler and server function can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use services::Services;

use crate::config::Settings;

/// Shared application state. Cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Leptos's own options (site root, output name, address).
    pub leptos_options: LeptosOptions,
    /// The service layer.
    pub services: Services,
    /// Configuration read at start-up.
    pub settings: Arc<Settings>,
}
