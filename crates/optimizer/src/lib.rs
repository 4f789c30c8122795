//! The optimization engine behind Discover campaigns, free of any web or database types.
//!
//! So far: exact hypervolume for any number of objectives ([`hypervolume`]), Pareto tools
//! ([`pareto`]), the built-in domain simulators ([`simulators`]) and MDL templates
//! ([`templates`]). Everything minimises; callers negate `maximize` objectives first.
//! Long computations stop soon after their [`cancel::Cancel`] flag is set; [`memory`]
//! estimates a campaign's worst-case memory from its settings.

pub mod campaign;
pub mod cancel;
pub mod cmaes;
pub mod encoding;
pub mod hypervolume;
pub mod memory;
pub mod pareto;
pub mod sampling;
pub mod simulators;
pub mod surrogate;
pub mod templates;

pub use hypervolume::{hypervolume, HypervolumeError};
