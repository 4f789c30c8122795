//! The MDL editor: a YAML text area validated as you type by the `mdl` crate (the same code
//! the server runs, compiled to wasm), with every problem listed at its path.

use domain::error::IssueLevel;
use leptos::prelude::*;

use crate::error::AppErrorView;
use crate::server_fns::campaigns::CreateCampaignFromMdl;

/// A small valid document to start from: two water-membrane parameters, two objectives and a
/// budget that finishes in seconds.
pub const EXAMPLE_MDL: &str = r#"name: membrane-screen
domain: water
description: "Reverse-osmosis membrane: flux against salt rejection."
version: "1.0"
parameters:
  - name: pore_size_nm
    type: continuous
    bounds: [0.2, 5]
    unit: nm
  - name: operating_pressure_bar
    type: continuous
    bounds: [5, 60]
    unit: bar
objectives:
  - name: water_flux
    direction: maximize
  - name: salt_rejection
    direction: maximize
optimizer:
  method: cma-es
  budget: 20
  batch_size: 5
  seed: 7
"#;

/// One finding, as the editor lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueItem {
    /// An error or a warning.
    pub level: IssueLevel,
    /// Where, e.g. `parameters[0].bounds`; empty for the whole document.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Every error and warning in `text`, in document order.
pub fn check(text: &str) -> Vec<IssueItem> {
    let issues = match mdl::parse_yaml(text) {
        Ok((_, warnings)) => warnings,
        Err(report) => report.issues,
    };
    issues
        .into_iter()
        .map(|i| IssueItem {
            level: match i.level {
                mdl::Level::Error => IssueLevel::Error,
                mdl::Level::Warning => IssueLevel::Warning,
            },
            path: i.path,
            message: i.message,
        })
        .collect()
}

/// The editor with its live problem list and the create button.
#[component]
pub fn MdlEditor(create: ServerAction<CreateCampaignFromMdl>) -> impl IntoView {
    let text = RwSignal::new(EXAMPLE_MDL.to_owned());
    let issues = Memo::new(move |_| check(&text.read()));
    let errors = move || issues.with(|i| i.iter().filter(|i| i.level == IssueLevel::Error).count());
    let summary = move || {
        let all = issues.with(Vec::len);
        match (errors(), all - errors()) {
            (0, 0) => "No problems found: the document is valid MDL.".to_owned(),
            (e, w) => format!("{e} error(s), {w} warning(s)."),
        }
    };
    // The server's verdict is about the text it was sent: once edited, only the live check
    // speaks for the document.
    let edited_since_submit = RwSignal::new(false);
    Effect::new(move |_| {
        if create.pending().get() {
            edited_since_submit.set(false);
        }
    });
    let server_failure = move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .filter(|_| !edited_since_submit.get())
    };
    view! {
        <ActionForm action=create>
            <div class="field">
                <label for="mdl-text">"MDL document (YAML)"</label>
                <p class="hint" id="mdl-help">
                    "Checked as you type. Problems are listed below with their path in the document."
                </p>
                <textarea id="mdl-text" name="mdl" class="mdl-text" rows="24" spellcheck="false"
                    autocomplete="off" aria-describedby="mdl-help mdl-summary"
                    aria-invalid=move || { if errors() > 0 { "true" } else { "false" } }
                    on:input=move |ev| {
                        text.set(event_target_value(&ev));
                        edited_since_submit.set(true);
                    }>
                    {EXAMPLE_MDL}
                </textarea>
            </div>
            <div class="mdl-issues" aria-live="polite" data-testid="mdl-issues">
                <p id="mdl-summary" class:muted=move || issues.with(Vec::is_empty)>{summary}</p>
                <IssueList issues=Signal::derive(move || issues.get()) />
            </div>
            {move || {
                server_failure()
                    .map(|error| {
                        let details: Vec<IssueItem> = error
                            .details
                            .iter()
                            .map(|d| IssueItem {
                                level: d.level.unwrap_or(IssueLevel::Error),
                                path: d.path.clone(),
                                message: d.message.clone(),
                            })
                            .collect();
                        view! {
                            <div class="server-issues" data-testid="server-issues">
                                <AppErrorView error />
                                <IssueList issues=Signal::derive(move || details.clone()) />
                            </div>
                        }
                    })
            }}
            <button type="submit" class="button" disabled=move || create.pending().get()>
                "Create campaign from MDL"
            </button>
        </ActionForm>
    }
}

/// Findings as a list, each with its level and path.
#[component]
pub fn IssueList(#[prop(into)] issues: Signal<Vec<IssueItem>>) -> impl IntoView {
    view! {
        <ul class="issue-list">
            {move || {
                issues
                    .get()
                    .into_iter()
                    .map(|i| {
                        let shown_path = if i.path.is_empty() {
                            "(document)".to_owned()
                        } else {
                            i.path.clone()
                        };
                        view! {
                            <li class=format!("issue issue-{}", i.level) data-testid="mdl-issue"
                                data-path=i.path data-level=i.level.as_str()>
                                <span class=format!("badge badge-{}", i.level)>{i.level.as_str()}</span>
                                " "
                                <code>{shown_path}</code>
                                " — "
                                {i.message}
                            </li>
                        }
                    })
                    .collect_view()
            }}
        </ul>
    }
}

#[cfg(test)]
mod tests {
    use super::{check, IssueLevel, EXAMPLE_MDL};

    #[test]
    fn the_example_document_has_no_problems() {
        assert_eq!(check(EXAMPLE_MDL), Vec::new());
    }

    #[test]
    fn reversed_bounds_are_reported_at_their_path() {
        let text = EXAMPLE_MDL.replacen("[0.2, 5]", "[5, 1]", 1);
        let issues = check(&text);
        assert!(
            issues
                .iter()
                .any(|i| i.path == "parameters[0].bounds" && i.level == IssueLevel::Error),
            "{issues:?}"
        );
    }
}
