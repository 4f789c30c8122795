//! Every kind of background task and its handler, registered from this one list. A task kind
//! (its name and payload) is declared beside the service that runs it; its handler is that
//! service (`impl Handles<Kind> for Services`).

use store::tasks::Runner;

use crate::campaign_jobs::RunCampaignJob;
use crate::files::AnalyseFile;
use crate::mail::SendMail;
use crate::Services;

/// `runner` with a handler for every kind of task.
pub fn register(runner: Runner, services: &Services) -> Runner {
    runner
        .handle::<RunCampaignJob>(services.clone())
        .handle::<AnalyseFile>(services.clone())
        .handle::<SendMail>(services.clone())
}
