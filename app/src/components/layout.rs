//! The page frame: skip link, header with the product's areas, main content, footer.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use super::theme_toggle::ThemeToggle;
use crate::server_fns::auth::{current_user, SignOut};

/// Wraps every page.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <div class="container header-inner">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    " MatterCraft"
                </a>
                <nav aria-label="Main">
                    <ul class="nav-list">
                        <li><A href="/campaigns">"Campaigns"</A></li>
                        <li><A href="/templates">"Templates"</A></li>
                        <li><A href="/jobs">"Jobs"</A></li>
                        <li><A href="/datasets">"Datasets"</A></li>
                        <li><A href="/print">"Print"</A></li>
                        <li><A href="/orders">"Orders"</A></li>
                        <li><A href="/settings">"Settings"</A></li>
                        // A server route, not an app page: let the browser load it.
                        <li><a href="/v1/docs" rel="external">"API docs"</a></li>
                    </ul>
                </nav>
                <UserMenu />
                <ThemeToggle />
            </div>
        </header>
        <main id="main" class="container" tabindex="-1">
            {children()}
        </main>
        <footer class="site-footer">
            <div class="container">
                <p class="muted">
                    "MatterCraft — from a material idea to a physical object. "
                    <a href="/v1/openapi.json" rel="external">"OpenAPI"</a>
                    " · "
                    <a href="/v1/redoc" rel="external">"ReDoc"</a>
                </p>
            </div>
        </footer>
    }
}

/// "Sign in", or the signed-in person's name with a sign-out button (a form: works without
/// JavaScript). Refreshed on every navigation so it follows sign-in and sign-out.
#[component]
fn UserMenu() -> impl IntoView {
    let location = use_location();
    let sign_out = ServerAction::<SignOut>::new();
    let user = Resource::new(
        move || (location.pathname.get(), sign_out.version().get()),
        |_| current_user(),
    );
    view! {
        <Transition fallback=|| ()>
            {move || {
                user.get()
                    .map(|result| match result {
                        Ok(Some(user)) => view! {
                            <div class="user-menu">
                                <a href="/account" class="user-name">{user.name}</a>
                                <ActionForm action=sign_out>
                                    <button type="submit" class="button-secondary">"Sign out"</button>
                                </ActionForm>
                            </div>
                        }
                        .into_any(),
                        _ => view! { <a class="button" href="/signin">"Sign in"</a> }.into_any(),
                    })
            }}
        </Transition>
    }
}
