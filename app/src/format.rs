//! How times, durations, sizes and failures read on the pages.

/// `2026-11-23T07:39:18.123Z` as `2026-11-23 07:39:18 UTC`; anything else unchanged.
pub(crate) fn short_time(rfc3339: &str) -> String {
    match rfc3339.get(..19) {
        Some(head) if rfc3339.len() > 19 && head.as_bytes().get(10) == Some(&b'T') => {
            format!("{} UTC", head.replace('T', " "))
        }
        _ => rfc3339.to_owned(),
    }
}

/// A duration for people: `42.0 s`, `3 min 05 s`, `2 h 07 min`.
pub(crate) fn duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "—".to_owned();
    }
    if seconds < 60.0 {
        return format!("{seconds:.1} s");
    }
    let whole = seconds.round() as u64;
    if whole < 3600 {
        format!("{} min {:02} s", whole / 60, whole % 60)
    } else {
        format!("{} h {:02} min", whole / 3600, (whole % 3600) / 60)
    }
}

/// `12.3 kB`.
pub(crate) fn human_size(bytes: u64) -> String {
    match bytes {
        b if b < 1_000 => format!("{b} B"),
        b if b < 1_000_000 => format!("{:.1} kB", b as f64 / 1e3),
        b => format!("{:.1} MB", b as f64 / 1e6),
    }
}

/// `message (request id …)`: a failure as a sentence, with the request id to quote to support
/// when the server gave one.
#[cfg(any(feature = "hydrate", test))]
pub(crate) fn with_request_id(message: &str, request_id: Option<&str>) -> String {
    match request_id {
        Some(id) => format!("{message} (request id {id})"),
        None => message.to_owned(),
    }
}

/// A server function's failure as a sentence, with its request id.
#[cfg(feature = "hydrate")]
pub(crate) fn error_text(error: &crate::error::AppError) -> String {
    with_request_id(&error.message, error.request_id.as_deref())
}

#[cfg(test)]
mod tests {
    use super::{duration, short_time, with_request_id};

    #[test]
    fn times_are_shown_to_the_second_in_utc() {
        assert_eq!(
            short_time("2026-11-23T07:39:18.123Z"),
            "2026-11-23 07:39:18 UTC"
        );
        assert_eq!(short_time("soon"), "soon");
    }

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(duration(4.24), "4.2 s");
        assert_eq!(duration(185.0), "3 min 05 s");
        assert_eq!(duration(7620.0), "2 h 07 min");
        assert_eq!(duration(f64::NAN), "—");
    }

    #[test]
    fn failures_quote_the_request_id_when_there_is_one() {
        assert_eq!(
            with_request_id("The file is too large.", Some("req_1")),
            "The file is too large. (request id req_1)"
        );
        assert_eq!(with_request_id("Offline.", None), "Offline.");
    }
}
