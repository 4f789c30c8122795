//! A time budget for reading and measuring one file.
//!
//! Every pass is linear or `n log n` in the number of triangles, but a 100 MB file is still
//! tens of millions of triangles, and a server must be able to say "this one took too long"
//! instead of holding a worker. A [`Budget`] is checked every [`CHECK_EVERY`] triangles (or edge
//! entries) in each pass, so an exceeded one ends the work within a few milliseconds with
//! [`MeshError::OverBudget`]. No thread, timer or runtime is involved: the work stops itself.

use crate::MeshError;
use std::time::{Duration, Instant};

/// Units of work (triangles, vertices or edge entries) between two looks at the clock: about
/// 0.1 ms of work on a fast core, so reading the clock costs nothing measurable and an exceeded
/// budget is noticed at once.
pub(crate) const CHECK_EVERY: usize = 4096;

/// How long parsing and analysis may take. [`Budget::unlimited`] never reads the clock, so it is
/// also what the browser build (where `Instant` is not available) uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Budget {
    /// The moment the work must stop, and the limit it was set from (for the message).
    deadline: Option<(Instant, Duration)>,
}

impl Budget {
    /// No limit.
    pub fn unlimited() -> Self {
        Self::default()
    }

    /// At most `limit` from now. A zero limit is already exceeded at the first check.
    pub fn within(limit: Duration) -> Self {
        let now = Instant::now();
        // A limit too large for the clock is no limit.
        Self {
            deadline: now.checked_add(limit).map(|at| (at, limit)),
        }
    }

    /// The limit this budget was set with (`None` when unlimited).
    pub fn limit(&self) -> Option<Duration> {
        self.deadline.map(|(_, limit)| limit)
    }

    /// `Err(OverBudget)` once the deadline has passed.
    #[inline]
    pub(crate) fn check(&self) -> Result<(), MeshError> {
        match self.deadline {
            Some((at, limit)) if Instant::now() >= at => Err(MeshError::OverBudget { limit }),
            _ => Ok(()),
        }
    }
}

/// Counts work against a [`Budget`], looking at the clock every [`CHECK_EVERY`] units.
pub(crate) struct Meter<'a> {
    budget: &'a Budget,
    left: usize,
}

impl<'a> Meter<'a> {
    /// A meter that looks at the clock on its first [`Meter::spend`].
    pub(crate) fn new(budget: &'a Budget) -> Self {
        Self { budget, left: 0 }
    }

    /// Records `work` units done; checks the budget when [`CHECK_EVERY`] have accumulated.
    #[inline]
    pub(crate) fn spend(&mut self, work: usize) -> Result<(), MeshError> {
        if work < self.left {
            self.left -= work;
            return Ok(());
        }
        self.left = CHECK_EVERY;
        self.budget.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unlimited_budget_is_never_exceeded() {
        let b = Budget::unlimited();
        assert_eq!(b.limit(), None);
        assert_eq!(b.check(), Ok(()));
        assert_eq!(Budget::within(Duration::MAX).check(), Ok(()));
    }

    #[test]
    fn a_zero_budget_is_exceeded_at_the_first_check() {
        let b = Budget::within(Duration::ZERO);
        assert_eq!(
            b.check(),
            Err(MeshError::OverBudget {
                limit: Duration::ZERO
            })
        );
        let mut meter = Meter::new(&b);
        assert!(
            meter.spend(1).is_err(),
            "the first spend looks at the clock"
        );
    }

    #[test]
    fn a_meter_looks_at_the_clock_once_per_check_interval() {
        let exceeded = Budget::within(Duration::ZERO);
        let unlimited = Budget::unlimited();
        let mut meter = Meter::new(&unlimited);
        meter.spend(1).unwrap();
        // Swap in an exceeded budget: only the next interval's end notices it.
        meter.budget = &exceeded;
        for _ in 0..CHECK_EVERY - 1 {
            meter.spend(1).unwrap();
        }
        assert!(meter.spend(1).is_err());
    }
}
