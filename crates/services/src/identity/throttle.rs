//! Attempt counters for sign-in, sign-up and mailed secrets: fixed windows in the shared
//! `rate_counters` table, so the limits hold across server instances.
//!
//! Every attempt is counted *before* it is judged, in one atomic statement per bucket, so
//! parallel attempts cannot all slip past a check (security review M2). Addresses are counted
//! whole for IPv4 and by /64 for IPv6 (one customer's allocation), so rotating through a
//! prefix does not reset a limit.

use std::net::IpAddr;

use store::Db;

use super::sha256_hex;
use crate::ServiceError;

/// One counter: a bucket name and how many attempts its window allows.
pub(super) struct Limit {
    /// The counter's name (already safe to store: no raw user input).
    pub bucket: String,
    /// Attempts allowed per window.
    pub max: i64,
}

impl Limit {
    /// A limit per client address (IPv4 whole, IPv6 by /64).
    pub fn per_address(action: &str, address: Option<IpAddr>, max: i64) -> Self {
        Self {
            bucket: format!("{action}:ip:{}", address_key(address)),
            max,
        }
    }

    /// A limit per email address (hashed, so the table never holds what a caller typed).
    pub fn per_email(action: &str, normalized_email: &str, max: i64) -> Self {
        Self {
            bucket: format!("{action}:email:{}", &sha256_hex(normalized_email)[..32]),
            max,
        }
    }

    /// A limit per email address *and* client address: a stranger's failures elsewhere do
    /// not count against the owner's own attempts.
    pub fn per_email_and_address(
        action: &str,
        normalized_email: &str,
        address: Option<IpAddr>,
        max: i64,
    ) -> Self {
        Self {
            bucket: format!(
                "{action}:email-ip:{}:{}",
                &sha256_hex(normalized_email)[..32],
                address_key(address)
            ),
            max,
        }
    }
}

/// What a client address counts as: the address for IPv4 (IPv4-mapped IPv6 included), the
/// /64 prefix for IPv6.
pub fn address_key(address: Option<IpAddr>) -> String {
    match address {
        None => "unknown".to_owned(),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// A fixed window of `length_ms` around `now`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    start: i64,
    retry_after_secs: u64,
}

impl Window {
    pub fn around(now: i64, length_ms: i64) -> Self {
        let start = now - now.rem_euclid(length_ms);
        Self {
            start,
            retry_after_secs: u64::try_from((start + length_ms - now) / 1000 + 1).unwrap_or(60),
        }
    }

    /// Counts one attempt against every limit; `Throttled` when any is over.
    pub async fn count(&self, db: &Db, limits: &[Limit]) -> Result<(), ServiceError> {
        let counters = db.rate_counters();
        let mut over = false;
        for limit in limits {
            over |= counters.hit(&limit.bucket, self.start).await? > limit.max;
        }
        if over {
            Err(ServiceError::Throttled {
                retry_after_secs: self.retry_after_secs,
            })
        } else {
            Ok(())
        }
    }

    /// Counts one use of `limit`; whether it is still within it.
    pub async fn allows(&self, db: &Db, limit: &Limit) -> Result<bool, ServiceError> {
        Ok(db.rate_counters().hit(&limit.bucket, self.start).await? <= limit.max)
    }

    /// Forgets the attempts counted against `limit` in this window (after a success).
    pub async fn forget(&self, db: &Db, limit: &Limit) -> Result<(), ServiceError> {
        db.rate_counters().reset(&limit.bucket, self.start).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_counts_by_its_64_prefix_and_mapped_ipv4_as_ipv4() {
        let a = address_key(Some("2001:db8:1:2:aaaa::1".parse().unwrap()));
        let b = address_key(Some("2001:db8:1:2:bbbb::9".parse().unwrap()));
        let c = address_key(Some("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(a, b, "one /64");
        assert_ne!(a, c, "another /64");
        assert_eq!(
            address_key(Some("::ffff:203.0.113.7".parse().unwrap())),
            "203.0.113.7"
        );
        assert_eq!(address_key(None), "unknown");
    }

    #[test]
    fn buckets_never_hold_the_email_itself() {
        let limit = Limit::per_email("signin", &"a".repeat(254), 10);
        assert!(limit.bucket.len() < 64, "{}", limit.bucket);
        assert!(!limit.bucket.contains("aaaa"));
    }
}
