//! How much memory a campaign may need at most while it runs, worked out from its settings
//! before it starts, so that a server can refuse a campaign that would not fit instead of
//! being killed by it.
//!
//! Three parts, each an upper bound of the heap the campaign holds at its peak (bytes as the
//! system allocator hands them out: every block rounded up to 16 bytes plus its 8-byte header,
//! 32 at least):
//!
//! - **surrogate**: training runs the [`ENSEMBLE`] members at once, one thread each, and each
//!   holds its weights, Adam's two moments, its best weights so far and a gradient buffer: five
//!   copies of the network, so `members × 5 × parameters × 8` bytes, plus a few activations;
//! - **data**: every evaluation (the budget, the prior rows of a warm start) with its
//!   parameters, the copies training makes of the usable ones (inputs and objectives, raw and
//!   standardised, and the set of points already taken), the Pareto-front and hypervolume work
//!   space over them, and a pool-based campaign's rows (parameters, unit-cube vectors and the
//!   measured outcome the caller keeps beside each);
//! - **acquisition**: CMA-ES (its evaluation budget bounds the population it can sample), the
//!   Sobol scan and the fantasy front;
//! - **overhead**: what the process adds around the heap: each training thread's stack and
//!   allocator arena (1 MiB each) and fragmentation and page rounding (an eighth of the rest).
//!
//! `tests/memory.rs` measures the peak resident memory of campaigns in which each part
//! dominates (each in a fresh process) and checks that the estimate is above the measurement
//! and within a factor of two of it.

use mdl::{Mdl, ParameterKind};

use crate::campaign::ENSEMBLE;

/// Rows a campaign holds besides the evaluations its budget pays for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DataRows {
    /// Rows given as prior data (a warm start).
    pub prior: usize,
    /// Rows of a pool-based campaign's pool.
    pub pool: usize,
}

/// The part of a campaign that needs the most memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Training the surrogate ensemble (its size: `surrogate_config.hidden_layers`).
    Surrogate,
    /// Evaluations, prior rows and pool rows.
    Data,
    /// CMA-ES and the acquisition's scans.
    Acquisition,
}

/// A campaign's worst-case memory in bytes, by part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryEstimate {
    /// Training the surrogate ensemble.
    pub surrogate: u64,
    /// Evaluations, prior rows and pool rows, with the copies made of them.
    pub data: u64,
    /// CMA-ES and the acquisition's scans.
    pub acquisition: u64,
    /// Threads' stacks and arenas, fragmentation.
    pub overhead: u64,
}

impl MemoryEstimate {
    /// The whole estimate.
    pub fn total(&self) -> u64 {
        self.surrogate
            .saturating_add(self.data)
            .saturating_add(self.acquisition)
            .saturating_add(self.overhead)
    }

    /// The part that needs the most.
    pub fn largest(&self) -> Part {
        if self.surrogate >= self.data && self.surrogate >= self.acquisition {
            Part::Surrogate
        } else if self.data >= self.acquisition {
            Part::Data
        } else {
            Part::Acquisition
        }
    }
}

/// Bytes the allocator hands out for a request of `bytes` (glibc on 64 bits: the request plus
/// an 8-byte header, rounded up to 16, at least 32).
fn block(bytes: u64) -> u64 {
    (bytes.saturating_add(8 + 15) & !15).max(32)
}

/// A `Vec<f64>` of `len` owned by another collection: its 24-byte handle and its block.
fn row(len: u64) -> u64 {
    24 + block(len * 8)
}

/// Parameters of the network (weights and biases) for `inputs` and `outputs`.
fn network_parameters(inputs: u64, hidden: &[u32], outputs: u64) -> u64 {
    let mut sizes = vec![inputs];
    sizes.extend(hidden.iter().map(|w| u64::from(*w)));
    sizes.push(outputs);
    sizes
        .windows(2)
        .map(|w| w[0].saturating_mul(w[1]).saturating_add(w[1]))
        .fold(0, u64::saturating_add)
}

/// A parameter point (`BTreeMap<String, Value>`) with `count` parameters: B-tree nodes of up
/// to 11 entries (a leaf is 544 bytes, an inner node 640), each name's block, and a
/// categorical value's text.
fn point(mdl: &Mdl) -> u64 {
    let count = mdl.parameters.len() as u64;
    let nodes = count.div_ceil(11).max(1);
    let names: u64 = mdl
        .parameters
        .iter()
        .map(|p| block(p.name.len() as u64))
        .sum();
    let choices: u64 = mdl
        .parameters
        .iter()
        .map(|p| match &p.kind {
            ParameterKind::Categorical { choices } => choices
                .iter()
                .map(|c| block(c.len() as u64))
                .max()
                .unwrap_or(0),
            _ => 0,
        })
        .sum();
    nodes * 640 + names + choices
}

/// The memory `mdl`'s campaign may need at most with `rows` besides its budget.
pub fn estimate(mdl: &Mdl, rows: DataRows) -> MemoryEstimate {
    let opt = &mdl.optimizer;
    // The unit-cube width: one coordinate per number, one per category label.
    let d: u64 = mdl
        .parameters
        .iter()
        .map(|p| match &p.kind {
            ParameterKind::Categorical { choices } => choices.len() as u64,
            _ => 1,
        })
        .sum();
    let m = mdl.objectives.len() as u64;
    let members = ENSEMBLE as u64;
    let widest = opt
        .surrogate
        .hidden_layers
        .iter()
        .map(|w| u64::from(*w))
        .chain([d, m])
        .max()
        .unwrap_or(1);

    // Surrogate: five copies of each network at once (weights, two Adam moments, the best
    // weights, the gradient) and the members' activations for one sample.
    let parameters = network_parameters(d, &opt.surrogate.hidden_layers, m);
    let layers = opt.surrogate.hidden_layers.len() as u64 + 1;
    let surrogate = members
        .saturating_mul(5)
        .saturating_mul(parameters)
        .saturating_mul(8)
        .saturating_add(members * layers * 4 * row(widest));

    // Data: each evaluation (its handle, id, point and objectives), and for each usable one
    // the training copies and the front's work space.
    let evaluations = u64::from(opt.budget)
        .saturating_add(u64::from(opt.batch_size))
        .saturating_add(rows.prior as u64);
    let evaluation = 96 + 32 + point(mdl) + block(m * 8);
    // Inputs and objectives as rows: raw (training set), standardised (training), the points
    // already taken (acquisition), and the (input, objective) pairs while they are split;
    // the minimised objectives, their front and the hypervolume's flat copies.
    let training = 4 * row(d) + 3 * row(m) + 48;
    let front = 3 * row(m) + 16 + 2 * m * 8 + 48;
    let per_evaluation = evaluation + training + front;
    // A pool row: its point, its unit-cube vector, its flag, and the caller's measured outcome
    // (objective values by name: a small hash map).
    let outcome = 48 + block(16 + 4 * 40) + m * 32;
    let per_pool_row = 24 + point(mdl) + row(d) + 1 + 8 + outcome;
    let data = evaluations
        .saturating_mul(per_evaluation)
        .saturating_add((rows.pool as u64).saturating_mul(per_pool_row));

    // Acquisition: CMA-ES samples at most its evaluation budget (600 + 60 d) per run, with its
    // covariance, eigenvectors and their working copies (d × d each); the scan of 384 points.
    let cma_points = 600 + 60 * d;
    let acquisition = (cma_points * 3 + 384 * 2).saturating_mul(row(d))
        + 6 * d.saturating_mul(row(d))
        + 64 * 1024;

    let heap = surrogate.saturating_add(data).saturating_add(acquisition);
    let overhead = members * 1024 * 1024 + heap / 8;
    MemoryEstimate {
        surrogate,
        data,
        acquisition,
        overhead,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(extra: &str) -> Mdl {
        let text = format!(
            "name: m\ndomain: benchmark\nevaluator: {{type: external}}\nparameters:\n  - {{name: x, type: continuous, bounds: [0, 1]}}\n  - {{name: y, type: continuous, bounds: [0, 1]}}\nobjectives:\n  - {{name: f, direction: minimize}}\n  - {{name: g, direction: minimize}}\n{extra}"
        );
        mdl::parse_yaml(&text)
            .unwrap_or_else(|r| panic!("{:?}", r.issues))
            .0
    }

    #[test]
    fn the_network_size_counts_weights_and_biases() {
        assert_eq!(network_parameters(2, &[3], 1), 2 * 3 + 3 + 3 + 1);
        assert_eq!(
            network_parameters(6, &[128, 64], 2),
            6 * 128 + 128 + 128 * 64 + 64 + 64 * 2 + 2
        );
    }

    #[test]
    fn a_wider_surrogate_or_more_rows_need_more_and_the_largest_part_is_named() {
        let small = estimate(&document(""), DataRows::default());
        let wide = estimate(
            &document("optimizer: {surrogate_config: {hidden_layers: [512, 512, 512, 512]}}\n"),
            DataRows::default(),
        );
        assert!(wide.surrogate > 50 * small.surrogate, "{small:?} {wide:?}");
        assert_eq!(wide.largest(), Part::Surrogate);
        let warm = estimate(
            &document(""),
            DataRows {
                prior: 100_000,
                pool: 0,
            },
        );
        assert!(warm.data > 100 * small.data, "{small:?} {warm:?}");
        assert_eq!(warm.largest(), Part::Data);
        assert_eq!(
            warm.total(),
            warm.surrogate + warm.data + warm.acquisition + warm.overhead
        );
    }
}
