//! The typed, validated MDL document.

use serde::{Deserialize, Serialize};

use crate::expr::Comparison;

/// A validated MDL document.
#[derive(Debug, Clone, PartialEq)]
pub struct Mdl {
    /// `[a-zA-Z0-9_-]{1,128}`.
    pub name: String,
    /// One of [`crate::DOMAINS`], or a custom domain when the evaluator is not a simulator.
    pub domain: String,
    /// Up to 1024 characters.
    pub description: Option<String>,
    /// `"1.0"`.
    pub version: String,
    /// 1 to 100.
    pub parameters: Vec<Parameter>,
    /// 1 to 5.
    pub objectives: Vec<Objective>,
    /// 0 to 20.
    pub constraints: Vec<Constraint>,
    /// Optimizer settings with defaults filled in.
    pub optimizer: OptimizerConfig,
    /// Where evaluations come from.
    pub evaluator: Evaluator,
    /// Free-form metadata.
    pub metadata: serde_json::Value,
}

/// A design variable.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// `[a-zA-Z][a-zA-Z0-9_]{0,63}`, unique.
    pub name: String,
    /// Its kind and range.
    pub kind: ParameterKind,
    /// Unit label.
    pub unit: Option<String>,
    /// Human description.
    pub description: Option<String>,
}

/// What values a parameter takes.
#[derive(Debug, Clone, PartialEq)]
pub enum ParameterKind {
    /// A real number in `[lo, hi]`, optionally searched on a log scale.
    Continuous {
        /// Lower bound.
        lo: f64,
        /// Upper bound (> lo).
        hi: f64,
        /// Search in log space (lo > 0).
        log_scale: bool,
    },
    /// An integer in `[lo, hi]`.
    Integer {
        /// Lower bound.
        lo: i64,
        /// Upper bound (> lo).
        hi: i64,
    },
    /// One of 2 to 50 unique labels.
    Categorical {
        /// The labels.
        choices: Vec<String>,
    },
}

/// Whether an objective is to be made large or small.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Larger is better.
    Maximize,
    /// Smaller is better.
    Minimize,
}

/// A quantity to optimize.
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    /// Unique name.
    pub name: String,
    /// Maximize or minimize.
    pub direction: Direction,
    /// Unit label.
    pub unit: Option<String>,
    /// Human description.
    pub description: Option<String>,
    /// Hypervolume reference value; computed from data when absent.
    pub reference_point: Option<f64>,
    /// > 0, default 1.
    pub weight: f64,
}

/// A constraint on the parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// As written.
    pub expression: String,
    /// Parsed.
    pub comparison: Comparison,
    /// Slack for `==` (default 1e-6).
    pub tolerance: f64,
    /// Human description.
    pub description: Option<String>,
}

/// Search method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Method {
    /// Surrogate + CMA-ES acquisition (default).
    #[serde(rename = "cma-es")]
    CmaEs,
    /// Uniform random sampling.
    #[serde(rename = "random")]
    Random,
    /// A Sobol sequence.
    #[serde(rename = "sobol")]
    Sobol,
}

/// MLP activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// max(0, x).
    Relu,
    /// tanh(x).
    Tanh,
    /// x·sigmoid(x).
    Silu,
}

/// Surrogate network settings.
#[derive(Debug, Clone, PartialEq)]
pub struct SurrogateConfig {
    /// Widths of the hidden layers (default [128, 64]).
    pub hidden_layers: Vec<u32>,
    /// Default 0.001.
    pub learning_rate: f64,
    /// Default 200.
    pub epochs: u32,
    /// Default 0.1.
    pub dropout: f64,
    /// Default relu.
    pub activation: Activation,
    /// Default 32.
    pub batch_size: u32,
    /// Default 20.
    pub early_stopping_patience: u32,
}

/// Convergence and exploration settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveLearning {
    /// Iterations of small gain before `converged` (default 5).
    pub convergence_patience: u32,
    /// Relative hypervolume gain counted as small (default 0.001; 0 disables early stopping).
    pub convergence_threshold: f64,
    /// Size of the initial design (default: max(2 × parameters, batch size), at most budget).
    pub initial_samples: u32,
    /// Default 0.01.
    pub exploration_weight: f64,
}

/// Optimizer settings, defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimizerConfig {
    /// Default cma-es.
    pub method: Method,
    /// 10 to 10000 evaluations (default 200).
    pub budget: u32,
    /// 1 to 100 per iteration (default 10).
    pub batch_size: u32,
    /// For reproducible runs.
    pub seed: Option<u64>,
    /// CMA-ES initial step size (default 0.3).
    pub sigma0: f64,
    /// CMA-ES population size (default: CMA-ES's own rule).
    pub population_size: Option<u32>,
    /// Surrogate network.
    pub surrogate: SurrogateConfig,
    /// Convergence and exploration.
    pub active_learning: ActiveLearning,
}

/// Where evaluations come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Evaluator {
    /// The domain's built-in simulator (default).
    Simulator,
    /// Rows of a dataset (pool-based).
    Dataset {
        /// `ds_…`.
        dataset_id: String,
    },
    /// Results posted through the API (lab in the loop).
    External,
}
