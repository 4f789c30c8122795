//! The jobs pages' operations: the account's campaign jobs, one job with its log, cancel and
//! retry.

use domain::campaigns::{JobDetail, JobLogLine, JobView};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// How many log lines the job page shows.
pub const JOB_LOG_LINES: i64 = 100;

/// A job in the jobs list, with its campaign's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobListItem {
    /// The job.
    pub job: JobView,
    /// The campaign's name, when the campaign is among the account's newest hundred.
    pub campaign_name: Option<String>,
}

/// Everything the job page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobPageData {
    /// The job with its progress and timing.
    pub detail: JobDetail,
    /// Its campaign's name.
    pub campaign_name: Option<String>,
    /// The last [`JOB_LOG_LINES`] lines of its log, oldest first.
    pub logs: Vec<JobLogLine>,
}

/// The account's campaign jobs, newest first (the first hundred); `None` for a visitor who is
/// not signed in.
#[server(prefix = "/api/fn", endpoint = "list_jobs")]
pub async fn list_jobs() -> Result<Option<Vec<JobListItem>>, AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let Some((_, caller)) = signed_in().await? else {
        return Ok(None);
    };
    let services = services()?;
    let (jobs, _) = services
        .list_jobs(&caller, &first_page(&domain::campaigns::JOB_LIST, &[])?)
        .await
        .map_err(from_service)?;
    let names = ssr::campaign_names(&services, &caller).await?;
    Ok(Some(
        jobs.into_iter()
            .map(|job| JobListItem {
                campaign_name: names.get(job.job.campaign_id.as_str()).cloned(),
                job,
            })
            .collect(),
    ))
}

/// One of the account's jobs with its progress, timing and log tail.
#[server(prefix = "/api/fn", endpoint = "get_job")]
pub async fn get_job(id: String) -> Result<JobPageData, AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let caller = require_caller().await?;
    let services = services()?;
    let detail = services.job(&caller, &id).await.map_err(from_service)?;
    let logs = services
        .job_logs(&caller, &id, None, None, Some(JOB_LOG_LINES))
        .await
        .map_err(from_service)?;
    let campaign_name = services
        .campaign(&caller, detail.job.campaign_id.as_str())
        .await
        .map(|c| c.summary.name)
        .ok();
    Ok(JobPageData {
        detail,
        campaign_name,
        logs,
    })
}

/// Cancels a queued or running job (a running one stops within seconds, even mid-iteration).
#[server(prefix = "/api/fn", endpoint = "cancel_job")]
pub async fn cancel_job(id: String) -> Result<(), AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let caller = require_caller().await?;
    services()?
        .cancel_job(&caller, &id)
        .await
        .map_err(from_service)?;
    Ok(())
}

/// Retries a failed or cancelled job as a new job that resumes where it stopped. With
/// `open_job` set to `true` the browser goes on to the new job's page; otherwise it stays.
#[server(prefix = "/api/fn", endpoint = "retry_job")]
pub async fn retry_job(id: String, open_job: bool) -> Result<(), AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let caller = require_caller().await?;
    let job = services()?
        .retry_job(&caller, &id)
        .await
        .map_err(from_service)?;
    if open_job {
        redirect(&format!("/jobs/{}", job.job.id))?;
    }
    Ok(())
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use std::collections::HashMap;

    use services::{Caller, Services};

    use crate::error::ssr::from_service;
    use crate::error::AppError;
    use crate::server_fns::ssr::first_page;

    /// Campaign names by id, for the account's newest hundred campaigns.
    pub async fn campaign_names(
        services: &Services,
        caller: &Caller,
    ) -> Result<HashMap<String, String>, AppError> {
        let (campaigns, _) = services
            .list_campaigns(caller, &first_page(&domain::campaigns::CAMPAIGN_LIST, &[])?)
            .await
            .map_err(from_service)?;
        Ok(campaigns
            .into_iter()
            .map(|c| (c.id.to_string(), c.name))
            .collect())
    }
}
