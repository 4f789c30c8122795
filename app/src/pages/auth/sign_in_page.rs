//! `/signin`: email and password. Works with JavaScript off (a plain form post).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{form_error, next_path, FormAlert};
use crate::server_fns::auth::SignIn;

/// The sign-in form.
#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let next = move || next_path(query);
    let error = move || form_error(action.value().get().and_then(Result::err), query);
    view! {
        <Title text="Sign in" />
        <section class="auth-page">
            <h1>"Sign in"</h1>
            {move || view! { <FormAlert message=error() /> }}
            <ActionForm action>
                <div class="field">
                    <label for="email">"Email"</label>
                    <input id="email" name="email" type="email" autocomplete="email" required />
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required />
                </div>
                <input type="hidden" name="next" value=next />
                <button type="submit" class="button" disabled=move || action.pending().get()>
                    "Sign in"
                </button>
            </ActionForm>
            <p class="muted">
                <a href="/forgot-password">"Forgot password?"</a>
                " · No account yet? "
                <a href="/signup">"Create one"</a>
            </p>
        </section>
    }
}
