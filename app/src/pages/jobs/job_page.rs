//! `/jobs/:id`: one job — progress, current phase, timing, hypervolume, its log tail, and
//! cancel / retry.

use domain::auth::UserView;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::log_tail::LogTail;
use crate::error::AppErrorView;
use crate::format::{duration, short_time};
use crate::pages::auth::{user_resource, RequireUser};
use crate::server_fns::jobs::{get_job, CancelJob, JobPageData, RetryJob};

/// A job's page (signed-in owner only; anyone else gets "not found").
#[component]
pub fn JobPage() -> impl IntoView {
    let user = user_resource();
    let params = use_params_map();
    let cancel = ServerAction::<CancelJob>::new();
    let retry = ServerAction::<RetryJob>::new();
    let job = Resource::new(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                cancel.version().get(),
                retry.version().get(),
            )
        },
        |(id, _, _)| get_job(id),
    );
    view! {
        <Title text="Job" />
        <section>
            <RequireUser
                user
                here="/jobs"
                child=move |_: UserView| {
                    view! {
                        <Suspense fallback=|| view! { <p class="muted">"Loading the job…"</p> }>
                            {move || {
                                job.get()
                                    .map(|result| match result {
                                        Ok(data) => view! { <JobBody data cancel retry /> }.into_any(),
                                        Err(error) => {
                                            view! { <h1>"Job"</h1> <AppErrorView error /> }.into_any()
                                        }
                                    })
                            }}
                        </Suspense>
                    }
                }
            />
        </section>
    }
}

#[component]
fn JobBody(
    data: JobPageData,
    cancel: ServerAction<CancelJob>,
    retry: ServerAction<RetryJob>,
) -> impl IntoView {
    let j = data.detail.job;
    let p = data.detail.progress;
    let c = p.counts.clone();
    let t = data.detail.timing;
    let status = j.status;
    let cancellable = status.is_cancellable();
    let retryable = status.is_retryable();
    let total = c.total_iterations.max(1);
    let campaign = data
        .campaign_name
        .unwrap_or_else(|| j.campaign_id.to_string());
    let failure = move || {
        cancel
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| retry.value().get().and_then(Result::err))
    };
    let (cancel_id, retry_id) = (j.id.to_string(), j.id.to_string());
    let when = |t: Option<String>| t.as_deref().map_or_else(|| "—".to_owned(), short_time);
    view! {
        <h1>"Job " <code>{j.id.to_string()}</code></h1>
        <p class="lead">
            <span class=format!("badge badge-{status}") data-testid="job-status">{status.as_str()}</span>
            " · campaign "
            <a href=format!("/campaigns/{}", j.campaign_id)>{campaign}</a>
            " · phase " <span data-testid="job-phase">{p.current_phase.as_str()}</span>
        </p>
        <div class="field">
            <label for="job-progress">
                {format!("Iteration {} of {}", c.iteration, c.total_iterations)}
            </label>
            <progress id="job-progress" max=total value=c.iteration>
                {format!("{} of {}", c.iteration, c.total_iterations)}
            </progress>
        </div>
        <dl class="status-list">
            <dt>"Evaluations"</dt>
            <dd>{format!("{} of {}", c.evaluations_completed, c.budget)}</dd>
            <dt>"Hypervolume"</dt>
            <dd>{p.hypervolume.map_or_else(|| "—".to_owned(), |hv| format!("{hv:.4}"))}</dd>
            <dt>"Elapsed"</dt>
            <dd>{duration(t.elapsed_seconds)}</dd>
            <dt>"Per iteration"</dt>
            <dd>{t.avg_iteration_seconds.map_or_else(|| "—".to_owned(), duration)}</dd>
            <dt>"Estimated remaining"</dt>
            <dd>{t.estimated_remaining_seconds.map_or_else(|| "—".to_owned(), duration)}</dd>
            <dt>"Worker"</dt>
            <dd data-testid="job-worker">{j.worker_id.clone().unwrap_or_else(|| "—".to_owned())}</dd>
            <dt>"Created"</dt>
            <dd>{short_time(&j.created_at)}</dd>
            <dt>"Started"</dt>
            <dd>{when(j.started_at.clone())}</dd>
            <dt>"Finished"</dt>
            <dd>{when(j.finished_at.clone())}</dd>
        </dl>
        {j.error.clone().map(|e| view! {
            <div class="alert alert-error" role="alert"><p>"The job failed: " {e}</p></div>
        })}
        <div class="actions">
            {cancellable.then(|| view! {
                <ActionForm action=cancel>
                    <input type="hidden" name="id" value=cancel_id />
                    <button type="submit" class="button-danger">"Cancel job"</button>
                </ActionForm>
            })}
            {retryable.then(|| view! {
                <ActionForm action=retry>
                    <input type="hidden" name="id" value=retry_id />
                    <input type="hidden" name="open_job" value="true" />
                    <button type="submit" class="button">"Retry job"</button>
                </ActionForm>
            })}
        </div>
        {move || failure().map(|error| view! { <AppErrorView error /> })}
        <h2>"Log"</h2>
        <LogTail lines=data.logs />
    }
}
