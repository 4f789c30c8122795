//! `/datasets/:id`: one dataset's columns and first rows, with download and delete.

use domain::auth::UserView;
use domain::datasets::DatasetDetail;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::error::AppErrorView;
use crate::format::{human_size, short_time};
use crate::pages::auth::{user_resource, RequireUser};
use crate::server_fns::datasets::{get_dataset, DeleteDataset};

/// A dataset's preview (signed-in owner only; anyone else gets "not found").
#[component]
pub fn DatasetPage() -> impl IntoView {
    let user = user_resource();
    let params = use_params_map();
    let dataset = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        get_dataset,
    );
    view! {
        <Title text="Dataset" />
        <section>
            <RequireUser
                user
                here="/datasets"
                child=move |_: UserView| {
                    view! {
                        <Suspense fallback=|| view! { <p class="muted">"Loading the dataset…"</p> }>
                            {move || {
                                dataset
                                    .get()
                                    .map(|result| match result {
                                        Ok(d) => view! { <Preview d /> }.into_any(),
                                        Err(error) => {
                                            view! {
                                                <h1>"Dataset"</h1>
                                                <AppErrorView error />
                                            }
                                                .into_any()
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
fn Preview(d: DatasetDetail) -> impl IntoView {
    let delete = ServerAction::<DeleteDataset>::new();
    let s = d.summary;
    let names: Vec<String> = s.columns.iter().map(|c| c.name.clone()).collect();
    let shown = d.preview.len();
    let rows = d
        .preview
        .into_iter()
        .map(|row| {
            let cells = names
                .iter()
                .map(|n| {
                    let text = match &row[n.as_str()] {
                        serde_json::Value::Null => String::new(),
                        serde_json::Value::String(t) => t.clone(),
                        other => other.to_string(),
                    };
                    view! { <td>{text}</td> }
                })
                .collect_view();
            view! { <tr>{cells}</tr> }
        })
        .collect_view();
    view! {
        <h1>{s.name.clone()}</h1>
        <p class="lead">{s.description.clone()}</p>
        <dl class="facts">
            <dt>"File"</dt><dd>{s.filename.clone()}</dd>
            <dt>"Rows"</dt><dd data-testid="dataset-rows">{s.rows}</dd>
            <dt>"Size"</dt><dd>{human_size(s.size_bytes)}</dd>
            <dt>"Uploaded"</dt><dd>{short_time(&s.created_at)}</dd>
        </dl>
        <h2>"Columns"</h2>
        <ul class="columns-list">
            {s
                .columns
                .iter()
                .map(|c| {
                    view! {
                        <li>
                            <code>{c.name.clone()}</code>" "
                            <span class="muted">{format!("{} · {} empty", c.kind.as_str(), c.empty)}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <h2>{format!("First {shown} rows")}</h2>
        <div class="table-wrap">
            <table data-testid="dataset-preview">
                <caption class="visually-hidden">"The dataset's first rows"</caption>
                <thead>
                    <tr>
                        {names.iter().map(|n| view! { <th scope="col">{n.clone()}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p class="actions">
            <a class="button" href=format!("/v1/datasets/{}/download", s.id) download>"Download"</a>
            <ActionForm action=delete>
                <input type="hidden" name="id" value=s.id.to_string() />
                <button type="submit" class="button-danger">"Delete"</button>
            </ActionForm>
        </p>
    }
}
