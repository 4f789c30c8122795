//! Every kind of background task and its handler, registered from this one list, and the
//! queues they wait in. A task kind (its name and payload) is declared beside the service that
//! runs it; its handler is that service (`impl Handles<Kind> for Services`).
//!
//! Each queue has worker slots of its own, so long campaigns never hold up a part's analysis
//! or a sign-up mail. Within a queue, claims take accounts in turn (see [`store::tasks::Lane`]),
//! and an account runs at most its plan's number of campaigns and file analyses at once.

use store::tasks::{Lane, LaneSlots, PlanCaps, Runner, DEFAULT_QUEUE};

use crate::campaign_jobs::RunCampaignJob;
use crate::files::AnalyseFile;
use crate::mail::SendMail;
use crate::Services;

/// The queue of campaign jobs.
pub const CAMPAIGNS_QUEUE: &str = "campaigns";
/// The queue of uploaded files' analyses.
pub const FILES_QUEUE: &str = "files";
/// The queue of outgoing mail.
pub const MAIL_QUEUE: &str = "mail";

/// Campaigns one account runs at once, by plan; the rest wait queued.
pub const RUNNING_CAMPAIGNS: PlanCaps = PlanCaps {
    free: 2,
    pro: 5,
    scale: 20,
};

/// File analyses one account runs at once, by plan: with the default two slots a `free`
/// account's uploads always leave one for everybody else.
pub const RUNNING_ANALYSES: PlanCaps = PlanCaps {
    free: 1,
    pro: 2,
    scale: 4,
};

/// How many tasks of each queue one worker process runs at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerSlots {
    /// Campaign jobs (`WORKER_CONCURRENCY`).
    pub campaigns: usize,
    /// File analyses (`MATTERCRAFT_FILE_WORKERS`).
    pub files: usize,
}

/// The lanes a worker process claims from: campaigns and files capped per account by plan,
/// mail and the rest (housekeeping) with slots of their own.
pub fn lanes(slots: WorkerSlots) -> Vec<LaneSlots> {
    vec![
        LaneSlots::new(
            Lane::queue(CAMPAIGNS_QUEUE).capped(RUNNING_CAMPAIGNS),
            slots.campaigns,
        ),
        LaneSlots::new(
            Lane::queue(FILES_QUEUE).capped(RUNNING_ANALYSES),
            slots.files,
        ),
        LaneSlots::new(Lane::queue(MAIL_QUEUE), 2),
        LaneSlots::new(Lane::queue(DEFAULT_QUEUE), 1),
    ]
}

/// `runner` with a handler for every kind of task.
pub fn register(runner: Runner, services: &Services) -> Runner {
    runner
        .handle::<RunCampaignJob>(services.clone())
        .handle::<AnalyseFile>(services.clone())
        .handle::<SendMail>(services.clone())
}
