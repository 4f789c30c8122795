//! Cooperative cancellation: a flag the caller sets from anywhere (another thread, an async
//! task) and long computations check between small steps (a training mini-batch, a CMA-ES
//! evaluation, a hypervolume contribution), so they end within milliseconds of being asked.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A shared cancellation flag; clones share it. A new one is not set.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A flag that is not set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the flag: every computation checking it (through any clone) stops at its next
    /// check. There is no way back.
    pub fn cancel(&self) {
        // Nothing is published through the flag, so no ordering beyond the flag itself.
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether the flag is set.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// `Err(Cancelled)` once the flag is set.
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }
}

/// A computation stopped because its [`Cancel`] flag was set; its partial work is discarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cancelled")]
pub struct Cancelled;

/// `Err(Cancelled)` when `cancel` is given and set (for computations whose callers may not
/// care about cancelling).
pub(crate) fn check(cancel: Option<&Cancel>) -> Result<(), Cancelled> {
    cancel.map_or(Ok(()), Cancel::check)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_flag_and_it_stays_set() {
        let cancel = Cancel::new();
        let seen_by_worker = cancel.clone();
        assert_eq!(seen_by_worker.check(), Ok(()));
        std::thread::spawn(move || cancel.cancel()).join().unwrap();
        assert!(seen_by_worker.is_cancelled());
        assert_eq!(seen_by_worker.check(), Err(Cancelled));
        assert_eq!(check(Some(&seen_by_worker)), Err(Cancelled));
        assert_eq!(check(None), Ok(()));
    }
}
