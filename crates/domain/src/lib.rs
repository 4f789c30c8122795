//! Wire types, ids and the project's vocabulary (every closed set of names as one enum), shared
//! by the server, the web app and the browser.
//!
//! Nothing here knows about HTTP frameworks, so the same definitions compile for the server and
//! for `wasm32-unknown-unknown`. With the `server` feature the enums and ids also encode and
//! decode themselves as database columns (sqlx, text), and ids can be generated.

pub mod auth;
pub mod campaigns;
pub mod datasets;
pub mod envelope;
pub mod error;
pub mod files;
pub mod ids;
pub mod listing;
pub mod secret;
pub mod status;
pub mod tasks;
pub mod time;
pub mod vocabulary;
