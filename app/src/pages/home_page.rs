//! The home page: what MatterCraft does, and the state of this server.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppErrorView;
use crate::server_fns::status::get_platform_status;

/// `/`: the product in two halves, Discover and Make, plus a live status panel.
#[component]
pub fn HomePage() -> impl IntoView {
    let status = Resource::new(|| (), |()| get_platform_status());
    view! {
        <Title text="" />
        <section class="hero">
            <h1>"From a material idea to a physical object"</h1>
            <p class="lead">
                "MatterCraft is a self-hostable platform for materials teams and makers. "
                "Describe a design space, let a surrogate-driven optimizer find the best trade-offs, "
                "then upload a part, get an instant quote and have it printed."
            </p>
        </section>
        <section class="cards" aria-label="What you can do">
            <article class="card">
                <h2>"Discover"</h2>
                <p>
                    "Write a design space in MDL or start from a template. Campaigns run a "
                    "multi-objective optimizer — an MLP surrogate with CMA-ES acquisition — and a "
                    "live dashboard shows the hypervolume rising and the Pareto front forming. "
                    "Feed lab results back in whenever you have them."
                </p>
                <a class="button" href="/campaigns">"Campaigns"</a>
            </article>
            <article class="card">
                <h2>"Make"</h2>
                <p>
                    "Upload an STL, inspect it in a live 3D preview, fix its unit and get an "
                    "instant quote for SLA, SLS, SLM or FDM printing. Pay, then follow the order "
                    "until it is delivered. AI agents can do the same over the REST API."
                </p>
                <a class="button" href="/print">"Print a part"</a>
            </article>
            <article class="card">
                <h2>"Automate"</h2>
                <p>
                    "Everything in the browser is also in the REST API under "
                    <code>"/v1"</code>
                    ", described by an OpenAPI 3.1 document with interactive docs."
                </p>
                <a class="button" href="/v1/docs" rel="external">"API docs"</a>
            </article>
        </section>
        <section class="panel" aria-labelledby="status-heading">
            <h2 id="status-heading">"This server"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Checking the server…"</p> }>
                {move || {
                    status
                        .get()
                        .map(|result| match result {
                            Ok(s) => {
                                view! {
                                    <dl class="status-list">
                                        <dt>"Version"</dt>
                                        <dd>{s.version}</dd>
                                        <dt>"Database"</dt>
                                        <dd>{s.database}</dd>
                                        {s
                                            .tasks
                                            .map(|tasks| {
                                                view! {
                                                    <dt>"Background tasks queued"</dt>
                                                    <dd>{tasks.queued}</dd>
                                                    <dt>"Background tasks running"</dt>
                                                    <dd>{tasks.running}</dd>
                                                }
                                            })}
                                    </dl>
                                }
                                    .into_any()
                            }
                            Err(error) => view! { <AppErrorView error /> }.into_any(),
                        })
                }}
            </Suspense>
        </section>
    }
}
