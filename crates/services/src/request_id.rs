//! The id of the request being served, readable anywhere inside its task.
//!
//! The HTTP layer runs each request inside [`scope`]; error builders in the REST API and in
//! server functions read it with [`current`] so every error message names the request.

use std::future::Future;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Runs `fut` with `id` as the current request id.
pub async fn scope<F: Future>(id: String, fut: F) -> F::Output {
    REQUEST_ID.scope(id, fut).await
}

/// The current request id, or `req_unknown` outside a request.
pub fn current() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "req_unknown".to_owned())
}
