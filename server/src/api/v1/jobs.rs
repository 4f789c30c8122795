//! `/v1/jobs`: the jobs that run the caller's campaigns (Discover envelope).

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use domain::campaigns::JOB_LIST;
use domain::campaigns::{JobDetail, JobLogLine, JobView, LogLevel};
use domain::envelope::{Envelope, ListEnvelope};
use domain::error::ErrorBody;
use serde::Deserialize;
use services::Services;

use crate::api::auth::{scope, Scoped};
use crate::api::extract::{list_params, ApiQuery};
use crate::api::{envelope, ApiError};

/// Lists the account's jobs, newest first; filters `campaign_id` and `status`. Each carries
/// its `worker_id` and `progress` {iteration, total_iterations, evaluations_completed, budget}.
#[utoipa::path(get, path = "/jobs", tag = "jobs", security(("bearer" = [])),
    params(
        ("page" = Option<u32>, Query, description = "Page, from 1"),
        ("per_page" = Option<u32>, Query, description = "1 to 100, default 20"),
        ("sort" = Option<String>, Query, description = "created_at or status; '-' for descending"),
        ("campaign_id" = Option<String>, Query, description = "Only this campaign's jobs"),
        ("status" = Option<String>, Query, description = "queued, running, completed, failed or cancelled"),
    ),
    responses((status = 200, body = ListEnvelope<JobView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list_jobs(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::CampaignsRead>,
    RawQuery(query): RawQuery,
) -> Result<Json<ListEnvelope<JobView>>, ApiError> {
    let params = list_params(query.as_deref(), &JOB_LIST)?;
    let (jobs, total) = services.list_jobs(&caller, &params).await?;
    Ok(envelope::list(jobs, total, &params))
}

/// One job with its worker, its progress (iteration, phase, evaluations, hypervolume, best
/// objectives) and timing (elapsed, mean per iteration, estimated remaining).
#[utoipa::path(get, path = "/jobs/{id}", tag = "jobs", security(("bearer" = [])),
    params(("id" = String, Path, description = "job_…")),
    responses((status = 200, body = Envelope<JobDetail>), (status = 404, body = ErrorBody)))]
pub async fn get_job(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::CampaignsRead>,
    Path(id): Path<String>,
) -> Result<Json<Envelope<JobDetail>>, ApiError> {
    Ok(envelope::ok(services.job(&caller, &id).await?))
}

/// Query of `GET /v1/jobs/{id}/logs`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    /// The least severe level to show: `debug`, `info` (default), `warning` or `error`.
    level: Option<String>,
    /// Only lines after this time (RFC 3339).
    since: Option<String>,
    /// The last N lines (default 100, at most 1000).
    tail: Option<i64>,
}

/// The job's log, oldest first: the last `tail` lines at `level` or more severe (default
/// `info`; `debug` adds each proposed candidate), optionally after `since`.
#[utoipa::path(get, path = "/jobs/{id}/logs", tag = "jobs", security(("bearer" = [])),
    params(("id" = String, Path, description = "job_…"),
        ("level" = Option<LogLevel>, Query, description = "Minimum level: debug, info (default), warning or error"),
        ("since" = Option<String>, Query, description = "RFC 3339"),
        ("tail" = Option<i64>, Query, description = "1 to 1000, default 100")),
    responses((status = 200, body = Envelope<Vec<JobLogLine>>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn job_logs(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::CampaignsRead>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> Result<Json<Envelope<Vec<JobLogLine>>>, ApiError> {
    Ok(envelope::ok(
        services
            .job_logs(&caller, &id, q.level.as_deref(), q.since.as_deref(), q.tail)
            .await?,
    ))
}

/// Cancels a queued or running job: a running one stops within seconds, even in the middle of
/// an iteration (whose work is discarded), and its recorded results are kept; 409
/// `job_not_cancellable` otherwise.
#[utoipa::path(post, path = "/jobs/{id}/cancel", tag = "jobs", security(("bearer" = [])),
    params(("id" = String, Path, description = "job_…")),
    responses((status = 202, body = Envelope<JobView>), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel_job(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::CampaignsWrite>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Envelope<JobView>>), ApiError> {
    Ok((
        StatusCode::ACCEPTED,
        envelope::ok(services.cancel_job(&caller, &id).await?),
    ))
}

/// Queues a new job for a failed or cancelled job's campaign, resuming from its last
/// completed iteration with every recorded evaluation; 409 `job_not_retryable` otherwise.
#[utoipa::path(post, path = "/jobs/{id}/retry", tag = "jobs", security(("bearer" = [])),
    params(("id" = String, Path, description = "job_…")),
    responses((status = 202, description = "The new job", body = Envelope<JobView>),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn retry_job(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::CampaignsWrite>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Envelope<JobView>>), ApiError> {
    Ok((
        StatusCode::ACCEPTED,
        envelope::ok(services.retry_job(&caller, &id).await?),
    ))
}
