//! Wire types and validated values shared by the server, the web app and the browser.
//!
//! Nothing here knows about HTTP frameworks or databases, so the same definitions compile for
//! the server and for `wasm32-unknown-unknown`.

pub mod auth;
pub mod campaigns;
pub mod datasets;
pub mod envelope;
pub mod error;
pub mod files;
pub mod listing;
pub mod status;
pub mod time;
