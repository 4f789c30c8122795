//! The Discover family's response envelope (SPEC §3): `{"data": ..., "meta": {...}}`.

use serde::{Deserialize, Serialize};

/// Metadata sent with every single-object Discover response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Meta {
    /// The request id, also sent as `X-Request-ID`.
    pub request_id: String,
    /// When the response was produced (RFC 3339, UTC, `Z`).
    pub timestamp: String,
}

/// Metadata sent with every Discover list response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListMeta {
    /// The request id, also sent as `X-Request-ID`.
    pub request_id: String,
    /// When the response was produced (RFC 3339, UTC, `Z`).
    pub timestamp: String,
    /// Number of items matching the filters, over all pages.
    pub total: u64,
    /// The page returned, starting at 1.
    pub page: u32,
    /// Page size used.
    pub per_page: u32,
    /// Number of pages (0 when there are no items).
    pub pages: u64,
}

/// `{"data": T, "meta": Meta}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Envelope<T> {
    /// The resource.
    pub data: T,
    /// Request metadata.
    pub meta: Meta,
}

/// `{"data": [T], "meta": ListMeta}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListEnvelope<T> {
    /// One page of resources.
    pub data: Vec<T>,
    /// Paging and request metadata.
    pub meta: ListMeta,
}

/// Number of pages needed for `total` items at `per_page` per page.
pub fn page_count(total: u64, per_page: u32) -> u64 {
    if per_page == 0 {
        0
    } else {
        total.div_ceil(u64::from(per_page))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_count_rounds_up_and_is_zero_for_no_items() {
        assert_eq!(page_count(0, 20), 0);
        assert_eq!(page_count(1, 20), 1);
        assert_eq!(page_count(20, 20), 1);
        assert_eq!(page_count(21, 20), 2);
        assert_eq!(page_count(1000, 100), 10);
    }
}
