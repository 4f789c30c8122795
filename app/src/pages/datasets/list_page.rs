//! `/datasets`: the account's datasets and an upload form. The upload needs JavaScript (it
//! reports progress and shows the preview at once); the list does not.

use domain::datasets::DatasetSummary;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppErrorView;
use crate::format::{human_size, short_time};
use crate::server_fns::datasets::list_datasets;

/// The datasets list with the upload form.
#[component]
pub fn DatasetsPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let datasets = Resource::new(move || version.get(), |_| list_datasets());
    view! {
        <Title text="Datasets" />
        <section>
            <h1>"Datasets"</h1>
            <p class="lead">
                "Tables of measured results (CSV with a header row, or a JSON array of objects). "
                "A campaign can start warm from one, or choose its candidates among its rows."
            </p>
            <UploadForm on_done=move || version.update(|v| *v += 1) />
            <Suspense fallback=|| view! { <p class="muted">"Loading datasets…"</p> }>
                {move || {
                    datasets
                        .get()
                        .map(|result| match result {
                            Ok(None) => {
                                view! {
                                    <p>
                                        <a href="/signin?next=/datasets">"Sign in"</a>
                                        " to see your datasets."
                                    </p>
                                }
                                    .into_any()
                            }
                            Ok(Some(list)) if list.is_empty() => {
                                view! { <p class="muted">"No datasets yet."</p> }.into_any()
                            }
                            Ok(Some(list)) => view! { <DatasetTable list /> }.into_any(),
                            Err(error) => view! { <AppErrorView error /> }.into_any(),
                        })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn DatasetTable(list: Vec<DatasetSummary>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table data-testid="datasets">
                <caption class="visually-hidden">"Your datasets"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Format"</th>
                        <th scope="col">"Rows"</th>
                        <th scope="col">"Columns"</th>
                        <th scope="col">"Size"</th>
                        <th scope="col">"Uploaded"</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|d| {
                            view! {
                                <tr>
                                    <td><a href=format!("/datasets/{}", d.id)>{d.name}</a></td>
                                    <td>{d.format.as_str()}</td>
                                    <td>{d.rows}</td>
                                    <td>{d.columns.len()}</td>
                                    <td>{human_size(d.size_bytes)}</td>
                                    <td>{short_time(&d.created_at)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The upload form: the file goes to `POST /v1/datasets` with the session cookie, with a
/// progress bar; then the new dataset's page opens.
#[component]
fn UploadForm(on_done: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
    let progress = RwSignal::new(None::<u32>);
    let error = RwSignal::new(None::<String>);
    let _ = &on_done;
    #[cfg(feature = "hydrate")]
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        upload::send(&ev, progress, error, on_done.clone());
    };
    #[cfg(not(feature = "hydrate"))]
    let submit = move |_ev: leptos::ev::SubmitEvent| {};
    view! {
        <form class="card upload-form" on:submit=submit aria-describedby="upload-help">
            <h2>"Upload a dataset"</h2>
            <p id="upload-help" class="muted">
                "CSV or JSON, UTF-8, up to 10 MiB. Optionally check it against a template's "
                "parameters and objectives as it arrives."
            </p>
            <noscript>
                <p class="alert">"Uploading needs JavaScript; the API takes uploads too: "
                    <code>"POST /v1/datasets"</code>"."</p>
            </noscript>
            <label for="dataset-file">"File"</label>
            <input id="dataset-file" name="file" type="file" accept=".csv,.json,text/csv,application/json" required />
            <label for="dataset-name">"Name (optional)"</label>
            <input id="dataset-name" name="name" type="text" maxlength="128" />
            <label for="dataset-description">"Description (optional)"</label>
            <input id="dataset-description" name="description" type="text" maxlength="1024" />
            <label for="dataset-template">"Check against template (optional)"</label>
            <input id="dataset-template" name="template_id" type="text" placeholder="battery/nmc-cathode" />
            <button type="submit" class="button">"Upload"</button>
            {move || {
                progress
                    .get()
                    .map(|p| {
                        view! {
                            <label for="upload-progress">"Uploading"</label>
                            <progress id="upload-progress" max="100" value=p>{format!("{p}%")}</progress>
                        }
                    })
            }}
            <div aria-live="polite">
                {move || {
                    error
                        .get()
                        .map(|message| {
                            view! {
                                <div class="alert alert-error" role="alert" data-testid="upload-error">
                                    <p>{message}</p>
                                </div>
                            }
                        })
                }}
            </div>
        </form>
    }
}

#[cfg(feature = "hydrate")]
mod upload {
    //! The browser side of the upload: the form's fields through [`crate::xhr_upload`].

    use leptos::prelude::*;
    use leptos::task::spawn_local;
    use wasm_bindgen::JsCast;
    use web_sys::{FormData, HtmlFormElement};

    use crate::xhr_upload::{self, Payload, UploadError};

    /// Sends the form's fields; on success opens the new dataset, on failure shows the
    /// server's message with its request id.
    pub fn send(
        ev: &leptos::ev::SubmitEvent,
        progress: RwSignal<Option<u32>>,
        error: RwSignal<Option<String>>,
        on_done: impl Fn() + 'static,
    ) {
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        let Ok(data) = FormData::new_with_form(&form) else {
            error.set(Some(UploadError::Unsupported.to_string()));
            return;
        };
        // Empty optional fields are left out rather than sent blank.
        for field in ["name", "description", "template_id"] {
            if data
                .get(field)
                .as_string()
                .is_some_and(|v| v.trim().is_empty())
            {
                data.delete(field);
            }
        }
        error.set(None);
        progress.set(Some(0));
        let upload = xhr_upload::start("POST", "/v1/datasets", Payload::Form(&data), move |p| {
            progress.set(Some(p))
        });
        spawn_local(async move {
            let answer = match upload {
                Ok(upload) => upload.finish().await,
                Err(e) => Err(e),
            };
            progress.set(None);
            match answer {
                Ok(body) => {
                    on_done();
                    let created: serde_json::Value =
                        serde_json::from_str(&body).unwrap_or_default();
                    if let Some(id) = created["data"]["id"].as_str() {
                        let _ = window().location().set_href(&format!("/datasets/{id}"));
                    }
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    }
}
