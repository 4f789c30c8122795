//! Timestamps on the wire: RFC 3339, UTC, with `Z` (SPEC §3).

use chrono::{DateTime, SecondsFormat, Utc};

/// Formats unix milliseconds as RFC 3339 UTC with a `Z` suffix and millisecond precision.
///
/// Out-of-range values (beyond year 262143) clamp to the Unix epoch rather than panic.
pub fn rfc3339_from_millis(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_with_z_suffix() {
        assert_eq!(rfc3339_from_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339_from_millis(1_795_392_000_123),
            "2026-11-23T00:00:00.123Z"
        );
    }
}
