//! Sign-in, sign-up and account pages.

pub mod account_page;
pub mod email_pages;
pub mod sign_in_page;
pub mod sign_up_page;

use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::params::ParamsMap;

use crate::error::{AppError, AppErrorView};
use crate::server_fns::auth::current_user;
use domain::auth::UserView;

/// The message above a form: the server function's error (JavaScript on), or the sentence for
/// the `?error=` code a plain form post was sent back with (JavaScript off).
pub(crate) fn form_error(failure: Option<AppError>, query: Memo<ParamsMap>) -> Option<String> {
    failure.map(|e| e.message).or_else(|| {
        query
            .read()
            .get("error")
            .map(|code| AppError::from_code(&code).message)
    })
}

/// Where to go after the form succeeds: `?next=`, or the account page.
pub(crate) fn next_path(query: Memo<ParamsMap>) -> String {
    query
        .read()
        .get("next")
        .unwrap_or_else(|| "/account".to_owned())
}

/// The alert above a form, when there is something to say.
#[component]
pub(crate) fn FormAlert(message: Option<String>) -> impl IntoView {
    message.map(|message| {
        view! {
            <div class="alert alert-error" role="alert">
                <p>{message}</p>
            </div>
        }
    })
}

/// The signed-in user, for [`RequireUser`]. Create it once at the top of a page (never inside a
/// closure that re-runs), so server and browser agree on every resource of the page.
pub fn user_resource() -> Resource<Result<Option<UserView>, AppError>> {
    Resource::new(|| (), |()| current_user())
}

/// Renders `child` for the signed-in user; otherwise sends the browser to sign in and back
/// to `here` afterwards. `child` must not create resources: it re-runs as `user` resolves.
#[component]
pub fn RequireUser<F, V>(
    user: Resource<Result<Option<UserView>, AppError>>,
    here: &'static str,
    child: F,
) -> impl IntoView
where
    F: Fn(UserView) -> V + Send + Sync + Clone + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                let child = child.clone();
                user.get()
                    .map(move |result| match result {
                        Ok(Some(user)) => child(user).into_any(),
                        Ok(None) => {
                            view! { <Redirect path=format!("/signin?next={here}") /> }.into_any()
                        }
                        Err(error) => view! { <AppErrorView error /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}
