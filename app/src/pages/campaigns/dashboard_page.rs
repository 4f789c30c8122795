//! `/campaigns/:id`: a campaign's dashboard — status, progress, the hypervolume per iteration,
//! the Pareto front and every evaluation. Charts are server-rendered SVG.

use domain::auth::UserView;
use domain::campaigns::{CampaignDashboard, CampaignStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::charts::{HypervolumeChart, ParetoChart};
use crate::error::AppErrorView;
use crate::pages::auth::{user_resource, RequireUser};
use crate::server_fns::campaigns::{get_campaign_dashboard, StartCampaign};

/// A campaign's dashboard (signed-in owner only; anyone else gets "not found").
#[component]
pub fn CampaignDashboardPage() -> impl IntoView {
    let user = user_resource();
    let params = use_params_map();
    let start = ServerAction::<StartCampaign>::new();
    let dashboard = Resource::new(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                start.version().get(),
            )
        },
        |(id, _)| get_campaign_dashboard(id),
    );
    view! {
        <Title text="Campaign" />
        <section>
            <RequireUser
                user
                here="/campaigns"
                child=move |_: UserView| view! { <Dashboard dashboard start /> }
            />
        </section>
    }
}

#[component]
fn Dashboard(
    dashboard: Resource<Result<CampaignDashboard, crate::error::AppError>>,
    start: ServerAction<StartCampaign>,
) -> impl IntoView {
    // While the campaign runs, a websocket tells the page when an iteration ends, and the
    // dashboard reloads its data (charts gain points without a page reload).
    #[cfg(feature = "hydrate")]
    {
        let socket = StoredValue::new_local(None::<live::Socket>);
        Effect::new(move |_| {
            if let Some(Ok(d)) = dashboard.get() {
                if d.campaign.summary.status == CampaignStatus::Running {
                    socket.update_value(|s| live::keep_open(s, &d.campaign.summary.id, dashboard));
                }
            }
        });
    }
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the campaign…"</p> }>
            {move || {
                dashboard
                    .get()
                    .map(|result| match result {
                        Ok(d) => view! { <DashboardBody d start /> }.into_any(),
                        Err(error) => {
                            view! {
                                <h1>"Campaign"</h1>
                                <AppErrorView error />
                            }
                                .into_any()
                        }
                    })
            }}
        </Suspense>
    }
}

#[component]
fn DashboardBody(d: CampaignDashboard, start: ServerAction<StartCampaign>) -> impl IntoView {
    let c = d.campaign;
    let r = d.results;
    let status = c.summary.status;
    let id = c.summary.id.clone();
    let budget = c.summary.budget.max(1);
    let done = c.summary.evaluations_completed;
    let hv_points: Vec<(f64, f64)> = r
        .convergence_history
        .iter()
        .map(|p| (f64::from(p.iteration), p.hypervolume))
        .collect();
    let objectives = r.objectives.clone();
    let pareto = (objectives.len() >= 2).then(|| {
        let (a, b) = (objectives[0].clone(), objectives[1].clone());
        let points: Vec<(f64, f64, bool)> = r
            .pareto_front
            .iter()
            .filter(|row| row.feasible)
            .filter_map(|row| {
                let o = row.objectives.as_ref()?;
                Some((
                    o[a.as_str()].as_f64()?,
                    o[b.as_str()].as_f64()?,
                    row.is_pareto,
                ))
            })
            .collect();
        view! { <ParetoChart points x_label=a y_label=b /> }
    });
    let best = c
        .best_objectives
        .as_ref()
        .and_then(|b| b.as_object().cloned())
        .unwrap_or_default();
    let mut rows = r.pareto_front.clone();
    rows.sort_by_key(|row| (!row.is_pareto, row.iteration));
    view! {
        <h1>{c.summary.name.clone()}</h1>
        <p class="lead">
            <span class=format!("badge badge-{}", status.as_str()) data-testid="campaign-status">
                {status.as_str()}
            </span>
            " · " {c.summary.domain.clone()} " · iteration " {c.current_iteration}
            {c.hypervolume.map(|hv| format!(" · hypervolume {hv:.4}"))}
        </p>
        <div class="field">
            <label for="progress">{format!("Evaluations: {done} of {}", c.summary.budget)}</label>
            <progress id="progress" max=budget value=done>{format!("{done} of {budget}")}</progress>
        </div>
        {(status == CampaignStatus::Created)
            .then(|| {
                view! {
                    <ActionForm action=start>
                        <input type="hidden" name="id" value=id.clone() />
                        <button type="submit" class="button">"Start campaign"</button>
                    </ActionForm>
                }
            })}
        {(status == CampaignStatus::Running)
            .then(|| {
                view! {
                    <p class="muted">
                        "Running on the job queue. Reload to see the latest iterations."
                    </p>
                }
            })}
        <h2>"Hypervolume"</h2>
        <HypervolumeChart points=hv_points />
        {pareto.map(|chart| view! { <h2>"Pareto front"</h2> {chart} })}
        <h2>"Best objectives"</h2>
        {if best.is_empty() {
            view! { <p class="muted">"No successful evaluation yet."</p> }.into_any()
        } else {
            view! {
                <table class="compact">
                    <tbody>
                        {best
                            .into_iter()
                            .map(|(name, value)| {
                                view! {
                                    <tr>
                                        <th scope="row">{name}</th>
                                        <td>{value.as_f64().map(|v| format!("{v:.4}")).unwrap_or_default()}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            }
                .into_any()
        }}
        <h2>"Candidates"</h2>
        <p class="muted">{format!("{} evaluations; Pareto-front members first.", rows.len())}</p>
        <div class="table-wrap">
            <table>
                <thead>
                    <tr>
                        <th scope="col">"Candidate"</th>
                        <th scope="col">"Iteration"</th>
                        <th scope="col">"Pareto"</th>
                        {objectives.iter().map(|o| view! { <th scope="col">{o.clone()}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|row| {
                            let values = objectives
                                .iter()
                                .map(|o| {
                                    let v = row
                                        .objectives
                                        .as_ref()
                                        .and_then(|x| x[o.as_str()].as_f64())
                                        .map(|v| format!("{v:.4}"))
                                        .unwrap_or_else(|| "failed".to_owned());
                                    view! { <td>{v}</td> }
                                })
                                .collect_view();
                            view! {
                                <tr class:pareto-row=row.is_pareto>
                                    <td>{row.id}</td>
                                    <td>{row.iteration}</td>
                                    <td>{if row.is_pareto { "yes" } else { "" }}</td>
                                    {values}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod live {
    //! The dashboard's websocket to `/v1/ws/campaigns/{id}` (signed in by the session cookie).

    use domain::campaigns::CampaignDashboard;
    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    /// Opens a socket at most this many times per page (a server that keeps refusing is not
    /// retried forever).
    const MAX_OPENS: u32 = 5;

    /// An open (or closed) socket and how many times one was opened.
    pub struct Socket {
        ws: web_sys::WebSocket,
        opens: u32,
    }

    /// Opens the campaign's socket unless one is already open.
    pub fn keep_open(
        slot: &mut Option<Socket>,
        campaign_id: &str,
        dashboard: Resource<Result<CampaignDashboard, crate::error::AppError>>,
    ) {
        let opens = match slot {
            Some(s) if s.ws.ready_state() <= web_sys::WebSocket::OPEN => return,
            Some(s) if s.opens >= MAX_OPENS => return,
            Some(s) => s.opens,
            None => 0,
        };
        let Some(ws) = open(campaign_id, dashboard) else {
            return;
        };
        *slot = Some(Socket {
            ws,
            opens: opens + 1,
        });
    }

    fn open(
        campaign_id: &str,
        dashboard: Resource<Result<CampaignDashboard, crate::error::AppError>>,
    ) -> Option<web_sys::WebSocket> {
        let location = web_sys::window()?.location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        let url = format!(
            "{scheme}://{}/v1/ws/campaigns/{campaign_id}",
            location.host().ok()?
        );
        let ws = web_sys::WebSocket::new(&url).ok()?;
        // On open (the job may have moved on meanwhile), after each iteration, and when the
        // server closes the socket at the end, the dashboard fetches its data again.
        let refresh = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
            dashboard.refetch();
        });
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let text = event.data().as_string().unwrap_or_default();
                if text.contains("\"iteration_complete\"") || text.contains("\"campaign_complete\"")
                {
                    dashboard.refetch();
                }
            },
        );
        ws.set_onopen(Some(refresh.as_ref().unchecked_ref()));
        ws.set_onclose(Some(refresh.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // The handlers live as long as the page.
        refresh.forget();
        on_message.forget();
        Some(ws)
    }
}
