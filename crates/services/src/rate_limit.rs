//! Rate limits: fixed one-minute windows counted in the shared database, so a limit holds
//! across every server instance (SPEC §3).

use domain::auth::Plan;
use store::now_ms;

use crate::{ServiceError, Services};

const WINDOW_MS: i64 = 60_000;

/// Requests per minute of a plan: `free` uses the configured default.
pub fn plan_limit(plan: Plan, default: u32) -> u32 {
    match plan {
        Plan::Pro => 300,
        Plan::Scale => 1000,
        Plan::Free => default,
    }
}

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    /// Requests allowed per window.
    pub limit: u32,
    /// Requests left in this window after this one.
    pub remaining: u32,
    /// When the window ends (unix seconds).
    pub reset_at: i64,
    /// Seconds until the window ends (for `Retry-After`), at least 1.
    pub retry_after_secs: u64,
    /// False when this request is over the limit.
    pub allowed: bool,
}

impl Services {
    /// Counts one request in `bucket` (e.g. `key:<id>`, `ip:<addr>`) against `limit` per
    /// minute. `None` when limits are turned off.
    pub async fn count_request(
        &self,
        bucket: &str,
        limit: u32,
    ) -> Result<Option<RateDecision>, ServiceError> {
        if self.config.rate_limit_per_minute == 0 {
            return Ok(None);
        }
        let now = now_ms();
        let window = now - now.rem_euclid(WINDOW_MS);
        let hits = self.db.rate_counters().hit(bucket, window).await?;
        let hits = u32::try_from(hits).unwrap_or(u32::MAX);
        let reset_ms = window + WINDOW_MS;
        Ok(Some(RateDecision {
            limit,
            remaining: limit.saturating_sub(hits),
            reset_at: (reset_ms + 999) / 1000,
            retry_after_secs: u64::try_from((reset_ms - now + 999) / 1000)
                .unwrap_or(1)
                .max(1),
            allowed: hits <= limit,
        }))
    }

    /// The per-minute limit for an account on `plan`.
    pub fn limit_for_plan(&self, plan: Plan) -> u32 {
        plan_limit(plan, self.config.rate_limit_per_minute)
    }

    /// The per-minute limit for anonymous callers (per client address).
    pub fn anonymous_limit(&self) -> u32 {
        self.config.rate_limit_per_minute
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paid_plans_have_higher_limits() {
        assert_eq!(plan_limit(Plan::Free, 60), 60);
        assert_eq!(plan_limit(Plan::Pro, 60), 300);
        assert_eq!(plan_limit(Plan::Scale, 60), 1000);
        assert_eq!(plan_limit(Plan::Free, 5), 5, "the default is configurable");
    }
}
