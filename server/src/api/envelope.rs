//! Builders for the Discover family's envelope (SPEC §3).

use axum::http::StatusCode;
use axum::Json;
use domain::envelope::{page_count, Envelope, ListEnvelope, ListMeta, Meta};
use domain::listing::ListParams;

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `200 {"data": data, "meta": {request_id, timestamp}}`.
pub fn ok<T>(data: T) -> Json<Envelope<T>> {
    Json(Envelope {
        data,
        meta: Meta {
            request_id: services::request_id::current(),
            timestamp: now_rfc3339(),
        },
    })
}

/// `201` with the envelope.
pub fn created<T>(data: T) -> (StatusCode, Json<Envelope<T>>) {
    (StatusCode::CREATED, ok(data))
}

/// `200 {"data": [...], "meta": {total, page, per_page, pages, ...}}`.
pub fn list<T>(data: Vec<T>, total: u64, params: &ListParams) -> Json<ListEnvelope<T>> {
    Json(ListEnvelope {
        data,
        meta: ListMeta {
            request_id: services::request_id::current(),
            timestamp: now_rfc3339(),
            total,
            page: params.page(),
            per_page: params.per_page(),
            pages: page_count(total, params.per_page()),
        },
    })
}
