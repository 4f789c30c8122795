//! Lab in the loop from the browser: a form per waiting candidate to enter its results (the
//! dashboard's data lists the candidates).

use std::collections::HashMap;

use leptos::prelude::*;

use crate::error::AppError;

/// Records one candidate's measured objectives (`values`, by objective name, as typed), or
/// `failed` when the measurement failed. Without JavaScript the browser returns to the
/// dashboard.
#[server(prefix = "/api/fn", endpoint = "submit_lab_result")]
pub async fn submit_lab_result(
    campaign_id: String,
    candidate_id: String,
    #[server(default)] values: HashMap<String, String>,
    #[server(default)] failed: Option<String>,
) -> Result<(), AppError> {
    use domain::campaigns::EvaluationInput;
    use domain::error::ErrorDetail;

    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let caller = require_caller().await?;
    let headers = headers().await?;
    // The way back is a Location header: built from a well-formed id only (a malformed one,
    // say with a control character, is a campaign that does not exist).
    let campaign = domain::ids::CampaignId::parse(&campaign_id).ok_or_else(|| {
        from_service(services::ServiceError::NotFound(
            services::Resource::Campaign,
        ))
    })?;
    let back = format!("/campaigns/{campaign}");
    let failed = failed.is_some();
    let mut objectives = serde_json::Map::new();
    let mut problems = Vec::new();
    if !failed {
        for (name, text) in &values {
            match text.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => {
                    objectives.insert(name.clone(), serde_json::Value::from(v));
                }
                _ => problems.push(
                    ErrorDetail::new(format!("objectives.{name}"), "must be a number")
                        .with_value(text.clone()),
                ),
            }
        }
    }
    if !problems.is_empty() {
        return back_to_form(
            &headers,
            from_service(services::ServiceError::Invalid(problems)),
            &back,
        );
    }
    let input = EvaluationInput {
        candidate_id,
        objectives: (!failed).then_some(serde_json::Value::Object(objectives)),
        failed,
    };
    match services()?
        .post_evaluations(&caller, campaign.as_str(), vec![input])
        .await
    {
        Ok(_) if wants_html(&headers) => redirect(&back),
        Ok(_) => Ok(()),
        Err(e) => back_to_form(&headers, from_service(e), &back),
    }
}
