//! `/campaigns`: the account's campaigns.

use domain::auth::UserView;
use domain::campaigns::CampaignSummary;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppErrorView;
use crate::pages::auth::{user_resource, RequireUser};
use crate::server_fns::campaigns::list_campaigns;

/// The campaigns list (signed-in users only).
#[component]
pub fn CampaignsPage() -> impl IntoView {
    let user = user_resource();
    let campaigns = Resource::new(|| (), |()| list_campaigns());
    view! {
        <Title text="Campaigns" />
        <section>
            <h1>"Campaigns"</h1>
            <p class="lead">
                "Multi-objective optimization campaigns over a design space written in MDL. "
                "Create them from a template or an MDL document through the API ("
                <a href="/v1/docs">"documentation"</a>")."
            </p>
            <RequireUser
                user
                here="/campaigns"
                child=move |_: UserView| view! { <CampaignTable campaigns /> }
            />
        </section>
    }
}

#[component]
fn CampaignTable(
    campaigns: Resource<Result<Vec<CampaignSummary>, crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading campaigns…"</p> }>
            {move || {
                campaigns
                    .get()
                    .map(|result| match result {
                        Ok(list) if list.is_empty() => {
                            view! { <p class="muted">"No campaigns yet."</p> }.into_any()
                        }
                        Ok(list) => {
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
