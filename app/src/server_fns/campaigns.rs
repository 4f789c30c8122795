//! The campaign pages' operations, for the signed-in user.

use domain::campaigns::{CampaignDashboard, CampaignDetail, CampaignSummary, JobLogLine, JobView};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Whether the campaign's candidates are measured in a lab and posted back (evaluator
/// `external`): its dashboard then shows the lab panel.
pub fn lab_in_the_loop(campaign: &CampaignDetail) -> bool {
    mdl::from_value(&campaign.mdl)
        .is_ok_and(|(document, _)| document.evaluator == mdl::Evaluator::External)
}

/// How many log lines the dashboard shows.
pub const DASHBOARD_LOG_LINES: i64 = 20;

/// Everything a campaign's dashboard shows: the campaign with its results, its newest job and
/// the tail of that job's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardData {
    /// The campaign and its results.
    pub dashboard: CampaignDashboard,
    /// The newest job that ran (or runs) the campaign, if it was ever started.
    pub latest_job: Option<JobView>,
    /// The last [`DASHBOARD_LOG_LINES`] lines of that job's log, oldest first.
    pub logs: Vec<JobLogLine>,
    /// For a lab-in-the-loop campaign, the candidates waiting for a measurement.
    pub pending: Vec<domain::campaigns::CandidateView>,
}

/// The account's campaigns, newest first (the first hundred); `None` for a visitor who is not
/// signed in (the list page invites them to sign in rather than failing).
#[server(prefix = "/api/fn", endpoint = "list_campaigns")]
pub async fn list_campaigns() -> Result<Option<Vec<CampaignSummary>>, AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let Some((_, caller)) = signed_in().await? else {
        return Ok(None);
    };
    let params = first_page(&domain::campaigns::CAMPAIGN_LIST, &[])?;
    let (campaigns, _) = services()?
        .list_campaigns(&caller, &params)
        .await
        .map_err(from_service)?;
    Ok(Some(campaigns))
}

/// One campaign with its results, newest job and log tail, for its dashboard.
#[server(prefix = "/api/fn", endpoint = "get_campaign_dashboard")]
pub async fn get_campaign_dashboard(id: String) -> Result<DashboardData, AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let caller = require_caller().await?;
    let services = services()?;
    let campaign = services
        .campaign(&caller, &id)
        .await
        .map_err(from_service)?;
    let results = services
        .campaign_results(&caller, &id, false)
        .await
        .map_err(from_service)?;
    let params = first_page(
        &domain::campaigns::JOB_LIST,
        &[("campaign_id", id.as_str())],
    )?;
    let (jobs, _) = services
        .list_jobs(&caller, &params)
        .await
        .map_err(from_service)?;
    let latest_job = jobs.into_iter().next();
    let logs = match &latest_job {
        Some(job) => services
            .job_logs(
                &caller,
                job.job.id.as_str(),
                None,
                None,
                Some(DASHBOARD_LOG_LINES),
            )
            .await
            .map_err(from_service)?,
        None => Vec::new(),
    };
    let pending = if lab_in_the_loop(&campaign) {
        services
            .campaign_candidates(
                &caller,
                &id,
                Some(domain::campaigns::CandidateStatus::Pending.as_str()),
            )
            .await
            .map_err(from_service)?
    } else {
        Vec::new()
    };
    Ok(DashboardData {
        dashboard: CampaignDashboard { campaign, results },
        latest_job,
        logs,
        pending,
    })
}

/// Creates a campaign from a built-in template, named `name`, optionally with another
/// evaluation `budget`, then opens its dashboard. Without JavaScript a failure goes back to
/// `back` (the gallery's page) with `?error=<code>&template=<id>`.
#[server(prefix = "/api/fn", endpoint = "create_campaign_from_template")]
pub async fn create_campaign_from_template(
    template_id: String,
    name: String,
    budget: String,
    back: String,
) -> Result<(), AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let headers = headers().await?;
    // Only the gallery's own pages: the value ends up in a Location header.
    let page = if back == "/templates" {
        "/templates"
    } else {
        "/campaigns/new"
    };
    let back = with_query(page, &[("template", &template_id)]);
    let created = async {
        let caller = require_caller().await?;
        let overrides = match budget.trim() {
            "" => None,
            text => {
                let budget: u32 = text.parse().map_err(|_| {
                    from_service(services::ServiceError::invalid(
                        domain::error::ErrorDetail::new(
                            "optimizer.budget",
                            "the budget must be a whole number of evaluations",
                        )
                        .with_value(text),
                    ))
                })?;
                Some(serde_json::json!({ "optimizer": { "budget": budget } }))
            }
        };
        let request = domain::campaigns::CreateCampaignRequest {
            name: Some(name.trim().to_owned()),
            domain: None,
            mdl: None,
            template_id: Some(template_id.clone()),
            overrides,
            dataset_id: None,
        };
        services()?
            .create_campaign(&caller, request)
            .await
            .map_err(from_service)
    }
    .await;
    match created {
        Ok(campaign) => redirect(&format!("/campaigns/{}", campaign.summary.id)),
        Err(error) => back_to_form(&headers, error, &back),
    }
}

/// Creates a campaign from an MDL document (YAML or JSON), then opens its dashboard. An
/// invalid document answers 422 `validation_failed` with every problem in `details`.
#[server(prefix = "/api/fn", endpoint = "create_campaign_from_mdl")]
pub async fn create_campaign_from_mdl(mdl: String) -> Result<(), AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let headers = headers().await?;
    let created = async {
        let caller = require_caller().await?;
        services()?
            .create_campaign_from_yaml(&caller, &mdl, None, None, None)
            .await
            .map_err(from_service)
    }
    .await;
    match created {
        Ok(campaign) => redirect(&format!("/campaigns/{}", campaign.summary.id)),
        Err(error) => back_to_form(&headers, error, "/campaigns/new"),
    }
}

/// Stops a running campaign within seconds, even mid-iteration (it ends `cancelled`; recorded
/// results stay).
#[server(prefix = "/api/fn", endpoint = "stop_campaign")]
pub async fn stop_campaign(id: String) -> Result<(), AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let caller = require_caller().await?;
    services()?
        .stop_campaign(&caller, &id)
        .await
        .map_err(from_service)?;
    Ok(())
}

/// Starts a `created` campaign on the job queue.
#[server(prefix = "/api/fn", endpoint = "start_campaign")]
pub async fn start_campaign(id: String) -> Result<(), AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let caller = require_caller().await?;
    services()?
        .start_campaign(&caller, &id, None)
        .await
        .map_err(from_service)?;
    Ok(())
}
