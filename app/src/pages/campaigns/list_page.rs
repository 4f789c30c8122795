//! `/campaigns`: the account's campaigns.

use domain::campaigns::CampaignSummary;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppErrorView;
use crate::server_fns::campaigns::list_campaigns;

/// The campaigns list (signed-in users only).
#[component]
pub fn CampaignsPage() -> impl IntoView {
    let campaigns = Resource::new(|| (), |()| list_campaigns());
    view! {
        <Title text="Campaigns" />
        <section>
            <h1>"Campaigns"</h1>
            <p class="lead">
                "Multi-objective optimization campaigns over a design space written in MDL. "
                "Create them here from a template or an MDL document, or through the API ("
                <a href="/v1/docs" rel="external">"documentation"</a>")."
            </p>
            <p><a class="button" href="/campaigns/new">"New campaign"</a></p>
            // The area's landing page: visitors get an invitation, not a redirect.
            <CampaignTable campaigns />
        </section>
    }
}

#[component]
fn CampaignTable(
    campaigns: Resource<Result<Option<Vec<CampaignSummary>>, crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading campaigns…"</p> }>
            {move || {
                campaigns
                    .get()
                    .map(|result| match result {
                        Ok(None) => {
                            view! {
                                <p>
                                    <a href="/signin?next=/campaigns">"Sign in"</a>
                                    " to see your campaigns."
                                </p>
                            }
                                .into_any()
                        }
                        Ok(Some(list)) if list.is_empty() => {
                            view! { <p class="muted">"No campaigns yet."</p> }.into_any()
                        }
                        Ok(Some(list)) => {
                            view! {
                                <div class="table-wrap">
                                    <table>
                                        <caption class="visually-hidden">"Your campaigns"</caption>
                                        <thead>
                                            <tr>
                                                <th scope="col">"Name"</th>
                                                <th scope="col">"Domain"</th>
                                                <th scope="col">"Status"</th>
                                                <th scope="col">"Evaluations"</th>
                                                <th scope="col">"Created"</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {list
                                                .into_iter()
                                                .map(|c| {
                                                    let status = c.status.as_str();
                                                    view! {
                                                        <tr>
                                                            <td>
                                                                <a href=format!("/campaigns/{}", c.id)>{c.name}</a>
                                                            </td>
                                                            <td>{c.domain}</td>
                                                            <td>
                                                                <span class=format!("badge badge-{status}")>{status}</span>
                                                            </td>
                                                            <td>
                                                                {format!("{} / {}", c.evaluations_completed, c.budget)}
                                                            </td>
                                                            <td>{c.created_at}</td>
                                                        </tr>
                                                    }
                                                })
                                                .collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <AppErrorView error /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}
