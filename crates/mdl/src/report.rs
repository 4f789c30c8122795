//! Validation findings.

use serde::{Deserialize, Serialize};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The document cannot be used.
    Error,
    /// Usable, but probably not what was meant.
    Warning,
}

/// One finding: `{level, path, message}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    /// Error or warning.
    pub level: Level,
    /// Where, e.g. `parameters[0].bounds`; empty for the whole document.
    pub path: String,
    /// What is wrong, with a "did you mean" hint when one helps.
    pub message: String,
}

impl Issue {
    /// An error at `path`.
    pub fn error(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            level: Level::Error,
            path: path.into(),
            message: message.into(),
        }
    }

    /// A warning at `path`.
    pub fn warning(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            level: Level::Warning,
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Every finding of a document that has at least one error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("the MDL document has {} error(s)", .issues.iter().filter(|i| i.level == Level::Error).count())]
pub struct Report {
    /// Errors and warnings, in document order.
    pub issues: Vec<Issue>,
}

impl Report {
    /// A report of one issue.
    pub fn single(issue: Issue) -> Self {
        Self {
            issues: vec![issue],
        }
    }

    /// Only the errors.
    pub fn errors(&self) -> impl Iterator<Item = &Issue> {
        self.issues.iter().filter(|i| i.level == Level::Error)
    }
}
