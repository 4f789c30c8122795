//! `/jobs`: the account's campaign jobs, newest first.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::{AppError, AppErrorView};
use crate::format::short_time;
use crate::server_fns::jobs::{list_jobs, JobListItem};

/// The jobs list; visitors are invited to sign in.
#[component]
pub fn JobsPage() -> impl IntoView {
    let jobs = Resource::new(|| (), |()| list_jobs());
    view! {
        <Title text="Jobs" />
        <section>
            <h1>"Jobs"</h1>
            <p class="lead">
                "Every run of a campaign is a job on the queue. Open one for its progress, timing and log."
            </p>
            <Suspense fallback=|| view! { <p class="muted">"Loading jobs…"</p> }>
                {move || jobs.get().map(|result| view! { <JobTable result /> })}
            </Suspense>
        </section>
    }
}

#[component]
fn JobTable(result: Result<Option<Vec<JobListItem>>, AppError>) -> impl IntoView {
    match result {
        Ok(None) => view! {
            <p><a href="/signin?next=/jobs">"Sign in"</a> " to see your jobs."</p>
        }
        .into_any(),
        Ok(Some(list)) if list.is_empty() => view! {
            <p class="muted">
                "No jobs yet. Start a campaign from its dashboard: "
                <a href="/campaigns">"your campaigns"</a> "."
            </p>
        }
        .into_any(),
        Ok(Some(list)) => view! {
            <div class="table-wrap">
                <table>
                    <caption class="visually-hidden">"Your jobs"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Job"</th>
                            <th scope="col">"Campaign"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Progress"</th>
                            <th scope="col">"Created"</th>
                            <th scope="col">"Started"</th>
                            <th scope="col">"Finished"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {list.into_iter().map(|item| view! { <JobRow item /> }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any(),
        Err(error) => view! { <AppErrorView error /> }.into_any(),
    }
}

#[component]
fn JobRow(item: JobListItem) -> impl IntoView {
    let (j, progress) = (item.job.job, item.job.progress);
    let campaign = item
        .campaign_name
        .unwrap_or_else(|| j.campaign_id.to_string());
    let when = |t: Option<String>| t.as_deref().map_or_else(|| "—".to_owned(), short_time);
    view! {
        <tr>
            <td><a href=format!("/jobs/{}", j.id)><code>{j.id.to_string()}</code></a></td>
            <td><a href=format!("/campaigns/{}", j.campaign_id)>{campaign}</a></td>
            <td><span class=format!("badge badge-{}", j.status)>{j.status.as_str()}</span></td>
            <td>{format!("iteration {} / {}", progress.iteration, progress.total_iterations)}</td>
            <td>{short_time(&j.created_at)}</td>
            <td>{when(j.started_at)}</td>
            <td>{when(j.finished_at)}</td>
        </tr>
    }
}
