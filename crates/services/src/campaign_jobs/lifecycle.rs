//! A campaign's life around its jobs: start and stop, the candidates a lab-in-the-loop
//! campaign waits for and the results posted for them, and the results so far.

use std::collections::HashSet;

use domain::auth::Scope;
use domain::campaigns::{
    CampaignResults, CampaignStatus, CandidateStatus, CandidateView, ConvergencePoint,
    EvaluationInput, EvaluationsAccepted, JobView, ResultRow,
};
use domain::error::{ErrorCode, ErrorDetail};
use domain::ids::JobId;
use serde_json::Value;
use store::evaluations::{PostedResult, StoredEvaluation};
use store::{now_ms, AccountId};

use super::DEFAULT_TIMEOUT_HOURS;
use super::{counts, job_view, named, objective_names, stored_mdl, RunCampaignJob};
use crate::error::Resource;
use crate::{Caller, ServiceError, Services};

impl Services {
    /// `POST /v1/campaigns/{id}/start`: creates a job for a `created` campaign and queues the
    /// task that runs it, all or nothing.
    pub async fn start_campaign(
        &self,
        caller: &Caller,
        id: &str,
        timeout_hours: Option<f64>,
    ) -> Result<JobView, ServiceError> {
        caller.require(Scope::CampaignsWrite)?;
        let campaign = self.own_campaign(caller, id).await?;
        let id = campaign.id.clone();
        let hours = timeout_hours.unwrap_or(DEFAULT_TIMEOUT_HOURS);
        if !(hours > 0.0 && hours <= 24.0 * 30.0) {
            return Err(ServiceError::invalid(
                ErrorDetail::new("timeout_hours", "must be more than 0 and at most 720")
                    .with_value(hours),
            ));
        }
        let now = now_ms();
        let timeout_at = now + (hours * 3_600_000.0) as i64;
        let tx = self.db.begin().await?;
        let job = tx
            .campaign_jobs()
            .start(caller.account(), &id, timeout_at, now)
            .await?
            .ok_or_else(|| ServiceError::InvalidState {
                code: ErrorCode::CampaignNotStartable,
                message: format!(
                    "Only a campaign in status '{}' can start; this one is '{}'.",
                    CampaignStatus::Created,
                    campaign.status
                ),
            })?;
        tx.tasks()
            .enqueue(RunCampaignJob::task(&job.id, caller.account()), now)
            .await?;
        tx.commit().await?;
        Ok(job_view(
            &job,
            counts(&job, campaign.budget, campaign.evaluations_completed),
        ))
    }

    /// `POST /v1/campaigns/{id}/stop`: the running job stops within seconds, even in the
    /// middle of an iteration (whose work is discarded), and keeps every recorded result; the
    /// campaign ends `cancelled`.
    pub async fn stop_campaign(&self, caller: &Caller, id: &str) -> Result<JobView, ServiceError> {
        caller.require(Scope::CampaignsWrite)?;
        let campaign = self.own_campaign(caller, id).await?;
        let id = campaign.id.clone();
        let jobs = self.db.campaign_jobs();
        if campaign.status != CampaignStatus::Running
            || !jobs.request_cancel(caller.account(), &id, now_ms()).await?
        {
            return Err(ServiceError::InvalidState {
                code: ErrorCode::CampaignNotStoppable,
                message: format!(
                    "Only a running campaign can stop; this one is '{}'.",
                    campaign.status
                ),
            });
        }
        let job = jobs
            .latest_job(caller.account(), &id)
            .await?
            .ok_or(ServiceError::NotFound(Resource::Job))?;
        self.wake_waiting_job(&job.id, caller.account()).await?;
        Ok(job_view(
            &job,
            counts(&job, campaign.budget, campaign.evaluations_completed),
        ))
    }

    /// A job waiting for lab results holds no worker; when something it waits for changes
    /// (the batch is complete, a stop was asked) exactly one caller queues its next run, in
    /// the same unit of work that claimed it.
    pub(crate) async fn wake_waiting_job(
        &self,
        job_id: &JobId,
        account: &AccountId,
    ) -> Result<bool, ServiceError> {
        let now = now_ms();
        let tx = self.db.begin().await?;
        if !tx.campaign_jobs().wake(job_id, now).await? {
            return Ok(false);
        }
        tx.tasks()
            .enqueue(RunCampaignJob::task(job_id, account), now)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// `GET /v1/campaigns/{id}/candidates`: the candidates a lab-in-the-loop campaign has
    /// proposed, optionally only those of one `status`.
    pub async fn campaign_candidates(
        &self,
        caller: &Caller,
        id: &str,
        status: Option<&str>,
    ) -> Result<Vec<CandidateView>, ServiceError> {
        caller.require(Scope::CampaignsRead)?;
        let status = status
            .map(|text| {
                CandidateStatus::parse(text).ok_or_else(|| {
                    let names: Vec<&str> =
                        CandidateStatus::ALL.iter().map(|s| s.as_str()).collect();
                    ServiceError::invalid(
                        ErrorDetail::new("status", format!("must be {}", names.join(" or ")))
                            .with_value(text),
                    )
                })
            })
            .transpose()?;
        let campaign = self.own_campaign(caller, id).await?;
        let id = campaign.id.clone();
        let names = objective_names(&stored_mdl(&campaign)?);
        Ok(self
            .db
            .evaluations()
            .candidates(&id, status, None)
            .await?
            .into_iter()
            .map(|c| CandidateView {
                candidate_id: c.candidate_id,
                iteration: u32::try_from(c.iteration).unwrap_or_default(),
                parameters: c.parameters,
                status: c.status,
                objectives: c.objectives.as_ref().map(|o| named(&names, o)),
                failed: c.failed,
            })
            .collect())
    }

    /// `POST /v1/campaigns/{id}/evaluations`: results measured in the lab for pending
    /// candidates, all or nothing. When they complete the batch, the campaign continues.
    pub async fn post_evaluations(
        &self,
        caller: &Caller,
        id: &str,
        items: Vec<EvaluationInput>,
    ) -> Result<EvaluationsAccepted, ServiceError> {
        caller.require(Scope::CampaignsWrite)?;
        let campaign = self.own_campaign(caller, id).await?;
        let id = campaign.id.clone();
        let document = stored_mdl(&campaign)?;
        if document.evaluator != mdl::Evaluator::External {
            return Err(ServiceError::InvalidState {
                code: ErrorCode::CampaignNotAwaitingEvaluations,
                message: "Only a lab-in-the-loop campaign (evaluator 'external') takes posted \
                          results; this one is evaluated by the server."
                    .into(),
            });
        }
        let evaluations = self.db.evaluations();
        let pending: HashSet<String> = evaluations
            .candidates(&id, Some(CandidateStatus::Pending), None)
            .await?
            .into_iter()
            .map(|c| c.candidate_id)
            .collect();
        // A stopped or finished campaign's last batch stays listed, but takes no results.
        if pending.is_empty() || campaign.status != CampaignStatus::Running {
            return Err(ServiceError::InvalidState {
                code: ErrorCode::CampaignNotAwaitingEvaluations,
                message: format!(
                    "No candidates are waiting for results; the campaign is '{}'.",
                    campaign.status
                ),
            });
        }
        let results = lab_results(&document, &items, &pending)?;
        let left = evaluations
            .post_results(&id, &results, now_ms())
            .await
            .map_err(|e| match e {
                store::StoreError::NotFound => ServiceError::Conflict(
                    "Some of these candidates were evaluated by another request meanwhile; \
                     nothing was recorded."
                        .into(),
                ),
                other => other.into(),
            })?;
        let mut batch_complete = false;
        if left == 0 {
            if let Some(job) = self
                .db
                .campaign_jobs()
                .latest_job(caller.account(), &id)
                .await?
            {
                batch_complete = self.wake_waiting_job(&job.id, caller.account()).await?;
            }
        }
        Ok(EvaluationsAccepted {
            accepted: results.len() as u32,
            pending: u32::try_from(left).unwrap_or(u32::MAX),
            batch_complete,
        })
    }

    /// `GET /v1/campaigns/{id}/results`: every evaluation (or only the Pareto front), the
    /// hypervolume and the convergence history.
    pub async fn campaign_results(
        &self,
        caller: &Caller,
        id: &str,
        pareto_only: bool,
    ) -> Result<CampaignResults, ServiceError> {
        caller.require(Scope::CampaignsRead)?;
        let campaign = self.own_campaign(caller, id).await?;
        let id = campaign.id.clone();
        let document = stored_mdl(&campaign)?;
        let evaluations = self.db.evaluations().evaluations(&id).await?;
        let names = objective_names(&document);
        // A warm start can bring a hundred thousand rows: the front and the rows are built on
        // the blocking pool, not on a runtime thread other requests share.
        let rows =
            crate::blocking::run(move || result_rows(&document, evaluations, pareto_only)).await?;
        let history = self
            .db
            .evaluations()
            .iterations(&id)
            .await?
            .into_iter()
            .map(|it| ConvergencePoint {
                iteration: u32::try_from(it.iteration).unwrap_or_default(),
                evaluations_completed: u32::try_from(it.evaluations_completed).unwrap_or_default(),
                hypervolume: it.hypervolume,
                pareto_size: u32::try_from(it.pareto_size).unwrap_or_default(),
                surrogate_loss: it.surrogate_loss,
            })
            .collect();
        Ok(CampaignResults {
            campaign_id: campaign.id,
            status: campaign.status,
            objectives: names,
            hypervolume: campaign.hypervolume,
            pareto_front: rows,
            convergence_history: history,
        })
    }
}

/// Every evaluation as a result row (only the Pareto front's with `pareto_only`), each marked
/// whether it is on the front: feasible, successful and dominated by no other such one.
fn result_rows(
    document: &mdl::Mdl,
    evaluations: Vec<StoredEvaluation>,
    pareto_only: bool,
) -> Vec<ResultRow> {
    let names = objective_names(document);
    let signs: Vec<f64> = document
        .objectives
        .iter()
        .map(|o| {
            if o.direction == mdl::Direction::Maximize {
                -1.0
            } else {
                1.0
            }
        })
        .collect();
    let usable: Vec<(usize, Vec<f64>)> = evaluations
        .iter()
        .enumerate()
        .filter(|(_, e)| e.feasible)
        .filter_map(|(i, e)| {
            e.objectives
                .as_ref()
                .map(|o| (i, o.iter().zip(&signs).map(|(v, s)| v * s).collect()))
        })
        .collect();
    let points: Vec<Vec<f64>> = usable.iter().map(|(_, p)| p.clone()).collect();
    let front: HashSet<usize> = optimizer::pareto::non_dominated(&points)
        .into_iter()
        .map(|k| usable[k].0)
        .collect();
    evaluations
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !pareto_only || front.contains(i))
        .map(|(i, e)| ResultRow {
            objectives: e.objectives.as_ref().map(|o| named(&names, o)),
            id: e.candidate_id,
            parameters: e.parameters,
            iteration: u32::try_from(e.iteration).unwrap_or_default(),
            feasible: e.feasible,
            is_pareto: front.contains(&i),
        })
        .collect()
}

/// Checks posted results against the document and the pending candidates: every objective
/// as a finite number, or `failed: true`; each candidate once. Every problem is reported.
fn lab_results(
    document: &mdl::Mdl,
    items: &[EvaluationInput],
    pending: &HashSet<String>,
) -> Result<Vec<PostedResult>, ServiceError> {
    let mut problems = Vec::new();
    if items.is_empty() || items.len() > 1000 {
        problems.push(ErrorDetail::new("body", "give 1 to 1000 results"));
    }
    let names: Vec<&str> = document
        .objectives
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    let mut seen = HashSet::new();
    let mut results = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = |field: &str| format!("[{i}].{field}");
        if !pending.contains(&item.candidate_id) {
            problems.push(
                ErrorDetail::new(
                    at("candidate_id"),
                    "not a pending candidate of this campaign",
                )
                .with_value(item.candidate_id.clone()),
            );
        } else if !seen.insert(item.candidate_id.as_str()) {
            problems.push(
                ErrorDetail::new(at("candidate_id"), "appears twice in this request")
                    .with_value(item.candidate_id.clone()),
            );
        }
        match (&item.objectives, item.failed) {
            (Some(_), true) => problems.push(ErrorDetail::new(
                at("failed"),
                "a failed evaluation has no objectives",
            )),
            (None, false) => problems.push(ErrorDetail::new(
                at("objectives"),
                format!(
                    "give a value for each of: {}, or failed: true",
                    names.join(", ")
                ),
            )),
            (None, true) => results.push(PostedResult {
                candidate_id: item.candidate_id.clone(),
                objectives: None,
            }),
            (Some(values), false) => {
                let Some(values) = values.as_object() else {
                    problems.push(ErrorDetail::new(
                        at("objectives"),
                        "must be an object of objective values by name",
                    ));
                    continue;
                };
                for key in values.keys() {
                    if !names.contains(&key.as_str()) {
                        let hint = mdl::did_you_mean(key, names.iter().copied())
                            .map(|s| format!(" Did you mean '{s}'?"))
                            .unwrap_or_default();
                        problems.push(ErrorDetail::new(
                            at(&format!("objectives.{key}")),
                            format!("not an objective of this campaign.{hint}"),
                        ));
                    }
                }
                let mut row = Vec::with_capacity(names.len());
                for name in &names {
                    match values.get(*name).and_then(Value::as_f64) {
                        Some(v) if v.is_finite() => row.push(v),
                        Some(_) | None => problems.push(
                            ErrorDetail::new(
                                at(&format!("objectives.{name}")),
                                "must be a finite number",
                            )
                            .with_value(values.get(*name).cloned().unwrap_or(Value::Null)),
                        ),
                    }
                }
                results.push(PostedResult {
                    candidate_id: item.candidate_id.clone(),
                    objectives: Some(row),
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(results)
    } else {
        Err(ServiceError::Invalid(problems))
    }
}
