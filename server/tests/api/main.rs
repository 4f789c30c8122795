//! REST API integration tests: one binary, run once per database backend
//! (`MC_TEST_DATABASE=sqlite|postgres`).

mod api_keys;
mod browser_auth;
mod campaign_runs;
mod campaign_stops;
mod campaigns;
mod connect;
mod datasets;
mod docs;
mod errors;
mod files;
mod helpers;
mod hostile_input;
mod housekeeping;
mod identity;
mod lab_loop;
mod mail;
mod outage;
mod pages;
mod quotas;
mod rate_limits;
mod redirects;
mod security_headers;
mod system;
mod templates;
mod websockets;
