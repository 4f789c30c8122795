//! Discover wire types: campaigns and templates (SPEC §4.3).

use serde::{Deserialize, Serialize};

use crate::ids::{CampaignId, JobId, TemplateId};
use crate::listing::{FilterSpec, ListSpec};
use crate::vocabulary::closed_set;

closed_set! {
    /// Where a campaign is in its life: `created → running → completed | converged | failed |
    /// cancelled`.
    pub enum CampaignStatus("campaign status") {
        /// Defined, not started.
        Created = "created",
        /// A job is optimising it.
        Running = "running",
        /// The budget is spent.
        Completed = "completed",
        /// The hypervolume stopped improving.
        Converged = "converged",
        /// The job failed.
        Failed = "failed",
        /// Stopped by its owner.
        Cancelled = "cancelled",
    }
}

impl CampaignStatus {
    /// True once the campaign can no longer change.
    pub fn is_final(self) -> bool {
        !matches!(self, CampaignStatus::Created | CampaignStatus::Running)
    }
}

closed_set! {
    /// Where a job of `/v1/jobs` is in its life (the seed's lifecycle):
    /// `queued → running → completed | failed | cancelled`, and `failed → (retry) → queued` as a
    /// new job.
    pub enum JobStatus("job status") {
        /// Waiting for a worker.
        Queued = "queued",
        /// A worker is running it (or it waits for lab results).
        Running = "running",
        /// Finished: the budget is spent or the campaign converged.
        Completed = "completed",
        /// An error stopped it.
        Failed = "failed",
        /// Stopped by its owner; results kept.
        Cancelled = "cancelled",
    }
}

impl JobStatus {
    /// True once the job has ended.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobStatus::Completed | JobStatus::Failed | JobStatus::Cancelled
        )
    }

    /// A queued or running job can be cancelled.
    pub fn is_cancellable(self) -> bool {
        !self.is_final()
    }

    /// A failed or cancelled job can be retried (if it is its campaign's newest).
    pub fn is_retryable(self) -> bool {
        matches!(self, JobStatus::Failed | JobStatus::Cancelled)
    }
}

closed_set! {
    /// Whether a lab-in-the-loop candidate still waits for its result.
    pub enum CandidateStatus("candidate status") {
        /// Proposed; no result yet.
        Pending = "pending",
        /// Its result (or failure) is recorded.
        Evaluated = "evaluated",
    }
}

/// What `GET /v1/campaigns` accepts: paging, `sort` by `created_at` (default, newest first),
/// `name`, `status` or `domain`, and the filters `status` and `domain`.
pub const CAMPAIGN_LIST: ListSpec = ListSpec {
    sort_fields: &["created_at", "name", "status", "domain"],
    default_sort: "-created_at",
    filters: &[
        FilterSpec {
            name: "status",
            allowed: Some(CampaignStatus::NAMES),
        },
        FilterSpec {
            name: "domain",
            allowed: None,
        },
    ],
};

/// What `GET /v1/jobs` accepts: paging, `sort` by `created_at` (default, newest first) or
/// `status`, and the filters `campaign_id` and `status`.
pub const JOB_LIST: ListSpec = ListSpec {
    sort_fields: &["created_at", "status"],
    default_sort: "-created_at",
    filters: &[
        FilterSpec {
            name: "campaign_id",
            allowed: None,
        },
        FilterSpec {
            name: "status",
            allowed: Some(JobStatus::NAMES),
        },
    ],
};

/// What `GET /v1/templates` accepts: paging, `sort` by `slug` (default), `name`, `domain`,
/// `parameters_count`, `objectives_count` or `default_budget`, and the filters `domain` and
/// `search`.
pub const TEMPLATE_LIST: ListSpec = ListSpec {
    sort_fields: &[
        "slug",
        "name",
        "domain",
        "parameters_count",
        "objectives_count",
        "default_budget",
    ],
    default_sort: "slug",
    filters: &[
        FilterSpec {
            name: "domain",
            allowed: None,
        },
        FilterSpec {
            name: "search",
            allowed: None,
        },
    ],
};

/// `POST /v1/campaigns` with a JSON body: an MDL document, or a template with overrides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateCampaignRequest {
    /// The campaign's name, unique in the account (default: the MDL's `name`).
    #[serde(default)]
    pub name: Option<String>,
    /// The domain (default: the MDL's `domain`; must agree with it when both are given).
    #[serde(default)]
    pub domain: Option<String>,
    /// The MDL document as JSON (exclusive with `template_id`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub mdl: Option<serde_json::Value>,
    /// A template id (`tmpl_…`) or slug (`battery/nmc-cathode`) to start from.
    #[serde(default)]
    pub template_id: Option<String>,
    /// Changes merged into the template's document (JSON merge patch, RFC 7396).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub overrides: Option<serde_json::Value>,
    /// A dataset to warm-start from (`ds_…`).
    #[serde(default)]
    pub dataset_id: Option<String>,
}

/// A campaign as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignSummary {
    /// `camp_…`.
    pub id: CampaignId,
    /// Unique in the account.
    pub name: String,
    /// Materials domain, e.g. `battery`.
    pub domain: String,
    /// Life-cycle state.
    pub status: CampaignStatus,
    /// RFC 3339.
    pub created_at: String,
    /// Evaluations the optimizer may spend.
    pub budget: u32,
    /// Evaluations done so far.
    pub evaluations_completed: u32,
    /// Design variables.
    pub parameters_count: u32,
    /// Objectives.
    pub objectives_count: u32,
}

/// One campaign with its progress and MDL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignDetail {
    /// The summary fields.
    #[serde(flatten)]
    pub summary: CampaignSummary,
    /// RFC 3339, once started.
    pub started_at: Option<String>,
    /// Iterations completed.
    pub current_iteration: u32,
    /// Hypervolume of the feasible evaluations so far.
    pub hypervolume: Option<f64>,
    /// Points on the Pareto front.
    pub pareto_size: u32,
    /// Best value reached per objective.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub best_objectives: Option<serde_json::Value>,
    /// The MDL document.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub mdl: serde_json::Value,
    /// MDL warnings (level `warning`), kept from creation.
    pub warnings: Vec<crate::error::ErrorDetail>,
}

/// A template as `GET /v1/templates` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateSummary {
    /// `tmpl_…`.
    pub id: TemplateId,
    /// `domain/name`, e.g. `battery/nmc-cathode`.
    pub slug: String,
    /// The MDL's name.
    pub name: String,
    /// Materials domain.
    pub domain: String,
    /// What it optimises.
    pub description: String,
    /// Design variables.
    pub parameters_count: u32,
    /// Objectives.
    pub objectives_count: u32,
    /// The MDL's budget.
    pub default_budget: u32,
    /// Keywords from the MDL's `metadata.tags`.
    pub tags: Vec<String>,
    /// A template the account saved (`tmpl_…`), visible to it alone; false for built-ins.
    #[serde(default)]
    pub custom: bool,
}

/// `POST /v1/templates`: save an MDL document as a template private to the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTemplateRequest {
    /// Unique in the account, `[a-z0-9-/_]`, 1–128 characters (default: from the MDL's name).
    #[serde(default)]
    pub slug: Option<String>,
    /// Display name (default: the MDL's `name`).
    #[serde(default)]
    pub name: Option<String>,
    /// What it optimises (default: the MDL's `description`).
    #[serde(default)]
    pub description: Option<String>,
    /// Keywords (at most 20).
    #[serde(default)]
    pub tags: Vec<String>,
    /// The MDL document as JSON.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub mdl: serde_json::Value,
}

/// A candidate a lab-in-the-loop campaign asks the lab to measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CandidateView {
    /// `c<iteration>-<k>`; post results with it.
    pub candidate_id: String,
    /// The iteration that proposed it.
    pub iteration: u32,
    /// Parameter values by name.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub parameters: serde_json::Value,
    /// `pending` (waiting for a result) or `evaluated`.
    pub status: CandidateStatus,
    /// The posted objective values by name (evaluated and not failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub objectives: Option<serde_json::Value>,
    /// The lab reported the measurement as failed.
    pub failed: bool,
}

/// One result in `POST /v1/campaigns/{id}/evaluations`: objective values by name, or
/// `failed: true`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EvaluationInput {
    /// A pending candidate of the campaign.
    pub candidate_id: String,
    /// Every objective's measured value, by name.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub objectives: Option<serde_json::Value>,
    /// The measurement failed (no objectives then).
    #[serde(default)]
    pub failed: bool,
}

/// What `POST /v1/campaigns/{id}/evaluations` did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluationsAccepted {
    /// Results recorded by this request.
    pub accepted: u32,
    /// Candidates still waiting for a result.
    pub pending: u32,
    /// True when this request completed the batch and the campaign continues.
    pub batch_complete: bool,
}

/// One template with its MDL document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateDetail {
    /// The summary fields.
    #[serde(flatten)]
    pub summary: TemplateSummary,
    /// The MDL document as JSON.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub mdl: serde_json::Value,
}

/// `POST /v1/campaigns/{id}/start` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StartCampaignRequest {
    /// Hours after which the job gives up (default 24, at most 720).
    #[serde(default)]
    pub timeout_hours: Option<f64>,
}

closed_set! {
    /// What a job is doing. The seed's Jobs API names `acquiring`; the others are ours. A job
    /// that has ended is in the phase named after its final status.
    pub enum JobPhase("job phase") {
        /// Waiting for a worker.
        Queued = "queued",
        /// Replaying the iterations an earlier run recorded (after a crash or a retry).
        Resuming = "resuming",
        /// Proposing the space-filling first batch.
        InitialDesign = "initial_design",
        /// Training the surrogate and maximising the acquisition for the next batch.
        Acquiring = "acquiring",
        /// Evaluating the batch (simulator or dataset).
        Evaluating = "evaluating",
        /// Waiting for lab results posted to `/v1/campaigns/{id}/evaluations`.
        AwaitingEvaluations = "awaiting_evaluations",
        /// Ended: the budget is spent or the campaign converged.
        Completed = "completed",
        /// Ended with an error.
        Failed = "failed",
        /// Ended: stopped by its owner.
        Cancelled = "cancelled",
    }
}

impl JobPhase {
    /// The phase of a job that ended with `status`.
    pub fn ended(status: JobStatus) -> Self {
        match status {
            JobStatus::Queued => JobPhase::Queued,
            JobStatus::Running | JobStatus::Completed => JobPhase::Completed,
            JobStatus::Failed => JobPhase::Failed,
            JobStatus::Cancelled => JobPhase::Cancelled,
        }
    }
}

closed_set! {
    /// The severity of a job's log line, least severe first (so `>=` means "at least as
    /// severe").
    #[derive(PartialOrd, Ord)]
    pub enum LogLevel("log level") {
        /// Detail for diagnosing a run (each proposed candidate); shown only when asked for.
        Debug = "debug",
        /// Progress.
        Info = "info",
        /// Something the owner may want to look at (e.g. failed evaluations).
        Warning = "warning",
        /// The job failed.
        Error = "error",
    }
}

impl LogLevel {
    /// This level and every more severe one: what `level=<self>` returns.
    pub fn and_above(self) -> impl Iterator<Item = LogLevel> {
        Self::ALL.iter().copied().filter(move |l| *l >= self)
    }
}

/// The fields every view of a campaign job carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobFields {
    /// `job_…`.
    pub id: JobId,
    /// The campaign it runs.
    pub campaign_id: CampaignId,
    /// Where it is in its life.
    pub status: JobStatus,
    /// What it is doing now.
    pub phase: JobPhase,
    /// The worker that holds the job, or last held it; `null` until a worker took it.
    pub worker_id: Option<String>,
    /// When it gives up (RFC 3339).
    pub timeout_at: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, once a worker took it.
    pub started_at: Option<String>,
    /// RFC 3339, once it ended.
    pub finished_at: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

/// How far a job has come: what `GET /v1/jobs` shows per job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobCounts {
    /// Iterations done.
    pub iteration: u32,
    /// Iterations planned (0 until a worker took the job).
    pub total_iterations: u32,
    /// The campaign's evaluations so far.
    pub evaluations_completed: u32,
    /// The campaign's budget.
    pub budget: u32,
}

/// A job that runs a campaign, as lists and actions show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobView {
    /// The job.
    #[serde(flatten)]
    pub job: JobFields,
    /// Its progress.
    pub progress: JobCounts,
}

/// One evaluation in a campaign's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultRow {
    /// The candidate's id, e.g. `c3-7` (iteration 3, seventh proposal).
    pub id: String,
    /// Parameter values by name.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub parameters: serde_json::Value,
    /// Objective values by name; `null` when the evaluation failed.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub objectives: Option<serde_json::Value>,
    /// The iteration that proposed it.
    pub iteration: u32,
    /// Whether every constraint holds.
    pub feasible: bool,
    /// On the feasible Pareto front.
    pub is_pareto: bool,
}

/// The hypervolume after one iteration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConvergencePoint {
    /// 1-based.
    pub iteration: u32,
    /// Evaluations done by then.
    pub evaluations_completed: u32,
    /// Hypervolume of the feasible front.
    pub hypervolume: f64,
    /// Points on the front.
    pub pareto_size: u32,
    /// Held-out loss of that iteration's surrogate.
    pub surrogate_loss: Option<f64>,
}

/// `GET /v1/campaigns/{id}/results`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignResults {
    /// `camp_…`.
    pub campaign_id: CampaignId,
    /// The campaign's status.
    pub status: CampaignStatus,
    /// Objective names, in MDL order (the CSV's columns).
    pub objectives: Vec<String>,
    /// Hypervolume so far.
    pub hypervolume: Option<f64>,
    /// The evaluations asked for (all, or the Pareto front with `pareto_only=true`).
    pub pareto_front: Vec<ResultRow>,
    /// Hypervolume per iteration.
    pub convergence_history: Vec<ConvergencePoint>,
}

/// A job's progress through its campaign, in full (`GET /v1/jobs/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobProgress {
    /// Iterations and evaluations.
    #[serde(flatten)]
    pub counts: JobCounts,
    /// What the job is doing (the same as the job's `phase`).
    pub current_phase: JobPhase,
    /// Hypervolume so far.
    pub hypervolume: Option<f64>,
    /// Best value per objective so far.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub best_objectives: Option<serde_json::Value>,
}

/// How long a job has taken and is expected to take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobTiming {
    /// Since a worker first took it (to its end when finished).
    pub elapsed_seconds: f64,
    /// Mean time per iteration so far.
    pub avg_iteration_seconds: Option<f64>,
    /// At the mean pace, for the iterations left (while it runs).
    pub estimated_remaining_seconds: Option<f64>,
}

/// `GET /v1/jobs/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobDetail {
    /// The job.
    #[serde(flatten)]
    pub job: JobFields,
    /// Progress.
    pub progress: JobProgress,
    /// Timing.
    pub timing: JobTiming,
}

/// One line of a job's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobLogLine {
    /// Increasing within the job.
    pub id: i64,
    /// RFC 3339.
    pub timestamp: String,
    /// How severe.
    pub level: LogLevel,
    /// E.g. `[Iter 8/20] Training MLP surrogate (loss: 0.0187)`.
    pub message: String,
}

/// Everything the campaign dashboard shows, in one response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignDashboard {
    /// The campaign.
    pub campaign: CampaignDetail,
    /// Its evaluations and hypervolume history.
    pub results: CampaignResults,
}

/// `POST /v1/ws-tickets`: a short-lived credential for opening `/v1/ws/campaigns/{id}` with
/// `?ticket=…`, so that no long-lived API key ends up in a URL (and in proxy logs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WsTicket {
    /// The ticket (opaque); valid for any number of handshakes until `expires_at`.
    pub ticket: String,
    /// RFC 3339; 60 seconds after it was issued.
    pub expires_at: String,
}

/// A live progress message on `/v1/ws/campaigns/{id}`: `{type, timestamp, data}` (SPEC §4.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignEvent {
    /// RFC 3339.
    pub timestamp: String,
    /// `type` and `data`.
    #[serde(flatten)]
    pub event: ProgressEvent,
}

/// What a progress message says: its `type` names the variant and its `data` holds the fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum ProgressEvent {
    /// A batch was proposed and its evaluation begins (or, in a lab-in-the-loop campaign, the
    /// job now waits for the lab: `phase` is `awaiting_evaluations` and `proposed_by` says how
    /// the batch was chosen).
    IterationStart {
        /// 1-based.
        iteration: u32,
        /// Iterations planned.
        total_iterations: u32,
        /// What the job does with the batch.
        phase: JobPhase,
        /// Candidates in the batch.
        batch_size: u32,
        /// How a batch the lab must measure was chosen.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        proposed_by: Option<JobPhase>,
    },
    /// One candidate of the batch was evaluated.
    EvaluationComplete {
        /// 1-based.
        iteration: u32,
        /// 1-based, within the batch.
        evaluation_index: u32,
        /// Candidates in the batch.
        batch_size: u32,
        /// `c<iteration>-<k>`.
        candidate_id: String,
        /// Objective values by name; `null` when the evaluation failed.
        objectives: Option<serde_json::Value>,
    },
    /// An iteration's results are recorded.
    IterationComplete {
        /// 1-based.
        iteration: u32,
        /// Evaluations so far.
        evaluations_completed: u32,
        /// Hypervolume of the feasible front.
        hypervolume: f64,
        /// Relative gain over the previous iteration.
        hypervolume_improvement: f64,
        /// Points on the front.
        pareto_size: u32,
        /// Held-out loss of this iteration's surrogate.
        surrogate_loss: Option<f64>,
        /// Best value per objective so far.
        best_objectives: serde_json::Value,
    },
    /// The campaign ended.
    CampaignComplete {
        /// How it ended.
        status: CampaignStatus,
        /// Iterations run.
        total_iterations: u32,
        /// Evaluations recorded.
        total_evaluations: u32,
        /// Hypervolume at the end.
        final_hypervolume: f64,
        /// Points on the final front.
        pareto_size: u32,
    },
    /// The job failed (a `campaign_complete` follows).
    Error {
        /// Stable code: `job_failed`.
        code: crate::error::ErrorCode,
        /// What went wrong.
        message: String,
        /// The iteration it failed in.
        iteration: u32,
    },
}

impl ProgressEvent {
    /// The `type` on the wire, e.g. `iteration_complete`.
    pub fn kind(&self) -> &'static str {
        match self {
            ProgressEvent::IterationStart { .. } => "iteration_start",
            ProgressEvent::EvaluationComplete { .. } => "evaluation_complete",
            ProgressEvent::IterationComplete { .. } => "iteration_complete",
            ProgressEvent::CampaignComplete { .. } => "campaign_complete",
            ProgressEvent::Error { .. } => "error",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_wire_names() {
        for &s in CampaignStatus::ALL {
            assert_eq!(CampaignStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(CampaignStatus::parse("paused"), None);
    }

    #[test]
    fn job_phases_round_trip_and_use_the_seeds_word_for_acquisition() {
        for &p in JobPhase::ALL {
            assert_eq!(JobPhase::parse(p.as_str()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        assert_eq!(JobPhase::Acquiring.as_str(), "acquiring");
        assert_eq!(JobPhase::parse("acquisition"), None);
    }

    #[test]
    fn a_log_level_filter_keeps_that_level_and_the_more_severe_ones() {
        let names = |min: LogLevel| min.and_above().map(LogLevel::as_str).collect::<Vec<_>>();
        assert_eq!(names(LogLevel::Warning), ["warning", "error"]);
        assert_eq!(
            names(LogLevel::Debug),
            ["debug", "info", "warning", "error"]
        );
        assert_eq!(names(LogLevel::Error), ["error"]);
        for &l in LogLevel::ALL {
            assert_eq!(LogLevel::parse(l.as_str()), Some(l));
            assert_eq!(serde_json::to_value(l).unwrap(), l.as_str());
        }
    }

    #[test]
    fn progress_events_have_the_documented_type_timestamp_data_shape() {
        let event = CampaignEvent {
            timestamp: "2026-04-01T10:05:42Z".into(),
            event: ProgressEvent::CampaignComplete {
                status: CampaignStatus::Converged,
                total_iterations: 8,
                total_evaluations: 120,
                final_hypervolume: 0.742,
                pareto_size: 9,
            },
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "campaign_complete", "timestamp": "2026-04-01T10:05:42Z",
                "data": {"status": "converged", "total_iterations": 8, "total_evaluations": 120,
                         "final_hypervolume": 0.742, "pareto_size": 9}})
        );
        assert_eq!(json["type"], event.event.kind());
        let back: CampaignEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
        let start = serde_json::to_value(ProgressEvent::IterationStart {
            iteration: 2,
            total_iterations: 3,
            phase: JobPhase::Acquiring,
            batch_size: 4,
            proposed_by: None,
        })
        .unwrap();
        assert_eq!(start["data"]["phase"], "acquiring");
        assert!(start["data"].get("proposed_by").is_none(), "{start}");
    }

    #[test]
    fn a_job_list_item_nests_its_progress_like_the_seed() {
        let view = JobView {
            job: JobFields {
                id: JobId::parse("job_1").unwrap(),
                campaign_id: CampaignId::parse("camp_1").unwrap(),
                status: JobStatus::Running,
                phase: JobPhase::Acquiring,
                worker_id: Some("host-1-2-abc".into()),
                timeout_at: "2026-01-02T00:00:00Z".into(),
                created_at: "2026-01-01T00:00:00Z".into(),
                started_at: None,
                finished_at: None,
                error: None,
            },
            progress: JobCounts {
                iteration: 8,
                total_iterations: 20,
                evaluations_completed: 120,
                budget: 300,
            },
        };
        let json = serde_json::to_value(&view).unwrap();
        assert_eq!(json["worker_id"], "host-1-2-abc");
        assert_eq!(
            json["progress"],
            serde_json::json!({"iteration": 8, "total_iterations": 20,
                               "evaluations_completed": 120, "budget": 300})
        );
        assert!(json.get("iteration").is_none(), "{json}");
    }
}
