//! `/print`: the account's parts, an upload zone with progress, the analysis status, a 3D
//! preview, the metrics and warnings, and the unit override. Upload and preview need
//! JavaScript; the list and a part's metrics (`/print?file=<id>`) render on the server.

use domain::files::{ConfirmedBy, FileStatus, FileView};
use domain::ids::FileId;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use mesh::{Metrics, Unit, Warning};
use serde::Deserialize;

use crate::error::{AppError, AppErrorView};
use crate::format::{human_size, short_time};
use crate::pages::auth::user_resource;
use crate::server_fns::files::{get_part, list_parts};

/// Where the part on screen is, from the one the address names to an upload's analysis: the
/// one state the upload zone, the preview's caption and the panel are drawn from. Starting an
/// upload puts it on screen; choosing a part from the list gives the screen back to the
/// address.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    not(feature = "hydrate"),
    allow(
        dead_code,
        reason = "only the browser uploads; the server renders `FromAddress`"
    )
)]
pub(crate) enum Stage {
    /// Nothing of this visit's own: the panel shows the part the address names (if any), as
    /// the server rendered it.
    FromAddress,
    /// A part of the list, as changed in this browser (its unit) outside any upload.
    Edited(FileView),
    /// An upload is asking the server where its bytes go.
    Preparing,
    /// The bytes are on their way; the share sent so far.
    Uploading {
        /// Percent of the bytes sent.
        percent: u32,
    },
    /// Uploaded; the server analyses the part (polled here), known once the analysis is queued.
    Analysing(Option<FileView>),
    /// The uploaded part once its analysis has ended (ready or failed), with changes made here.
    Analysed(FileView),
    /// The upload stopped; why, in words.
    Failed(String),
}

impl Stage {
    /// The part on screen when this visit has its own copy of it; `None` shows the address's.
    fn part(&self) -> Option<&FileView> {
        match self {
            Stage::Edited(part) | Stage::Analysing(Some(part)) | Stage::Analysed(part) => {
                Some(part)
            }
            _ => None,
        }
    }

    /// The upload's progress bar, in percent: from the upload's start until it is replaced.
    fn progress(&self) -> Option<u32> {
        match self {
            Stage::Preparing => Some(0),
            Stage::Uploading { percent } => Some(*percent),
            Stage::Analysing(_) | Stage::Analysed(_) => Some(100),
            _ => None,
        }
    }

    /// What the upload is doing, in words.
    fn status(&self) -> Option<&'static str> {
        match self {
            Stage::Preparing => Some("Preparing the upload…"),
            Stage::Uploading { .. } => Some("Uploading…"),
            Stage::Analysing(_) => Some("Uploaded; analysing…"),
            Stage::Analysed(part) if part.status == FileStatus::Ready => Some("Analysed."),
            Stage::Analysed(_) => Some("The analysis failed."),
            _ => None,
        }
    }

    /// Why the upload stopped.
    fn failure(&self) -> Option<String> {
        match self {
            Stage::Failed(reason) => Some(reason.clone()),
            _ => None,
        }
    }

    /// Records how much of the upload has been sent; late reports, once the upload has moved
    /// on, change nothing.
    #[cfg(any(feature = "hydrate", test))]
    pub(crate) fn sent(&mut self, share: u32) {
        if let Stage::Uploading { percent } = self {
            *percent = share;
        }
    }

    /// Puts `part` in place of this visit's copy of it, keeping the stage (an analysed upload
    /// keeps its status line). Changes nothing if another part is on screen by now.
    fn replace(&mut self, part: FileView) {
        if let Stage::Edited(shown) | Stage::Analysing(Some(shown)) | Stage::Analysed(shown) = self
        {
            if shown.id == part.id {
                *shown = part;
            }
        }
    }

    /// Shows `part`, the one on screen, as changed here.
    fn edit(&mut self, part: FileView) {
        if self.part().is_some_and(|shown| shown.id == part.id) {
            self.replace(part);
        } else {
            *self = Stage::Edited(part);
        }
    }

    /// Gives the screen back to the address (a part was chosen from the list); an upload still
    /// on its way keeps reporting.
    fn show_address(&mut self) {
        if self.part().is_some() {
            *self = Stage::FromAddress;
        }
    }
}

/// What the preview canvas holds. Apart from [`Stage`]: the canvas keeps the last upload's
/// part while other parts are shown, and shows it again when that part is.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    not(all(feature = "hydrate", target_arch = "wasm32")),
    allow(
        dead_code,
        reason = "only the wasm viewer draws; the server renders `Empty`"
    )
)]
pub(crate) enum Preview {
    /// Nothing drawn in this visit.
    Empty,
    /// The part with this id, uploaded in this visit.
    Drawn(FileId),
    /// The last upload's preview could not be built; why.
    Failed(String),
}

/// The page's client-side state, shared by the upload zone, the preview and the panel.
#[derive(Clone, Copy)]
pub(crate) struct PrintState {
    /// The upload and the part on screen.
    pub stage: RwSignal<Stage>,
    /// What the preview canvas holds.
    pub preview: RwSignal<Preview>,
    /// The unit override's failure.
    pub unit_error: RwSignal<Option<String>>,
    /// Bumped to reload the list of parts.
    pub list_version: RwSignal<u32>,
}

impl PrintState {
    fn new() -> Self {
        PrintState {
            stage: RwSignal::new(Stage::FromAddress),
            preview: RwSignal::new(Preview::Empty),
            unit_error: RwSignal::new(None),
            list_version: RwSignal::new(0),
        }
    }
}

/// The part's metrics once its analysis is done; `None` before, after a failed analysis, or
/// if the stored metrics do not decode.
fn metrics(file: &FileView) -> Option<Metrics> {
    if file.status != FileStatus::Ready {
        return None;
    }
    Metrics::deserialize(file.metrics_json.as_ref()?).ok()
}

/// The Print page.
#[component]
pub fn PrintPage() -> impl IntoView {
    // Every resource is made here, at the top of the page: the server runs their fetchers
    // with the page's context (the services), which components made later inside a
    // `Suspense` would not see.
    let state = PrintState::new();
    let user = user_resource();
    let query = use_query_map();
    let selected = Memo::new(move |_| query.read().get("file"));
    let parts = Resource::new(move || state.list_version.get(), |_| list_parts());
    let detail = Resource::new(
        move || selected.get(),
        |id| async move {
            match id {
                Some(id) => get_part(id).await,
                None => Ok(None),
            }
        },
    );
    view! {
        <Title text="Print" />
        <section class="print">
            <h1>"Print"</h1>
            <p class="lead">
                "Upload an STL part: it is measured on the server (size, volume, area, whether it "
                "is watertight) and shown in 3D here. Correct its unit if the guess is wrong. "
                "Agents can do the same through the API ("
                <a href="/v1/docs" rel="external">"documentation"</a>")."
            </p>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    user
                        .get()
                        .map(|result| match result {
                            Ok(None) => {
                                view! {
                                    <p data-testid="print-signin">
                                        <a href="/signin?next=/print">"Sign in"</a>
                                        " to upload parts, preview them and see their metrics."
                                    </p>
                                }
                                    .into_any()
                            }
                            Ok(Some(_)) => view! { <Workspace state selected parts detail /> }.into_any(),
                            Err(error) => view! { <AppErrorView error /> }.into_any(),
                        })
                }}
            </Suspense>
        </section>
    }
}

/// Everything a signed-in user sees.
#[component]
fn Workspace(
    state: PrintState,
    selected: Memo<Option<String>>,
    parts: Resource<Result<Option<Vec<FileView>>, AppError>>,
    detail: Resource<Result<Option<FileView>, AppError>>,
) -> impl IntoView {
    // This visit's copy of the part on screen. A memo, so the upload's progress reports do not
    // redraw the panel.
    let own = Memo::new(move |_| state.stage.with(|stage| stage.part().cloned()));
    let shown_id = move || {
        own.with(|part| part.as_ref().map(|p| p.id.to_string()))
            .or_else(|| selected.get())
    };
    let preview_visible = move || match state.preview.get() {
        Preview::Drawn(id) => shown_id().as_deref() == Some(id.as_str()),
        _ => false,
    };
    // The metrics of the part on screen, for the preview's caption.
    let shown_metrics = move || match own.get() {
        Some(part) => metrics(&part),
        None => match detail.get() {
            Some(Ok(Some(part))) => metrics(&part),
            _ => None,
        },
    };
    let preview_error = move || match state.preview.get() {
        Preview::Failed(message) => Some(message),
        _ => None,
    };
    view! {
        <noscript>
            <p class="alert" data-testid="print-nojs">
                "Uploading a part and its 3D preview need JavaScript. Your parts and their metrics "
                "are listed below; the API takes uploads too: "
                <code>"POST /v1/files/presign"</code>"."
            </p>
        </noscript>
        <UploadZone state />
        <div class="print-grid">
            <figure class="card print-preview">
                <PreviewCanvas visible=Signal::derive(preview_visible) />
                <figcaption>
                    {move || {
                        if preview_visible() {
                            shown_metrics()
                                .map(|m| {
                                    let unit = m.detected_unit;
                                    view! {
                                        <span data-testid="preview-dims">
                                            "Bounding box: "{dims(&m, unit)}
                                        </span>
                                    }
                                        .into_any()
                                })
                                .unwrap_or_else(|| ().into_any())
                        } else {
                            view! {
                                <span class="muted" data-testid="preview-note">
                                    "The 3D preview appears here after you upload a part in this "
                                    "browser (it needs JavaScript)."
                                </span>
                            }
                                .into_any()
                        }
                    }}
                </figcaption>
                {move || {
                    preview_error()
                        .map(|message| view! { <p class="alert alert-error" role="alert">{message}</p> })
                }}
            </figure>
            <div class="print-panel">
                <Transition fallback=|| view! { <p class="muted">"Loading the part…"</p> }>
                    {move || {
                        if let Some(file) = own.get() {
                            return view! { <PartDetails state file /> }.into_any();
                        }
                        match detail.get() {
                            Some(Ok(Some(file))) => view! { <PartDetails state file /> }.into_any(),
                            Some(Err(error)) => view! { <AppErrorView error /> }.into_any(),
                            _ => {
                                view! {
                                    <p class="muted">
                                        "Upload a part, or choose one of yours below, to see its metrics."
                                    </p>
                                }
                                    .into_any()
                            }
                        }
                    }}
                </Transition>
            </div>
        </div>
        <h2>"Your parts"</h2>
        <Transition fallback=|| view! { <p class="muted">"Loading your parts…"</p> }>
            {move || {
                parts
                    .get()
                    .map(|result| match result {
                        Ok(Some(list)) if !list.is_empty() => view! { <PartsTable state list /> }.into_any(),
                        Ok(_) => view! { <p class="muted">"No parts yet."</p> }.into_any(),
                        Err(error) => view! { <AppErrorView error /> }.into_any(),
                    })
            }}
        </Transition>
    }
}

/// The drop zone and file picker, with the upload's progress and status.
#[component]
fn UploadZone(state: PrintState) -> impl IntoView {
    let dragging = RwSignal::new(false);
    // Memos, so a progress report redraws only the bar: the status line is announced once.
    let progress = Memo::new(move |_| state.stage.with(Stage::progress));
    let status = Memo::new(move |_| state.stage.with(Stage::status));
    let failure = Memo::new(move |_| state.stage.with(Stage::failure));
    #[cfg(feature = "hydrate")]
    let (on_change, on_drop) = {
        use wasm_bindgen::JsCast;
        let on_change = move |ev: leptos::ev::Event| {
            let input = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
            if let Some(file) = input
                .as_ref()
                .and_then(|i| i.files())
                .and_then(|f| f.get(0))
            {
                super::upload::start(file, state);
            }
            if let Some(input) = input {
                // Choosing the same file again starts a new upload.
                input.set_value("");
            }
        };
        let on_drop = move |ev: leptos::ev::DragEvent| {
            ev.prevent_default();
            dragging.set(false);
            if let Some(file) = ev
                .data_transfer()
                .and_then(|d| d.files())
                .and_then(|f| f.get(0))
            {
                super::upload::start(file, state);
            }
        };
        (on_change, on_drop)
    };
    #[cfg(not(feature = "hydrate"))]
    let (on_change, on_drop) = (|_: leptos::ev::Event| {}, |_: leptos::ev::DragEvent| {});
    view! {
        <div
            class="card dropzone"
            class:dropzone-active=move || dragging.get()
            data-testid="dropzone"
            on:dragover=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop
        >
            <h2>"Upload a part"</h2>
            <p id="part-help" class="muted">
                "Drop an STL file (binary or ASCII, up to 100 MB) here, or choose one."
            </p>
            <label for="part-file" class="button">"Choose an STL file"</label>
            <input
                id="part-file"
                class="visually-hidden-file"
                type="file"
                accept=".stl,model/stl"
                aria-describedby="part-help"
                on:change=on_change
            />
            {move || {
                progress
                    .get()
                    .map(|p| {
                        view! {
                            <div class="upload-progress">
                                <label for="part-progress">
                                    {if p >= 100 { "Uploaded" } else { "Uploading" }}
                                </label>
                                <progress id="part-progress" max="100" value=p>{format!("{p}%")}</progress>
                            </div>
                        }
                    })
            }}
            <div aria-live="polite">
                {move || status.get().map(|s| view! { <p data-testid="upload-status">{s}</p> })}
                {move || {
                    failure
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
        </div>
    }
}

/// The preview's canvas (drawn by the wasm viewer) and its fit-to-view button.
#[component]
fn PreviewCanvas(visible: Signal<bool>) -> impl IntoView {
    let fit = move |_| {
        #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
        super::viewer::fit();
    };
    view! {
        <div class="preview-wrap" hidden=move || !visible.get()>
            <canvas
                id="part-preview"
                data-testid="preview"
                width="800"
                height="500"
                tabindex="0"
                role="img"
                aria-label="3D preview of the part. Drag or use the arrow keys to turn it, the wheel or + and - to zoom, F to fit it to the view."
            ></canvas>
            <button type="button" class="button button-secondary" on:click=fit>"Fit to view"</button>
        </div>
    }
}

/// `20 × 30 × 40 mm`, the bounding box in `unit`.
fn dims(m: &Metrics, unit: Unit) -> String {
    let [x, y, z] = m.bbox_mm.map(|v| number(v / unit.mm_per_unit()));
    format!("{x} × {y} × {z} {}", unit.as_str())
}

/// Up to three decimals, without trailing zeros.
fn number(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

fn warning_text(w: Warning) -> &'static str {
    match w {
        Warning::NonWatertight => "Not watertight: some edges do not join exactly two faces, so the volume is uncertain.",
        Warning::NonManifold => "Not manifold: some edges join more than two faces, or the faces disagree about inside and out.",
        Warning::TooLarge => "Too large: longer than 440 mm on some axis, beyond our printers.",
    }
}

fn status_text(status: FileStatus) -> &'static str {
    match status {
        FileStatus::PendingUpload => "Waiting for the upload",
        FileStatus::Processing => "Analysing…",
        FileStatus::Ready => "Ready",
        FileStatus::Failed => "Failed",
    }
}

/// One part's status, metrics, warnings and unit override.
#[component]
fn PartDetails(state: PrintState, file: FileView) -> impl IntoView {
    let failure = (file.status == FileStatus::Failed).then(|| {
        file.metrics_json
            .as_ref()
            .and_then(|v| v["error"].as_str())
            .unwrap_or("The analysis failed.")
            .to_owned()
    });
    let body = match metrics(&file) {
        Some(m) => view! { <MetricsPanel state file=file.clone() m /> }.into_any(),
        None => match failure {
            Some(reason) => view! {
                <p class="alert alert-error" role="alert" data-testid="analysis-failed">
                    "The analysis failed: "{reason}
                </p>
            }
            .into_any(),
            None => view! { <p class="muted">"The metrics appear when the analysis is done."</p> }
                .into_any(),
        },
    };
    view! {
        <div class="card" data-testid="part">
            <h2>{file.filename.clone()}</h2>
            <p>
                "Status: "
                <strong data-testid="part-status" data-status=file.status.as_str()>
                    {status_text(file.status)}
                </strong>
                " · "{human_size(file.size_bytes)}
            </p>
            {body}
        </div>
    }
}

#[component]
fn MetricsPanel(state: PrintState, file: FileView, m: Metrics) -> impl IntoView {
    let unit = m.detected_unit;
    let confidence = match file.unit_confirmed_by {
        Some(ConfirmedBy::User) => "chosen by you".to_owned(),
        Some(ConfirmedBy::Agent) => format!(
            "chosen by an agent, {:.0} % likely",
            m.unit_confidence * 100.0
        ),
        None => format!("detected, {:.0} % confidence", m.unit_confidence * 100.0),
    };
    let warnings = m.warnings.clone();
    let radios = Unit::ALL
        .into_iter()
        .map(|u| {
            let id = format!("unit-{}", u.as_str());
            let file = file.clone();
            let m = m.clone();
            let on_change = move |_| change_unit(state, file.clone(), &m, u);
            view! {
                <span class="unit-choice">
                    <input
                        type="radio"
                        name="unit"
                        id=id.clone()
                        value=u.as_str()
                        checked=u == unit
                        on:change=on_change
                    />
                    <label for=id>{u.as_str()}</label>
                </span>
            }
        })
        .collect_view();
    view! {
        <fieldset class="unit-override">
            <legend>"Unit of the file's numbers"</legend>
            {radios}
            <p class="muted">{format!("{} ({confidence})", unit.as_str())}</p>
            {move || {
                state
                    .unit_error
                    .get()
                    .map(|message| view! { <p class="alert alert-error" role="alert">{message}</p> })
            }}
        </fieldset>
        <dl class="metrics" data-testid="metrics">
            <dt>"Size"</dt>
            <dd data-testid="metric-bbox">
                {dims(&m, unit)}
                {(unit != Unit::Mm).then(|| format!(" = {}", dims(&m, Unit::Mm)))}
            </dd>
            <dt>"Volume"</dt>
            <dd data-testid="metric-volume">{format!("{} cm³", number(m.volume_cm3))}</dd>
            <dt>"Surface area"</dt>
            <dd>{format!("{} cm²", number(m.surface_area_cm2))}</dd>
            <dt>"Watertight"</dt>
            <dd>{if m.is_watertight { "yes" } else { "no" }}</dd>
            <dt>"Manifold"</dt>
            <dd>{if m.is_manifold { "yes" } else { "no" }}</dd>
            <dt>"Triangles"</dt>
            <dd>{m.triangle_count}</dd>
            <dt>"Shells"</dt>
            <dd>{m.shells}</dd>
        </dl>
        {if warnings.is_empty() {
            view! { <p data-testid="warnings">"No warnings."</p> }.into_any()
        } else {
            view! {
                <ul class="warnings" data-testid="warnings">
                    {warnings.into_iter().map(|w| view! { <li>{warning_text(w)}</li> }).collect_view()}
                </ul>
            }
                .into_any()
        }}
    }
}

/// Shows the part in `unit` at once (rescaled here), then saves the choice.
fn change_unit(state: PrintState, file: FileView, m: &Metrics, unit: Unit) {
    let mut local = file.clone();
    local.metrics_json = serde_json::to_value(m.with_unit(unit, 1.0)).ok();
    local.selected_unit = Some(unit.into());
    local.unit_confirmed_by = Some(ConfirmedBy::User);
    state.unit_error.set(None);
    state.stage.update(|stage| stage.edit(local));
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        match crate::server_fns::files::set_part_unit(file.id.to_string(), unit.into()).await {
            Ok(saved) => {
                state.stage.update(|stage| stage.replace(saved));
                state.list_version.update(|v| *v += 1);
            }
            Err(error) => {
                state.stage.update(|stage| stage.replace(file));
                state.unit_error.set(Some(format!(
                    "The unit was not saved: {}",
                    crate::format::error_text(&error)
                )));
            }
        }
    });
}

#[component]
fn PartsTable(state: PrintState, list: Vec<FileView>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table data-testid="parts">
                <caption class="visually-hidden">"Your parts"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Size"</th>
                        <th scope="col">"Volume"</th>
                        <th scope="col">"Triangles"</th>
                        <th scope="col">"Uploaded"</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|f| {
                            let m = metrics(&f);
                            view! {
                                <tr>
                                    <td>
                                        <a
                                            href=format!("/print?file={}", f.id)
                                            on:click=move |_| state.stage.update(Stage::show_address)
                                        >
                                            {f.filename.clone()}
                                        </a>
                                    </td>
                                    <td>{status_text(f.status)}</td>
                                    <td>{m.as_ref().map(|m| dims(m, m.detected_unit))}</td>
                                    <td>{m.as_ref().map(|m| format!("{} cm³", number(m.volume_cm3)))}</td>
                                    <td>{m.as_ref().map(|m| m.triangle_count)}</td>
                                    <td>{short_time(&f.created_at)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use domain::files::{FileStatus, FileView};
    use domain::ids::FileId;

    use super::Stage;

    fn part(id: &str, status: FileStatus) -> FileView {
        FileView {
            id: FileId::parse(id).expect("a valid file id"),
            filename: "box.stl".to_owned(),
            size_bytes: 684,
            status,
            metrics_json: None,
            selected_unit: None,
            unit_confirmed_by: None,
            created_at: "2026-11-23T07:39:18Z".to_owned(),
        }
    }

    const A: &str = "0b6f7d1c-3f3e-4a51-9a37-5c3f1b2d7e90";
    const B: &str = "1c7f8e2d-4f4e-4b62-8b48-6d4f2c3e8fa1";

    #[test]
    fn an_upload_reports_its_progress_and_status_from_its_stage() {
        let mut stage = Stage::Preparing;
        assert_eq!(
            (stage.progress(), stage.status()),
            (Some(0), Some("Preparing the upload…"))
        );
        stage = Stage::Uploading { percent: 0 };
        stage.sent(42);
        assert_eq!(
            (stage.progress(), stage.status()),
            (Some(42), Some("Uploading…"))
        );
        stage = Stage::Analysing(None);
        // A progress report arriving late does not move the bar back.
        stage.sent(99);
        assert_eq!(stage.progress(), Some(100));
        assert_eq!(stage.status(), Some("Uploaded; analysing…"));
        assert_eq!(
            Stage::Analysed(part(A, FileStatus::Ready)).status(),
            Some("Analysed.")
        );
        assert_eq!(
            Stage::Analysed(part(A, FileStatus::Failed)).status(),
            Some("The analysis failed.")
        );
        let failed = Stage::Failed("Offline.".to_owned());
        assert_eq!((failed.progress(), failed.status()), (None, None));
        assert_eq!(failed.failure().as_deref(), Some("Offline."));
    }

    #[test]
    fn a_unit_change_keeps_an_analysed_upload_and_its_status() {
        let mut stage = Stage::Analysed(part(A, FileStatus::Ready));
        let mut changed = part(A, FileStatus::Ready);
        changed.filename = "changed.stl".to_owned();
        stage.edit(changed.clone());
        assert_eq!(stage, Stage::Analysed(changed));

        // A part from the address becomes this visit's own once changed.
        let mut stage = Stage::FromAddress;
        stage.edit(part(B, FileStatus::Ready));
        assert_eq!(stage, Stage::Edited(part(B, FileStatus::Ready)));
    }

    #[test]
    fn a_late_answer_does_not_replace_another_part_on_screen() {
        let mut stage = Stage::Edited(part(A, FileStatus::Ready));
        stage.show_address();
        assert_eq!(stage, Stage::FromAddress);
        stage.replace(part(A, FileStatus::Ready));
        assert_eq!(stage, Stage::FromAddress);

        let mut stage = Stage::Analysed(part(B, FileStatus::Ready));
        stage.replace(part(A, FileStatus::Ready));
        assert_eq!(stage, Stage::Analysed(part(B, FileStatus::Ready)));
    }

    #[test]
    fn choosing_a_part_from_the_list_leaves_an_upload_on_its_way() {
        let mut stage = Stage::Uploading { percent: 30 };
        stage.show_address();
        assert_eq!(stage, Stage::Uploading { percent: 30 });
    }
}
