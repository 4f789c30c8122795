//! The browser side of an upload: presign, `PUT` the bytes to the signed URL with
//! `XMLHttpRequest` (it reports upload progress), confirm, then poll until the analysis is
//! done. Meanwhile the same bytes are parsed here for the 3D preview.

use domain::files::FileStatus;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{File, ProgressEvent, XmlHttpRequest};

use super::print_page::{error_text, PrintState};
use crate::server_fns::files::{confirm_part, get_part, presign_part, STL_CONTENT_TYPE};

/// Uploads `file` and follows its analysis; every step reports through `state`.
pub fn start(file: File, state: PrintState) {
    spawn_local(async move {
        if let Err(message) = run(file, state).await {
            state.status.set(None);
            state.error.set(Some(message));
        }
    });
}

async fn run(file: File, state: PrintState) -> Result<(), String> {
    let name = file.name();
    if !name.to_lowercase().ends_with(".stl") {
        return Err(format!(
            "“{name}” is not an STL file: choose a file ending in .stl."
        ));
    }
    state.error.set(None);
    state.preview_error.set(None);
    state.progress.set(Some(0));
    state.status.set(Some("Preparing the upload…".into()));
    let presigned = presign_part(name, file.size() as u64)
        .await
        .map_err(|e| format!("The upload could not start: {}", error_text(&e)))?;
    let id = presigned.file_id.to_string();
    let (xhr, sent) = put(&presigned.upload_url, &file, state)?;
    state.status.set(Some("Uploading…".into()));

    // While the bytes travel, the same bytes become the preview.
    #[cfg(target_arch = "wasm32")]
    preview(&file, &id, state).await;

    let sent = sent.await;
    let status = xhr.status().unwrap_or(0);
    if sent.is_err() || status == 0 {
        state.progress.set(None);
        return Err(
            "The upload could not reach the server. Check your connection and try again.".into(),
        );
    }
    if !(200..300).contains(&status) {
        state.progress.set(None);
        let body = xhr.response_text().ok().flatten().unwrap_or_default();
        return Err(format!("The upload was refused: {}", rest_message(&body)));
    }
    state.progress.set(Some(100));
    state.status.set(Some("Uploaded; analysing…".into()));
    let mut part = confirm_part(id.clone())
        .await
        .map_err(|e| format!("The analysis could not start: {}", error_text(&e)))?;
    state.live.set(Some(part.clone()));
    // The analysis runs on the job queue; it usually takes a second or two.
    let mut failures = 0;
    while matches!(
        part.status,
        FileStatus::Processing | FileStatus::PendingUpload
    ) {
        sleep(500).await;
        match get_part(id.clone()).await {
            Ok(Some(p)) => {
                failures = 0;
                part = p;
                state.live.set(Some(part.clone()));
            }
            Ok(None) => return Err("You were signed out; sign in again to see the part.".into()),
            Err(e) => {
                failures += 1;
                if failures >= 10 {
                    return Err(format!(
                        "The analysis status is unavailable: {}",
                        error_text(&e)
                    ));
                }
            }
        }
    }
    state.status.set(Some(match part.status {
        FileStatus::Ready => "Analysed.".to_owned(),
        _ => "The analysis failed.".to_owned(),
    }));
    state.list_version.update(|v| *v += 1);
    // The address names the part, so a reload shows it again (from the server).
    if let Ok(history) = window().history() {
        let _ =
            history.replace_state_with_url(&JsValue::NULL, "", Some(&format!("/print?file={id}")));
    }
    Ok(())
}

/// Reads the file's bytes and builds the 3D preview from them.
#[cfg(target_arch = "wasm32")]
async fn preview(file: &File, id: &str, state: PrintState) {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await;
    let Ok(buffer) = buffer else {
        state
            .preview_error
            .set(Some("The preview could not read the file.".into()));
        return;
    };
    let started = super::viewer::now();
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    match super::viewer::show(&bytes, started) {
        Ok(()) => state.preview_id.set(Some(id.to_owned())),
        Err(message) => state.preview_error.set(Some(message)),
    }
}

/// Starts the `PUT` of the file's bytes; the future resolves when the request ends.
fn put(
    url: &str,
    file: &File,
    state: PrintState,
) -> Result<(XmlHttpRequest, wasm_bindgen_futures::JsFuture), String> {
    let cannot = |_| "This browser cannot upload files from this page.".to_owned();
    let xhr = XmlHttpRequest::new().map_err(cannot)?;
    xhr.open("PUT", url).map_err(cannot)?;
    // The signed URL insists on the content type it was signed for; the browser sets the
    // length from the file.
    xhr.set_request_header("Content-Type", STL_CONTENT_TYPE)
        .map_err(cannot)?;
    if let Ok(upload) = xhr.upload() {
        let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
            if e.length_computable() && e.total() > 0.0 {
                state
                    .progress
                    .set(Some((e.loaded() / e.total() * 100.0).floor() as u32));
            }
        });
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        on_progress.forget();
    }
    let request = xhr.clone();
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let on_load = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        request.set_onload(Some(on_load.unchecked_ref()));
        let on_error = Closure::once_into_js(move || {
            let _ = reject.call0(&JsValue::NULL);
        });
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    xhr.send_with_opt_blob(Some(file)).map_err(cannot)?;
    Ok((xhr, wasm_bindgen_futures::JsFuture::from(promise)))
}

/// The message of a REST error body, with its request id.
fn rest_message(body: &str) -> String {
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let mut message = json["message"]
        .as_str()
        .unwrap_or("the server did not accept the file.")
        .to_owned();
    if let Some(id) = json["request_id"].as_str() {
        message.push_str(&format!(" (request id {id})"));
    }
    message
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
