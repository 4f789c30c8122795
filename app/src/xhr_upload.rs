//! Sending a file from the browser with progress: `XMLHttpRequest` (the one browser API that
//! reports upload progress), and the sentence for a refusal, read from the REST error body
//! ([`ErrorBody`]). The Print and Datasets pages upload through here.
//!
//! The refusal's wording is plain Rust and tested on the host; the request itself exists in the
//! browser build only.

use domain::error::ErrorBody;

use crate::format::with_request_id;

/// How many of an error body's details a refusal quotes.
const DETAILS_QUOTED: usize = 5;

/// Why an upload did not succeed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum UploadError {
    /// The browser would not make the request.
    Unsupported,
    /// No answer: the connection failed or the request was aborted.
    Unreachable,
    /// The server answered with a status outside 2xx; its error body when it sent one.
    Refused {
        /// The HTTP status.
        status: u16,
        /// The body, if it was the REST API's error body.
        body: Option<ErrorBody>,
    },
}

impl UploadError {
    /// The refusal of a response with `status` and `text` as its body.
    pub(crate) fn refused(status: u16, text: &str) -> Self {
        UploadError::Refused {
            status,
            body: serde_json::from_str(text).ok(),
        }
    }
}

impl std::fmt::Display for UploadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UploadError::Unsupported => {
                f.write_str("This browser cannot upload files from this page.")
            }
            UploadError::Unreachable => f.write_str(
                "The upload could not reach the server. Check your connection and try again.",
            ),
            UploadError::Refused { status, body: None } => {
                write!(f, "The server did not accept the file (HTTP {status}).")
            }
            UploadError::Refused {
                body: Some(body), ..
            } => {
                let mut message = body.message.clone();
                for detail in body.details.iter().take(DETAILS_QUOTED) {
                    message.push_str(&format!(" {}: {}.", detail.path, detail.message));
                }
                f.write_str(&with_request_id(&message, Some(&body.request_id)))
            }
        }
    }
}

#[cfg(feature = "hydrate")]
pub(crate) use browser::{start, Payload};

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{File, FormData, ProgressEvent, XmlHttpRequest};

    use super::UploadError;

    /// What an upload sends.
    pub(crate) enum Payload<'a> {
        /// A file's bytes as they are, with the content type the server expects for them.
        File {
            /// The file.
            file: &'a File,
            /// Its `Content-Type` (a signed URL insists on the one it was signed for).
            content_type: &'a str,
        },
        /// A multipart form; the browser sets its content type.
        Form(&'a FormData),
    }

    /// An upload on its way. Dropping it stops the progress reports, not the request.
    pub(crate) struct Upload {
        xhr: XmlHttpRequest,
        /// Resolves when the request ends, with or without an answer.
        ended: JsFuture,
        /// Kept alive while the request runs, so it is freed with the upload rather than leaked.
        _on_progress: Option<Closure<dyn FnMut(ProgressEvent)>>,
    }

    /// Starts sending `payload` to `url` with `method`, calling `on_progress` with the percent
    /// sent (0–100) as the bytes leave. The request runs while the caller does other work;
    /// [`Upload::finish`] waits for its answer.
    pub(crate) fn start(
        method: &str,
        url: &str,
        payload: Payload<'_>,
        mut on_progress: impl FnMut(u32) + 'static,
    ) -> Result<Upload, UploadError> {
        let unsupported = |_: JsValue| UploadError::Unsupported;
        let xhr = XmlHttpRequest::new().map_err(unsupported)?;
        xhr.open(method, url).map_err(unsupported)?;
        if let Payload::File { content_type, .. } = &payload {
            xhr.set_request_header("Content-Type", content_type)
                .map_err(unsupported)?;
        }
        let on_progress = xhr.upload().ok().map(|upload| {
            let report = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
                if e.length_computable() && e.total() > 0.0 {
                    // Floored, so 100 means every byte has left.
                    on_progress((e.loaded() / e.total() * 100.0).floor().min(100.0) as u32);
                }
            });
            upload.set_onprogress(Some(report.as_ref().unchecked_ref()));
            report
        });
        let request = xhr.clone();
        // `loadend` fires exactly once however the request ends (answer, network error or
        // abort); `finish` tells them apart by the status, which is 0 without an answer.
        let ended = js_sys::Promise::new(&mut |resolve, _| {
            let on_end = Closure::once_into_js(move || {
                let _ = resolve.call0(&JsValue::NULL);
            });
            request.set_onloadend(Some(on_end.unchecked_ref()));
        });
        let sent = match payload {
            Payload::File { file, .. } => xhr.send_with_opt_blob(Some(file)),
            Payload::Form(form) => xhr.send_with_opt_form_data(Some(form)),
        };
        sent.map_err(unsupported)?;
        Ok(Upload {
            xhr,
            ended: JsFuture::from(ended),
            _on_progress: on_progress,
        })
    }

    impl Upload {
        /// Waits for the answer: the body's text for a 2xx status, otherwise why not.
        pub(crate) async fn finish(mut self) -> Result<String, UploadError> {
            let ended = (&mut self.ended).await;
            let status = self.xhr.status().unwrap_or(0);
            if ended.is_err() || status == 0 {
                return Err(UploadError::Unreachable);
            }
            let text = self.xhr.response_text().ok().flatten().unwrap_or_default();
            if (200..300).contains(&status) {
                Ok(text)
            } else {
                Err(UploadError::refused(status, &text))
            }
        }
    }

    impl Drop for Upload {
        fn drop(&mut self) {
            // The progress closure is freed with the upload: the request must not call it after.
            if let Ok(upload) = self.xhr.upload() {
                upload.set_onprogress(None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::UploadError;

    #[test]
    fn a_refusal_quotes_the_message_the_details_and_the_request_id() {
        let body = r#"{"error":"invalid_request","message":"The dataset cannot be read.",
            "details":[{"path":"file","message":"not valid CSV at line 3"}],"request_id":"req_7"}"#;
        assert_eq!(
            UploadError::refused(400, body).to_string(),
            "The dataset cannot be read. file: not valid CSV at line 3. (request id req_7)"
        );
    }

    #[test]
    fn a_refusal_without_the_error_body_names_the_status() {
        assert_eq!(
            UploadError::refused(502, "<html>Bad gateway</html>").to_string(),
            "The server did not accept the file (HTTP 502)."
        );
    }

    #[test]
    fn without_an_answer_the_connection_is_blamed() {
        assert!(UploadError::Unreachable
            .to_string()
            .contains("could not reach the server"));
        assert!(UploadError::Unsupported
            .to_string()
            .contains("cannot upload"));
    }
}
