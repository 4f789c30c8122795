//! The lab-in-the-loop panel of a campaign dashboard: one row per candidate waiting for a
//! measurement, with a field per objective (or "failed") and a button that records it.

use domain::campaigns::CandidateView;
use leptos::prelude::*;

use crate::error::AppErrorView;
use crate::server_fns::lab::SubmitLabResult;

/// `pending` candidates of `campaign_id` with forms to enter results through `submit`;
/// `objectives` are the campaign's objective names. Works without JavaScript (each form
/// posts and returns to the dashboard).
#[component]
pub fn LabPanel(
    campaign_id: String,
    objectives: Vec<String>,
    pending: Vec<CandidateView>,
    submit: ServerAction<SubmitLabResult>,
) -> impl IntoView {
    view! {
        <section class="card lab-panel" aria-labelledby="lab-heading" data-testid="lab-panel">
            <h2 id="lab-heading">"Lab results"</h2>
            <p class="muted">
                "This campaign waits for measurements. Enter each candidate's results; when the "
                "batch is complete the optimizer proposes the next one."
            </p>
            {move || {
                submit
                    .value()
                    .get()
                    .and_then(Result::err)
                    .map(|error| view! { <AppErrorView error /> })
            }}
            {if pending.is_empty() {
                view! {
                    <p class="muted" data-testid="lab-none">
                        "No candidates are waiting for results right now."
                    </p>
                }
                    .into_any()
            } else {
                pending
                    .into_iter()
                    .map(|c| {
                        view! {
                            <CandidateForm
                                c
                                campaign_id=campaign_id.clone()
                                objectives=objectives.clone()
                                submit
                            />
                        }
                    })
                    .collect_view()
                    .into_any()
            }}
        </section>
    }
}

#[component]
fn CandidateForm(
    c: CandidateView,
    campaign_id: String,
    objectives: Vec<String>,
    submit: ServerAction<SubmitLabResult>,
) -> impl IntoView {
    let parameters = c
        .parameters
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| match v {
                    serde_json::Value::Number(n) => format!("{k} = {}", short(n.as_f64())),
                    serde_json::Value::String(s) => format!("{k} = {s}"),
                    other => format!("{k} = {other}"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let key = c.candidate_id.clone();
    let marker = key.clone();
    view! {
        <ActionForm action=submit attr:class="lab-row" attr:data-candidate=marker>
            <fieldset>
                <legend>
                    <code>{c.candidate_id.clone()}</code>
                    " "
                    <span class="muted">{parameters}</span>
                </legend>
                <input type="hidden" name="campaign_id" value=campaign_id />
                <input type="hidden" name="candidate_id" value=c.candidate_id.clone() />
                {objectives
                    .into_iter()
                    .map(|name| {
                        let field = format!("lab-{key}-{name}");
                        view! {
                            <label for=field.clone()>{name.clone()}</label>
                            <input
                                id=field
                                name=format!("values[{name}]")
                                type="text"
                                inputmode="decimal"
                                autocomplete="off"
                            />
                        }
                    })
                    .collect_view()}
                <label class="checkbox">
                    <input type="checkbox" name="failed" value="true" />
                    " Measurement failed"
                </label>
                <button type="submit" class="button">"Record"</button>
            </fieldset>
        </ActionForm>
    }
}

/// A parameter value short enough to read at a glance.
fn short(v: Option<f64>) -> String {
    match v {
        Some(x) if x.fract() == 0.0 && x.abs() < 1e9 => format!("{x:.0}"),
        Some(x) => format!("{x:.4}"),
        None => String::new(),
    }
}
