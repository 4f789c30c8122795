//! The styled 404 page.

use leptos::prelude::*;
use leptos_meta::Title;

/// Shown for every unknown path, with HTTP status 404.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <section class="error-page">
            <p class="error-code" aria-hidden="true">"404"</p>
            <h1>"Page not found"</h1>
            <p class="lead">"There is nothing at this address. It may have moved, or the link may be mistyped."</p>
            <a class="button" href="/">"Go to the home page"</a>
        </section>
    }
}
