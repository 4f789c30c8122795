//! The browser side of an upload: presign, `PUT` the bytes to the signed URL with progress
//! ([`crate::xhr_upload`]), confirm, then poll until the analysis is done, moving the page's
//! [`Stage`] along. Meanwhile the same bytes are parsed here for the 3D preview.

use domain::files::FileStatus;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;
use web_sys::File;

use super::print_page::{Preview, PrintState, Stage};
use crate::format::error_text;
use crate::server_fns::files::{confirm_part, get_part, presign_part, STL_CONTENT_TYPE};
use crate::xhr_upload::{self, Payload, UploadError};

/// Uploads `file` and follows its analysis; every step shows in `state.stage`.
pub fn start(file: File, state: PrintState) {
    spawn_local(async move {
        if let Err(reason) = run(file, state).await {
            state.stage.set(Stage::Failed(reason));
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
    state.preview.update(|preview| {
        if matches!(preview, Preview::Failed(_)) {
            *preview = Preview::Empty;
        }
    });
    state.stage.set(Stage::Preparing);
    let presigned = presign_part(name, file.size() as u64)
        .await
        .map_err(|e| format!("The upload could not start: {}", error_text(&e)))?;
    let id = presigned.file_id;
    state.stage.set(Stage::Uploading { percent: 0 });
    let upload = xhr_upload::start(
        "PUT",
        &presigned.upload_url,
        Payload::File {
            file: &file,
            content_type: STL_CONTENT_TYPE,
        },
        move |percent| state.stage.update(|stage| stage.sent(percent)),
    )
    .map_err(|e| e.to_string())?;

    // While the bytes travel, the same bytes become the preview.
    #[cfg(target_arch = "wasm32")]
    preview(&file, &id, state).await;

    upload.finish().await.map_err(|e| match e {
        UploadError::Refused { .. } => format!("The upload was refused: {e}"),
        other => other.to_string(),
    })?;
    state.stage.set(Stage::Analysing(None));
    let mut part = confirm_part(id.to_string())
        .await
        .map_err(|e| format!("The analysis could not start: {}", error_text(&e)))?;
    // The analysis runs on the job queue; it usually takes a second or two.
    let mut failures = 0;
    while matches!(
        part.status,
        FileStatus::Processing | FileStatus::PendingUpload
    ) {
        state.stage.set(Stage::Analysing(Some(part.clone())));
        sleep(500).await;
        match get_part(id.to_string()).await {
            Ok(Some(p)) => {
                failures = 0;
                part = p;
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
    state.stage.set(Stage::Analysed(part));
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
async fn preview(file: &File, id: &domain::ids::FileId, state: PrintState) {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await;
    let Ok(buffer) = buffer else {
        state.preview.set(Preview::Failed(
            "The preview could not read the file.".into(),
        ));
        return;
    };
    let started = super::viewer::now();
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    match super::viewer::show(&bytes, started) {
        Ok(()) => state.preview.set(Preview::Drawn(id.clone())),
        Err(message) => state.preview.set(Preview::Failed(message)),
    }
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
