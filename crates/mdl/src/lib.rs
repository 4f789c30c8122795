//! MDL, the Material Definition Language (SPEC §4.1): a design space (parameters, objectives,
//! constraints) plus optimizer settings, written in YAML or JSON.
//!
//! [`parse_yaml`] and [`parse_json`] read a document and validate it completely, returning the
//! typed [`Mdl`] with any warnings, or every problem at once as [`Issue`]s with paths such as
//! `parameters[2].bounds`. Nothing here panics on bad input. Builds for `wasm32-unknown-unknown`
//! so the browser validates with the same code as the server.

pub mod expr;
mod model;
mod report;
mod validate;

pub use model::*;
pub use report::{Issue, Level, Report};

/// The built-in domains, each with a simulator.
pub const DOMAINS: [&str; 8] = [
    "water",
    "battery",
    "solar",
    "catalyst",
    "hydrogen",
    "thermoelectric",
    "polymer",
    "ceramic",
];

/// Parses and validates a YAML (or JSON, a subset of YAML) document.
pub fn parse_yaml(text: &str) -> Result<(Mdl, Vec<Issue>), Report> {
    validate::validate(&yaml_to_value(text)?)
}

/// A YAML (or JSON) document as a JSON value, without validating it as MDL.
pub fn yaml_to_value(text: &str) -> Result<serde_json::Value, Report> {
    serde_norway::from_str(text)
        .map_err(|e| Report::single(Issue::error("", format!("not valid YAML: {e}"))))
}

/// A document (e.g. a stored MDL) written as YAML.
pub fn value_to_yaml(value: &serde_json::Value) -> Result<String, Report> {
    serde_norway::to_string(value)
        .map_err(|e| Report::single(Issue::error("", format!("cannot write YAML: {e}"))))
}

/// The closest of `candidates` to `word` when it is close enough to be a likely typo (for
/// "did you mean" hints).
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    validate::suggest(word, candidates)
}

/// Parses and validates a JSON document.
pub fn parse_json(text: &str) -> Result<(Mdl, Vec<Issue>), Report> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Report::single(Issue::error("", format!("not valid JSON: {e}"))))?;
    validate::validate(&value)
}

/// Validates an already-parsed document (e.g. the `mdl` field of an API request).
pub fn from_value(value: &serde_json::Value) -> Result<(Mdl, Vec<Issue>), Report> {
    validate::validate(value)
}
