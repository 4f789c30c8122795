//! The MatterCraft web app: the HTML shell, the router and the pages. Rendered on the server
//! (feature `ssr`) and hydrated in the browser (feature `hydrate`).

// Without `--cfg erase_components` (release builds) the dashboard's nested view types exceed
// the default limit of 128.
#![recursion_limit = "256"]

pub mod components;
pub mod error;
mod format;
pub mod pages;
mod routes;
pub mod server_fns;
#[cfg(any(feature = "hydrate", test))]
mod xhr_upload;

use leptos::nonce::use_nonce;
use leptos::prelude::*;
use leptos_meta::MetaTags;

pub use routes::App;

/// Applies the saved colour theme before the first paint, so a dark page never flashes light.
/// Inline, so it carries the response's CSP nonce (the server's policy names it).
const THEME_BOOT_SCRIPT: &str = "try{var t=localStorage.getItem('mc-theme');\
if(t==='dark'||t==='light'){document.documentElement.dataset.theme=t}}catch(e){}";

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <script nonce=use_nonce() inner_html=THEME_BOOT_SCRIPT></script>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}
