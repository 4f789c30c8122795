//! MDL, the Material Definition Language (SPEC §4.1): a design space (parameters, objectives,
//! constraints) plus optimizer settings, written in YAML or JSON.
//!
//! [`parse_yaml`] and [`parse_json`] read a document and validate it completely, returning the
//! typed [`Mdl`] with any warnings, or every problem at once as [`Issue`]s with paths such as
//! `parameters[2].bounds`. Nothing here panics on bad input. Builds for `wasm32-unknown-unknown`
//! so the browser validates with the same code as the server.
//!
//! Every input is bounded before it can cost much: documents of at most [`MAX_DOCUMENT_BYTES`],
//! nested at most [`MAX_NESTING`] deep, without YAML anchors or aliases; constraint expressions
//! of at most [`expr::MAX_CHARS`] characters and [`expr::MAX_NESTING`] levels; at most
//! [`MAX_ISSUES`] issues reported. Nothing recurses deeper than these limits allow.

pub mod expr;
mod model;
mod read;
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

/// The largest document accepted, in bytes of YAML or JSON text (a document given as a value
/// is measured written as compact JSON).
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

/// The deepest nesting of lists and mappings accepted in a document (MDL itself needs 4; the
/// rest is room for `metadata`).
pub const MAX_NESTING: usize = 32;

/// The most issues a report lists; past them, one more issue says how many were left out.
pub const MAX_ISSUES: usize = 100;

/// Parses and validates a YAML (or JSON, a subset of YAML) document.
pub fn parse_yaml(text: &str) -> Result<(Mdl, Vec<Issue>), Report> {
    validate::validate(&yaml_to_value(text)?)
}

/// A YAML (or JSON) document as a JSON value, without validating it as MDL. Refuses texts
/// over [`MAX_DOCUMENT_BYTES`], nesting past [`MAX_NESTING`], and YAML anchors and aliases.
pub fn yaml_to_value(text: &str) -> Result<serde_json::Value, Report> {
    read::yaml(text)
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
    validate::validate(&read::json(text)?)
}

/// Validates an already-parsed document (e.g. the `mdl` field of an API request), first
/// checking its nesting and size against [`MAX_NESTING`] and [`MAX_DOCUMENT_BYTES`].
pub fn from_value(value: &serde_json::Value) -> Result<(Mdl, Vec<Issue>), Report> {
    read::check_value(value)?;
    validate::validate(value)
}
