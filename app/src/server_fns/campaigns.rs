//! The campaign pages' operations, for the signed-in user.

use domain::campaigns::{CampaignDashboard, CampaignSummary};
use leptos::prelude::*;

use crate::error::AppError;

/// The account's campaigns, newest first (the first hundred); `None` for a visitor who is not
/// signed in (the list page invites them to sign in rather than failing).
#[server(prefix = "/api/fn", endpoint = "list_campaigns")]
pub async fn list_campaigns() -> Result<Option<Vec<CampaignSummary>>, AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let Some((_, caller)) = signed_in().await? else {
        return Ok(None);
    };
    let spec = domain::listing::ListSpec {
        sort_fields: store::campaigns::SORT_FIELDS,
        default_sort: "-created_at",
        filters: &[],
    };
    let params = domain::listing::ListParams::largest_first_page(&spec)
        .map_err(|d| from_service(services::ServiceError::Invalid(d)))?;
    let (campaigns, _) = services()?
        .list_campaigns(&caller, &params)
        .await
        .map_err(from_service)?;
    Ok(Some(campaigns))
}

/// One campaign with its results, for its dashboard.
#[server(prefix = "/api/fn", endpoint = "get_campaign_dashboard")]
pub async fn get_campaign_dashboard(id: String) -> Result<CampaignDashboard, AppError> {
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
    Ok(CampaignDashboard { campaign, results })
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
