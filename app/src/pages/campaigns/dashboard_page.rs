//! `/campaigns/:id`: a campaign's dashboard — status, progress, start / stop / retry, the
//! hypervolume per iteration, the Pareto front, the best objectives, every evaluation (a
//! sortable table), the newest job's log tail and a CSV export. Charts are server-rendered SVG.

use std::cmp::Ordering;

use domain::auth::UserView;
use domain::campaigns::{CampaignStatus, ResultRow};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::charts::{
    HypervolumeChart, ObjectiveAxis, ParallelCoordinatesChart, ParetoChart,
};
use crate::components::lab_panel::LabPanel;
use crate::components::log_tail::LogTail;
use crate::error::{AppError, AppErrorView};
use crate::pages::auth::{user_resource, RequireUser};
use crate::server_fns::campaigns::{
    get_campaign_dashboard, lab_in_the_loop, DashboardData, StartCampaign, StopCampaign,
};
use crate::server_fns::jobs::RetryJob;
use crate::server_fns::lab::SubmitLabResult;

/// The dashboard's actions, each a form that works before hydration.
#[derive(Clone, Copy)]
struct Actions {
    start: ServerAction<StartCampaign>,
    stop: ServerAction<StopCampaign>,
    retry: ServerAction<RetryJob>,
    lab: ServerAction<SubmitLabResult>,
}

impl Actions {
    /// The newest failure of any of them.
    fn failure(&self) -> Option<AppError> {
        let err = |v: Option<Result<(), AppError>>| v.and_then(Result::err);
        err(self.start.value().get())
            .or_else(|| err(self.stop.value().get()))
            .or_else(|| err(self.retry.value().get()))
    }
}

/// A campaign's dashboard (signed-in owner only; anyone else gets "not found").
#[component]
pub fn CampaignDashboardPage() -> impl IntoView {
    let user = user_resource();
    let params = use_params_map();
    let actions = Actions {
        start: ServerAction::<StartCampaign>::new(),
        stop: ServerAction::<StopCampaign>::new(),
        retry: ServerAction::<RetryJob>::new(),
        lab: ServerAction::<SubmitLabResult>::new(),
    };
    let dashboard = Resource::new(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                actions.start.version().get(),
                actions.stop.version().get(),
                actions.retry.version().get(),
                actions.lab.version().get(),
            )
        },
        |(id, ..)| get_campaign_dashboard(id),
    );
    // The table's order outlives each refresh of the data.
    let sort = RwSignal::new(SortState::default());
    view! {
        <Title text="Campaign" />
        <section>
            <RequireUser
                user
                here="/campaigns"
                child=move |_: UserView| view! { <Dashboard dashboard actions sort /> }
            />
        </section>
    }
}

#[component]
fn Dashboard(
    dashboard: Resource<Result<DashboardData, AppError>>,
    actions: Actions,
    sort: RwSignal<SortState>,
) -> impl IntoView {
    // While the campaign runs, a websocket tells the page when an iteration ends, and the
    // dashboard reloads its data (charts gain points without a page reload).
    #[cfg(feature = "hydrate")]
    {
        let socket = StoredValue::new_local(None::<live::Socket>);
        Effect::new(move |_| {
            if let Some(Ok(d)) = dashboard.get() {
                let summary = &d.dashboard.campaign.summary;
                if summary.status == CampaignStatus::Running {
                    socket.update_value(|s| live::keep_open(s, summary.id.as_str(), dashboard));
                }
            }
        });
    }
    // A transition keeps the dashboard on screen while it refreshes, so live updates do not
    // flash a loading message or take the keyboard focus away.
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading the campaign…"</p> }>
            {move || {
                dashboard
                    .get()
                    .map(|result| match result {
                        Ok(d) => view! { <DashboardBody d actions sort /> }.into_any(),
                        Err(error) => {
                            view! {
                                <h1>"Campaign"</h1>
                                <AppErrorView error />
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}

#[component]
fn DashboardBody(d: DashboardData, actions: Actions, sort: RwSignal<SortState>) -> impl IntoView {
    let DashboardData {
        dashboard,
        latest_job,
        logs,
        pending,
    } = d;
    let c = dashboard.campaign;
    let r = dashboard.results;
    let status = c.summary.status;
    let id = c.summary.id.to_string();
    let (start_id, stop_id) = (id.clone(), id.clone());
    let budget = c.summary.budget.max(1);
    let done = c.summary.evaluations_completed;
    let hv_points: Vec<(f64, f64)> = r
        .convergence_history
        .iter()
        .map(|p| (f64::from(p.iteration), p.hypervolume))
        .collect();
    let objectives = r.objectives.clone();
    let pareto = pareto_plot(&objectives, &c.mdl, &r.pareto_front);
    let best = c
        .best_objectives
        .as_ref()
        .and_then(|b| b.as_object().cloned())
        .unwrap_or_default();
    let retryable_job = latest_job
        .as_ref()
        .filter(|j| j.job.status.is_retryable())
        .map(|j| j.job.id.clone());
    let csv = format!("/v1/campaigns/{id}/results?format=csv");
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
        <div class="actions">
            {(status == CampaignStatus::Created)
                .then(|| {
                    view! {
                        <ActionForm action=actions.start>
                            <input type="hidden" name="id" value=start_id />
                            <button type="submit" class="button">"Start campaign"</button>
                        </ActionForm>
                    }
                })}
            {(status == CampaignStatus::Running)
                .then(|| {
                    view! {
                        <ActionForm action=actions.stop>
                            <input type="hidden" name="id" value=stop_id />
                            <button type="submit" class="button-danger">"Stop campaign"</button>
                        </ActionForm>
                    }
                })}
            {retryable_job
                .map(|job_id| {
                    let job_id = job_id.to_string();
                    view! {
                        <ActionForm action=actions.retry>
                            <input type="hidden" name="id" value=job_id />
                            <input type="hidden" name="open_job" value="false" />
                            <button type="submit" class="button">"Retry campaign"</button>
                        </ActionForm>
                    }
                })}
            <a class="button-secondary" href=csv rel="external" download="">
                "Download results (CSV)"
            </a>
        </div>
        {move || actions.failure().map(|error| view! { <AppErrorView error /> })}
        {(status == CampaignStatus::Running)
            .then(|| {
                view! {
                    <p class="muted">
                        "Running on the job queue; the charts follow each iteration "
                        "(without JavaScript, reload to see the latest)."
                    </p>
                }
            })}
        {(status == CampaignStatus::Running && lab_in_the_loop(&c))
            .then(|| {
                view! {
                    <LabPanel
                        campaign_id=id.clone()
                        objectives=objectives.clone()
                        pending
                        submit=actions.lab
                    />
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
        <CandidatesTable rows=r.pareto_front objectives sort />
        <h2>"Log"</h2>
        {latest_job
            .map(|job| {
                view! {
                    <p class="muted">
                        "The last lines of job "
                        <a href=format!("/jobs/{}", job.job.id)><code>{job.job.id.to_string()}</code></a>
                        " (" {job.job.status.as_str()} ")."
                    </p>
                }
            })}
        <LogTail lines=logs />
    }
}

/// The Pareto plot: a scatter for two objectives, parallel coordinates for three or more.
fn pareto_plot(
    objectives: &[String],
    mdl: &serde_json::Value,
    rows: &[ResultRow],
) -> Option<AnyView> {
    let values = |row: &ResultRow| -> Option<Vec<f64>> {
        let o = row.objectives.as_ref()?;
        objectives
            .iter()
            .map(|name| o[name.as_str()].as_f64())
            .collect()
    };
    let usable = rows.iter().filter(|row| row.feasible);
    match objectives {
        [] | [_] => None,
        [a, b] => {
            let points: Vec<(f64, f64, bool)> = usable
                .filter_map(|row| values(row).map(|v| (v[0], v[1], row.is_pareto)))
                .collect();
            Some(view! { <ParetoChart points x_label=a.clone() y_label=b.clone() /> }.into_any())
        }
        _ => {
            let axes = objectives
                .iter()
                .map(|name| ObjectiveAxis {
                    name: name.clone(),
                    maximize: objective_maximized(mdl, name),
                })
                .collect();
            let lines: Vec<(Vec<f64>, bool)> = usable
                .filter_map(|row| values(row).map(|v| (v, row.is_pareto)))
                .collect();
            Some(view! { <ParallelCoordinatesChart axes lines /> }.into_any())
        }
    }
}

/// Whether the MDL document maximises `name` (minimise is MDL's only other direction).
fn objective_maximized(mdl: &serde_json::Value, name: &str) -> bool {
    mdl["objectives"]
        .as_array()
        .and_then(|list| list.iter().find(|o| o["name"].as_str() == Some(name)))
        .is_some_and(|o| o["direction"].as_str() == Some("maximize"))
}

/// A column the candidates table can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Candidate,
    Iteration,
    Pareto,
    /// The objective at this index.
    Objective(usize),
}

/// The candidates table's order: a column and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SortState {
    column: Column,
    descending: bool,
}

impl Default for SortState {
    /// Pareto-front members first, then by iteration.
    fn default() -> Self {
        Self {
            column: Column::Pareto,
            descending: true,
        }
    }
}

impl SortState {
    /// The order after activating `column`'s header: the other direction on the same column,
    /// ascending on a new one.
    fn toggled(self, column: Column) -> Self {
        if self.column == column {
            Self {
                column,
                descending: !self.descending,
            }
        } else {
            Self {
                column,
                descending: false,
            }
        }
    }

    /// The `aria-sort` value of `column`'s header.
    fn aria(self, column: Column) -> &'static str {
        match (self.column == column, self.descending) {
            (false, _) => "none",
            (true, false) => "ascending",
            (true, true) => "descending",
        }
    }
}

/// `c3-7` as `(3, 7)`, so candidates sort as numbers, not text.
fn candidate_key(row: &ResultRow) -> (u32, u32, String) {
    let index = row
        .id
        .rsplit_once('-')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(u32::MAX);
    (row.iteration, index, row.id.clone())
}

/// Sorts `rows` in `state`'s order; failed evaluations stay last whatever the direction, and
/// ties keep candidate order.
fn sort_rows(rows: &mut [ResultRow], objectives: &[String], state: SortState) {
    let value = |row: &ResultRow, i: usize| -> Option<f64> {
        row.objectives.as_ref()?[objectives.get(i)?.as_str()].as_f64()
    };
    let directed = |o: Ordering| if state.descending { o.reverse() } else { o };
    rows.sort_by(|a, b| {
        let primary = match state.column {
            Column::Candidate => directed(candidate_key(a).cmp(&candidate_key(b))),
            Column::Iteration => directed(a.iteration.cmp(&b.iteration)),
            Column::Pareto => directed(a.is_pareto.cmp(&b.is_pareto)),
            Column::Objective(i) => match (value(a, i), value(b, i)) {
                (Some(x), Some(y)) => directed(x.total_cmp(&y)),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
        };
        primary.then_with(|| candidate_key(a).cmp(&candidate_key(b)))
    });
}

/// Every evaluation; each column header is a button that orders the table by it.
#[component]
fn CandidatesTable(
    rows: Vec<ResultRow>,
    objectives: Vec<String>,
    sort: RwSignal<SortState>,
) -> impl IntoView {
    let count = rows.len();
    let front = rows.iter().filter(|r| r.is_pareto).count();
    let header = move |column: Column, title: String| {
        view! {
            <th scope="col" aria-sort=move || sort.get().aria(column)>
                <button type="button" class="sort-button"
                    on:click=move |_| sort.update(|s| *s = s.toggled(column))>
                    {title}
                    <span class="sort-mark" aria-hidden="true">
                        {move || match sort.get().aria(column) {
                            "ascending" => "▲",
                            "descending" => "▼",
                            _ => "↕",
                        }}
                    </span>
                </button>
            </th>
        }
    };
    let objective_headers = objectives
        .iter()
        .enumerate()
        .map(|(i, o)| header(Column::Objective(i), o.clone()))
        .collect_view();
    let body_objectives = objectives.clone();
    let body = move || {
        let mut rows = rows.clone();
        sort_rows(&mut rows, &body_objectives, sort.get());
        rows.into_iter()
            .map(|row| {
                let values = body_objectives
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
                    <tr class:pareto-row=row.is_pareto data-candidate=row.id.clone()>
                        <td>{row.id.clone()}</td>
                        <td>{row.iteration}</td>
                        <td>
                            {row.is_pareto.then(|| view! {
                                <span class="pareto-mark" aria-hidden="true">"◆ "</span>
                                "yes"
                            })}
                            {(!row.feasible).then_some("infeasible")}
                        </td>
                        {values}
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <p class="muted">
            {format!("{count} evaluations, {front} on the Pareto front (marked ◆). ")}
            "Choose a column heading to sort by it."
        </p>
        <div class="table-wrap">
            <table class="candidates">
                <caption class="visually-hidden">"Evaluated candidates"</caption>
                <thead>
                    <tr>
                        {header(Column::Candidate, "Candidate".to_owned())}
                        {header(Column::Iteration, "Iteration".to_owned())}
                        {header(Column::Pareto, "Pareto".to_owned())}
                        {objective_headers}
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::{sort_rows, Column, SortState};
    use domain::campaigns::ResultRow;

    fn row(id: &str, iteration: u32, pareto: bool, capacity: Option<f64>) -> ResultRow {
        ResultRow {
            id: id.to_owned(),
            parameters: serde_json::json!({}),
            objectives: capacity.map(|c| serde_json::json!({ "capacity": c })),
            iteration,
            feasible: true,
            is_pareto: pareto,
        }
    }

    fn ids(rows: &[ResultRow]) -> Vec<&str> {
        rows.iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn the_default_order_puts_the_front_first_then_candidates_in_order() {
        let mut rows = vec![
            row("c2-1", 2, false, Some(1.0)),
            row("c1-10", 1, true, Some(3.0)),
            row("c1-2", 1, true, Some(2.0)),
        ];
        sort_rows(&mut rows, &["capacity".into()], SortState::default());
        assert_eq!(ids(&rows), ["c1-2", "c1-10", "c2-1"]);
    }

    #[test]
    fn objectives_sort_both_ways_with_failures_last() {
        let objectives = ["capacity".to_owned()];
        let mut rows = vec![
            row("c1-1", 1, false, None),
            row("c1-2", 1, false, Some(2.0)),
            row("c1-3", 1, true, Some(5.0)),
        ];
        let ascending = SortState::default().toggled(Column::Objective(0));
        sort_rows(&mut rows, &objectives, ascending);
        assert_eq!(ids(&rows), ["c1-2", "c1-3", "c1-1"]);
        let descending = ascending.toggled(Column::Objective(0));
        assert_eq!(descending.aria(Column::Objective(0)), "descending");
        assert_eq!(descending.aria(Column::Iteration), "none");
        sort_rows(&mut rows, &objectives, descending);
        assert_eq!(ids(&rows), ["c1-3", "c1-2", "c1-1"]);
    }
}

#[cfg(feature = "hydrate")]
mod live {
    //! The dashboard's websocket to `/v1/ws/campaigns/{id}` (signed in by the session cookie).

    use domain::campaigns::ProgressEvent;
    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;

    use crate::server_fns::campaigns::DashboardData;
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
        dashboard: Resource<Result<DashboardData, crate::error::AppError>>,
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
        dashboard: Resource<Result<DashboardData, crate::error::AppError>>,
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
                let event = serde_json::from_str::<domain::campaigns::CampaignEvent>(&text);
                if matches!(
                    event.map(|e| e.event),
                    Ok(ProgressEvent::IterationComplete { .. }
                        | ProgressEvent::CampaignComplete { .. })
                ) {
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
