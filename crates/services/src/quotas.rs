//! Per-account quotas: how many keys, custom templates, datasets and files an account may hold
//! and how many bytes it may store, by plan. A write that would pass a limit is refused with
//! 403 `quota_exceeded` naming it; nothing is written.
//!
//! The check and the write it guards run in one unit of work that first locks the account's
//! row, so two requests of one account cannot both take the last place.

use domain::auth::Plan;
use domain::error::ErrorCode;
use store::usage::Usage;
use store::{now_ms, AccountId, Db};

use crate::{Caller, ServiceError, Services};

/// One limit, by plan.
#[derive(Debug, Clone, Copy)]
pub struct Quota {
    /// Its name in the error message and the README (`api_keys`, `stored_bytes`, …).
    pub name: &'static str,
    /// What is counted, in words.
    noun: &'static str,
    /// What it counts in an account's [`Usage`].
    measure: fn(&Usage) -> i64,
    /// The limit for `free`, `pro` and `scale` accounts.
    limits: [i64; 3],
}

const GIB: i64 = 1 << 30;

/// Active (unrevoked, unexpired) API keys.
pub const API_KEYS: Quota = Quota {
    name: "api_keys",
    noun: "active API keys",
    measure: |u| u.api_keys,
    limits: [25, 100, 500],
};

/// Custom templates.
pub const CUSTOM_TEMPLATES: Quota = Quota {
    name: "custom_templates",
    noun: "custom templates",
    measure: |u| u.custom_templates,
    limits: [50, 500, 5_000],
};

/// Datasets.
pub const DATASETS: Quota = Quota {
    name: "datasets",
    noun: "datasets",
    measure: |u| u.datasets,
    limits: [50, 500, 5_000],
};

/// Files, pending uploads included.
pub const FILES: Quota = Quota {
    name: "files",
    noun: "files",
    measure: |u| u.files,
    limits: [200, 2_000, 20_000],
};

/// Bytes of datasets and files, pending uploads counted at their announced size.
pub const STORED_BYTES: Quota = Quota {
    name: "stored_bytes",
    noun: "bytes of datasets and files",
    measure: |u| u.stored_bytes,
    limits: [GIB, 20 * GIB, 200 * GIB],
};

/// Every quota, for the README and the account page.
pub const ALL: [Quota; 5] = [API_KEYS, CUSTOM_TEMPLATES, DATASETS, FILES, STORED_BYTES];

impl Quota {
    /// The limit for an account on `plan`.
    pub fn limit(&self, plan: Plan) -> i64 {
        match plan {
            Plan::Free => self.limits[0],
            Plan::Pro => self.limits[1],
            Plan::Scale => self.limits[2],
        }
    }
}

impl Services {
    /// On `tx` (a unit of work that goes on to make the write): locks the caller's account and
    /// refuses with `quota_exceeded` unless it can take `adding` more of each quota.
    pub(crate) async fn reserve(
        &self,
        tx: &Db,
        caller: &Caller,
        adding: &[(Quota, i64)],
    ) -> Result<(), ServiceError> {
        self.reserve_for(tx, caller.account(), caller.plan, adding)
            .await
    }

    /// [`Services::reserve`] for `account` on `plan`, when there is no caller yet (connect).
    pub(crate) async fn reserve_for(
        &self,
        tx: &Db,
        account: &AccountId,
        plan: Plan,
        adding: &[(Quota, i64)],
    ) -> Result<(), ServiceError> {
        tx.accounts().lock(account).await?;
        let usage = tx.usage().of(account, now_ms()).await?;
        for (quota, more) in adding {
            let limit = quota.limit(plan);
            let held = (quota.measure)(&usage);
            if held.saturating_add(*more) > limit {
                return Err(ServiceError::Forbidden {
                    code: ErrorCode::QuotaExceeded,
                    message: format!(
                        "Quota '{}' exceeded: the {} plan allows {} {}; this account holds {} \
                         and this would add {}. Delete some first, or move to a bigger plan.",
                        quota.name,
                        plan,
                        human(quota, limit),
                        quota.noun,
                        human(quota, held),
                        human(quota, *more),
                    ),
                });
            }
        }
        Ok(())
    }
}

/// A count as written, bytes in MiB/GiB.
fn human(quota: &Quota, n: i64) -> String {
    if quota.name != STORED_BYTES.name {
        return n.to_string();
    }
    if n >= GIB {
        format!("{:.1} GiB", n as f64 / GIB as f64)
    } else {
        format!("{:.1} MiB", n as f64 / (1 << 20) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigger_plans_allow_more_of_everything() {
        for quota in ALL {
            assert!(
                quota.limit(Plan::Free) < quota.limit(Plan::Pro),
                "{}",
                quota.name
            );
            assert!(
                quota.limit(Plan::Pro) < quota.limit(Plan::Scale),
                "{}",
                quota.name
            );
        }
    }

    #[test]
    fn bytes_are_written_for_people() {
        assert_eq!(human(&STORED_BYTES, GIB), "1.0 GiB");
        assert_eq!(human(&STORED_BYTES, 3 << 19), "1.5 MiB");
        assert_eq!(human(&FILES, 12), "12");
    }
}
